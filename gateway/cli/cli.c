/*  cli.c -- the frame of the `sluice` command; see cli.h.  */

#include "cli.h"
#include "cli_out.h"
#include "certfile.h"
#include "status.h"
#include <getopt.h>
#include <stdarg.h>

#define S_COLUMNS       78      //  usage text is wrapped before this column

//  --------------------------------------------------------------------------
//  The exit codes, declared once

static const cli_exit_use_t s_exits [] = {
    { CLI_EXIT_OK,
      "done: found, shown, valid, intact, registered" },
    { CLI_EXIT_NOT_FOUND,
      "not there, or not valid: NOT_FOUND (a valid key, no record), nothing "
      "matched, not registered with any broker, no such open order; a "
      "certificate, agreement or file that is not valid or does not verify "
      "(sluice certs, sluice agreement), an audit log NOT INTACT; a file that "
      "is there already (without --force)" },
    { CLI_EXIT_REFUSED,
      "refused by the provider: result codes 130-139 and 160-169; a notice or an "
      "alert refused by its recipient's catalog: 190-199" },
    { CLI_EXIT_FAILED,
      "failed: any other result code (of the gateway, a broker or the "
      "provider), or no answer from the gateway" },
    { CLI_EXIT_USAGE,
      "usage: an unknown command or option, a value missing or out of range" },
    { CLI_EXIT_DATA,
      "a file that is not what it should be (sluice audit: not an audit log, "
      "or not a certificate)" },
    { CLI_EXIT_NO_FILE,
      "a file that does not exist or cannot be read" },
};

//  Writes `text` from column `column` on, a space before each word unless
//  the line stands at `indent` (it starts there, or was just wrapped),
//  wrapped at S_COLUMNS with `indent` spaces before each further line.
//  `whole`: the text is one word, spaces and all. Returns the column it
//  ends at.
static size_t
s_wrap (FILE *file, const char *text, size_t column, size_t indent, bool whole)
{
    while (*text) {
        size_t word = whole? strlen (text): strcspn (text, " ");
        if (column != indent && column + 1 + word > S_COLUMNS) {
            fprintf (file, "\n%*s", (int) indent, "");
            column = indent;
        }
        if (column != indent) {
            fputc (' ', file);
            column++;
        }
        fwrite (text, 1, word, file);
        column += word;
        text += word;
        text += strspn (text, " ");
    }
    return column;
}

void
cli_exits_print (FILE *file)
{
    for (size_t index = 0; index < sizeof (s_exits) / sizeof (s_exits [0]); index++) {
        fprintf (file, "  %-4d", s_exits [index].code);
        s_wrap (file, s_exits [index].meaning, 6, 6, false);
        fputc ('\n', file);
    }
}

int
cli_exit_status (int status)
{
    if (status == STATUS_OK)
        return CLI_EXIT_OK;
    if (status == STATUS_NOT_FOUND)
        return CLI_EXIT_NOT_FOUND;
    if ((status >= 130 && status < 140) || (status >= 160 && status < 170)
    ||  (status >= 190 && status < 200))
        return CLI_EXIT_REFUSED;
    return CLI_EXIT_FAILED;
}


//  --------------------------------------------------------------------------
//  Usage text, from the table

static size_t
s_option_count (const cli_command_t *command)
{
    size_t count = 0;
    while (command->options && command->options [count].name)
        count++;
    return count;
}

//  "--name VALUE" into text
static void
s_option_text (const cli_option_t *option, char *text, size_t size)
{
    if (option->value)
        snprintf (text, size, "--%s %s", option->name, option->value);
    else
        snprintf (text, size, "--%s", option->name);
}

//  The synopsis: "usage: NAME" then each option as the table says, and the
//  operands, wrapped under the first
static void
s_synopsis (FILE *file, const cli_command_t *command, const char *name)
{
    fprintf (file, "usage: %s", name);
    size_t column = strlen ("usage: ") + strlen (name);
    size_t indent = column + 1 <= 28? column + 1: 11;
    size_t count = s_option_count (command);
    for (size_t index = 0; index < count; index++) {
        //  A token: one option, or a group of alternatives
        size_t last = index;
        while (last + 1 < count && (command->options [last].flags & CLI_EITHER))
            last++;
        const cli_option_t *first = &command->options [index];
        bool needed = first->flags & (CLI_REQUIRED | CLI_WANTED);
        bool bracket = last > index || !needed;
        char token [256] = "";
        size_t used = 0;
        if (bracket)
            token [used++] = last > index && needed? '(': '[';
        for (size_t member = index; member <= last; member++) {
            char text [96];
            s_option_text (&command->options [member], text, sizeof (text));
            used += (size_t) snprintf (token + used, sizeof (token) - used, "%s%s%s",
                                       member > index? " | ": "", text,
                                       command->options [member].flags & CLI_REPEATED?
                                       " ...": "");
        }
        if (bracket)
            snprintf (token + used, sizeof (token) - used, "%c",
                      last > index && needed? ')': ']');
        column = s_wrap (file, token, column, indent, true);
        index = last;
    }
    if (command->operands)
        s_wrap (file, command->operands, column, indent, false);
    fputc ('\n', file);
}

//  Each option with its help, in a column
static void
s_options (FILE *file, const cli_command_t *command)
{
    size_t count = s_option_count (command), width = 0;
    if (count == 0)
        return;
    for (size_t index = 0; index < count; index++) {
        char text [96];
        s_option_text (&command->options [index], text, sizeof (text));
        if (strlen (text) > width)
            width = strlen (text);
    }
    if (width > 24)
        width = 24;
    fprintf (file, "Options:\n");
    for (size_t index = 0; index < count; index++) {
        char text [96];
        s_option_text (&command->options [index], text, sizeof (text));
        fprintf (file, "  %s", text);
        size_t column = 2 + strlen (text);
        if (strlen (text) > width) {
            fprintf (file, "\n%*s", (int) width + 4, "");
            column = width + 4;
        }
        for (; column < width + 4; column++)
            fputc (' ', file);
        s_wrap (file, command->options [index].help, column, width + 4, false);
        fputc ('\n', file);
    }
}

//  One code and what it means, the code kept with the first word
static size_t
s_exit_use (FILE *file, int code, const char *meaning, const char *end, size_t column)
{
    char first [64];
    size_t length = strcspn (meaning, " ");
    snprintf (first, sizeof (first), "%d %.*s%s", code, (int) length, meaning,
              meaning [length]? "": end);
    column = s_wrap (file, first, column, 6, true);
    if (meaning [length]) {
        char *rest = zsys_sprintf ("%s%s", meaning + length + 1, end);
        column = s_wrap (file, rest, column, 6, false);
        zstr_free (&rest);
    }
    return column;
}

//  "Exit: 0 found; 1 ...; 64 usage.", in the order of the codes
static void
s_exit_line (FILE *file, const cli_command_t *command)
{
    cli_exit_use_t uses [16];
    size_t count = 0;
    bool usage = false;
    for (const cli_exit_use_t *use = command->exits; use && use->meaning; use++) {
        assert (count + 2 < sizeof (uses) / sizeof (uses [0]));
        if (!usage && use->code > CLI_EXIT_USAGE)
            uses [count++] = (cli_exit_use_t) { CLI_EXIT_USAGE, "usage" };
        usage |= use->code >= CLI_EXIT_USAGE;
        uses [count++] = *use;
    }
    if (!usage)
        uses [count++] = (cli_exit_use_t) { CLI_EXIT_USAGE, "usage" };
    fputs ("Exit:", file);
    size_t column = strlen ("Exit:");
    for (size_t index = 0; index < count; index++)
        column = s_exit_use (file, uses [index].code, uses [index].meaning,
                             index + 1 < count? ";": ".", column);
    fputc ('\n', file);
}

//  Everything --help says about a command that runs
static void
s_usage (FILE *file, const cli_command_t *command, const char *name)
{
    s_synopsis (file, command, name);
    if (command->about)
        fputs (command->about, file);
    s_options (file, command);
    s_exit_line (file, command);
    if (command->example) {
        fputs ("Example:\n", file);
        for (const char *line = command->example; *line;) {
            size_t length = strcspn (line, "\n");
            fprintf (file, "  %.*s\n", (int) length, line);
            line += length + (line [length] == '\n');
        }
    }
}

//  What a group is made of
static void
s_group_usage (FILE *file, const cli_command_t *group, const char *name)
{
    fprintf (file, "usage: %s COMMAND [OPTIONS]\n", name);
    if (group->about)
        fputs (group->about, file);
    fprintf (file, "Commands:\n");
    for (const cli_command_t *const *command = group->commands; *command; command++)
        fprintf (file, "  %-10s %s\n", (*command)->name, (*command)->summary);
    fprintf (file, "'%s COMMAND --help' shows a command's options and an example.\n", name);
    if (group->epilogue)
        group->epilogue (file);
}


//  --------------------------------------------------------------------------
//  Parsing, with getopt_long

static int s_usage_error_text (cli_t *self, const char *message);

static size_t
s_option_index (cli_t *self, const char *name)
{
    size_t count = s_option_count (self->command);
    for (size_t index = 0; index < count; index++)
        if (streq (self->command->options [index].name, name))
            return index;
    return count;
}

//  What getopt_long refused, as a usage error
static int
s_refused (cli_t *self, int option, char **argv, size_t count)
{
    char message [200];
    if (option == ':')
        snprintf (message, sizeof (message), "--%s needs a value",
                  optopt > 0 && (size_t) optopt <= count?
                  self->command->options [optopt - 1].name: "?");
    else
    if (optopt > 0 && (size_t) optopt <= count)
        snprintf (message, sizeof (message), "--%s takes no value",
                  self->command->options [optopt - 1].name);
    else
    if (optopt == 'h')
        snprintf (message, sizeof (message), "--help takes no value");
    else
    if (optopt)
        snprintf (message, sizeof (message), "unknown option '-%c'", optopt);
    else {
        const char *arg = argv [optind - 1];
        snprintf (message, sizeof (message), "unknown option '%.*s'",
                  (int) strcspn (arg, "="), arg);
    }
    return s_usage_error_text (self, message);
}

//  The word after the one `text` starts with
static const char *
s_next_word (const char *text)
{
    text += strcspn (text, " ");
    return text + strspn (text, " ");
}

//  The number of words in `text` (NULL: none)
static size_t
s_words (const char *text)
{
    size_t count = 0;
    for (; text && *text; text = s_next_word (text))
        count++;
    return count;
}

//  What the table requires: options, one of each group, the operands
static int
s_check (cli_t *self)
{
    const cli_option_t *options = self->command->options;
    size_t count = s_option_count (self->command);
    char message [200];
    for (size_t index = 0; index < count; index++) {
        size_t last = index;
        bool given = self->values [index] && *self->values [index];
        while (last + 1 < count && (options [last].flags & CLI_EITHER)) {
            last++;
            given |= self->values [last] && *self->values [last];
        }
        if ((options [index].flags & CLI_REQUIRED) && !given) {
            if (last == index)
                snprintf (message, sizeof (message), "--%s is required",
                          options [index].name);
            else {
                char first [96], second [96];
                s_option_text (&options [index], first, sizeof (first));
                s_option_text (&options [last], second, sizeof (second));
                snprintf (message, sizeof (message), "give %s or %s", first, second);
            }
            return s_usage_error_text (self, message);
        }
        index = last;
    }
    if (self->operand_count < s_words (self->command->operands)) {
        const char *word = self->command->operands;
        for (size_t skip = 0; skip < self->operand_count; skip++)
            word = s_next_word (word);
        snprintf (message, sizeof (message), "%.*s is required",
                  (int) strcspn (word, " "), word);
        return s_usage_error_text (self, message);
    }
    return CLI_EXIT_OK;
}

//  Fills self from argv; returns CLI_EXIT_OK, -1 when --help was shown,
//  or CLI_EXIT_USAGE (said)
static int
s_parse (cli_t *self, int argc, char **argv)
{
    const cli_command_t *command = self->command;
    size_t count = s_option_count (command);
    assert (count <= CLI_OPTIONS_MAX);
    struct option longs [CLI_OPTIONS_MAX + 2];
    for (size_t index = 0; index < count; index++)
        longs [index] = (struct option) {
            command->options [index].name,
            command->options [index].value? required_argument: no_argument,
            NULL, (int) index + 1
        };
    longs [count] = (struct option) { "help", no_argument, NULL, 'h' };
    longs [count + 1] = (struct option) { NULL, 0, NULL, 0 };
    //  getopt_long keeps its place in globals: start afresh, quietly (the
    //  messages are ours)
    optind = 0;
    opterr = 0;
    int option;
    while ((option = getopt_long (argc, argv, ":h", longs, NULL)) != -1) {
        if (option == 'h') {
            s_usage (stdout, command, self->name);
            return -1;
        }
        if (option == '?' || option == ':')
            return s_refused (self, option, argv, count);
        size_t index = (size_t) option - 1;
        if (command->options [index].flags & CLI_REPEATED) {
            if (self->repeat_count == CLI_REPEATS_MAX)
                return s_usage_error_text (self, "an option given more than 64 times");
            self->repeats [self->repeat_count].option = index;
            self->repeats [self->repeat_count++].value = optarg;
            if (!self->values [index])
                self->values [index] = optarg;
            continue;
        }
        if (self->values [index]) {
            char message [120];
            snprintf (message, sizeof (message), "--%s given twice",
                      command->options [index].name);
            return s_usage_error_text (self, message);
        }
        self->values [index] = command->options [index].value? optarg: "";
    }
    size_t wanted = s_words (command->operands);
    assert (wanted <= CLI_OPERANDS_MAX);
    for (int index = optind; index < argc; index++) {
        if (self->operand_count == wanted) {
            char message [200];
            snprintf (message, sizeof (message), "unexpected argument '%.100s'", argv [index]);
            return s_usage_error_text (self, message);
        }
        self->operands [self->operand_count++] = argv [index];
    }
    return s_check (self);
}

//  A group: the command argv [1] names, or what the group holds
static int
s_group (const cli_command_t *group, const char *name, int argc, char **argv)
{
    const char *wanted = argc > 1? argv [1]: NULL;
    if (wanted && (streq (wanted, "--help") || streq (wanted, "-h")
               ||  streq (wanted, "help"))) {
        s_group_usage (stdout, group, name);
        return CLI_EXIT_OK;
    }
    for (const cli_command_t *const *command = group->commands; wanted && *command;
         command++)
        if (streq ((*command)->name, wanted)) {
            char inner [CLI_NAME_MAX];
            snprintf (inner, sizeof (inner), "%s %s", name, (*command)->name);
            return cli_main (*command, inner, argc - 1, argv + 1);
        }
    if (wanted) {
        cli_out_t err = cli_out (stderr);
        fprintf (stderr, "%s: unknown command '", name);
        cli_text_str (&err, wanted, 0);
        fprintf (stderr, "'\n");
    }
    s_group_usage (stderr, group, name);
    return CLI_EXIT_USAGE;
}

int
cli_main (const cli_command_t *command, const char *name, int argc, char **argv)
{
    assert (command);
    assert (name);
    if (command->commands)
        return s_group (command, name, argc, argv);
    cli_t self;
    memset (&self, 0, sizeof (self));
    self.command = command;
    snprintf (self.name, sizeof (self.name), "%s", name);
    int rc = s_parse (&self, argc, argv);
    if (rc == -1)
        return CLI_EXIT_OK;     //  --help
    if (rc)
        return rc;
    return command->run (&self);
}


//  --------------------------------------------------------------------------
//  What a command reads of its call, and how it says what went wrong

const char *
cli_get (cli_t *self, const char *name)
{
    size_t index = s_option_index (self, name);
    assert (index < s_option_count (self->command));    //  the table has it
    return self->values [index];
}

bool
cli_has (cli_t *self, const char *name)
{
    return cli_get (self, name) != NULL;
}

const char *
cli_each (cli_t *self, const char *name, size_t index)
{
    size_t option = s_option_index (self, name);
    assert (option < s_option_count (self->command));   //  the table has it
    for (size_t at = 0; at < self->repeat_count; at++)
        if (self->repeats [at].option == option && index-- == 0)
            return self->repeats [at].value;
    return NULL;
}

bool
cli_json (cli_t *self)
{
    size_t index = s_option_index (self, "json");
    return index < s_option_count (self->command) && self->values [index];
}

const char *
cli_operand (cli_t *self, size_t index)
{
    assert (index < self->operand_count);
    return self->operands [index];
}

int
cli_uint (cli_t *self, const char *name, uint64_t min, uint64_t max, uint64_t *number)
{
    const char *value = cli_get (self, name);
    if (!value)
        return CLI_EXIT_OK;
    uint64_t parsed;
    if (certfile_uint_parse (value, max, &parsed) || parsed < min)
        return cli_usage_error (self, "--%s must be a whole number from %" PRIu64
                                " to %" PRIu64 ", not '%.40s'", name, min, max, value);
    *number = parsed;
    return CLI_EXIT_OK;
}

int
cli_copy (cli_t *self, const char *name, char *buffer, size_t size)
{
    const char *value = cli_get (self, name);
    if (!value)
        value = "";
    if (strlen (value) >= size)
        return cli_usage_error (self, "--%s is longer than the protocol allows (%zu bytes)",
                                name, size - 1);
    memcpy (buffer, value, strlen (value) + 1);
    return CLI_EXIT_OK;
}

static int
s_usage_error_text (cli_t *self, const char *message)
{
    cli_out_t err = cli_out (stderr);
    fprintf (stderr, "%s: ", self->name);
    cli_text_str (&err, message, 0);
    fputc ('\n', stderr);
    s_synopsis (stderr, self->command, self->name);
    fprintf (stderr, "'%s --help' shows every option and an example.\n", self->name);
    return CLI_EXIT_USAGE;
}

int
cli_usage_error (cli_t *self, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    char *message = zsys_vprintf (format, args);
    va_end (args);
    int rc = s_usage_error_text (self, message);
    zstr_free (&message);
    return rc;
}

int
cli_fail (cli_t *self, int code, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    char *message = zsys_vprintf (format, args);
    va_end (args);
    return cli_fail_with (self, code, &message);
}

int
cli_fail_with (cli_t *self, int code, char **error)
{
    if (error && *error) {
        cli_out_t err = cli_out (stderr);
        fprintf (stderr, "%s: ", self->name);
        cli_text_str (&err, *error, 0);
        fputc ('\n', stderr);
        zstr_free (error);
    }
    return code;
}

int
cli_file_exit (const char *path, int invalid)
{
    return access (path, R_OK) == 0? invalid: CLI_EXIT_NO_FILE;
}


//  --------------------------------------------------------------------------
//  For self-tests: a command's output, captured

//  The file at path as a fresh string, and the file removed
static char *
s_slurp (const char *path)
{
    size_t size = 0;
    char *text = certfile_read (path, 64 * 1024 * 1024, &size, NULL);
    unlink (path);
    return text? text: strdup ("");
}

//  Runs argv with stdout and stderr captured; see cli_run_captured
static int
s_run_captured (const cli_command_t *command, const char *name,
                char **out, char **err, int argc, char **argv)
{
    char *paths [2] = {
        zsys_sprintf ("/tmp/sluice-cli-%d.out", getpid ()),
        zsys_sprintf ("/tmp/sluice-cli-%d.err", getpid ())
    };
    fflush (stdout);
    fflush (stderr);
    int saved [2] = { dup (STDOUT_FILENO), dup (STDERR_FILENO) };
    for (int index = 0; index < 2; index++) {
        int fd = open (paths [index], O_WRONLY | O_CREAT | O_TRUNC, 0600);
        assert (saved [index] >= 0 && fd >= 0);
        dup2 (fd, index? STDERR_FILENO: STDOUT_FILENO);
        close (fd);
    }
    int rc = cli_main (command, name, argc, argv);
    fflush (stdout);
    fflush (stderr);
    char **texts [2] = { out, err };
    for (int index = 0; index < 2; index++) {
        dup2 (saved [index], index? STDERR_FILENO: STDOUT_FILENO);
        close (saved [index]);
        char *text = s_slurp (paths [index]);
        if (texts [index])
            *texts [index] = text;
        else
            free (text);
        zstr_free (&paths [index]);
    }
    return rc;
}

int
cli_run_captured (const cli_command_t *command, const char *name,
                  char **out, char **err, ...)
{
    char *argv [40];
    int argc = 0;
    va_list args;
    va_start (args, err);
    for (char *arg = va_arg (args, char *); arg; arg = va_arg (args, char *)) {
        assert (argc < 39);
        argv [argc++] = arg;
    }
    va_end (args);
    argv [argc] = NULL;
    return s_run_captured (command, name, out, err, argc, argv);
}


//  --------------------------------------------------------------------------
//  Self test

static int
s_test_run (cli_t *cli)
{
    //  What the command got, for the test to read back
    printf ("item=%s key=%s json=%d operand=%s\n",
            cli_get (cli, "item")? cli_get (cli, "item"): "-",
            cli_has (cli, "key")? cli_get (cli, "key"): "-", cli_json (cli),
            cli->operand_count? cli_operand (cli, 0): "-");
    uint64_t number = 7;
    int rc = cli_uint (cli, "count", 1, 10, &number);
    if (rc)
        return rc;
    printf ("count=%" PRIu64 "\n", number);
    for (size_t index = 0; cli_each (cli, "field", index); index++)
        printf ("field=%s\n", cli_each (cli, "field", index));
    return cli_has (cli, "fail")? cli_fail (cli, CLI_EXIT_FAILED, "it \x1b[31mfailed"): 0;
}

static const cli_option_t s_test_options [] = {
    { "config", "gateway.cfg", CLI_REQUIRED | CLI_EITHER, "the gateway's configuration" },
    { "gateway", "ENDPOINT", 0, "or its local endpoint" },
    { "item", "ITEM", CLI_REQUIRED, "the item" },
    { "key", "KEY", CLI_WANTED, "the key" },
    { "count", "N", 0, "how many, 1..10 (default 7)" },
    { "fail", NULL, 0, "fail, saying so" },
    { "json", NULL, 0, "as JSON" },
    { "field", "name=value", CLI_REPEATED, "a field, again and again" },
    { NULL }
};

static const cli_exit_use_t s_test_exits [] = {
    { CLI_EXIT_OK, "done" }, { CLI_EXIT_FAILED, "failed" }, { 0, NULL }
};

static const cli_command_t s_test_try = {
    "try", "try the parser", s_test_run, s_test_options, "FILE",
    "Tries the parser.\n", s_test_exits, "sluice test try --config x --item y FILE\n"
};
static const cli_command_t s_test_none = {
    "none", "no options", s_test_run
};
static const cli_command_t *const s_test_commands [] = { &s_test_try, &s_test_none, NULL };

static const cli_command_t s_test_group = {
    "test", "a group", NULL, NULL, NULL, "A group of tests.\n", NULL, NULL,
    s_test_commands
};

//  Runs the test group; *out and *err are freed by the next call
static int
s_test (char **out, char **err, const char *first, ...)
{
    freen (*out);
    freen (*err);
    char *argv [16] = { "test" };
    int argc = 1;
    va_list args;
    va_start (args, first);
    for (const char *arg = first; arg; arg = va_arg (args, const char *)) {
        assert (argc < 15);
        argv [argc++] = (char *) arg;
    }
    va_end (args);
    argv [argc] = NULL;
    return s_run_captured (&s_test_group, "sluice test", out, err, argc, argv);
}

void
cli_test (bool verbose)
{
    printf (" * cli: ");
    if (verbose)
        printf ("\n");

    //  @selftest
    char *out = NULL, *err = NULL;
    //  Both forms of a value, a switch, an operand anywhere
    assert (s_test (&out, &err, "try", "--config=a.cfg", "FILE1", "--item", "x", "--json",
                    NULL) == 0);
    assert (streq (out, "item=x key=- json=1 operand=FILE1\ncount=7\n"));
    assert (s_test (&out, &err, "try", "--gateway", "ipc://x", "--item=", "--key", "k",
                    "F", NULL) == CLI_EXIT_USAGE);              //  empty: not given
    assert (strstr (err, "sluice test try: --item is required\n"));
    assert (s_test (&out, &err, "try", "--gateway", "ipc://x", "--item", "i", "--key", "k",
                    "--count", "3", "F", NULL) == 0);
    assert (strstr (out, "key=k json=0 operand=F\ncount=3\n"));
    //  A repeated option, each value in order
    assert (s_test (&out, &err, "try", "--config", "c", "--item", "i", "--field", "a=1",
                    "F", "--field", "b=2", NULL) == 0);
    assert (strstr (out, "count=7\nfield=a=1\nfield=b=2\n"));
    //  A unique prefix of an option is the option (getopt_long)
    assert (s_test (&out, &err, "try", "--conf", "c", "--it", "i", "F", NULL) == 0);
    assert (strstr (out, "item=i "));

    //  Every mistake is a usage error that says what, then the synopsis
    struct {
        const char *args [6];
        const char *expect;
    } mistakes [] = {
        { { "try", "--item", "i", "F" }, "give --config gateway.cfg or --gateway ENDPOINT" },
        { { "try", "--config", "c", "F" }, "--item is required" },
        { { "try", "--config", "c", "--item", "i" }, "FILE is required" },
        { { "try", "--config", "c", "--item" }, "--item needs a value" },
        { { "try", "--colour=red", "--config", "c" }, "unknown option '--colour'" },
        { { "try", "-x", "--config", "c" }, "unknown option '-x'" },
        { { "try", "--json=yes", "--config", "c" }, "--json takes no value" },
        { { "try", "--item", "a", "--item", "b" }, "--item given twice" },
        { { "try", "--count", "11", "--config", "c", "--item" }, "--item needs a value" },
        { { "none", "stray" }, "unexpected argument 'stray'" },
    };
    for (size_t index = 0; index < sizeof (mistakes) / sizeof (mistakes [0]); index++) {
        const char **args = mistakes [index].args;
        int rc = s_test (&out, &err, args [0], args [1], args [2], args [3], args [4],
                         args [5], NULL);
        if (verbose)
            printf ("%s", err);
        assert (rc == CLI_EXIT_USAGE);
        assert (strstr (err, mistakes [index].expect));
        assert (strstr (err, "usage: sluice test try") || strstr (err, "usage: sluice test none"));
    }
    assert (s_test (&out, &err, "try", "--config", "c", "--item", "i", "--count", "0", "F",
                    NULL) == CLI_EXIT_USAGE);
    assert (strstr (err, "--count must be a whole number from 1 to 10, not '0'"));

    //  What a command says when it fails: once, escaped
    assert (s_test (&out, &err, "try", "--config", "c", "--item", "i", "--fail", "F",
                    NULL) == CLI_EXIT_FAILED);
    assert (streq (err, "sluice test try: it \\x1b[31mfailed\n"));

    //  --help: the synopsis from the table, wrapped, then the rest
    assert (s_test (&out, &err, "try", "--help", NULL) == 0);
    if (verbose)
        printf ("%s", out);
    assert (strstr (out, "usage: sluice test try (--config gateway.cfg | --gateway ENDPOINT)"
                         " --item ITEM\n"
                         "                       --key KEY [--count N] [--fail] [--json]\n"
                         "                       [--field name=value ...] FILE\n"
                         "Tries the parser.\nOptions:\n"
                         "  --config gateway.cfg  the gateway's configuration\n"));
    assert (strstr (out, "  --json                as JSON\n"
                         "  --field name=value    a field, again and again\n"
                         "Exit: 0 done; 3 failed; 64 usage.\n"
                         "Example:\n  sluice test try --config x --item y FILE\n"));
    for (const char *line = out; *line; line += strcspn (line, "\n") + 1)
        assert (strcspn (line, "\n") <= S_COLUMNS);
    assert (s_test (&out, &err, "try", "--config", "c", "-h", NULL) == 0);
    assert (strstr (out, "usage: sluice test try"));

    //  A group: its commands; one message for a command it does not have
    assert (s_test (&out, &err, "--help", NULL) == 0);
    assert (strstr (out, "usage: sluice test COMMAND [OPTIONS]\nA group of tests.\n"
                         "Commands:\n  try        try the parser\n"));
    assert (s_test (&out, &err, "frobnicate", NULL) == CLI_EXIT_USAGE);
    assert (strstr (err, "sluice test: unknown command 'frobnicate'\n"
                         "usage: sluice test COMMAND"));
    assert (s_test (&out, &err, NULL) == CLI_EXIT_USAGE);
    assert (strstr (err, "usage: sluice test COMMAND"));

    //  The exit codes
    assert (cli_exit_status (STATUS_OK) == CLI_EXIT_OK);
    assert (cli_exit_status (STATUS_NOT_FOUND) == CLI_EXIT_NOT_FOUND);
    assert (cli_exit_status (STATUS_NO_AGREEMENT) == CLI_EXIT_REFUSED);
    assert (cli_exit_status (STATUS_PURPOSE_NOT_AGREED) == CLI_EXIT_REFUSED);
    assert (cli_exit_status (STATUS_ROLE_NOT_AGREED) == CLI_EXIT_REFUSED);
    assert (cli_exit_status (STATUS_UNKNOWN_KIND) == CLI_EXIT_REFUSED);
    assert (cli_exit_status (STATUS_ALREADY_HANDLED) == CLI_EXIT_REFUSED);
    assert (cli_exit_status (STATUS_CERT_ROLE) == CLI_EXIT_FAILED);
    assert (cli_exit_status (STATUS_VERSION_AHEAD) == CLI_EXIT_FAILED);
    assert (cli_exit_status (STATUS_TIMEOUT) == CLI_EXIT_FAILED);
    assert (cli_exit_status (STATUS_INTERNAL) == CLI_EXIT_FAILED);
    assert (cli_file_exit ("/nonexistent/file", CLI_EXIT_DATA) == CLI_EXIT_NO_FILE);
    assert (cli_file_exit ("/dev/null", CLI_EXIT_DATA) == CLI_EXIT_DATA);
    freen (out);
    freen (err);
    //  @end

    printf ("OK\n");
}
