
/*
 * Copyright (C) hashpay authors
 *
 * Unit tests of src/ngx_http_hashpay_tweet.c: reading X Account Activity
 * deliveries (the example payloads of t/data/examples and malformed
 * variants), confirmation codes, user.created_at.
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
    { "timestamp_ms exponent", "{" ID "," USER ",\"timestamp_ms\":1e12," GOOD "}",
      ACT, NULL, "7" },
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
static json_t *example(const char *name);
static json_t *doc(const char *text);
static ngx_http_hashpay_tweet_t *one(const char *tweet,
    ngx_http_hashpay_tweet_conf_t *cf);
static ngx_int_t delivery(const char *text, ngx_http_hashpay_delivery_t *d);
static void check_tags(ngx_http_hashpay_tweet_t *t, const char *want,
    const char *name);
static void check_null_str(ngx_str_t *s, const char *name);
static int64_t created(const char *s);


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
