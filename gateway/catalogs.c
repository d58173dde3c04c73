/*  catalogs.c -- the other departments' published catalogs, as fetched.  */

#include "catalogs.h"
#include "catalog.h"
#include "codec.h"
#include "status.h"

//  One department's catalog: the bytes, the object unpacked over them
//  (msgpack-c's objects point into the bytes they were unpacked from), and
//  what it reads as (its items' maps point into the object).
typedef struct {
    uint64_t version;           //  of the catalog statement: the floor
    msgpack_sbuffer bytes;
    msgpack_unpacked unpacked;
    catalog_pub_t *read;
} s_entry_t;

struct _catalogs_t {
    zhashx_t *entries;          //  department -> s_entry_t
};

static void
s_entry_destroy (s_entry_t **entry_p)
{
    if (*entry_p) {
        catalog_pub_destroy (&(*entry_p)->read);
        msgpack_unpacked_destroy (&(*entry_p)->unpacked);
        msgpack_sbuffer_destroy (&(*entry_p)->bytes);
        free (*entry_p);
        *entry_p = NULL;
    }
}

catalogs_t *
catalogs_new (void)
{
    catalogs_t *self = (catalogs_t *) zmalloc (sizeof (catalogs_t));
    assert (self);
    self->entries = zhashx_new ();
    assert (self->entries);
    zhashx_set_destructor (self->entries, (zhashx_destructor_fn *) s_entry_destroy);
    return self;
}

void
catalogs_destroy (catalogs_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        zhashx_destroy (&(*self_p)->entries);
        free (*self_p);
        *self_p = NULL;
    }
}

int
catalogs_take (catalogs_t *self, const char *department, uint64_t version,
               const msgpack_object *catalog)
{
    assert (self);
    assert (department);
    assert (catalog);
    //  The version orders catalogs, never the time they claim (a clock set
    //  back makes later catalogs seem older); the one held is the floor,
    //  whatever an older copy listed by a broker says
    s_entry_t *held = (s_entry_t *) zhashx_lookup (self->entries, department);
    if (held && held->version >= version)
        return 0;
    s_entry_t *entry = (s_entry_t *) zmalloc (sizeof (s_entry_t));
    assert (entry);
    msgpack_sbuffer_init (&entry->bytes);
    msgpack_unpacked_init (&entry->unpacked);
    entry->version = version;
    msgpack_packer pk;
    msgpack_packer_init (&pk, &entry->bytes, msgpack_sbuffer_write);
    if (msgpack_pack_object (&pk, *catalog)
    ||  codec_unpack ((uint8_t *) entry->bytes.data, entry->bytes.size,
                      &entry->unpacked) != STATUS_OK
    ||  !(entry->read = catalog_pub_decode (&entry->unpacked.data, NULL))) {
        s_entry_destroy (&entry);
        return -1;
    }
    zhashx_update (self->entries, department, entry);
    return 0;
}

catalog_pub_t *
catalogs_get (catalogs_t *self, const char *department)
{
    assert (self);
    s_entry_t *entry = (s_entry_t *) zhashx_lookup (self->entries, department);
    return entry? entry->read: NULL;
}

size_t
catalogs_size (catalogs_t *self)
{
    assert (self);
    return zhashx_size (self->entries);
}

zlist_t *
catalogs_departments (catalogs_t *self)
{
    assert (self);
    zlist_t *departments = zlist_new ();
    zlist_autofree (departments);
    for (void *entry = zhashx_first (self->entries); entry;
         entry = zhashx_next (self->entries))
        zlist_append (departments, (void *) zhashx_cursor (self->entries));
    return departments;
}

void
catalogs_test (bool verbose)
{
    if (verbose)
        printf (" * catalogs: ");
    catalogs_t *catalogs = catalogs_new ();
    assert (catalogs_get (catalogs, "SH-PD-MSA") == NULL);

    //  A published catalog, as catalog_encode gives it
    char *path = zsys_sprintf ("/tmp/sluice-catalogs-%d.cfg", getpid ());
    FILE *file = fopen (path, "w");
    assert (file);
    fprintf (file,
        "catalog\n"
        "    item = \"basic\"\n"
        "        title = \"basic\"\n"
        "        key-type = \"uscc\"\n"
        "        share = \"open\"\n"
        "        sql = \"SELECT name FROM t WHERE k = :key\"\n"
        "        field = \"name\"\n"
        "            type = \"text\"\n"
        "            sensitivity = 0\n");
    fclose (file);
    char *error = NULL;
    catalog_t *catalog = catalog_load (path, &error);
    assert (catalog);
    size_t size;
    uint8_t *payload = catalog_encode (catalog, "SH-PD-MSA", &size);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    assert (codec_unpack (payload, size, &unpacked) == STATUS_OK);

    //  Kept as a copy: the original may go
    assert (catalogs_take (catalogs, "SH-PD-MSA", 2000, &unpacked.data) == 0);
    msgpack_unpacked_destroy (&unpacked);
    memset (payload, 0, size);
    catalog_pub_t *held = catalogs_get (catalogs, "SH-PD-MSA");
    assert (held && catalog_pub_size (held) == 1);
    assert (streq (catalog_pub_department (held), "SH-PD-MSA"));
    assert (streq (catalog_pub_find (held, "basic")->fields [0].type, "text"));
    assert (catalogs_size (catalogs) == 1);
    zlist_t *departments = catalogs_departments (catalogs);
    assert (zlist_size (departments) == 1);
    assert (streq ((char *) zlist_first (departments), "SH-PD-MSA"));
    zlist_destroy (&departments);

    //  An older version does not replace it, nor does the same version
    //  again; something a check cannot read is refused and changes nothing
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    codec_pack_kv_str (&pk, "department", "SH-PD-MSA");
    codec_pack_str (&pk, "items");
    msgpack_pack_array (&pk, 1);
    msgpack_pack_map (&pk, 1);
    codec_pack_kv_str (&pk, "name", "basic");
    msgpack_unpacked_init (&unpacked);
    assert (codec_unpack ((uint8_t *) buffer.data, buffer.size, &unpacked) == STATUS_OK);
    assert (catalogs_take (catalogs, "SH-PD-MSA", 3000, &unpacked.data) == -1);
    assert (catalogs_get (catalogs, "SH-PD-MSA") == held);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_clear (&buffer);
    msgpack_pack_map (&pk, 2);
    codec_pack_kv_str (&pk, "department", "SH-PD-MSA");
    codec_pack_str (&pk, "items");
    msgpack_pack_array (&pk, 0);
    msgpack_unpacked_init (&unpacked);
    assert (codec_unpack ((uint8_t *) buffer.data, buffer.size, &unpacked) == STATUS_OK);
    assert (catalogs_take (catalogs, "SH-PD-MSA", 1000, &unpacked.data) == 0);
    assert (catalogs_get (catalogs, "SH-PD-MSA") == held);
    assert (catalogs_take (catalogs, "SH-PD-MSA", 2000, &unpacked.data) == 0);
    assert (catalogs_get (catalogs, "SH-PD-MSA") == held);
    //  A higher version does
    assert (catalogs_take (catalogs, "SH-PD-MSA", 4000, &unpacked.data) == 0);
    held = catalogs_get (catalogs, "SH-PD-MSA");
    assert (held && catalog_pub_size (held) == 0);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buffer);

    free (payload);
    catalog_destroy (&catalog);
    unlink (path);
    zstr_free (&path);
    catalogs_destroy (&catalogs);
    catalogs_destroy (&catalogs);
    if (verbose)
        printf ("OK\n");
}
