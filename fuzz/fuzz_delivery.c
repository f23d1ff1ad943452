
/*
 * Copyright (C) hashpay authors
 *
 * libFuzzer harness of ngx_http_hashpay_delivery_read()
 * (src/ngx_http_hashpay_tweet.c): the input is a webhook body, parsed as
 * src/ngx_http_hashpay_webhook.c parses it (JSON_ALLOW_NUL, then once more
 * with JSON_DECODE_INT_AS_REAL on a numeric overflow), read with the
 * default confirm prefix and two operator accounts.
 *
 * Every tweet read is compared with a reference model written from the
 * header's contract (state, bad_field, ids, timestamp_ms, hashtags,
 * confirmation code, retweet to confirm; user.created_at against timegm()),
 * and the revoke against its own; outputs must point into the document.
 * Then the same document is read again with pool allocations failing
 * after a number of them taken from the input: NGX_ERROR or the same
 * answer, never a crash.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>
#include <math.h>
#include <time.h>

#include "ngx_http_hashpay_tweet.h"
#include "fuzz.h"


#define REF_MAX_TAGS  4096


extern ngx_int_t  ngx_stub_alloc_budget;


typedef struct {
    ngx_uint_t     state;
    char           bad[128];
    json_t        *id;
    json_t        *author;
    json_t        *screen_name;
    int64_t        created_at;
    int64_t        timestamp;
    size_t         ntags;
    ngx_str_t      tags[REF_MAX_TAGS];   /* malloc'ed lower-case copies */
    ngx_uint_t     has_code;
    u_char         code[NGX_HTTP_HASHPAY_CODE_LEN];
    ngx_uint_t     retweet_confirm;
} ref_tweet_t;


static ngx_str_t  operators[] = {
    ngx_string("15234567"),
    ngx_string("99"),
};

static ngx_http_hashpay_tweet_conf_t  conf = {
    operators, 2, ngx_string("Confirm")
};

static ref_tweet_t  ref;


/* the reference model */

static int
ref_id(json_t *v)
{
    size_t  len;

    if (!json_is_string(v)) {
        return 0;
    }

    len = json_string_length(v);

    return len >= 1 && len <= 20
           && fuzz_all_digits((const u_char *) json_string_value(v), len);
}


static int
ref_is_operator(json_t *id)
{
    size_t  i, len;

    len = json_string_length(id);

    for (i = 0; i < conf.noperators; i++) {
        if (operators[i].len == len
            && memcmp(operators[i].data, json_string_value(id), len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


static int
ref_timestamp(json_t *v, int64_t *out)
{
    double               d;
    size_t               i, len;
    const char          *s;
    unsigned long long   acc;

    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0) {
            return 0;
        }

        *out = json_integer_value(v);
        return 1;
    }

    if (json_is_real(v)) {
        d = json_real_value(v);

        if (!(d >= 0.0) || d > 9007199254740992.0 || floor(d) != d) {
            return 0;
        }

        *out = (int64_t) d;
        return 1;
    }

    if (!json_is_string(v)) {
        return 0;
    }

    s = json_string_value(v);
    len = json_string_length(v);

    if (len < 1 || len > 19 || !fuzz_all_digits((const u_char *) s, len)) {
        return 0;
    }

    acc = 0;

    for (i = 0; i < len; i++) {
        acc = acc * 10 + (unsigned long long) (s[i] - '0');
    }

    if (acc > (unsigned long long) INT64_MAX) {
        return 0;
    }

    *out = (int64_t) acc;
    return 1;
}


static int
ref_name(const char *p, const char *const *names, int n)
{
    int  i;

    for (i = 0; i < n; i++) {
        if (memcmp(p, names[i], 3) == 0) {
            return i;
        }
    }

    return -1;
}


static int
ref_number(const char *p, int n)
{
    int  v;

    v = 0;

    while (n--) {
        v = v * 10 + (*p++ - '0');
    }

    return v;
}


/* "Wed May 23 06:01:13 +0000 2007", computed with timegm() */

static int64_t
ref_created_at(const char *p, size_t len)
{
    int          i, mon, day, hour, min, sec, oh, om, year, off;
    time_t       t;
    struct tm    tm;
    const char  *pat = "aaa aaa 99 99:99:99 s9999 9999";

    static const char *const  wdays[] = {
        "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
    };
    static const char *const  months[] = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun",
        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
    };

    if (len != strlen(pat)) {
        return -1;
    }

    for (i = 0; pat[i]; i++) {
        switch (pat[i]) {
        case 'a':
            break;
        case '9':
            if (p[i] < '0' || p[i] > '9') {
                return -1;
            }
            break;
        case 's':
            if (p[i] != '+' && p[i] != '-') {
                return -1;
            }
            break;
        default:
            if (p[i] != pat[i]) {
                return -1;
            }
        }
    }

    mon = ref_name(p + 4, months, 12);

    if (ref_name(p, wdays, 7) < 0 || mon < 0) {
        return -1;
    }

    day = ref_number(p + 8, 2);
    hour = ref_number(p + 11, 2);
    min = ref_number(p + 14, 2);
    sec = ref_number(p + 17, 2);
    oh = ref_number(p + 21, 2);
    om = ref_number(p + 23, 2);
    year = ref_number(p + 26, 4);

    if (year < 1970 || day < 1 || hour > 23 || min > 59 || sec > 59
        || oh > 23 || om > 59)
    {
        return -1;
    }

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = year - 1900;
    tm.tm_mon = mon;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;

    t = timegm(&tm);

    /* timegm() normalizes: a day beyond the month's end moves the date */
    if (tm.tm_mday != day || tm.tm_mon != mon) {
        return -1;
    }

    off = (oh * 3600 + om * 60) * (p[20] == '-' ? -1 : 1);

    if ((int64_t) t - off < 0) {
        return -1;
    }

    return ((int64_t) t - off) * 1000;
}


static void
ref_tags_free(void)
{
    size_t  i;

    for (i = 0; i < ref.ntags; i++) {
        free(ref.tags[i].data);
    }

    ref.ntags = 0;
}


/* the hashtags of a status; 0 with ref.bad set when malformed */

static int
ref_status_tags(json_t *status, const char *where)
{
    char        path[64];
    size_t      i, j, k, len;
    u_char     *lower;
    json_t     *ext, *ent, *tags, *tag, *text;
    const char  *s;

    snprintf(path, sizeof(path), "%s", where);

    if (json_is_true(json_object_get(status, "truncated"))) {
        ext = json_object_get(status, "extended_tweet");

        if (ext != NULL && !json_is_null(ext)) {
            if (!json_is_object(ext)) {
                snprintf(ref.bad, sizeof(ref.bad), "%sextended_tweet", where);
                return 0;
            }

            status = ext;
            snprintf(path, sizeof(path), "%sextended_tweet.", where);
        }
    }

    ent = json_object_get(status, "entities");
    tags = NULL;

    if (ent != NULL) {
        if (!json_is_object(ent)) {
            snprintf(ref.bad, sizeof(ref.bad), "%sentities", path);
            return 0;
        }

        tags = json_object_get(ent, "hashtags");

        if (tags != NULL && !json_is_array(tags)) {
            snprintf(ref.bad, sizeof(ref.bad), "%sentities.hashtags", path);
            return 0;
        }
    }

    for (i = 0; i < json_array_size(tags); i++) {
        tag = json_array_get(tags, i);

        if (!json_is_object(tag)) {
            snprintf(ref.bad, sizeof(ref.bad), "%sentities.hashtags[]", path);
            return 0;
        }

        text = json_object_get(tag, "text");

        if (!json_is_string(text)) {
            snprintf(ref.bad, sizeof(ref.bad), "%sentities.hashtags[].text",
                     path);
            return 0;
        }

        s = json_string_value(text);
        len = json_string_length(text);

        if (len == 0) {
            continue;
        }

        lower = fuzz_dup((const uint8_t *) s, len);

        for (j = 0; j < len; j++) {
            if (lower[j] >= 'A' && lower[j] <= 'Z') {
                lower[j] += 'a' - 'A';
            }
        }

        for (k = 0; k < ref.ntags; k++) {
            if (ref.tags[k].len == len
                && memcmp(ref.tags[k].data, lower, len) == 0)
            {
                break;
            }
        }

        if (k < ref.ntags || ref.ntags == REF_MAX_TAGS) {
            FUZZ_ASSERT(k < ref.ntags, "more than %d distinct hashtags",
                        REF_MAX_TAGS);
            free(lower);
            continue;
        }

        ref.tags[ref.ntags].data = lower;
        ref.tags[ref.ntags].len = len;
        ref.ntags++;
    }

    return 1;
}


/* the first hashtag that is "confirm" + 6 letters or digits */

static int
ref_code(void)
{
    size_t   i, j;
    u_char  *t;

    for (i = 0; i < ref.ntags; i++) {
        t = ref.tags[i].data;

        if (ref.tags[i].len != 7 + 6 || strncasecmp((char *) t, "confirm", 7))
        {
            continue;
        }

        for (j = 7; j < 13; j++) {
            if (!((t[j] >= 'a' && t[j] <= 'z')
                  || (t[j] >= '0' && t[j] <= '9')))
            {
                break;
            }
        }

        if (j < 13) {
            continue;
        }

        for (j = 0; j < 6; j++) {
            ref.code[j] = (t[7 + j] >= 'a') ? t[7 + j] - 'a' + 'A' : t[7 + j];
        }

        return 1;
    }

    return 0;
}


static void
ref_tweet(json_t *ev)
{
    json_t  *user, *ts, *ca, *rs, *ru, *rid;

    ref_tags_free();
    memset(&ref, 0, sizeof(ref));
    ref.created_at = -1;
    ref.timestamp = -1;

#define MALFORMED(name)                                                       \
    do {                                                                      \
        snprintf(ref.bad, sizeof(ref.bad), "%s", name);                       \
        ref.state = NGX_HTTP_HASHPAY_TWEET_MALFORMED;                         \
        return;                                                               \
    } while (0)

    if (!json_is_object(ev)) {
        MALFORMED("tweet_create_events[]");
    }

    ref.id = json_object_get(ev, "id_str");

    if (!ref_id(ref.id)) {
        MALFORMED("id_str");
    }

    user = json_object_get(ev, "user");

    if (!json_is_object(user)) {
        MALFORMED("user");
    }

    ref.author = json_object_get(user, "id_str");

    if (!ref_id(ref.author)) {
        MALFORMED("user.id_str");
    }

    ref.screen_name = json_object_get(user, "screen_name");

    if (ref.screen_name != NULL && !json_is_string(ref.screen_name)) {
        MALFORMED("user.screen_name");
    }

    ca = json_object_get(user, "created_at");

    if (json_is_string(ca)) {
        ref.created_at = ref_created_at(json_string_value(ca),
                                        json_string_length(ca));
    }

    ts = json_object_get(ev, "timestamp_ms");

    if (ts != NULL && !ref_timestamp(ts, &ref.timestamp)) {
        MALFORMED("timestamp_ms");
    }

    rs = json_object_get(ev, "retweeted_status");

    if (rs != NULL && !json_is_null(rs) && !json_is_object(rs)) {
        MALFORMED("retweeted_status");
    }

    if (ref_is_operator(ref.author)) {
        ref.state = NGX_HTTP_HASHPAY_TWEET_OPERATOR;
        return;
    }

    if (json_is_object(rs)) {
        ru = json_object_get(rs, "user");

        if (!json_is_object(ru)) {
            MALFORMED("retweeted_status.user");
        }

        rid = json_object_get(ru, "id_str");

        if (!ref_id(rid)) {
            MALFORMED("retweeted_status.user.id_str");
        }

        ref.state = NGX_HTTP_HASHPAY_TWEET_RETWEET;

        if (!ref_is_operator(rid)) {
            return;
        }

        if (!ref_status_tags(rs, "retweeted_status.")) {
            ref_tags_free();
            ref.state = NGX_HTTP_HASHPAY_TWEET_MALFORMED;
            return;
        }

        if (!ref_code()) {
            ref_tags_free();
            return;
        }

        ref.state = NGX_HTTP_HASHPAY_TWEET_ACT;
        ref.has_code = 1;
        ref.retweet_confirm = 1;
        return;
    }

    if (!ref_status_tags(ev, "")) {
        ref_tags_free();
        ref.state = NGX_HTTP_HASHPAY_TWEET_MALFORMED;
        return;
    }

    if (ref.ntags == 0) {
        ref.state = NGX_HTTP_HASHPAY_TWEET_NO_HASHTAG;
        return;
    }

    ref.state = NGX_HTTP_HASHPAY_TWEET_ACT;
    ref.has_code = ref_code();

#undef MALFORMED
}


static void
check_str(ngx_str_t *got, json_t *want, const char *name)
{
    if (want == NULL) {
        FUZZ_ASSERT(got->data == NULL && got->len == 0, "%s set", name);
        return;
    }

    FUZZ_ASSERT(got->data == (u_char *) json_string_value(want)
                && got->len == json_string_length(want),
                "%s does not point at its JSON string", name);
}


static void
check_tweet(size_t i, ngx_http_hashpay_tweet_t *t, json_t *ev)
{
    size_t      k, j;
    ngx_str_t  *tags;

    ref_tweet(ev);

    FUZZ_ASSERT(t->state == ref.state, "tweet %zu: state %d, want %d",
                i, (int) t->state, (int) ref.state);

    if (t->state == NGX_HTTP_HASHPAY_TWEET_MALFORMED) {
        FUZZ_ASSERT(t->bad_field != NULL && strcmp(t->bad_field, ref.bad) == 0,
                    "tweet %zu: bad_field \"%s\", want \"%s\"", i,
                    t->bad_field ? t->bad_field : "(null)", ref.bad);
        FUZZ_ASSERT(t->hashtags == NULL && !t->has_code
                    && !t->retweet_confirm,
                    "tweet %zu: malformed with hashtags or a code", i);
        return;
    }

    FUZZ_ASSERT(t->bad_field == NULL, "tweet %zu: bad_field on state %d", i,
                (int) t->state);

    /* the ids: 1-20 digits, pointing into the document */

    check_str(&t->id, ref.id, "id");
    check_str(&t->author_id, ref.author, "author_id");
    check_str(&t->screen_name, ref.screen_name, "screen_name");

    FUZZ_ASSERT(t->id.len >= 1 && t->id.len <= 20
                && fuzz_all_digits(t->id.data, t->id.len), "id not digits");
    FUZZ_ASSERT(t->author_id.len >= 1 && t->author_id.len <= 20
                && fuzz_all_digits(t->author_id.data, t->author_id.len),
                "author_id not digits");

    FUZZ_ASSERT(t->timestamp == ref.timestamp,
                "tweet %zu: timestamp %lld, want %lld", i,
                (long long) t->timestamp, (long long) ref.timestamp);
    FUZZ_ASSERT(t->created_at == ref.created_at,
                "tweet %zu: created_at %lld, want %lld (timegm)", i,
                (long long) t->created_at, (long long) ref.created_at);
    FUZZ_ASSERT(t->created_at == -1
                || (t->created_at >= 0 && t->created_at % 1000 == 0),
                "created_at %lld", (long long) t->created_at);

    if (t->state != NGX_HTTP_HASHPAY_TWEET_ACT) {
        FUZZ_ASSERT(t->hashtags == NULL && !t->has_code
                    && !t->retweet_confirm,
                    "tweet %zu: state %d with hashtags or a code", i,
                    (int) t->state);
        return;
    }

    /* ACT: the hashtags the model found, lower-case, distinct, in order */

    FUZZ_ASSERT(t->hashtags != NULL && t->hashtags->nelts == ref.ntags
                && ref.ntags > 0,
                "tweet %zu: %zu hashtags, want %zu", i,
                t->hashtags ? (size_t) t->hashtags->nelts : 0, ref.ntags);

    tags = t->hashtags->elts;

    for (k = 0; k < ref.ntags; k++) {
        FUZZ_ASSERT(tags[k].len == ref.tags[k].len
                    && memcmp(tags[k].data, ref.tags[k].data, tags[k].len)
                       == 0,
                    "tweet %zu: hashtag %zu differs", i, k);

        for (j = 0; j < tags[k].len; j++) {
            FUZZ_ASSERT(!(tags[k].data[j] >= 'A' && tags[k].data[j] <= 'Z'),
                        "hashtag %zu not lower-cased", k);
        }
    }

    FUZZ_ASSERT(t->has_code == ref.has_code
                && t->retweet_confirm == ref.retweet_confirm,
                "tweet %zu: has_code %d retweet_confirm %d, want %d %d", i,
                (int) t->has_code, (int) t->retweet_confirm,
                (int) ref.has_code, (int) ref.retweet_confirm);

    if (t->has_code) {
        FUZZ_ASSERT(memcmp(t->code, ref.code, NGX_HTTP_HASHPAY_CODE_LEN) == 0,
                    "tweet %zu: code %.6s, want %.6s", i, t->code, ref.code);

        for (j = 0; j < NGX_HTTP_HASHPAY_CODE_LEN; j++) {
            FUZZ_ASSERT((t->code[j] >= 'A' && t->code[j] <= 'Z')
                        || (t->code[j] >= '0' && t->code[j] <= '9'),
                        "code %.6s", t->code);
        }
    }

    FUZZ_ASSERT(t->retweet_confirm || !ref_is_operator(ref.author),
                "an operator's own tweet acts");
}


static void
check_revoke(ngx_http_hashpay_delivery_t *d, json_t *root)
{
    json_t      *revoke, *source, *uid;
    const char  *bad;

    revoke = json_object_get(json_object_get(root, "user_event"), "revoke");
    source = json_object_get(revoke, "source");
    uid = json_object_get(source, "user_id");

    bad = NULL;

    if (revoke == NULL) {
        uid = NULL;

    } else if (!json_is_object(revoke)) {
        bad = "user_event.revoke";
        uid = NULL;

    } else if (!json_is_object(source)) {
        bad = "user_event.revoke.source";
        uid = NULL;

    } else if (!ref_id(uid)) {
        bad = "user_event.revoke.source.user_id";
        uid = NULL;
    }

    FUZZ_ASSERT((bad == NULL && d->revoke_bad_field == NULL)
                || (bad != NULL && d->revoke_bad_field != NULL
                    && strcmp(bad, d->revoke_bad_field) == 0),
                "revoke_bad_field \"%s\", want \"%s\"",
                d->revoke_bad_field ? d->revoke_bad_field : "(null)",
                bad ? bad : "(null)");

    check_str(&d->revoke_user, uid, "revoke_user");
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                        i, n;
    json_t                       *root, *events;
    ngx_int_t                     rc, rc2;
    ngx_pool_t                   *pool;
    json_error_t                  err;
    ngx_http_hashpay_delivery_t   d;

    root = json_loadb((const char *) data, size, JSON_ALLOW_NUL, &err);

    if (root == NULL && json_error_code(&err) == json_error_numeric_overflow)
    {
        root = json_loadb((const char *) data, size,
                          JSON_ALLOW_NUL|JSON_DECODE_INT_AS_REAL, &err);
    }

    if (root == NULL) {
        return 0;
    }

    pool = ngx_create_pool(1024, NULL);
    FUZZ_ASSERT(pool != NULL, "no pool");

    ngx_stub_alloc_budget = -1;

    rc = ngx_http_hashpay_delivery_read(root, &conf, pool, &d);

    events = json_object_get(root, "tweet_create_events");

    if (!json_is_object(root) || (events != NULL && !json_is_array(events))) {
        FUZZ_ASSERT(rc == NGX_DECLINED, "rc %d, want NGX_DECLINED", (int) rc);
        goto done;
    }

    FUZZ_ASSERT(rc == NGX_OK, "rc %d, want NGX_OK", (int) rc);

    n = json_array_size(events);

    FUZZ_ASSERT(d.tweets != NULL && d.tweets->nelts == n,
                "%zu tweets read, want %zu",
                d.tweets ? (size_t) d.tweets->nelts : 0, n);

    for (i = 0; i < n; i++) {
        check_tweet(i, (ngx_http_hashpay_tweet_t *) d.tweets->elts + i,
                    json_array_get(events, i));
    }

    ref_tags_free();

    check_revoke(&d, root);

done:

    ngx_destroy_pool(pool);

    /* allocation failures: NGX_ERROR, or the answer as above */

    if (size > 0) {
        pool = ngx_create_pool(1024, NULL);
        FUZZ_ASSERT(pool != NULL, "no pool");

        ngx_stub_alloc_budget = data[size - 1] % 32;

        rc2 = ngx_http_hashpay_delivery_read(root, &conf, pool, &d);

        ngx_stub_alloc_budget = -1;

        FUZZ_ASSERT(rc2 == rc || (rc2 == NGX_ERROR && rc == NGX_OK),
                    "rc %d under allocation failure, %d without",
                    (int) rc2, (int) rc);

        ngx_destroy_pool(pool);
    }

    json_decref(root);

    return 0;
}
