
/*
 * Copyright (C) hashpay authors
 *
 * Unit tests of src/ngx_http_hashpay_scan.c, the webhook's one-pass
 * reader: every platform example of t/data/examples reads as the
 * jansson-based reader reads it, and every class of bad input gets the
 * verdict it had (not JSON: invalid UTF-8, lone surrogates, control
 * characters, bad escapes, \u0000 in a key, nesting beyond 2048, a number
 * beyond a double, anything but one object or array; JSON: \u0000 in a
 * string, nesting of 2048, integers beyond 64 bits read as reals, one NUL
 * byte after a number as jansson skips it), duplicate keys (the last
 * one), escaped keys and values, the envelopes refused, where an error
 * is, and allocation failures.
 *
 * The examples are looked for in $HASHPAY_EXAMPLES, then t/data/examples,
 * then relative to the test binary.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <dirent.h>

#include "unit.h"
#include "../../fuzz/delivery_diff.h"


#define ACT  NGX_HTTP_HASHPAY_TWEET_ACT
#define OP   NGX_HTTP_HASHPAY_TWEET_OPERATOR
#define MAL  NGX_HTTP_HASHPAY_TWEET_MALFORMED

/* an Account Activity delivery of one tweet; %s: more of the tweet */
#define AAA_PRE   "{\"tweet_create_events\":[{\"id_str\":\"7\","          \
                  "\"user\":{\"id_str\":\"42\",\"screen_name\":\"bob\"},"
#define AAA_POST  "\"entities\":{\"hashtags\":[{\"text\":\"BuyGiftCard25\"}]}}]}"
#define AAA(x)    AAA_PRE x AAA_POST


static char        examples[1024];
static ngx_pool_t *pool;


typedef struct {
    ngx_int_t                     rc;
    ngx_http_hashpay_delivery_t   d;
    ngx_http_hashpay_scan_err_t   err;
} answer_t;


static void
scan(const char *body, size_t len, answer_t *a)
{
    a->rc = ngx_http_hashpay_scan_delivery((const u_char *) body, len,
                                           &diff_conf, pool, &a->d, &a->err);
}


/* not JSON to jansson, and not JSON to the scanner */

static void
not_json(const char *what, const char *body, size_t len)
{
    int          verdict;
    answer_t     a;
    const char  *why;

    scan(body, len, &a);

    CHECK(a.rc == NGX_DECLINED && a.err.not_json,
          "%s: not JSON (rc %d, not_json %d)", what, (int) a.rc,
          (int) a.err.not_json);

    why = diff_body((const u_char *) body, len, &verdict);

    CHECK(why == NULL && verdict == 0, "%s: jansson agrees (%s)", what,
          why ? why : "");
}


/* JSON to both: the tweet's state, and the readers agree */

static void
json_ok(const char *what, const char *body, size_t len, ngx_int_t state,
    answer_t *a)
{
    int                        verdict;
    const char                *why;
    ngx_http_hashpay_tweet_t  *t;

    scan(body, len, a);

    CHECK(a->rc == NGX_OK, "%s: read (rc %d, not_json %d)", what,
          (int) a->rc, (int) a->err.not_json);

    if (a->rc == NGX_OK && state >= 0) {
        CHECK(a->d.tweets->nelts == 1, "%s: one post", what);

        if (a->d.tweets->nelts == 1) {
            t = a->d.tweets->elts;
            CHECK(t->state == (ngx_uint_t) state, "%s: state %d, want %d",
                  what, (int) t->state, (int) state);
        }
    }

    why = diff_body((const u_char *) body, len, &verdict);

    CHECK(why == NULL && verdict == 2, "%s: jansson agrees (%s)", what,
          why ? why : "");
}


#define NOT_JSON(what, lit)  not_json(what, lit, sizeof(lit) - 1)
#define JSON_OK(what, lit, state, a)  json_ok(what, lit, sizeof(lit) - 1,   \
                                              state, a)


static ngx_http_hashpay_tweet_t *
first(answer_t *a)
{
    return (a->rc == NGX_OK && a->d.tweets->nelts > 0) ? a->d.tweets->elts
                                                      : NULL;
}


static void
test_bad_json(void)
{
    char   *deep;
    size_t  i, n;

    /* UTF-8 as jansson's stream checks it */
    NOT_JSON("overlong UTF-8", AAA("\"x\":\"\xc0\xaf\","));
    NOT_JSON("UTF-8 of a surrogate", AAA("\"x\":\"\xed\xa0\x80\","));
    NOT_JSON("truncated UTF-8", AAA("\"x\":\"\xe2\x82\","));
    NOT_JSON("UTF-8 past U+10FFFF", AAA("\"x\":\"\xf4\x90\x80\x80\","));
    NOT_JSON("a lone continuation byte", AAA("\"x\":\"\x80\","));
    NOT_JSON("UTF-8 outside a string", AAA("\"x\":\xc3\xa9,"));
    NOT_JSON("a byte order mark", "\xef\xbb\xbf{}");

    /* escapes and surrogates as its lexer and decoder want them */
    NOT_JSON("a lone high surrogate", AAA("\"x\":\"\\ud83d\","));
    NOT_JSON("a lone low surrogate", AAA("\"x\":\"\\ude00\","));
    NOT_JSON("a high surrogate then \\n", AAA("\"x\":\"\\ud83d\\n\","));
    NOT_JSON("two high surrogates", AAA("\"x\":\"\\ud83d\\ud83d\","));
    NOT_JSON("a bad escape", AAA("\"x\":\"\\x41\","));
    NOT_JSON("a short \\u", AAA("\"x\":\"\\u12\","));
    NOT_JSON("\\u0000 in a key", AAA("\"a\\u0000b\":1,"));
    NOT_JSON("a raw control character", AAA("\"x\":\"a\tb\","));
    NOT_JSON("a raw NUL in a string", AAA("\"x\":\"a\0b\","));

    /* the grammar */
    NOT_JSON("empty", "");
    NOT_JSON("white space only", " \r\n\t");
    NOT_JSON("a string at the top", "\"hello\"");
    NOT_JSON("a number at the top", "12");
    NOT_JSON("null at the top", "null");
    NOT_JSON("text after the object", "{} x");
    NOT_JSON("two objects", "{}{}");
    NOT_JSON("a trailing comma in an array", "{\"a\":[1,]}");
    NOT_JSON("a trailing comma in an object", "{\"a\":1,}");
    NOT_JSON("a missing colon", "{\"a\" 1}");
    NOT_JSON("an unquoted key", "{a:1}");
    NOT_JSON("an unterminated string", "{\"a\":\"b");
    NOT_JSON("an unterminated object", "{\"a\":1");
    NOT_JSON("a leading zero", "{\"a\":01}");
    NOT_JSON("a minus alone", "{\"a\":-}");
    NOT_JSON("a dot without digits", "{\"a\":1.}");
    NOT_JSON("an exponent without digits", "{\"a\":1e+}");
    NOT_JSON("a plus sign", "{\"a\":+1}");
    NOT_JSON("a word that is not a literal", "{\"a\":tru}");
    NOT_JSON("a literal run on", "{\"a\":truex}");
    NOT_JSON("a capital literal", "{\"a\":True}");
    NOT_JSON("two NUL bytes after a number", "[1\0\0]");
    NOT_JSON("a NUL byte after a string", "[\"a\"\0]");
    NOT_JSON("a NUL byte before a number", "[\0" "1]");

    /* numbers: a double that overflows is refused, by jansson too */
    NOT_JSON("1e309", "{\"a\":1e309}");
    NOT_JSON("-1e309", "{\"a\":-1e309}");

    n = 309;
    deep = malloc(n + 8);
    memcpy(deep, "[", 1);
    memset(deep + 1, '9', n);
    memcpy(deep + 1 + n, "]", 1);
    not_json("an integer of 309 nines", deep, n + 2);
    free(deep);

    /* nesting: 2048 values deep at most, scalars counted */

    n = 2048;
    deep = malloc(2 * n + 1);

    for (i = 0; i < n; i++) {
        deep[i] = '[';
        deep[n + 1 + i] = ']';
    }

    deep[n] = '1';
    not_json("a value at depth 2049", deep, 2 * n + 1);

    free(deep);

    n = 2049;
    deep = malloc(2 * n);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    not_json("2049 levels of empty arrays", deep, 2 * n);

    free(deep);
}


static void
test_good_json(void)
{
    char                      *deep;
    size_t                     i, n;
    answer_t                   a;
    ngx_http_hashpay_tweet_t  *t;

    JSON_OK("plain", AAA(""), ACT, &a);

    /* a string without escapes points into the body */
    t = first(&a);
    CHECK(t != NULL && t->screen_name.len == 3
          && memcmp(t->screen_name.data, "bob", 3) == 0,
          "screen name \"bob\"");

    /* \u0000 is allowed in a string, and kept */
    JSON_OK("\\u0000 in a string",
            "{\"tweet_create_events\":[{\"id_str\":\"7\",\"user\":"
            "{\"id_str\":\"42\",\"screen_name\":\"b\\u0000b\"}}]}",
            NGX_HTTP_HASHPAY_TWEET_NO_HASHTAG, &a);
    t = first(&a);
    CHECK(t != NULL && t->screen_name.len == 3
          && memcmp(t->screen_name.data, "b\0b", 3) == 0,
          "screen name with its NUL");

    /* escaped keys and values are decoded before they are compared */
    JSON_OK("an escaped key",
            "{\"tweet_create_events\":[{\"id\\u005fstr\":\"7\",\"user\":"
            "{\"id_str\":\"42\"}}]}",
            NGX_HTTP_HASHPAY_TWEET_NO_HASHTAG, &a);
    JSON_OK("an escaped id",
            "{\"tweet_create_events\":[{\"id_str\":\"\\u0037\\u0038\","
            "\"user\":{\"id_str\":\"42\"}}]}",
            NGX_HTTP_HASHPAY_TWEET_NO_HASHTAG, &a);
    t = first(&a);
    CHECK(t != NULL && t->id.len == 2 && memcmp(t->id.data, "78", 2) == 0,
          "escaped id decoded to \"78\"");
    JSON_OK("a surrogate pair", AAA("\"x\":\"\\ud83d\\ude00\","), ACT, &a);
    JSON_OK("4-byte UTF-8", AAA("\"x\":\"\xf0\x9f\x98\x80\","), ACT, &a);
    JSON_OK("white space everywhere",
            " {\r\n\"tweet_create_events\" : [ ] } \n", -1, &a);

    /* duplicate keys: the last one counts, as in jansson */
    JSON_OK("a second user, an operator",
            AAA("\"user\":{\"id_str\":\"15234567\"},"), OP, &a);
    JSON_OK("a second id_str that is no id",
            AAA("\"id_str\":7,"), MAL, &a);
    t = first(&a);
    CHECK(t != NULL && t->bad_field && strcmp(t->bad_field, "id_str") == 0,
          "bad_field id_str");
    JSON_OK("a duplicate hashtag text",
            "{\"tweet_create_events\":[{\"id_str\":\"7\",\"user\":"
            "{\"id_str\":\"42\"},\"entities\":{\"hashtags\":[{\"text\":\"a\","
            "\"text\":\"ConfirmABC123\"}]}}]}", ACT, &a);
    t = first(&a);
    CHECK(t != NULL && t->has_code && memcmp(t->code, "ABC123", 6) == 0,
          "the last text is the hashtag: code ABC123");

    /* numbers: beyond 64 bits every integer is a real */
    JSON_OK("timestamp_ms 2^60", AAA("\"timestamp_ms\":1152921504606846976,"),
            ACT, &a);
    t = first(&a);
    CHECK(t != NULL && t->timestamp == 1152921504606846976LL,
          "timestamp 2^60 as an integer");
    JSON_OK("timestamp_ms 2^60 beside an integer beyond 64 bits",
            AAA("\"timestamp_ms\":1152921504606846976,"
                "\"x\":99999999999999999999,"), MAL, &a);
    JSON_OK("timestamp_ms beside an integer beyond 64 bits",
            AAA("\"timestamp_ms\":1700000000000,"
                "\"x\":99999999999999999999,"), ACT, &a);
    t = first(&a);
    CHECK(t != NULL && t->timestamp == 1700000000000LL,
          "timestamp read as a real");
    JSON_OK("timestamp_ms -0", AAA("\"timestamp_ms\":-0,"), ACT, &a);
    JSON_OK("timestamp_ms -5", AAA("\"timestamp_ms\":-5,"), MAL, &a);
    JSON_OK("timestamp_ms 1.7e12", AAA("\"timestamp_ms\":1.7e12,"), ACT, &a);
    JSON_OK("timestamp_ms 1.5", AAA("\"timestamp_ms\":1.5,"), MAL, &a);
    JSON_OK("timestamp_ms a string", AAA("\"timestamp_ms\":\"17\","), ACT,
            &a);
    JSON_OK("the largest double", AAA("\"x\":1.7976931348623157e308,"), ACT,
            &a);
    JSON_OK("an underflow", AAA("\"x\":1e-400,"), ACT, &a);
    JSON_OK("int64 min", AAA("\"x\":-9223372036854775808,"), ACT, &a);
    JSON_OK("int64 min - 1", AAA("\"x\":-9223372036854775809,"), ACT, &a);
    JSON_OK("0.1e309", AAA("\"x\":0.1e309,"), ACT, &a);

    /* jansson's stream skips one NUL byte taken back after a token */
    JSON_OK("a NUL byte after a number", AAA("\"x\":1\0,"), ACT, &a);
    JSON_OK("a NUL byte after true", AAA("\"x\":true\0,"), ACT, &a);

    /* nesting of 2048 values */

    n = 2047;
    deep = malloc(2 * n + 1);

    for (i = 0; i < n; i++) {
        deep[i] = '[';
        deep[n + 1 + i] = ']';
    }

    deep[n] = '1';
    scan(deep, 2 * n + 1, &a);
    CHECK(a.rc == NGX_DECLINED && !a.err.not_json,
          "a value at depth 2048: JSON, not a delivery");
    free(deep);
}


static void
test_envelopes(void)
{
    answer_t  a;

    scan("[{\"id_str\":\"7\"}]", 16, &a);
    CHECK(a.rc == NGX_DECLINED && !a.err.not_json
          && a.d.format == NGX_HTTP_HASHPAY_FORMAT_AAA && a.d.tweets == NULL,
          "an array: not a delivery");

    scan("{\"tweet_create_events\":{}}", 26, &a);
    CHECK(a.rc == NGX_DECLINED && !a.err.not_json
          && a.d.format == NGX_HTTP_HASHPAY_FORMAT_AAA,
          "tweet_create_events not an array");

    scan("{\"matching_rules\":[],\"data\":[]}", 31, &a);
    CHECK(a.rc == NGX_DECLINED && !a.err.not_json
          && a.d.format == NGX_HTTP_HASHPAY_FORMAT_STREAM,
          "a stream's data not an object");

    scan("{\"matching_rules\":null,\"data\":\"x\"}", 34, &a);
    CHECK(a.rc == NGX_DECLINED && a.d.format == NGX_HTTP_HASHPAY_FORMAT_STREAM,
          "matching_rules null is a stream");

    scan("{\"data\":[{},1]}", 15, &a);
    CHECK(a.rc == NGX_DECLINED && !a.err.not_json
          && a.d.format == NGX_HTTP_HASHPAY_FORMAT_XAA,
          "an X Activity API event that is not an object");

    scan("{\"data\":[{\"event_type\":\"like.create\"}]}", 39, &a);
    CHECK(a.rc == NGX_OK && a.d.tweets->nelts == 0
          && a.d.revokes->nelts == 0, "a like contributes nothing");

    scan("{}", 2, &a);
    CHECK(a.rc == NGX_OK && a.d.format == NGX_HTTP_HASHPAY_FORMAT_AAA
          && a.d.tweets->nelts == 0, "{}: an empty Account Activity");

    /* where it went wrong, for the log */

    scan("{\n  \"a\": x}", 11, &a);
    CHECK(a.rc == NGX_DECLINED && a.err.not_json && a.err.line == 2
          && a.err.column == 7 && a.err.offset == 9,
          "error at line 2, column 7 (%lu, %lu)", (unsigned long) a.err.line,
          (unsigned long) a.err.column);
}


/* the error code logged is jansson's, where both name the same fault */

static void
error_code(const char *what, const char *body, size_t len, int code)
{
    json_t        *root;
    answer_t       a;
    json_error_t   jerr;

    scan(body, len, &a);

    root = json_loadb(body, len, JSON_ALLOW_NUL, &jerr);

    CHECK(root == NULL && json_error_code(&jerr) == (enum json_error_code) code,
          "%s: jansson's code %d", what, (int) json_error_code(&jerr));
    CHECK(a.rc == NGX_DECLINED && a.err.not_json && a.err.code == code,
          "%s: code %d, want %d", what, (int) a.err.code, code);

    if (root) {
        json_decref(root);
    }
}


static void
test_error_codes(void)
{
    char    *deep;
    size_t   n;

    error_code("invalid UTF-8", "[\"\xc0\xaf\"]", 6,
               json_error_invalid_utf8);
    error_code("\\u0000 in a key", "{\"a\\u0000\":1}", 14,
               json_error_null_byte_in_key);
    error_code("1e309", "[1e309]", 7, json_error_numeric_overflow);
    error_code("a bad escape", "[\"\\x\"]", 6, json_error_invalid_syntax);
    error_code("text after", "{} x", 4, json_error_end_of_input_expected);

    n = 2049;
    deep = malloc(2 * n);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    error_code("2049 deep", deep, 2 * n, json_error_stack_overflow);
    free(deep);
}


static void
find_examples(const char *argv0)
{
    DIR         *dir;
    size_t       i;
    const char  *env, *slash;

    env = getenv("HASHPAY_EXAMPLES");

    if (env != NULL) {
        snprintf(examples, sizeof(examples), "%s", env);
        return;
    }

    snprintf(examples, sizeof(examples), "t/data/examples");

    dir = opendir(examples);
    if (dir != NULL) {
        closedir(dir);
        return;
    }

    slash = strrchr(argv0, '/');
    i = slash ? (size_t) (slash - argv0) : 1;

    snprintf(examples, sizeof(examples), "%.*s/../../t/data/examples",
             (int) i, slash ? argv0 : ".");
}


/* every example reads, as the reference reads it, and survives failures */

static void
test_examples(void)
{
    DIR            *dir;
    FILE           *f;
    char            path[2048], *body;
    long            n;
    int             verdict;
    size_t          count;
    ngx_int_t       budget, rc;
    answer_t        a;
    const char     *why;
    struct dirent  *de;

    dir = opendir(examples);

    CHECK(dir != NULL, "examples found (%s); set HASHPAY_EXAMPLES", examples);

    if (dir == NULL) {
        return;
    }

    count = 0;

    while ((de = readdir(dir)) != NULL) {
        n = strlen(de->d_name);

        if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0) {
            continue;
        }

        snprintf(path, sizeof(path), "%s/%s", examples, de->d_name);

        f = fopen(path, "rb");
        if (f == NULL) {
            CHECK(0, "%s opened", path);
            continue;
        }

        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        body = malloc(n);

        if (body == NULL || fread(body, 1, n, f) != (size_t) n) {
            CHECK(0, "%s read", path);
            fclose(f);
            free(body);
            continue;
        }

        fclose(f);
        count++;

        scan(body, n, &a);

        CHECK(a.rc == NGX_OK, "%s: read (rc %d)", de->d_name, (int) a.rc);

        why = diff_body((u_char *) body, n, &verdict);

        CHECK(why == NULL && verdict == 2, "%s: as jansson reads it (%s)",
              de->d_name, why ? why : "");

        /* allocations failing one after the other: NGX_ERROR, never more */

        for (budget = 0; budget < 400; budget++) {
            ngx_stub_alloc_budget = budget;
            scan(body, n, &a);
            rc = a.rc;
            ngx_stub_alloc_budget = -1;

            if (rc == NGX_OK) {
                break;
            }

            if (!CHECK(rc == NGX_ERROR, "%s: %d allocations: rc %d",
                       de->d_name, (int) budget, (int) rc))
            {
                break;
            }
        }

        CHECK(budget < 400, "%s: read within 400 allocations", de->d_name);

        free(body);
    }

    closedir(dir);

    CHECK(count >= 19, "19 examples at least (%lu)", (unsigned long) count);
}


int
main(int argc, char **argv)
{
    pool = ngx_create_pool(1024, NULL);
    if (pool == NULL) {
        return 1;
    }

    find_examples(argv[0]);

    test_bad_json();
    test_good_json();
    test_envelopes();
    test_error_codes();
    test_examples();

    ngx_destroy_pool(pool);

    return unit_done();
}
