
/*
 * Copyright (C) hashpay authors
 *
 * libFuzzer harness of ngx_http_hashpay_delivery_read()
 * (src/ngx_http_hashpay_tweet.c): the input is a webhook body, parsed as
 * src/ngx_http_hashpay_webhook.c parses it (JSON_ALLOW_NUL, then once more
 * with JSON_DECODE_INT_AS_REAL on a numeric overflow), read with the
 * default confirm prefix and two operator accounts.
 *
 * A reference model, written from the header's contract and the rules of
 * SPEC sections 4, 10 and 11 (not from the C), walks the same document:
 * which shape it is (Account Activity, X Activity API, Filtered Stream),
 * NGX_DECLINED for a wrong envelope, then every post in order (state,
 * bad_field, id, root id, author, screen name, the account's creation
 * and the post's time, ISO 8601 ones against timegm(), the hashtags,
 * confirmation code, retweet to confirm) and every revoke (kind, user,
 * date_time, bad_field, the number of posts before it), each compared
 * with the reader's as soon as the model has it.  Strings must point into
 * the document.  A variant of the document chosen by a hash of the input
 * (the other spellings, wrapped includes, the other shape, revokes
 * between the events, a stray entry at the end of arrays) is read and
 * compared the same way.  Then the document is read again with pool
 * allocations failing after a number of them taken from the input:
 * NGX_ERROR, or the same answer in full.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <time.h>

#include "ngx_http_hashpay_tweet.h"
#include "fuzz.h"


#define REF_MAX_TAGS     4096
#define REF_ALLOC_COUNT  (1 << 30)


#define ACT  NGX_HTTP_HASHPAY_TWEET_ACT
#define RT   NGX_HTTP_HASHPAY_TWEET_RETWEET
#define OP   NGX_HTTP_HASHPAY_TWEET_OPERATOR
#define NOH  NGX_HTTP_HASHPAY_TWEET_NO_HASHTAG
#define MAL  NGX_HTTP_HASHPAY_TWEET_MALFORMED


extern ngx_int_t  ngx_stub_alloc_budget;


/* what the model expects of one post */

typedef struct {
    ngx_uint_t     state;
    char           bad[160];
    json_t        *id;              /* NULL: could not be read */
    json_t        *root;
    json_t        *author;
    json_t        *screen_name;     /* NULL: "" (ngx_null_string) */
    int64_t        created_at;
    int64_t        timestamp;
    size_t         ntags;
    ngx_str_t      tags[REF_MAX_TAGS];   /* malloc'ed lower-case copies */
    ngx_uint_t     has_code;
    u_char         code[NGX_HTTP_HASHPAY_CODE_LEN];
    ngx_uint_t     retweet_confirm;
} ref_tweet_t;


/* the model's walk beside the reader's answer */

typedef struct {
    ngx_http_hashpay_delivery_t  *d;
    size_t                        ntweets;      /* compared so far */
    size_t                        nrevokes;
} ref_walk_t;


static ngx_str_t  operators[] = {
    ngx_string("15234567"),
    ngx_string("99"),
};

static ngx_http_hashpay_tweet_conf_t  conf = {
    operators, 2, ngx_string("Confirm")
};

static ref_tweet_t  ref;


/* small JSON helpers of the model */

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


/* a JSON string equal to the C string s, length-counted (NUL bytes too) */

static int
ref_string_is(json_t *v, const char *s)
{
    return json_is_string(v) && json_string_length(v) == strlen(s)
           && memcmp(json_string_value(v), s, strlen(s)) == 0;
}


static int
ref_strings_equal(json_t *a, json_t *b)
{
    return json_is_string(a) && json_is_string(b)
           && json_string_length(a) == json_string_length(b)
           && memcmp(json_string_value(a), json_string_value(b),
                     json_string_length(a))
              == 0;
}


/* obj[key], NULL when absent or JSON null */

static json_t *
ref_get(json_t *obj, const char *key)
{
    json_t  *v;

    v = json_object_get(obj, key);

    return json_is_null(v) ? NULL : v;
}


/* a field X spells two ways: the first that is present and not null */

static json_t *
ref_spelled(json_t *obj, const char *a, const char *b, const char **name)
{
    json_t  *v;

    v = ref_get(obj, a);
    *name = a;

    if (v == NULL) {
        v = ref_get(obj, b);
        *name = (v != NULL) ? b : NULL;
    }

    return v;
}


/* the first object of list (unwrapped from {"data":{...}}) with that id */

static json_t *
ref_lookup(json_t *list, json_t *id)
{
    size_t   i;
    json_t  *e, *inner;

    for (i = 0; i < json_array_size(list); i++) {
        e = json_array_get(list, i);

        if (!json_is_object(e)) {
            continue;
        }

        inner = json_object_get(e, "data");

        if (json_is_object(inner)) {
            e = inner;
        }

        if (ref_strings_equal(json_object_get(e, "id"), id)) {
            return e;
        }
    }

    return NULL;
}


static void
ref_malformed(const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(ref.bad, sizeof(ref.bad), fmt, ap);
    va_end(ap);

    ref.state = MAL;
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


/*
 * text against a pattern: '9' a digit, 's' a sign, 'T' "T" or "t",
 * 'a' anything, any other character itself
 */

static int
ref_shape(const char *p, const char *pat)
{
    size_t  i;

    for (i = 0; pat[i]; i++) {
        switch (pat[i]) {
        case 'a':
            break;
        case '9':
            if (p[i] < '0' || p[i] > '9') {
                return 0;
            }
            break;
        case 's':
            if (p[i] != '+' && p[i] != '-') {
                return 0;
            }
            break;
        case 'T':
            if (p[i] != 'T' && p[i] != 't') {
                return 0;
            }
            break;
        default:
            if (p[i] != pat[i]) {
                return 0;
            }
        }
    }

    return 1;
}


/*
 * timegm() of a civil date and time, -2 when the date does not exist
 * (timegm() normalizes a day beyond the month's end)
 */

static int64_t
ref_timegm(int year, int mon, int day, int hour, int min, int sec)
{
    time_t     t;
    struct tm  tm;

    if (mon < 1 || mon > 12 || day < 1 || hour > 23 || min > 59 || sec > 59)
    {
        return -2;
    }

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;

    t = timegm(&tm);

    if (tm.tm_year != year - 1900 || tm.tm_mon != mon - 1
        || tm.tm_mday != day)
    {
        return -2;
    }

    return (int64_t) t;
}


/* "Wed May 23 06:01:13 +0000 2007", computed with timegm() */

static int64_t
ref_created_at(const char *p, size_t len)
{
    int      mon, oh, om, year, off;
    int64_t  t;

    static const char *const  wdays[] = {
        "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
    };
    static const char *const  months[] = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun",
        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
    };

    if (len != sizeof("aaa aaa 99 99:99:99 s9999 9999") - 1
        || !ref_shape(p, "aaa aaa 99 99:99:99 s9999 9999"))
    {
        return -1;
    }

    mon = ref_name(p + 4, months, 12);

    if (ref_name(p, wdays, 7) < 0 || mon < 0) {
        return -1;
    }

    year = ref_number(p + 26, 4);
    oh = ref_number(p + 21, 2);
    om = ref_number(p + 23, 2);

    if (year < 1970 || oh > 23 || om > 59) {
        return -1;
    }

    t = ref_timegm(year, mon + 1, ref_number(p + 8, 2), ref_number(p + 11, 2),
                   ref_number(p + 14, 2), ref_number(p + 17, 2));

    if (t == -2) {
        return -1;
    }

    off = (oh * 3600 + om * 60) * (p[20] == '-' ? -1 : 1);

    if (t - off < 0) {
        return -1;
    }

    return (t - off) * 1000;
}


/*
 * ISO 8601 as the header describes it: "YYYY-MM-DDTHH:MM:SS", 'T' or 't',
 * an optional fraction of 1-9 digits (milliseconds kept, the rest
 * dropped), then "Z", "z", +HH:MM, -HH:MM, +HHMM or -HHMM; unix ms by
 * timegm(), -1 for any other text or an instant before 1970
 */

static int64_t
ref_iso8601(const char *p, size_t len)
{
    int          oh, om, off, digits, ms;
    size_t       i, rest;
    int64_t      t;
    const char  *zone;

    if (len < sizeof("9999-99-99T99:99:99") - 1
        || !ref_shape(p, "9999-99-99T99:99:99"))
    {
        return -1;
    }

    i = sizeof("9999-99-99T99:99:99") - 1;
    ms = 0;

    if (i < len && p[i] == '.') {
        i++;

        for (digits = 0; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
            if (digits < 3) {
                ms += (p[i] - '0') * (digits == 0 ? 100 : digits == 1 ? 10 : 1);
            }

            digits++;
        }

        if (digits < 1 || digits > 9) {
            return -1;
        }
    }

    zone = p + i;
    rest = len - i;

    if (rest == 1 && (zone[0] == 'Z' || zone[0] == 'z')) {
        oh = 0;
        om = 0;

    } else if (rest == 6 && ref_shape(zone, "s99:99")) {
        oh = ref_number(zone + 1, 2);
        om = ref_number(zone + 4, 2);

    } else if (rest == 5 && ref_shape(zone, "s9999")) {
        oh = ref_number(zone + 1, 2);
        om = ref_number(zone + 3, 2);

    } else {
        return -1;
    }

    if (oh > 23 || om > 59) {
        return -1;
    }

    off = oh * 3600 + om * 60;

    if (zone[0] == '-') {
        off = -off;
    }

    t = ref_timegm(ref_number(p, 4), ref_number(p + 5, 2),
                   ref_number(p + 8, 2), ref_number(p + 11, 2),
                   ref_number(p + 14, 2), ref_number(p + 17, 2));

    if (t == -2 || t - off < 0) {
        return -1;
    }

    return (t - off) * 1000 + ms;
}


static int64_t
ref_iso_value(json_t *v)
{
    if (!json_is_string(v)) {
        return -1;
    }

    return ref_iso8601(json_string_value(v), json_string_length(v));
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


static void
ref_reset(void)
{
    ref_tags_free();
    memset(&ref, 0, sizeof(ref));
    ref.created_at = -1;
    ref.timestamp = -1;
}


/* one hashtag text: lower-cased, kept unless empty or already there */

static void
ref_tag_add(const char *s, size_t len)
{
    size_t   j, k;
    u_char  *lower;

    if (len == 0) {
        return;
    }

    lower = fuzz_dup((const uint8_t *) s, len);

    for (j = 0; j < len; j++) {
        if (lower[j] >= 'A' && lower[j] <= 'Z') {
            lower[j] += 'a' - 'A';
        }
    }

    for (k = 0; k < ref.ntags; k++) {
        if (ref.tags[k].len == len && memcmp(ref.tags[k].data, lower, len) == 0)
        {
            free(lower);
            return;
        }
    }

    FUZZ_ASSERT(ref.ntags < REF_MAX_TAGS, "more than %d distinct hashtags",
                REF_MAX_TAGS);

    ref.tags[ref.ntags].data = lower;
    ref.tags[ref.ntags].len = len;
    ref.ntags++;
}


/*
 * container.entities.hashtags[].<key>, malformed names prefixed by path;
 * 0 with ref.bad set when malformed
 */

static int
ref_entity_tags(json_t *container, const char *key, const char *path)
{
    size_t   i;
    json_t  *ent, *tags, *tag, *text;

    ent = json_object_get(container, "entities");

    if (ent == NULL) {
        return 1;
    }

    if (!json_is_object(ent)) {
        ref_malformed("%sentities", path);
        return 0;
    }

    tags = json_object_get(ent, "hashtags");

    if (tags == NULL) {
        return 1;
    }

    if (!json_is_array(tags)) {
        ref_malformed("%sentities.hashtags", path);
        return 0;
    }

    for (i = 0; i < json_array_size(tags); i++) {
        tag = json_array_get(tags, i);

        if (!json_is_object(tag)) {
            ref_malformed("%sentities.hashtags[]", path);
            return 0;
        }

        text = json_object_get(tag, key);

        if (!json_is_string(text)) {
            ref_malformed("%sentities.hashtags[].%s", path, key);
            return 0;
        }

        ref_tag_add(json_string_value(text), json_string_length(text));
    }

    return 1;
}


/* v1.1: extended_tweet's entities when "truncated" is true */

static int
ref_status_tags(json_t *status, const char *where)
{
    char     path[64];
    json_t  *ext;

    if (json_is_true(json_object_get(status, "truncated"))) {
        ext = ref_get(status, "extended_tweet");

        if (ext != NULL) {
            if (!json_is_object(ext)) {
                ref_malformed("%sextended_tweet", where);
                return 0;
            }

            snprintf(path, sizeof(path), "%sextended_tweet.", where);

            return ref_entity_tags(ext, "text", path);
        }
    }

    return ref_entity_tags(status, "text", where);
}


/* v2: note_tweet (or note_post) entities when the note has "entities" */

static int
ref_post_tags(json_t *post, const char *where)
{
    char         path[96];
    json_t      *note;
    const char  *name;

    note = ref_spelled(post, "note_tweet", "note_post", &name);

    if (note != NULL) {
        if (!json_is_object(note)) {
            ref_malformed("%s%s", where, name);
            return 0;
        }

        if (json_object_get(note, "entities") != NULL) {
            snprintf(path, sizeof(path), "%s%s.", where, name);

            return ref_entity_tags(note, "tag", path);
        }
    }

    return ref_entity_tags(post, "tag", where);
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


/* the hashtags read: ACT (with its code), else no_hashtag */

static void
ref_own_tags_verdict(void)
{
    if (ref.ntags == 0) {
        ref.state = NOH;
        return;
    }

    ref.state = ACT;
    ref.has_code = ref_code();
}


/* a retweet's hashtags read: it confirms with a code, else a retweet */

static void
ref_retweet_verdict(void)
{
    if (!ref_code()) {
        ref_tags_free();
        ref.state = RT;
        return;
    }

    ref.state = ACT;
    ref.has_code = 1;
    ref.retweet_confirm = 1;
}


/* an Account Activity tweet (v1.1) */

static void
ref_v1(json_t *ev)
{
    json_t  *user, *ts, *ca, *rs, *ru, *rid, *hist, *first;

    ref_reset();

    if (!json_is_object(ev)) {
        ref_malformed("tweet_create_events[]");
        return;
    }

    ref.id = json_object_get(ev, "id_str");

    if (!ref_id(ref.id)) {
        ref.id = NULL;
        ref_malformed("id_str");
        return;
    }

    ref.root = ref.id;

    hist = ref_get(ev, "edit_history");

    if (hist != NULL) {
        if (!json_is_object(hist)) {
            ref_malformed("edit_history");
            return;
        }

        first = ref_get(hist, "initial_tweet_id");

        if (first != NULL) {
            if (!ref_id(first)) {
                ref_malformed("edit_history.initial_tweet_id");
                return;
            }

            ref.root = first;
        }
    }

    user = json_object_get(ev, "user");

    if (!json_is_object(user)) {
        ref_malformed("user");
        return;
    }

    ref.author = json_object_get(user, "id_str");

    if (!ref_id(ref.author)) {
        ref_malformed("user.id_str");
        return;
    }

    ref.screen_name = json_object_get(user, "screen_name");

    if (ref.screen_name != NULL && !json_is_string(ref.screen_name)) {
        ref_malformed("user.screen_name");
        return;
    }

    ca = json_object_get(user, "created_at");

    if (json_is_string(ca)) {
        ref.created_at = ref_created_at(json_string_value(ca),
                                        json_string_length(ca));
    }

    ts = json_object_get(ev, "timestamp_ms");

    if (ts != NULL && !ref_timestamp(ts, &ref.timestamp)) {
        ref_malformed("timestamp_ms");
        return;
    }

    rs = ref_get(ev, "retweeted_status");

    if (rs != NULL && !json_is_object(rs)) {
        ref_malformed("retweeted_status");
        return;
    }

    if (ref_is_operator(ref.author)) {
        ref.state = OP;
        return;
    }

    if (rs != NULL) {
        ru = json_object_get(rs, "user");

        if (!json_is_object(ru)) {
            ref_malformed("retweeted_status.user");
            return;
        }

        rid = json_object_get(ru, "id_str");

        if (!ref_id(rid)) {
            ref_malformed("retweeted_status.user.id_str");
            return;
        }

        ref.state = RT;

        if (!ref_is_operator(rid)) {
            return;
        }

        if (ref_status_tags(rs, "retweeted_status.")) {
            ref_retweet_verdict();
        }

        return;
    }

    if (ref_status_tags(ev, "")) {
        ref_own_tags_verdict();
    }
}


/*
 * A v2 post (an X Activity API payload or the stream's data) with the
 * includes delivered beside it, the checks in the order of the brief
 */

static void
ref_v2(json_t *post, json_t *includes, const char *where)
{
    size_t       i;
    json_t      *hist, *v, *users, *user, *refs, *r, *type, *reposted, *list;
    json_t      *entry, *author, *ent, *mentions, *m;
    char         prefix[64];
    const char  *name, *lname;

    ref_reset();

    if (!json_is_object(post)) {
        ref_malformed("%s", where);
        return;
    }

    ref.id = json_object_get(post, "id");

    if (!ref_id(ref.id)) {
        ref.id = NULL;
        ref_malformed("id");
        return;
    }

    ref.root = ref.id;
    ref.author = json_object_get(post, "author_id");

    if (!ref_id(ref.author)) {
        ref_malformed("author_id");
        return;
    }

    /* the edit history: its first id is the post's identity */

    hist = ref_spelled(post, "edit_history_tweet_ids",
                       "edit_history_post_ids", &name);

    if (hist != NULL) {
        if (!json_is_array(hist)) {
            ref_malformed("%s", name);
            return;
        }

        if (json_array_size(hist) > 0) {
            if (!ref_id(json_array_get(hist, 0))) {
                ref_malformed("%s[]", name);
                return;
            }

            ref.root = json_array_get(hist, 0);
        }
    }

    /* the post's time: absent or null, Redis's clock */

    v = ref_get(post, "created_at");

    if (v != NULL) {
        ref.timestamp = ref_iso_value(v);

        if (ref.timestamp == -1) {
            ref_malformed("created_at");
            return;
        }
    }

    /* the author's entry of includes.users */

    includes = json_is_null(includes) ? NULL : includes;

    if (includes != NULL && !json_is_object(includes)) {
        ref_malformed("includes");
        return;
    }

    users = ref_get(includes, "users");

    if (users != NULL && !json_is_array(users)) {
        ref_malformed("includes.users");
        return;
    }

    user = ref_lookup(users, ref.author);

    if (user != NULL) {
        v = json_object_get(user, "username");

        if (v != NULL) {
            if (!json_is_string(v)) {
                ref_malformed("includes.users[].username");
                return;
            }

            ref.screen_name = v;
        }

        ref.created_at = ref_iso_value(json_object_get(user, "created_at"));
    }

    /* references: every entry judged, the first "retweeted" one kept */

    reposted = NULL;

    refs = ref_spelled(post, "referenced_tweets", "referenced_posts", &name);

    if (refs != NULL) {
        if (!json_is_array(refs)) {
            ref_malformed("%s", name);
            return;
        }

        for (i = 0; i < json_array_size(refs); i++) {
            r = json_array_get(refs, i);

            if (!json_is_object(r)) {
                ref_malformed("%s[]", name);
                return;
            }

            type = json_object_get(r, "type");

            if (!json_is_string(type)) {
                ref_malformed("%s[].type", name);
                return;
            }

            if (reposted == NULL && ref_string_is(type, "retweeted")) {
                reposted = json_object_get(r, "id");

                if (!ref_id(reposted)) {
                    ref_malformed("%s[].id", name);
                    return;
                }
            }
        }
    }

    if (ref_is_operator(ref.author)) {
        ref.state = OP;
        return;
    }

    if (reposted == NULL) {

        /* the post's own hashtags (never a quoted post's) */

        if (ref_post_tags(post, "")) {
            ref_own_tags_verdict();
        }

        return;
    }

    /* a repost: the reposted post from includes, or the bare repost */

    ref.state = RT;

    list = ref_spelled(includes, "tweets", "posts", &lname);
    entry = NULL;

    if (list != NULL) {
        if (!json_is_array(list)) {
            ref_malformed("includes.%s", lname);
            return;
        }

        entry = ref_lookup(list, reposted);
    }

    if (entry != NULL) {
        author = json_object_get(entry, "author_id");

        if (!ref_id(author)) {
            ref_malformed("includes.%s[].author_id", lname);
            return;
        }

        if (!ref_is_operator(author)) {
            return;
        }

        snprintf(prefix, sizeof(prefix), "includes.%s[].", lname);

        if (ref_post_tags(entry, prefix)) {
            ref_retweet_verdict();
        }

        return;
    }

    ent = json_object_get(post, "entities");
    mentions = NULL;

    if (ent != NULL) {
        if (!json_is_object(ent)) {
            ref_malformed("entities");
            return;
        }

        mentions = json_object_get(ent, "mentions");

        if (mentions != NULL && !json_is_array(mentions)) {
            ref_malformed("entities.mentions");
            return;
        }
    }

    if (json_array_size(mentions) == 0) {
        return;
    }

    m = json_array_get(mentions, 0);

    if (!json_is_object(m) || !ref_id(json_object_get(m, "id"))) {
        ref_malformed("entities.mentions[].id");
        return;
    }

    if (!ref_is_operator(json_object_get(m, "id"))) {
        return;
    }

    if (ref_entity_tags(post, "tag", "")) {
        ref_retweet_verdict();
    }
}


/* comparing the reader's answer with the model */

static void
check_str(ngx_str_t *got, json_t *want, const char *name, size_t i)
{
    if (want == NULL) {
        FUZZ_ASSERT(got->data == NULL && got->len == 0, "post %zu: %s set",
                    i, name);
        return;
    }

    FUZZ_ASSERT(got->data == (u_char *) json_string_value(want)
                && got->len == json_string_length(want),
                "post %zu: %s \"%.*s\" does not point at \"%s\"", i, name,
                (int) got->len, got->data ? (char *) got->data : "",
                json_string_value(want));
}


static void
check_id(ngx_str_t *s, const char *name, size_t i)
{
    FUZZ_ASSERT(s->len >= 1 && s->len <= 20 && fuzz_all_digits(s->data, s->len),
                "post %zu: %s not 1-20 digits", i, name);
}


/* the next post of the reader's answer against ref */

static void
expect_tweet(ref_walk_t *w)
{
    size_t                     i, k, j;
    ngx_str_t                 *tags;
    ngx_http_hashpay_tweet_t  *t;

    i = w->ntweets++;

    FUZZ_ASSERT(i < w->d->tweets->nelts, "post %zu not read (%zu read)", i,
                (size_t) w->d->tweets->nelts);

    t = (ngx_http_hashpay_tweet_t *) w->d->tweets->elts + i;

    FUZZ_ASSERT(t->state == ref.state, "post %zu: state %d, want %d%s%s", i,
                (int) t->state, (int) ref.state,
                ref.state == MAL ? ": malformed " : "",
                ref.state == MAL ? ref.bad : "");

    /* the id, for the log and tweet_id; null when it could not be read */

    check_str(&t->id, ref.id, "id", i);

    if (t->state == MAL) {
        FUZZ_ASSERT(t->bad_field != NULL && strcmp(t->bad_field, ref.bad) == 0,
                    "post %zu: bad_field \"%s\", want \"%s\"", i,
                    t->bad_field ? t->bad_field : "(null)", ref.bad);
        FUZZ_ASSERT(t->hashtags == NULL && !t->has_code
                    && !t->retweet_confirm,
                    "post %zu: malformed with hashtags or a code", i);
        return;
    }

    FUZZ_ASSERT(t->bad_field == NULL, "post %zu: bad_field \"%s\" on state %d",
                i, t->bad_field, (int) t->state);

    check_str(&t->root_id, ref.root, "root_id", i);
    check_str(&t->author_id, ref.author, "author_id", i);
    check_str(&t->screen_name, ref.screen_name, "screen_name", i);

    check_id(&t->id, "id", i);
    check_id(&t->root_id, "root_id", i);
    check_id(&t->author_id, "author_id", i);

    FUZZ_ASSERT(t->timestamp == ref.timestamp,
                "post %zu: timestamp %lld, want %lld", i,
                (long long) t->timestamp, (long long) ref.timestamp);
    FUZZ_ASSERT(t->created_at == ref.created_at,
                "post %zu: created_at %lld, want %lld (timegm)", i,
                (long long) t->created_at, (long long) ref.created_at);
    FUZZ_ASSERT(t->created_at >= -1 && t->timestamp >= -1,
                "post %zu: negative time", i);

    if (t->state != ACT) {
        FUZZ_ASSERT(t->hashtags == NULL && !t->has_code
                    && !t->retweet_confirm,
                    "post %zu: state %d with hashtags or a code", i,
                    (int) t->state);
        return;
    }

    /* ACT: the hashtags the model found, lower-case, distinct, in order */

    FUZZ_ASSERT(t->hashtags != NULL && t->hashtags->nelts == ref.ntags
                && ref.ntags > 0,
                "post %zu: %zu hashtags, want %zu", i,
                t->hashtags ? (size_t) t->hashtags->nelts : 0, ref.ntags);

    tags = t->hashtags->elts;

    for (k = 0; k < ref.ntags; k++) {
        FUZZ_ASSERT(tags[k].len == ref.tags[k].len
                    && memcmp(tags[k].data, ref.tags[k].data, tags[k].len)
                       == 0,
                    "post %zu: hashtag %zu \"%.*s\", want \"%.*s\"", i, k,
                    (int) tags[k].len, tags[k].data, (int) ref.tags[k].len,
                    ref.tags[k].data);

        for (j = 0; j < tags[k].len; j++) {
            FUZZ_ASSERT(!(tags[k].data[j] >= 'A' && tags[k].data[j] <= 'Z'),
                        "hashtag %zu not lower-cased", k);
        }
    }

    FUZZ_ASSERT(t->has_code == ref.has_code
                && t->retweet_confirm == ref.retweet_confirm,
                "post %zu: has_code %d retweet_confirm %d, want %d %d", i,
                (int) t->has_code, (int) t->retweet_confirm,
                (int) ref.has_code, (int) ref.retweet_confirm);

    if (t->has_code) {
        FUZZ_ASSERT(memcmp(t->code, ref.code, NGX_HTTP_HASHPAY_CODE_LEN) == 0,
                    "post %zu: code %.6s, want %.6s", i, t->code, ref.code);

        for (j = 0; j < NGX_HTTP_HASHPAY_CODE_LEN; j++) {
            FUZZ_ASSERT((t->code[j] >= 'A' && t->code[j] <= 'Z')
                        || (t->code[j] >= '0' && t->code[j] <= '9'),
                        "code %.6s", t->code);
        }
    }

    FUZZ_ASSERT(t->retweet_confirm || !ref_is_operator(ref.author),
                "an operator's own post acts");
}


/* the next revoke of the reader's answer */

static void
expect_revoke(ref_walk_t *w, const char *kind, json_t *user, int64_t when,
    const char *bad)
{
    size_t                      i;
    ngx_http_hashpay_revoke_t  *rv;

    i = w->nrevokes++;

    FUZZ_ASSERT(i < w->d->revokes->nelts, "revoke %zu not read", i);

    rv = (ngx_http_hashpay_revoke_t *) w->d->revokes->elts + i;

    FUZZ_ASSERT(rv->kind != NULL && strcmp(rv->kind, kind) == 0,
                "revoke %zu: kind \"%s\", want \"%s\"", i,
                rv->kind ? rv->kind : "(null)", kind);

    FUZZ_ASSERT(rv->before == w->ntweets,
                "revoke %zu: before %zu, want %zu", i, (size_t) rv->before,
                w->ntweets);

    FUZZ_ASSERT((bad == NULL && rv->bad_field == NULL)
                || (bad != NULL && rv->bad_field != NULL
                    && strcmp(bad, rv->bad_field) == 0),
                "revoke %zu: bad_field \"%s\", want \"%s\"", i,
                rv->bad_field ? rv->bad_field : "(null)",
                bad ? bad : "(null)");

    if (bad != NULL) {
        FUZZ_ASSERT(rv->user.data == NULL && rv->user.len == 0,
                    "revoke %zu: malformed with a user", i);
        return;
    }

    FUZZ_ASSERT(rv->user.data == (u_char *) json_string_value(user)
                && rv->user.len == json_string_length(user),
                "revoke %zu: user does not point at the document's", i);

    FUZZ_ASSERT(rv->date_time == when, "revoke %zu: date_time %lld, want %lld",
                i, (long long) rv->date_time, (long long) when);
}


/* user_event.revoke, after the tweets of the delivery */

static void
ref_aaa_revoke(ref_walk_t *w, json_t *root)
{
    json_t  *revoke, *source, *uid;

    revoke = json_object_get(json_object_get(root, "user_event"), "revoke");

    if (revoke == NULL) {
        return;
    }

    if (!json_is_object(revoke)) {
        expect_revoke(w, "user_event.revoke", NULL, -1, "user_event.revoke");
        return;
    }

    source = json_object_get(revoke, "source");

    if (!json_is_object(source)) {
        expect_revoke(w, "user_event.revoke", NULL, -1,
                      "user_event.revoke.source");
        return;
    }

    uid = json_object_get(source, "user_id");

    if (!ref_id(uid)) {
        expect_revoke(w, "user_event.revoke", NULL, -1,
                      "user_event.revoke.source.user_id");
        return;
    }

    expect_revoke(w, "user_event.revoke", uid,
                  ref_iso_value(json_object_get(revoke, "date_time")), NULL);
}


static void
ref_xaa_revoke(ref_walk_t *w, json_t *payload)
{
    json_t  *uid;

    if (!json_is_object(payload)) {
        expect_revoke(w, "oauth.revoke", NULL, -1, "payload");
        return;
    }

    uid = json_object_get(payload, "user_id");

    if (!ref_id(uid)) {
        expect_revoke(w, "oauth.revoke", NULL, -1, "payload.user_id");
        return;
    }

    expect_revoke(w, "oauth.revoke", uid,
                  ref_iso_value(json_object_get(payload, "date_time")), NULL);
}


/* one X Activity API event: a post, a revoke, or nothing */

static void
ref_xaa_event(ref_walk_t *w, json_t *ev)
{
    size_t       i;
    json_t      *type;

    static const char  *posts[] = {
        "post.create", "post.mention.create", "post.reply.create",
        "post.quote.create", "post.repost.create"
    };

    type = json_object_get(ev, "event_type");

    if (ref_string_is(type, "oauth.revoke")) {
        ref_xaa_revoke(w, json_object_get(ev, "payload"));
        return;
    }

    for (i = 0; i < sizeof(posts) / sizeof(posts[0]); i++) {
        if (ref_string_is(type, posts[i])) {
            ref_v2(json_object_get(ev, "payload"),
                   json_object_get(ev, "includes"), "payload");
            expect_tweet(w);
            return;
        }
    }
}


/*
 * The whole delivery: the verdict on the envelope, then every post and
 * revoke in order; rc and d are the reader's
 */

static void
check_delivery(json_t *root, ngx_int_t rc, ngx_http_hashpay_delivery_t *d)
{
    size_t                     i;
    json_t                    *data, *events;
    ngx_uint_t                 format;
    ref_walk_t                 w;

    if (!json_is_object(root)) {
        FUZZ_ASSERT(rc == NGX_DECLINED, "not an object: rc %d", (int) rc);
        return;
    }

    data = json_object_get(root, "data");
    events = json_object_get(root, "tweet_create_events");

    if (json_object_get(root, "matching_rules") != NULL) {
        format = NGX_HTTP_HASHPAY_FORMAT_STREAM;

        if (!json_is_object(data)) {
            goto declined;
        }

    } else if (data != NULL) {
        format = NGX_HTTP_HASHPAY_FORMAT_XAA;

        if (json_is_array(data)) {
            for (i = 0; i < json_array_size(data); i++) {
                if (!json_is_object(json_array_get(data, i))) {
                    goto declined;
                }
            }

        } else if (!json_is_object(data)) {
            goto declined;
        }

    } else {
        format = NGX_HTTP_HASHPAY_FORMAT_AAA;

        if (events != NULL && !json_is_array(events)) {
            goto declined;
        }
    }

    FUZZ_ASSERT(rc == NGX_OK, "rc %d, want NGX_OK", (int) rc);
    FUZZ_ASSERT(d->format == format, "format %d, want %d", (int) d->format,
                (int) format);
    FUZZ_ASSERT(d->tweets != NULL && d->revokes != NULL,
                "NGX_OK without the arrays");

    w.d = d;
    w.ntweets = 0;
    w.nrevokes = 0;

    switch (format) {

    case NGX_HTTP_HASHPAY_FORMAT_STREAM:
        ref_v2(data, json_object_get(root, "includes"), "data");
        expect_tweet(&w);
        break;

    case NGX_HTTP_HASHPAY_FORMAT_XAA:
        if (json_is_object(data)) {
            ref_xaa_event(&w, data);
            break;
        }

        for (i = 0; i < json_array_size(data); i++) {
            ref_xaa_event(&w, json_array_get(data, i));
        }

        break;

    default:
        for (i = 0; i < json_array_size(events); i++) {
            ref_v1(json_array_get(events, i));
            expect_tweet(&w);
        }

        ref_aaa_revoke(&w, root);
    }

    ref_tags_free();

    FUZZ_ASSERT(d->tweets->nelts == w.ntweets, "%zu posts read, want %zu",
                (size_t) d->tweets->nelts, w.ntweets);
    FUZZ_ASSERT(d->revokes->nelts == w.nrevokes, "%zu revokes read, want %zu",
                (size_t) d->revokes->nelts, w.nrevokes);

    return;

declined:

    FUZZ_ASSERT(rc == NGX_DECLINED, "format %d envelope: rc %d, want "
                "NGX_DECLINED", (int) format, (int) rc);
    FUZZ_ASSERT(d->format == format, "declined: format %d, want %d",
                (int) d->format, (int) format);

    /* nothing of a refused body may act */

    FUZZ_ASSERT((d->tweets == NULL || d->tweets->nelts == 0)
                && (d->revokes == NULL || d->revokes->nelts == 0),
                "declined with posts or revokes");
}


/*
 * Variants of the document, so that the fuzzer's finds in one spelling
 * or shape are tried in the others (the model reads them all): X's
 * second spellings of the fields, includes entries wrapped as
 * {"data": {...}}, a stream body as an X Activity API post event and
 * back, one event as an array of one, an oauth.revoke of each post's
 * author (at its time) after each event of an array, a number at the end
 * of every array but the events' (what only a first entry is read for
 * must stay so, what every entry is judged for must see it).  Each
 * variant must be read as the model reads it.
 */

#define VAR_SPELL   0x01
#define VAR_WRAP    0x02
#define VAR_SHAPE   0x04
#define VAR_ARRAY   0x08
#define VAR_REVOKE  0x10
#define VAR_JUNK    0x20
#define VAR_ALL     0x3f


static void
var_walk(json_t *v, ngx_uint_t what)
{
    size_t       i, n;
    json_t      *e, *w;
    void        *it;
    const char  *key;

    static const char  *spellings[][2] = {
        { "note_tweet", "note_post" },
        { "referenced_tweets", "referenced_posts" },
        { "edit_history_tweet_ids", "edit_history_post_ids" },
        { "tweets", "posts" },
    };

    if (json_is_array(v)) {
        for (i = 0; i < json_array_size(v); i++) {
            var_walk(json_array_get(v, i), what);
        }

        if (what & VAR_JUNK) {
            json_array_append_new(v, json_integer(7));
        }

        return;
    }

    if (!json_is_object(v)) {
        return;
    }

    if (what & VAR_SPELL) {
        for (i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
            e = json_object_get(v, spellings[i][0]);

            if (e != NULL && json_object_get(v, spellings[i][1]) == NULL) {
                json_object_set(v, spellings[i][1], e);
                json_object_del(v, spellings[i][0]);
            }
        }
    }

    if (what & VAR_WRAP) {
        for (it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
            key = json_object_iter_key(it);
            e = json_object_iter_value(it);

            if (!json_is_array(e)
                || (strcmp(key, "users") != 0 && strcmp(key, "tweets") != 0
                    && strcmp(key, "posts") != 0))
            {
                continue;
            }

            n = json_array_size(e);

            for (i = 0; i < n; i++) {
                if (json_is_object(json_array_get(e, i))) {
                    w = json_pack("{sO}", "data", json_array_get(e, i));
                    FUZZ_ASSERT(w != NULL, "json_pack");
                    json_array_set_new(e, i, w);
                }
            }
        }
    }

    for (it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
        var_walk(json_object_iter_value(it), what);
    }
}


static json_t *
var_make(json_t *root, ngx_uint_t what)
{
    size_t   i;
    json_t  *copy, *data, *ev, *inc, *events, *payload, *rv, *v;

    copy = json_deep_copy(root);
    FUZZ_ASSERT(copy != NULL, "json_deep_copy");

    if (!json_is_object(copy)) {
        return copy;
    }

    data = json_object_get(copy, "data");

    if (what & VAR_SHAPE) {

        if (json_object_get(copy, "matching_rules") != NULL
            && json_is_object(data))
        {
            /* the stream's post as an X Activity API post event */

            ev = json_pack("{sssO}", "event_type", "post.mention.create",
                           "payload", data);
            FUZZ_ASSERT(ev != NULL, "json_pack");

            inc = json_object_get(copy, "includes");

            if (inc != NULL) {
                json_object_set(ev, "includes", inc);
            }

            json_object_del(copy, "matching_rules");
            json_object_del(copy, "includes");
            json_object_set_new(copy, "data", ev);

        } else if (json_object_get(copy, "matching_rules") == NULL
                   && json_is_object(data)
                   && json_is_string(json_object_get(data, "event_type"))
                   && strncmp(json_string_value(json_object_get(data,
                                                                "event_type")),
                              "post.", 5) == 0)
        {
            /* an X Activity API post event as the stream's post */

            inc = json_object_get(data, "includes");
            ev = json_object_get(data, "payload");

            json_object_set_new(copy, "matching_rules", json_array());

            if (inc != NULL) {
                json_object_set(copy, "includes", inc);
            }

            if (ev != NULL) {
                json_object_set(copy, "data", ev);

            } else {
                json_object_del(copy, "data");
            }
        }
    }

    data = json_object_get(copy, "data");

    if ((what & VAR_ARRAY) && json_object_get(copy, "matching_rules") == NULL
        && json_is_object(data))
    {
        ev = json_pack("[O]", data);
        FUZZ_ASSERT(ev != NULL, "json_pack");
        json_object_set_new(copy, "data", ev);
    }

    data = json_object_get(copy, "data");

    if ((what & VAR_REVOKE) && json_object_get(copy, "matching_rules") == NULL
        && json_is_array(data))
    {
        events = json_array();
        FUZZ_ASSERT(events != NULL, "json_array");

        for (i = 0; i < json_array_size(data); i++) {
            ev = json_array_get(data, i);
            json_array_append(events, ev);

            payload = json_object_get(ev, "payload");
            rv = json_pack("{s{}}", "payload");
            FUZZ_ASSERT(rv != NULL, "json_pack");

            json_object_set_new(rv, "event_type",
                                json_string((i % 3) ? "oauth.revoke"
                                                    : "like.create"));

            v = json_object_get(payload, "author_id");
            json_object_set(json_object_get(rv, "payload"), "user_id",
                            v ? v : json_object_get(payload, "id"));

            v = json_object_get(payload, "created_at");

            if (v != NULL) {
                json_object_set(json_object_get(rv, "payload"), "date_time",
                                v);
            }

            json_array_append_new(events, rv);
        }

        json_object_set_new(copy, "data", events);
    }

    /* the events' array itself keeps its objects (else it is a 400) */

    data = json_object_get(copy, "data");

    if (json_is_array(data)) {
        for (i = 0; i < json_array_size(data); i++) {
            var_walk(json_array_get(data, i), what);
        }

        json_incref(data);
        json_object_del(copy, "data");
        var_walk(copy, what);
        json_object_set_new(copy, "data", data);

    } else {
        var_walk(copy, what);
    }

    return copy;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                        i;
    json_t                       *root, *var;
    uint32_t                      h;
    ngx_int_t                     rc, allocs;
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

    /* a budget that never runs out counts the allocations */

    ngx_stub_alloc_budget = REF_ALLOC_COUNT;

    rc = ngx_http_hashpay_delivery_read(root, &conf, pool, &d);

    allocs = REF_ALLOC_COUNT - ngx_stub_alloc_budget;
    ngx_stub_alloc_budget = -1;

    FUZZ_ASSERT(rc == NGX_OK || rc == NGX_DECLINED, "rc %d", (int) rc);

    check_delivery(root, rc, &d);

    ngx_destroy_pool(pool);

    h = 2166136261u;

    for (i = 0; i < size; i++) {
        h = (h ^ data[i]) * 16777619u;
    }

    /* a variant of the document, read as the model reads it */

    if (h & VAR_ALL) {
        var = var_make(root, h & VAR_ALL);

        pool = ngx_create_pool(1024, NULL);
        FUZZ_ASSERT(pool != NULL, "no pool");

        rc = ngx_http_hashpay_delivery_read(var, &conf, pool, &d);

        FUZZ_ASSERT(rc == NGX_OK || rc == NGX_DECLINED, "variant: rc %d",
                    (int) rc);

        check_delivery(var, rc, &d);

        ngx_destroy_pool(pool);
        json_decref(var);
    }

    /*
     * the allocation number (FNV-1a of the input) after which they all
     * fail: NGX_ERROR (a declined body may fail first), or the same
     * answer in full (when that many were enough)
     */

    pool = ngx_create_pool(1024, NULL);
    FUZZ_ASSERT(pool != NULL, "no pool");

    ngx_stub_alloc_budget = (h >> 5) % (allocs + 1);

    rc = ngx_http_hashpay_delivery_read(root, &conf, pool, &d);

    ngx_stub_alloc_budget = -1;

    if (rc != NGX_ERROR) {
        check_delivery(root, rc, &d);
    }

    ngx_destroy_pool(pool);

    json_decref(root);

    return 0;
}
