/*  dirsync.h -- what a gateway holds of one broker's directory, and the
    transfer of it in progress.

    A broker numbers its directory changes within an epoch (PROTOCOL.md
    6.2). The gateway holds the (epoch, version) of the last transfer it
    completed and says so in its HELLO; the broker answers with a WELCOME
    (page 0) and the DIRECTORY pages of the delta from there, and pushes
    further deltas as its directory changes. This class follows the pages:
    they must come in order, each of the same transfer. The certificates of
    every page are for the caller to verify and keep at once (each is signed
    by the authority on its own); the list's text is put together from its
    pieces and given when the transfer is complete.
*/
#ifndef SLUICE_DIRSYNC_H_INCLUDED
#define SLUICE_DIRSYNC_H_INCLUDED

#include "message.h"

typedef struct _dirsync_t dirsync_t;

typedef enum {
    DIRSYNC_MORE = 0,       //  taken; more pages of this transfer to come
    DIRSYNC_DONE,           //  the transfer is complete: it is held now
    DIRSYNC_BEHIND,         //  complete, but a delta from a version after
                            //  the one held: something was missed, ask again
    DIRSYNC_BROKEN          //  a page out of order or of another transfer:
                            //  it is dropped; ask again
} dirsync_result_t;

dirsync_t *
    dirsync_new (void);
void
    dirsync_destroy (dirsync_t **self_p);

//  What is held: the epoch and version of the last complete transfer
//  (0 and 0 until one completes). A HELLO carries these.
uint64_t dirsync_epoch (dirsync_t *self);
uint64_t dirsync_version (dirsync_t *self);

//  True if the broker's directory is held whole: the last transfer
//  completed with nothing missed (DIRSYNC_DONE) and no other is under way.
//  Then a certificate the broker has is held here (PROTOCOL.md 16.6).
bool
    dirsync_held (dirsync_t *self);

//  Takes a decoded page: a WELCOME (welcome true: must be page 0) or a
//  DIRECTORY page (1 .. pages). Returns what it means (above).
dirsync_result_t
    dirsync_take (dirsync_t *self, const message_directory_t *page, bool welcome);

//  After DIRSYNC_DONE or DIRSYNC_BEHIND: the revocation list text that the
//  transfer carried (borrowed, valid until the next take), or NULL if it
//  carried none.
const char *
    dirsync_crl (dirsync_t *self, size_t *size);

void
    dirsync_test (bool verbose);

#endif
