/*  cli.h -- the frame of the `sluice` command.

    Every command is declared once, in a table (cli_command_t): its name,
    its options, its operands, what it does, its exit codes and an example.
    The table drives both the parsing, with getopt_long (`--config x` and
    `--config=x` alike), and the usage text that `--help` prints. A group
    (`sluice`, `sluice certs`, `sluice catalog`, ...) is a command made of
    commands; each says "unknown command" the same way, and exits 64.

    The exit codes are declared once (cli_exit_t); `sluice --help` lists
    them, and each command's usage says which it uses and what they mean
    there.

    One error style: a helper that can fail returns an exit code (or 0 /
    -1) and, for a person, a message in `char **error`; the command prints
    it once, with cli_fail. Messages name the command ("sluice catalog
    list: ...") and go to stderr; what a command shows goes to stdout.
*/
#ifndef SLUICE_CLI_H_INCLUDED
#define SLUICE_CLI_H_INCLUDED

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

//  The exit codes of every `sluice` command
typedef enum {
    CLI_EXIT_OK         = 0,    //  done: found, shown, valid, intact
    CLI_EXIT_NOT_FOUND  = 1,    //  not there, or not valid (see cli.c)
    CLI_EXIT_REFUSED    = 2,    //  refused by the provider (13x, 16x)
    CLI_EXIT_FAILED     = 3,    //  any other code, or no answer
    CLI_EXIT_USAGE      = 64,   //  as sysexits.h EX_USAGE
    CLI_EXIT_DATA       = 65,   //  EX_DATAERR: a file is not what it should be
    CLI_EXIT_NO_FILE    = 66    //  EX_NOINPUT: a file does not exist
} cli_exit_t;

//  Writes the table of exit codes, one a line, for `sluice --help`.
void
    cli_exits_print (FILE *file);

//  The exit code for a result code of the gateway or the provider: 0 OK,
//  1 NOT_FOUND, 2 refused by the provider (130..139 and 160..169) or by a
//  notice's recipient (190..199), 3 any
//  other.
int
    cli_exit_status (int status);

//  One option of a command, in a table ended by { NULL }
typedef struct {
    const char *name;           //  without the leading "--"
    const char *value;          //  its value, as the usage names it; NULL
                                //  for a switch
    unsigned flags;             //  CLI_REQUIRED, CLI_WANTED, CLI_EITHER
    const char *help;           //  one line for --help
} cli_option_t;

#define CLI_REQUIRED    1       //  the command does not run without it
#define CLI_WANTED      2       //  shown as needed, but the gateway judges
                                //  its absence (with a code that says so)
#define CLI_EITHER      4       //  this or the next option (and so on):
                                //  "(a | b)", or "[a | b]"; CLI_REQUIRED on
                                //  the first: one of them is needed
#define CLI_REPEATED    8       //  may be given again and again (cli_each)

//  What one exit code means for one command, in a table ended by
//  { 0, NULL }; the usage code is added for every command
typedef struct {
    cli_exit_t code;
    const char *meaning;
} cli_exit_use_t;

typedef struct _cli_t cli_t;
typedef struct _cli_command_t cli_command_t;

struct _cli_command_t {
    const char *name;
    const char *summary;            //  one line, in its group's list
    int (*run) (cli_t *cli);        //  NULL for a group
    const cli_option_t *options;    //  ended by { NULL }; NULL for none
    const char *operands;           //  positional arguments, e.g. "FILE"
                                    //  (one word each, all required)
    const char *about;              //  what it does: lines ending in "\n"
    const cli_exit_use_t *exits;
    const char *example;            //  command lines ending in "\n"
    const cli_command_t *const *commands;   //  a group's, ended by NULL
    void (*epilogue) (FILE *file);  //  a group: what its usage says last
};

#define CLI_OPTIONS_MAX     24
#define CLI_OPERANDS_MAX    4
#define CLI_NAME_MAX        80
#define CLI_REPEATS_MAX     64      //  values of repeated options, in all

//  A command as it was called: what its options and operands were
struct _cli_t {
    const cli_command_t *command;
    char name [CLI_NAME_MAX];       //  "sluice agreement list"
    const char *values [CLI_OPTIONS_MAX];       //  by option; "" for a switch
    const char *operands [CLI_OPERANDS_MAX];
    size_t operand_count;
    struct {                        //  each value of a CLI_REPEATED option
        size_t option;
        const char *value;
    } repeats [CLI_REPEATS_MAX];
    size_t repeat_count;
};

//  Runs `command` as argv says; argv [0] is its own name (not read), `name`
//  how messages call it ("sluice", "sluice certs"). A group runs the
//  command argv [1] names. Returns the exit code.
int
    cli_main (const cli_command_t *command, const char *name, int argc, char **argv);

//  The value of option `name` (which the command must declare), "" for a
//  switch that is set, NULL if it was not given.
const char *
    cli_get (cli_t *self, const char *name);

//  True if the option was given.
bool
    cli_has (cli_t *self, const char *name);

//  The value of the index-th time option `name` (CLI_REPEATED) was given,
//  in the order of the command line; NULL past the last.
const char *
    cli_each (cli_t *self, const char *name, size_t index);

//  True if the command has --json and it was given.
bool
    cli_json (cli_t *self);

//  Operand `index` (the command declares how many it takes).
const char *
    cli_operand (cli_t *self, size_t index);

//  Reads option `name` as a whole number from min to max into *number
//  (kept if the option was not given). Returns 0, or CLI_EXIT_USAGE after
//  saying what is wrong.
int
    cli_uint (cli_t *self, const char *name, uint64_t min, uint64_t max,
              uint64_t *number);

//  Copies option `name` ("" if not given) into buffer [0..size). Returns
//  0, or CLI_EXIT_USAGE after saying that it is too long.
int
    cli_copy (cli_t *self, const char *name, char *buffer, size_t size);

//  Says on stderr "NAME: MESSAGE", then the command's synopsis and where
//  to read more. Returns CLI_EXIT_USAGE.
int
    cli_usage_error (cli_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

//  Says on stderr "NAME: MESSAGE" (escaped: it may quote what others
//  wrote) and returns `code`.
int
    cli_fail (cli_t *self, int code, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

//  The same with a message from a helper, *error (freed); none if it is
//  NULL (the helper said it already). Returns `code`.
int
    cli_fail_with (cli_t *self, int code, char **error);

//  The exit code for a file the command could not use: CLI_EXIT_NO_FILE if
//  it does not exist (or is not readable), else `invalid`.
int
    cli_file_exit (const char *path, int invalid);

//  For self-tests: runs `command` as cli_main does with the arguments
//  given (NULL-terminated), stdout and stderr captured into *out and *err
//  (fresh strings) when they are not NULL, else sent to /dev/null.
int
    cli_run_captured (const cli_command_t *command, const char *name,
                      char **out, char **err, ...);

void
    cli_test (bool verbose);

#endif
