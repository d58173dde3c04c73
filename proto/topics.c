/*  topics.c -- the published list of alert topics and severities; see
    topics.h.  */

#include "topics.h"
#include <assert.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    const char *title;
} s_topic_t;

//  The key areas of joint supervision. The paper names production safety
//  and food and drugs first; the others are the areas its departments
//  (environment, quality, health, fire, construction, transport, finance,
//  tax, customs, labour) supervise. Names never change: a new area is a
//  new row at the end.
static const s_topic_t s_topics [] = {
    { "food-drug",         "食品药品" },
    { "production-safety", "安全生产" },
    { "environment",       "生态环境" },
    { "product-quality",   "产品质量" },
    { "public-health",     "公共卫生" },
    { "fire-safety",       "消防安全" },
    { "construction",      "建设工程" },
    { "transport",         "交通运输" },
    { "finance",           "金融风险" },
    { "tax",               "税收征管" },
    { "customs-trade",     "口岸贸易" },
    { "labour",            "劳动保障" },
};
#define S_TOPICS (sizeof (s_topics) / sizeof (s_topics [0]))

//  Blue (一般), yellow (较重), orange (严重), red (特别严重)
static const char *s_severities [] = { "blue", "yellow", "orange", "red" };
#define S_SEVERITIES (sizeof (s_severities) / sizeof (s_severities [0]))

size_t
topics_count (void)
{
    return S_TOPICS;
}

const char *
topics_name (size_t index)
{
    return index < S_TOPICS? s_topics [index].name: NULL;
}

const char *
topics_title (size_t index)
{
    return index < S_TOPICS? s_topics [index].title: NULL;
}

bool
topics_valid (const char *name)
{
    for (size_t index = 0; name && index < S_TOPICS; index++)
        if (strcmp (s_topics [index].name, name) == 0)
            return true;
    return false;
}

bool
topics_severity_valid (const char *name)
{
    for (size_t index = 0; name && index < S_SEVERITIES; index++)
        if (strcmp (s_severities [index], name) == 0)
            return true;
    return false;
}

const char *
topics_severities (void)
{
    return "blue,yellow,orange,red";
}

void
topics_test (bool verbose)
{
    if (verbose)
        printf (" * topics: ");
    assert (topics_count () == 12);
    for (size_t index = 0; index < topics_count (); index++) {
        assert (topics_valid (topics_name (index)));
        assert (strlen (topics_name (index)) <= TOPICS_NAME_MAX);
        assert (topics_title (index) && *topics_title (index));
        for (size_t other = 0; other < index; other++)
            assert (strcmp (topics_name (index), topics_name (other)) != 0);
    }
    assert (topics_name (topics_count ()) == NULL);
    assert (!topics_valid ("Food-Drug") && !topics_valid ("") && !topics_valid (NULL));
    assert (topics_severity_valid ("red") && !topics_severity_valid ("purple"));
    //  The text lists every severity, in order
    char list [64] = "";
    for (size_t index = 0; index < S_SEVERITIES; index++)
        snprintf (list + strlen (list), sizeof (list) - strlen (list), "%s%s",
                  index? ",": "", s_severities [index]);
    assert (strcmp (list, topics_severities ()) == 0);
    if (verbose)
        printf ("OK\n");
}
