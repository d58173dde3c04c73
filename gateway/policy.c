/*  policy.c -- the provider gateway's authorization decision.

    Agreements are held in a hash by id (which owns them) and indexed by
    "CONSUMER item" into lists sorted by id, so a decision is one hash lookup
    and a walk over the few agreements of that pair, with no allocation.
    Quota counters sit beside each agreement in memory; SQLite is touched only
    when an agreement meets a new UTC day (one read) and on flush.

    The version floor (table agreement_floor): for every id, the highest
    version ever put in force here and the digest of its canonical bytes.
    An agreement below it, or of the same version with other bytes, is
    refused, whatever its source, so neither an older file nor a broker
    nor a restart brings an older version back.
*/

#include "policy.h"
#include "agreementtext.h"
#include "conf.h"
#include "certfile.h"
#include "status.h"
#include "ident.h"
#include "statedb.h"
#include <czmq.h>
#include <sodium.h>
#include <sqlite3.h>
#include <dirent.h>
#include <string.h>
#include <stdarg.h>

#define S_SECONDS_PER_DAY   86400
#define S_DAY_NONE          INT64_MIN       //  counter not loaded yet

//  quota.db (statedb.h): one row per agreement and UTC day (days since the
//  epoch), old rows kept as the usage history; and the version floor. A
//  store from before versions were kept gets the floor table it may lack.
static const statedb_schema_t s_quota_db = { "quota store", 1,
    "CREATE TABLE IF NOT EXISTS quota (agreement_id TEXT NOT NULL,"
    " day INTEGER NOT NULL, used INTEGER NOT NULL, PRIMARY KEY (agreement_id, day));"
    "CREATE TABLE IF NOT EXISTS agreement_floor (agreement_id TEXT PRIMARY KEY,"
    " version INTEGER NOT NULL, digest BLOB NOT NULL);",
    "NORMAL", 5000, SQLITE_OPEN_NOMUTEX };

//  An agreement with its quota counter for one UTC day
typedef struct {
    agreement_t *agreement;
    int64_t day;                //  UTC day of `used`, or S_DAY_NONE
    uint32_t used;              //  granted requests on that day
    bool dirty;                 //  `used` not yet written to the database
} s_entry_t;

struct _policy_t {
    char *department;           //  the provider: us
    truststore_t *trust;        //  borrowed
    sqlite3 *db;
    sqlite3_stmt *select_used;
    sqlite3_stmt *upsert_used;
    sqlite3_stmt *select_floor;
    sqlite3_stmt *upsert_floor;
    zhashx_t *by_id;            //  id -> s_entry_t, owned
    int level;                  //  log level, see policy_set_level
    zhashx_t *by_pair;          //  "CONSUMER item" -> zlistx of s_entry_t,
                                //  borrowed, sorted by id
};

//  How far a request got through an agreement's rules; the furthest
//  refusal is the most useful to report when no agreement grants
typedef enum {
    S_STAGE_NONE = 0,
    S_STAGE_VALIDITY,
    S_STAGE_PURPOSE,
    S_STAGE_ROLE,
    S_STAGE_FIELDS,
    S_STAGE_CLEARANCE,
    S_STAGE_QUOTA,
    S_STAGE_GRANTED
} s_stage_t;

static void
s_entry_destroy (s_entry_t **self_p)
{
    if (*self_p) {
        agreement_destroy (&(*self_p)->agreement);
        free (*self_p);
        *self_p = NULL;
    }
}

static void
s_list_destroy (zlistx_t **list_p)
{
    zlistx_destroy (list_p);
}

static int
s_entry_compare (const void *a, const void *b)
{
    return strcmp (agreement_id (((const s_entry_t *) a)->agreement),
                   agreement_id (((const s_entry_t *) b)->agreement));
}

static int
s_exec (policy_t *self, const char *sql)
{
    char *message = NULL;
    if (sqlite3_exec (self->db, sql, NULL, NULL, &message) != SQLITE_OK) {
        zsys_error ("policy: %s: %s", sql, message? message: "?");
        sqlite3_free (message);
        return -1;
    }
    return 0;
}


//  --------------------------------------------------------------------------
//  Constructor

policy_t *
policy_new (const char *department, truststore_t *trust,
            const char *state_db_path, char **error)
{
    assert (trust);
    assert (state_db_path);
    if (error)
        *error = NULL;
    const char *reason = NULL;
    if (!department
    ||  !ident_validate (IDENT_DEPARTMENT, department, NULL, 0, &reason)) {
        status_set_error (error, "policy: '%s' is not a department id: %s",
                          department? department: "(null)",
                          reason? reason: "missing");
        return NULL;
    }
    policy_t *self = (policy_t *) zmalloc (sizeof (policy_t));
    assert (self);
    self->department = strdup (department);
    assert (self->department);
    self->trust = trust;
    self->level = 2;
    self->by_id = zhashx_new ();
    assert (self->by_id);
    zhashx_set_destructor (self->by_id, (zhashx_destructor_fn *) s_entry_destroy);
    self->by_pair = zhashx_new ();
    assert (self->by_pair);
    zhashx_set_destructor (self->by_pair, (zhashx_destructor_fn *) s_list_destroy);

    self->db = statedb_open (state_db_path, &s_quota_db, NULL, error);
    if (!self->db) {
        policy_destroy (&self);
        return NULL;
    }
    if (sqlite3_prepare_v2 (self->db,
            "SELECT used FROM quota WHERE agreement_id = ?1 AND day = ?2",
            -1, &self->select_used, NULL) != SQLITE_OK
    ||  sqlite3_prepare_v2 (self->db,
            "INSERT INTO quota (agreement_id, day, used) VALUES (?1, ?2, ?3)"
            " ON CONFLICT (agreement_id, day) DO UPDATE SET used = excluded.used",
            -1, &self->upsert_used, NULL) != SQLITE_OK
    ||  sqlite3_prepare_v2 (self->db,
            "SELECT version, digest FROM agreement_floor WHERE agreement_id = ?1",
            -1, &self->select_floor, NULL) != SQLITE_OK
    ||  sqlite3_prepare_v2 (self->db,
            "INSERT INTO agreement_floor (agreement_id, version, digest)"
            " VALUES (?1, ?2, ?3) ON CONFLICT (agreement_id) DO UPDATE"
            " SET version = ?2, digest = ?3 WHERE version < ?2",
            -1, &self->upsert_floor, NULL) != SQLITE_OK) {
        status_set_error (error, "policy: cannot use %s: %s", state_db_path,
                          sqlite3_errmsg (self->db));
        policy_destroy (&self);
        return NULL;
    }
    return self;
}


//  --------------------------------------------------------------------------
//  Destructor: flushes the counters first

void
policy_destroy (policy_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        policy_t *self = *self_p;
        if (self->upsert_used)
            policy_flush (self);
        sqlite3_finalize (self->select_used);
        sqlite3_finalize (self->upsert_used);
        sqlite3_finalize (self->select_floor);
        sqlite3_finalize (self->upsert_floor);
        if (self->db)
            sqlite3_close (self->db);
        zhashx_destroy (&self->by_pair);
        zhashx_destroy (&self->by_id);
        free (self->department);
        free (self);
        *self_p = NULL;
    }
}


//  --------------------------------------------------------------------------
//  Quota counters in the database

static int
s_counter_write (policy_t *self, s_entry_t *entry)
{
    sqlite3_stmt *stmt = self->upsert_used;
    sqlite3_reset (stmt);
    sqlite3_bind_text (stmt, 1, agreement_id (entry->agreement), -1,
                       SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, entry->day);
    sqlite3_bind_int64 (stmt, 3, entry->used);
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
    if (rc != SQLITE_DONE) {
        zsys_error ("policy: cannot write quota of '%s': %s",
                    agreement_id (entry->agreement), sqlite3_errmsg (self->db));
        return -1;
    }
    return 0;
}

//  Makes the entry count for `day`, reading the count from the database if
//  the entry held another day. 0, or -1 if the database failed.
static int
s_counter_at (policy_t *self, s_entry_t *entry, int64_t day)
{
    if (entry->day == day)
        return 0;
    if (entry->dirty) {
        if (s_counter_write (self, entry))
            return -1;
        entry->dirty = false;
    }
    sqlite3_stmt *stmt = self->select_used;
    sqlite3_reset (stmt);
    sqlite3_bind_text (stmt, 1, agreement_id (entry->agreement), -1,
                       SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, day);
    int rc = sqlite3_step (stmt);
    int64_t used = 0;
    if (rc == SQLITE_ROW)
        used = sqlite3_column_int64 (stmt, 0);
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        zsys_error ("policy: cannot read quota of '%s': %s",
                    agreement_id (entry->agreement), sqlite3_errmsg (self->db));
        return -1;
    }
    entry->day = day;
    entry->used = used < 0? 0: used > UINT32_MAX? UINT32_MAX: (uint32_t) used;
    return 0;
}

int
policy_flush (policy_t *self)
{
    assert (self);
    bool pending = false;
    s_entry_t *entry;
    for (entry = (s_entry_t *) zhashx_first (self->by_id); entry;
         entry = (s_entry_t *) zhashx_next (self->by_id))
        if (entry->dirty)
            pending = true;
    if (!pending)
        return 0;
    if (s_exec (self, "BEGIN IMMEDIATE"))
        return -1;
    for (entry = (s_entry_t *) zhashx_first (self->by_id); entry;
         entry = (s_entry_t *) zhashx_next (self->by_id))
        if (entry->dirty && s_counter_write (self, entry)) {
            s_exec (self, "ROLLBACK");
            return -1;
        }
    if (s_exec (self, "COMMIT")) {
        s_exec (self, "ROLLBACK");
        return -1;
    }
    for (entry = (s_entry_t *) zhashx_first (self->by_id); entry;
         entry = (s_entry_t *) zhashx_next (self->by_id))
        entry->dirty = false;
    return 0;
}


//  --------------------------------------------------------------------------
//  The (consumer, item) index

//  Writes "CONSUMER item" into key; false if it does not fit (then nothing
//  can match: department ids and item names are bounded well below).
static bool
s_pair_key (char *key, size_t size, const char *consumer, const char *item)
{
    int length = snprintf (key, size, "%s %s", consumer, item);
    return length > 0 && (size_t) length < size;
}

#define S_PAIR_KEY_MAX  (IDENT_MAX + 1 + ITEM_NAME_MAX + 1 + 32)

static void
s_index (policy_t *self, s_entry_t *entry)
{
    char key [S_PAIR_KEY_MAX];
    bool fits = s_pair_key (key, sizeof (key),
                            agreement_consumer (entry->agreement),
                            agreement_item (entry->agreement));
    assert (fits);              //  agreement_new bounds both names
    zlistx_t *list = (zlistx_t *) zhashx_lookup (self->by_pair, key);
    if (!list) {
        list = zlistx_new ();
        assert (list);
        zlistx_set_comparator (list, s_entry_compare);
        zhashx_insert (self->by_pair, key, list);
    }
    zlistx_insert (list, entry, true);
}

static void
s_unindex (policy_t *self, s_entry_t *entry)
{
    char key [S_PAIR_KEY_MAX];
    bool fits = s_pair_key (key, sizeof (key),
                            agreement_consumer (entry->agreement),
                            agreement_item (entry->agreement));
    assert (fits);
    zlistx_t *list = (zlistx_t *) zhashx_lookup (self->by_pair, key);
    assert (list);
    for (void *item = zlistx_first (list); item; item = zlistx_next (list))
        if (item == entry) {
            zlistx_delete (list, zlistx_cursor (list));
            break;
        }
    if (zlistx_size (list) == 0)
        zhashx_delete (self->by_pair, key);
}


//  --------------------------------------------------------------------------
//  The version floor

#define S_DIGEST_BYTES 32

static void
s_digest (agreement_t *agreement, uint8_t *digest)
{
    size_t size;
    uint8_t *canonical = agreement_canonical (agreement, &size);
    crypto_generichash (digest, S_DIGEST_BYTES, canonical, size, NULL, 0);
    free (canonical);
}

//  STATUS_OK if the agreement is at or above the floor of its id (and the
//  same bytes if at it), and the floor now says so durably; STATUS_STALE
//  (logged) if below or other bytes; STATUS_INTERNAL if the disk failed.
static int
s_floor_check (policy_t *self, agreement_t *agreement)
{
    const char *id = agreement_id (agreement);
    uint8_t digest [S_DIGEST_BYTES];
    s_digest (agreement, digest);
    sqlite3_stmt *stmt = self->select_floor;
    sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step (stmt);
    uint64_t floor = 0;
    bool same = false;
    if (rc == SQLITE_ROW) {
        floor = (uint64_t) sqlite3_column_int64 (stmt, 0);
        same = sqlite3_column_bytes (stmt, 1) == S_DIGEST_BYTES
            && memcmp (sqlite3_column_blob (stmt, 1), digest, S_DIGEST_BYTES) == 0;
    }
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        zsys_error ("policy: cannot read the version floor of '%s': %s", id,
                    sqlite3_errmsg (self->db));
        return STATUS_INTERNAL;
    }
    uint64_t version = agreement_version (agreement);
    if (version < floor || (version == floor && !same)) {
        zsys_warning ("policy: agreement '%s' version %" PRIu64 " refused: version %"
                      PRIu64 "%s has been in force here, and an agreement never "
                      "goes back", id, version, floor,
                      version == floor? " with other terms": "");
        return STATUS_STALE;
    }
    if (version == floor)
        return STATUS_OK;
    stmt = self->upsert_floor;
    sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) version);
    sqlite3_bind_blob (stmt, 3, digest, S_DIGEST_BYTES, SQLITE_STATIC);
    rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
    if (rc != SQLITE_DONE) {
        zsys_error ("policy: cannot keep the version floor of '%s': %s; the "
                    "agreement is not put in force", id, sqlite3_errmsg (self->db));
        return STATUS_INTERNAL;
    }
    return STATUS_OK;
}


//  --------------------------------------------------------------------------
//  Adding and removing agreements

int
policy_add (policy_t *self, agreement_t **agreement_p)
{
    assert (self);
    assert (agreement_p && *agreement_p);
    agreement_t *agreement = *agreement_p;
    *agreement_p = NULL;

    if (!streq (agreement_provider (agreement), self->department)) {
        zsys_warning ("policy: agreement '%s' refused: its provider is %s, "
                      "not this department (%s)", agreement_id (agreement),
                      agreement_provider (agreement), self->department);
        agreement_destroy (&agreement);
        return STATUS_NO_AGREEMENT;
    }
    int64_t now = (int64_t) time (NULL);
    status_t status = agreement_verify (agreement, self->trust, now);
    if (status != STATUS_OK) {
        zsys_warning ("policy: agreement '%s' refused: %s (%s)",
                      agreement_id (agreement), status_name (status),
                      status_text (status));
        agreement_destroy (&agreement);
        return status;
    }
    status = s_floor_check (self, agreement);
    if (status != STATUS_OK) {
        agreement_destroy (&agreement);
        return status;
    }
    if (!agreement_valid_at (agreement, now)
    &&  now >= agreement_valid_until (agreement))
        SLUICE_INFO (self->level, "policy: agreement '%s' has expired; requests under it "
                   "will be refused", agreement_id (agreement));

    s_entry_t *entry = (s_entry_t *) zmalloc (sizeof (s_entry_t));
    assert (entry);
    entry->agreement = agreement;
    entry->day = S_DAY_NONE;
    s_entry_t *old = (s_entry_t *) zhashx_lookup (self->by_id,
                                                  agreement_id (agreement));
    bool replaced = old != NULL;
    if (old) {
        //  The same agreement, amended: its quota count carries over
        entry->day = old->day;
        entry->used = old->used;
        entry->dirty = old->dirty;
        s_unindex (self, old);
        zhashx_delete (self->by_id, agreement_id (agreement));
    }
    zhashx_insert (self->by_id, agreement_id (agreement), entry);
    s_index (self, entry);
    SLUICE_INFO (self->level, "policy: agreement '%s' version %" PRIu64 " %s: %s may "
                 "read '%s'", agreement_id (agreement), agreement_version (agreement),
                 replaced? "replaced": "added", agreement_consumer (agreement),
                 agreement_item (agreement));
    return STATUS_OK;
}

static int
s_compare_strings (const void *a, const void *b)
{
    return strcmp ((const char *) a, (const char *) b);
}

int
policy_add_dir (policy_t *self, const char *dir)
{
    assert (self);
    assert (dir);
    DIR *handle = opendir (dir);
    if (!handle) {
        zsys_error ("policy: cannot read directory %s", dir);
        return -1;
    }
    const char *suffix = ".agreement";
    size_t suffix_length = strlen (suffix);
    zlistx_t *names = zlistx_new ();
    assert (names);
    zlistx_set_destructor (names, (zlistx_destructor_fn *) zstr_free);
    zlistx_set_comparator (names, s_compare_strings);
    struct dirent *found;
    while ((found = readdir (handle))) {
        size_t length = strlen (found->d_name);
        if (found->d_name [0] != '.'
        &&  length > suffix_length
        &&  streq (found->d_name + length - suffix_length, suffix)) {
            char *name = strdup (found->d_name);
            assert (name);
            zlistx_insert (names, name, true);
        }
    }
    closedir (handle);

    int accepted = 0;
    for (char *name = (char *) zlistx_first (names); name;
         name = (char *) zlistx_next (names)) {
        char *path = zsys_sprintf ("%s/%s", dir, name);
        assert (path);
        char *error = NULL;
        agreement_t *agreement = agreementtext_load (path, &error);
        if (!agreement)
            zsys_warning ("policy: %s", error);
        else
        if (streq (agreement_consumer (agreement), self->department))
            agreement_destroy (&agreement);     //  our copy as consumer: the
                                                //  provider enforces it
        else
        if (policy_add (self, &agreement) == STATUS_OK)
            accepted++;
        else
            zsys_warning ("policy: %s refused", path);
        zstr_free (&error);
        zstr_free (&path);
    }
    zlistx_destroy (&names);
    return accepted;
}

int
policy_remove (policy_t *self, const char *agreement_id)
{
    assert (self);
    if (!agreement_id)
        return -1;
    s_entry_t *entry = (s_entry_t *) zhashx_lookup (self->by_id, agreement_id);
    if (!entry)
        return -1;
    //  The caller's id may be the agreement's own string, freed below
    char id [AGREEMENT_ID_MAX + 1];
    snprintf (id, sizeof (id), "%s", agreement_id);
    //  The count stays in the database for the supervision figures
    if (entry->dirty)
        s_counter_write (self, entry);
    s_unindex (self, entry);
    SLUICE_INFO (self->level, "policy: agreement '%s' revoked", id);
    zhashx_delete (self->by_id, id);
    return 0;
}

agreement_t *
policy_agreement (policy_t *self, const char *agreement_id)
{
    assert (self);
    if (!agreement_id)
        return NULL;
    s_entry_t *entry = (s_entry_t *) zhashx_lookup (self->by_id, agreement_id);
    return entry? entry->agreement: NULL;
}

void
policy_set_level (policy_t *self, int level)
{
    assert (self);
    self->level = level;
}

agreement_t *
policy_first (policy_t *self)
{
    assert (self);
    s_entry_t *entry = (s_entry_t *) zhashx_first (self->by_id);
    return entry? entry->agreement: NULL;
}

agreement_t *
policy_next (policy_t *self)
{
    assert (self);
    s_entry_t *entry = (s_entry_t *) zhashx_next (self->by_id);
    return entry? entry->agreement: NULL;
}

size_t
policy_size (policy_t *self)
{
    assert (self);
    return zhashx_size (self->by_id);
}


//  --------------------------------------------------------------------------
//  Decision helpers

//  Cuts a string that snprintf truncated back to a whole UTF-8 character
static void
s_utf8_trim (char *text)
{
    size_t length = strlen (text);
    if (length == 0)
        return;
    size_t start = length - 1;
    while (start > 0 && ((uint8_t) text [start] & 0xC0) == 0x80)
        start--;
    uint8_t lead = (uint8_t) text [start];
    size_t need = lead < 0x80? 1: (lead & 0xE0) == 0xC0? 2:
                  (lead & 0xF0) == 0xE0? 3: 4;
    if (length - start < need)
        text [start] = 0;
}

static void
s_decide (policy_decision_t *decision, int status, const char *rule,
          const char *format, ...)
{
    decision->status = status;
    decision->rule = rule;
    va_list args;
    va_start (args, format);
    vsnprintf (decision->reason, sizeof (decision->reason), format, args);
    va_end (args);
    s_utf8_trim (decision->reason);
}

//  Appends to the reason ", it allows: a, b" (or what `label` says) with
//  the agreement's names from `name`, as many as fit, then "..." for the
//  rest. Only the agreement's consumer reaches the rules that call this
//  (agreements are found by the authenticated requester), and it signed
//  the agreement: naming what the agreement allows reveals nothing it does
//  not hold (README "Authorization rules").
static void
s_reason_names (policy_decision_t *decision, const char *label,
                agreement_t *agreement, size_t (*count) (agreement_t *),
                const char *(*name) (agreement_t *, size_t))
{
    const char *more = ", ...";
    size_t used = strlen (decision->reason);
    size_t cap = sizeof (decision->reason);
    int written = snprintf (decision->reason + used, cap - used, "%s", label);
    if (written < 0 || (size_t) written >= cap - used)
        return;
    used += (size_t) written;
    size_t total = count (agreement);
    for (size_t index = 0; index < total; index++) {
        const char *text = name (agreement, index);
        size_t need = strlen (text) + (index? 2: 0);
        size_t reserve = index + 1 < total? strlen (more): 0;
        if (used + need + reserve >= cap) {
            snprintf (decision->reason + used, cap - used, "%s", index? more: "...");
            return;
        }
        used += (size_t) snprintf (decision->reason + used, cap - used, "%s%s",
                                   index? ", ": "", text);
    }
}

static void
s_set_field (policy_decision_t *decision, item_t *item, size_t index)
{
    snprintf (decision->field, sizeof (decision->field), "%s",
              item_field (item, index)->name);
}

//  Grants `wanted`, except fields above the consumer's clearance: an
//  explicit request for one is refused, a request for "all" drops it.
//  Returns true and sets *granted, or false with the refusal decided.
static bool
s_within_clearance (item_t *item, uint64_t wanted, bool explicit_request,
                    int clearance, policy_decision_t *decision,
                    uint64_t *granted)
{
    uint64_t result = wanted;
    size_t count = item_field_count (item);
    for (size_t index = 0; index < count; index++) {
        uint64_t bit = UINT64_C(1) << index;
        if (!(wanted & bit))
            continue;
        const field_t *field = item_field (item, index);
        if (field->sensitivity > clearance) {
            if (explicit_request) {
                s_set_field (decision, item, index);
                s_decide (decision, STATUS_CLEARANCE,
                          "field above consumer clearance",
                          "field '%s' sensitivity %d above consumer "
                          "clearance %d", field->name, field->sensitivity,
                          clearance);
                return false;
            }
            result &= ~bit;
        }
    }
    if (result == 0) {
        s_decide (decision, STATUS_CLEARANCE,
                  "no field within consumer clearance",
                  "no field of '%s' within consumer clearance %d",
                  item_name (item), clearance);
        return false;
    }
    *granted = result;
    return true;
}

static int64_t
s_utc_day (int64_t now)
{
    return now >= 0? now / S_SECONDS_PER_DAY
                   : -((-now + S_SECONDS_PER_DAY - 1) / S_SECONDS_PER_DAY);
}

static void
s_decision_reset (policy_decision_t *decision)
{
    decision->status = STATUS_INTERNAL;
    decision->rule = "";
    decision->granted = 0;
    decision->agreement_id = NULL;
    decision->field [0] = 0;
    decision->reason [0] = 0;
}

//  Applies one agreement's rules to the request; fills *decision, returns
//  how far the request got. Does not count the request.
static s_stage_t
s_evaluate (policy_t *self, s_entry_t *entry, item_t *item,
            uint64_t requested, int clearance, const char *role,
            const char *purpose, int64_t now, policy_decision_t *decision)
{
    agreement_t *agreement = entry->agreement;
    s_decision_reset (decision);
    decision->agreement_id = agreement_id (agreement);

    if (!agreement_valid_at (agreement, now)) {
        bool early = now < agreement_valid_from (agreement);
        char when [CERTFILE_TIME_SIZE];
        certfile_time_format (early? agreement_valid_from (agreement):
                                     agreement_valid_until (agreement), when);
        s_decide (decision, STATUS_AGREEMENT_EXPIRED,
                  early? "agreement not yet valid": "agreement expired",
                  early? "agreement '%s' is not valid before %s"
                       : "agreement '%s' expired at %s",
                  agreement_id (agreement), when);
        return S_STAGE_VALIDITY;
    }
    if (!agreement_allows_purpose (agreement, purpose)) {
        s_decide (decision, STATUS_PURPOSE_NOT_AGREED, "purpose not agreed",
                  "purpose '%s' not agreed in '%s'", purpose, agreement_id (agreement));
        s_reason_names (decision, ", which allows: ", agreement,
                        agreement_purpose_count, agreement_purpose);
        return S_STAGE_PURPOSE;
    }
    if (!agreement_allows_role (agreement, role)) {
        if (role && *role)
            s_decide (decision, STATUS_ROLE_NOT_AGREED, "officer role not agreed",
                      "officer role '%s' not agreed in '%s'", role,
                      agreement_id (agreement));
        else
            s_decide (decision, STATUS_ROLE_NOT_AGREED, "officer role not agreed",
                      "the request names no officer role; '%s' allows",
                      agreement_id (agreement));
        s_reason_names (decision, role && *role? ", which allows: ": ": ", agreement,
                        agreement_role_count, agreement_role);
        return S_STAGE_ROLE;
    }
    //  The agreed fields that the item has; names the item no longer has
    //  grant nothing
    uint64_t agreed = 0;
    size_t count = item_field_count (item);
    for (size_t index = 0; index < count; index++)
        if (agreement_grants_field (agreement, item_field (item, index)->name))
            agreed |= UINT64_C(1) << index;
    uint64_t wanted = requested? requested: agreed;
    uint64_t extra = requested & ~agreed;
    if (extra) {
        size_t index = 0;
        while (!(extra & (UINT64_C(1) << index)))
            index++;
        s_set_field (decision, item, index);
        s_decide (decision, STATUS_FIELD_NOT_AGREED, "field not agreed",
                  "field '%s' not agreed in '%s'", decision->field,
                  agreement_id (agreement));
        s_reason_names (decision, ", which grants: ", agreement,
                        agreement_field_count, agreement_field);
        return S_STAGE_FIELDS;
    }
    if (wanted == 0) {
        s_decide (decision, STATUS_FIELD_NOT_AGREED,
                  "agreement grants no field of the item",
                  "agreement '%s' grants no field of '%s'",
                  agreement_id (agreement), item_name (item));
        return S_STAGE_FIELDS;
    }
    uint64_t granted;
    if (!s_within_clearance (item, wanted, requested != 0, clearance,
                             decision, &granted))
        return S_STAGE_CLEARANCE;

    if (s_counter_at (self, entry, s_utc_day (now))) {
        s_decide (decision, STATUS_INTERNAL, "quota state unavailable",
                  "quota state of '%s' unavailable", agreement_id (agreement));
        return S_STAGE_QUOTA;
    }
    uint32_t quota = agreement_daily_quota (agreement);
    if (entry->used >= quota) {
        s_decide (decision, STATUS_QUOTA_EXCEEDED, "daily quota used up",
                  "quota used: agreement '%s' allows %u request%s a UTC day, "
                  "and today's are used", agreement_id (agreement), quota,
                  quota == 1? "": "s");
        return S_STAGE_QUOTA;
    }
    decision->granted = granted;
    s_decide (decision, STATUS_OK, "granted under agreement",
              "granted under agreement '%s'", agreement_id (agreement));
    return S_STAGE_GRANTED;
}


//  --------------------------------------------------------------------------
//  The decision

void
policy_decide (policy_t *self, cert_t *consumer, item_t *item,
               uint64_t requested, const char *officer, const char *role,
               const char *purpose, int64_t now, policy_decision_t *decision)
{
    assert (self);
    assert (consumer);
    assert (item);
    assert (decision);
    s_decision_reset (decision);

    bool no_officer = !officer || !*officer, no_purpose = !purpose || !*purpose;
    if (no_officer || no_purpose) {
        s_decide (decision, STATUS_PURPOSE_REQUIRED,
                  "officer and purpose are required",
                  "every request names its officer and purpose; this one names %s",
                  no_officer && no_purpose? "neither": no_officer? "no officer":
                  "no purpose");
        return;
    }
    share_t share = item_share (item);
    if (share == SHARE_CLOSED) {
        s_decide (decision, STATUS_ITEM_CLOSED, "item is closed",
                  "item is closed: %s", item_legal_basis (item));
        return;
    }
    uint64_t all = item_all_fields (item);
    if (requested & ~all) {
        s_decide (decision, STATUS_UNKNOWN_FIELD, "field not in item",
                  "a requested field is not in '%s'", item_name (item));
        return;
    }
    int clearance = cert_clearance (consumer);
    if (share == SHARE_OPEN) {
        uint64_t granted;
        if (s_within_clearance (item, requested? requested: all,
                                requested != 0, clearance, decision,
                                &granted)) {
            decision->granted = granted;
            s_decide (decision, STATUS_OK, "open item",
                      "'%s' is open to every member", item_name (item));
        }
        return;
    }
    if (share != SHARE_CONDITIONAL) {
        s_decide (decision, STATUS_INTERNAL, "unknown share class",
                  "'%s' has an unknown share class", item_name (item));
        return;
    }
    //  Conditional: the first agreement (by id) that grants decides; if none
    //  does, the refusal of the one that came closest
    char key [S_PAIR_KEY_MAX];
    zlistx_t *list = NULL;
    if (s_pair_key (key, sizeof (key), cert_department (consumer),
                    item_name (item)))
        list = (zlistx_t *) zhashx_lookup (self->by_pair, key);
    if (!list) {
        s_decide (decision, STATUS_NO_AGREEMENT,
                  "no agreement for consumer and item",
                  "no agreement for %s to read '%s'",
                  cert_department (consumer), item_name (item));
        return;
    }
    policy_decision_t trial;
    s_stage_t best = S_STAGE_NONE;
    s_entry_t *chosen = NULL;
    for (s_entry_t *entry = (s_entry_t *) zlistx_first (list); entry;
         entry = (s_entry_t *) zlistx_next (list)) {
        s_stage_t stage = s_evaluate (self, entry, item, requested, clearance,
                                      role, purpose, now, &trial);
        if (stage > best) {
            best = stage;
            chosen = entry;
            *decision = trial;
        }
        if (stage == S_STAGE_GRANTED)
            break;
    }
    if (best == S_STAGE_GRANTED) {
        chosen->used++;
        chosen->dirty = true;
    }
}


//  --------------------------------------------------------------------------
//  Self-test

#define S_DAY   INT64_C(86400)

static item_t *
s_test_item (const char *text)
{
    zconfig_t *root = zconfig_str_load (text);
    assert (root);
    char *error = NULL;
    item_t *item = item_new_from_config (zconfig_child (root), &error);
    if (!item)
        printf ("item refused: %s\n", error);
    assert (item);
    zconfig_destroy (&root);
    return item;
}

static agreement_t *
s_test_agreement (const char *id, const char *provider, const char *consumer,
                  const char *item, const char *fields, const char *purposes,
                  int64_t from, int64_t until, uint32_t quota,
                  const char *roles, cert_t *signer1, cert_t *signer2)
{
    agreement_t *agreement = agreement_new (
        id, provider, consumer, item, fields, purposes,
        "《优化营商环境条例》第三十七条", from, until, quota, roles, NULL);
    assert (agreement);
    if (signer1)
        assert (agreement_sign (agreement, signer1) == 0);
    if (signer2)
        assert (agreement_sign (agreement, signer2) == 0);
    return agreement;
}

//  The agreement at `version`, signed again by both
static void
s_test_version (agreement_t *agreement, uint64_t version, cert_t *signer1,
                cert_t *signer2)
{
    assert (agreement_set_version (agreement, version) == 0);
    assert (agreement_sign (agreement, signer1) == 0);
    assert (agreement_sign (agreement, signer2) == 0);
}

//  Asks and checks the status and the rule
static void
s_expect (policy_t *policy, cert_t *consumer, item_t *item, uint64_t requested,
          const char *officer, const char *role, const char *purpose,
          int64_t now, int status, const char *rule,
          policy_decision_t *decision, bool verbose)
{
    policy_decide (policy, consumer, item, requested, officer, role, purpose,
                   now, decision);
    if (verbose)
        printf ("    %s %s: %s [%s]\n", cert_department (consumer),
                item_name (item), status_name (decision->status),
                decision->reason);
    if (decision->status != status || !streq (decision->rule, rule)) {
        printf ("expected %s '%s', got %s '%s' (%s)\n", status_name (status),
                rule, status_name (decision->status), decision->rule,
                decision->reason);
        assert (false);
    }
    if (status != STATUS_OK)
        assert (decision->granted == 0);
}

void
policy_test (bool verbose)
{
    if (verbose)
        printf (" * policy:\n");

    int64_t now = (int64_t) time (NULL);
    //  Test times are whole days apart from midnight, so the day of each
    //  decision is known
    int64_t today = s_utc_day (now) * S_DAY + 12 * 3600;
    char *dir = zsys_sprintf ("/tmp/sluice-policy-test-%d", getpid ());
    assert (dir);
    zsys_dir_create ("%s", dir);
    char *db_path = zsys_sprintf ("%s/state.db", dir);
    char *error = NULL;

    //  Federation: the provider (market supervision), a consumer with
    //  clearance 2 (tax), another department, and one the store never saw
    authority_t *authority = authority_new ("Test authority", NULL);
    assert (authority);
    cert_t *msa = cert_new ("SH-PD-MSA", "Market supervision", "department",
                            5, 1, now - S_DAY, now + 365 * S_DAY, NULL);
    cert_t *tax = cert_new ("SH-PD-TAX", "Tax bureau", "department",
                            2, 1, now - S_DAY, now + 365 * S_DAY, NULL);
    cert_t *other = cert_new ("SH-PD-HR", "Human resources", "department",
                              5, 1, now - S_DAY, now + 365 * S_DAY, NULL);
    cert_t *stranger = cert_new ("SH-PD-X", "Unknown", "department",
                                 5, 1, now - S_DAY, now + 365 * S_DAY, NULL);
    assert (msa && tax && other && stranger);
    cert_sign_by (msa, authority);
    cert_sign_by (tax, authority);
    cert_sign_by (other, authority);
    cert_sign_by (stranger, authority);
    truststore_t *trust = truststore_new (authority_public (authority));
    assert (trust);
    cert_t *copy = cert_dup (msa);
    assert (truststore_add (trust, &copy) == STATUS_OK);
    copy = cert_dup (tax);
    assert (truststore_add (trust, &copy) == STATUS_OK);
    copy = cert_dup (other);
    assert (truststore_add (trust, &copy) == STATUS_OK);

    //  Items: conditional, open and closed
    item_t *basic = s_test_item (
        "item = \"enterprise-basic\"\n"
        "    title = \"企业登记基本信息\"\n"
        "    key-type = \"uscc\"\n"
        "    share = \"conditional\"\n"
        "    sql = \"SELECT name, address, status, capital, legal-person-id, "
                      "registered-on FROM e WHERE uscc = :key\"\n"
        "    field = \"name\"\n"
        "        type = \"text\"\n"
        "        sensitivity = 1\n"
        "    field = \"address\"\n"
        "        type = \"text\"\n"
        "        sensitivity = 1\n"
        "    field = \"status\"\n"
        "        type = \"text\"\n"
        "        sensitivity = 0\n"
        "    field = \"capital\"\n"
        "        type = \"real\"\n"
        "        sensitivity = 3\n"
        "    field = \"legal-person-id\"\n"
        "        type = \"text\"\n"
        "        sensitivity = 4\n"
        "    field = \"registered-on\"\n"
        "        type = \"date\"\n"
        "        sensitivity = 0\n");
    item_t *open = s_test_item (
        "item = \"enterprise-public\"\n"
        "    title = \"企业公示信息\"\n"
        "    key-type = \"uscc\"\n"
        "    share = \"open\"\n"
        "    sql = \"SELECT name, penalties FROM e WHERE uscc = :key\"\n"
        "    field = \"name\"\n"
        "        type = \"text\"\n"
        "        sensitivity = 0\n"
        "    field = \"penalties\"\n"
        "        type = \"text\"\n"
        "        sensitivity = 3\n");
    item_t *closed = s_test_item (
        "item = \"enterprise-secret\"\n"
        "    title = \"涉密信息\"\n"
        "    key-type = \"uscc\"\n"
        "    share = \"closed\"\n"
        "    legal-basis = \"《中华人民共和国保守国家秘密法》第九条\"\n");
    const uint64_t NAME = 1, ADDRESS = 2, STATUS = 4, CAPITAL = 8,
                   PERSON_ID = 16, REGISTERED = 32;

    //  Bad construction
    assert (!policy_new ("msa", trust, db_path, &error));
    assert (error && strstr (error, "department"));
    zstr_free (&error);
    char *bad_path = zsys_sprintf ("%s/no/such/dir/state.db", dir);
    assert (!policy_new ("SH-PD-MSA", trust, bad_path, &error));
    assert (error);
    zstr_free (&error);
    zstr_free (&bad_path);
    //  A quota store that a newer version wrote (statedb.h)
    sqlite3 *newer = NULL;
    assert (sqlite3_open (db_path, &newer) == SQLITE_OK);
    assert (sqlite3_exec (newer, "PRAGMA user_version = 99", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close (newer);
    assert (!policy_new ("SH-PD-MSA", trust, db_path, &error));
    assert (error && strstr (error, "quota store has schema version 99"));
    zstr_free (&error);
    statedb_remove (db_path);

    policy_t *policy = policy_new ("SH-PD-MSA", trust, db_path, &error);
    assert (policy);
    assert (error == NULL);
    assert (policy_size (policy) == 0);

    //  The main agreement: tax may read four fields, 3 requests a day
    agreement_t *main_agreement = s_test_agreement (
        "AGR-1", "SH-PD-MSA", "SH-PD-TAX", "enterprise-basic",
        "name,address,status,capital", "tax-registration,credit-check",
        today - 10 * S_DAY, today + 10 * S_DAY, 3, "inspector,auditor",
        msa, tax);
    char *main_text = agreementtext_encode (main_agreement);
    agreement_t *agreement = agreement_dup (main_agreement);
    assert (policy_add (policy, &agreement) == STATUS_OK);
    assert (agreement == NULL);
    assert (policy_size (policy) == 1);
    assert (policy_agreement (policy, "AGR-1"));
    assert (!policy_agreement (policy, "AGR-2"));

    //  Refused agreements
    agreement = s_test_agreement ("AGR-R1", "SH-PD-MSA", "SH-PD-TAX",
                                  "enterprise-basic", "name", "audit",
                                  today - S_DAY, today + S_DAY, 5, "*",
                                  tax, NULL);     //  consumer only
    assert (policy_add (policy, &agreement) == STATUS_BAD_SIGNATURE);
    assert (agreement == NULL);
    agreement = s_test_agreement ("AGR-R2", "SH-PD-MSA", "SH-PD-TAX",
                                  "enterprise-basic", "name", "audit",
                                  today - S_DAY, today + S_DAY, 5, "*",
                                  msa, NULL);     //  provider only
    assert (policy_add (policy, &agreement) == STATUS_BAD_SIGNATURE);
    agreement = s_test_agreement ("AGR-R3", "SH-PD-HR", "SH-PD-TAX",
                                  "enterprise-basic", "name", "audit",
                                  today - S_DAY, today + S_DAY, 5, "*",
                                  other, tax);    //  another provider's
    assert (policy_add (policy, &agreement) == STATUS_NO_AGREEMENT);
    agreement = s_test_agreement ("AGR-R4", "SH-PD-MSA", "SH-PD-X",
                                  "enterprise-basic", "name", "audit",
                                  today - S_DAY, today + S_DAY, 5, "*",
                                  msa, stranger); //  consumer not certified
    assert (policy_add (policy, &agreement) == STATUS_CERT_UNKNOWN);
    //  Tampered after signing: a field added to the text
    char *forged_text = zsys_sprintf ("%s", main_text);
    char *at = strstr (forged_text, "name,status");
    assert (at);
    char *tampered = zsys_sprintf ("%.*slegal-person-id,%s",
                                   (int) (at - forged_text), forged_text, at);
    agreement = agreementtext_decode (tampered, strlen (tampered), NULL);
    assert (agreement);
    assert (agreement_grants_field (agreement, "legal-person-id"));
    assert (policy_add (policy, &agreement) == STATUS_BAD_SIGNATURE);
    assert (policy_size (policy) == 1);
    assert (!policy_agreement (policy, "AGR-R1"));

    policy_decision_t decision;
    const char *officer = "wang.li";
    const char *purpose = "tax-registration";

    //  Officer and purpose first, for every share class
    s_expect (policy, tax, basic, 0, "", "inspector", purpose, today,
              STATUS_PURPOSE_REQUIRED, "officer and purpose are required",
              &decision, verbose);
    assert (strstr (decision.reason, "names no officer"));
    s_expect (policy, tax, open, 0, officer, "inspector", NULL, today,
              STATUS_PURPOSE_REQUIRED, "officer and purpose are required",
              &decision, verbose);
    s_expect (policy, tax, closed, 0, NULL, NULL, "", today,
              STATUS_PURPOSE_REQUIRED, "officer and purpose are required",
              &decision, verbose);
    //  Closed: never, with the legal basis
    s_expect (policy, tax, closed, 0, officer, "inspector", purpose, today,
              STATUS_ITEM_CLOSED, "item is closed", &decision, verbose);
    assert (strstr (decision.reason, "保守国家秘密法"));
    //  A field bit the item does not have
    s_expect (policy, tax, basic, UINT64_C(1) << 40, officer, "inspector",
              purpose, today, STATUS_UNKNOWN_FIELD, "field not in item",
              &decision, verbose);

    //  Open: any member, within clearance
    s_expect (policy, stranger, open, 0, officer, "clerk", "statistics",
              today, STATUS_OK, "open item", &decision, verbose);
    assert (decision.granted == 3);
    assert (decision.agreement_id == NULL);
    s_expect (policy, tax, open, 0, officer, "", "statistics", today,
              STATUS_OK, "open item", &decision, verbose);
    assert (decision.granted == 1);             //  penalties dropped
    s_expect (policy, tax, open, 2, officer, "clerk", "statistics", today,
              STATUS_CLEARANCE, "field above consumer clearance",
              &decision, verbose);
    assert (streq (decision.field, "penalties"));
    assert (strstr (decision.reason, "sensitivity 3 above consumer clearance 2"));

    //  Conditional, rule by rule
    s_expect (policy, other, basic, 0, officer, "inspector", purpose, today,
              STATUS_NO_AGREEMENT, "no agreement for consumer and item",
              &decision, verbose);
    s_expect (policy, tax, basic, 0, officer, "inspector", "marketing", today,
              STATUS_PURPOSE_NOT_AGREED, "purpose not agreed",
              &decision, verbose);
    assert (streq (decision.agreement_id, "AGR-1"));
    //  The consumer is told what its own agreement allows
    assert (streq (decision.reason, "purpose 'marketing' not agreed in 'AGR-1', "
                   "which allows: credit-check, tax-registration"));
    //  A purpose in Chinese comes back as it was sent
    s_expect (policy, tax, basic, 0, officer, "inspector", "税务登记", today,
              STATUS_PURPOSE_NOT_AGREED, "purpose not agreed",
              &decision, verbose);
    assert (strstr (decision.reason, "purpose '税务登记' not agreed"));
    s_expect (policy, tax, basic, 0, officer, "clerk", purpose, today,
              STATUS_ROLE_NOT_AGREED, "officer role not agreed",
              &decision, verbose);
    assert (streq (decision.reason, "officer role 'clerk' not agreed in 'AGR-1', "
                   "which allows: auditor, inspector"));
    s_expect (policy, tax, basic, 0, officer, NULL, purpose, today,
              STATUS_ROLE_NOT_AGREED, "officer role not agreed",
              &decision, verbose);
    assert (streq (decision.reason, "the request names no officer role; 'AGR-1' "
                   "allows: auditor, inspector"));
    s_expect (policy, tax, basic, NAME | PERSON_ID, officer, "inspector",
              purpose, today, STATUS_FIELD_NOT_AGREED, "field not agreed",
              &decision, verbose);
    assert (streq (decision.field, "legal-person-id"));
    assert (streq (decision.reason, "field 'legal-person-id' not agreed in 'AGR-1', "
                   "which grants: address, capital, name, status"));
    //  Agreed, but above the consumer's clearance: never granted
    s_expect (policy, tax, basic, NAME | CAPITAL, officer, "inspector",
              purpose, today, STATUS_CLEARANCE,
              "field above consumer clearance", &decision, verbose);
    assert (streq (decision.field, "capital"));
    s_expect (policy, tax, basic, CAPITAL, officer, "inspector",
              purpose, today + 5 * S_DAY, STATUS_CLEARANCE,
              "field above consumer clearance", &decision, verbose);
    //  Expiry and not yet valid
    s_expect (policy, tax, basic, 0, officer, "inspector", purpose,
              today - 10 * S_DAY - 1, STATUS_AGREEMENT_EXPIRED,
              "agreement not yet valid", &decision, verbose);
    s_expect (policy, tax, basic, 0, officer, "inspector", purpose,
              today + 10 * S_DAY, STATUS_AGREEMENT_EXPIRED,
              "agreement expired", &decision, verbose);
    assert (strstr (decision.reason, "agreement 'AGR-1' expired at 20"));
    //  "All": the agreed fields within clearance (capital dropped)
    s_expect (policy, tax, basic, 0, officer, "inspector", purpose, today,
              STATUS_OK, "granted under agreement", &decision, verbose);
    assert (decision.granted == (NAME | ADDRESS | STATUS));
    assert (streq (decision.agreement_id, "AGR-1"));
    //  Quota: 3 a day, refusals above did not count
    s_expect (policy, tax, basic, NAME, officer, "auditor", "credit-check",
              today, STATUS_OK, "granted under agreement", &decision, verbose);
    assert (decision.granted == NAME);
    s_expect (policy, tax, basic, STATUS | ADDRESS, officer, "inspector",
              purpose, today + 3600, STATUS_OK, "granted under agreement",
              &decision, verbose);
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today + 3600, STATUS_QUOTA_EXCEEDED, "daily quota used up",
              &decision, verbose);
    assert (strstr (decision.reason, "agreement 'AGR-1' allows 3 requests a UTC day"));
    //  A later day has a fresh quota
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today + 10 * S_DAY - 12 * 3600 - 1, STATUS_OK,
              "granted under agreement", &decision, verbose);
    //  Back to today: still used up (read back from the database)
    assert (policy_flush (policy) == 0);
    assert (policy_flush (policy) == 0);
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today, STATUS_QUOTA_EXCEEDED, "daily quota used up",
              &decision, verbose);

    //  A second agreement for the same pair: the one that grants decides
    agreement = s_test_agreement (
        "AGR-2", "SH-PD-MSA", "SH-PD-TAX", "enterprise-basic",
        "name,registered-on", "statistics,tax-registration",
        today - S_DAY, today + S_DAY, 2, "*", tax, msa);
    assert (policy_add (policy, &agreement) == STATUS_OK);
    assert (policy_size (policy) == 2);
    s_expect (policy, tax, basic, REGISTERED, officer, "clerk", "statistics",
              today, STATUS_OK, "granted under agreement", &decision, verbose);
    assert (streq (decision.agreement_id, "AGR-2"));
    //  AGR-1 is used up today: AGR-2 grants the name
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today, STATUS_OK, "granted under agreement", &decision, verbose);
    assert (streq (decision.agreement_id, "AGR-2"));
    //  Now both are used up
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today, STATUS_QUOTA_EXCEEDED, "daily quota used up",
              &decision, verbose);
    //  No agreement grants both: the closest refusal is reported
    s_expect (policy, tax, basic, ADDRESS | REGISTERED, officer, "inspector",
              purpose, today + S_DAY / 2, STATUS_FIELD_NOT_AGREED,
              "field not agreed", &decision, verbose);

    //  Replacing AGR-1 (same id, larger quota) keeps today's count; only a
    //  higher version replaces it
    agreement = s_test_agreement (
        "AGR-1", "SH-PD-MSA", "SH-PD-TAX", "enterprise-basic",
        "name,address,status,capital", "tax-registration,credit-check",
        today - 10 * S_DAY, today + 10 * S_DAY, 4, "inspector,auditor",
        msa, tax);
    agreement_t *second = agreement_dup (agreement);
    assert (policy_add (policy, &agreement) == STATUS_STALE);  //  version 1 again
    assert (agreement_daily_quota (policy_agreement (policy, "AGR-1")) == 3);
    s_test_version (second, 2, msa, tax);
    agreement = agreement_dup (second);
    assert (policy_add (policy, &agreement) == STATUS_OK);
    assert (policy_size (policy) == 2);
    assert (agreement_daily_quota (policy_agreement (policy, "AGR-1")) == 4);
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today, STATUS_OK, "granted under agreement", &decision, verbose);
    assert (streq (decision.agreement_id, "AGR-1"));
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today, STATUS_QUOTA_EXCEEDED, "daily quota used up",
              &decision, verbose);

    //  Revocation
    assert (policy_remove (policy,
            agreement_id (policy_agreement (policy, "AGR-2"))) == 0);
    assert (policy_remove (policy, "AGR-2") == -1);
    assert (policy_remove (policy, NULL) == -1);
    assert (policy_size (policy) == 1);
    s_expect (policy, tax, basic, REGISTERED, officer, "clerk", "statistics",
              today, STATUS_PURPOSE_NOT_AGREED, "purpose not agreed",
              &decision, verbose);
    //  An expired agreement is accepted, and refuses with AGREEMENT_EXPIRED
    agreement = s_test_agreement (
        "AGR-OLD", "SH-PD-MSA", "SH-PD-HR", "enterprise-basic", "name",
        "hiring", today - 100 * S_DAY, today - 50 * S_DAY, 10, "*",
        msa, other);
    assert (policy_add (policy, &agreement) == STATUS_OK);
    s_expect (policy, other, basic, NAME, officer, "hr", "hiring", today,
              STATUS_AGREEMENT_EXPIRED, "agreement expired",
              &decision, verbose);
    //  What an agreement allows is listed as far as the reason has room
    {
        char purposes [32 * 66] = "";
        for (int index = 0; index < 32; index++) {
            char name [66];
            snprintf (name, sizeof (name), "%s%02d-%s", index? ",": "", index,
                      "purpose-with-a-long-name-to-fill-the-reason-of-a-refusal-x");
            strcat (purposes, name);
        }
        agreement = s_test_agreement (
            "AGR-WIDE", "SH-PD-MSA", "SH-PD-HR", "enterprise-basic", "name",
            purposes, today - S_DAY, today + S_DAY, 10, "*", msa, other);
        assert (agreement);
        assert (policy_add (policy, &agreement) == STATUS_OK);
        s_expect (policy, other, basic, NAME, officer, "hr", "hiring", today,
                  STATUS_PURPOSE_NOT_AGREED, "purpose not agreed",
                  &decision, verbose);
        size_t length = strlen (decision.reason);
        assert (length < POLICY_REASON_MAX);
        assert (length > POLICY_REASON_MAX - 80);
        assert (streq (decision.reason + length - 5, ", ..."));
        assert (strstr (decision.reason, "which allows: 00-purpose"));
    }
    policy_destroy (&policy);
    policy_destroy (&policy);
    assert (policy == NULL);

    //  Restart: quota counts survive, agreements come from a directory
    char *agreements = zsys_sprintf ("%s/agreements", dir);
    zsys_dir_create ("%s", agreements);
    char *path_good = zsys_sprintf ("%s/10-main.agreement", agreements);
    char *path_forged = zsys_sprintf ("%s/20-forged.agreement", agreements);
    char *path_junk = zsys_sprintf ("%s/30-junk.agreement", agreements);
    char *path_other = zsys_sprintf ("%s/notes.txt", agreements);
    char *path_older = zsys_sprintf ("%s/05-older.agreement", agreements);
    assert (agreementtext_save (second, path_good, false, NULL) == 0);
    assert (agreementtext_save (main_agreement, path_older, false, NULL) == 0);
    FILE *file = fopen (path_forged, "w");
    assert (file);
    fputs (tampered, file);
    fclose (file);
    file = fopen (path_junk, "w");
    assert (file);
    fputs ("agreement\n    id = \"X\"\n\x01\x02", file);
    fclose (file);
    file = fopen (path_other, "w");
    assert (file);
    fputs (main_text, file);
    fclose (file);

    policy = policy_new ("SH-PD-MSA", trust, db_path, NULL);
    assert (policy);
    assert (policy_add_dir (policy, agreements) == 1);
    assert (policy_size (policy) == 1);
    char *missing = zsys_sprintf ("%s/missing", dir);
    assert (policy_add_dir (policy, missing) == -1);
    zstr_free (&missing);
    //  The older file of AGR-1 (version 1) stays out: version 2 was in
    //  force before the restart
    assert (agreement_version (policy_agreement (policy, "AGR-1")) == 2);
    //  The file's AGR-1 has quota 4, and today's 4 were used before
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today + 60, STATUS_QUOTA_EXCEEDED, "daily quota used up",
              &decision, verbose);
    //  The day before expiry had one request, so three remain
    int64_t last_day = today + 10 * S_DAY - 12 * 3600 - 1;
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              last_day, STATUS_OK, "granted under agreement", &decision,
              verbose);
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              last_day, STATUS_OK, "granted under agreement", &decision,
              verbose);
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              last_day, STATUS_OK, "granted under agreement", &decision,
              verbose);
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              last_day, STATUS_QUOTA_EXCEEDED, "daily quota used up",
              &decision, verbose);
    //  ... and a day nobody used is fresh
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today + 2 * S_DAY, STATUS_OK, "granted under agreement",
              &decision, verbose);
    policy_destroy (&policy);

    //  Counts written at destroy are there after the next start too
    policy = policy_new ("SH-PD-MSA", trust, db_path, NULL);
    assert (policy);
    agreement = agreement_dup (main_agreement);
    assert (policy_add (policy, &agreement) == STATUS_STALE);  //  the floor holds
    assert (policy_size (policy) == 0);
    agreement = agreement_dup (second);
    assert (policy_add (policy, &agreement) == STATUS_OK);
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              last_day, STATUS_QUOTA_EXCEEDED, "daily quota used up",
              &decision, verbose);
    //  A version 2 with other terms than the one in force is refused; a
    //  version 3 replaces it, and the floor moves to 3
    agreement = agreement_dup (main_agreement);
    s_test_version (agreement, 2, msa, tax);
    assert (policy_add (policy, &agreement) == STATUS_STALE);
    agreement = agreement_dup (main_agreement);
    s_test_version (agreement, 3, tax, msa);
    assert (policy_add (policy, &agreement) == STATUS_OK);
    assert (agreement_version (policy_agreement (policy, "AGR-1")) == 3);
    agreement = agreement_dup (second);
    assert (policy_add (policy, &agreement) == STATUS_STALE);
    assert (agreement_version (policy_agreement (policy, "AGR-1")) == 3);
    //  A reason never splits a UTF-8 character
    char long_basis [POLICY_REASON_MAX * 2] = "";
    while (strlen (long_basis) + 3 < sizeof (long_basis))
        strcat (long_basis, "法");
    char *closed_text = zsys_sprintf (
        "item = \"long-closed\"\n"
        "    title = \"t\"\n"
        "    key-type = \"uscc\"\n"
        "    share = \"closed\"\n"
        "    legal-basis = \"%s\"\n", long_basis);
    item_t *long_closed = s_test_item (closed_text);
    s_expect (policy, tax, long_closed, 0, officer, "inspector", purpose,
              today, STATUS_ITEM_CLOSED, "item is closed", &decision, verbose);
    assert (strlen (decision.reason) < POLICY_REASON_MAX);
    assert (strlen (decision.reason) > POLICY_REASON_MAX - 4);
    assert ((strlen (decision.reason) - strlen ("item is closed: ")) % 3 == 0);
    item_destroy (&long_closed);
    zstr_free (&closed_text);
    policy_destroy (&policy);

    zsys_file_delete (path_good);
    zsys_file_delete (path_forged);
    zsys_file_delete (path_junk);
    zsys_file_delete (path_other);
    zsys_file_delete (path_older);
    zsys_dir_delete ("%s", agreements);
    char *wal = zsys_sprintf ("%s-wal", db_path);
    char *shm = zsys_sprintf ("%s-shm", db_path);
    zsys_file_delete (wal);
    zsys_file_delete (shm);
    zsys_file_delete (db_path);
    zsys_dir_delete ("%s", dir);
    zstr_free (&wal);
    zstr_free (&shm);
    zstr_free (&path_good);
    zstr_free (&path_forged);
    zstr_free (&path_junk);
    zstr_free (&path_other);
    zstr_free (&path_older);
    zstr_free (&agreements);
    agreement_destroy (&second);
    zstr_free (&tampered);
    zstr_free (&forged_text);
    zstr_free (&main_text);
    zstr_free (&db_path);
    zstr_free (&dir);
    agreement_destroy (&main_agreement);
    item_destroy (&basic);
    item_destroy (&open);
    item_destroy (&closed);
    truststore_destroy (&trust);
    cert_destroy (&msa);
    cert_destroy (&tax);
    cert_destroy (&other);
    cert_destroy (&stranger);
    authority_destroy (&authority);

    if (verbose)
        printf ("   OK\n");
}
