/*  certs_cmd.h -- `sluice certs ...`: the admin command for the federation's
    trust: the authority key, department certificates and revocation.

        sluice certs init      create the authority key pair
        sluice certs issue     issue a department or broker certificate
        sluice certs show      print a certificate in readable form
        sluice certs verify    check a certificate against the authority
        sluice certs revoke    add a certificate to the revocation list
        sluice certs crl       print a revocation list
        sluice certs publish   send a revocation list to the brokers

    show, verify and crl are in certs_show_cmd.c; the rest in certs_cmd.c.
*/
#ifndef SLUICE_CERTS_CMD_H_INCLUDED
#define SLUICE_CERTS_CMD_H_INCLUDED

#include "cli.h"
#include "authority.h"

extern const cli_command_t certs_cmd;
extern const cli_command_t certs_cmd_show;
extern const cli_command_t certs_cmd_verify;
extern const cli_command_t certs_cmd_crl;

//  Loads the authority at path into *authority; with `secret`, insists on
//  its secret key. Returns 0, or an exit code with *error.
int
    certs_cmd_authority (const char *path, bool secret, authority_t **authority,
                         char **error);

//  Prints "LABEL         HEX" on stdout.
void
    certs_cmd_print_hex (const char *label, const uint8_t *bin, size_t size);

//  Self test: runs every command against files under /tmp.
void
    certs_cmd_test (bool verbose);

#endif
