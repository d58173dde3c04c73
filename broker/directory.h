/*  directory.h -- the broker's numbered directory: the certificates and the
    revocation list it carries to gateways, paged, with deltas.

    Every change is numbered: each update that brings a new or changed
    certificate, or a changed list, takes the next version. A directory also
    has an epoch, drawn at random when it is created (the broker starts), so
    that versions of two runs are never confused. A gateway says in its HELLO
    which (epoch, version) it holds; the broker answers with a transfer from
    there: a small WELCOME (page 0), then DIRECTORY pages of at most
    DIRECTORY_PAGE_BYTES of certificate texts and list text each, carrying
    only what changed after the version held (everything if the gateway holds
    another epoch's, or nothing). PROTOCOL.md 6.2 and 9.1.

    The broker only carries these: every gateway verifies each certificate
    and the list against the authority itself.
*/
#ifndef SLUICE_DIRECTORY_H_INCLUDED
#define SLUICE_DIRECTORY_H_INCLUDED

#include <czmq.h>
#include "truststore.h"

//  Texts per page, well under the payload limit (1 MiB): a page's payload
//  is this plus its keys and the msgpack headers of its texts.
#define DIRECTORY_PAGE_BYTES    (256 * 1024)

typedef struct _directory_t directory_t;

//  An empty directory (version 0) of the broker `broker`, which announces
//  `heartbeat_ms` in every page; its epoch is random.
directory_t *
    directory_new (const char *broker, uint64_t heartbeat_ms);

void
    directory_destroy (directory_t **self_p);

//  Takes what a freshly loaded trust store holds (borrowed, read only),
//  current and superseded certificates alike (gateways verify what a
//  renewed department's old key signed with the superseded ones):
//  certificates new or different from those held for their department and
//  serial,
//  and a list whose text differs from the one held, are numbered with the
//  next version, all of them with the same one. Certificates no longer in
//  the store are forgotten (gateways keep what they verified; revocation
//  is the list's job). Returns how many things changed; 0 leaves the
//  version as it was.
size_t
    directory_update (directory_t *self, truststore_t *trust);

uint64_t directory_epoch (directory_t *self);
uint64_t directory_version (directory_t *self);
size_t   directory_size (directory_t *self);     //  certificates held

//  The version a transfer to a gateway that holds (epoch, version) starts
//  from: that version if it is of this epoch and not beyond ours, else 0
//  (everything).
uint64_t
    directory_since (directory_t *self, uint64_t epoch, uint64_t version);

//  The transfer from `since` to the current version, as encoded payloads
//  (zchunk_t, in order): first the WELCOME (page 0), then each DIRECTORY
//  page. Nothing changed since `since`: the WELCOME alone, with 0 pages.
//  The list is the directory's (borrowed), valid until the next update:
//  every gateway that holds the same version gets the same pages, so the
//  last few transfers are kept and built once.
zlistx_t *
    directory_transfer (directory_t *self, uint64_t since);

//  For the self-test: pages of `bytes` instead of DIRECTORY_PAGE_BYTES.
void
    directory_set_page_bytes (directory_t *self, size_t bytes);

void
    directory_test (bool verbose);

#endif
