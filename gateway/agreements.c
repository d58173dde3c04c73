/*  agreements.c -- the agreements in force at this provider.

    A hash by id owns them; a second hash by "CONSUMER item" holds, for
    each pair, a list of the pair's agreements sorted by id (borrowed), so
    that the first agreement that grants, in id order, decides.
*/

#include "agreements.h"
#include "ident.h"
#include "item.h"
#include <czmq.h>

struct _agreements_t {
    zhashx_t *by_id;            //  id -> agreement_t, owned
    zhashx_t *by_pair;          //  "CONSUMER item" -> zlistx of agreement_t,
                                //  borrowed, sorted by id
    zlistx_t *walked;           //  the list agreements_next_of walks
};

//  A key "CONSUMER item" holds both names and a space
#define S_PAIR_KEY_MAX  (IDENT_MAX + 1 + ITEM_NAME_MAX + 1 + 32)

static int
s_compare_ids (const void *a, const void *b)
{
    return strcmp (agreement_id ((agreement_t *) a), agreement_id ((agreement_t *) b));
}

//  Writes "CONSUMER item" into key; false if it does not fit (then nothing
//  can match: department ids and item names are bounded well below).
static bool
s_pair_key (char *key, size_t size, const char *consumer, const char *item)
{
    int length = snprintf (key, size, "%s %s", consumer, item);
    return length > 0 && (size_t) length < size;
}

agreements_t *
agreements_new (void)
{
    agreements_t *self = (agreements_t *) zmalloc (sizeof (agreements_t));
    if (!self)
        return NULL;
    self->by_id = zhashx_new ();
    self->by_pair = zhashx_new ();
    if (!self->by_id || !self->by_pair) {
        agreements_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->by_id, (zhashx_destructor_fn *) agreement_destroy);
    zhashx_set_destructor (self->by_pair, (zhashx_destructor_fn *) zlistx_destroy);
    return self;
}

void
agreements_destroy (agreements_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        agreements_t *self = *self_p;
        zhashx_destroy (&self->by_pair);
        zhashx_destroy (&self->by_id);
        free (self);
        *self_p = NULL;
    }
}

static void
s_index (agreements_t *self, agreement_t *agreement)
{
    char key [S_PAIR_KEY_MAX];
    bool fits = s_pair_key (key, sizeof (key), agreement_consumer (agreement),
                            agreement_item (agreement));
    assert (fits);              //  agreement_new bounds both names
    zlistx_t *list = (zlistx_t *) zhashx_lookup (self->by_pair, key);
    if (!list) {
        list = zlistx_new ();
        assert (list);
        zlistx_set_comparator (list, s_compare_ids);
        zhashx_insert (self->by_pair, key, list);
    }
    zlistx_insert (list, agreement, true);
}

static void
s_unindex (agreements_t *self, agreement_t *agreement)
{
    char key [S_PAIR_KEY_MAX];
    bool fits = s_pair_key (key, sizeof (key), agreement_consumer (agreement),
                            agreement_item (agreement));
    assert (fits);
    zlistx_t *list = (zlistx_t *) zhashx_lookup (self->by_pair, key);
    assert (list);
    for (void *item = zlistx_first (list); item; item = zlistx_next (list))
        if (item == agreement) {
            zlistx_delete (list, zlistx_cursor (list));
            break;
        }
    if (zlistx_size (list) == 0)
        zhashx_delete (self->by_pair, key);
}

bool
agreements_put (agreements_t *self, agreement_t *agreement)
{
    assert (self);
    assert (agreement);
    self->walked = NULL;
    agreement_t *old = (agreement_t *) zhashx_lookup (self->by_id, agreement_id (agreement));
    if (old) {
        s_unindex (self, old);
        zhashx_delete (self->by_id, agreement_id (agreement));
    }
    zhashx_insert (self->by_id, agreement_id (agreement), agreement);
    s_index (self, agreement);
    return old != NULL;
}

int
agreements_remove (agreements_t *self, const char *agreement_id)
{
    assert (self);
    agreement_t *agreement = agreement_id?
        (agreement_t *) zhashx_lookup (self->by_id, agreement_id): NULL;
    if (!agreement)
        return -1;
    self->walked = NULL;
    //  The id may be the agreement's own string, freed with it
    char id [AGREEMENT_ID_MAX + 1];
    snprintf (id, sizeof (id), "%s", agreement_id);
    s_unindex (self, agreement);
    zhashx_delete (self->by_id, id);
    return 0;
}

agreement_t *
agreements_get (agreements_t *self, const char *agreement_id)
{
    assert (self);
    return agreement_id? (agreement_t *) zhashx_lookup (self->by_id, agreement_id): NULL;
}

agreement_t *
agreements_first_of (agreements_t *self, const char *consumer, const char *item)
{
    assert (self);
    assert (consumer && item);
    char key [S_PAIR_KEY_MAX];
    self->walked = s_pair_key (key, sizeof (key), consumer, item)?
                   (zlistx_t *) zhashx_lookup (self->by_pair, key): NULL;
    return self->walked? (agreement_t *) zlistx_first (self->walked): NULL;
}

agreement_t *
agreements_next_of (agreements_t *self)
{
    assert (self);
    return self->walked? (agreement_t *) zlistx_next (self->walked): NULL;
}

agreement_t *
agreements_first (agreements_t *self)
{
    assert (self);
    return (agreement_t *) zhashx_first (self->by_id);
}

agreement_t *
agreements_next (agreements_t *self)
{
    assert (self);
    return (agreement_t *) zhashx_next (self->by_id);
}

size_t
agreements_size (agreements_t *self)
{
    assert (self);
    return zhashx_size (self->by_id);
}


//  --------------------------------------------------------------------------
//  Self-test

static agreement_t *
s_test_agreement (const char *id, const char *consumer, const char *item, uint32_t quota)
{
    agreement_t *agreement = agreement_new (id, "SH-PD-MSA", consumer, item, "name",
                                            "audit", "Article 1", 0, 86400, quota, "*",
                                            NULL);
    assert (agreement);
    return agreement;
}

void
agreements_test (bool verbose)
{
    if (verbose)
        printf (" * agreements: ");
    agreements_t *self = agreements_new ();
    assert (self);
    assert (agreements_size (self) == 0);
    assert (!agreements_first_of (self, "SH-PD-TAX", "basic"));
    assert (!agreements_first (self));

    //  A pair's agreements come in id order, whatever the order put
    assert (!agreements_put (self, s_test_agreement ("AGR-3", "SH-PD-TAX", "basic", 1)));
    assert (!agreements_put (self, s_test_agreement ("AGR-1", "SH-PD-TAX", "basic", 1)));
    assert (!agreements_put (self, s_test_agreement ("AGR-2", "SH-PD-TAX", "other", 1)));
    assert (!agreements_put (self, s_test_agreement ("AGR-4", "SH-PD-HR", "basic", 1)));
    assert (agreements_size (self) == 4);
    assert (streq (agreement_id (agreements_first_of (self, "SH-PD-TAX", "basic")), "AGR-1"));
    assert (streq (agreement_id (agreements_next_of (self)), "AGR-3"));
    assert (!agreements_next_of (self));
    assert (!agreements_first_of (self, "SH-PD-HR", "other"));
    assert (!agreements_next_of (self));

    //  The same id replaces, in both indexes
    assert (agreements_put (self, s_test_agreement ("AGR-1", "SH-PD-HR", "basic", 7)));
    assert (agreements_size (self) == 4);
    assert (agreement_daily_quota (agreements_get (self, "AGR-1")) == 7);
    assert (streq (agreement_id (agreements_first_of (self, "SH-PD-TAX", "basic")), "AGR-3"));
    assert (!agreements_next_of (self));
    assert (streq (agreement_id (agreements_first_of (self, "SH-PD-HR", "basic")), "AGR-1"));
    assert (streq (agreement_id (agreements_next_of (self)), "AGR-4"));

    //  Removed, by its own id too; the last of a pair takes the pair along
    assert (agreements_remove (self, agreement_id (agreements_get (self, "AGR-3"))) == 0);
    assert (agreements_remove (self, "AGR-3") == -1);
    assert (agreements_remove (self, NULL) == -1);
    assert (!agreements_get (self, "AGR-3") && !agreements_get (self, NULL));
    assert (!agreements_first_of (self, "SH-PD-TAX", "basic"));
    size_t count = 0;
    for (agreement_t *agreement = agreements_first (self); agreement;
         agreement = agreements_next (self))
        count++;
    assert (count == 3 && agreements_size (self) == 3);
    agreements_destroy (&self);
    agreements_destroy (&self);
    assert (self == NULL);
    if (verbose)
        printf ("OK\n");
}
