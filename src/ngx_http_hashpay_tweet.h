
/*
 * Copyright (C) hashpay authors
 *
 * Reading an X webhook delivery (jansson) in any of its three shapes
 * (SPEC sections 4 and 11): Account Activity (v1.1 tweets), X Activity
 * API (events with v2 posts) and Filtered Stream (one v2 post).  Which
 * posts there are, who wrote them, which hashtags act, what a revoke
 * names.  Pure: it allocates from the pool it is given and logs nothing,
 * so that it is unit-tested on its own (t/unit/test_tweet.c).
 */


#ifndef _NGX_HTTP_HASHPAY_TWEET_H_INCLUDED_
#define _NGX_HTTP_HASHPAY_TWEET_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>


#define NGX_HTTP_HASHPAY_CODE_LEN  6


typedef enum {
    NGX_HTTP_HASHPAY_TWEET_ACT = 0,      /* goes to Redis */
    NGX_HTTP_HASHPAY_TWEET_RETWEET,      /* ignored: retweet */
    NGX_HTTP_HASHPAY_TWEET_OPERATOR,     /* ignored: operator */
    NGX_HTTP_HASHPAY_TWEET_NO_HASHTAG,   /* ignored: no_hashtag */
    NGX_HTTP_HASHPAY_TWEET_MALFORMED     /* ignored: malformed */
} ngx_http_hashpay_tweet_state_e;


typedef struct {
    ngx_http_hashpay_tweet_state_e  state;

    /* what the malformed event got wrong, for the log: "id_str" ... */
    const char                     *bad_field;

    /*
     * strings point into the jansson document (or are ngx_null_string);
     * from ngx_http_hashpay_scan_delivery(), into the body or the pool
     */
    ngx_str_t                       id;           /* id_str (v2: id), the
                                                     post delivered */
    ngx_str_t                       root_id;      /* the post's identity for
                                                     idempotency: the first
                                                     id of its edit history,
                                                     else id */
    ngx_str_t                       author_id;    /* user.id_str (v2:
                                                     author_id) */
    ngx_str_t                       screen_name;  /* user.screen_name (v2:
                                                     the author's username
                                                     in includes.users) */

    int64_t                         created_at;   /* the author's account
                                                     creation, unix ms; -1:
                                                     absent or unparseable */
    int64_t                         timestamp;    /* timestamp_ms (v2:
                                                     created_at), unix ms;
                                                     -1: absent */

    /*
     * The acting hashtags (state ACT only), in the tweet's order, texts
     * ASCII-lower-cased copies from the pool, duplicates removed.  For a
     * "retweet to confirm" they come from retweeted_status.
     */
    ngx_array_t                    *hashtags;     /* of ngx_str_t */

    /* the first confirmation hashtag, if any: its code upper-cased */
    ngx_uint_t                      has_code;     /* unsigned:1 */
    ngx_uint_t                      retweet_confirm;
    u_char                          code[NGX_HTTP_HASHPAY_CODE_LEN];
} ngx_http_hashpay_tweet_t;


typedef enum {
    NGX_HTTP_HASHPAY_FORMAT_AAA = 0,     /* Account Activity API */
    NGX_HTTP_HASHPAY_FORMAT_XAA,         /* X Activity API */
    NGX_HTTP_HASHPAY_FORMAT_STREAM       /* Filtered Stream webhook */
} ngx_http_hashpay_format_e;


/* a user withdrew the app's access: user_event.revoke or oauth.revoke */

typedef struct {
    const char                     *kind;         /* "user_event.revoke" or
                                                     "oauth.revoke" */
    ngx_str_t                       user;         /* digits; ngx_null_string
                                                     when malformed */
    int64_t                         date_time;    /* unix ms; -1: absent or
                                                     unparseable */
    const char                     *bad_field;    /* malformed: what */
    ngx_uint_t                      before;       /* the number of tweets
                                                     delivered before it */
} ngx_http_hashpay_revoke_t;


typedef struct {
    ngx_http_hashpay_format_e       format;
    ngx_array_t                    *tweets;       /* of tweet_t, in order */
    ngx_array_t                    *revokes;      /* of revoke_t, in order */
} ngx_http_hashpay_delivery_t;


typedef struct {
    ngx_str_t                      *operators;    /* operator account ids */
    ngx_uint_t                      noperators;
    ngx_str_t                       confirm_prefix;  /* e.g. "Confirm" */
} ngx_http_hashpay_tweet_conf_t;


/*
 * Reads a delivery, its shape told by its top-level keys: matching_rules
 * (Filtered Stream), else data (X Activity API), else Account Activity.
 * NGX_OK, or NGX_DECLINED when the envelope is wrong (answered 400): the
 * document is not a JSON object; Account Activity's tweet_create_events
 * is present but not an array; a stream's data is not an object; an X
 * Activity API data is neither an object nor an array of objects.
 * NGX_ERROR on allocation failure.  A single post whose fields have the
 * wrong type is state MALFORMED (with bad_field); the others are read
 * normally.  X Activity API events of a type that does not act (and
 * events whose event_type is not a string) contribute nothing.
 */
ngx_int_t ngx_http_hashpay_delivery_read(json_t *root,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_delivery_t *d);

/*
 * A hashtag text is a confirmation hashtag when it is the prefix
 * (ASCII case-insensitive) followed by exactly 6 ASCII letters or digits.
 * NGX_OK with the code upper-cased into code, or NGX_DECLINED.
 */
ngx_int_t ngx_http_hashpay_confirm_code(const u_char *tag, size_t len,
    ngx_str_t *prefix, u_char *code);

/*
 * "Wed May 23 06:01:13 +0000 2007" to unix milliseconds; -1 when the text
 * is not of that shape
 */
int64_t ngx_http_hashpay_parse_created_at(const u_char *p, size_t len);

/*
 * ISO 8601 / RFC 3339 date and time to unix milliseconds:
 * "2026-12-01T10:00:00.000Z", "2013-02-11T17:40:12+00:00": a "T" (or
 * "t"), an optional fraction of 1-9 digits (truncated to milliseconds),
 * then "Z" (or "z"), +HH:MM, -HH:MM, +HHMM or -HHMM.  -1 when the text is
 * not of that shape, or is before 1970.
 */
int64_t ngx_http_hashpay_parse_iso8601(const u_char *p, size_t len);


#endif /* _NGX_HTTP_HASHPAY_TWEET_H_INCLUDED_ */
