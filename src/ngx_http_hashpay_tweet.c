
/*
 * Copyright (C) hashpay authors
 *
 * Reading an X Account Activity delivery (jansson): which tweets there are,
 * who wrote them, which hashtags act, what a revoke names.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>

#include "ngx_http_hashpay_tweet.h"


#define NGX_HTTP_HASHPAY_ID_MAX_LEN  20
#define NGX_HTTP_HASHPAY_TS_MAX_LEN  19


/* the names a malformed hashtag list is logged under, one set per place */

typedef struct {
    const char                  *extended_tweet;
    const char                  *entities;
    const char                  *hashtags;
    const char                  *hashtag;
    const char                  *text;
} ngx_http_hashpay_tag_path_t;


static ngx_int_t ngx_http_hashpay_tweet_read(json_t *ev,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_tweet_t *t);
static ngx_int_t ngx_http_hashpay_retweet_read(json_t *rs,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_tweet_t *t, const char **bad);
static ngx_int_t ngx_http_hashpay_status_hashtags(json_t *status,
    ngx_uint_t retweeted, ngx_pool_t *pool, ngx_array_t **out,
    const char **bad);
static ngx_int_t ngx_http_hashpay_hashtags_copy(json_t *tags,
    const ngx_http_hashpay_tag_path_t *path, ngx_pool_t *pool,
    ngx_array_t **out, const char **bad);
static ngx_uint_t ngx_http_hashpay_eq_folded(const u_char *lower,
    const u_char *text, size_t len);
static ngx_int_t ngx_http_hashpay_first_code(ngx_array_t *tags,
    ngx_str_t *prefix, u_char *code);
static void ngx_http_hashpay_revoke_read(json_t *root,
    ngx_http_hashpay_delivery_t *d);
static ngx_int_t ngx_http_hashpay_id_str(json_t *v, ngx_str_t *id);
static ngx_int_t ngx_http_hashpay_timestamp(json_t *v, int64_t *ts);
static ngx_uint_t ngx_http_hashpay_is_operator(
    ngx_http_hashpay_tweet_conf_t *conf, ngx_str_t *id);
static ngx_int_t ngx_http_hashpay_name(const u_char *p, const char *names,
    ngx_uint_t n);
static ngx_int_t ngx_http_hashpay_num(const u_char *p, size_t n);
static int64_t ngx_http_hashpay_days_from_civil(int64_t y, ngx_uint_t m,
    ngx_uint_t d);


/*
 * [retweeted][extended]: the tweet's own entities, its extended_tweet's,
 * then the same inside retweeted_status
 */

static const ngx_http_hashpay_tag_path_t  ngx_http_hashpay_tag_paths[] = {

    { "extended_tweet",
      "entities",
      "entities.hashtags",
      "entities.hashtags[]",
      "entities.hashtags[].text" },

    { "extended_tweet",
      "extended_tweet.entities",
      "extended_tweet.entities.hashtags",
      "extended_tweet.entities.hashtags[]",
      "extended_tweet.entities.hashtags[].text" },

    { "retweeted_status.extended_tweet",
      "retweeted_status.entities",
      "retweeted_status.entities.hashtags",
      "retweeted_status.entities.hashtags[]",
      "retweeted_status.entities.hashtags[].text" },

    { "retweeted_status.extended_tweet",
      "retweeted_status.extended_tweet.entities",
      "retweeted_status.extended_tweet.entities.hashtags",
      "retweeted_status.extended_tweet.entities.hashtags[]",
      "retweeted_status.extended_tweet.entities.hashtags[].text" }
};


static const char  ngx_http_hashpay_wdays[] = "SunMonTueWedThuFriSat";
static const char  ngx_http_hashpay_months[] =
    "JanFebMarAprMayJunJulAugSepOctNovDec";

static const ngx_int_t  ngx_http_hashpay_mdays[] = {
    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
};


ngx_int_t
ngx_http_hashpay_delivery_read(json_t *root,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_delivery_t *d)
{
    size_t                     n, i;
    json_t                    *events;
    ngx_http_hashpay_tweet_t  *t;

    d->tweets = NULL;
    ngx_str_null(&d->revoke_user);
    d->revoke_bad_field = NULL;

    if (!json_is_object(root)) {
        return NGX_DECLINED;
    }

    events = json_object_get(root, "tweet_create_events");

    if (events != NULL && !json_is_array(events)) {
        return NGX_DECLINED;
    }

    n = json_array_size(events);

    d->tweets = ngx_array_create(pool, n ? n : 1,
                                 sizeof(ngx_http_hashpay_tweet_t));
    if (d->tweets == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        t = ngx_array_push(d->tweets);
        if (t == NULL) {
            return NGX_ERROR;
        }

        if (ngx_http_hashpay_tweet_read(json_array_get(events, i), conf, pool,
                                        t)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    ngx_http_hashpay_revoke_read(root, d);

    return NGX_OK;
}


ngx_int_t
ngx_http_hashpay_confirm_code(const u_char *tag, size_t len,
    ngx_str_t *prefix, u_char *code)
{
    u_char      c;
    ngx_uint_t  i;

    if (len != prefix->len + NGX_HTTP_HASHPAY_CODE_LEN) {
        return NGX_DECLINED;
    }

    for (i = 0; i < prefix->len; i++) {
        if (ngx_tolower(tag[i]) != ngx_tolower(prefix->data[i])) {
            return NGX_DECLINED;
        }
    }

    tag += prefix->len;

    for (i = 0; i < NGX_HTTP_HASHPAY_CODE_LEN; i++) {
        c = ngx_tolower(tag[i]);

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            return NGX_DECLINED;
        }
    }

    for (i = 0; i < NGX_HTTP_HASHPAY_CODE_LEN; i++) {
        code[i] = ngx_toupper(tag[i]);
    }

    return NGX_OK;
}


int64_t
ngx_http_hashpay_parse_created_at(const u_char *p, size_t len)
{
    int64_t    days, secs;
    ngx_int_t  mon, mdays, day, hour, min, sec, year, oh, om, off;

    /* "Wed May 23 06:01:13 +0000 2007" */

    if (len != sizeof("Wed May 23 06:01:13 +0000 2007") - 1) {
        return -1;
    }

    if (p[3] != ' ' || p[7] != ' ' || p[10] != ' ' || p[13] != ':'
        || p[16] != ':' || p[19] != ' ' || p[25] != ' ')
    {
        return -1;
    }

    /* the day name must be one, but is not checked against the date */

    if (ngx_http_hashpay_name(p, ngx_http_hashpay_wdays, 7) == NGX_ERROR) {
        return -1;
    }

    mon = ngx_http_hashpay_name(p + 4, ngx_http_hashpay_months, 12);
    day = ngx_http_hashpay_num(p + 8, 2);
    hour = ngx_http_hashpay_num(p + 11, 2);
    min = ngx_http_hashpay_num(p + 14, 2);
    sec = ngx_http_hashpay_num(p + 17, 2);
    oh = ngx_http_hashpay_num(p + 21, 2);
    om = ngx_http_hashpay_num(p + 23, 2);
    year = ngx_http_hashpay_num(p + 26, 4);

    if (mon == NGX_ERROR || day == NGX_ERROR || hour == NGX_ERROR
        || min == NGX_ERROR || sec == NGX_ERROR || oh == NGX_ERROR
        || om == NGX_ERROR || year == NGX_ERROR)
    {
        return -1;
    }

    if (year < 1970 || hour > 23 || min > 59 || sec > 59 || oh > 23
        || om > 59 || (p[20] != '+' && p[20] != '-'))
    {
        return -1;
    }

    mdays = ngx_http_hashpay_mdays[mon];

    if (mon == 1 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) {
        mdays++;
    }

    if (day < 1 || day > mdays) {
        return -1;
    }

    off = oh * 3600 + om * 60;

    if (p[20] == '-') {
        off = -off;
    }

    days = ngx_http_hashpay_days_from_civil(year, mon + 1, day);

    secs = days * 86400 + hour * 3600 + min * 60 + sec - off;

    if (secs < 0) {
        return -1;
    }

    return secs * 1000;
}


static ngx_int_t
ngx_http_hashpay_tweet_read(json_t *ev, ngx_http_hashpay_tweet_conf_t *conf,
    ngx_pool_t *pool, ngx_http_hashpay_tweet_t *t)
{
    json_t       *user, *rs, *v;
    ngx_int_t     rc;
    const char   *bad;
    ngx_array_t  *tags;

    ngx_memzero(t, sizeof(ngx_http_hashpay_tweet_t));

    /*
     * set by ngx_memzero():
     *
     *     t->bad_field = NULL;
     *     t->id = { 0, NULL };
     *     t->author_id = { 0, NULL };
     *     t->screen_name = { 0, NULL };
     *     t->hashtags = NULL;
     *     t->has_code = 0;
     *     t->retweet_confirm = 0;
     */

    t->created_at = -1;
    t->timestamp = -1;

    if (!json_is_object(ev)) {
        bad = "tweet_create_events[]";
        goto malformed;
    }

    if (ngx_http_hashpay_id_str(json_object_get(ev, "id_str"), &t->id)
        != NGX_OK)
    {
        bad = "id_str";
        goto malformed;
    }

    user = json_object_get(ev, "user");

    if (!json_is_object(user)) {
        bad = "user";
        goto malformed;
    }

    if (ngx_http_hashpay_id_str(json_object_get(user, "id_str"),
                                &t->author_id)
        != NGX_OK)
    {
        bad = "user.id_str";
        goto malformed;
    }

    v = json_object_get(user, "screen_name");

    if (v != NULL) {
        if (!json_is_string(v)) {
            bad = "user.screen_name";
            goto malformed;
        }

        t->screen_name.len = json_string_length(v);
        t->screen_name.data = (u_char *) json_string_value(v);
    }

    /* not a string, or not of the shape: -1, and account age fails closed */

    v = json_object_get(user, "created_at");

    if (json_is_string(v)) {
        t->created_at = ngx_http_hashpay_parse_created_at(
                            (const u_char *) json_string_value(v),
                            json_string_length(v));
    }

    v = json_object_get(ev, "timestamp_ms");

    if (v != NULL && ngx_http_hashpay_timestamp(v, &t->timestamp) != NGX_OK) {
        bad = "timestamp_ms";
        goto malformed;
    }

    rs = json_object_get(ev, "retweeted_status");

    if (json_is_null(rs)) {
        rs = NULL;
    }

    if (rs != NULL && !json_is_object(rs)) {
        bad = "retweeted_status";
        goto malformed;
    }

    if (ngx_http_hashpay_is_operator(conf, &t->author_id)) {
        t->state = NGX_HTTP_HASHPAY_TWEET_OPERATOR;
        return NGX_OK;
    }

    if (rs != NULL) {
        rc = ngx_http_hashpay_retweet_read(rs, conf, pool, t, &bad);

        if (rc == NGX_DECLINED) {
            goto malformed;
        }

        return rc;
    }

    /* hashtags of quoted_status are never read */

    rc = ngx_http_hashpay_status_hashtags(ev, 0, pool, &tags, &bad);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc == NGX_DECLINED) {
        goto malformed;
    }

    if (tags->nelts == 0) {
        t->state = NGX_HTTP_HASHPAY_TWEET_NO_HASHTAG;
        return NGX_OK;
    }

    t->state = NGX_HTTP_HASHPAY_TWEET_ACT;
    t->hashtags = tags;

    if (ngx_http_hashpay_first_code(tags, &conf->confirm_prefix, t->code)
        == NGX_OK)
    {
        t->has_code = 1;
    }

    return NGX_OK;

malformed:

    t->state = NGX_HTTP_HASHPAY_TWEET_MALFORMED;
    t->bad_field = bad;

    return NGX_OK;
}


/*
 * A retweet never acts, except a retweet of an operator account's tweet
 * that carries a confirmation hashtag: it confirms on behalf of the
 * retweeting author.  NGX_DECLINED (with *bad) when what is read of
 * retweeted_status has the wrong type.
 */

static ngx_int_t
ngx_http_hashpay_retweet_read(json_t *rs, ngx_http_hashpay_tweet_conf_t *conf,
    ngx_pool_t *pool, ngx_http_hashpay_tweet_t *t, const char **bad)
{
    json_t       *user;
    ngx_int_t     rc;
    ngx_str_t     author;
    ngx_array_t  *tags;

    user = json_object_get(rs, "user");

    if (!json_is_object(user)) {
        *bad = "retweeted_status.user";
        return NGX_DECLINED;
    }

    if (ngx_http_hashpay_id_str(json_object_get(user, "id_str"), &author)
        != NGX_OK)
    {
        *bad = "retweeted_status.user.id_str";
        return NGX_DECLINED;
    }

    t->state = NGX_HTTP_HASHPAY_TWEET_RETWEET;

    if (!ngx_http_hashpay_is_operator(conf, &author)) {
        return NGX_OK;
    }

    rc = ngx_http_hashpay_status_hashtags(rs, 1, pool, &tags, bad);

    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_hashpay_first_code(tags, &conf->confirm_prefix, t->code)
        != NGX_OK)
    {
        return NGX_OK;
    }

    t->state = NGX_HTTP_HASHPAY_TWEET_ACT;
    t->hashtags = tags;
    t->has_code = 1;
    t->retweet_confirm = 1;

    return NGX_OK;
}


/*
 * The hashtags of a status: extended_tweet.entities.hashtags when
 * "truncated" is true and there is an extended_tweet, else
 * entities.hashtags.  *out is an array, possibly empty.
 */

static ngx_int_t
ngx_http_hashpay_status_hashtags(json_t *status, ngx_uint_t retweeted,
    ngx_pool_t *pool, ngx_array_t **out, const char **bad)
{
    json_t                             *ext, *ent, *tags;
    const ngx_http_hashpay_tag_path_t  *path;

    path = &ngx_http_hashpay_tag_paths[retweeted * 2];

    ext = NULL;

    if (json_is_true(json_object_get(status, "truncated"))) {
        ext = json_object_get(status, "extended_tweet");

        if (json_is_null(ext)) {
            ext = NULL;
        }

        if (ext != NULL) {
            if (!json_is_object(ext)) {
                *bad = path->extended_tweet;
                return NGX_DECLINED;
            }

            path++;
            status = ext;
        }
    }

    tags = NULL;

    ent = json_object_get(status, "entities");

    if (ent != NULL) {
        if (!json_is_object(ent)) {
            *bad = path->entities;
            return NGX_DECLINED;
        }

        tags = json_object_get(ent, "hashtags");

        if (tags != NULL && !json_is_array(tags)) {
            *bad = path->hashtags;
            return NGX_DECLINED;
        }
    }

    return ngx_http_hashpay_hashtags_copy(tags, path, pool, out, bad);
}


/*
 * ASCII-lower-cased copies of the hashtag texts, in order, empty texts and
 * duplicates left out; duplicates are found with a small open-addressing
 * table, so that a tweet with very many hashtags costs linear time
 */

static ngx_int_t
ngx_http_hashpay_hashtags_copy(json_t *tags,
    const ngx_http_hashpay_tag_path_t *path, ngx_pool_t *pool,
    ngx_array_t **out, const char **bad)
{
    u_char        *p;
    size_t         n, i, j, len;
    json_t        *tag, *text;
    ngx_str_t     *s, *elts;
    ngx_uint_t     size, key, k, *slots;
    ngx_array_t   *a;
    const u_char  *src;

    n = json_array_size(tags);

    a = ngx_array_create(pool, n ? n : 1, sizeof(ngx_str_t));
    if (a == NULL) {
        return NGX_ERROR;
    }

    for (size = 1; size < 2 * n; size <<= 1) { /* void */ }

    slots = ngx_pcalloc(pool, size * sizeof(ngx_uint_t));
    if (slots == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        tag = json_array_get(tags, i);

        if (!json_is_object(tag)) {
            *bad = path->hashtag;
            return NGX_DECLINED;
        }

        text = json_object_get(tag, "text");

        if (!json_is_string(text)) {
            *bad = path->text;
            return NGX_DECLINED;
        }

        src = (const u_char *) json_string_value(text);
        len = json_string_length(text);

        if (len == 0) {
            continue;
        }

        key = 0;

        for (j = 0; j < len; j++) {
            key = ngx_hash(key, ngx_tolower(src[j]));
        }

        /* slots[] hold 1 + the index of a copy, 0 when free */

        elts = a->elts;

        for (k = key & (size - 1); slots[k]; k = (k + 1) & (size - 1)) {
            s = &elts[slots[k] - 1];

            if (s->len == len && ngx_http_hashpay_eq_folded(s->data, src, len))
            {
                break;
            }
        }

        if (slots[k]) {
            continue;
        }

        p = ngx_pnalloc(pool, len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        for (j = 0; j < len; j++) {
            p[j] = ngx_tolower(src[j]);
        }

        s = ngx_array_push(a);
        if (s == NULL) {
            return NGX_ERROR;
        }

        s->len = len;
        s->data = p;

        slots[k] = a->nelts;
    }

    *out = a;

    return NGX_OK;
}


static ngx_uint_t
ngx_http_hashpay_eq_folded(const u_char *lower, const u_char *text,
    size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (lower[i] != ngx_tolower(text[i])) {
            return 0;
        }
    }

    return 1;
}


static ngx_int_t
ngx_http_hashpay_first_code(ngx_array_t *tags, ngx_str_t *prefix,
    u_char *code)
{
    ngx_str_t   *s;
    ngx_uint_t   i;

    s = tags->elts;

    for (i = 0; i < tags->nelts; i++) {
        if (ngx_http_hashpay_confirm_code(s[i].data, s[i].len, prefix, code)
            == NGX_OK)
        {
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


static void
ngx_http_hashpay_revoke_read(json_t *root, ngx_http_hashpay_delivery_t *d)
{
    json_t  *revoke, *source;

    revoke = json_object_get(json_object_get(root, "user_event"), "revoke");

    if (revoke == NULL) {
        return;
    }

    if (!json_is_object(revoke)) {
        d->revoke_bad_field = "user_event.revoke";
        return;
    }

    source = json_object_get(revoke, "source");

    if (!json_is_object(source)) {
        d->revoke_bad_field = "user_event.revoke.source";
        return;
    }

    if (ngx_http_hashpay_id_str(json_object_get(source, "user_id"),
                                &d->revoke_user)
        != NGX_OK)
    {
        d->revoke_bad_field = "user_event.revoke.source.user_id";
    }
}


/* an X id: a string of 1-20 ASCII digits, kept as a string */

static ngx_int_t
ngx_http_hashpay_id_str(json_t *v, ngx_str_t *id)
{
    size_t         i, len;
    const u_char  *p;

    if (!json_is_string(v)) {
        return NGX_DECLINED;
    }

    p = (const u_char *) json_string_value(v);
    len = json_string_length(v);

    if (len == 0 || len > NGX_HTTP_HASHPAY_ID_MAX_LEN) {
        return NGX_DECLINED;
    }

    for (i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return NGX_DECLINED;
        }
    }

    id->len = len;
    id->data = (u_char *) p;

    return NGX_OK;
}


/*
 * timestamp_ms: a number with an integral value >= 0 (a real such as 1e12
 * too: jansson reads every integer as a real when the body holds one too
 * large for 64 bits), or a string of 1-19 digits
 */

static ngx_int_t
ngx_http_hashpay_timestamp(json_t *v, int64_t *ts)
{
    double         d;
    size_t         i, len;
    int64_t        n;
    json_int_t     j;
    const u_char  *p;

    if (json_is_integer(v)) {
        j = json_integer_value(v);

        if (j < 0) {
            return NGX_DECLINED;
        }

        *ts = (int64_t) j;
        return NGX_OK;
    }

    if (json_is_real(v)) {
        d = json_real_value(v);

        /* exact in a double up to 2^53 */
        if (d < 0 || d > 9007199254740992.0 || d != (double) (int64_t) d) {
            return NGX_DECLINED;
        }

        *ts = (int64_t) d;
        return NGX_OK;
    }

    if (!json_is_string(v)) {
        return NGX_DECLINED;
    }

    p = (const u_char *) json_string_value(v);
    len = json_string_length(v);

    if (len == 0 || len > NGX_HTTP_HASHPAY_TS_MAX_LEN) {
        return NGX_DECLINED;
    }

    n = 0;

    for (i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return NGX_DECLINED;
        }

        if (n > (INT64_MAX - (p[i] - '0')) / 10) {
            return NGX_DECLINED;
        }

        n = n * 10 + (p[i] - '0');
    }

    *ts = n;

    return NGX_OK;
}


static ngx_uint_t
ngx_http_hashpay_is_operator(ngx_http_hashpay_tweet_conf_t *conf,
    ngx_str_t *id)
{
    ngx_uint_t  i;

    for (i = 0; i < conf->noperators; i++) {
        if (conf->operators[i].len == id->len
            && ngx_memcmp(conf->operators[i].data, id->data, id->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* the index of the 3-letter name at p among n names, or NGX_ERROR */

static ngx_int_t
ngx_http_hashpay_name(const u_char *p, const char *names, ngx_uint_t n)
{
    ngx_uint_t  i;

    for (i = 0; i < n; i++) {
        if (ngx_memcmp(p, names + i * 3, 3) == 0) {
            return i;
        }
    }

    return NGX_ERROR;
}


/* exactly n ASCII digits (n <= 4), or NGX_ERROR */

static ngx_int_t
ngx_http_hashpay_num(const u_char *p, size_t n)
{
    ngx_int_t  v;

    v = 0;

    while (n--) {
        if (*p < '0' || *p > '9') {
            return NGX_ERROR;
        }

        v = v * 10 + (*p++ - '0');
    }

    return v;
}


/*
 * days since 1970-01-01 of a proleptic Gregorian date (y >= 1970,
 * m 1-12), with no help from timegm() and the time zone or locale
 */

static int64_t
ngx_http_hashpay_days_from_civil(int64_t y, ngx_uint_t m, ngx_uint_t d)
{
    int64_t     era, yoe, doy, doe;
    ngx_uint_t  mp;

    if (m <= 2) {
        y--;
    }

    era = y / 400;
    yoe = y - era * 400;

    /* the year starts in March, so that February's length comes last */

    mp = (m > 2) ? m - 3 : m + 9;
    doy = (153 * mp + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}
