
/*
 * Copyright (C) hashpay authors
 *
 * The rule that answers a post without a script (see the header).
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_hashpay_prefilter.h"


static ngx_int_t ngx_http_hashpay_digits(redisReply *reply, int64_t max,
    int64_t *v);


ngx_uint_t
ngx_http_hashpay_post_stale(int64_t posted, int64_t now,
    ngx_msec_t dedupe_ttl)
{
    int64_t  ttl, margin;

    if (posted < 0) {
        /* a post without a time is never stale */
        return 0;
    }

    ttl = (int64_t) dedupe_ttl;
    margin = ngx_min(NGX_HTTP_HASHPAY_STALE_MARGIN, ttl / 2);

    /* both sides are at most 2^63 - 1 apart: posted >= 0, now >= 0 */

    return now - posted > ttl - margin
           || posted - now > NGX_HTTP_HASHPAY_STALE_FUTURE;
}


ngx_int_t
ngx_http_hashpay_time_reply(redisReply *reply, int64_t *now)
{
    int64_t  s, us;

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
        || ngx_http_hashpay_digits(reply->element[0],
                                   INT64_MAX / 1000 - 1000, &s)
           != NGX_OK
        || ngx_http_hashpay_digits(reply->element[1], 999999, &us) != NGX_OK)
    {
        return NGX_DECLINED;
    }

    *now = s * 1000 + us / 1000;

    return NGX_OK;
}


/* a bulk string of decimal digits, at most max */

static ngx_int_t
ngx_http_hashpay_digits(redisReply *reply, int64_t max, int64_t *v)
{
    size_t   i;
    int64_t  n;

    if (reply->type != REDIS_REPLY_STRING || reply->len == 0
        || reply->len > NGX_INT64_LEN)
    {
        return NGX_DECLINED;
    }

    n = 0;

    for (i = 0; i < (size_t) reply->len; i++) {
        if (reply->str[i] < '0' || reply->str[i] > '9') {
            return NGX_DECLINED;
        }

        if (n > (max - (reply->str[i] - '0')) / 10) {
            return NGX_DECLINED;
        }

        n = n * 10 + (reply->str[i] - '0');
    }

    *v = n;

    return NGX_OK;
}
