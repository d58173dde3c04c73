/*  settings.h -- the settings of each daemon, declared once.

    The configuration file of sluice-gateway and of sluice-broker (ZPL,
    checked by conf.c) is a format of its own (sluice-gateway.conf(5),
    sluice-broker.conf(5)). Each table here is its one declaration: the
    daemon reads its file with it, prints its --help from it, and the
    `sluice` command reads a gateway's file with it to find the gateway.
*/
#ifndef SLUICE_SETTINGS_H_INCLUDED
#define SLUICE_SETTINGS_H_INCLUDED

#include "conf.h"

//  The most open orders one department may have (order-limit)
#define SETTINGS_ORDER_LIMIT_MAX    1000000

//  sluice-gateway's settings (section "gateway")
extern const conf_key_t settings_gateway [];

//  sluice-broker's settings (section "broker")
extern const conf_key_t settings_broker [];

void
    settings_test (bool verbose);

#endif
