/*  registry_cmd.h -- the `sluice` commands that work through the broker's
    registry, via the local gateway:

        sluice agreement register|list|revoke
        sluice order file|list|accept|refuse
        sluice certs revoke ... --publish gateway.cfg   (the CRL part)
*/
#ifndef SLUICE_REGISTRY_CMD_H_INCLUDED
#define SLUICE_REGISTRY_CMD_H_INCLUDED

#include <stdbool.h>

//  argv [0] is the verb ("register", "list", "revoke"). Exit status.
int registry_cmd_agreement_register (int argc, char **argv);
int registry_cmd_agreement_list (int argc, char **argv);
int registry_cmd_agreement_revoke (int argc, char **argv);

//  argv [0] is "order". Exit status.
int registry_cmd_order (int argc, char **argv);

//  Sends the revocation list in crl_path to the brokers through the gateway
//  configured in `config`; messages name `command`. Exit status.
int registry_cmd_publish_crl (const char *config, const char *crl_path,
                              const char *command);

#endif
