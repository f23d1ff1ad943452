
/*
 * Copyright (C) hashpay authors
 *
 * Reading an X Account Activity delivery (jansson): which tweets there are,
 * who wrote them, which hashtags act, what a revoke names.  Pure: it
 * allocates from the pool it is given and logs nothing, so that it is
 * unit-tested on its own (t/unit/test_tweet.c).
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

    /* strings point into the jansson document (or are ngx_null_string) */
    ngx_str_t                       id;           /* id_str, digits */
    ngx_str_t                       author_id;    /* user.id_str, digits */
    ngx_str_t                       screen_name;  /* user.screen_name */

    int64_t                         created_at;   /* user.created_at, unix
                                                     ms; -1: absent or
                                                     unparseable */
    int64_t                         timestamp;    /* timestamp_ms; -1:
                                                     absent */

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


typedef struct {
    ngx_array_t                    *tweets;       /* of tweet_t, in order */

    /* user_event.revoke.source.user_id, or ngx_null_string */
    ngx_str_t                       revoke_user;
    const char                     *revoke_bad_field;
} ngx_http_hashpay_delivery_t;


typedef struct {
    ngx_str_t                      *operators;    /* operator account ids */
    ngx_uint_t                      noperators;
    ngx_str_t                       confirm_prefix;  /* e.g. "Confirm" */
} ngx_http_hashpay_tweet_conf_t;


/*
 * Reads a delivery.  NGX_OK, or NGX_DECLINED when the document is not a
 * JSON object or its tweet_create_events is present but not an array
 * (answered 400), or NGX_ERROR on allocation failure.  A single tweet
 * whose fields have the wrong type is state MALFORMED (with bad_field);
 * the others are read normally.
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


#endif /* _NGX_HTTP_HASHPAY_TWEET_H_INCLUDED_ */
