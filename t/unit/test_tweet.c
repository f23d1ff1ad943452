
/*
 * Copyright (C) hashpay authors
 *
 * Unit tests of src/ngx_http_hashpay_tweet.c: reading X deliveries in
 * their three shapes (Account Activity, X Activity API, Filtered Stream:
 * the example payloads of t/data/examples and malformed variants, every
 * bad_field by its name), the envelopes refused, revokes and their order
 * among posts, confirmation codes, user.created_at and ISO 8601 times,
 * allocation failures.
 *
 * The examples are looked for in $HASHPAY_EXAMPLES, then
 * t/data/examples (the tests run from the repository's root), then
 * relative to the test binary (build/unit/../../t/data/examples).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>
#include <time.h>

#include "ngx_http_hashpay_tweet.h"
#include "unit.h"


#define ACT  NGX_HTTP_HASHPAY_TWEET_ACT
#define RT   NGX_HTTP_HASHPAY_TWEET_RETWEET
#define OP   NGX_HTTP_HASHPAY_TWEET_OPERATOR
#define NOH  NGX_HTTP_HASHPAY_TWEET_NO_HASHTAG
#define MAL  NGX_HTTP_HASHPAY_TWEET_MALFORMED

/* pieces of tweet objects */

#define ID        "\"id_str\":\"7\""
#define USER      "\"user\":{\"id_str\":\"42\",\"screen_name\":\"bob\"}"
#define OPUSER    "\"user\":{\"id_str\":\"15234567\"}"
#define TAG(t)    "{\"text\":\"" t "\"}"
#define TAGS(a)   "\"entities\":{\"hashtags\":" a "}"
#define EXT(a)    "\"truncated\":true,\"extended_tweet\":{" a "}"
#define RS(a)     "\"retweeted_status\":{" a "}"
#define GOOD      TAGS("[" TAG("BuyGiftCard25") "]")
#define OPRS(a)   RS("\"id_str\":\"8\"," OPUSER "," a)

#define ALICE     "1297234567890123457"
#define OPERATOR  "15234567"

/* pieces of v2 posts (X Activity API payloads, Filtered Stream data) */

#define PID       "\"id\":\"7\""
#define PAUTH     "\"author_id\":\"42\""
#define HT(t)     "{\"tag\":\"" t "\"}"
#define PGOOD     TAGS("[" HT("BuyGiftCard25") "]")
#define PCODE     TAGS("[" HT("Confirm7KQ2XD") "]")
#define P(a)      "{" PID "," PAUTH a "}"
#define RTD(id)   ",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"" \
                  id "\"}]"
#define OPPOST(a) "{\"id\":\"8\",\"author_id\":\"15234567\"" a "}"
#define ITW(e)    "{\"tweets\":[" e "]}"
#define IPO(e)    "{\"posts\":[" e "]}"
#define BARE(m, t) ",\"entities\":{\"mentions\":[" m "],\"hashtags\":[" t "]}"
#define OPM       "{\"id\":\"15234567\"}"
#define USERS(u)  "{\"users\":[" u "]}"
#define BOB       "{\"id\":\"42\",\"username\":\"bob\"}"

#define T_1000    "2026-12-01T10:00:00.000Z"
#define MS_1000   1796119200000LL


extern ngx_int_t  ngx_stub_alloc_budget;


/* the first revoke of a delivery, as the tests of one revoke read it */

static ngx_str_t  no_user = ngx_null_string;


static ngx_str_t *
revoke_user(ngx_http_hashpay_delivery_t *d)
{
    ngx_http_hashpay_revoke_t  *rv;

    if (d->revokes == NULL || d->revokes->nelts == 0) {
        return &no_user;
    }

    rv = d->revokes->elts;

    return &rv->user;
}


static const char *
revoke_bad(ngx_http_hashpay_delivery_t *d)
{
    ngx_http_hashpay_revoke_t  *rv;

    if (d->revokes == NULL || d->revokes->nelts == 0) {
        return NULL;
    }

    rv = d->revokes->elts;

    return rv->bad_field;
}


typedef struct {
    const char  *name;
    const char  *tweet;         /* one element of tweet_create_events */
    ngx_uint_t   state;
    const char  *bad;           /* bad_field of a malformed tweet */
    const char  *id;            /* the id read, NULL: none */
} tweet_case_t;


static const tweet_case_t  cases[] = {

    /* the element itself */

    { "not an object: number", "5", MAL, "tweet_create_events[]", NULL },
    { "not an object: string", "\"x\"", MAL, "tweet_create_events[]", NULL },
    { "not an object: null", "null", MAL, "tweet_create_events[]", NULL },
    { "not an object: array", "[]", MAL, "tweet_create_events[]", NULL },
    { "not an object: true", "true", MAL, "tweet_create_events[]", NULL },

    /* id_str */

    { "id_str missing", "{" USER "," GOOD "}", MAL, "id_str", NULL },
    { "id_str a number", "{\"id_str\":7," USER "," GOOD "}", MAL, "id_str",
      NULL },
    { "id_str null", "{\"id_str\":null," USER "}", MAL, "id_str", NULL },
    { "id_str empty", "{\"id_str\":\"\"," USER "}", MAL, "id_str", NULL },
    { "id_str 21 digits", "{\"id_str\":\"123456789012345678901\"," USER "}",
      MAL, "id_str", NULL },
    { "id_str letter", "{\"id_str\":\"12a\"," USER "}", MAL, "id_str", NULL },
    { "id_str negative", "{\"id_str\":\"-1\"," USER "}", MAL, "id_str", NULL },
    { "id_str space", "{\"id_str\":\" 1\"," USER "}", MAL, "id_str", NULL },
    { "id_str decimal", "{\"id_str\":\"1.0\"," USER "}", MAL, "id_str",
      NULL },
    { "id_str exponent", "{\"id_str\":\"1e3\"," USER "}", MAL, "id_str",
      NULL },
    { "id_str arabic-indic digit", "{\"id_str\":\"\\u0661\"," USER "}", MAL,
      "id_str", NULL },
    { "id_str fullwidth digit", "{\"id_str\":\"\\uff11\"," USER "}", MAL,
      "id_str", NULL },
    { "id_str 20 digits, above 2^64",
      "{\"id_str\":\"18446744073709551616\"," USER "," GOOD "}", ACT, NULL,
      "18446744073709551616" },

    /* user */

    { "user missing", "{" ID "," GOOD "}", MAL, "user", "7" },
    { "user a string", "{" ID ",\"user\":\"42\"}", MAL, "user", "7" },
    { "user null", "{" ID ",\"user\":null}", MAL, "user", "7" },
    { "user an array", "{" ID ",\"user\":[]}", MAL, "user", "7" },
    { "user.id_str missing", "{" ID ",\"user\":{\"id\":42}}", MAL,
      "user.id_str", "7" },
    { "user.id_str a number", "{" ID ",\"user\":{\"id_str\":42}}", MAL,
      "user.id_str", "7" },
    { "user.id_str empty", "{" ID ",\"user\":{\"id_str\":\"\"}}", MAL,
      "user.id_str", "7" },
    { "user.id_str 21 digits",
      "{" ID ",\"user\":{\"id_str\":\"123456789012345678901\"}}", MAL,
      "user.id_str", "7" },
    { "user.id_str inner space", "{" ID ",\"user\":{\"id_str\":\"4 2\"}}",
      MAL, "user.id_str", "7" },
    { "user.screen_name a number",
      "{" ID ",\"user\":{\"id_str\":\"42\",\"screen_name\":5}," GOOD "}",
      MAL, "user.screen_name", "7" },
    { "user.screen_name null",
      "{" ID ",\"user\":{\"id_str\":\"42\",\"screen_name\":null}}", MAL,
      "user.screen_name", "7" },
    { "user.screen_name an object",
      "{" ID ",\"user\":{\"id_str\":\"42\",\"screen_name\":{}}}", MAL,
      "user.screen_name", "7" },
    { "user.screen_name absent",
      "{" ID ",\"user\":{\"id_str\":\"42\"}," GOOD "}", ACT, NULL, "7" },
    { "user.created_at a number: not malformed",
      "{" ID ",\"user\":{\"id_str\":\"42\",\"created_at\":5}," GOOD "}",
      ACT, NULL, "7" },
    { "user.created_at garbage: not malformed",
      "{" ID ",\"user\":{\"id_str\":\"42\",\"created_at\":\"x\"}," GOOD "}",
      ACT, NULL, "7" },

    /* timestamp_ms */

    { "timestamp_ms negative", "{" ID "," USER ",\"timestamp_ms\":-1}", MAL,
      "timestamp_ms", "7" },
    { "timestamp_ms real", "{" ID "," USER ",\"timestamp_ms\":1.5}", MAL,
      "timestamp_ms", "7" },
    { "timestamp_ms exponent",
      "{" ID "," USER ",\"timestamp_ms\":1e12," GOOD "}", ACT, NULL, "7" },
    { "timestamp_ms 1.0", "{" ID "," USER ",\"timestamp_ms\":1.0," GOOD "}",
      ACT, NULL, "7" },
    { "timestamp_ms over 2^53 as real",
      "{" ID "," USER ",\"timestamp_ms\":1e16}", MAL, "timestamp_ms", "7" },
    { "timestamp_ms negative real", "{" ID "," USER ",\"timestamp_ms\":-1e3}",
      MAL, "timestamp_ms", "7" },
    { "timestamp_ms empty string", "{" ID "," USER ",\"timestamp_ms\":\"\"}",
      MAL, "timestamp_ms", "7" },
    { "timestamp_ms letters", "{" ID "," USER ",\"timestamp_ms\":\"12a\"}",
      MAL, "timestamp_ms", "7" },
    { "timestamp_ms negative string",
      "{" ID "," USER ",\"timestamp_ms\":\"-5\"}", MAL, "timestamp_ms", "7" },
    { "timestamp_ms plus sign", "{" ID "," USER ",\"timestamp_ms\":\"+5\"}",
      MAL, "timestamp_ms", "7" },
    { "timestamp_ms space", "{" ID "," USER ",\"timestamp_ms\":\" 5\"}", MAL,
      "timestamp_ms", "7" },
    { "timestamp_ms decimal string",
      "{" ID "," USER ",\"timestamp_ms\":\"1.5\"}", MAL, "timestamp_ms",
      "7" },
    { "timestamp_ms 20 digits",
      "{" ID "," USER ",\"timestamp_ms\":\"12345678901234567890\"}", MAL,
      "timestamp_ms", "7" },
    { "timestamp_ms 19 digits over int64",
      "{" ID "," USER ",\"timestamp_ms\":\"9999999999999999999\"}", MAL,
      "timestamp_ms", "7" },
    { "timestamp_ms true", "{" ID "," USER ",\"timestamp_ms\":true}", MAL,
      "timestamp_ms", "7" },
    { "timestamp_ms null", "{" ID "," USER ",\"timestamp_ms\":null}", MAL,
      "timestamp_ms", "7" },
    { "timestamp_ms object", "{" ID "," USER ",\"timestamp_ms\":{}}", MAL,
      "timestamp_ms", "7" },
    { "timestamp_ms array", "{" ID "," USER ",\"timestamp_ms\":[1]}", MAL,
      "timestamp_ms", "7" },

    /* entities.hashtags */

    { "entities a string", "{" ID "," USER ",\"entities\":\"x\"}", MAL,
      "entities", "7" },
    { "entities an array", "{" ID "," USER ",\"entities\":[]}", MAL,
      "entities", "7" },
    { "entities null", "{" ID "," USER ",\"entities\":null}", MAL,
      "entities", "7" },
    { "hashtags a string", "{" ID "," USER "," TAGS("\"x\"") "}", MAL,
      "entities.hashtags", "7" },
    { "hashtags an object", "{" ID "," USER "," TAGS("{}") "}", MAL,
      "entities.hashtags", "7" },
    { "hashtags null", "{" ID "," USER "," TAGS("null") "}", MAL,
      "entities.hashtags", "7" },
    { "hashtags a number", "{" ID "," USER "," TAGS("5") "}", MAL,
      "entities.hashtags", "7" },
    { "hashtag a number", "{" ID "," USER "," TAGS("[5]") "}", MAL,
      "entities.hashtags[]", "7" },
    { "hashtag a string", "{" ID "," USER "," TAGS("[\"Buy\"]") "}", MAL,
      "entities.hashtags[]", "7" },
    { "hashtag null", "{" ID "," USER "," TAGS("[null]") "}", MAL,
      "entities.hashtags[]", "7" },
    { "hashtag an array", "{" ID "," USER "," TAGS("[[]]") "}", MAL,
      "entities.hashtags[]", "7" },
    { "hashtag text missing", "{" ID "," USER "," TAGS("[{}]") "}", MAL,
      "entities.hashtags[].text", "7" },
    { "hashtag text a number",
      "{" ID "," USER "," TAGS("[{\"text\":5}]") "}", MAL,
      "entities.hashtags[].text", "7" },
    { "hashtag text null",
      "{" ID "," USER "," TAGS("[{\"text\":null}]") "}", MAL,
      "entities.hashtags[].text", "7" },
    { "hashtag text an array",
      "{" ID "," USER "," TAGS("[{\"text\":[\"a\"]}]") "}", MAL,
      "entities.hashtags[].text", "7" },
    { "bad hashtag after a good one",
      "{" ID "," USER "," TAGS("[" TAG("ConfirmABCDEF") ",7]") "}", MAL,
      "entities.hashtags[]", "7" },
    { "bad hashtag after an empty one",
      "{" ID "," USER "," TAGS("[" TAG("") ",{\"text\":1}]") "}", MAL,
      "entities.hashtags[].text", "7" },

    /* extended_tweet, read only when truncated is true */

    { "extended_tweet a string",
      "{" ID "," USER "," GOOD ",\"truncated\":true,\"extended_tweet\":\"x\"}",
      MAL, "extended_tweet", "7" },
    { "extended_tweet an array",
      "{" ID "," USER "," GOOD ",\"truncated\":true,\"extended_tweet\":[]}",
      MAL, "extended_tweet", "7" },
    { "extended_tweet.entities a number",
      "{" ID "," USER "," GOOD "," EXT("\"entities\":5") "}", MAL,
      "extended_tweet.entities", "7" },
    { "extended_tweet hashtags a string",
      "{" ID "," USER "," GOOD "," EXT(TAGS("\"x\"")) "}", MAL,
      "extended_tweet.entities.hashtags", "7" },
    { "extended_tweet hashtag a number",
      "{" ID "," USER "," GOOD "," EXT(TAGS("[1]")) "}", MAL,
      "extended_tweet.entities.hashtags[]", "7" },
    { "extended_tweet hashtag without text",
      "{" ID "," USER "," GOOD "," EXT(TAGS("[{\"indices\":[0,1]}]")) "}",
      MAL, "extended_tweet.entities.hashtags[].text", "7" },
    { "extended_tweet null, truncated: entities",
      "{" ID "," USER "," GOOD ",\"truncated\":true,\"extended_tweet\":null}",
      ACT, NULL, "7" },
    { "extended_tweet bad, not truncated: not read",
      "{" ID "," USER "," GOOD ",\"truncated\":false,\"extended_tweet\":5}",
      ACT, NULL, "7" },
    { "extended_tweet bad, truncated \"true\" (a string): not read",
      "{" ID "," USER "," GOOD ",\"truncated\":\"true\","
      "\"extended_tweet\":5}", ACT, NULL, "7" },
    { "extended_tweet bad, truncated 1: not read",
      "{" ID "," USER "," GOOD ",\"truncated\":1,\"extended_tweet\":5}", ACT,
      NULL, "7" },
    { "own hashtags bad, extended used: not read",
      "{" ID "," USER "," TAGS("5") "," EXT(GOOD) "}", ACT, NULL, "7" },

    /* retweeted_status */

    { "retweeted_status a string",
      "{" ID "," USER "," GOOD ",\"retweeted_status\":\"x\"}", MAL,
      "retweeted_status", "7" },
    { "retweeted_status a number",
      "{" ID "," USER ",\"retweeted_status\":5}", MAL, "retweeted_status",
      "7" },
    { "retweeted_status an array",
      "{" ID "," USER ",\"retweeted_status\":[]}", MAL, "retweeted_status",
      "7" },
    { "retweeted_status false",
      "{" ID "," USER ",\"retweeted_status\":false}", MAL,
      "retweeted_status", "7" },
    { "retweeted_status null: not a retweet",
      "{" ID "," USER "," GOOD ",\"retweeted_status\":null}", ACT, NULL,
      "7" },
    { "retweeted_status.user missing",
      "{" ID "," USER "," RS("\"id_str\":\"8\"") "}", MAL,
      "retweeted_status.user", "7" },
    { "retweeted_status.user a string",
      "{" ID "," USER "," RS("\"user\":\"x\"") "}", MAL,
      "retweeted_status.user", "7" },
    { "retweeted_status.user.id_str missing",
      "{" ID "," USER "," RS("\"user\":{}") "}", MAL,
      "retweeted_status.user.id_str", "7" },
    { "retweeted_status.user.id_str a number",
      "{" ID "," USER "," RS("\"user\":{\"id_str\":15234567}") "}", MAL,
      "retweeted_status.user.id_str", "7" },
    { "retweet of an operator: entities a string",
      "{" ID "," USER "," OPRS("\"entities\":\"x\"") "}", MAL,
      "retweeted_status.entities", "7" },
    { "retweet of an operator: hashtags a string",
      "{" ID "," USER "," OPRS(TAGS("\"x\"")) "}", MAL,
      "retweeted_status.entities.hashtags", "7" },
    { "retweet of an operator: hashtag a number",
      "{" ID "," USER "," OPRS(TAGS("[5]")) "}", MAL,
      "retweeted_status.entities.hashtags[]", "7" },
    { "retweet of an operator: hashtag text a number",
      "{" ID "," USER "," OPRS(TAGS("[{\"text\":1}]")) "}", MAL,
      "retweeted_status.entities.hashtags[].text", "7" },
    { "retweet of an operator: extended_tweet a number",
      "{" ID "," USER "," OPRS("\"truncated\":true,\"extended_tweet\":5")
      "}", MAL, "retweeted_status.extended_tweet", "7" },
    { "retweet of an operator: extended entities a string",
      "{" ID "," USER "," OPRS(EXT("\"entities\":\"x\"")) "}", MAL,
      "retweeted_status.extended_tweet.entities", "7" },
    { "retweet of an operator: extended hashtags an object",
      "{" ID "," USER "," OPRS(EXT(TAGS("{}"))) "}", MAL,
      "retweeted_status.extended_tweet.entities.hashtags", "7" },
    { "retweet of an operator: extended hashtag a string",
      "{" ID "," USER "," OPRS(EXT(TAGS("[\"x\"]"))) "}", MAL,
      "retweeted_status.extended_tweet.entities.hashtags[]", "7" },
    { "retweet of an operator: extended hashtag text false",
      "{" ID "," USER "," OPRS(EXT(TAGS("[{\"text\":false}]"))) "}", MAL,
      "retweeted_status.extended_tweet.entities.hashtags[].text", "7" },

    /* what is not read is not judged */

    { "retweet, own hashtags bad: not read",
      "{" ID "," USER "," TAGS("5") ","
      RS("\"user\":{\"id_str\":\"43\"}," TAGS("[" TAG("Buy") "]")) "}", RT,
      NULL, "7" },
    { "retweet of a non-operator, its hashtags bad: not read",
      "{" ID "," USER "," RS("\"user\":{\"id_str\":\"43\"}," TAGS("5")) "}",
      RT, NULL, "7" },
    { "operator, hashtags bad: not read",
      "{" ID "," OPUSER "," TAGS("[7]") "}", OP, NULL, "7" },
    { "operator, retweeted_status a string: malformed first",
      "{" ID "," OPUSER ",\"retweeted_status\":\"x\"}", MAL,
      "retweeted_status", "7" },
    { "operator, user.id_str bad: malformed",
      "{" ID ",\"user\":{\"id_str\":15234567}}", MAL, "user.id_str", "7" },
    { "quoted_status a string: never read",
      "{" ID "," USER "," GOOD ",\"quoted_status\":\"x\"}", ACT, NULL, "7" },
    { "quoted_status with bad hashtags: never read",
      "{" ID "," USER ",\"quoted_status\":{" TAGS("[5]") "}}", NOH, NULL,
      "7" },
    { "quoted_status with a code: never read",
      "{" ID "," USER ",\"quoted_status\":{" OPUSER ","
      TAGS("[" TAG("Confirm7KQ2XD") "]") "}}", NOH, NULL, "7" },
    { "unknown fields are normal",
      "{" ID "," USER "," GOOD ",\"zzz\":{\"a\":[1,2]},\"id\":1.5}", ACT,
      NULL, "7" },

    /* no hashtags */

    { "entities absent", "{" ID "," USER "}", NOH, NULL, "7" },
    { "hashtags absent", "{" ID "," USER ",\"entities\":{}}", NOH, NULL,
      "7" },
    { "hashtags empty", "{" ID "," USER "," TAGS("[]") "}", NOH, NULL, "7" },
    { "hashtag texts all empty",
      "{" ID "," USER "," TAGS("[" TAG("") "," TAG("") "]") "}", NOH, NULL,
      "7" },
    { "truncated with extended_tweet without entities: nothing",
      "{" ID "," USER "," GOOD "," EXT("\"full_text\":\"x\"") "}", NOH, NULL,
      "7" },
};


/* v2 posts: each payload read as a post.create event with its includes */

typedef struct {
    const char  *name;
    const char  *post;          /* the payload */
    const char  *includes;      /* NULL: absent */
    ngx_uint_t   state;
    const char  *bad;           /* bad_field of a malformed post */
    const char  *id;            /* the id read, NULL: none */
} post_case_t;


static const post_case_t  post_cases[] = {

    /* the payload itself */

    { "payload a number", "5", NULL, MAL, "payload", NULL },
    { "payload a string", "\"x\"", NULL, MAL, "payload", NULL },
    { "payload null", "null", NULL, MAL, "payload", NULL },
    { "payload an array", "[" P("," PGOOD) "]", NULL, MAL, "payload", NULL },
    { "payload true", "true", NULL, MAL, "payload", NULL },

    /* id */

    { "id missing", "{" PAUTH "," PGOOD "}", NULL, MAL, "id", NULL },
    { "id a number", "{\"id\":7," PAUTH "," PGOOD "}", NULL, MAL, "id",
      NULL },
    { "id null", "{\"id\":null," PAUTH "}", NULL, MAL, "id", NULL },
    { "id empty", "{\"id\":\"\"," PAUTH "}", NULL, MAL, "id", NULL },
    { "id 21 digits", "{\"id\":\"123456789012345678901\"," PAUTH "}", NULL,
      MAL, "id", NULL },
    { "id a letter", "{\"id\":\"7a\"," PAUTH "}", NULL, MAL, "id", NULL },
    { "id negative", "{\"id\":\"-7\"," PAUTH "}", NULL, MAL, "id", NULL },
    { "id_str instead of id", "{\"id_str\":\"7\"," PAUTH "," PGOOD "}", NULL,
      MAL, "id", NULL },
    { "id 20 digits", "{\"id\":\"99999999999999999999\"," PAUTH "," PGOOD
      "}", NULL, ACT, NULL, "99999999999999999999" },

    /* author_id */

    { "author_id missing", "{" PID "," PGOOD "}", NULL, MAL, "author_id",
      "7" },
    { "author_id a number", "{" PID ",\"author_id\":42}", NULL, MAL,
      "author_id", "7" },
    { "author_id null", "{" PID ",\"author_id\":null}", NULL, MAL,
      "author_id", "7" },
    { "author_id empty", "{" PID ",\"author_id\":\"\"}", NULL, MAL,
      "author_id", "7" },
    { "author_id 21 digits",
      "{" PID ",\"author_id\":\"123456789012345678901\"}", NULL, MAL,
      "author_id", "7" },
    { "author_id a space", "{" PID ",\"author_id\":\"4 2\"}", NULL, MAL,
      "author_id", "7" },
    { "id and author_id numbers: id first",
      "{\"id\":7,\"author_id\":7}", NULL, MAL, "id", NULL },

    /* the edit history */

    { "edit_history_tweet_ids a string",
      P(",\"edit_history_tweet_ids\":\"7\"," PGOOD), NULL, MAL,
      "edit_history_tweet_ids", "7" },
    { "edit_history_tweet_ids an object",
      P(",\"edit_history_tweet_ids\":{}"), NULL, MAL,
      "edit_history_tweet_ids", "7" },
    { "edit_history_tweet_ids a number",
      P(",\"edit_history_tweet_ids\":7"), NULL, MAL,
      "edit_history_tweet_ids", "7" },
    { "edit_history_tweet_ids[0] a number",
      P(",\"edit_history_tweet_ids\":[7]"), NULL, MAL,
      "edit_history_tweet_ids[]", "7" },
    { "edit_history_tweet_ids[0] empty",
      P(",\"edit_history_tweet_ids\":[\"\",\"7\"]"), NULL, MAL,
      "edit_history_tweet_ids[]", "7" },
    { "edit_history_tweet_ids[0] null",
      P(",\"edit_history_tweet_ids\":[null]"), NULL, MAL,
      "edit_history_tweet_ids[]", "7" },
    { "edit_history_tweet_ids[0] letters",
      P(",\"edit_history_tweet_ids\":[\"x\"]"), NULL, MAL,
      "edit_history_tweet_ids[]", "7" },
    { "edit_history_tweet_ids[1] bad: only the first is read",
      P(",\"edit_history_tweet_ids\":[\"6\",5]," PGOOD), NULL, ACT, NULL,
      "7" },
    { "edit_history_tweet_ids empty",
      P(",\"edit_history_tweet_ids\":[]," PGOOD), NULL, ACT, NULL, "7" },
    { "edit_history_post_ids a string",
      P(",\"edit_history_post_ids\":\"7\""), NULL, MAL,
      "edit_history_post_ids", "7" },
    { "edit_history_post_ids[0] a number",
      P(",\"edit_history_post_ids\":[7]"), NULL, MAL,
      "edit_history_post_ids[]", "7" },
    { "edit_history_tweet_ids null: edit_history_post_ids read",
      P(",\"edit_history_tweet_ids\":null,\"edit_history_post_ids\":true"),
      NULL, MAL, "edit_history_post_ids", "7" },
    { "edit_history_tweet_ids read: edit_history_post_ids not",
      P(",\"edit_history_tweet_ids\":[\"7\"],\"edit_history_post_ids\":5,"
        PGOOD), NULL, ACT, NULL, "7" },

    /* created_at, the post's time */

    { "created_at a number", P(",\"created_at\":1796119200000"), NULL, MAL,
      "created_at", "7" },
    { "created_at true", P(",\"created_at\":true"), NULL, MAL, "created_at",
      "7" },
    { "created_at an object", P(",\"created_at\":{}"), NULL, MAL,
      "created_at", "7" },
    { "created_at an array", P(",\"created_at\":[\"" T_1000 "\"]"), NULL,
      MAL, "created_at", "7" },
    { "created_at empty", P(",\"created_at\":\"\""), NULL, MAL, "created_at",
      "7" },
    { "created_at garbage", P(",\"created_at\":\"x\"," PGOOD), NULL, MAL,
      "created_at", "7" },
    { "created_at a date only", P(",\"created_at\":\"2026-12-01\""), NULL,
      MAL, "created_at", "7" },
    { "created_at v1.1 form",
      P(",\"created_at\":\"Tue Dec 01 10:00:00 +0000 2026\""), NULL, MAL,
      "created_at", "7" },
    { "created_at February 30",
      P(",\"created_at\":\"2026-02-30T10:00:00Z\""), NULL, MAL, "created_at",
      "7" },
    { "created_at without a zone",
      P(",\"created_at\":\"2026-12-01T10:00:00\""), NULL, MAL, "created_at",
      "7" },
    { "created_at before 1970",
      P(",\"created_at\":\"1969-12-31T23:59:59Z\""), NULL, MAL, "created_at",
      "7" },
    { "created_at a unix time string",
      P(",\"created_at\":\"1796119200\""), NULL, MAL, "created_at", "7" },
    { "created_at null: Redis's clock", P(",\"created_at\":null," PGOOD),
      NULL, ACT, NULL, "7" },

    /* includes and the author's entry */

    { "includes a string", P("," PGOOD), "\"x\"", MAL, "includes", "7" },
    { "includes a number", P("," PGOOD), "5", MAL, "includes", "7" },
    { "includes an array", P("," PGOOD), "[" BOB "]", MAL, "includes",
      "7" },
    { "includes true", P(""), "true", MAL, "includes", "7" },
    { "includes null", P("," PGOOD), "null", ACT, NULL, "7" },
    { "includes empty", P("," PGOOD), "{}", ACT, NULL, "7" },
    { "includes.users an object", P("," PGOOD), "{\"users\":" BOB "}", MAL,
      "includes.users", "7" },
    { "includes.users a string", P(""), "{\"users\":\"bob\"}", MAL,
      "includes.users", "7" },
    { "includes.users a number", P(""), "{\"users\":42}", MAL,
      "includes.users", "7" },
    { "includes.users true", P(""), "{\"users\":true}", MAL,
      "includes.users", "7" },
    { "includes.users null", P("," PGOOD), "{\"users\":null}", ACT, NULL,
      "7" },
    { "includes.users empty", P("," PGOOD), USERS(""), ACT, NULL, "7" },
    { "includes.users of anything: skipped",
      P("," PGOOD), USERS("5,\"42\",null,[],{\"data\":5}"), ACT, NULL, "7" },
    { "the author's username a number", P("," PGOOD),
      USERS("{\"id\":\"42\",\"username\":5}"), MAL,
      "includes.users[].username", "7" },
    { "the author's username null", P(""),
      USERS("{\"id\":\"42\",\"username\":null}"), MAL,
      "includes.users[].username", "7" },
    { "the author's username an object", P(""),
      USERS("{\"id\":\"42\",\"username\":{}}"), MAL,
      "includes.users[].username", "7" },
    { "the wrapped author's username an array", P(""),
      USERS("{\"data\":{\"id\":\"42\",\"username\":[\"bob\"]}}"), MAL,
      "includes.users[].username", "7" },
    { "another user's username a number: not read", P("," PGOOD),
      USERS("{\"id\":\"43\",\"username\":5}," BOB), ACT, NULL, "7" },
    { "a later entry of the author: not read", P("," PGOOD),
      USERS(BOB ",{\"id\":\"42\",\"username\":5}"), ACT, NULL, "7" },
    { "an entry whose id is a number: not the author", P("," PGOOD),
      USERS("{\"id\":42,\"username\":5}"), ACT, NULL, "7" },
    { "the author's created_at bad: not malformed", P("," PGOOD),
      USERS("{\"id\":\"42\",\"created_at\":5}"), ACT, NULL, "7" },
    { "the author's created_at garbage: not malformed", P("," PGOOD),
      USERS("{\"id\":\"42\",\"created_at\":\"yesterday\"}"), ACT, NULL,
      "7" },

    /* references */

    { "referenced_tweets a string", P(",\"referenced_tweets\":\"x\""), NULL,
      MAL, "referenced_tweets", "7" },
    { "referenced_tweets an object",
      P(",\"referenced_tweets\":{\"type\":\"retweeted\",\"id\":\"8\"}"),
      NULL, MAL, "referenced_tweets", "7" },
    { "referenced_tweets a number", P(",\"referenced_tweets\":5"), NULL, MAL,
      "referenced_tweets", "7" },
    { "referenced_tweets[] a number", P(",\"referenced_tweets\":[5]"), NULL,
      MAL, "referenced_tweets[]", "7" },
    { "referenced_tweets[] null", P(",\"referenced_tweets\":[null]"), NULL,
      MAL, "referenced_tweets[]", "7" },
    { "referenced_tweets[] a string", P(",\"referenced_tweets\":[\"8\"]"),
      NULL, MAL, "referenced_tweets[]", "7" },
    { "referenced_tweets[].type missing",
      P(",\"referenced_tweets\":[{\"id\":\"8\"}]"), NULL, MAL,
      "referenced_tweets[].type", "7" },
    { "referenced_tweets[].type a number",
      P(",\"referenced_tweets\":[{\"type\":1,\"id\":\"8\"}]"), NULL, MAL,
      "referenced_tweets[].type", "7" },
    { "referenced_tweets[].type null",
      P(",\"referenced_tweets\":[{\"type\":null}]"), NULL, MAL,
      "referenced_tweets[].type", "7" },
    { "retweeted reference without id",
      P(",\"referenced_tweets\":[{\"type\":\"retweeted\"}]"), NULL, MAL,
      "referenced_tweets[].id", "7" },
    { "retweeted reference, id a number",
      P(",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":8}]"), NULL,
      MAL, "referenced_tweets[].id", "7" },
    { "retweeted reference, id empty",
      P(",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"\"}]"),
      NULL, MAL, "referenced_tweets[].id", "7" },
    { "quoted reference, id a number: not read",
      P(",\"referenced_tweets\":[{\"type\":\"quoted\",\"id\":8}]," PGOOD),
      NULL, ACT, NULL, "7" },
    { "replied_to reference without id: not read",
      P(",\"referenced_tweets\":[{\"type\":\"replied_to\"}]," PGOOD), NULL,
      ACT, NULL, "7" },
    { "a bad entry after the retweeted one",
      P(",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"8\"},7]"),
      NULL, MAL, "referenced_tweets[]", "7" },
    { "a bad type after the retweeted one",
      P(",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"8\"},"
        "{\"type\":false}]"), NULL, MAL, "referenced_tweets[].type", "7" },
    { "a second retweeted reference with a bad id: not read",
      P(",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"8\"},"
        "{\"type\":\"retweeted\",\"id\":9}]"), NULL, RT, NULL, "7" },
    { "\"Retweeted\": not a repost",
      P(",\"referenced_tweets\":[{\"type\":\"Retweeted\",\"id\":\"8\"}],"
        PGOOD), NULL, ACT, NULL, "7" },
    { "referenced_posts a string", P(",\"referenced_posts\":\"x\""), NULL,
      MAL, "referenced_posts", "7" },
    { "referenced_posts[] a number", P(",\"referenced_posts\":[1]"), NULL,
      MAL, "referenced_posts[]", "7" },
    { "referenced_posts[].type an array",
      P(",\"referenced_posts\":[{\"type\":[]}]"), NULL, MAL,
      "referenced_posts[].type", "7" },
    { "referenced_posts retweeted, id missing",
      P(",\"referenced_posts\":[{\"type\":\"retweeted\"}]"), NULL, MAL,
      "referenced_posts[].id", "7" },
    { "referenced_tweets null: referenced_posts read",
      P(",\"referenced_tweets\":null,\"referenced_posts\":5"), NULL, MAL,
      "referenced_posts", "7" },
    { "referenced_tweets read: referenced_posts not",
      P(",\"referenced_tweets\":[],\"referenced_posts\":5," PGOOD), NULL,
      ACT, NULL, "7" },
    { "referenced_tweets empty", P(",\"referenced_tweets\":[]," PGOOD), NULL,
      ACT, NULL, "7" },

    /* the operator rule: after the references, before the hashtags */

    { "operator, hashtags bad: operator",
      "{" PID ",\"author_id\":\"15234567\"," TAGS("[5]") "}", NULL, OP, NULL,
      "7" },
    { "operator, references bad: malformed",
      "{" PID ",\"author_id\":\"15234567\",\"referenced_tweets\":5}", NULL,
      MAL, "referenced_tweets", "7" },
    { "operator, created_at bad: malformed",
      "{" PID ",\"author_id\":\"15234567\",\"created_at\":\"x\"}", NULL, MAL,
      "created_at", "7" },
    { "operator, includes bad: malformed",
      "{" PID ",\"author_id\":\"15234567\"," PCODE "}", "[]", MAL, "includes",
      "7" },
    { "operator reposts an operator's code: operator",
      "{" PID ",\"author_id\":\"15234567\"" RTD("8") "}",
      ITW(OPPOST("," PCODE)), OP, NULL, "7" },
    { "operator id with a leading zero: not an operator",
      "{" PID ",\"author_id\":\"015234567\"," PGOOD "}", NULL, ACT, NULL,
      "7" },

    /* a repost whose reposted post is in includes */

    { "includes.tweets a string", P(RTD("8")), "{\"tweets\":\"x\"}", MAL,
      "includes.tweets", "7" },
    { "includes.tweets an object", P(RTD("8")),
      "{\"tweets\":" OPPOST("," PCODE) "}", MAL, "includes.tweets", "7" },
    { "includes.posts a number", P(RTD("8")), "{\"posts\":5}", MAL,
      "includes.posts", "7" },
    { "includes.tweets null: includes.posts read", P(RTD("8")),
      "{\"tweets\":null,\"posts\":true}", MAL, "includes.posts", "7" },
    { "includes.tweets bad, not a repost: not read", P("," PGOOD),
      "{\"tweets\":5,\"posts\":5}", ACT, NULL, "7" },
    { "reposted post's author_id missing", P(RTD("8")),
      ITW("{\"id\":\"8\"," PCODE "}"), MAL, "includes.tweets[].author_id",
      "7" },
    { "reposted post's author_id a number", P(RTD("8")),
      ITW("{\"id\":\"8\",\"author_id\":15234567," PCODE "}"), MAL,
      "includes.tweets[].author_id", "7" },
    { "reposted post's author_id a number (posts)", P(RTD("8")),
      IPO("{\"id\":\"8\",\"author_id\":15234567}"), MAL,
      "includes.posts[].author_id", "7" },
    { "reposted post of a customer: retweet", P(RTD("8")),
      ITW("{\"id\":\"8\",\"author_id\":\"43\"," PCODE "}"), RT, NULL, "7" },
    { "reposted post of a customer, its hashtags bad: not read", P(RTD("8")),
      ITW("{\"id\":\"8\",\"author_id\":\"43\"," TAGS("5") "}"), RT, NULL,
      "7" },
    { "reposted operator post: entities a string", P(RTD("8")),
      ITW(OPPOST(",\"entities\":\"x\"")), MAL, "includes.tweets[].entities",
      "7" },
    { "reposted operator post: hashtags an object", P(RTD("8")),
      ITW(OPPOST("," TAGS("{}"))), MAL, "includes.tweets[].entities.hashtags",
      "7" },
    { "reposted operator post: hashtag a number", P(RTD("8")),
      ITW(OPPOST("," TAGS("[5]"))), MAL,
      "includes.tweets[].entities.hashtags[]", "7" },
    { "reposted operator post: hashtag without tag", P(RTD("8")),
      ITW(OPPOST("," TAGS("[{\"text\":\"Confirm7KQ2XD\"}]"))), MAL,
      "includes.tweets[].entities.hashtags[].tag", "7" },
    { "reposted operator post: note_tweet a string", P(RTD("8")),
      ITW(OPPOST(",\"note_tweet\":\"x\"," PCODE)), MAL,
      "includes.tweets[].note_tweet", "7" },
    { "reposted operator post: note_tweet.entities a number", P(RTD("8")),
      ITW(OPPOST(",\"note_tweet\":{\"entities\":5}")), MAL,
      "includes.tweets[].note_tweet.entities", "7" },
    { "reposted operator post: note hashtags a string", P(RTD("8")),
      ITW(OPPOST(",\"note_tweet\":{" TAGS("\"x\"") "}")), MAL,
      "includes.tweets[].note_tweet.entities.hashtags", "7" },
    { "reposted operator post: note hashtag null", P(RTD("8")),
      ITW(OPPOST(",\"note_tweet\":{" TAGS("[null]") "}")), MAL,
      "includes.tweets[].note_tweet.entities.hashtags[]", "7" },
    { "reposted operator post: note hashtag tag a number", P(RTD("8")),
      ITW(OPPOST(",\"note_tweet\":{" TAGS("[{\"tag\":1}]") "}")), MAL,
      "includes.tweets[].note_tweet.entities.hashtags[].tag", "7" },
    { "reposted operator post (posts): note_post hashtag tag null",
      P(RTD("8")), IPO(OPPOST(",\"note_post\":{" TAGS("[{\"tag\":null}]")
      "}")), MAL, "includes.posts[].note_post.entities.hashtags[].tag", "7" },
    { "reposted operator post (posts): entities null", P(RTD("8")),
      IPO(OPPOST(",\"entities\":null")), MAL, "includes.posts[].entities",
      "7" },
    { "reposted operator post (posts): hashtag a string", P(RTD("8")),
      IPO(OPPOST("," TAGS("[\"x\"]"))), MAL,
      "includes.posts[].entities.hashtags[]", "7" },
    { "reposted operator post (posts): note_tweet.entities an array",
      P(RTD("8")), IPO(OPPOST(",\"note_tweet\":{\"entities\":[]}")), MAL,
      "includes.posts[].note_tweet.entities", "7" },
    { "reposted operator post (tweets): note_post a number", P(RTD("8")),
      ITW(OPPOST(",\"note_post\":5")), MAL, "includes.tweets[].note_post",
      "7" },
    { "reposted operator post without a code: retweet", P(RTD("8")),
      ITW(OPPOST("," PGOOD)), RT, NULL, "7" },
    { "reposted operator post with a code: confirms", P(RTD("8")),
      ITW(OPPOST("," PCODE)), ACT, NULL, "7" },
    { "reposted operator post found: the repost's own entities not read",
      P(RTD("8") ",\"entities\":5"), ITW(OPPOST("," PCODE)), ACT, NULL,
      "7" },

    /* a bare repost: its own first mention and hashtags */

    { "bare repost: entities a string", P(RTD("8") ",\"entities\":\"x\""),
      NULL, MAL, "entities", "7" },
    { "bare repost: entities null", P(RTD("8") ",\"entities\":null"), NULL,
      MAL, "entities", "7" },
    { "bare repost: mentions a string",
      P(RTD("8") ",\"entities\":{\"mentions\":\"x\"}"), NULL, MAL,
      "entities.mentions", "7" },
    { "bare repost: mentions an object",
      P(RTD("8") ",\"entities\":{\"mentions\":" OPM "}"), NULL, MAL,
      "entities.mentions", "7" },
    { "bare repost: mentions null",
      P(RTD("8") ",\"entities\":{\"mentions\":null}"), NULL, MAL,
      "entities.mentions", "7" },
    { "bare repost: mention a number",
      P(RTD("8") BARE("5", HT("Confirm7KQ2XD"))), NULL, MAL,
      "entities.mentions[].id", "7" },
    { "bare repost: mention without id",
      P(RTD("8") BARE("{\"username\":\"HashpaySync\"}", "")), NULL, MAL,
      "entities.mentions[].id", "7" },
    { "bare repost: mention id a number",
      P(RTD("8") BARE("{\"id\":15234567}", HT("Confirm7KQ2XD"))), NULL, MAL,
      "entities.mentions[].id", "7" },
    { "bare repost: mention id letters",
      P(RTD("8") BARE("{\"id\":\"Hashpay\"}", "")), NULL, MAL,
      "entities.mentions[].id", "7" },
    { "bare repost: a bad second mention: not read",
      P(RTD("8") BARE(OPM ",5", HT("Confirm7KQ2XD"))), NULL, ACT, NULL,
      "7" },
    { "bare repost: no mentions", P(RTD("8") "," PCODE), NULL, RT, NULL,
      "7" },
    { "bare repost: mentions empty", P(RTD("8") BARE("", HT("Confirm7KQ2XD"))),
      NULL, RT, NULL, "7" },
    { "bare repost: no entities", P(RTD("8")), NULL, RT, NULL, "7" },
    { "bare repost: first mention a customer",
      P(RTD("8") BARE("{\"id\":\"43\"}," OPM, HT("Confirm7KQ2XD"))), NULL,
      RT, NULL, "7" },
    { "bare repost of a customer: hashtags bad, not read",
      P(RTD("8") ",\"entities\":{\"mentions\":[{\"id\":\"43\"}],"
        "\"hashtags\":5}"), NULL, RT, NULL, "7" },
    { "bare repost of an operator: hashtags a string",
      P(RTD("8") ",\"entities\":{\"mentions\":[" OPM "],\"hashtags\":\"x\"}"),
      NULL, MAL, "entities.hashtags", "7" },
    { "bare repost of an operator: hashtag a number",
      P(RTD("8") BARE(OPM, "5")), NULL, MAL, "entities.hashtags[]", "7" },
    { "bare repost of an operator: hashtag text, not tag",
      P(RTD("8") BARE(OPM, "{\"text\":\"Confirm7KQ2XD\"}")), NULL, MAL,
      "entities.hashtags[].tag", "7" },
    { "bare repost of an operator, no code: retweet",
      P(RTD("8") BARE(OPM, HT("BuyGiftCard25"))), NULL, RT, NULL, "7" },
    { "bare repost of an operator with a code: confirms",
      P(RTD("8") BARE(OPM, HT("Confirm7KQ2XD"))), NULL, ACT, NULL, "7" },
    { "bare repost: note_tweet not consulted",
      P(RTD("8") BARE(OPM, HT("Other")) ",\"note_tweet\":{" PCODE "}"), NULL,
      RT, NULL, "7" },
    { "bare repost: a bad note_tweet not read",
      P(RTD("8") BARE(OPM, HT("Confirm7KQ2XD")) ",\"note_tweet\":5"), NULL,
      ACT, NULL, "7" },
    { "includes without the reposted post: bare", P(RTD("8")
      BARE(OPM, HT("Confirm7KQ2XD"))), ITW("{\"id\":\"9\"}"), ACT, NULL,
      "7" },

    /* the post's own hashtags */

    { "entities a string", P(",\"entities\":\"x\""), NULL, MAL, "entities",
      "7" },
    { "entities an array", P(",\"entities\":[]"), NULL, MAL, "entities",
      "7" },
    { "entities null", P(",\"entities\":null"), NULL, MAL, "entities", "7" },
    { "hashtags a string", P("," TAGS("\"x\"")), NULL, MAL,
      "entities.hashtags", "7" },
    { "hashtags an object", P("," TAGS("{}")), NULL, MAL,
      "entities.hashtags", "7" },
    { "hashtags null", P("," TAGS("null")), NULL, MAL, "entities.hashtags",
      "7" },
    { "hashtag a number", P("," TAGS("[5]")), NULL, MAL,
      "entities.hashtags[]", "7" },
    { "hashtag a string", P("," TAGS("[\"Buy\"]")), NULL, MAL,
      "entities.hashtags[]", "7" },
    { "hashtag with text, not tag", P("," TAGS("[" TAG("Buy") "]")), NULL,
      MAL, "entities.hashtags[].tag", "7" },
    { "hashtag tag a number", P("," TAGS("[{\"tag\":5}]")), NULL, MAL,
      "entities.hashtags[].tag", "7" },
    { "hashtag tag null", P("," TAGS("[{\"tag\":null}]")), NULL, MAL,
      "entities.hashtags[].tag", "7" },
    { "a bad hashtag after a good one",
      P("," TAGS("[" HT("Confirm7KQ2XD") ",[]]")), NULL, MAL,
      "entities.hashtags[]", "7" },
    { "note_tweet a string", P(",\"note_tweet\":\"x\"," PGOOD), NULL, MAL,
      "note_tweet", "7" },
    { "note_tweet an array", P(",\"note_tweet\":[]"), NULL, MAL,
      "note_tweet", "7" },
    { "note_tweet.entities a number", P(",\"note_tweet\":{\"entities\":5}"),
      NULL, MAL, "note_tweet.entities", "7" },
    { "note_tweet.entities null", P(",\"note_tweet\":{\"entities\":null},"
      PGOOD), NULL, MAL, "note_tweet.entities", "7" },
    { "note_tweet hashtags a string",
      P(",\"note_tweet\":{" TAGS("\"x\"") "}"), NULL, MAL,
      "note_tweet.entities.hashtags", "7" },
    { "note_tweet hashtag a number", P(",\"note_tweet\":{" TAGS("[1]") "}"),
      NULL, MAL, "note_tweet.entities.hashtags[]", "7" },
    { "note_tweet hashtag without tag",
      P(",\"note_tweet\":{" TAGS("[{}]") "}"), NULL, MAL,
      "note_tweet.entities.hashtags[].tag", "7" },
    { "note_post a number", P(",\"note_post\":5"), NULL, MAL, "note_post",
      "7" },
    { "note_post.entities a string", P(",\"note_post\":{\"entities\":\"\"}"),
      NULL, MAL, "note_post.entities", "7" },
    { "note_post hashtags true", P(",\"note_post\":{" TAGS("true") "}"), NULL,
      MAL, "note_post.entities.hashtags", "7" },
    { "note_post hashtag false", P(",\"note_post\":{" TAGS("[false]") "}"),
      NULL, MAL, "note_post.entities.hashtags[]", "7" },
    { "note_post hashtag tag an object",
      P(",\"note_post\":{" TAGS("[{\"tag\":{}}]") "}"), NULL, MAL,
      "note_post.entities.hashtags[].tag", "7" },
    { "note_tweet null: note_post read",
      P(",\"note_tweet\":null,\"note_post\":\"x\""), NULL, MAL, "note_post",
      "7" },
    { "note_tweet read: note_post not",
      P(",\"note_tweet\":{" PGOOD "},\"note_post\":5"), NULL, ACT, NULL,
      "7" },
    { "note_tweet with entities: own entities not read",
      P(",\"note_tweet\":{" PGOOD "}," TAGS("5")), NULL, ACT, NULL, "7" },
    { "note_tweet without entities: own entities read",
      P(",\"note_tweet\":{\"text\":\"x\"}," TAGS("5")), NULL, MAL,
      "entities.hashtags", "7" },
    { "note_tweet with empty entities: no hashtag",
      P(",\"note_tweet\":{\"entities\":{}}," PGOOD), NULL, NOH, NULL, "7" },
    { "quoted post's hashtags in includes: never read",
      P(",\"referenced_tweets\":[{\"type\":\"quoted\",\"id\":\"8\"}]"),
      ITW(OPPOST("," PCODE)), NOH, NULL, "7" },
    { "unknown fields are normal",
      P("," PGOOD ",\"zzz\":{\"a\":[1]},\"id_str\":5,\"user\":7,"
        "\"text\":null,\"lang\":[]"), "{\"media\":5,\"places\":\"x\"}", ACT,
      NULL, "7" },

    /* no hashtags */

    { "entities absent", P(""), NULL, NOH, NULL, "7" },
    { "hashtags absent", P(",\"entities\":{\"mentions\":[]}"), NULL, NOH,
      NULL, "7" },
    { "hashtags empty", P("," TAGS("[]")), NULL, NOH, NULL, "7" },
    { "hashtag tags all empty", P("," TAGS("[" HT("") "," HT("") "]")), NULL,
      NOH, NULL, "7" },
};


static ngx_pool_t  *pool;
static json_t      *docs[4096];
static ngx_uint_t   ndocs;
static char         examples[1024];

static ngx_str_t  operators[] = {
    ngx_string(OPERATOR),
    ngx_string("99")
};

static ngx_http_hashpay_tweet_conf_t  conf = {
    operators, 1, ngx_string("Confirm")
};

static ngx_http_hashpay_tweet_conf_t  conf_two = {
    operators, 2, ngx_string("Confirm")
};

static ngx_http_hashpay_tweet_conf_t  conf_none = {
    NULL, 0, ngx_string("Confirm")
};


static void find_examples(const char *argv0);
static void test_examples(void);
static void test_example_without_operators(void);
static void test_root(void);
static void test_cases(void);
static void test_fields(void);
static void test_order(void);
static void test_hashtags(void);
static void test_many_hashtags(void);
static void test_codes_in_tweets(void);
static void test_retweets(void);
static void test_operators(void);
static void test_revoke(void);
static void test_confirm_code(void);
static void test_created_at(void);
static void test_created_at_against_libc(void);
static void test_alloc_failures(void);
static void test_iso8601(void);
static void test_iso8601_against_libc(void);
static void test_v2_examples(void);
static void test_v2_cases(void);
static void test_v2_fields(void);
static void test_v2_edits(void);
static void test_v2_reposts(void);
static void test_envelopes(void);
static void test_xaa_nothing(void);
static void test_xaa_revokes(void);
static void test_xaa_order(void);
static void check_many_events(void);
static void test_alloc_failures_v2(void);
static json_t *example(const char *name);
static json_t *doc(const char *text);
static ngx_http_hashpay_tweet_t *one(const char *tweet,
    ngx_http_hashpay_tweet_conf_t *cf);
static ngx_int_t delivery(const char *text, ngx_http_hashpay_delivery_t *d);
static void check_tags(ngx_http_hashpay_tweet_t *t, const char *want,
    const char *name);
static void check_null_str(ngx_str_t *s, const char *name);
static int64_t created(const char *s);
static ngx_http_hashpay_tweet_t *post1(const char *payload,
    const char *includes);
static ngx_http_hashpay_tweet_t *post1_conf(const char *payload,
    const char *includes, ngx_http_hashpay_tweet_conf_t *cf);
static ngx_http_hashpay_tweet_t *stream1(const char *data,
    const char *includes);
static int64_t iso(const char *s);


int
main(int argc, char **argv)
{
    pool = ngx_create_pool(4096, NULL);
    if (pool == NULL) {
        return 2;
    }

    find_examples(argv[0]);

    test_examples();
    test_example_without_operators();
    test_root();
    test_cases();
    test_fields();
    test_order();
    test_hashtags();
    test_many_hashtags();
    test_codes_in_tweets();
    test_retweets();
    test_operators();
    test_revoke();
    test_confirm_code();
    test_created_at();
    test_created_at_against_libc();
    test_alloc_failures();
    test_iso8601();
    test_iso8601_against_libc();
    test_v2_examples();
    test_v2_cases();
    test_v2_fields();
    test_v2_edits();
    test_v2_reposts();
    test_envelopes();
    test_xaa_nothing();
    test_xaa_revokes();
    test_xaa_order();
    test_alloc_failures_v2();

    while (ndocs) {
        json_decref(docs[--ndocs]);
    }

    ngx_destroy_pool(pool);

    return unit_done();
}


static void
find_examples(const char *argv0)
{
    char         path[1200];
    FILE        *f;
    size_t       i;
    const char  *env, *slash;

    env = getenv("HASHPAY_EXAMPLES");

    if (env != NULL) {
        snprintf(examples, sizeof(examples), "%s", env);
        goto found;
    }

    snprintf(examples, sizeof(examples), "t/data/examples");
    snprintf(path, sizeof(path), "%s/tweet_offer.json", examples);

    f = fopen(path, "r");
    if (f != NULL) {
        fclose(f);
        goto found;
    }

    slash = strrchr(argv0, '/');
    i = slash ? (size_t) (slash - argv0) : 1;

    snprintf(examples, sizeof(examples), "%.*s/../../t/data/examples",
             (int) i, slash ? argv0 : ".");

found:

    snprintf(path, sizeof(path), "%s/tweet_offer.json", examples);

    f = fopen(path, "r");

    CHECK(f != NULL, "examples found (%s); set HASHPAY_EXAMPLES", examples);

    if (f != NULL) {
        fclose(f);
    }
}


static void
test_examples(void)
{
    json_t                       *root;
    ngx_http_hashpay_tweet_t     *t;
    ngx_http_hashpay_delivery_t   d;

    /* a linked customer tweets an offer hashtag */

    root = example("tweet_offer.json");

    CHECK_INT(ngx_http_hashpay_delivery_read(root, &conf, pool, &d), NGX_OK,
              "offer: rc");
    CHECK(d.tweets != NULL && d.tweets->nelts == 1, "offer: one tweet");

    if (d.tweets != NULL && d.tweets->nelts == 1) {
        t = d.tweets->elts;

        CHECK_INT(t->state, ACT, "offer: state");
        CHECK_NULL(t->bad_field, "offer: bad_field");
        CHECK_NGX_STR(t->id, "1301234567890123457", "offer: id");
        CHECK_NGX_STR(t->author_id, ALICE, "offer: author");
        CHECK_NGX_STR(t->screen_name, "alice", "offer: screen_name");
        CHECK_INT(t->created_at, 1179900073000LL, "offer: created_at");
        CHECK_INT(t->timestamp, 1360602123000LL, "offer: timestamp string");
        check_tags(t, "buygiftcard25", "offer: hashtags");
        CHECK_INT(t->has_code, 0, "offer: no code");
        CHECK_INT(t->retweet_confirm, 0, "offer: not a retweet");
    }

    check_null_str(revoke_user(&d), "offer: revoke_user");
    CHECK_NULL(revoke_bad(&d), "offer: revoke_bad_field");

    /* the operator's reply carrying the confirmation hashtag */

    root = example("tweet_operator_reply.json");

    CHECK_INT(ngx_http_hashpay_delivery_read(root, &conf, pool, &d), NGX_OK,
              "operator reply: rc");
    CHECK(d.tweets != NULL && d.tweets->nelts == 1, "operator reply: one");

    if (d.tweets != NULL && d.tweets->nelts == 1) {
        t = d.tweets->elts;

        CHECK_INT(t->state, OP, "operator reply: state");
        CHECK_NGX_STR(t->id, "1301234567890123460", "operator reply: id");
        CHECK_NGX_STR(t->author_id, OPERATOR, "operator reply: author");
        CHECK_NGX_STR(t->screen_name, "HashpaySync",
                      "operator reply: screen_name");
        CHECK_INT(t->created_at, 1334059200000LL,
                  "operator reply: created_at");
        CHECK_NULL(t->hashtags, "operator reply: hashtags");
        CHECK_INT(t->has_code, 0, "operator reply: no code");
    }

    /* the customer confirms, lower-cased, timestamp_ms a number */

    root = example("tweet_confirm.json");

    CHECK_INT(ngx_http_hashpay_delivery_read(root, &conf, pool, &d), NGX_OK,
              "confirm: rc");
    CHECK(d.tweets != NULL && d.tweets->nelts == 1, "confirm: one");

    if (d.tweets != NULL && d.tweets->nelts == 1) {
        t = d.tweets->elts;

        CHECK_INT(t->state, ACT, "confirm: state");
        CHECK_NGX_STR(t->id, "1301234567890123470", "confirm: id");
        CHECK_NGX_STR(t->author_id, ALICE, "confirm: author");
        CHECK_INT(t->timestamp, 1360602400000LL, "confirm: timestamp number");
        check_tags(t, "confirm7kq2xd", "confirm: hashtags");
        CHECK_INT(t->has_code, 1, "confirm: has_code");
        CHECK_STR(t->code, 6, "7KQ2XD", "confirm: code upper-cased");
        CHECK_INT(t->retweet_confirm, 0, "confirm: retweet_confirm");
    }

    /* the "retweet to confirm" variant */

    root = example("tweet_retweet_confirm.json");

    CHECK_INT(ngx_http_hashpay_delivery_read(root, &conf, pool, &d), NGX_OK,
              "retweet confirm: rc");
    CHECK(d.tweets != NULL && d.tweets->nelts == 1, "retweet confirm: one");

    if (d.tweets != NULL && d.tweets->nelts == 1) {
        t = d.tweets->elts;

        CHECK_INT(t->state, ACT, "retweet confirm: state");
        CHECK_NGX_STR(t->id, "1301234567890123480", "retweet confirm: id");
        CHECK_NGX_STR(t->author_id, ALICE,
                      "retweet confirm: author is the retweeter");
        CHECK_NGX_STR(t->screen_name, "alice", "retweet confirm: name");
        CHECK_INT(t->created_at, 1179900073000LL,
                  "retweet confirm: the retweeter's created_at");
        check_tags(t, "confirm7kq2xd", "retweet confirm: hashtags");
        CHECK_INT(t->has_code, 1, "retweet confirm: has_code");
        CHECK_STR(t->code, 6, "7KQ2XD", "retweet confirm: code");
        CHECK_INT(t->retweet_confirm, 1, "retweet confirm: retweet_confirm");
    }

    /* a long tweet: the hashtag only in extended_tweet.entities */

    root = example("tweet_truncated_extended.json");

    CHECK_INT(ngx_http_hashpay_delivery_read(root, &conf, pool, &d), NGX_OK,
              "truncated: rc");
    CHECK(d.tweets != NULL && d.tweets->nelts == 1, "truncated: one");

    if (d.tweets != NULL && d.tweets->nelts == 1) {
        t = d.tweets->elts;

        CHECK_INT(t->state, ACT, "truncated: state");
        CHECK_NGX_STR(t->id, "1301234567890123490", "truncated: id");
        check_tags(t, "buygiftcard25", "truncated: hashtags");
        CHECK_INT(t->has_code, 0, "truncated: no code");
    }

    /* a quote of an offer tweet: the quoted hashtag never acts */

    root = example("tweet_quote.json");

    CHECK_INT(ngx_http_hashpay_delivery_read(root, &conf, pool, &d), NGX_OK,
              "quote: rc");
    CHECK(d.tweets != NULL && d.tweets->nelts == 1, "quote: one");

    if (d.tweets != NULL && d.tweets->nelts == 1) {
        t = d.tweets->elts;

        CHECK_INT(t->state, NOH, "quote: state");
        CHECK_NGX_STR(t->id, "1301234567890123500", "quote: id");
        CHECK_NGX_STR(t->author_id, ALICE, "quote: author");
        CHECK_NULL(t->hashtags, "quote: hashtags");
    }

    /* the customer withdrew the app's access */

    root = example("user_event_revoke.json");

    CHECK_INT(ngx_http_hashpay_delivery_read(root, &conf, pool, &d), NGX_OK,
              "revoke: rc");
    CHECK(d.tweets != NULL && d.tweets->nelts == 0, "revoke: no tweets");
    CHECK_NGX_STR(*revoke_user(&d), ALICE, "revoke: user");
    CHECK_NULL(revoke_bad(&d), "revoke: bad field");

    /* an event kind that is acknowledged and ignored */

    root = example("favorite_events.json");

    CHECK_INT(ngx_http_hashpay_delivery_read(root, &conf, pool, &d), NGX_OK,
              "favorite: rc");
    CHECK(d.tweets != NULL && d.tweets->nelts == 0, "favorite: no tweets");
    check_null_str(revoke_user(&d), "favorite: revoke_user");
    CHECK_NULL(revoke_bad(&d), "favorite: revoke_bad_field");
}


static void
test_example_without_operators(void)
{
    json_t                         *root;
    ngx_http_hashpay_tweet_t       *t;
    ngx_http_hashpay_delivery_t     d;
    ngx_http_hashpay_tweet_conf_t   none;

    /* what the operator rule alone stops */

    none.operators = NULL;
    none.noperators = 0;
    ngx_str_set(&none.confirm_prefix, "Confirm");

    root = example("tweet_operator_reply.json");

    CHECK_INT(ngx_http_hashpay_delivery_read(root, &none, pool, &d), NGX_OK,
              "reply, no operators: rc");

    if (d.tweets != NULL && d.tweets->nelts == 1) {
        t = d.tweets->elts;

        CHECK_INT(t->state, ACT, "reply, no operators: acts");
        CHECK_STR(t->code, 6, "7KQ2XD", "reply, no operators: code");
    }

    root = example("tweet_retweet_confirm.json");

    CHECK_INT(ngx_http_hashpay_delivery_read(root, &none, pool, &d), NGX_OK,
              "retweet confirm, no operators: rc");

    if (d.tweets != NULL && d.tweets->nelts == 1) {
        t = d.tweets->elts;

        CHECK_INT(t->state, RT, "retweet confirm, no operators: a retweet");
        CHECK_INT(t->retweet_confirm, 0,
                  "retweet confirm, no operators: no retweet_confirm");
        CHECK_NULL(t->hashtags, "retweet confirm, no operators: hashtags");
    }

    /* another prefix: the retweeted hashtag is no longer a code */

    none.operators = operators;
    none.noperators = 1;
    ngx_str_set(&none.confirm_prefix, "Pay");

    root = example("tweet_retweet_confirm.json");

    CHECK_INT(ngx_http_hashpay_delivery_read(root, &none, pool, &d), NGX_OK,
              "retweet confirm, other prefix: rc");

    if (d.tweets != NULL && d.tweets->nelts == 1) {
        t = d.tweets->elts;

        CHECK_INT(t->state, RT, "retweet confirm, other prefix: a retweet");
    }
}


static void
test_root(void)
{
    ngx_uint_t                    i;
    ngx_http_hashpay_delivery_t   d;

    static const char  *declined[] = {
        "[]",
        "[{\"tweet_create_events\":[]}]",
        "\"x\"",
        "5",
        "null",
        "true",
        "{\"tweet_create_events\":{}}",
        "{\"tweet_create_events\":\"x\"}",
        "{\"tweet_create_events\":5}",
        "{\"tweet_create_events\":null}",
        "{\"tweet_create_events\":true}",
        "{\"tweet_create_events\":{\"0\":{\"id_str\":\"1\"}}}",
    };

    for (i = 0; i < sizeof(declined) / sizeof(declined[0]); i++) {
        ngx_memset(&d, 0xa5, sizeof(d));

        CHECK_INT(delivery(declined[i], &d), NGX_DECLINED, declined[i]);
        CHECK_NULL(d.tweets, declined[i]);
    }

    CHECK_INT(ngx_http_hashpay_delivery_read(NULL, &conf, pool, &d),
              NGX_DECLINED, "NULL root");

    CHECK_INT(delivery("{}", &d), NGX_OK, "empty object");
    CHECK(d.tweets != NULL && d.tweets->nelts == 0, "empty object: none");
    check_null_str(revoke_user(&d), "empty object: revoke_user");
    CHECK_NULL(revoke_bad(&d), "empty object: revoke_bad_field");

    CHECK_INT(delivery("{\"tweet_create_events\":[]}", &d), NGX_OK,
              "empty array");
    CHECK(d.tweets != NULL && d.tweets->nelts == 0, "empty array: none");

    CHECK_INT(delivery("{\"for_user_id\":\"1\",\"direct_message_events\":[1],"
                       "\"follow_events\":\"x\"}", &d),
              NGX_OK, "other event kinds");
    CHECK(d.tweets != NULL && d.tweets->nelts == 0, "other kinds: none");
}


static void
test_cases(void)
{
    ngx_uint_t                 i;
    const tweet_case_t        *c;
    ngx_http_hashpay_tweet_t  *t;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        c = &cases[i];

        t = one(c->tweet, &conf);
        if (t == NULL) {
            CHECK(0, "%s: read", c->name);
            continue;
        }

        CHECK(t->state == c->state, "%s: state %d, want %d", c->name,
              (int) t->state, (int) c->state);

        if (c->bad != NULL) {
            CHECK(t->bad_field != NULL && strcmp(t->bad_field, c->bad) == 0,
                  "%s: bad_field \"%s\", want \"%s\"", c->name,
                  t->bad_field ? t->bad_field : "(null)", c->bad);

        } else {
            CHECK(t->bad_field == NULL, "%s: bad_field \"%s\", want none",
                  c->name, t->bad_field);
        }

        if (c->id != NULL) {
            CHECK_NGX_STR(t->id, c->id, c->name);

        } else {
            check_null_str(&t->id, c->name);
        }

        if (t->state != ACT) {
            CHECK(t->hashtags == NULL, "%s: no hashtags unless ACT",
                  c->name);
            CHECK(t->has_code == 0 && t->retweet_confirm == 0,
                  "%s: no code unless ACT", c->name);
        }
    }
}


static void
test_fields(void)
{
    ngx_http_hashpay_tweet_t  *t;

    /* a malformed tweet keeps what could be read, for the log */

    t = one("{\"id_str\":\"1301234567890123457\",\"user\":{\"id_str\":\"42\","
            "\"screen_name\":\"bob\"},\"timestamp_ms\":\"x\"}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, MAL, "malformed keeps: state");
        CHECK_NGX_STR(t->id, "1301234567890123457", "malformed keeps: id");
        CHECK_NGX_STR(t->author_id, "42", "malformed keeps: author");
        CHECK_INT(t->timestamp, -1, "malformed keeps: no timestamp");
    }

    /* absent optional fields */

    t = one("{" ID ",\"user\":{\"id_str\":\"42\"}," GOOD "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, ACT, "minimal: state");
        CHECK_NGX_STR(t->author_id, "42", "minimal: author");
        CHECK_INT(t->screen_name.len, 0, "minimal: screen_name empty");
        CHECK_INT(t->created_at, -1, "minimal: created_at");
        CHECK_INT(t->timestamp, -1, "minimal: timestamp");
    }

    t = one("{" ID ",\"user\":{\"id_str\":\"42\",\"created_at\":5,"
            "\"screen_name\":\"\"}}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, NOH, "created_at number: state");
        CHECK_INT(t->created_at, -1, "created_at number: -1");
        CHECK_INT(t->screen_name.len, 0, "screen_name empty string");
    }

    t = one("{" ID ",\"user\":{\"id_str\":\"42\",\"created_at\":null}}",
            &conf);

    if (t != NULL) {
        CHECK_INT(t->created_at, -1, "created_at null: -1");
    }

    t = one("{" ID ",\"user\":{\"id_str\":\"42\","
            "\"created_at\":\"2007-05-23T06:01:13Z\"}}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, NOH, "created_at ISO: not malformed");
        CHECK_INT(t->created_at, -1, "created_at ISO: -1");
    }

    t = one("{" ID ",\"user\":{\"id_str\":\"42\","
            "\"created_at\":\"Tue Apr 10 12:00:00 +0000 2012\"}}", &conf);

    if (t != NULL) {
        CHECK_INT(t->created_at, 1334059200000LL, "created_at read");
    }

    /* timestamp_ms forms */

    t = one("{" ID "," USER ",\"timestamp_ms\":0}", &conf);
    CHECK(t != NULL && t->timestamp == 0, "timestamp 0");

    t = one("{" ID "," USER ",\"timestamp_ms\":\"0\"}", &conf);
    CHECK(t != NULL && t->timestamp == 0, "timestamp \"0\"");

    t = one("{" ID "," USER ",\"timestamp_ms\":\"0001\"}", &conf);
    CHECK(t != NULL && t->timestamp == 1, "timestamp \"0001\"");

    t = one("{" ID "," USER ",\"timestamp_ms\":\"9223372036854775807\"}",
            &conf);
    CHECK(t != NULL && t->state == NOH && t->timestamp == INT64_MAX,
          "timestamp string int64 max");

    t = one("{" ID "," USER ",\"timestamp_ms\":9223372036854775807}", &conf);
    CHECK(t != NULL && t->state == NOH && t->timestamp == INT64_MAX,
          "timestamp number int64 max");

    t = one("{" ID "," USER ",\"timestamp_ms\":1360602400000}", &conf);
    CHECK(t != NULL && t->timestamp == 1360602400000LL, "timestamp number");

    /* ids stay strings, with leading zeros, beyond 2^53 and 2^64 */

    t = one("{\"id_str\":\"00000000000000000001\","
            "\"user\":{\"id_str\":\"99999999999999999999\"}}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, NOH, "long ids: state");
        CHECK_NGX_STR(t->id, "00000000000000000001", "long ids: id");
        CHECK_NGX_STR(t->author_id, "99999999999999999999", "long ids: user");
    }

    /* a NUL byte inside a string (JSON_ALLOW_NUL) is not a digit */

    t = one("{\"id_str\":\"12\\u00003\"," USER "}", &conf);
    CHECK(t != NULL && t->state == MAL && strcmp(t->bad_field, "id_str") == 0,
          "id_str with a NUL byte");

    t = one("{" ID ",\"user\":{\"id_str\":\"4\\u00002\"}}", &conf);
    CHECK(t != NULL && t->state == MAL
          && strcmp(t->bad_field, "user.id_str") == 0,
          "user.id_str with a NUL byte");
}


static void
test_order(void)
{
    ngx_http_hashpay_tweet_t     *t;
    ngx_http_hashpay_delivery_t   d;

    /* each element is one tweet, in order; a poison tweet spoils nothing */

    CHECK_INT(delivery("{\"tweet_create_events\":["
                       "{\"id_str\":\"1\"," USER "," GOOD "},"
                       "{\"id_str\":\"2\"," USER "," TAGS("[5]") "},"
                       "17,"
                       "{\"id_str\":\"4\"," OPUSER "," GOOD "},"
                       "{\"id_str\":\"5\"," USER "},"
                       "{\"id_str\":\"6\"," USER ","
                       TAGS("[" TAG("Confirmabc123") "]") "}],"
                       "\"user_event\":{\"revoke\":{\"source\":"
                       "{\"user_id\":\"42\"}}}}", &d),
              NGX_OK, "order: rc");

    CHECK(d.tweets != NULL && d.tweets->nelts == 6, "order: six tweets");

    if (d.tweets == NULL || d.tweets->nelts != 6) {
        return;
    }

    t = d.tweets->elts;

    CHECK_NGX_STR(t[0].id, "1", "order: first");
    CHECK_INT(t[0].state, ACT, "order: first acts");
    CHECK_NGX_STR(t[1].id, "2", "order: second");
    CHECK_INT(t[1].state, MAL, "order: second malformed");
    check_null_str(&t[2].id, "order: third has no id");
    CHECK_INT(t[2].state, MAL, "order: third malformed");
    CHECK_NGX_STR(t[3].id, "4", "order: fourth");
    CHECK_INT(t[3].state, OP, "order: fourth operator");
    CHECK_NGX_STR(t[4].id, "5", "order: fifth");
    CHECK_INT(t[4].state, NOH, "order: fifth no hashtag");
    CHECK_NGX_STR(t[5].id, "6", "order: sixth");
    CHECK_INT(t[5].state, ACT, "order: sixth acts");
    CHECK_STR(t[5].code, 6, "ABC123", "order: sixth code");
    CHECK_NGX_STR(*revoke_user(&d), "42", "order: revoke beside tweets");
}


static void
test_hashtags(void)
{
    json_t                       *root, *text;
    ngx_str_t                    *s;
    ngx_http_hashpay_tweet_t     *t;
    ngx_http_hashpay_delivery_t   d;

    /* folded, duplicates dropped after folding, order kept */

    t = one("{" ID "," USER "," TAGS("[" TAG("BuyGiftCard25") ","
            TAG("buygiftcard25") "," TAG("Other") "," TAG("BUYGIFTCARD25") ","
            TAG("") "," TAG("oTHER") "," TAG("Third_1") "]") "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, ACT, "fold: state");
        check_tags(t, "buygiftcard25,other,third_1", "fold: hashtags");
        CHECK_INT(t->has_code, 0, "fold: no code");
    }

    /* only ASCII letters fold: UTF-8 bytes are kept as they are */

    t = one("{" ID "," USER "," TAGS("[" TAG("\\u00c4BC") ","
            TAG("\\u00e4bc") "," TAG("\\u00c4bc") "," TAG("CAF\\u00c9") "]")
            "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, ACT, "utf-8: state");
        check_tags(t, "\xc3\x84" "bc,\xc3\xa4" "bc,caf\xc3\x89",
                   "utf-8: hashtags");
    }

    /* the copies are the pool's: the document is not changed */

    root = doc("{\"tweet_create_events\":[{" ID "," USER ","
               TAGS("[" TAG("MiXeD") "]") "}]}");

    if (root != NULL) {
        CHECK_INT(ngx_http_hashpay_delivery_read(root, &conf, pool, &d),
                  NGX_OK, "copies: rc");

        t = d.tweets->elts;
        s = t->hashtags->elts;

        text = json_object_get(json_array_get(json_object_get(json_object_get(
                   json_array_get(json_object_get(root, "tweet_create_events"),
                                  0), "entities"), "hashtags"), 0), "text");

        CHECK(strcmp(json_string_value(text), "MiXeD") == 0,
              "copies: document unchanged");
        CHECK((void *) s[0].data != (void *) json_string_value(text),
              "copies: a copy");
        CHECK_NGX_STR(s[0], "mixed", "copies: folded");
    }

    /* hashtags with a NUL byte: length-counted, never a code */

    t = one("{" ID "," USER "," TAGS("[" TAG("Confirm\\u0000ABCDE") ","
            TAG("a\\u0000b") "," TAG("A\\u0000B") "]") "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, ACT, "NUL: state");
        CHECK(t->hashtags != NULL && t->hashtags->nelts == 2,
              "NUL: two hashtags");
        CHECK_INT(t->has_code, 0, "NUL: no code");

        if (t->hashtags != NULL && t->hashtags->nelts == 2) {
            s = t->hashtags->elts;
            CHECK_MEM(s[0].data, s[0].len, "confirm\0abcde", 13,
                      "NUL: first");
            CHECK_MEM(s[1].data, s[1].len, "a\0b", 3, "NUL: second");
        }
    }

    /* truncated: extended_tweet.entities, never entities */

    t = one("{" ID "," USER "," TAGS("[" TAG("Short") "]") ","
            EXT(TAGS("[" TAG("Long") "," TAG("Short") "]")) "}", &conf);

    if (t != NULL) {
        check_tags(t, "long,short", "truncated: extended hashtags");
    }

    t = one("{" ID "," USER "," TAGS("[" TAG("Short") "]")
            ",\"truncated\":false,"
            "\"extended_tweet\":{" TAGS("[" TAG("Long") "]") "}}", &conf);

    if (t != NULL) {
        check_tags(t, "short", "not truncated: entities");
    }

    t = one("{" ID "," USER "," TAGS("[" TAG("Short") "]")
            ",\"truncated\":true}", &conf);

    if (t != NULL) {
        check_tags(t, "short", "truncated without extended_tweet: entities");
    }

    t = one("{" ID "," USER "," TAGS("[" TAG("Short") "]") ","
            EXT(TAGS("[]")) "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, NOH, "truncated, extended empty: no hashtag");
    }

    /* the hashtag objects may carry anything else */

    t = one("{" ID "," USER "," TAGS("[{\"indices\":[1,2],\"text\":\"X\","
            "\"extra\":{}}]") "}", &conf);

    if (t != NULL) {
        check_tags(t, "x", "hashtag with extra fields");
    }
}


static void
test_many_hashtags(void)
{
    char                          buf[64];
    json_t                       *root, *tweet, *user, *tags, *ev, *ent;
    ngx_str_t                    *s;
    ngx_uint_t                    i, bad;
    ngx_http_hashpay_tweet_t     *t;
    ngx_http_hashpay_delivery_t   d;

    /* 20000 hashtags, 5000 distinct once folded, a code at the very end */

    root = json_object();
    ev = json_array();
    tweet = json_object();
    user = json_object();
    ent = json_object();
    tags = json_array();

    json_object_set_new(root, "tweet_create_events", ev);
    json_array_append_new(ev, tweet);
    json_object_set_new(tweet, "id_str", json_string("7"));
    json_object_set_new(tweet, "user", user);
    json_object_set_new(user, "id_str", json_string("42"));
    json_object_set_new(tweet, "entities", ent);
    json_object_set_new(ent, "hashtags", tags);

    for (i = 0; i < 20000; i++) {
        snprintf(buf, sizeof(buf), "%s%lu", (i / 5000) % 2 ? "TAG" : "tag",
                 (unsigned long) (i % 5000));
        json_array_append_new(tags, json_pack("{ss}", "text", buf));
    }

    json_array_append_new(tags, json_pack("{ss}", "text", "CONFIRMzz99zz"));

    docs[ndocs++] = root;

    CHECK_INT(ngx_http_hashpay_delivery_read(root, &conf, pool, &d), NGX_OK,
              "many: rc");

    t = d.tweets->elts;

    CHECK_INT(t->state, ACT, "many: state");
    CHECK(t->hashtags != NULL && t->hashtags->nelts == 5001,
          "many: 5001 distinct (%lu)",
          t->hashtags ? (unsigned long) t->hashtags->nelts : 0UL);
    CHECK_INT(t->has_code, 1, "many: the code at the end found");
    CHECK_STR(t->code, 6, "ZZ99ZZ", "many: code");

    if (t->hashtags == NULL || t->hashtags->nelts != 5001) {
        return;
    }

    s = t->hashtags->elts;
    bad = 0;

    for (i = 0; i < 5000; i++) {
        snprintf(buf, sizeof(buf), "tag%lu", (unsigned long) i);

        if (s[i].len != strlen(buf) || ngx_memcmp(s[i].data, buf, s[i].len)) {
            bad++;
        }
    }

    CHECK_INT(bad, 0, "many: in order");
    CHECK_NGX_STR(s[5000], "confirmzz99zz", "many: last");
}


static void
test_codes_in_tweets(void)
{
    ngx_http_hashpay_tweet_t  *t;

    /* the first hashtag that is a code, in order */

    t = one("{" ID "," USER "," TAGS("[" TAG("BuyGiftCard25") ","
            TAG("Confirmed") "," TAG("Confirm7kq2xdx") ","
            TAG("confirmabc123") "," TAG("ConfirmZZZ999") "]") "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, ACT, "first code: state");
        CHECK_INT(t->has_code, 1, "first code: has_code");
        CHECK_STR(t->code, 6, "ABC123", "first code: the first one");
        check_tags(t, "buygiftcard25,confirmed,confirm7kq2xdx,confirmabc123,"
                   "confirmzzz999", "first code: all hashtags kept");
        CHECK_INT(t->retweet_confirm, 0, "first code: not a retweet");
    }

    t = one("{" ID "," USER "," TAGS("[" TAG("Confirmed") ","
            TAG("Confirm7kq2x") "," TAG("Confirm7kq2x-") "]") "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, ACT, "no code: acts (offer hashtags)");
        CHECK_INT(t->has_code, 0, "no code: has_code");
    }

    /* any letters or digits, not only the code alphabet */

    t = one("{" ID "," USER "," TAGS("[" TAG("confirm0o1il0") "]") "}",
            &conf);

    if (t != NULL) {
        CHECK_INT(t->has_code, 1, "code 0o1il0: has_code");
        CHECK_STR(t->code, 6, "0O1IL0", "code 0o1il0");
    }
}


static void
test_retweets(void)
{
    ngx_http_hashpay_tweet_t  *t;

    /* a retweet never acts */

    t = one("{" ID "," USER "," GOOD ","
            RS("\"id_str\":\"8\",\"user\":{\"id_str\":\"43\"}," GOOD) "}",
            &conf);

    if (t != NULL) {
        CHECK_INT(t->state, RT, "retweet: state");
        CHECK_NGX_STR(t->author_id, "42", "retweet: author");
        CHECK_NULL(t->hashtags, "retweet: hashtags");
    }

    /* of a non-operator, even with a code */

    t = one("{" ID "," USER ","
            RS("\"user\":{\"id_str\":\"43\"},"
               TAGS("[" TAG("Confirm7KQ2XD") "]")) "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, RT, "retweet of a customer's code: state");
        CHECK_INT(t->has_code, 0, "retweet of a customer's code: has_code");
        CHECK_INT(t->retweet_confirm, 0,
                  "retweet of a customer's code: retweet_confirm");
    }

    /* of an operator, without a code */

    t = one("{" ID "," USER "," OPRS(GOOD) "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, RT, "retweet of an operator, no code: state");
    }

    t = one("{" ID "," USER "," OPRS(TAGS("[]")) "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, RT, "retweet of an operator, no hashtags");
    }

    t = one("{" ID "," USER "," OPRS("\"text\":\"hi\"") "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, RT, "retweet of an operator, no entities");
    }

    /* the code must be the retweeted tweet's, not the retweeter's */

    t = one("{" ID "," USER "," TAGS("[" TAG("Confirm7KQ2XD") "]") ","
            OPRS(GOOD) "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, RT, "code only in the retweet's own entities");
    }

    /* retweet to confirm: hashtags from retweeted_status, in order */

    t = one("{" ID "," USER "," TAGS("[" TAG("Other") "]") ","
            OPRS(TAGS("[" TAG("BuyGiftCard25") "," TAG("confirmab12CD") ","
                 TAG("ConfirmZZZZZZ") "]")) "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, ACT, "retweet to confirm: state");
        CHECK_INT(t->retweet_confirm, 1, "retweet to confirm: flag");
        CHECK_INT(t->has_code, 1, "retweet to confirm: has_code");
        CHECK_STR(t->code, 6, "AB12CD", "retweet to confirm: first code");
        CHECK_NGX_STR(t->author_id, "42", "retweet to confirm: author");
        CHECK_NGX_STR(t->id, "7", "retweet to confirm: the retweet's id");
        check_tags(t, "buygiftcard25,confirmab12cd,confirmzzzzzz",
                   "retweet to confirm: hashtags of retweeted_status");
    }

    /* retweeted_status truncated: its extended_tweet */

    t = one("{" ID "," USER ","
            OPRS(TAGS("[]") ","
                 EXT(TAGS("[" TAG("Confirm7KQ2XD") "]"))) "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, ACT, "retweet to confirm, truncated: state");
        CHECK_STR(t->code, 6, "7KQ2XD", "retweet to confirm, truncated");
        CHECK_INT(t->retweet_confirm, 1, "retweet confirm truncated: flag");
    }

    t = one("{" ID "," USER ","
            OPRS(TAGS("[" TAG("Confirm7KQ2XD") "]") ","
                 EXT(TAGS("[" TAG("Later") "]"))) "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, RT, "retweet, truncated: entities not read");
    }

    t = one("{" ID "," USER ","
            OPRS(TAGS("[" TAG("Confirm7KQ2XD") "]") ",\"truncated\":false,"
                 "\"extended_tweet\":{" TAGS("[]") "}") "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, ACT, "retweet, not truncated: entities");
    }

    /* the retweeter's own extended_tweet plays no part */

    t = one("{" ID "," USER "," EXT(TAGS("[" TAG("Confirm7KQ2XD") "]")) ","
            OPRS(GOOD) "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, RT, "retweeter's extended_tweet not read");
    }

    /* a quote inside the retweeted status is not read either */

    t = one("{" ID "," USER ","
            OPRS(GOOD ",\"quoted_status\":{"
                 TAGS("[" TAG("Confirm7KQ2XD") "]") "}") "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, RT, "retweeted quote's code not read");
    }
}


static void
test_operators(void)
{
    ngx_http_hashpay_tweet_t       *t;
    ngx_http_hashpay_tweet_conf_t   two;

    two.operators = operators;
    two.noperators = 2;
    ngx_str_set(&two.confirm_prefix, "Confirm");

    /* the operator rule comes before the retweet rule */

    t = one("{" ID "," OPUSER "," OPRS(TAGS("[" TAG("Confirm7KQ2XD") "]"))
            "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, OP, "operator retweets operator: operator");
        CHECK_INT(t->retweet_confirm, 0, "operator retweet: no confirm");
    }

    t = one("{" ID "," OPUSER "," RS("\"user\":{\"id_str\":\"43\"}") "}",
            &conf);

    if (t != NULL) {
        CHECK_INT(t->state, OP, "operator retweets a customer: operator");
    }

    /* every configured account */

    t = one("{" ID ",\"user\":{\"id_str\":\"99\"}," GOOD "}", &two);

    if (t != NULL) {
        CHECK_INT(t->state, OP, "second operator");
    }

    t = one("{" ID ",\"user\":{\"id_str\":\"99\"}," GOOD "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, ACT, "second operator not configured");
    }

    t = one("{" ID "," USER ","
            RS("\"user\":{\"id_str\":\"99\"},"
               TAGS("[" TAG("Confirm7KQ2XD") "]")) "}", &two);

    if (t != NULL) {
        CHECK_INT(t->state, ACT, "retweet of the second operator confirms");
    }

    /* compared as strings: no numeric equality, no prefixes */

    t = one("{" ID ",\"user\":{\"id_str\":\"015234567\"}," GOOD "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, ACT, "operator id with a leading zero");
    }

    t = one("{" ID ",\"user\":{\"id_str\":\"1523456\"}," GOOD "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, ACT, "operator id prefix");
    }

    t = one("{" ID ",\"user\":{\"id_str\":\"152345678\"}," GOOD "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, ACT, "operator id longer");
    }

    t = one("{" ID ",\"user\":{\"id_str\":\"15234567\",\"id\":1}," GOOD "}",
            &conf);

    if (t != NULL) {
        CHECK_INT(t->state, OP, "operator whatever user.id says");
    }

    t = one("{" ID ",\"user\":{\"id_str\":\"42\",\"id\":15234567}," GOOD "}",
            &conf);

    if (t != NULL) {
        CHECK_INT(t->state, ACT, "user.id is not read");
    }

    t = one("{" ID "," USER ","
            RS("\"user\":{\"id_str\":\"015234567\"},"
               TAGS("[" TAG("Confirm7KQ2XD") "]")) "}", &conf);

    if (t != NULL) {
        CHECK_INT(t->state, RT, "retweeted operator id with a leading zero");
    }
}


static void
test_revoke(void)
{
    ngx_uint_t                    i;
    ngx_http_hashpay_delivery_t   d;

    static const struct {
        const char  *json;
        const char  *user;
        const char  *bad;
    } revokes[] = {
        { "{\"user_event\":{\"revoke\":{\"source\":{\"user_id\":\"123\"}}}}",
          "123", NULL },
        { "{\"user_event\":{\"revoke\":{\"date_time\":\"x\",\"source\":"
          "{\"user_id\":\"12345678901234567890\"},\"target\":{}}}}",
          "12345678901234567890", NULL },
        { "{\"user_event\":{\"revoke\":\"x\"}}", NULL, "user_event.revoke" },
        { "{\"user_event\":{\"revoke\":null}}", NULL, "user_event.revoke" },
        { "{\"user_event\":{\"revoke\":[]}}", NULL, "user_event.revoke" },
        { "{\"user_event\":{\"revoke\":{}}}", NULL,
          "user_event.revoke.source" },
        { "{\"user_event\":{\"revoke\":{\"source\":\"x\"}}}", NULL,
          "user_event.revoke.source" },
        { "{\"user_event\":{\"revoke\":{\"source\":{}}}}", NULL,
          "user_event.revoke.source.user_id" },
        { "{\"user_event\":{\"revoke\":{\"source\":{\"user_id\":123}}}}",
          NULL, "user_event.revoke.source.user_id" },
        { "{\"user_event\":{\"revoke\":{\"source\":{\"user_id\":\"\"}}}}",
          NULL, "user_event.revoke.source.user_id" },
        { "{\"user_event\":{\"revoke\":{\"source\":{\"user_id\":\"12a\"}}}}",
          NULL, "user_event.revoke.source.user_id" },
        { "{\"user_event\":{\"revoke\":{\"source\":"
          "{\"user_id\":\"123456789012345678901\"}}}}",
          NULL, "user_event.revoke.source.user_id" },
        { "{\"user_event\":{\"revoke\":{\"source\":{\"user_id\":null}}}}",
          NULL, "user_event.revoke.source.user_id" },
        { "{\"user_event\":{\"revoke\":{\"target\":{\"user_id\":\"1\"}}}}",
          NULL, "user_event.revoke.source" },
        { "{\"user_event\":{}}", NULL, NULL },
        { "{\"user_event\":\"x\"}", NULL, NULL },
        { "{\"user_event\":{\"other\":{}}}", NULL, NULL },
        { "{\"revoke\":{\"source\":{\"user_id\":\"1\"}}}", NULL, NULL },
    };

    for (i = 0; i < sizeof(revokes) / sizeof(revokes[0]); i++) {
        CHECK_INT(delivery(revokes[i].json, &d), NGX_OK, revokes[i].json);

        if (revokes[i].user != NULL) {
            CHECK_NGX_STR(*revoke_user(&d), revokes[i].user, revokes[i].json);

        } else {
            check_null_str(revoke_user(&d), revokes[i].json);
        }

        if (revokes[i].bad != NULL) {
            CHECK(revoke_bad(&d) != NULL
                  && strcmp(revoke_bad(&d), revokes[i].bad) == 0,
                  "%s: bad \"%s\"", revokes[i].json,
                  revoke_bad(&d) ? revoke_bad(&d) : "(null)");

        } else {
            CHECK_NULL(revoke_bad(&d), revokes[i].json);
        }
    }
}


static void
test_confirm_code(void)
{
    u_char      code[NGX_HTTP_HASHPAY_CODE_LEN];
    ngx_str_t   prefix;
    ngx_uint_t  i;

    static const struct {
        const char  *tag;
        const char  *prefix;
        const char  *code;      /* NULL: NGX_DECLINED */
    } codes[] = {
        { "Confirm7KQ2XD", "Confirm", "7KQ2XD" },
        { "confirm7kq2xd", "Confirm", "7KQ2XD" },
        { "CONFIRMabcdef", "Confirm", "ABCDEF" },
        { "cOnFiRm7Kq2Xd", "CONFIRM", "7KQ2XD" },
        { "Confirm0O1IL0", "Confirm", "0O1IL0" },
        { "Confirm123456", "Confirm", "123456" },
        { "Confirmzzzzzz", "Confirm", "ZZZZZZ" },
        { "pay_ab12cd", "pay_", "AB12CD" },
        { "PAY_ab12cd", "pay_", "AB12CD" },
        { "ab12cd", "", "AB12CD" },
        { "Confirmed", "Confirm", NULL },
        { "Confirm7kq2xdx", "Confirm", NULL },
        { "Confirm7kq2x", "Confirm", NULL },
        { "Confirm", "Confirm", NULL },
        { "", "Confirm", NULL },
        { "Confirm7kq2x-", "Confirm", NULL },
        { "Confirm7kq2x_", "Confirm", NULL },
        { "Confirm7kq_2x", "Confirm", NULL },
        { "Confirm 7kq2x", "Confirm", NULL },
        { "Confirm7kq2\xc3\xa9", "Confirm", NULL },
        { "Confirm\xef\xbc\xa1" "bcd", "Confirm", NULL },
        { "Konfirm7KQ2XD", "Confirm", NULL },
        { "Confirn7KQ2XD", "Confirm", NULL },
        { "#Confirm7KQ2X", "Confirm", NULL },
        { "Conf7KQ2XD", "Confirm", NULL },
        { "abcdefg", "", NULL },
        { "pay-ab12cd", "pay_", NULL },
        { "Confirm7KQ2X@", "Confirm", NULL },
        { "Confirm7KQ2X[", "Confirm", NULL },
        { "Confirm7KQ2X`", "Confirm", NULL },
        { "Confirm7KQ2X{", "Confirm", NULL },
        { "Confirm7KQ2X/", "Confirm", NULL },
        { "Confirm7KQ2X:", "Confirm", NULL },
    };

    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        prefix.data = (u_char *) codes[i].prefix;
        prefix.len = strlen(codes[i].prefix);

        ngx_memset(code, '?', sizeof(code));

        if (codes[i].code != NULL) {
            CHECK_INT(ngx_http_hashpay_confirm_code((u_char *) codes[i].tag,
                                                    strlen(codes[i].tag),
                                                    &prefix, code),
                      NGX_OK, codes[i].tag);
            CHECK_STR(code, sizeof(code), codes[i].code, codes[i].tag);

        } else {
            CHECK_INT(ngx_http_hashpay_confirm_code((u_char *) codes[i].tag,
                                                    strlen(codes[i].tag),
                                                    &prefix, code),
                      NGX_DECLINED, codes[i].tag);
            CHECK_STR(code, sizeof(code), "??????", "code left alone");
        }
    }

    /* a NUL byte is not a letter, and lengths are counted */

    ngx_str_set(&prefix, "Confirm");

    CHECK_INT(ngx_http_hashpay_confirm_code((u_char *) "Confirm\0BCDEF", 13,
                                            &prefix, code),
              NGX_DECLINED, "code with a NUL byte");
    CHECK_INT(ngx_http_hashpay_confirm_code((u_char *) "Confirm7KQ2XDZZ", 13,
                                            &prefix, code),
              NGX_OK, "code counted by length");
    CHECK_STR(code, sizeof(code), "7KQ2XD", "code counted by length");
}


static void
test_created_at(void)
{
    ngx_uint_t  i;

    static const struct {
        const char  *text;
        int64_t      ms;
    } dates[] = {
        { "Wed May 23 06:01:13 +0000 2007", 1179900073000LL },
        { "Thu Jan 01 00:00:00 +0000 1970", 0 },
        { "Thu Jan 01 00:00:01 +0000 1970", 1000 },
        { "Wed May 23 08:01:13 +0200 2007", 1179900073000LL },
        { "Wed May 23 04:31:13 -0130 2007", 1179900073000LL },
        { "Wed May 23 06:01:13 -0000 2007", 1179900073000LL },
        { "Tue Apr 10 12:00:00 +0000 2012", 1334059200000LL },
        { "Thu Feb 29 12:00:00 +0000 2024", 1709208000000LL },
        { "Tue Feb 29 00:00:00 +0000 2000", 951782400000LL },
        { "Fri Dec 31 23:59:59 +0000 9999", 253402300799000LL },
        { "Thu Jan 01 00:00:00 -2359 1970", 86340000LL },
        { "Sat Mar 01 00:00:00 +0000 2100", 4107542400000LL },

        /* the day name is not checked against the date */
        { "Mon May 23 06:01:13 +0000 2007", 1179900073000LL },

        { "Thu Jan 01 00:00:00 +0100 1970", -1 },    /* before 1970 */
        { "Wed Dec 31 23:59:59 +0000 1969", -1 },
        { "Wed Feb 29 12:00:00 +0000 2023", -1 },
        { "Mon Feb 29 12:00:00 +0000 2100", -1 },
        { "Mon Apr 31 12:00:00 +0000 2023", -1 },
        { "Mon Apr 00 12:00:00 +0000 2023", -1 },
        { "Mon Jan 32 12:00:00 +0000 2023", -1 },
        { "Wed May 23 24:00:00 +0000 2007", -1 },
        { "Wed May 23 06:60:13 +0000 2007", -1 },
        { "Wed May 23 06:01:60 +0000 2007", -1 },
        { "Wed May 23 06:01:13 +2400 2007", -1 },
        { "Wed May 23 06:01:13 +0060 2007", -1 },
        { "Wed May 23 06:01:13 0000 2007", -1 },
        { "Wed May 23 06:01:13 *0000 2007", -1 },
        { "Wed May 23 06:01:13 +0000 2007 ", -1 },
        { " Wed May 23 06:01:13 +0000 2007", -1 },
        { "Wed May 23 06:01:13 +0000 07", -1 },
        { "Wed May 23 06:01:13 +0000 20O7", -1 },
        { "Wed May  3 06:01:13 +0000 2007", -1 },
        { "Wed May 3 06:01:13 +0000 2007", -1 },
        { "Wed May 23 6:01:13 +0000 2007", -1 },
        { "Wed May 23 06.01.13 +0000 2007", -1 },
        { "Wed May 23 06:01:13 +00:00 2007", -1 },
        { "Wed May 23 06:01:13  +0000 2007", -1 },
        { "Wed May 23 06:01:13 UTC 2007", -1 },
        { "Wed may 23 06:01:13 +0000 2007", -1 },
        { "wed May 23 06:01:13 +0000 2007", -1 },
        { "Wen May 23 06:01:13 +0000 2007", -1 },
        { "Wed Mai 23 06:01:13 +0000 2007", -1 },
        { "Wednesday May 23 06:01:13 +0000", -1 },
        { "Wed,May 23 06:01:13 +0000 2007", -1 },
        { "Wed May 23 06:01:13 +0000 2007\n", -1 },
        { "2007-05-23T06:01:13Z", -1 },
        { "1179900073", -1 },
        { "", -1 },
    };

    for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
        CHECK(created(dates[i].text) == dates[i].ms, "created_at \"%s\": "
              "%lld, want %lld", dates[i].text,
              (long long) created(dates[i].text), (long long) dates[i].ms);
    }

    /* the text is length-counted: a NUL byte inside is not accepted */

    CHECK_INT(ngx_http_hashpay_parse_created_at((u_char *)
                  "Wed May 23 06:01:13 +0000 20\0007", 30), -1,
              "created_at with a NUL byte");
}


static void
test_created_at_against_libc(void)
{
    char        buf[64], sign;
    time_t      t, local;
    uint64_t    x;
    struct tm   tm;
    ngx_uint_t  i, bad, off;

    static const char  wdays[] = "SunMonTueWedThuFriSat";
    static const char  months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

    /*
     * every day 1970-2500 at a changing time of day, and pseudo-random
     * instants up to 9999 with pseudo-random offsets, against glibc's
     * gmtime_r() in the C locale
     */

    bad = 0;

    for (t = 0; t < 16725225600LL; t += 86400 + 3607) {
        gmtime_r(&t, &tm);
        strftime(buf, sizeof(buf), "%a %b %d %H:%M:%S +0000 %Y", &tm);

        if (created(buf) != (int64_t) t * 1000) {
            if (bad++ < 5) {
                fprintf(stderr, "    %s: %lld\n", buf,
                        (long long) created(buf));
            }
        }
    }

    CHECK_INT(bad, 0, "created_at against gmtime_r, 1970-2500");

    bad = 0;
    x = 88172645463325252ULL;

    for (i = 0; i < 200000; i++) {
        /* xorshift64 */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;

        t = (time_t) (x % 253402214400ULL);
        off = (ngx_uint_t) (x >> 40) % (24 * 60);
        sign = (x & 1) ? '-' : '+';

        local = (sign == '+') ? t + off * 60 : t - off * 60;

        gmtime_r(&local, &tm);

        if (tm.tm_year + 1900 < 1970 || tm.tm_year + 1900 > 9999) {
            continue;
        }

        snprintf(buf, sizeof(buf), "%.3s %.3s %02d %02d:%02d:%02d %c%02u%02u "
                 "%04d", &wdays[3 * tm.tm_wday], &months[3 * tm.tm_mon],
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, sign,
                 (unsigned) (off / 60), (unsigned) (off % 60),
                 tm.tm_year + 1900);

        if (created(buf) != (int64_t) t * 1000) {
            if (bad++ < 5) {
                fprintf(stderr, "    %s: %lld, want %lld\n", buf,
                        (long long) created(buf), (long long) t * 1000);
            }
        }
    }

    CHECK_INT(bad, 0, "created_at with offsets against gmtime_r");
}


static void
test_alloc_failures(void)
{
    json_t                       *root;
    ngx_int_t                     rc, budget;
    ngx_uint_t                    errors, oks, others;
    ngx_pool_t                   *p;
    ngx_http_hashpay_delivery_t   d;

    /* every allocation failing in turn: NGX_ERROR, never a crash */

    root = doc("{\"tweet_create_events\":["
               "{" ID "," USER "," GOOD "},"
               "{" ID "," USER "," OPRS(EXT(TAGS("[" TAG("Confirm7KQ2XD")
               "]"))) "},"
               "{" ID "," USER "," TAGS("[" TAG("A") "," TAG("a") ","
               TAG("B") "]") "},"
               "{" ID "," USER "},"
               "5]}");

    if (root == NULL) {
        return;
    }

    errors = 0;
    oks = 0;
    others = 0;

    for (budget = 0; budget < 64; budget++) {
        p = ngx_create_pool(4096, NULL);

        ngx_stub_alloc_budget = budget;
        rc = ngx_http_hashpay_delivery_read(root, &conf, p, &d);
        ngx_stub_alloc_budget = -1;

        if (rc == NGX_ERROR) {
            errors++;

        } else if (rc == NGX_OK) {
            oks++;

        } else {
            others++;
        }

        ngx_destroy_pool(p);
    }

    CHECK(errors > 0, "allocation failures: NGX_ERROR (%lu)",
          (unsigned long) errors);
    CHECK(oks > 0, "allocation failures: NGX_OK with enough memory");
    CHECK_INT(others, 0, "allocation failures: nothing else");
}


/* ISO 8601 (SPEC section 11): post times, account creation, date_time */

static void
test_iso8601(void)
{
    ngx_uint_t  i;

    static const struct {
        const char  *text;
        int64_t      ms;        /* -1: refused */
    } dates[] = {

        /* the forms X writes, and the equivalent ones */

        { "2026-12-01T10:00:00.000Z", MS_1000 },
        { "2026-12-01T10:00:00Z", MS_1000 },
        { "2026-12-01t10:00:00z", MS_1000 },
        { "2026-12-01T10:00:00z", MS_1000 },
        { "2026-12-01t10:00:00.000Z", MS_1000 },
        { "2026-12-01T10:00:00+00:00", MS_1000 },
        { "2026-12-01T10:00:00-00:00", MS_1000 },
        { "2026-12-01T10:00:00+0000", MS_1000 },
        { "2026-12-01T10:00:00-0000", MS_1000 },
        { "2026-12-01T10:40:12+00:00", 1796121612000LL },

        /* offsets: local time minus the offset */

        { "2026-12-01T11:30:00+01:30", MS_1000 },
        { "2026-12-01T11:30:00+0130", MS_1000 },
        { "2026-12-01T08:30:00-01:30", MS_1000 },
        { "2026-12-01T08:30:00-0130", MS_1000 },
        { "2026-12-01T23:59:00+13:59", MS_1000 },
        { "2026-12-01T00:00:00+23:59", 1795996860000LL },
        { "2026-12-31T23:59:59-23:59", 1798847939000LL },
        { "2024-02-29T23:59:59-01:30", 1709256599000LL },
        { "2026-12-02T09:00:00+23:00", MS_1000 },
        { "2026-11-30T11:00:00-23:00", MS_1000 },

        /* fractions: 1-9 digits, milliseconds kept, the rest dropped */

        { "2026-12-01T10:00:00.5Z", MS_1000 + 500 },
        { "2026-12-01T10:00:00.05Z", MS_1000 + 50 },
        { "2026-12-01T10:00:00.005Z", MS_1000 + 5 },
        { "2026-12-01T10:00:00.123Z", MS_1000 + 123 },
        { "2026-12-01T10:00:00.1239Z", MS_1000 + 123 },
        { "2026-12-01T10:00:00.999999999Z", MS_1000 + 999 },
        { "2026-12-01T10:00:00.000000001Z", MS_1000 },
        { "2026-12-01T10:00:00.0Z", MS_1000 },
        { "2026-12-01T11:00:00.250+01:00", MS_1000 + 250 },
        { "2026-12-01T11:00:00.250+0100", MS_1000 + 250 },
        { "2026-12-01T10:00:00.7z", MS_1000 + 700 },

        /* calendar: leap years, month ends, far years */

        { "1970-01-01T00:00:00Z", 0 },
        { "1970-01-01T00:00:00.001Z", 1 },
        { "1970-01-01T00:00:00.999999999Z", 999 },
        { "1970-01-01T01:00:00+01:00", 0 },
        { "1970-01-01T00:00:00-00:01", 60000 },
        { "1972-02-29T00:00:00Z", 68169600000LL },
        { "2000-02-29T00:00:00Z", 951782400000LL },
        { "2024-02-29T12:00:00Z", 1709208000000LL },
        { "2400-02-29T12:00:00Z", 13574606400000LL },
        { "2023-03-01T00:00:00Z", 1677628800000LL },
        { "2100-03-01T00:00:00Z", 4107542400000LL },
        { "2016-12-31T23:59:59Z", 1483228799000LL },
        { "2024-12-31T23:59:59Z", 1735689599000LL },
        { "2025-01-01T00:00:00Z", 1735689600000LL },
        { "2038-01-19T03:14:08Z", 2147483648000LL },
        { "2007-05-23T06:01:13.000Z", 1179900073000LL },
        { "2012-04-10T12:00:00.000Z", 1334059200000LL },
        { "9999-12-31T23:59:59.999Z", 253402300799999LL },

        /* before 1970 */

        { "1969-12-31T23:59:59Z", -1 },
        { "1969-12-31T23:30:00-01:00", 1800000 },
        { "1969-12-31T23:00:00-01:00", 0 },
        { "1969-12-31T23:59:59+00:00", -1 },
        { "1968-12-31T23:59:59-23:59", -1 },
        { "1969-12-31T23:59:59.999Z", -1 },
        { "1970-01-01T00:00:00+00:01", -1 },
        { "1970-01-01T00:59:59+01:00", -1 },
        { "1970-01-01T00:00:00.500+00:01", -1 },
        { "1900-01-01T00:00:00Z", -1 },
        { "0000-01-01T00:00:00Z", -1 },

        /* dates that do not exist */

        { "2023-02-29T00:00:00Z", -1 },
        { "2100-02-29T00:00:00Z", -1 },
        { "1900-02-29T00:00:00Z", -1 },
        { "2026-02-30T00:00:00Z", -1 },
        { "2026-04-31T00:00:00Z", -1 },
        { "2026-06-31T00:00:00Z", -1 },
        { "2026-09-31T00:00:00Z", -1 },
        { "2026-11-31T00:00:00Z", -1 },
        { "2026-12-32T00:00:00Z", -1 },
        { "2026-12-00T00:00:00Z", -1 },
        { "2026-13-01T00:00:00Z", -1 },
        { "2026-00-01T00:00:00Z", -1 },
        { "2026-12-01T24:00:00Z", -1 },
        { "2026-12-01T10:60:00Z", -1 },
        { "2026-12-01T10:00:60Z", -1 },
        { "2026-12-01T23:59:60Z", -1 },
        { "2026-12-01T10:00:00+24:00", -1 },
        { "2026-12-01T10:00:00+00:60", -1 },
        { "2026-12-01T10:00:00-2400", -1 },
        { "2026-12-01T10:00:00-0060", -1 },

        /* other shapes */

        { "", -1 },
        { "2026-12-01", -1 },
        { "2026-12-01T10:00:00", -1 },
        { "2026-12-01T10:00:00.000", -1 },
        { "2026-12-01T10:00Z", -1 },
        { "2026-12-01T10:00:00.Z", -1 },
        { "2026-12-01T10:00:00.1234567890Z", -1 },
        { "2026-12-01T10:00:00,5Z", -1 },
        { "2026-12-01T10:00:00.5.5Z", -1 },
        { "2026-12-01T10:00:00.-5Z", -1 },
        { "2026-12-01 10:00:00Z", -1 },
        { "2026-12-01_10:00:00Z", -1 },
        { "2026-12-01X10:00:00Z", -1 },
        { "20261201T100000Z", -1 },
        { "2026-12-01T100000Z", -1 },
        { "2026/12/01T10:00:00Z", -1 },
        { "2026-12-01T10.00.00Z", -1 },
        { "2026-1-01T10:00:00Z", -1 },
        { "2026-12-1T10:00:00Z", -1 },
        { "2026-12-01T1:00:00Z", -1 },
        { "2026-12-01T10:0:00Z", -1 },
        { "2026-12-01T10:00:0Z", -1 },
        { "02026-12-01T10:00:00Z", -1 },
        { "+2026-12-01T10:00:00Z", -1 },
        { "-2026-12-01T10:00:00Z", -1 },
        { " 2026-12-01T10:00:00Z", -1 },
        { "2026-12-01T10:00:00Z ", -1 },
        { "2026-12-01T10:00:00Z\n", -1 },
        { "2026-12-01T10:00:00 Z", -1 },
        { "2026-12-01T10:00:00ZZ", -1 },
        { "2026-12-01T10:00:00Z+01:00", -1 },
        { "2026-12-01T10:00:00+01:00Z", -1 },
        { "2026-12-01T10:00:00UTC", -1 },
        { "2026-12-01T10:00:00GMT", -1 },
        { "2026-12-01T10:00:00 +00:00", -1 },
        { "2026-12-01T10:00:00+", -1 },
        { "2026-12-01T10:00:00+01", -1 },
        { "2026-12-01T10:00:00+1:00", -1 },
        { "2026-12-01T10:00:00+01:0", -1 },
        { "2026-12-01T10:00:00+010", -1 },
        { "2026-12-01T10:00:00+01000", -1 },
        { "2026-12-01T10:00:00+01:000", -1 },
        { "2026-12-01T10:00:00+01-00", -1 },
        { "2026-12-01T10:00:00+01.00", -1 },
        { "2026-12-01T10:00:00+0a:00", -1 },
        { "2026-12-01T10:00:00*01:00", -1 },
        { "2026-12-01T10:00:00.5", -1 },
        { "2026-12-01T10:00:00.5+", -1 },
        { "2O26-12-01T10:00:00Z", -1 },
        { "2026-12-01T1O:00:00Z", -1 },
        { "Tue Dec 01 10:00:00 +0000 2026", -1 },
        { "1796119200000", -1 },
        { "2026-12-01T10:00:00.000Z2026-12-01T10:00:00.000Z", -1 },
    };

    for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
        CHECK(iso(dates[i].text) == dates[i].ms, "iso8601 \"%s\": %lld, "
              "want %lld", dates[i].text, (long long) iso(dates[i].text),
              (long long) dates[i].ms);
    }

    /* length-counted: a NUL byte is not accepted, nothing read past len */

    CHECK_INT(ngx_http_hashpay_parse_iso8601((u_char *)
                  "2026-12-01T10:00:00\0Z", 21), -1, "iso8601 with a NUL");
    CHECK_INT(ngx_http_hashpay_parse_iso8601((u_char *)
                  "2026-12-01T10:00:00.5\0Z", 23), -1,
              "iso8601 with a NUL after the fraction");
    CHECK_INT(ngx_http_hashpay_parse_iso8601((u_char *)
                  "2026-12-01T10:00:00ZZZ", 20), MS_1000,
              "iso8601 counted by length");
    CHECK_INT(ngx_http_hashpay_parse_iso8601((u_char *)
                  "2026-12-01T10:00:00.123Z", 23), -1,
              "iso8601 cut before its zone");
    CHECK_INT(ngx_http_hashpay_parse_iso8601((u_char *)
                  "2026-12-01T10:00:00+01:00", 24), -1,
              "iso8601 cut inside its offset");
}


static void
test_iso8601_against_libc(void)
{
    int         n;
    char        buf[96], frac[16], zone[16], sign;
    time_t      t, local;
    uint64_t    x;
    struct tm   tm;
    ngx_uint_t  i, bad, off, digits, ms, form;

    /*
     * every day 1970-2500 at a changing time of day, and pseudo-random
     * instants up to 9999 with pseudo-random fractions, offsets and
     * spellings, against glibc's gmtime_r()
     */

    bad = 0;

    for (t = 0; t < 16725225600LL; t += 86400 + 3607) {
        gmtime_r(&t, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);

        if (iso(buf) != (int64_t) t * 1000) {
            if (bad++ < 5) {
                fprintf(stderr, "    %s: %lld\n", buf, (long long) iso(buf));
            }
        }
    }

    CHECK_INT(bad, 0, "iso8601 against gmtime_r, 1970-2500");

    bad = 0;
    x = 88172645463325252ULL;

    for (i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;

        t = (time_t) (x % 253402214400ULL);
        off = (ngx_uint_t) (x >> 40) % (24 * 60);
        sign = (x & 1) ? '-' : '+';
        digits = (ngx_uint_t) (x >> 20) % 10;
        ms = (ngx_uint_t) (x >> 8) % 1000;
        form = (ngx_uint_t) (x >> 32) % 4;

        local = (sign == '+') ? t + off * 60 : t - off * 60;

        gmtime_r(&local, &tm);

        if (tm.tm_year + 1900 < 1970 || tm.tm_year + 1900 > 9999) {
            continue;
        }

        /* the fraction: 0-9 digits, the first three the milliseconds */

        snprintf(frac, sizeof(frac), ".%03u987654", (unsigned) ms);
        frac[digits ? digits + 1 : 0] = '\0';

        if (digits == 1) {
            ms = ms / 100 * 100;

        } else if (digits == 2) {
            ms = ms / 10 * 10;

        } else if (digits == 0) {
            ms = 0;
        }

        if (off == 0 && form == 0) {
            snprintf(zone, sizeof(zone), "%c", (x & 2) ? 'Z' : 'z');

        } else if (form < 2) {
            snprintf(zone, sizeof(zone), "%c%02u:%02u", sign,
                     (unsigned) (off / 60), (unsigned) (off % 60));

        } else {
            snprintf(zone, sizeof(zone), "%c%02u%02u", sign,
                     (unsigned) (off / 60), (unsigned) (off % 60));
        }

        n = snprintf(buf, sizeof(buf), "%04d-%02d-%02d%c%02d:%02d:%02d%s%s",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     (x & 4) ? 't' : 'T', tm.tm_hour, tm.tm_min, tm.tm_sec,
                     frac, zone);

        if (n <= 0 || iso(buf) != (int64_t) t * 1000 + (int64_t) ms) {
            if (bad++ < 5) {
                fprintf(stderr, "    %s: %lld, want %lld\n", buf,
                        (long long) iso(buf),
                        (long long) t * 1000 + (long long) ms);
            }
        }
    }

    CHECK_INT(bad, 0, "iso8601 with fractions and offsets against gmtime_r");
}


/* what one post read should be */

typedef struct {
    ngx_uint_t   state;
    const char  *id;
    const char  *root;
    const char  *author;
    const char  *screen;        /* NULL: ngx_null_string */
    int64_t      created_at;
    int64_t      timestamp;
    const char  *tags;          /* NULL: no hashtags */
    const char  *code;          /* NULL: has_code 0 */
    ngx_uint_t   retweet_confirm;
} post_want_t;


static void
check_post(ngx_http_hashpay_tweet_t *t, const post_want_t *w,
    const char *name)
{
    char  what[200];

    snprintf(what, sizeof(what), "%s: state", name);
    CHECK_INT(t->state, w->state, what);

    snprintf(what, sizeof(what), "%s: bad_field", name);
    CHECK_NULL(t->bad_field, what);

    snprintf(what, sizeof(what), "%s: id", name);
    CHECK_NGX_STR(t->id, w->id, what);

    snprintf(what, sizeof(what), "%s: root_id", name);
    CHECK_NGX_STR(t->root_id, w->root, what);

    snprintf(what, sizeof(what), "%s: author_id", name);
    CHECK_NGX_STR(t->author_id, w->author, what);

    snprintf(what, sizeof(what), "%s: screen_name", name);

    if (w->screen != NULL) {
        CHECK_NGX_STR(t->screen_name, w->screen, what);

    } else {
        check_null_str(&t->screen_name, what);
    }

    snprintf(what, sizeof(what), "%s: created_at", name);
    CHECK_INT(t->created_at, w->created_at, what);

    snprintf(what, sizeof(what), "%s: timestamp", name);
    CHECK_INT(t->timestamp, w->timestamp, what);

    snprintf(what, sizeof(what), "%s: hashtags", name);

    if (w->tags != NULL) {
        check_tags(t, w->tags, what);

    } else {
        CHECK_NULL(t->hashtags, what);
    }

    snprintf(what, sizeof(what), "%s: has_code", name);
    CHECK_INT(t->has_code, w->code != NULL, what);

    if (w->code != NULL) {
        snprintf(what, sizeof(what), "%s: code", name);
        CHECK_STR(t->code, NGX_HTTP_HASHPAY_CODE_LEN, w->code, what);
    }

    snprintf(what, sizeof(what), "%s: retweet_confirm", name);
    CHECK_INT(t->retweet_confirm, w->retweet_confirm, what);
}


/* revoke i of a delivery, NULL (a failed check) when there is none */

static ngx_http_hashpay_revoke_t *
revoke_at(ngx_http_hashpay_delivery_t *d, ngx_uint_t i, const char *name)
{
    if (d->revokes == NULL || d->revokes->nelts <= i) {
        CHECK(0, "%s: revoke %lu missing (%lu)", name, (unsigned long) i,
              d->revokes ? (unsigned long) d->revokes->nelts : 0UL);
        return NULL;
    }

    return (ngx_http_hashpay_revoke_t *) d->revokes->elts + i;
}


/* revoke i: its kind, user (NULL: none), date_time, bad_field, before */

static void
check_revoke(ngx_http_hashpay_delivery_t *d, ngx_uint_t i, const char *kind,
    const char *user, int64_t date_time, const char *bad, ngx_uint_t before,
    const char *name)
{
    char                        what[200];
    ngx_http_hashpay_revoke_t  *rv;

    rv = revoke_at(d, i, name);
    if (rv == NULL) {
        return;
    }

    CHECK(rv->kind != NULL && strcmp(rv->kind, kind) == 0,
          "%s: revoke %lu kind \"%s\", want \"%s\"", name, (unsigned long) i,
          rv->kind ? rv->kind : "(null)", kind);

    snprintf(what, sizeof(what), "%s: revoke %lu user", name,
             (unsigned long) i);

    if (user != NULL) {
        CHECK_NGX_STR(rv->user, user, what);

    } else {
        check_null_str(&rv->user, what);
    }

    snprintf(what, sizeof(what), "%s: revoke %lu date_time", name,
             (unsigned long) i);
    CHECK_INT(rv->date_time, date_time, what);

    if (bad != NULL) {
        CHECK(rv->bad_field != NULL && strcmp(rv->bad_field, bad) == 0,
              "%s: revoke %lu bad_field \"%s\", want \"%s\"", name,
              (unsigned long) i, rv->bad_field ? rv->bad_field : "(null)",
              bad);

    } else {
        CHECK(rv->bad_field == NULL, "%s: revoke %lu bad_field \"%s\"", name,
              (unsigned long) i, rv->bad_field);
    }

    snprintf(what, sizeof(what), "%s: revoke %lu before", name,
             (unsigned long) i);
    CHECK_INT(rv->before, before, what);
}


static void
test_v2_examples(void)
{
    json_t                       *root;
    ngx_uint_t                    i;
    ngx_http_hashpay_delivery_t   d;

    static const struct {
        const char        *file;
        ngx_uint_t         format;
        ngx_uint_t         nposts;
        post_want_t        post;
    } ex[] = {
        { "xaa_post_offer.json", NGX_HTTP_HASHPAY_FORMAT_XAA, 1,
          { ACT, "2000000000000000101", "2000000000000000101", ALICE,
            "alice", 1179900073000LL, MS_1000, "buygiftcard25", NULL, 0 } },

        /* the reply to the operator, the code lower-cased */
        { "xaa_post_confirm_reply.json", NGX_HTTP_HASHPAY_FORMAT_XAA, 1,
          { ACT, "2000000000000000130", "2000000000000000130", ALICE,
            "alice", 1179900073000LL, 1796119380000LL, "confirm7kq2xd",
            "7KQ2XD", 0 } },

        /* the reposted operator post in includes.tweets; alice wrapped */
        { "xaa_post_repost_confirm.json", NGX_HTTP_HASHPAY_FORMAT_XAA, 1,
          { ACT, "2000000000000000140", "2000000000000000140", ALICE,
            "alice", 1179900073000LL, 1796119440000LL, "confirm7kq2xd",
            "7KQ2XD", 1 } },

        /* the same with empty includes: no screen name, no account age */
        { "xaa_post_repost_confirm_bare.json", NGX_HTTP_HASHPAY_FORMAT_XAA, 1,
          { ACT, "2000000000000000145", "2000000000000000145", ALICE, NULL,
            -1, 1796119440000LL, "confirm7kq2xd", "7KQ2XD", 1 } },

        { "xaa_post_long.json", NGX_HTTP_HASHPAY_FORMAT_XAA, 1,
          { ACT, "2000000000000000150", "2000000000000000150", ALICE,
            "alice", 1179900073000LL, 1796119500000LL, "buygiftcard25",
            NULL, 0 } },

        /* the edit: delivered id, the original's identity */
        { "xaa_post_edit.json", NGX_HTTP_HASHPAY_FORMAT_XAA, 1,
          { ACT, "2000000000000000160", "2000000000000000101", ALICE,
            "alice", 1179900073000LL, 1796119560000LL, "buygiftcard25",
            NULL, 0 } },

        /* the quoted operator post's hashtag does not act */
        { "xaa_post_quote.json", NGX_HTTP_HASHPAY_FORMAT_XAA, 1,
          { NOH, "2000000000000000170", "2000000000000000170", ALICE,
            "alice", 1179900073000LL, 1796119620000LL, NULL, NULL, 0 } },

        { "stream_post_offer.json", NGX_HTTP_HASHPAY_FORMAT_STREAM, 1,
          { ACT, "2000000000000000180", "2000000000000000180", ALICE,
            "alice", 1179900073000LL, 1796119680000LL, "buygiftcard25",
            NULL, 0 } },

        { "xaa_post_delete.json", NGX_HTTP_HASHPAY_FORMAT_XAA, 0,
          { 0, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, 0 } },
        { "xaa_like.json", NGX_HTTP_HASHPAY_FORMAT_XAA, 0,
          { 0, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, 0 } },
        { "xaa_oauth_revoke.json", NGX_HTTP_HASHPAY_FORMAT_XAA, 0,
          { 0, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, 0 } },
    };

    for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
        root = example(ex[i].file);
        if (root == NULL) {
            continue;
        }

        ngx_memset(&d, 0xa5, sizeof(d));

        CHECK_INT(ngx_http_hashpay_delivery_read(root, &conf, pool, &d),
                  NGX_OK, ex[i].file);
        CHECK(d.format == ex[i].format, "%s: format %d", ex[i].file,
              (int) d.format);
        CHECK(d.tweets != NULL && d.tweets->nelts == ex[i].nposts,
              "%s: %lu posts", ex[i].file, (unsigned long) ex[i].nposts);

        if (d.tweets != NULL && d.tweets->nelts == 1 && ex[i].nposts == 1) {
            check_post(d.tweets->elts, &ex[i].post, ex[i].file);
        }

        if (strcmp(ex[i].file, "xaa_oauth_revoke.json") == 0) {
            CHECK(d.revokes != NULL && d.revokes->nelts == 1,
                  "%s: one revoke", ex[i].file);
            check_revoke(&d, 0, "oauth.revoke", ALICE, 1796121612000LL, NULL,
                         0, ex[i].file);

        } else {
            CHECK(d.revokes != NULL && d.revokes->nelts == 0,
                  "%s: no revoke", ex[i].file);
        }
    }

    /* the same examples without operator accounts */

    root = example("xaa_post_repost_confirm.json");

    if (root != NULL) {
        CHECK_INT(ngx_http_hashpay_delivery_read(root, &conf_none, pool, &d),
                  NGX_OK, "repost confirm, no operators: rc");

        if (d.tweets != NULL && d.tweets->nelts == 1) {
            CHECK_INT(((ngx_http_hashpay_tweet_t *) d.tweets->elts)->state,
                      RT, "repost confirm, no operators: a retweet");
        }
    }

    root = example("xaa_post_repost_confirm_bare.json");

    if (root != NULL) {
        CHECK_INT(ngx_http_hashpay_delivery_read(root, &conf_none, pool, &d),
                  NGX_OK, "bare repost confirm, no operators: rc");

        if (d.tweets != NULL && d.tweets->nelts == 1) {
            CHECK_INT(((ngx_http_hashpay_tweet_t *) d.tweets->elts)->state,
                      RT, "bare repost confirm, no operators: a retweet");
        }
    }
}


static void
test_v2_cases(void)
{
    ngx_uint_t                 i;
    const post_case_t         *c;
    ngx_http_hashpay_tweet_t  *t;

    for (i = 0; i < sizeof(post_cases) / sizeof(post_cases[0]); i++) {
        c = &post_cases[i];

        t = post1(c->post, c->includes);
        if (t == NULL) {
            CHECK(0, "%s: read", c->name);
            continue;
        }

        CHECK(t->state == c->state, "%s: state %d, want %d", c->name,
              (int) t->state, (int) c->state);

        if (c->bad != NULL) {
            CHECK(t->bad_field != NULL && strcmp(t->bad_field, c->bad) == 0,
                  "%s: bad_field \"%s\", want \"%s\"", c->name,
                  t->bad_field ? t->bad_field : "(null)", c->bad);

        } else {
            CHECK(t->bad_field == NULL, "%s: bad_field \"%s\", want none",
                  c->name, t->bad_field);
        }

        if (c->id != NULL) {
            CHECK_NGX_STR(t->id, c->id, c->name);

        } else {
            check_null_str(&t->id, c->name);
        }

        if (t->state != ACT) {
            CHECK(t->hashtags == NULL, "%s: no hashtags unless ACT",
                  c->name);
            CHECK(t->has_code == 0 && t->retweet_confirm == 0,
                  "%s: no code unless ACT", c->name);
        }

        /* the stream's data is read the same (a non-object is 400) */

        if (c->bad != NULL && strcmp(c->bad, "payload") == 0) {
            continue;
        }

        t = stream1(c->post, c->includes);
        if (t == NULL) {
            CHECK(0, "%s: stream read", c->name);
            continue;
        }

        CHECK(t->state == c->state, "%s (stream): state %d, want %d",
              c->name, (int) t->state, (int) c->state);
        CHECK((c->bad == NULL && t->bad_field == NULL)
              || (c->bad != NULL && t->bad_field != NULL
                  && strcmp(t->bad_field, c->bad) == 0),
              "%s (stream): bad_field \"%s\"", c->name,
              t->bad_field ? t->bad_field : "(null)");

        if (c->id != NULL) {
            CHECK_NGX_STR(t->id, c->id, c->name);

        } else {
            check_null_str(&t->id, c->name);
        }
    }
}


static void
test_v2_fields(void)
{
    ngx_http_hashpay_tweet_t  *t;

    static const post_want_t  offer = {
        ACT, "7", "7", "42", "bob", -1, MS_1000, "buygiftcard25", NULL, 0
    };

    /* the author's entry: plain, wrapped, among others, the first one */

    t = post1(P(",\"created_at\":\"" T_1000 "\"," PGOOD), USERS(BOB));
    if (t != NULL) {
        check_post(t, &offer, "plain author entry");
    }

    t = post1(P(",\"created_at\":\"" T_1000 "\"," PGOOD),
              USERS("{\"data\":" BOB "}"));
    if (t != NULL) {
        check_post(t, &offer, "wrapped author entry");
    }

    t = post1(P(",\"created_at\":\"" T_1000 "\"," PGOOD),
              USERS("5,null,\"42\",{\"data\":{\"id\":\"43\","
                    "\"username\":\"eve\"}},{\"id\":\"4\",\"username\":\"x\"},"
                    "{\"id\":\"420\",\"username\":\"y\"},"
                    "{\"data\":{\"id\":\"42\",\"username\":\"bob\"}},"
                    "{\"id\":\"42\",\"username\":\"later\"}"));
    if (t != NULL) {
        check_post(t, &offer, "the first author entry among others");
    }

    t = stream1(P(",\"created_at\":\"" T_1000 "\"," PGOOD),
                USERS("{\"data\":" BOB "}"));
    if (t != NULL) {
        check_post(t, &offer, "stream: wrapped author entry");
    }

    /* its username absent or empty: "" */

    t = post1(P("," PGOOD), USERS("{\"id\":\"42\"}"));
    if (t != NULL) {
        CHECK_INT(t->state, ACT, "username absent: acts");
        check_null_str(&t->screen_name, "username absent");
    }

    t = post1(P("," PGOOD), USERS("{\"id\":\"42\",\"username\":\"\"}"));
    if (t != NULL) {
        CHECK_INT(t->screen_name.len, 0, "username empty");
    }

    /* the account's creation: ISO 8601, else unknown (-1) */

    t = post1(P(""), USERS("{\"id\":\"42\","
                           "\"created_at\":\"2007-05-23T08:01:13+02:00\"}"));
    if (t != NULL) {
        CHECK_INT(t->state, NOH, "account created_at: state");
        CHECK_INT(t->created_at, 1179900073000LL, "account created_at");
        CHECK_INT(t->timestamp, -1, "no post time: -1");
    }

    t = post1(P(""), USERS("{\"id\":\"42\","
                           "\"created_at\":\"Wed May 23 06:01:13 +0000 2007\""
                           "}"));
    if (t != NULL) {
        CHECK_INT(t->created_at, -1, "account created_at in v1.1 form");
    }

    t = post1(P(""), USERS("{\"id\":\"42\",\"created_at\":1179900073000}"));
    if (t != NULL) {
        CHECK_INT(t->created_at, -1, "account created_at a number");
    }

    t = post1(P(""), USERS("{\"id\":\"42\","
                           "\"created_at\":\"1969-12-31T23:59:59Z\"}"));
    if (t != NULL) {
        CHECK_INT(t->state, NOH, "account created before 1970: read");
        CHECK_INT(t->created_at, -1, "account created before 1970: -1");
    }

    t = post1(P(""), USERS("{\"id\":\"43\","
                           "\"created_at\":\"2007-05-23T06:01:13Z\"}"));
    if (t != NULL) {
        CHECK_INT(t->created_at, -1, "another user's created_at");
    }

    /* the post's time */

    t = post1(P(",\"created_at\":\"2026-12-01T11:00:00.250+01:00\""), NULL);
    if (t != NULL) {
        CHECK_INT(t->timestamp, MS_1000 + 250, "post time with an offset");
    }

    t = post1(P(",\"created_at\":null"), NULL);
    if (t != NULL) {
        CHECK_INT(t->state, NOH, "post time null: state");
        CHECK_INT(t->timestamp, -1, "post time null: Redis's clock");
    }

    /* a malformed post keeps what was read, for the log */

    t = post1(P(",\"created_at\":\"x\""), USERS(BOB));
    if (t != NULL) {
        CHECK_INT(t->state, MAL, "malformed keeps: state");
        CHECK_NGX_STR(t->id, "7", "malformed keeps: id");
        CHECK_NGX_STR(t->author_id, "42", "malformed keeps: author");
        CHECK_INT(t->timestamp, -1, "malformed keeps: no timestamp");
    }

    /* ids: strings, leading zeros, beyond 2^64, a NUL byte refused */

    t = post1("{\"id\":\"00000000000000000001\","
              "\"author_id\":\"99999999999999999999\"}", NULL);
    if (t != NULL) {
        CHECK_INT(t->state, NOH, "long ids: state");
        CHECK_NGX_STR(t->id, "00000000000000000001", "long ids: id");
        CHECK_NGX_STR(t->root_id, "00000000000000000001", "long ids: root");
        CHECK_NGX_STR(t->author_id, "99999999999999999999", "long ids: user");
    }

    t = post1("{\"id\":\"12\\u00003\"," PAUTH "}", NULL);
    CHECK(t != NULL && t->state == MAL && strcmp(t->bad_field, "id") == 0,
          "id with a NUL byte");

    t = post1("{" PID ",\"author_id\":\"4\\u00002\"}", NULL);
    CHECK(t != NULL && t->state == MAL
          && strcmp(t->bad_field, "author_id") == 0,
          "author_id with a NUL byte");

    t = post1(P(""), USERS("{\"id\":\"42\\u0000\",\"username\":\"x\"}"));
    if (t != NULL) {
        check_null_str(&t->screen_name, "user id with a NUL byte: not the "
                       "author");
    }

    /* hashtags: folded, distinct, in order; the first code wins */

    t = post1(P("," TAGS("[" HT("BuyGiftCard25") "," HT("Confirmed") ","
                HT("buygiftcard25") "," HT("") "," HT("confirmab12CD") ","
                HT("ConfirmZZ99ZZ") "," HT("OTHER") "]")), NULL);
    if (t != NULL) {
        CHECK_INT(t->state, ACT, "v2 hashtags: state");
        check_tags(t, "buygiftcard25,confirmed,confirmab12cd,confirmzz99zz,"
                   "other", "v2 hashtags");
        CHECK_INT(t->has_code, 1, "v2 hashtags: has_code");
        CHECK_STR(t->code, 6, "AB12CD", "v2 hashtags: the first code");
        CHECK_INT(t->retweet_confirm, 0, "v2 hashtags: no retweet");
    }

    /* note_tweet / note_post replace the post's own hashtags */

    t = post1(P("," TAGS("[" HT("Short") "]") ",\"note_tweet\":{\"text\":"
                "\"long\"," TAGS("[" HT("Long") "," HT("Confirm7kq2xd") "]")
                "}"), NULL);
    if (t != NULL) {
        check_tags(t, "long,confirm7kq2xd", "note_tweet hashtags");
        CHECK_STR(t->code, 6, "7KQ2XD", "note_tweet code");
    }

    t = post1(P("," TAGS("[" HT("Short") "]") ",\"note_post\":{"
                TAGS("[" HT("Long") "]") "}"), NULL);
    if (t != NULL) {
        check_tags(t, "long", "note_post hashtags");
    }

    t = post1(P("," TAGS("[" HT("Short") "]") ",\"note_tweet\":null,"
                "\"note_post\":{" TAGS("[" HT("Long") "]") "}"), NULL);
    if (t != NULL) {
        check_tags(t, "long", "note_tweet null, note_post read");
    }

    t = post1(P("," TAGS("[" HT("Short") "]") ",\"note_tweet\":{"
                TAGS("[" HT("Long") "]") "},\"note_post\":{"
                TAGS("[" HT("Other") "]") "}"), NULL);
    if (t != NULL) {
        check_tags(t, "long", "note_tweet before note_post");
    }

    t = post1(P("," TAGS("[" HT("Short") "]") ",\"note_tweet\":{"
                "\"text\":\"no entities\"}"), NULL);
    if (t != NULL) {
        check_tags(t, "short", "note_tweet without entities: own hashtags");
    }

    t = post1(P("," TAGS("[" HT("Short") "]") ",\"note_tweet\":{"
                "\"entities\":{\"hashtags\":[]}}"), NULL);
    if (t != NULL) {
        CHECK_INT(t->state, NOH, "note_tweet with no hashtags: no_hashtag");
    }
}


static void
test_v2_edits(void)
{
    ngx_http_hashpay_tweet_t  *t;

    /* v2: the first id of the edit history, whichever spelling */

    t = post1(P(",\"edit_history_tweet_ids\":[\"5\",\"6\",\"7\"]," PGOOD),
              NULL);
    if (t != NULL) {
        CHECK_INT(t->state, ACT, "edit: state");
        CHECK_NGX_STR(t->id, "7", "edit: the delivered id");
        CHECK_NGX_STR(t->root_id, "5", "edit: the first id");
    }

    t = post1(P(",\"edit_history_post_ids\":[\"5\",\"7\"]"), NULL);
    if (t != NULL) {
        CHECK_INT(t->state, NOH, "edit (post_ids): state");
        CHECK_NGX_STR(t->root_id, "5", "edit (post_ids): the first id");
    }

    t = post1(P(",\"edit_history_tweet_ids\":null,"
                "\"edit_history_post_ids\":[\"4\"]"), NULL);
    if (t != NULL) {
        CHECK_NGX_STR(t->root_id, "4", "tweet_ids null: post_ids");
    }

    t = post1(P(",\"edit_history_tweet_ids\":[\"3\"],"
                "\"edit_history_post_ids\":[\"4\"]"), NULL);
    if (t != NULL) {
        CHECK_NGX_STR(t->root_id, "3", "tweet_ids before post_ids");
    }

    t = post1(P(",\"edit_history_tweet_ids\":[]"), NULL);
    if (t != NULL) {
        CHECK_NGX_STR(t->root_id, "7", "empty history: own id");
    }

    t = post1(P(",\"edit_history_tweet_ids\":[\"7\"]"), NULL);
    if (t != NULL) {
        CHECK_NGX_STR(t->root_id, "7", "history of itself");
    }

    t = post1(P(""), NULL);
    if (t != NULL) {
        CHECK_NGX_STR(t->root_id, "7", "no history: own id");
    }

    t = post1(P(",\"edit_history_tweet_ids\":[\"00000000000000000005\"]"),
              NULL);
    if (t != NULL) {
        CHECK_NGX_STR(t->root_id, "00000000000000000005",
                      "history id kept as a string");
    }

    t = stream1(P(",\"edit_history_tweet_ids\":[\"6\",\"7\"]"), NULL);
    if (t != NULL) {
        CHECK_NGX_STR(t->root_id, "6", "stream: the first id");
    }

    /* v1.1: edit_history.initial_tweet_id */

    t = one("{" ID ",\"edit_history\":{\"initial_tweet_id\":\"5\","
            "\"edit_tweet_ids\":[\"5\",\"7\"]}," USER "," GOOD "}", &conf);
    if (t != NULL) {
        CHECK_INT(t->state, ACT, "v1.1 edit: state");
        CHECK_NGX_STR(t->id, "7", "v1.1 edit: the delivered id");
        CHECK_NGX_STR(t->root_id, "5", "v1.1 edit: initial_tweet_id");
    }

    t = one("{" ID "," USER "," GOOD "}", &conf);
    if (t != NULL) {
        CHECK_NGX_STR(t->root_id, "7", "v1.1 without edit_history");
    }

    t = one("{" ID ",\"edit_history\":null," USER "}", &conf);
    if (t != NULL) {
        CHECK_INT(t->state, NOH, "v1.1 edit_history null: state");
        CHECK_NGX_STR(t->root_id, "7", "v1.1 edit_history null");
    }

    t = one("{" ID ",\"edit_history\":{}," USER "}", &conf);
    if (t != NULL) {
        CHECK_NGX_STR(t->root_id, "7", "v1.1 edit_history empty");
    }

    t = one("{" ID ",\"edit_history\":{\"initial_tweet_id\":null}," USER "}",
            &conf);
    if (t != NULL) {
        CHECK_INT(t->state, NOH, "v1.1 initial_tweet_id null: state");
        CHECK_NGX_STR(t->root_id, "7", "v1.1 initial_tweet_id null");
    }

    t = one("{" ID ",\"edit_history\":\"5\"," USER "," GOOD "}", &conf);
    CHECK(t != NULL && t->state == MAL
          && strcmp(t->bad_field, "edit_history") == 0,
          "v1.1 edit_history a string");

    t = one("{" ID ",\"edit_history\":[\"5\"]," USER "}", &conf);
    CHECK(t != NULL && t->state == MAL
          && strcmp(t->bad_field, "edit_history") == 0,
          "v1.1 edit_history an array");

    t = one("{" ID ",\"edit_history\":{\"initial_tweet_id\":5}," USER "}",
            &conf);
    CHECK(t != NULL && t->state == MAL
          && strcmp(t->bad_field, "edit_history.initial_tweet_id") == 0,
          "v1.1 initial_tweet_id a number");

    t = one("{" ID ",\"edit_history\":{\"initial_tweet_id\":\"\"}," USER "}",
            &conf);
    CHECK(t != NULL && t->state == MAL
          && strcmp(t->bad_field, "edit_history.initial_tweet_id") == 0,
          "v1.1 initial_tweet_id empty");

    t = one("{" ID ",\"edit_history\":{\"initial_tweet_id\":\"5x\"}," USER
            "}", &conf);
    CHECK(t != NULL && t->state == MAL
          && strcmp(t->bad_field, "edit_history.initial_tweet_id") == 0
          && t->id.len == 1,
          "v1.1 initial_tweet_id letters, id kept");

    t = one("{\"id_str\":7,\"edit_history\":5," USER "}", &conf);
    CHECK(t != NULL && t->state == MAL && strcmp(t->bad_field, "id_str") == 0,
          "v1.1 id_str before edit_history");
}


static void
test_v2_reposts(void)
{
    ngx_http_hashpay_tweet_t  *t;

    static const post_want_t  confirms = {
        ACT, "7", "7", "42", "bob", -1, -1, "confirm7kq2xd", "7KQ2XD", 1
    };

    /* the reposted post in includes.tweets, includes.posts, wrapped */

    t = post1(P(RTD("8")), "{\"users\":[" BOB "],\"tweets\":["
              OPPOST("," PCODE) "]}");
    if (t != NULL) {
        check_post(t, &confirms, "repost, includes.tweets");
    }

    t = post1(P(RTD("8")), "{\"users\":[" BOB "],\"posts\":["
              OPPOST("," PCODE) "]}");
    if (t != NULL) {
        check_post(t, &confirms, "repost, includes.posts");
    }

    t = post1(P(RTD("8")), "{\"users\":[" BOB "],\"tweets\":null,\"posts\":["
              "{\"data\":" OPPOST("," PCODE) "}]}");
    if (t != NULL) {
        check_post(t, &confirms, "repost, includes.posts wrapped");
    }

    t = post1(P(RTD("8")), "{\"users\":[{\"data\":" BOB "}],\"tweets\":["
              "5,{\"id\":\"9\",\"author_id\":\"15234567\"},"
              "{\"data\":" OPPOST("," PCODE) "},"
              "{\"id\":\"8\",\"author_id\":\"43\"}]}");
    if (t != NULL) {
        check_post(t, &confirms, "repost, the first entry with the id");
    }

    t = stream1(P(RTD("8")), "{\"users\":[" BOB "],\"tweets\":[{\"data\":"
                OPPOST("," PCODE) "}]}");
    if (t != NULL) {
        check_post(t, &confirms, "stream repost, wrapped");
    }

    t = post1(P(",\"referenced_posts\":[{\"type\":\"quoted\",\"id\":\"9\"},"
                "{\"type\":\"retweeted\",\"id\":\"8\"}]"),
              "{\"users\":[" BOB "],\"posts\":[" OPPOST("," PCODE) "]}");
    if (t != NULL) {
        check_post(t, &confirms, "repost, referenced_posts");
    }

    /* only the first retweeted reference is the reposted post */

    t = post1(P(",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"9\"},"
                "{\"type\":\"retweeted\",\"id\":\"8\"}]"),
              ITW(OPPOST("," PCODE)));
    if (t != NULL) {
        CHECK_INT(t->state, RT, "second retweeted reference: not read");
    }

    /* the reposted post's note_tweet, its first code, all its hashtags */

    t = post1(P(RTD("8")), ITW(OPPOST("," PGOOD ",\"note_tweet\":{"
              TAGS("[" HT("Offer") "," HT("CONFIRMab12cd") ","
                   HT("Confirm7KQ2XD") "]") "}")));
    if (t != NULL) {
        CHECK_INT(t->state, ACT, "repost of a long post: state");
        check_tags(t, "offer,confirmab12cd,confirm7kq2xd",
                   "repost of a long post: its note's hashtags");
        CHECK_STR(t->code, 6, "AB12CD", "repost of a long post: code");
        CHECK_INT(t->retweet_confirm, 1, "repost of a long post: confirm");
    }

    /* the repost's own hashtags never count when the post is found */

    t = post1(P(RTD("8") "," PCODE), ITW(OPPOST("," PGOOD)));
    if (t != NULL) {
        CHECK_INT(t->state, RT, "repost: own code, reposted post without");
        CHECK_NULL(t->hashtags, "repost: no hashtags");
    }

    /* a reposted post of the second operator account */

    t = post1(P(RTD("8")), ITW("{\"id\":\"8\",\"author_id\":\"99\"," PCODE
                               "}"));
    if (t != NULL) {
        CHECK_INT(t->state, RT, "repost of 99, one operator configured");
    }

    t = post1_conf(P(RTD("8")), ITW("{\"id\":\"8\",\"author_id\":\"99\","
                                    PCODE "}"), &conf_two);
    if (t != NULL) {
        CHECK_INT(t->state, ACT, "repost of 99, two operators configured");
        CHECK_INT(t->retweet_confirm, 1, "repost of 99: confirms");
    }

    /* a bare repost: the first mention, the repost's own hashtags */

    t = post1(P(RTD("8") BARE(OPM ",{\"id\":\"42\"}", HT("Other") ","
                HT("confirm7KQ2XD"))), USERS(BOB));
    if (t != NULL) {
        CHECK_INT(t->state, ACT, "bare repost: state");
        CHECK_NGX_STR(t->author_id, "42", "bare repost: the reposter acts");
        CHECK_NGX_STR(t->screen_name, "bob", "bare repost: screen name");
        check_tags(t, "other,confirm7kq2xd", "bare repost: own hashtags");
        CHECK_STR(t->code, 6, "7KQ2XD", "bare repost: code");
        CHECK_INT(t->retweet_confirm, 1, "bare repost: retweet_confirm");
    }

    t = post1(P(RTD("8") BARE("{\"id\":\"015234567\"}", HT("Confirm7KQ2XD"))),
              NULL);
    if (t != NULL) {
        CHECK_INT(t->state, RT, "bare repost: mention 015234567 no operator");
    }

    t = post1(P(RTD("8") BARE(OPM, HT("Confirm7KQ2XD"))),
              "{\"tweets\":[],\"posts\":[" OPPOST("," PGOOD) "]}");
    if (t != NULL) {
        CHECK_INT(t->state, ACT, "includes.tweets empty: posts not read, "
                  "bare");
    }

    /* the operator's own repost never acts */

    t = post1("{" PID ",\"author_id\":\"15234567\"" RTD("8")
              BARE(OPM, HT("Confirm7KQ2XD")) "}", NULL);
    if (t != NULL) {
        CHECK_INT(t->state, OP, "operator's bare repost: operator");
    }
}


static void
test_envelopes(void)
{
    ngx_uint_t                    i;
    ngx_http_hashpay_delivery_t   d;

    static const struct {
        const char  *json;
        ngx_uint_t   format;
    } declined[] = {

        /* Filtered Stream: data not an object */

        { "{\"matching_rules\":[],\"data\":[]}",
          NGX_HTTP_HASHPAY_FORMAT_STREAM },
        { "{\"matching_rules\":[],\"data\":[" P("," PGOOD) "]}",
          NGX_HTTP_HASHPAY_FORMAT_STREAM },
        { "{\"matching_rules\":[]}", NGX_HTTP_HASHPAY_FORMAT_STREAM },
        { "{\"matching_rules\":null}", NGX_HTTP_HASHPAY_FORMAT_STREAM },
        { "{\"matching_rules\":[],\"data\":null}",
          NGX_HTTP_HASHPAY_FORMAT_STREAM },
        { "{\"matching_rules\":5,\"data\":\"x\"}",
          NGX_HTTP_HASHPAY_FORMAT_STREAM },
        { "{\"matching_rules\":{},\"data\":7}",
          NGX_HTTP_HASHPAY_FORMAT_STREAM },
        { "{\"matching_rules\":[],\"data\":true,"
          "\"tweet_create_events\":[{" ID "," USER "," GOOD "}]}",
          NGX_HTTP_HASHPAY_FORMAT_STREAM },

        /* X Activity API: data neither an object nor objects */

        { "{\"data\":null}", NGX_HTTP_HASHPAY_FORMAT_XAA },
        { "{\"data\":5}", NGX_HTTP_HASHPAY_FORMAT_XAA },
        { "{\"data\":\"x\"}", NGX_HTTP_HASHPAY_FORMAT_XAA },
        { "{\"data\":true}", NGX_HTTP_HASHPAY_FORMAT_XAA },
        { "{\"data\":[5]}", NGX_HTTP_HASHPAY_FORMAT_XAA },
        { "{\"data\":[null]}", NGX_HTTP_HASHPAY_FORMAT_XAA },
        { "{\"data\":[[]]}", NGX_HTTP_HASHPAY_FORMAT_XAA },
        { "{\"data\":[{},\"x\"]}", NGX_HTTP_HASHPAY_FORMAT_XAA },
        { "{\"data\":[{\"event_type\":\"post.create\",\"payload\":"
          P("," PGOOD) "},{\"event_type\":\"oauth.revoke\",\"payload\":"
          "{\"user_id\":\"42\"}},7]}", NGX_HTTP_HASHPAY_FORMAT_XAA },
        { "{\"data\":[{\"event_type\":\"oauth.revoke\",\"payload\":"
          "{\"user_id\":\"42\"}},[{\"event_type\":\"post.create\"}]]}",
          NGX_HTTP_HASHPAY_FORMAT_XAA },
        { "{\"data\":5,\"tweet_create_events\":[]}",
          NGX_HTTP_HASHPAY_FORMAT_XAA },

        /* Account Activity */

        { "{\"tweet_create_events\":{}}", NGX_HTTP_HASHPAY_FORMAT_AAA },
        { "{\"tweet_create_events\":null,\"Data\":{}}",
          NGX_HTTP_HASHPAY_FORMAT_AAA },
    };

    static const struct {
        const char  *json;
        ngx_uint_t   format;
        ngx_uint_t   nposts;
    } ok[] = {
        { "{\"data\":[]}", NGX_HTTP_HASHPAY_FORMAT_XAA, 0 },
        { "{\"data\":{}}", NGX_HTTP_HASHPAY_FORMAT_XAA, 0 },
        { "{\"data\":[{}]}", NGX_HTTP_HASHPAY_FORMAT_XAA, 0 },
        { "{\"data\":[{},{}]}", NGX_HTTP_HASHPAY_FORMAT_XAA, 0 },

        /* data decides over tweet_create_events */
        { "{\"data\":[],\"tweet_create_events\":[{" ID "," USER "," GOOD
          "}],\"user_event\":{\"revoke\":{\"source\":{\"user_id\":\"42\"}}}}",
          NGX_HTTP_HASHPAY_FORMAT_XAA, 0 },
        { "{\"data\":[],\"tweet_create_events\":5}",
          NGX_HTTP_HASHPAY_FORMAT_XAA, 0 },

        /* matching_rules decides over data's XAA reading */
        { "{\"matching_rules\":[],\"data\":{\"event_type\":\"post.create\","
          "\"payload\":" P("," PGOOD) "}}", NGX_HTTP_HASHPAY_FORMAT_STREAM,
          1 },
        { "{\"matching_rules\":\"x\",\"data\":" P("," PGOOD) ","
          "\"tweet_create_events\":5}", NGX_HTTP_HASHPAY_FORMAT_STREAM, 1 },
        { "{\"matching_rules\":null,\"data\":" P("") "}",
          NGX_HTTP_HASHPAY_FORMAT_STREAM, 1 },
        { "{\"data\":" P("," PGOOD) "}", NGX_HTTP_HASHPAY_FORMAT_XAA, 0 },

        /* neither: Account Activity */
        { "{}", NGX_HTTP_HASHPAY_FORMAT_AAA, 0 },
        { "{\"Data\":5,\"DATA\":[1],\"matching_rule\":[],\"includes\":5}",
          NGX_HTTP_HASHPAY_FORMAT_AAA, 0 },
        { "{\"tweet_create_events\":[{" ID "," USER "," GOOD "}],"
          "\"event_type\":\"post.create\"}", NGX_HTTP_HASHPAY_FORMAT_AAA,
          1 },
    };

    for (i = 0; i < sizeof(declined) / sizeof(declined[0]); i++) {
        ngx_memset(&d, 0xa5, sizeof(d));

        CHECK_INT(delivery(declined[i].json, &d), NGX_DECLINED,
                  declined[i].json);
        CHECK(d.format == declined[i].format, "%s: format %d",
              declined[i].json, (int) d.format);
        CHECK((d.tweets == NULL || d.tweets->nelts == 0)
              && (d.revokes == NULL || d.revokes->nelts == 0),
              "%s: nothing read", declined[i].json);
    }

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        ngx_memset(&d, 0xa5, sizeof(d));

        CHECK_INT(delivery(ok[i].json, &d), NGX_OK, ok[i].json);
        CHECK(d.format == ok[i].format, "%s: format %d", ok[i].json,
              (int) d.format);
        CHECK(d.tweets != NULL && d.tweets->nelts == ok[i].nposts,
              "%s: %lu posts", ok[i].json, (unsigned long) ok[i].nposts);
        CHECK(d.revokes != NULL && d.revokes->nelts == 0, "%s: no revokes",
              ok[i].json);
    }

    /* the stream's post is read with the top-level includes */

    CHECK_INT(delivery("{\"matching_rules\":[],\"data\":" P("," PGOOD) ","
                       "\"includes\":" USERS(BOB) "}", &d),
              NGX_OK, "stream includes: rc");

    if (d.tweets != NULL && d.tweets->nelts == 1) {
        CHECK_NGX_STR(((ngx_http_hashpay_tweet_t *) d.tweets->elts)
                      ->screen_name, "bob", "stream: top-level includes");
    }

    CHECK_INT(delivery("{\"matching_rules\":[],\"data\":{" PID "," PAUTH ","
                       PGOOD ",\"includes\":" USERS(BOB) "}}", &d),
              NGX_OK, "stream data.includes: rc");

    if (d.tweets != NULL && d.tweets->nelts == 1) {
        check_null_str(&((ngx_http_hashpay_tweet_t *) d.tweets->elts)
                       ->screen_name, "stream: data.includes not read");
    }

    /* the XAA event's own includes, not the body's */

    CHECK_INT(delivery("{\"data\":{\"event_type\":\"post.create\","
                       "\"payload\":" P("") "},\"includes\":" USERS(BOB) "}",
                       &d),
              NGX_OK, "XAA top-level includes: rc");

    if (d.tweets != NULL && d.tweets->nelts == 1) {
        check_null_str(&((ngx_http_hashpay_tweet_t *) d.tweets->elts)
                       ->screen_name, "XAA: top-level includes not read");
    }

    CHECK_INT(delivery("{\"data\":{\"event_type\":\"post.create\","
                       "\"payload\":{" PID "," PAUTH ",\"includes\":"
                       USERS(BOB) "}}}", &d),
              NGX_OK, "XAA payload.includes: rc");

    if (d.tweets != NULL && d.tweets->nelts == 1) {
        check_null_str(&((ngx_http_hashpay_tweet_t *) d.tweets->elts)
                       ->screen_name, "XAA: payload.includes not read");
    }

    /* revokes are not read from the other shapes' envelopes */

    CHECK_INT(delivery("{\"matching_rules\":[],\"data\":" P("") ","
                       "\"user_event\":{\"revoke\":{\"source\":"
                       "{\"user_id\":\"42\"}}}}", &d),
              NGX_OK, "stream with user_event: rc");
    CHECK(d.revokes != NULL && d.revokes->nelts == 0,
          "stream: user_event.revoke not read");

    CHECK_INT(delivery("{\"data\":[],\"user_event\":{\"revoke\":{\"source\":"
                       "{\"user_id\":\"42\"}}}}", &d),
              NGX_OK, "XAA with user_event: rc");
    CHECK(d.revokes != NULL && d.revokes->nelts == 0,
          "XAA: user_event.revoke not read");
}


static void
test_xaa_nothing(void)
{
    char                          text[512];
    ngx_uint_t                    i;
    ngx_http_hashpay_delivery_t   d;

    /* event types that contribute nothing, with a payload that would */

    static const char  *types[] = {
        "\"post.delete\"", "\"like.create\"", "\"like.delete\"",
        "\"follow.create\"", "\"follow.delete\"", "\"profile.update\"",
        "\"dm.received\"", "\"spaces.start\"", "\"post\"", "\"create\"",
        "\"Post.Create\"", "\"POST.CREATE\"", "\"post.create \"",
        "\" post.create\"", "\"post.create\\u0000\"", "\"post_create\"",
        "\"post.created\"", "\"tweet.create\"", "\"post.repost.delete\"",
        "\"user_event.revoke\"", "\"oauth.revoked\"", "\"OAuth.Revoke\"",
        "\"oauth.revoke\\u0000\"", "\"\"", "5", "null", "true", "[]", "{}",
        "[\"post.create\"]", "{\"name\":\"post.create\"}",
    };

    static const char  *posts[] = {
        "post.create", "post.mention.create", "post.reply.create",
        "post.quote.create", "post.repost.create"
    };

    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        snprintf(text, sizeof(text), "{\"data\":{\"event_type\":%s,"
                 "\"payload\":{" PID "," PAUTH "," PGOOD ","
                 "\"user_id\":\"42\"}}}", types[i]);

        CHECK_INT(delivery(text, &d), NGX_OK, types[i]);
        CHECK(d.tweets != NULL && d.tweets->nelts == 0
              && d.revokes != NULL && d.revokes->nelts == 0,
              "event_type %s: nothing", types[i]);
    }

    /* no event_type at all */

    CHECK_INT(delivery("{\"data\":{\"payload\":" P("," PGOOD) "}}", &d),
              NGX_OK, "no event_type: rc");
    CHECK(d.tweets != NULL && d.tweets->nelts == 0, "no event_type: none");

    /* the five post types each read their payload */

    for (i = 0; i < sizeof(posts) / sizeof(posts[0]); i++) {
        snprintf(text, sizeof(text), "{\"data\":{\"event_type\":\"%s\","
                 "\"payload\":" P("," PGOOD) "}}", posts[i]);

        CHECK_INT(delivery(text, &d), NGX_OK, posts[i]);
        CHECK(d.tweets != NULL && d.tweets->nelts == 1
              && ((ngx_http_hashpay_tweet_t *) d.tweets->elts)->state == ACT,
              "%s: one post that acts", posts[i]);
    }
}


static void
test_xaa_revokes(void)
{
    char                          text[512];
    ngx_uint_t                    i;
    ngx_http_hashpay_delivery_t   d;

    static const struct {
        const char  *payload;   /* NULL: absent */
        const char  *user;
        int64_t      date_time;
        const char  *bad;
    } revokes[] = {
        { "{\"user_id\":\"42\",\"date_time\":\"2026-12-01T10:40:12+00:00\"}",
          "42", 1796121612000LL, NULL },
        { "{\"user_id\":\"42\",\"date_time\":\"" T_1000 "\"}", "42",
          MS_1000, NULL },
        { "{\"user_id\":\"42\",\"date_time\":\"2026-12-01T11:00:00.5+0100\"}",
          "42", MS_1000 + 500, NULL },
        { "{\"user_id\":\"42\"}", "42", -1, NULL },
        { "{\"user_id\":\"42\",\"date_time\":null}", "42", -1, NULL },
        { "{\"user_id\":\"42\",\"date_time\":1796121612000}", "42", -1,
          NULL },
        { "{\"user_id\":\"42\",\"date_time\":\"x\"}", "42", -1, NULL },
        { "{\"user_id\":\"42\",\"date_time\":\"2026-12-01\"}", "42", -1,
          NULL },
        { "{\"user_id\":\"42\",\"date_time\":\"1969-12-31T23:59:59Z\"}",
          "42", -1, NULL },
        { "{\"user_id\":\"42\","
          "\"date_time\":\"Tue Dec 01 10:40:12 +0000 2026\"}", "42", -1,
          NULL },
        { "{\"user_id\":\"12345678901234567890\",\"app_id\":5,"
          "\"date_time\":{}}", "12345678901234567890", -1, NULL },
        { NULL, NULL, -1, "payload" },
        { "null", NULL, -1, "payload" },
        { "5", NULL, -1, "payload" },
        { "\"42\"", NULL, -1, "payload" },
        { "[{\"user_id\":\"42\"}]", NULL, -1, "payload" },
        { "{}", NULL, -1, "payload.user_id" },
        { "{\"user_id\":42}", NULL, -1, "payload.user_id" },
        { "{\"user_id\":null}", NULL, -1, "payload.user_id" },
        { "{\"user_id\":\"\"}", NULL, -1, "payload.user_id" },
        { "{\"user_id\":\"4x\"}", NULL, -1, "payload.user_id" },
        { "{\"user_id\":\"-42\"}", NULL, -1, "payload.user_id" },
        { "{\"user_id\":\"123456789012345678901\"}", NULL, -1,
          "payload.user_id" },
        { "{\"user_id\":\"4\\u00002\"}", NULL, -1, "payload.user_id" },
        { "{\"user\":{\"id\":\"42\"}}", NULL, -1, "payload.user_id" },
        { "{\"user_id\":[\"42\"],\"date_time\":\"" T_1000 "\"}", NULL, -1,
          "payload.user_id" },
    };

    for (i = 0; i < sizeof(revokes) / sizeof(revokes[0]); i++) {
        if (revokes[i].payload != NULL) {
            snprintf(text, sizeof(text), "{\"data\":{\"event_type\":"
                     "\"oauth.revoke\",\"payload\":%s}}", revokes[i].payload);

        } else {
            snprintf(text, sizeof(text), "{\"data\":{\"event_type\":"
                     "\"oauth.revoke\"}}");
        }

        CHECK_INT(delivery(text, &d), NGX_OK, text);
        CHECK(d.tweets != NULL && d.tweets->nelts == 0, "%s: no post", text);
        CHECK(d.revokes != NULL && d.revokes->nelts == 1, "%s: one revoke",
              text);

        check_revoke(&d, 0, "oauth.revoke", revokes[i].user,
                     revokes[i].date_time, revokes[i].bad, 0, text);
    }

    /* user_event.revoke: date_time (ISO 8601), after the tweets */

    CHECK_INT(delivery("{\"tweet_create_events\":[{" ID "," USER "},5],"
                       "\"user_event\":{\"revoke\":{\"date_time\":"
                       "\"2026-12-01T10:40:12+00:00\",\"source\":"
                       "{\"user_id\":\"" ALICE "\"}}}}", &d),
              NGX_OK, "AAA revoke dated: rc");
    check_revoke(&d, 0, "user_event.revoke", ALICE, 1796121612000LL, NULL, 2,
                 "AAA revoke dated");

    CHECK_INT(delivery("{\"user_event\":{\"revoke\":{\"date_time\":"
                       "\"Tue Dec 01 10:40:12 +0000 2026\",\"source\":"
                       "{\"user_id\":\"42\"}}}}", &d),
              NGX_OK, "AAA revoke, v1.1 date: rc");
    check_revoke(&d, 0, "user_event.revoke", "42", -1, NULL, 0,
                 "AAA revoke, v1.1 date: not parsed");

    CHECK_INT(delivery("{\"user_event\":{\"revoke\":{\"date_time\":5,"
                       "\"source\":{\"user_id\":\"42\"}}}}", &d),
              NGX_OK, "AAA revoke, date a number: rc");
    check_revoke(&d, 0, "user_event.revoke", "42", -1, NULL, 0,
                 "AAA revoke, date a number");

    CHECK_INT(delivery("{\"tweet_create_events\":[{" ID "," USER "}],"
                       "\"user_event\":{\"revoke\":{\"date_time\":"
                       "\"2026-12-01T10:40:12Z\",\"source\":{}}}}", &d),
              NGX_OK, "AAA revoke malformed, dated: rc");
    check_revoke(&d, 0, "user_event.revoke", NULL, -1,
                 "user_event.revoke.source.user_id", 1,
                 "AAA revoke malformed, dated");

    /* the example, field by field */

    CHECK_INT(ngx_http_hashpay_delivery_read(example("user_event_revoke.json"),
                                             &conf, pool, &d),
              NGX_OK, "user_event_revoke.json: rc");
    CHECK(d.revokes != NULL && d.revokes->nelts == 1,
          "user_event_revoke.json: one revoke");
    CHECK(d.revokes != NULL && d.revokes->nelts > 0
          && strcmp(((ngx_http_hashpay_revoke_t *) d.revokes->elts)->kind,
                    "user_event.revoke") == 0,
          "user_event_revoke.json: kind");
}


static void
test_xaa_order(void)
{
    ngx_http_hashpay_tweet_t     *t;
    ngx_http_hashpay_delivery_t   d;

    /*
     * posts and revokes in array order; each revoke knows how many posts
     * came before it; events that contribute nothing leave no trace
     */

    CHECK_INT(delivery("{\"data\":["
                       "{\"event_type\":\"oauth.revoke\",\"payload\":"
                       "{\"user_id\":\"41\",\"date_time\":\"" T_1000 "\"}},"
                       "{\"event_type\":\"post.create\",\"payload\":"
                       "{\"id\":\"1\"," PAUTH "," PGOOD "}},"
                       "{\"event_type\":\"like.create\",\"payload\":"
                       "{\"id\":\"2\"," PAUTH "," PGOOD "}},"
                       "{\"event_type\":\"oauth.revoke\",\"payload\":5},"
                       "{\"event_type\":\"post.mention.create\",\"payload\":"
                       "{\"id\":\"3\"," PAUTH "," TAGS("[5]") "}},"
                       "{\"event_type\":\"post.reply.create\",\"payload\":7},"
                       "{\"event_type\":\"post.repost.create\",\"payload\":"
                       "{\"id\":\"5\",\"author_id\":\"15234567\"}},"
                       "{\"event_type\":\"oauth.revoke\",\"payload\":"
                       "{\"user_id\":\"42\"}},"
                       "{\"event_type\":\"oauth.revoke\",\"payload\":"
                       "{\"user_id\":42}},"
                       "{\"event_type\":7},"
                       "{\"event_type\":\"post.quote.create\",\"payload\":"
                       "{\"id\":\"6\",\"author_id\":\"43\","
                       TAGS("[" HT("confirmab12cd") "]") "},"
                       "\"includes\":" USERS("{\"id\":\"43\","
                       "\"username\":\"eve\"}") "},"
                       "{\"event_type\":\"oauth.revoke\",\"payload\":"
                       "{\"user_id\":\"43\",\"date_time\":"
                       "\"2026-12-01T11:00:00+01:00\"}}"
                       "]}", &d),
              NGX_OK, "XAA order: rc");

    CHECK(d.format == NGX_HTTP_HASHPAY_FORMAT_XAA, "XAA order: format");
    CHECK(d.tweets != NULL && d.tweets->nelts == 5, "XAA order: 5 posts");
    CHECK(d.revokes != NULL && d.revokes->nelts == 5, "XAA order: 5 revokes");

    if (d.tweets != NULL && d.tweets->nelts == 5) {
        t = d.tweets->elts;

        CHECK_NGX_STR(t[0].id, "1", "XAA order: post 0");
        CHECK_INT(t[0].state, ACT, "XAA order: post 0 acts");
        CHECK_NGX_STR(t[1].id, "3", "XAA order: post 1");
        CHECK_INT(t[1].state, MAL, "XAA order: post 1 malformed");
        CHECK(t[1].bad_field != NULL
              && strcmp(t[1].bad_field, "entities.hashtags[]") == 0,
              "XAA order: post 1 bad_field");
        check_null_str(&t[2].id, "XAA order: post 2 without id");
        CHECK(t[2].state == MAL && t[2].bad_field != NULL
              && strcmp(t[2].bad_field, "payload") == 0,
              "XAA order: post 2 payload malformed");
        CHECK_NGX_STR(t[3].id, "5", "XAA order: post 3");
        CHECK_INT(t[3].state, OP, "XAA order: post 3 operator");
        CHECK_NGX_STR(t[4].id, "6", "XAA order: post 4");
        CHECK_INT(t[4].state, ACT, "XAA order: post 4 acts");
        CHECK_STR(t[4].code, 6, "AB12CD", "XAA order: post 4 code");
        CHECK_NGX_STR(t[4].screen_name, "eve",
                      "XAA order: post 4 its own includes");
        check_null_str(&t[0].screen_name,
                       "XAA order: post 0 not another event's includes");
    }

    check_revoke(&d, 0, "oauth.revoke", "41", MS_1000, NULL, 0,
                 "XAA order");
    check_revoke(&d, 1, "oauth.revoke", NULL, -1, "payload", 1, "XAA order");
    check_revoke(&d, 2, "oauth.revoke", "42", -1, NULL, 4, "XAA order");
    check_revoke(&d, 3, "oauth.revoke", NULL, -1, "payload.user_id", 4,
                 "XAA order");
    check_revoke(&d, 4, "oauth.revoke", "43", MS_1000, NULL, 5, "XAA order");

    /* a revoke before any post and one after all of them */

    CHECK_INT(delivery("{\"data\":["
                       "{\"event_type\":\"oauth.revoke\",\"payload\":"
                       "{\"user_id\":\"42\"}},"
                       "{\"event_type\":\"oauth.revoke\",\"payload\":"
                       "{\"user_id\":\"43\"}}]}", &d),
              NGX_OK, "two revokes: rc");
    CHECK(d.tweets != NULL && d.tweets->nelts == 0, "two revokes: no post");
    CHECK(d.revokes != NULL && d.revokes->nelts == 2, "two revokes");
    check_revoke(&d, 0, "oauth.revoke", "42", -1, NULL, 0, "two revokes");
    check_revoke(&d, 1, "oauth.revoke", "43", -1, NULL, 0, "two revokes");

    /* the same post twice (post.create and post.mention.create): two */

    CHECK_INT(delivery("{\"data\":["
                       "{\"event_type\":\"post.create\",\"payload\":"
                       P("," PGOOD) "},"
                       "{\"event_type\":\"post.mention.create\",\"payload\":"
                       P("," PGOOD) "}]}", &d),
              NGX_OK, "same post twice: rc");
    CHECK(d.tweets != NULL && d.tweets->nelts == 2,
          "same post twice: two posts (Redis dedupes)");

    /* many events: no limit but the body's */

    check_many_events();
}


static void
check_many_events(void)
{
    char                          id[32];
    json_t                       *root, *events, *ev, *payload;
    ngx_uint_t                    i, bad;
    ngx_http_hashpay_tweet_t     *t;
    ngx_http_hashpay_revoke_t    *rv;
    ngx_http_hashpay_delivery_t   d;

    /* 3000 events: a post, a revoke, a like, again and again */

    root = json_object();
    events = json_array();
    json_object_set_new(root, "data", events);

    for (i = 0; i < 3000; i++) {
        ev = json_object();
        payload = json_object();
        snprintf(id, sizeof(id), "%lu", (unsigned long) (i + 1));

        json_object_set_new(ev, "payload", payload);
        json_object_set_new(payload, "id", json_string(id));
        json_object_set_new(payload, "author_id", json_string("42"));
        json_object_set_new(payload, "user_id", json_string(id));

        json_object_set_new(ev, "event_type",
                            json_string(i % 3 == 0 ? "post.create"
                                        : i % 3 == 1 ? "oauth.revoke"
                                        : "like.create"));
        json_array_append_new(events, ev);
    }

    docs[ndocs++] = root;

    CHECK_INT(ngx_http_hashpay_delivery_read(root, &conf, pool, &d), NGX_OK,
              "3000 events: rc");
    CHECK(d.tweets != NULL && d.tweets->nelts == 1000, "3000 events: posts");
    CHECK(d.revokes != NULL && d.revokes->nelts == 1000,
          "3000 events: revokes");

    if (d.tweets == NULL || d.tweets->nelts != 1000 || d.revokes == NULL
        || d.revokes->nelts != 1000)
    {
        return;
    }

    t = d.tweets->elts;
    rv = d.revokes->elts;
    bad = 0;

    for (i = 0; i < 1000; i++) {
        snprintf(id, sizeof(id), "%lu", (unsigned long) (3 * i + 1));

        if (t[i].id.len != strlen(id)
            || ngx_memcmp(t[i].id.data, id, t[i].id.len) != 0
            || t[i].state != NOH)
        {
            bad++;
        }

        snprintf(id, sizeof(id), "%lu", (unsigned long) (3 * i + 2));

        if (rv[i].user.len != strlen(id)
            || ngx_memcmp(rv[i].user.data, id, rv[i].user.len) != 0
            || rv[i].before != i + 1 || rv[i].bad_field != NULL)
        {
            bad++;
        }
    }

    CHECK_INT(bad, 0, "3000 events: in order, each revoke after its post");
}


static void
test_alloc_failures_v2(void)
{
    json_t                       *root;
    ngx_int_t                     rc, rc2, budget;
    ngx_uint_t                    i, errors, n, nrv;
    ngx_pool_t                   *p;
    ngx_http_hashpay_delivery_t   d;

    static const char  *files[] = {
        "xaa_post_offer.json", "xaa_post_confirm_reply.json",
        "xaa_post_repost_confirm.json", "xaa_post_repost_confirm_bare.json",
        "xaa_post_long.json", "xaa_post_edit.json", "xaa_post_quote.json",
        "xaa_oauth_revoke.json", "xaa_post_delete.json", "xaa_like.json",
        "stream_post_offer.json", "user_event_revoke.json",
        "tweet_retweet_confirm.json", NULL, NULL, NULL
    };

    /*
     * each example, and bodies with malformed posts (their bad_field
     * names are allocated), with every allocation failing in turn:
     * NGX_ERROR until there is enough, then the answer without failures
     */

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {

        if (files[i] != NULL) {
            root = example(files[i]);

        } else if (i == sizeof(files) / sizeof(files[0]) - 3) {
            root = doc("{\"data\":[{\"event_type\":\"oauth.revoke\","
                       "\"payload\":{\"user_id\":\"41\"}},"
                       "{\"event_type\":\"post.create\",\"payload\":"
                       P(",\"edit_history_post_ids\":[5]") "},"
                       "{\"event_type\":\"post.create\",\"payload\":"
                       P(",\"referenced_posts\":[{\"type\":7}]") "},"
                       "{\"event_type\":\"post.create\",\"payload\":"
                       P(RTD("8")) ",\"includes\":"
                       ITW(OPPOST(",\"note_tweet\":{" TAGS("[{}]") "}"))
                       "},"
                       "{\"event_type\":\"oauth.revoke\",\"payload\":5},"
                       "{\"event_type\":\"post.create\",\"payload\":"
                       P("," TAGS("[" HT("A") "," HT("a") "," HT("B") ","
                         HT("Confirm7KQ2XD") "]")) "}]}");

        } else if (i == sizeof(files) / sizeof(files[0]) - 2) {
            root = doc("{\"matching_rules\":[],\"data\":"
                       P(RTD("8") BARE(OPM, HT("Confirm7KQ2XD") ","
                         HT("x"))) ",\"includes\":{\"users\":["
                       "{\"data\":" BOB "}]}}");

        } else {
            root = doc("{\"data\":[{\"event_type\":\"post.create\","
                       "\"payload\":" P(",\"note_post\":{" TAGS("[5]") "}")
                       "},5]}");
        }

        if (root == NULL) {
            continue;
        }

        ngx_memset(&d, 0, sizeof(d));

        rc = ngx_http_hashpay_delivery_read(root, &conf, pool, &d);
        n = d.tweets ? d.tweets->nelts : 0;
        nrv = d.revokes ? d.revokes->nelts : 0;

        errors = 0;

        for (budget = 0; budget < 4096; budget++) {
            p = ngx_create_pool(4096, NULL);

            ngx_memset(&d, 0, sizeof(d));

            ngx_stub_alloc_budget = budget;
            rc2 = ngx_http_hashpay_delivery_read(root, &conf, p, &d);
            ngx_stub_alloc_budget = -1;

            if (rc2 != NGX_ERROR) {
                CHECK(rc2 == rc, "alloc %s: budget %ld: rc %ld, want %ld",
                      files[i] ? files[i] : "(doc)", (long) budget,
                      (long) rc2, (long) rc);
                CHECK(rc != NGX_OK
                      || (d.tweets->nelts == n && d.revokes->nelts == nrv),
                      "alloc %s: budget %ld: the same answer",
                      files[i] ? files[i] : "(doc)", (long) budget);
                ngx_destroy_pool(p);
                break;
            }

            errors++;
            ngx_destroy_pool(p);
        }

        CHECK(budget < 4096, "alloc %s: succeeds with enough memory",
              files[i] ? files[i] : "(doc)");
        CHECK(errors > 0 || rc == NGX_DECLINED,
              "alloc %s: NGX_ERROR when the first allocation fails",
              files[i] ? files[i] : "(doc)");
    }
}


static json_t *
example(const char *name)
{
    char          path[1200];
    json_t       *root;
    json_error_t  err;

    snprintf(path, sizeof(path), "%s/%s", examples, name);

    root = json_load_file(path, 0, &err);

    CHECK(root != NULL, "load %s: %s", path, root ? "" : err.text);

    if (root != NULL && ndocs < sizeof(docs) / sizeof(docs[0])) {
        docs[ndocs++] = root;
    }

    return root;
}


static json_t *
doc(const char *text)
{
    json_t        *root;
    json_error_t   err;

    root = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);

    if (root == NULL) {
        CHECK(0, "test JSON does not parse: %s: %s", err.text, text);
        return NULL;
    }

    if (ndocs == sizeof(docs) / sizeof(docs[0])) {
        CHECK(0, "too many documents");
        json_decref(root);
        return NULL;
    }

    docs[ndocs++] = root;

    return root;
}


static ngx_int_t
delivery(const char *text, ngx_http_hashpay_delivery_t *d)
{
    json_t  *root;

    root = doc(text);
    if (root == NULL) {
        return NGX_ABORT;
    }

    return ngx_http_hashpay_delivery_read(root, &conf, pool, d);
}


static ngx_http_hashpay_tweet_t *
one(const char *tweet, ngx_http_hashpay_tweet_conf_t *cf)
{
    char                         *text;
    size_t                        len;
    json_t                       *root;
    ngx_int_t                     rc;
    ngx_http_hashpay_delivery_t   d;

    len = strlen(tweet) + sizeof("{\"tweet_create_events\":[]}");
    text = malloc(len);
    snprintf(text, len, "{\"tweet_create_events\":[%s]}", tweet);

    root = doc(text);
    free(text);

    if (root == NULL) {
        return NULL;
    }

    rc = ngx_http_hashpay_delivery_read(root, cf, pool, &d);

    if (rc != NGX_OK || d.tweets == NULL || d.tweets->nelts != 1) {
        CHECK(0, "one tweet read: rc %d: %s", (int) rc, tweet);
        return NULL;
    }

    return d.tweets->elts;
}


static void
check_tags(ngx_http_hashpay_tweet_t *t, const char *want, const char *name)
{
    size_t       len;
    ngx_str_t   *s;
    ngx_uint_t   i;
    const char  *p, *comma;

    if (t->hashtags == NULL) {
        CHECK(0, "%s: no hashtags, want %s", name, want);
        return;
    }

    s = t->hashtags->elts;
    p = want;

    for (i = 0; i < t->hashtags->nelts; i++) {
        if (*p == '\0') {
            CHECK(0, "%s: more hashtags than %s", name, want);
            return;
        }

        comma = strchr(p, ',');
        len = comma ? (size_t) (comma - p) : strlen(p);

        if (!CHECK_MEM(s[i].data, s[i].len, p, len, name)) {
            return;
        }

        p += len + (comma ? 1 : 0);
    }

    CHECK(*p == '\0', "%s: fewer hashtags than %s", name, want);
}


static void
check_null_str(ngx_str_t *s, const char *name)
{
    CHECK(s->len == 0 && s->data == NULL, "%s: ngx_null_string", name);
}


static int64_t
created(const char *s)
{
    return ngx_http_hashpay_parse_created_at((u_char *) s, strlen(s));
}


static ngx_http_hashpay_tweet_t *
post1_conf(const char *payload, const char *includes,
    ngx_http_hashpay_tweet_conf_t *cf)
{
    char                         *text;
    size_t                        len;
    json_t                       *root;
    ngx_int_t                     rc;
    ngx_http_hashpay_delivery_t   d;

    len = strlen(payload) + (includes ? strlen(includes) : 0) + 128;
    text = malloc(len);
    if (text == NULL) {
        return NULL;
    }

    if (includes != NULL) {
        snprintf(text, len, "{\"data\":{\"event_type\":\"post.create\","
                 "\"payload\":%s,\"includes\":%s}}", payload, includes);

    } else {
        snprintf(text, len, "{\"data\":{\"event_type\":\"post.create\","
                 "\"payload\":%s}}", payload);
    }

    root = doc(text);
    free(text);

    if (root == NULL) {
        return NULL;
    }

    rc = ngx_http_hashpay_delivery_read(root, cf, pool, &d);

    if (rc != NGX_OK || d.format != NGX_HTTP_HASHPAY_FORMAT_XAA
        || d.tweets == NULL || d.tweets->nelts != 1
        || d.revokes == NULL || d.revokes->nelts != 0)
    {
        CHECK(0, "one post read: rc %d: %s", (int) rc, payload);
        return NULL;
    }

    return d.tweets->elts;
}


static ngx_http_hashpay_tweet_t *
post1(const char *payload, const char *includes)
{
    return post1_conf(payload, includes, &conf);
}


static ngx_http_hashpay_tweet_t *
stream1(const char *data, const char *includes)
{
    char                         *text;
    size_t                        len;
    json_t                       *root;
    ngx_int_t                     rc;
    ngx_http_hashpay_delivery_t   d;

    len = strlen(data) + (includes ? strlen(includes) : 0) + 128;
    text = malloc(len);
    if (text == NULL) {
        return NULL;
    }

    if (includes != NULL) {
        snprintf(text, len, "{\"data\":%s,\"includes\":%s,"
                 "\"matching_rules\":[{\"id\":\"1\",\"tag\":\"t\"}]}",
                 data, includes);

    } else {
        snprintf(text, len, "{\"data\":%s,\"matching_rules\":[]}", data);
    }

    root = doc(text);
    free(text);

    if (root == NULL) {
        return NULL;
    }

    rc = ngx_http_hashpay_delivery_read(root, &conf, pool, &d);

    if (rc != NGX_OK || d.format != NGX_HTTP_HASHPAY_FORMAT_STREAM
        || d.tweets == NULL || d.tweets->nelts != 1
        || d.revokes == NULL || d.revokes->nelts != 0)
    {
        CHECK(0, "one stream post read: rc %d: %s", (int) rc, data);
        return NULL;
    }

    return d.tweets->elts;
}


static int64_t
iso(const char *s)
{
    return ngx_http_hashpay_parse_iso8601((u_char *) s, strlen(s));
}
