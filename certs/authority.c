/*  authority.c -- the federation authority.

    authority.pub:                      authority.secret (mode 0600):
        authority                           authority
            name = "..."                        name = "..."
            sign-key = "<64 hex>"               sign-key = "<64 hex>"
                                                sign-secret = "<128 hex>"
*/

#include "authority.h"
#include "certfile.h"
#include "status.h"
#include <sodium.h>
#include <sys/stat.h>

#define AUTHORITY_NAME_MAX  128
#define AUTHORITY_TEXT_MAX  4096

struct _authority_t {
    char name [AUTHORITY_NAME_MAX + 1];
    uint8_t public_key [crypto_sign_PUBLICKEYBYTES];
    uint8_t secret_key [crypto_sign_SECRETKEYBYTES];
    bool has_secret;
};

static authority_t *
s_authority_alloc (const char *name, char **error)
{
    if (!certfile_text_valid (name, AUTHORITY_NAME_MAX, false)) {
        status_set_error (error, "authority: invalid name (1 to %d bytes of UTF-8"
                          " text, no control characters or double quotes)",
                          AUTHORITY_NAME_MAX);
        return NULL;
    }
    authority_t *self = (authority_t *) zmalloc (sizeof (authority_t));
    if (self)
        strcpy (self->name, name);
    return self;
}

authority_t *
authority_new (const char *name, char **error)
{
    authority_t *self = s_authority_alloc (name, error);
    if (self) {
        crypto_sign_keypair (self->public_key, self->secret_key);
        self->has_secret = true;
    }
    return self;
}

//  Text of authority.pub or, with the secret, authority.secret
static char *
s_authority_text (authority_t *self, bool secret)
{
    zconfig_t *root = zconfig_new ("root", NULL);
    if (!root)
        return NULL;
    zconfig_set_comment (root, secret
        ? "   Sluice federation authority: SECRET key, keep it with the admin"
        : "   Sluice federation authority: public key, give to every broker and gateway");
    char *hex = certfile_hex (self->public_key, sizeof (self->public_key));
    zconfig_put (root, "authority/name", self->name);
    zconfig_put (root, "authority/sign-key", hex);
    zstr_free (&hex);
    if (secret) {
        hex = certfile_hex (self->secret_key, sizeof (self->secret_key));
        zconfig_put (root, "authority/sign-secret", hex);
        sodium_memzero (hex, strlen (hex));
        zstr_free (&hex);
    }
    char *text = zconfig_str_save (root);
    zconfig_destroy (&root);
    return text;
}

authority_t *
authority_load (const char *path, char **error)
{
    assert (path);
    size_t size;
    char *text = certfile_read (path, AUTHORITY_TEXT_MAX, &size, error);
    if (!text)
        return NULL;
    zconfig_t *root = certfile_parse (text, size, AUTHORITY_TEXT_MAX);
    free (text);
    authority_t *self = NULL;
    const char *names [] = { "name", "sign-key", "sign-secret" };
    const char *values [3];
    zconfig_t *section = root? zconfig_child (root): NULL;
    if (!section
    ||  !streq (zconfig_name (section), "authority")
    ||  zconfig_next (section)) {
        status_set_error (error, "%s: expected one 'authority' section", path);
        goto done;
    }
    if (certfile_fields (section, path, names, 3, values, error))
        goto done;
    if (!values [0] || !values [1]) {
        status_set_error (error, "%s: 'name' and 'sign-key' are required", path);
        goto done;
    }
    self = s_authority_alloc (values [0], error);
    if (!self)
        goto done;
    if (certfile_hex_parse (values [1], self->public_key, sizeof (self->public_key))) {
        status_set_error (error, "%s: 'sign-key' must be 64 lowercase hex digits", path);
        authority_destroy (&self);
        goto done;
    }
    if (values [2]) {
        uint8_t derived [crypto_sign_PUBLICKEYBYTES];
        if (certfile_hex_parse (values [2], self->secret_key, sizeof (self->secret_key))
        ||  crypto_sign_ed25519_sk_to_pk (derived, self->secret_key)
        ||  sodium_memcmp (derived, self->public_key, sizeof (derived))) {
            status_set_error (error, "%s: 'sign-secret' is malformed or does not"
                              " match 'sign-key'", path);
            authority_destroy (&self);
            goto done;
        }
        self->has_secret = true;
        struct stat st;
        if (stat (path, &st) == 0 && (st.st_mode & 077))
            zsys_warning ("authority: %s holds the secret key but is readable "
                          "by others; chmod 600 it", path);
    }
done:
    zconfig_destroy (&root);
    return self;
}

int
authority_save (authority_t *self, const char *dir, bool force, char **error)
{
    assert (self);
    assert (dir);
    char *public_path = zsys_sprintf ("%s/authority.pub", dir);
    char *secret_path = zsys_sprintf ("%s/authority.secret", dir);
    char *public_text = s_authority_text (self, false);
    char *secret_text = self->has_secret? s_authority_text (self, true): NULL;
    int rc = -1;
    if (!public_path || !secret_path || !public_text
    || (self->has_secret && !secret_text)) {
        status_set_error (error, "%s: out of memory", dir);
        goto done;
    }
    //  Check both first, so that a refusal leaves nothing half-written
    if (!force && certfile_exists (public_path)) {
        status_set_error (error, "%s exists; not replaced without force", public_path);
        goto done;
    }
    if (!force && self->has_secret && certfile_exists (secret_path)) {
        status_set_error (error, "%s exists; not replaced without force", secret_path);
        goto done;
    }
    if (secret_text && certfile_write (secret_path, secret_text, true, force, error))
        goto done;
    rc = certfile_write (public_path, public_text, false, force, error);
done:
    if (secret_text) {
        sodium_memzero (secret_text, strlen (secret_text));
        zstr_free (&secret_text);
    }
    zstr_free (&public_text);
    zstr_free (&public_path);
    zstr_free (&secret_path);
    return rc;
}

void
authority_destroy (authority_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        authority_t *self = *self_p;
        sodium_memzero (self, sizeof (authority_t));
        free (self);
        *self_p = NULL;
    }
}

const char *
authority_name (authority_t *self)
{
    assert (self);
    return self->name;
}

const uint8_t *
authority_public (authority_t *self)
{
    assert (self);
    return self->public_key;
}

bool
authority_has_secret (authority_t *self)
{
    assert (self);
    return self->has_secret;
}

int
authority_sign (authority_t *self, const uint8_t *data, size_t size, uint8_t *sig)
{
    assert (self);
    assert (sig);
    if (!self->has_secret)
        return -1;
    crypto_sign_detached (sig, NULL, data, size, self->secret_key);
    return 0;
}

void
authority_test (bool verbose)
{
    printf (" * authority: ");
    if (verbose)
        printf ("\n");

    char *dir = zsys_sprintf ("/tmp/sluice-authority-%d", getpid ());
    assert (mkdir (dir, 0700) == 0);
    char *public_path = zsys_sprintf ("%s/authority.pub", dir);
    char *secret_path = zsys_sprintf ("%s/authority.secret", dir);

    //  New, sign, save, load both files
    authority_t *authority = authority_new ("Pudong federation 浦东", NULL);
    assert (authority);
    assert (authority_has_secret (authority));
    assert (streq (authority_name (authority), "Pudong federation 浦东"));
    uint8_t sig [crypto_sign_BYTES];
    assert (authority_sign (authority, (const uint8_t *) "hello", 5, sig) == 0);
    assert (crypto_sign_verify_detached (sig, (const uint8_t *) "hello", 5,
                                         authority_public (authority)) == 0);
    assert (authority_save (authority, dir, false, NULL) == 0);
    struct stat st;
    assert (stat (secret_path, &st) == 0 && (st.st_mode & 0777) == 0600);
    char *error = NULL;
    assert (authority_save (authority, dir, false, &error) == -1);     //  no overwrite
    assert (error && strstr (error, "exists; not replaced without force"));
    zstr_free (&error);

    authority_t *loaded = authority_load (secret_path, &error);
    assert (loaded);
    assert (authority_has_secret (loaded));
    assert (streq (authority_name (loaded), authority_name (authority)));
    assert (memcmp (authority_public (loaded), authority_public (authority), 32) == 0);
    uint8_t sig2 [crypto_sign_BYTES];
    assert (authority_sign (loaded, (const uint8_t *) "hello", 5, sig2) == 0);
    assert (memcmp (sig, sig2, sizeof (sig)) == 0);           //  Ed25519 is deterministic
    authority_destroy (&loaded);

    loaded = authority_load (public_path, NULL);
    assert (loaded);
    assert (!authority_has_secret (loaded));
    assert (memcmp (authority_public (loaded), authority_public (authority), 32) == 0);
    assert (authority_sign (loaded, (const uint8_t *) "hello", 5, sig2) == -1);
    authority_destroy (&loaded);

    //  Replace with force: a new key, still 0600
    authority_t *other = authority_new ("Other", NULL);
    assert (authority_save (other, dir, true, NULL) == 0);
    assert (stat (secret_path, &st) == 0 && (st.st_mode & 0777) == 0600);
    loaded = authority_load (public_path, NULL);
    assert (loaded);
    assert (memcmp (authority_public (loaded), authority_public (other), 32) == 0);
    authority_destroy (&loaded);

    //  Bad names and bad files
    assert (authority_new ("", &error) == NULL);
    assert (error && strstr (error, "invalid name"));
    zstr_free (&error);
    assert (authority_new ("a \"quoted\" name", NULL) == NULL);
    assert (authority_new ("line\nbreak", NULL) == NULL);
    char *bad_path = zsys_sprintf ("%s/bad", dir);
    char *public_hex = certfile_hex (authority_public (authority), 32);
    char *secret_hex = certfile_hex ((const uint8_t *) "0123456789abcdef0123456789abcdef"
                                     "0123456789abcdef0123456789abcdef", 64);
    char *bad_texts [] = {
        zsys_sprintf ("authority\n    name = \"x\"\n"),
        zsys_sprintf ("authority\n    sign-key = \"%s\"\n", public_hex),
        zsys_sprintf ("authority\n    name = \"x\"\n    sign-key = \"%.62s\"\n", public_hex),
        zsys_sprintf ("authority\n    name = \"x\"\n    sign-key = \"%s\"\n    extra = \"1\"\n", public_hex),
        zsys_sprintf ("authority\n    name = \"x\"\n    sign-key = \"%s\"\n    sign-secret = \"%s\"\n",
                      public_hex, secret_hex),     //  secret of another key
        zsys_sprintf ("other\n    name = \"x\"\n    sign-key = \"%s\"\n", public_hex),
        zsys_sprintf ("authority\n    name = \"x\"\n    sign-key = \"%s\"\nmore\n", public_hex),
        zsys_sprintf ("\x01\x02garbage"),
        zsys_sprintf ("%s", ""),
        NULL
    };
    for (int index = 0; bad_texts [index]; index++) {
        unlink (bad_path);
        assert (certfile_write (bad_path, bad_texts [index], false, false, NULL) == 0);
        assert (authority_load (bad_path, &error) == NULL);
        assert (error && strstr (error, bad_path));
        if (verbose)
            printf ("    %s\n", error);
        zstr_free (&error);
        zstr_free (&bad_texts [index]);
    }
    //  The well-formed public text loads
    char *good = zsys_sprintf ("authority\n    name = \"x\"\n    sign-key = \"%s\"\n", public_hex);
    assert (certfile_write (bad_path, good, false, true, NULL) == 0);
    loaded = authority_load (bad_path, NULL);
    assert (loaded);
    authority_destroy (&loaded);
    zstr_free (&good);
    //  Oversized
    char *big = (char *) zmalloc (AUTHORITY_TEXT_MAX + 10);
    memset (big, '#', AUTHORITY_TEXT_MAX + 9);
    assert (certfile_write (bad_path, big, false, true, NULL) == 0);
    assert (authority_load (bad_path, NULL) == NULL);
    free (big);
    assert (authority_load ("/nonexistent/authority.pub", &error) == NULL);
    assert (error && strstr (error, "/nonexistent/authority.pub"));
    zstr_free (&error);

    unlink (bad_path);
    unlink (public_path);
    unlink (secret_path);
    rmdir (dir);
    zstr_free (&public_hex);
    zstr_free (&secret_hex);
    zstr_free (&bad_path);
    zstr_free (&public_path);
    zstr_free (&secret_path);
    zstr_free (&dir);
    authority_destroy (&other);
    authority_destroy (&authority);
    authority_destroy (&authority);     //  safe twice
    printf ("OK\n");
}
