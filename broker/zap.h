/*  zap.h -- the broker's admission decision (ZAP, ZeroMQ RFC 27).

    libzmq holds a connecting client's CURVE handshake until the broker's
    ZAP handler answers. The decision is a function of the request and the
    trust store alone, so that every case is tested on its own (zap_test),
    beside the tests through the real broker (tests/suites/20-zap.sh).

    Admitted ("200", User-Id = the department id) only if all hold: the
    request is a ZAP 1.0 request of domain "sluice"; the mechanism is CURVE;
    the client's key is 32 bytes and is the CURVE key of a certificate in
    the trust store; that certificate is valid now and not revoked; its role
    is "department"; and neither that department nor the client's address
    holds as many admitted connections as the broker allows (connections.h:
    connections-per-department, connections-per-address; LIMIT_REACHED).
    Every other request gets "400" (or "500" if the request itself is not a
    ZAP request), and the connection is never established.
*/
#ifndef SLUICE_ZAP_H_INCLUDED
#define SLUICE_ZAP_H_INCLUDED

#include <czmq.h>
#include "truststore.h"
#include "connections.h"

#define ZAP_DOMAIN      "sluice"

//  The reply to a ZAP request (read, not consumed), judged against `trust`
//  at `now` (seconds since the epoch) and the admitted connections of
//  `connections` (borrowed; NULL: no caps), which count an admission: a
//  fresh message the caller sends on the ZAP socket. If the client is
//  refused, *refusal is set to a fresh line for the log, naming the
//  client's address, its CURVE key in Z85 and the department of the
//  certificate if there is one (e.g. "refused connection from 127.0.0.1,
//  CURVE key <Z85>: CERT_REVOKED (certificate of SH-PD-FDA)"); if admitted
//  it is set to NULL. The verdict (if not NULL) says what was decided.
typedef struct {
    int status;                 //  OK; the certificate's (CERT_UNKNOWN,
                                //  CERT_EXPIRED, CERT_REVOKED, CERT_ROLE);
                                //  LIMIT_REACHED over a cap; NOT_PERMITTED
                                //  or MALFORMED for a request not CURVE's
    const char *cap;            //  LIMIT_REACHED: the cap's setting
                                //  (CONNECTIONS_CAP_*), else NULL
} zap_verdict_t;

zmsg_t *
    zap_reply (zmsg_t *request, truststore_t *trust, int64_t now,
               connections_t *connections, char **refusal, zap_verdict_t *verdict);

void
    zap_test (bool verbose);

#endif
