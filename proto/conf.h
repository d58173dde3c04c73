/*  conf.h -- configuration files in ZPL, checked against a schema.

    A daemon describes its settings as a table (path, kind, required, range,
    default). conf_load reads the file, refuses unknown keys (a typo must not
    silently become a default), missing required keys and values of the wrong
    kind or out of range, with a message that names the file, the key and
    what is wrong. Command-line flags override values with conf_set.
*/
#ifndef SLUICE_CONF_H_INCLUDED
#define SLUICE_CONF_H_INCLUDED

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum {
    CONF_STRING = 1,
    CONF_INTEGER,
    CONF_PATH,          //  a file or directory; relative to the config file
    CONF_ENDPOINT,      //  tcp://host:port or ipc://path
    CONF_LEVEL,         //  error | warning | info | debug
    CONF_PATHS,         //  comma-separated paths, each like CONF_PATH
    CONF_ENDPOINTS      //  comma-separated endpoints, each like CONF_ENDPOINT
} conf_kind_t;

typedef struct {
    const char *path;           //  e.g. "gateway/broker"
    conf_kind_t kind;
    bool required;
    int64_t min, max;           //  integers only
    const char *fallback;       //  default value, or NULL
    const char *help;           //  one line, for --help
} conf_key_t;

typedef struct _conf_t conf_t;

//  Loads `path` and checks it against `schema` (terminated by a row with
//  path NULL). Returns NULL and sets *error (fresh string) on any problem.
conf_t *
    conf_load (const char *path, const conf_key_t *schema, char **error);

//  Empty configuration with defaults, for running from flags alone.
conf_t *
    conf_new (const conf_key_t *schema);

void
    conf_destroy (conf_t **self_p);

//  Overrides a value (from a flag); checked like a file value. 0 / -1 with
//  *error set.
int
    conf_set (conf_t *self, const char *path, const char *value, char **error);

//  Applies flags "--NAME VALUE" where NAME is the last part of a schema
//  path (e.g. --endpoint for "broker/endpoint"). `own` lists the program's
//  other flags that take a value (NULL-terminated; they are skipped), and
//  `switches` its flags without a value. Any other flag is an error.
//  Returns 0, or -1 with *error naming the flag.
int
    conf_apply_flags (conf_t *self, int argc, char **argv,
                      const char **own, const char **switches, char **error);

//  Checks that every required key has a value; 0 or -1 with *error.
int
    conf_check (conf_t *self, char **error);

//  Values; a PATH is resolved against the config file's directory (each
//  element of PATHS too).
const char *conf_str (conf_t *self, const char *path);     //  NULL if unset
int64_t     conf_int (conf_t *self, const char *path);     //  0 if unset
int         conf_level (conf_t *self, const char *path);   //  0 error .. 3 debug

//  Splits a comma-separated value (PATHS, ENDPOINTS) into a fresh list of
//  fresh strings, blanks trimmed; the caller destroys it. Empty list if unset.
zlist_t *
    conf_list (conf_t *self, const char *path);

//  Prints the schema as help lines to `file`.
void
    conf_print_help (const conf_key_t *schema, FILE *file);

//  Log lines below the configured level are not written; errors and
//  warnings always are. `level` is a conf_level value.
#define SLUICE_INFO(level, ...) \
    do { if ((level) >= 2) zsys_info (__VA_ARGS__); } while (0)
#define SLUICE_DEBUG(level, ...) \
    do { if ((level) >= 3) zsys_debug (__VA_ARGS__); } while (0)

void
    conf_test (bool verbose);

#endif
