
/*
 * Copyright (C) hashpay authors
 *
 * Reading an X webhook delivery (jansson): Account Activity, X Activity
 * API or Filtered Stream; which posts there are, who wrote them, which
 * hashtags act, what a revoke names.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>

#include "ngx_http_hashpay_tweet.h"


#define NGX_HTTP_HASHPAY_ID_MAX_LEN  20
#define NGX_HTTP_HASHPAY_TS_MAX_LEN  19


static ngx_int_t ngx_http_hashpay_aaa_read(json_t *root,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_delivery_t *d);
static ngx_int_t ngx_http_hashpay_xaa_read(json_t *data,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_delivery_t *d);
static ngx_int_t ngx_http_hashpay_xaa_event(json_t *ev,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_delivery_t *d);
static ngx_int_t ngx_http_hashpay_tweet_read(json_t *ev,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_tweet_t *t);
static ngx_int_t ngx_http_hashpay_retweet_read(json_t *rs,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_tweet_t *t, const char **bad);
static ngx_int_t ngx_http_hashpay_status_hashtags(json_t *status,
    const char *prefix, ngx_pool_t *pool, ngx_array_t **out,
    const char **bad);
static ngx_int_t ngx_http_hashpay_post_push(json_t *post, json_t *includes,
    const char *where, ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_delivery_t *d);
static ngx_int_t ngx_http_hashpay_post_read(json_t *post, json_t *includes,
    const char *where, ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_tweet_t *t);
static ngx_int_t ngx_http_hashpay_post_author(json_t *includes,
    ngx_pool_t *pool, ngx_http_hashpay_tweet_t *t, const char **bad);
static ngx_int_t ngx_http_hashpay_repost_read(json_t *post, json_t *includes,
    ngx_str_t *ref, ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_tweet_t *t, const char **bad);
static ngx_int_t ngx_http_hashpay_post_hashtags(json_t *post,
    const char *prefix, ngx_pool_t *pool, ngx_array_t **out,
    const char **bad);
static ngx_int_t ngx_http_hashpay_entities_hashtags(json_t *container,
    const char *key, const char *p1, const char *p2, ngx_pool_t *pool,
    ngx_array_t **out, const char **bad);
static ngx_int_t ngx_http_hashpay_hashtags_copy(json_t *tags,
    const char *key, ngx_pool_t *pool, ngx_array_t **out,
    const char **bad);
static void ngx_http_hashpay_repost_confirm(
    ngx_http_hashpay_tweet_conf_t *conf, ngx_array_t *tags,
    ngx_http_hashpay_tweet_t *t);
static ngx_uint_t ngx_http_hashpay_eq_folded(const u_char *lower,
    const u_char *text, size_t len);
static ngx_int_t ngx_http_hashpay_first_code(ngx_array_t *tags,
    ngx_str_t *prefix, u_char *code);
static ngx_int_t ngx_http_hashpay_aaa_revoke(json_t *root, ngx_pool_t *pool,
    ngx_http_hashpay_delivery_t *d);
static ngx_int_t ngx_http_hashpay_xaa_revoke(json_t *payload,
    ngx_http_hashpay_delivery_t *d);
static json_t *ngx_http_hashpay_get2(json_t *obj, const char *name,
    const char *alt, ngx_uint_t *which);
static json_t *ngx_http_hashpay_unwrap(json_t *entry);
static json_t *ngx_http_hashpay_find_id(json_t *list, ngx_str_t *id);
static ngx_int_t ngx_http_hashpay_bad(ngx_pool_t *pool, const char **bad,
    const char *a, const char *b, const char *c, const char *d);
static ngx_int_t ngx_http_hashpay_id_str(json_t *v, ngx_str_t *id);
static ngx_int_t ngx_http_hashpay_timestamp(json_t *v, int64_t *ts);
static ngx_uint_t ngx_http_hashpay_is_operator(
    ngx_http_hashpay_tweet_conf_t *conf, ngx_str_t *id);
static ngx_int_t ngx_http_hashpay_name(const u_char *p, const char *names,
    ngx_uint_t n);
static ngx_int_t ngx_http_hashpay_num(const u_char *p, size_t n);
static int64_t ngx_http_hashpay_days_from_civil(int64_t y, ngx_uint_t m,
    ngx_uint_t d);


/* the X Activity API event types whose payload is a post that may act */

static ngx_str_t  ngx_http_hashpay_post_events[] = {
    ngx_string("post.create"),
    ngx_string("post.mention.create"),
    ngx_string("post.reply.create"),
    ngx_string("post.quote.create"),
    ngx_string("post.repost.create"),
    ngx_null_string
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
    json_t  *data;

    d->format = NGX_HTTP_HASHPAY_FORMAT_AAA;
    d->tweets = NULL;
    d->revokes = NULL;

    if (!json_is_object(root)) {
        return NGX_DECLINED;
    }

    d->revokes = ngx_array_create(pool, 1, sizeof(ngx_http_hashpay_revoke_t));
    if (d->revokes == NULL) {
        return NGX_ERROR;
    }

    data = json_object_get(root, "data");

    if (json_object_get(root, "matching_rules") != NULL) {

        /* Filtered Stream: {"data": <post>, "includes", "matching_rules"} */

        d->format = NGX_HTTP_HASHPAY_FORMAT_STREAM;

        if (!json_is_object(data)) {
            return NGX_DECLINED;
        }

        d->tweets = ngx_array_create(pool, 1,
                                     sizeof(ngx_http_hashpay_tweet_t));
        if (d->tweets == NULL) {
            return NGX_ERROR;
        }

        return ngx_http_hashpay_post_push(data,
                                          json_object_get(root, "includes"),
                                          "data", conf, pool, d);
    }

    if (data != NULL) {
        d->format = NGX_HTTP_HASHPAY_FORMAT_XAA;
        return ngx_http_hashpay_xaa_read(data, conf, pool, d);
    }

    return ngx_http_hashpay_aaa_read(root, conf, pool, d);
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


int64_t
ngx_http_hashpay_parse_iso8601(const u_char *p, size_t len)
{
    size_t         n;
    int64_t        days, secs, ms;
    ngx_int_t      year, mon, mdays, day, hour, min, sec, oh, om, off;
    const u_char  *last;

    /* "2026-12-01T10:00:00" */

    if (len < sizeof("2026-12-01T10:00:00Z") - 1) {
        return -1;
    }

    if (p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != 't')
        || p[13] != ':' || p[16] != ':')
    {
        return -1;
    }

    year = ngx_http_hashpay_num(p, 4);
    mon = ngx_http_hashpay_num(p + 5, 2);
    day = ngx_http_hashpay_num(p + 8, 2);
    hour = ngx_http_hashpay_num(p + 11, 2);
    min = ngx_http_hashpay_num(p + 14, 2);
    sec = ngx_http_hashpay_num(p + 17, 2);

    if (year == NGX_ERROR || mon == NGX_ERROR || day == NGX_ERROR
        || hour == NGX_ERROR || min == NGX_ERROR || sec == NGX_ERROR)
    {
        return -1;
    }

    /* 1969 local time may still be 1970 UTC: the instant is checked */

    if (year < 1969 || mon < 1 || mon > 12 || hour > 23 || min > 59
        || sec > 59)
    {
        return -1;
    }

    mdays = ngx_http_hashpay_mdays[mon - 1];

    if (mon == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) {
        mdays++;
    }

    if (day < 1 || day > mdays) {
        return -1;
    }

    last = p + len;
    p += sizeof("2026-12-01T10:00:00") - 1;

    /* a fraction of a second: 1-9 digits, milliseconds kept */

    ms = 0;

    if (*p == '.') {
        p++;

        for (n = 0; p < last && *p >= '0' && *p <= '9'; p++, n++) {
            if (n < 3) {
                ms = ms * 10 + (*p - '0');
            }
        }

        if (n == 0 || n > 9) {
            return -1;
        }

        for ( /* void */ ; n < 3; n++) {
            ms *= 10;
        }
    }

    if (p == last) {
        return -1;
    }

    if (*p == 'Z' || *p == 'z') {
        off = 0;
        p++;

    } else if (*p == '+' || *p == '-') {

        if (last - p == sizeof("+00:00") - 1 && p[3] == ':') {
            oh = ngx_http_hashpay_num(p + 1, 2);
            om = ngx_http_hashpay_num(p + 4, 2);

        } else if (last - p == sizeof("+0000") - 1) {
            oh = ngx_http_hashpay_num(p + 1, 2);
            om = ngx_http_hashpay_num(p + 3, 2);

        } else {
            return -1;
        }

        if (oh == NGX_ERROR || om == NGX_ERROR || oh > 23 || om > 59) {
            return -1;
        }

        off = oh * 3600 + om * 60;

        if (*p == '-') {
            off = -off;
        }

        p = last;

    } else {
        return -1;
    }

    if (p != last) {
        return -1;
    }

    days = ngx_http_hashpay_days_from_civil(year, mon, day);

    secs = days * 86400 + hour * 3600 + min * 60 + sec - off;

    if (secs < 0) {
        return -1;
    }

    return secs * 1000 + ms;
}


/* Account Activity: tweet_create_events[], then user_event.revoke */

static ngx_int_t
ngx_http_hashpay_aaa_read(json_t *root, ngx_http_hashpay_tweet_conf_t *conf,
    ngx_pool_t *pool, ngx_http_hashpay_delivery_t *d)
{
    size_t                     n, i;
    json_t                    *events;
    ngx_http_hashpay_tweet_t  *t;

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

    return ngx_http_hashpay_aaa_revoke(root, pool, d);
}


/*
 * X Activity API: {"data": <event>} or {"data": [<event>, ...]}; the
 * envelope is checked whole before any event is read, so that nothing of
 * a bad body acts
 */

static ngx_int_t
ngx_http_hashpay_xaa_read(json_t *data, ngx_http_hashpay_tweet_conf_t *conf,
    ngx_pool_t *pool, ngx_http_hashpay_delivery_t *d)
{
    size_t     i, n;
    ngx_int_t  rc;

    if (json_is_object(data)) {
        d->tweets = ngx_array_create(pool, 1,
                                     sizeof(ngx_http_hashpay_tweet_t));
        if (d->tweets == NULL) {
            return NGX_ERROR;
        }

        return ngx_http_hashpay_xaa_event(data, conf, pool, d);
    }

    if (!json_is_array(data)) {
        return NGX_DECLINED;
    }

    n = json_array_size(data);

    for (i = 0; i < n; i++) {
        if (!json_is_object(json_array_get(data, i))) {
            return NGX_DECLINED;
        }
    }

    d->tweets = ngx_array_create(pool, n ? n : 1,
                                 sizeof(ngx_http_hashpay_tweet_t));
    if (d->tweets == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        rc = ngx_http_hashpay_xaa_event(json_array_get(data, i), conf, pool,
                                        d);
        if (rc != NGX_OK) {
            return rc;
        }
    }

    return NGX_OK;
}


/*
 * One X Activity API event: a post event reads its payload with the
 * event's includes, oauth.revoke names a user, any other type (or an
 * event_type that is not a string) contributes nothing
 */

static ngx_int_t
ngx_http_hashpay_xaa_event(json_t *ev, ngx_http_hashpay_tweet_conf_t *conf,
    ngx_pool_t *pool, ngx_http_hashpay_delivery_t *d)
{
    size_t       len;
    json_t      *type, *payload;
    ngx_str_t   *et;
    const char  *name;

    type = json_object_get(ev, "event_type");

    if (!json_is_string(type)) {
        return NGX_OK;
    }

    name = json_string_value(type);
    len = json_string_length(type);

    payload = json_object_get(ev, "payload");

    if (len == sizeof("oauth.revoke") - 1
        && ngx_memcmp(name, "oauth.revoke", len) == 0)
    {
        return ngx_http_hashpay_xaa_revoke(payload, d);
    }

    for (et = ngx_http_hashpay_post_events; et->len; et++) {
        if (et->len == len && ngx_memcmp(et->data, name, len) == 0) {
            return ngx_http_hashpay_post_push(payload,
                                              json_object_get(ev, "includes"),
                                              "payload", conf, pool, d);
        }
    }

    return NGX_OK;
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
     *     t->root_id = { 0, NULL };
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

    /* an edited tweet is the tweet it was first: one effect for both */

    t->root_id = t->id;

    v = json_object_get(ev, "edit_history");

    if (v != NULL && !json_is_null(v)) {
        if (!json_is_object(v)) {
            bad = "edit_history";
            goto malformed;
        }

        v = json_object_get(v, "initial_tweet_id");

        if (v != NULL && !json_is_null(v)
            && ngx_http_hashpay_id_str(v, &t->root_id) != NGX_OK)
        {
            bad = "edit_history.initial_tweet_id";
            goto malformed;
        }
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

    rc = ngx_http_hashpay_status_hashtags(ev, "", pool, &tags, &bad);

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

    rc = ngx_http_hashpay_status_hashtags(rs, "retweeted_status.", pool,
                                          &tags, bad);

    if (rc != NGX_OK) {
        return rc;
    }

    ngx_http_hashpay_repost_confirm(conf, tags, t);

    return NGX_OK;
}


/*
 * The hashtags of a v1.1 status: extended_tweet.entities.hashtags when
 * "truncated" is true and there is an extended_tweet, else
 * entities.hashtags.  *out is an array, possibly empty.
 */

static ngx_int_t
ngx_http_hashpay_status_hashtags(json_t *status, const char *prefix,
    ngx_pool_t *pool, ngx_array_t **out, const char **bad)
{
    json_t  *ext;

    if (json_is_true(json_object_get(status, "truncated"))) {
        ext = json_object_get(status, "extended_tweet");

        if (json_is_null(ext)) {
            ext = NULL;
        }

        if (ext != NULL) {
            if (!json_is_object(ext)) {
                return ngx_http_hashpay_bad(pool, bad, prefix,
                                            "extended_tweet", NULL, NULL);
            }

            return ngx_http_hashpay_entities_hashtags(ext, "text", prefix,
                                                      "extended_tweet.",
                                                      pool, out, bad);
        }
    }

    return ngx_http_hashpay_entities_hashtags(status, "text", prefix, "",
                                              pool, out, bad);
}


static ngx_int_t
ngx_http_hashpay_post_push(json_t *post, json_t *includes, const char *where,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_delivery_t *d)
{
    ngx_http_hashpay_tweet_t  *t;

    t = ngx_array_push(d->tweets);
    if (t == NULL) {
        return NGX_ERROR;
    }

    return ngx_http_hashpay_post_read(post, includes, where, conf, pool, t);
}


/*
 * A v2 post (SPEC section 11): the X Activity API's payload, or the
 * stream's data, with the includes delivered beside it.  "where" names
 * the post for the log when it is not an object.
 */

static ngx_int_t
ngx_http_hashpay_post_read(json_t *post, json_t *includes, const char *where,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_tweet_t *t)
{
    size_t        i, n;
    json_t       *v, *refs, *ref, *type;
    ngx_int_t     rc;
    ngx_str_t     reposted;
    ngx_uint_t    alt;
    const char   *bad, *name;
    ngx_array_t  *tags;

    static const char  *hist_names[] = {
        "edit_history_tweet_ids", "edit_history_post_ids"
    };

    static const char  *ref_names[] = {
        "referenced_tweets", "referenced_posts"
    };

    ngx_memzero(t, sizeof(ngx_http_hashpay_tweet_t));

    t->created_at = -1;
    t->timestamp = -1;

    if (!json_is_object(post)) {
        bad = where;
        goto malformed;
    }

    if (ngx_http_hashpay_id_str(json_object_get(post, "id"), &t->id)
        != NGX_OK)
    {
        bad = "id";
        goto malformed;
    }

    if (ngx_http_hashpay_id_str(json_object_get(post, "author_id"),
                                &t->author_id)
        != NGX_OK)
    {
        bad = "author_id";
        goto malformed;
    }

    /* an edit is the post it was first (the oldest id of its history) */

    t->root_id = t->id;

    v = ngx_http_hashpay_get2(post, hist_names[0], hist_names[1], &alt);

    if (v != NULL) {
        name = hist_names[alt];

        if (!json_is_array(v)) {
            bad = name;
            goto malformed;
        }

        if (json_array_size(v) > 0
            && ngx_http_hashpay_id_str(json_array_get(v, 0), &t->root_id)
               != NGX_OK)
        {
            rc = ngx_http_hashpay_bad(pool, &bad, name, "[]", NULL, NULL);
            goto bad;
        }
    }

    /* absent: Redis's clock; present, it must be a time */

    v = json_object_get(post, "created_at");

    if (v != NULL && !json_is_null(v)) {
        if (json_is_string(v)) {
            t->timestamp = ngx_http_hashpay_parse_iso8601(
                               (const u_char *) json_string_value(v),
                               json_string_length(v));
        }

        if (t->timestamp == -1) {
            bad = "created_at";
            goto malformed;
        }
    }

    if (json_is_null(includes)) {
        includes = NULL;
    }

    if (includes != NULL && !json_is_object(includes)) {
        bad = "includes";
        goto malformed;
    }

    if (ngx_http_hashpay_post_author(includes, pool, t, &bad) != NGX_OK) {
        goto malformed;
    }

    /* a repost: the first reference of type "retweeted" */

    ngx_str_null(&reposted);

    refs = ngx_http_hashpay_get2(post, ref_names[0], ref_names[1], &alt);

    if (refs != NULL) {
        name = ref_names[alt];

        if (!json_is_array(refs)) {
            bad = name;
            goto malformed;
        }

        n = json_array_size(refs);

        for (i = 0; i < n; i++) {
            ref = json_array_get(refs, i);

            if (!json_is_object(ref)) {
                rc = ngx_http_hashpay_bad(pool, &bad, name, "[]", NULL, NULL);
                goto bad;
            }

            type = json_object_get(ref, "type");

            if (!json_is_string(type)) {
                rc = ngx_http_hashpay_bad(pool, &bad, name, "[].type", NULL,
                                          NULL);
                goto bad;
            }

            if (reposted.len == 0
                && json_string_length(type) == sizeof("retweeted") - 1
                && ngx_memcmp(json_string_value(type), "retweeted",
                              sizeof("retweeted") - 1)
                   == 0
                && ngx_http_hashpay_id_str(json_object_get(ref, "id"),
                                           &reposted)
                   != NGX_OK)
            {
                rc = ngx_http_hashpay_bad(pool, &bad, name, "[].id", NULL,
                                          NULL);
                goto bad;
            }
        }
    }

    if (ngx_http_hashpay_is_operator(conf, &t->author_id)) {
        t->state = NGX_HTTP_HASHPAY_TWEET_OPERATOR;
        return NGX_OK;
    }

    if (reposted.len) {
        rc = ngx_http_hashpay_repost_read(post, includes, &reposted, conf,
                                          pool, t, &bad);
        if (rc == NGX_OK) {
            return NGX_OK;
        }

        goto bad;
    }

    /* only the post's own entities: a quoted post never acts */

    rc = ngx_http_hashpay_post_hashtags(post, "", pool, &tags, &bad);

    if (rc != NGX_OK) {
        goto bad;
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

bad:

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

malformed:

    t->state = NGX_HTTP_HASHPAY_TWEET_MALFORMED;
    t->bad_field = bad;

    return NGX_OK;
}


/*
 * The author's entry of includes.users (an entry may be wrapped as
 * {"data": {...}}): username and the account's created_at.  Absent, the
 * screen name is "" and the age unknown.
 */

static ngx_int_t
ngx_http_hashpay_post_author(json_t *includes, ngx_pool_t *pool,
    ngx_http_hashpay_tweet_t *t, const char **bad)
{
    json_t  *users, *user, *v;

    if (includes == NULL) {
        return NGX_OK;
    }

    users = json_object_get(includes, "users");

    if (users == NULL || json_is_null(users)) {
        return NGX_OK;
    }

    if (!json_is_array(users)) {
        *bad = "includes.users";
        return NGX_DECLINED;
    }

    user = ngx_http_hashpay_find_id(users, &t->author_id);

    if (user == NULL) {
        return NGX_OK;
    }

    v = json_object_get(user, "username");

    if (v != NULL) {
        if (!json_is_string(v)) {
            *bad = "includes.users[].username";
            return NGX_DECLINED;
        }

        t->screen_name.len = json_string_length(v);
        t->screen_name.data = (u_char *) json_string_value(v);
    }

    /* not a string, or not a time: -1, and account age fails closed */

    v = json_object_get(user, "created_at");

    if (json_is_string(v)) {
        t->created_at = ngx_http_hashpay_parse_iso8601(
                            (const u_char *) json_string_value(v),
                            json_string_length(v));
    }

    return NGX_OK;
}


/*
 * A repost acts only to confirm, on behalf of its author, when the
 * reposted post is an operator account's and carries a confirmation
 * hashtag.  The reposted post is its entry in includes.tweets (or
 * includes.posts); when that is not delivered, the repost's first
 * mention names the author and its own entities.hashtags are read.
 */

static ngx_int_t
ngx_http_hashpay_repost_read(json_t *post, json_t *includes, ngx_str_t *ref,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_tweet_t *t, const char **bad)
{
    json_t       *list, *reposted, *ent, *mentions, *m;
    ngx_int_t     rc;
    ngx_str_t     author;
    ngx_uint_t    alt;
    ngx_array_t  *tags;

    static const char  *list_names[] = {
        "includes.tweets", "includes.posts"
    };

    static const char  *prefixes[] = {
        "includes.tweets[].", "includes.posts[]."
    };

    t->state = NGX_HTTP_HASHPAY_TWEET_RETWEET;

    reposted = NULL;
    alt = 0;

    if (includes != NULL) {
        list = ngx_http_hashpay_get2(includes, "tweets", "posts", &alt);

        if (list != NULL) {
            if (!json_is_array(list)) {
                *bad = list_names[alt];
                return NGX_DECLINED;
            }

            reposted = ngx_http_hashpay_find_id(list, ref);
        }
    }

    if (reposted != NULL) {
        if (ngx_http_hashpay_id_str(json_object_get(reposted, "author_id"),
                                    &author)
            != NGX_OK)
        {
            return ngx_http_hashpay_bad(pool, bad, prefixes[alt], "author_id",
                                        NULL, NULL);
        }

        if (!ngx_http_hashpay_is_operator(conf, &author)) {
            return NGX_OK;
        }

        rc = ngx_http_hashpay_post_hashtags(reposted, prefixes[alt], pool,
                                            &tags, bad);

    } else {
        ent = json_object_get(post, "entities");
        mentions = NULL;

        if (ent != NULL) {
            if (!json_is_object(ent)) {
                *bad = "entities";
                return NGX_DECLINED;
            }

            mentions = json_object_get(ent, "mentions");

            if (mentions != NULL && !json_is_array(mentions)) {
                *bad = "entities.mentions";
                return NGX_DECLINED;
            }
        }

        if (json_array_size(mentions) == 0) {
            return NGX_OK;
        }

        m = json_array_get(mentions, 0);

        if (!json_is_object(m)
            || ngx_http_hashpay_id_str(json_object_get(m, "id"), &author)
               != NGX_OK)
        {
            *bad = "entities.mentions[].id";
            return NGX_DECLINED;
        }

        if (!ngx_http_hashpay_is_operator(conf, &author)) {
            return NGX_OK;
        }

        rc = ngx_http_hashpay_entities_hashtags(post, "tag", "", "", pool,
                                                &tags, bad);
    }

    if (rc != NGX_OK) {
        return rc;
    }

    ngx_http_hashpay_repost_confirm(conf, tags, t);

    return NGX_OK;
}


/*
 * The hashtags of a v2 post: note_tweet.entities.hashtags (X also spells
 * it note_post) when the long post's note carries entities, else
 * entities.hashtags; each is {"tag": "..."}
 */

static ngx_int_t
ngx_http_hashpay_post_hashtags(json_t *post, const char *prefix,
    ngx_pool_t *pool, ngx_array_t **out, const char **bad)
{
    json_t      *note;
    ngx_uint_t   alt;

    static const char  *note_names[] = { "note_tweet", "note_post" };
    static const char  *note_prefixes[] = { "note_tweet.", "note_post." };

    note = ngx_http_hashpay_get2(post, note_names[0], note_names[1], &alt);

    if (note != NULL) {
        if (!json_is_object(note)) {
            return ngx_http_hashpay_bad(pool, bad, prefix, note_names[alt],
                                        NULL, NULL);
        }

        if (json_object_get(note, "entities") != NULL) {
            return ngx_http_hashpay_entities_hashtags(note, "tag", prefix,
                                                      note_prefixes[alt],
                                                      pool, out, bad);
        }
    }

    return ngx_http_hashpay_entities_hashtags(post, "tag", prefix, "", pool,
                                              out, bad);
}


/*
 * container.entities.hashtags[].<key> ("text" in v1.1, "tag" in v2); a
 * malformed list is named p1 p2 "entities..." for the log
 */

static ngx_int_t
ngx_http_hashpay_entities_hashtags(json_t *container, const char *key,
    const char *p1, const char *p2, ngx_pool_t *pool, ngx_array_t **out,
    const char **bad)
{
    json_t      *ent, *tags;
    ngx_int_t    rc;
    const char  *suffix;

    tags = NULL;

    ent = json_object_get(container, "entities");

    if (ent != NULL) {
        if (!json_is_object(ent)) {
            return ngx_http_hashpay_bad(pool, bad, p1, p2, "entities", NULL);
        }

        tags = json_object_get(ent, "hashtags");

        if (tags != NULL && !json_is_array(tags)) {
            return ngx_http_hashpay_bad(pool, bad, p1, p2,
                                        "entities.hashtags", NULL);
        }
    }

    rc = ngx_http_hashpay_hashtags_copy(tags, key, pool, out, &suffix);

    if (rc == NGX_DECLINED) {
        return ngx_http_hashpay_bad(pool, bad, p1, p2, "entities.hashtags",
                                    suffix);
    }

    return rc;
}


/*
 * ASCII-lower-cased copies of the hashtag texts, in order, empty texts and
 * duplicates left out; duplicates are found with a small open-addressing
 * table, so that a post with very many hashtags costs linear time.
 * NGX_DECLINED with *suffix "[]" or "[].<key>" when an entry is wrong.
 */

static ngx_int_t
ngx_http_hashpay_hashtags_copy(json_t *tags, const char *key,
    ngx_pool_t *pool, ngx_array_t **out, const char **suffix)
{
    u_char        *p;
    size_t         n, i, j, len;
    json_t        *tag, *text;
    ngx_str_t     *s, *elts;
    ngx_uint_t     size, hash, k, *slots;
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
            *suffix = "[]";
            return NGX_DECLINED;
        }

        text = json_object_get(tag, key);

        if (!json_is_string(text)) {
            *suffix = (key[0] == 't' && key[1] == 'e') ? "[].text" : "[].tag";
            return NGX_DECLINED;
        }

        src = (const u_char *) json_string_value(text);
        len = json_string_length(text);

        if (len == 0) {
            continue;
        }

        hash = 0;

        for (j = 0; j < len; j++) {
            hash = ngx_hash(hash, ngx_tolower(src[j]));
        }

        /* slots[] hold 1 + the index of a copy, 0 when free */

        elts = a->elts;

        for (k = hash & (size - 1); slots[k]; k = (k + 1) & (size - 1)) {
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


/*
 * A repost of an operator account's post acts only when those hashtags
 * hold a confirmation hashtag: then it confirms for the reposting author
 */

static void
ngx_http_hashpay_repost_confirm(ngx_http_hashpay_tweet_conf_t *conf,
    ngx_array_t *tags, ngx_http_hashpay_tweet_t *t)
{
    if (ngx_http_hashpay_first_code(tags, &conf->confirm_prefix, t->code)
        != NGX_OK)
    {
        return;
    }

    t->state = NGX_HTTP_HASHPAY_TWEET_ACT;
    t->hashtags = tags;
    t->has_code = 1;
    t->retweet_confirm = 1;
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


/* user_event.revoke: after the tweets of the same delivery */

static ngx_int_t
ngx_http_hashpay_aaa_revoke(json_t *root, ngx_pool_t *pool,
    ngx_http_hashpay_delivery_t *d)
{
    json_t                     *revoke, *source, *v;
    ngx_http_hashpay_revoke_t  *rv;

    revoke = json_object_get(json_object_get(root, "user_event"), "revoke");

    if (revoke == NULL) {
        return NGX_OK;
    }

    rv = ngx_array_push(d->revokes);
    if (rv == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(rv, sizeof(ngx_http_hashpay_revoke_t));

    rv->kind = "user_event.revoke";
    rv->date_time = -1;
    rv->before = d->tweets->nelts;

    if (!json_is_object(revoke)) {
        rv->bad_field = "user_event.revoke";
        return NGX_OK;
    }

    source = json_object_get(revoke, "source");

    if (!json_is_object(source)) {
        rv->bad_field = "user_event.revoke.source";
        return NGX_OK;
    }

    if (ngx_http_hashpay_id_str(json_object_get(source, "user_id"),
                                &rv->user)
        != NGX_OK)
    {
        rv->bad_field = "user_event.revoke.source.user_id";
        return NGX_OK;
    }

    /* without a parseable date_time a revoke acts and is not remembered */

    v = json_object_get(revoke, "date_time");

    if (json_is_string(v)) {
        rv->date_time = ngx_http_hashpay_parse_iso8601(
                            (const u_char *) json_string_value(v),
                            json_string_length(v));
    }

    return NGX_OK;
}


/* oauth.revoke: payload.user_id withdrew the app's access */

static ngx_int_t
ngx_http_hashpay_xaa_revoke(json_t *payload, ngx_http_hashpay_delivery_t *d)
{
    json_t                     *v;
    ngx_http_hashpay_revoke_t  *rv;

    rv = ngx_array_push(d->revokes);
    if (rv == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(rv, sizeof(ngx_http_hashpay_revoke_t));

    rv->kind = "oauth.revoke";
    rv->date_time = -1;
    rv->before = d->tweets->nelts;

    if (!json_is_object(payload)) {
        rv->bad_field = "payload";
        return NGX_OK;
    }

    if (ngx_http_hashpay_id_str(json_object_get(payload, "user_id"),
                                &rv->user)
        != NGX_OK)
    {
        rv->bad_field = "payload.user_id";
        return NGX_OK;
    }

    v = json_object_get(payload, "date_time");

    if (json_is_string(v)) {
        rv->date_time = ngx_http_hashpay_parse_iso8601(
                            (const u_char *) json_string_value(v),
                            json_string_length(v));
    }

    return NGX_OK;
}


/*
 * A field X spells two ways: the first spelling present and not null,
 * else the second; *alt says which (0 when neither)
 */

static json_t *
ngx_http_hashpay_get2(json_t *obj, const char *name, const char *alt,
    ngx_uint_t *which)
{
    json_t  *v;

    *which = 0;

    v = json_object_get(obj, name);

    if (v != NULL && !json_is_null(v)) {
        return v;
    }

    v = json_object_get(obj, alt);

    if (v != NULL && !json_is_null(v)) {
        *which = 1;
        return v;
    }

    return NULL;
}


/* an includes entry, unwrapped from {"data": {...}}; NULL: not an object */

static json_t *
ngx_http_hashpay_unwrap(json_t *entry)
{
    json_t  *inner;

    if (!json_is_object(entry)) {
        return NULL;
    }

    inner = json_object_get(entry, "data");

    return json_is_object(inner) ? inner : entry;
}


/* the first entry of an includes list whose "id" is the string id */

static json_t *
ngx_http_hashpay_find_id(json_t *list, ngx_str_t *id)
{
    size_t   i, n;
    json_t  *e, *v;

    n = json_array_size(list);

    for (i = 0; i < n; i++) {
        e = ngx_http_hashpay_unwrap(json_array_get(list, i));

        if (e == NULL) {
            continue;
        }

        v = json_object_get(e, "id");

        if (json_is_string(v) && json_string_length(v) == id->len
            && ngx_memcmp(json_string_value(v), id->data, id->len) == 0)
        {
            return e;
        }
    }

    return NULL;
}


/*
 * *bad = a b c d (NULLs skipped), allocated from the pool: names built
 * only when a post is malformed.  NGX_DECLINED, or NGX_ERROR.
 */

static ngx_int_t
ngx_http_hashpay_bad(ngx_pool_t *pool, const char **bad, const char *a,
    const char *b, const char *c, const char *d)
{
    u_char       *p, *s;
    size_t        len;
    ngx_uint_t    i;
    const char   *parts[4];

    parts[0] = a;
    parts[1] = b;
    parts[2] = c;
    parts[3] = d;

    len = 1;

    for (i = 0; i < 4; i++) {
        if (parts[i]) {
            len += ngx_strlen(parts[i]);
        }
    }

    s = ngx_pnalloc(pool, len);
    if (s == NULL) {
        return NGX_ERROR;
    }

    p = s;

    for (i = 0; i < 4; i++) {
        if (parts[i]) {
            p = ngx_cpymem(p, parts[i], ngx_strlen(parts[i]));
        }
    }

    *p = '\0';
    *bad = (const char *) s;

    return NGX_DECLINED;
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
