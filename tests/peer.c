/*  peer.c -- what the test peers (sluice-rogue, sluice-liar) share.

    See peer.h. Messages go to stderr prefixed with the program's name; the
    texts are those the integration tests (tests/run.sh) expect.
*/

#include "peer.h"
#include "message.h"
#include "authority.h"
#include "certtext.h"
#include "status.h"
#include "version.h"
#include <sodium.h>
#include <unistd.h>


//  --------------------------------------------------------------------------
//  Command line

const void *
peer_table_find (const void *table, size_t count, size_t size, const char *name)
{
    assert (table || count == 0);
    const char *entry = (const char *) table;
    for (size_t index = 0; index < count; index++, entry += size)
        if (streq (*(const char *const *) entry, name))
            return entry;
    return NULL;
}

//  The argument struct's value at `offset`.
static const char **
s_value (void *args, size_t offset)
{
    return (const char **) ((char *) args + offset);
}

static void
s_usage (const peer_cli_t *cli, FILE *file)
{
    fputs (cli->synopsis, file);
    for (size_t index = 0; index < cli->flag_count; index++)
        fprintf (file, "  %s %s\n", cli->flags [index].flag, cli->flags [index].help);
    fprintf (file, "\nattacks:\n");
    const char *entry = (const char *) cli->attacks;
    for (size_t index = 0; index < cli->attack_count; index++, entry += cli->attack_size)
        fprintf (file, "  %-*s %s\n", cli->attack_width, *(const char *const *) entry,
                 *(const char *const *) (entry + cli->attack_help));
    fputs (cli->epilogue, file);
}

//  Fills args from argv; 0, 1 for --help, -1 on a usage error (said on stderr).
static int
s_args_parse (const peer_cli_t *cli, int argc, char *argv [], void *args)
{
    for (int arg = 1; arg < argc; arg++) {
        if (streq (argv [arg], "--help") || streq (argv [arg], "-h"))
            return 1;
        const peer_flag_t *flag = (const peer_flag_t *) peer_table_find (
            cli->flags, cli->flag_count, sizeof (peer_flag_t), argv [arg]);
        if (!flag) {
            fprintf (stderr, "%s: unknown argument '%s'\n", cli->program, argv [arg]);
            return -1;
        }
        if (arg + 1 >= argc) {
            fprintf (stderr, "%s: %s needs a value\n", cli->program, flag->flag);
            return -1;
        }
        *s_value (args, flag->offset) = argv [++arg];
    }
    for (size_t index = 0; index < cli->flag_count; index++)
        if (cli->flags [index].required && !*s_value (args, cli->flags [index].offset)) {
            fprintf (stderr, "%s: %s is required\n", cli->program, cli->flags [index].flag);
            return -1;
        }
    return cli->check? cli->check (args): 0;
}

//  Starts, parses argv into args and finds the attack; 0 with *attack_p
//  set, 1 after --help (the usage printed), -1 on a problem (said).
static int
s_cli_parse (const peer_cli_t *cli, int argc, char *argv [], void *args,
             const void **attack_p)
{
    assert (cli && args && attack_p);
    *attack_p = NULL;
    zsys_init ();
    zsys_set_logstream (stderr);
    zsys_set_logsystem (false);
    if (sodium_init () < 0) {
        fprintf (stderr, "%s: libsodium failed to start\n", cli->program);
        return -1;
    }
    //  Every value is a pointer; NULL until its flag is seen
    for (size_t index = 0; index < cli->flag_count; index++)
        *s_value (args, cli->flags [index].offset) = NULL;
    *s_value (args, cli->attack_arg) = NULL;
    int parsed = s_args_parse (cli, argc, argv, args);
    if (parsed > 0) {
        s_usage (cli, stdout);
        return 1;
    }
    if (parsed < 0) {
        fprintf (stderr, "%s: see --help\n", cli->program);
        return -1;
    }
    const char *name = *s_value (args, cli->attack_arg);
    *attack_p = peer_table_find (cli->attacks, cli->attack_count, cli->attack_size,
                                 name);
    if (!*attack_p) {
        fprintf (stderr, "%s: unknown attack '%s' (see --help)\n", cli->program, name);
        return -1;
    }
    return 0;
}


//  --------------------------------------------------------------------------
//  Output

//  The real stdout as a new FILE, fd 1 sent to stderr; NULL (said) if that
//  cannot be done. The caller closes the FILE.
static FILE *
s_output_new (const char *program)
{
    int out_fd = dup (STDOUT_FILENO);
    FILE *out = out_fd >= 0? fdopen (out_fd, "w"): NULL;
    if (!out || dup2 (STDERR_FILENO, STDOUT_FILENO) < 0) {
        fprintf (stderr, "%s: cannot set up the output\n", program);
        if (out)
            fclose (out);
        else
        if (out_fd >= 0)
            close (out_fd);
        return NULL;
    }
    return out;
}

int
peer_main (const peer_cli_t *cli, int argc, char *argv [], void *args)
{
    assert (cli && cli->run);
    if (version_asked (argc, argv, cli->program, stdout))
        return 0;
    const void *attack;
    int parsed = s_cli_parse (cli, argc, argv, args, &attack);
    FILE *out = parsed == 0? s_output_new (cli->program): NULL;
    if (!out)
        return parsed > 0? 0: PEER_EXIT_USAGE;
    int rc = cli->run (args, attack, out);
    fclose (out);
    return rc;
}


//  --------------------------------------------------------------------------
//  Trust

int
peer_authority_load (const char *path, uint8_t *authority)
{
    assert (authority);
    authority_t *loaded = path? authority_load (path, NULL): NULL;
    if (!loaded)
        return -1;
    memcpy (authority, authority_public (loaded), CERT_KEY_BYTES);
    authority_destroy (&loaded);
    return 0;
}

cert_t *
peer_cert_load (const char *path, const uint8_t *authority, bool with_secret)
{
    cert_t *cert = path? certtext_load (path, NULL): NULL;
    if (cert && ((with_secret && !cert_has_secret (cert))
             ||  (authority && cert_verify (cert, authority))))
        cert_destroy (&cert);
    return cert;
}


//  --------------------------------------------------------------------------
//  Envelopes

//  An envelope with the id `id` (NULL: a fresh one), its time moved by
//  skew_ms, signed and perhaps sealed
static envelope_t *
s_envelope_new (int type, const char *from, const char *to, const uint8_t *id,
                const uint8_t *payload, size_t size, int64_t skew_ms,
                const uint8_t *sign_secret, const uint8_t *box_key)
{
    assert (sign_secret);
    envelope_t *envelope = envelope_new (type, from, to);
    if (envelope) {
        envelope_header_t *header = envelope_header_mut (envelope);
        header->time_ms = (uint64_t) ((int64_t) header->time_ms + skew_ms);
        if (id)
            memcpy (header->id, id, ENVELOPE_ID_BYTES);
        if (envelope_seal (envelope, payload, size, sign_secret, box_key))
            envelope_destroy (&envelope);
    }
    return envelope;
}

envelope_t *
peer_envelope_new (int type, const char *from, const char *to,
                   const uint8_t *payload, size_t size, int64_t skew_ms,
                   const uint8_t *sign_secret, const uint8_t *box_key)
{
    return s_envelope_new (type, from, to, NULL, payload, size, skew_ms, sign_secret,
                           box_key);
}

envelope_t *
peer_envelope_id_new (int type, const char *from, const char *to, const uint8_t *id,
                      const uint8_t *payload, size_t size,
                      const uint8_t *sign_secret, const uint8_t *box_key)
{
    assert (id);
    return s_envelope_new (type, from, to, id, payload, size, 0, sign_secret, box_key);
}

envelope_t *
peer_query_new (const peer_query_t *query, const uint8_t *sign_secret,
                const uint8_t *box_key)
{
    assert (query);
    message_query_t message;
    memset (&message, 0, sizeof (message));
    snprintf (message.item, sizeof (message.item), "%s", query->item);
    snprintf (message.key, sizeof (message.key), "%s", query->key);
    snprintf (message.purpose, sizeof (message.purpose), "%s", query->purpose);
    snprintf (message.officer, sizeof (message.officer), "%s", query->officer);
    snprintf (message.role, sizeof (message.role), "inspector");
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    message_query_encode (&message, &buffer);
    envelope_t *envelope = peer_envelope_new (MSG_QUERY, query->from, query->to,
                                              (uint8_t *) buffer.data, buffer.size,
                                              query->skew_ms, sign_secret, box_key);
    msgpack_sbuffer_destroy (&buffer);
    return envelope;
}


//  --------------------------------------------------------------------------
//  Self-test

typedef struct {
    const char *name;
    int value;
    const char *help;
} s_test_attack_t;

typedef struct {
    const char *attack;
    const char *cert;
} s_test_args_t;

static int
s_test_check (void *args)
{
    return streq (((s_test_args_t *) args)->attack, "refused")? -1: 0;
}

//  Returns the attack's value, having written on the report stream.
static int
s_test_run (void *args, const void *attack, FILE *out)
{
    assert (args && out);
    assert (fprintf (out, "%s\n", ((s_test_args_t *) args)->attack) > 0);
    return ((const s_test_attack_t *) attack)->value;
}

void
peer_test (bool verbose)
{
    printf (" * peer: ");
    static const s_test_attack_t attacks [] = {
        { "first", 1, "the first" },
        { "second", 2, "the second" },
        { "refused", 3, "refused by the check" },
    };
    assert (peer_table_find (attacks, 3, sizeof (attacks [0]), "second") == &attacks [1]);
    assert (peer_table_find (attacks, 3, sizeof (attacks [0]), "third") == NULL);
    assert (peer_table_find (NULL, 0, sizeof (attacks [0]), "first") == NULL);

    static const peer_flag_t flags [] = {
        { "--attack", offsetof (s_test_args_t, attack), true, "NAME  the attack" },
        { "--cert",   offsetof (s_test_args_t, cert),   false, "FILE  a certificate" },
    };
    const peer_cli_t cli = {
        .program = "peer-test", .synopsis = "usage: peer-test\n", .epilogue = "",
        .flags = flags, .flag_count = 2,
        .attack_arg = offsetof (s_test_args_t, attack), .check = s_test_check,
        .attacks = attacks, .attack_count = 3, .attack_size = sizeof (attacks [0]),
        .attack_help = offsetof (s_test_attack_t, help), .attack_width = 8,
        .run = s_test_run
    };
    s_test_args_t args;
    const void *attack;
    char *good [] = { "peer-test", "--attack", "second", "--cert", "x.cert" };
    assert (s_cli_parse (&cli, 5, good, &args, &attack) == 0);
    assert (attack == &attacks [1]);
    assert (streq (args.cert, "x.cert"));
    char *no_cert [] = { "peer-test", "--attack", "first" };
    assert (s_cli_parse (&cli, 3, no_cert, &args, &attack) == 0);
    assert (attack == &attacks [0] && args.cert == NULL);
    //  Bad command lines, each said on stderr
    char *unknown_flag [] = { "peer-test", "--attack", "first", "--nope", "1" };
    assert (s_cli_parse (&cli, 5, unknown_flag, &args, &attack) == -1);
    assert (attack == NULL);
    char *no_value [] = { "peer-test", "--attack" };
    assert (s_cli_parse (&cli, 2, no_value, &args, &attack) == -1);
    char *missing [] = { "peer-test", "--cert", "x.cert" };
    assert (s_cli_parse (&cli, 3, missing, &args, &attack) == -1);
    char *unknown_attack [] = { "peer-test", "--attack", "third" };
    assert (s_cli_parse (&cli, 3, unknown_attack, &args, &attack) == -1);
    char *refused [] = { "peer-test", "--attack", "refused" };
    assert (s_cli_parse (&cli, 3, refused, &args, &attack) == -1);
    if (verbose) {
        char *help [] = { "peer-test", "--attack", "first", "--help" };
        assert (s_cli_parse (&cli, 4, help, &args, &attack) == 1);
    }

    //  Trust: an authority, a certificate it signed and one it did not
    char *dir = zsys_sprintf ("/tmp/sluice-peer-test-%d", getpid ());
    assert (zsys_dir_create ("%s", dir) == 0);
    authority_t *authority = authority_new ("Test authority", NULL);
    assert (authority && authority_save (authority, dir, true, NULL) == 0);
    int64_t now = zclock_time () / 1000;
    cert_t *signed_cert = cert_new ("SH-PD-TEST", "Test", "department", 1, 1,
                                    now - 60, now + 3600, NULL);
    cert_t *unsigned_cert = cert_new ("SH-PD-OTHER", "Other", "department", 1, 2,
                                      now - 60, now + 3600, NULL);
    assert (signed_cert && unsigned_cert);
    cert_sign_by (signed_cert, authority);
    char *signed_path = zsys_sprintf ("%s/signed.cert", dir);
    char *secret_path = zsys_sprintf ("%s/signed.cert_secret", dir);
    char *unsigned_path = zsys_sprintf ("%s/unsigned.cert", dir);
    char *unsigned_secret = zsys_sprintf ("%s/unsigned.cert_secret", dir);
    char *authority_path = zsys_sprintf ("%s/authority.pub", dir);
    char *missing_path = zsys_sprintf ("%s/missing", dir);
    assert (certtext_save (signed_cert, signed_path, true, NULL) == 0);
    assert (certtext_save (unsigned_cert, unsigned_path, true, NULL) == 0);

    uint8_t key [CERT_KEY_BYTES];
    assert (peer_authority_load (authority_path, key) == 0);
    assert (memcmp (key, authority_public (authority), CERT_KEY_BYTES) == 0);
    assert (peer_authority_load (missing_path, key) == -1);
    assert (peer_authority_load (NULL, key) == -1);

    cert_t *cert = peer_cert_load (secret_path, key, true);
    assert (cert && cert_has_secret (cert));
    cert_destroy (&cert);
    cert = peer_cert_load (signed_path, key, false);
    assert (cert && !cert_has_secret (cert));
    cert_destroy (&cert);
    assert (peer_cert_load (signed_path, key, true) == NULL);      //  no secrets
    assert (peer_cert_load (unsigned_path, key, false) == NULL);   //  not signed
    cert = peer_cert_load (unsigned_path, NULL, false);            //  not checked
    assert (cert);
    cert_destroy (&cert);
    assert (peer_cert_load (missing_path, NULL, false) == NULL);
    assert (peer_cert_load (NULL, NULL, false) == NULL);

    //  Envelopes: in clear to the broker, and a sealed query that opens
    envelope_t *envelope = peer_envelope_new (MSG_HEARTBEAT, "SH-PD-TEST", "", NULL, 0,
                                              0, cert_sign_secret (signed_cert), NULL);
    assert (envelope);
    envelope_destroy (&envelope);
    //  ... and one of a given id, sealed, that opens with it
    uint8_t given [ENVELOPE_ID_BYTES];
    memset (given, 0x5a, sizeof (given));
    uint8_t seal_key [ENVELOPE_KEY_BYTES];
    assert (crypto_box_beforenm (seal_key, cert_box_public (unsigned_cert),
                                 cert_box_secret (signed_cert)) == 0);
    const uint8_t empty_map [] = { 0x80 };
    envelope = peer_envelope_id_new (MSG_NOTICE, "SH-PD-TEST", "SH-PD-OTHER", given,
                                     empty_map, 1, cert_sign_secret (signed_cert),
                                     seal_key);
    assert (envelope);
    assert (memcmp (envelope_header (envelope)->id, given, ENVELOPE_ID_BYTES) == 0);
    assert (envelope_header (envelope)->flags & ENVELOPE_FLAG_SEALED);
    zmsg_t *frames = envelope_encode (envelope);
    envelope_destroy (&envelope);
    int opened = -1;
    envelope = envelope_decode (frames, &opened);
    assert (envelope && opened == STATUS_OK);
    assert (crypto_box_beforenm (seal_key, cert_box_public (signed_cert),
                                 cert_box_secret (unsigned_cert)) == 0);
    assert (envelope_open (envelope, seal_key, cert_sign_public (signed_cert)) == STATUS_OK);
    assert (envelope_payload_size (envelope) == 1);
    envelope_destroy (&envelope);
    zmsg_destroy (&frames);
    uint8_t too_large [64];
    assert (peer_envelope_new (MSG_HEARTBEAT, "SH-PD-TEST", "", too_large,
                               ENVELOPE_PAYLOAD_MAX + 1, 0,
                               cert_sign_secret (signed_cert), NULL) == NULL);
    uint8_t box_key [ENVELOPE_KEY_BYTES];
    assert (crypto_box_beforenm (box_key, cert_box_public (unsigned_cert),
                                 cert_box_secret (signed_cert)) == 0);
    const peer_query_t query = {
        .from = "SH-PD-TEST", .to = "SH-PD-OTHER", .item = "enterprise-basic",
        .key = "91310115MA1K3BTP2B", .purpose = "test", .officer = "peer",
        .skew_ms = -60000
    };
    int64_t before = zclock_time ();
    envelope = peer_query_new (&query, cert_sign_secret (signed_cert), box_key);
    assert (envelope);
    const envelope_header_t *header = envelope_header (envelope);
    assert (header->type == MSG_QUERY);
    assert (streq (header->from, "SH-PD-TEST") && streq (header->to, "SH-PD-OTHER"));
    assert ((int64_t) header->time_ms <= before - 60000 + 5000);
    zmsg_t *msg = envelope_encode (envelope);
    envelope_destroy (&envelope);
    int status;
    envelope_t *received = envelope_decode (msg, &status);
    assert (received);
    assert (envelope_open (received, box_key, cert_sign_public (signed_cert)) == STATUS_OK);
    message_query_t decoded;
    assert (message_query_decode (envelope_payload (received),
                                  envelope_payload_size (received), &decoded) == STATUS_OK);
    assert (streq (decoded.item, "enterprise-basic") && streq (decoded.officer, "peer"));
    assert (streq (decoded.role, "inspector") && streq (decoded.purpose, "test"));
    envelope_destroy (&received);
    zmsg_destroy (&msg);
    sodium_memzero (box_key, sizeof (box_key));

    //  The whole main: the run's status, or PEER_EXIT_USAGE before any run.
    //  The report goes to the old stdout, fd 1 to stderr; restored after
    assert (peer_main (&cli, 3, unknown_attack, &args) == PEER_EXIT_USAGE);
    assert (peer_main (&cli, 3, refused, &args) == PEER_EXIT_USAGE);
    if (verbose) {
        char *help [] = { "peer-test", "--help" };
        assert (peer_main (&cli, 2, help, &args) == 0);
    }
    int saved = dup (STDOUT_FILENO);
    assert (saved >= 0);
    fflush (stdout);
    assert (peer_main (&cli, 5, good, &args) == 2);
    assert (dup2 (saved, STDOUT_FILENO) == STDOUT_FILENO);
    close (saved);

    cert_destroy (&signed_cert);
    cert_destroy (&unsigned_cert);
    authority_destroy (&authority);
    const char *files [] = { signed_path, secret_path, unsigned_path, unsigned_secret,
                             authority_path };
    for (size_t index = 0; index < sizeof (files) / sizeof (files [0]); index++)
        zsys_file_delete (files [index]);
    char *authority_secret = zsys_sprintf ("%s/authority.secret", dir);
    zsys_file_delete (authority_secret);
    zstr_free (&authority_secret);
    zsys_dir_delete ("%s", dir);
    zstr_free (&signed_path);
    zstr_free (&secret_path);
    zstr_free (&unsigned_path);
    zstr_free (&unsigned_secret);
    zstr_free (&authority_path);
    zstr_free (&missing_path);
    zstr_free (&dir);
    printf ("OK\n");
}
