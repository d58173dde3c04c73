/*  zap.h -- the broker's admission decision (ZAP, ZeroMQ RFC 27).

    libzmq holds a connecting client's CURVE handshake until the broker's
    ZAP handler answers. The decision is a function of the request and the
    trust store alone, so that every case is tested on its own (zap_test),
    beside the tests through the real broker (tests/suites/20-zap.sh).

    Admitted ("200", User-Id = the department id) only if all hold: the
    request is a ZAP 1.0 request of domain "sluice"; the mechanism is CURVE;
    the client's key is 32 bytes and is the CURVE key of a certificate in
    the trust store; that certificate is valid now and not revoked; its role
    is "department". Every other request gets "400" (or "500" if the request
    itself is not a ZAP request), and the connection is never established.
*/
#ifndef SLUICE_ZAP_H_INCLUDED
#define SLUICE_ZAP_H_INCLUDED

#include <czmq.h>
#include "truststore.h"

#define ZAP_DOMAIN      "sluice"

//  The reply to a ZAP request (read, not consumed), judged against `trust`
//  at `now` (seconds since the epoch): a fresh message the caller sends on
//  the ZAP socket. If the client is refused, *refusal is set to a fresh
//  line for the log, naming the client's address, its CURVE key in Z85
//  and the department of the certificate if there is one (e.g.
//  "refused connection from 127.0.0.1, CURVE key <Z85>: CERT_REVOKED
//  (certificate of SH-PD-FDA)"); if admitted it is set to NULL.
zmsg_t *
    zap_reply (zmsg_t *request, truststore_t *trust, int64_t now, char **refusal);

void
    zap_test (bool verbose);

#endif
