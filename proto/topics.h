/*  topics.h -- the published list of alert topics and severities.

    A regulatory alert (监管预警) is raised on a topic: one of the key areas
    of joint supervision that the Pudong paper names (安全生产, 食品药品, ...
    "12 key areas"), as a fixed list that every gateway of a federation
    shares, so a department subscribes to a topic another one raises alerts
    on by the same name. Its severity is one of the four levels of Chinese
    early warnings, from blue (一般) to red (特别严重). An alert on a name
    outside these lists is refused (UNKNOWN_TOPIC, MALFORMED): PROTOCOL.md
    section 17.
*/
#ifndef SLUICE_TOPICS_H_INCLUDED
#define SLUICE_TOPICS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#define TOPICS_NAME_MAX     32      //  bytes of a topic or severity name

//  The number of topics, and the name ("food-drug") and title ("食品药品")
//  of the one at `index`; NULL past the last.
size_t
    topics_count (void);
const char *
    topics_name (size_t index);
const char *
    topics_title (size_t index);

//  True if `name` is a topic of the list (exactly, case-sensitive).
bool
    topics_valid (const char *name);

//  True if `name` is a severity: "blue", "yellow", "orange", "red".
bool
    topics_severity_valid (const char *name);

//  The severities, lowest first, as one comma-separated text.
const char *
    topics_severities (void);

void
    topics_test (bool verbose);

#endif
