/*  certs_cmd.h -- `sluice certs ...`: the admin command for the federation's
    trust: the authority key, department certificates and revocation.

        sluice certs init     create the authority key pair
        sluice certs issue    issue a department or broker certificate
        sluice certs show     print a certificate in readable form
        sluice certs verify   check a certificate against the authority
        sluice certs revoke   add a certificate to the revocation list
        sluice certs crl      print a revocation list

    Exit status: 0 done / valid, 1 refused or invalid, 2 usage error.
    Errors go to stderr and say what failed and where.
*/
#ifndef SLUICE_CERTS_CMD_H_INCLUDED
#define SLUICE_CERTS_CMD_H_INCLUDED

#include <stdbool.h>

//  Runs the command; argv [0] is "certs", argv [1] the subcommand. Returns
//  the exit status.
int
    certs_cmd_main (int argc, char **argv);

//  Self test: runs every subcommand against files under /tmp.
void
    certs_cmd_test (bool verbose);

#endif
