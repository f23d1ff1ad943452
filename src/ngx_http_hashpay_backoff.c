
/*
 * Copyright (C) hashpay authors
 *
 * Reconnection delays with decorrelated jitter (see the header).  Unlike
 * the usual min(cap, uniform(base, 3 * prev)), the cap bounds the range
 * before the draw: capping after it would give exactly the cap, the same
 * for everybody, to two thirds of the draws once the delays are long.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_hashpay_backoff.h"


ngx_msec_t
ngx_http_hashpay_backoff(ngx_msec_t prev, ngx_uint_t rnd)
{
    ngx_msec_t  hi;

    if (prev < NGX_HTTP_HASHPAY_BACKOFF_BASE) {
        prev = NGX_HTTP_HASHPAY_BACKOFF_BASE;
    }

    if (prev > NGX_HTTP_HASHPAY_BACKOFF_CAP) {
        prev = NGX_HTTP_HASHPAY_BACKOFF_CAP;
    }

    hi = 3 * prev;

    if (hi > NGX_HTTP_HASHPAY_BACKOFF_CAP) {
        hi = NGX_HTTP_HASHPAY_BACKOFF_CAP;
    }

    return NGX_HTTP_HASHPAY_BACKOFF_BASE
           + rnd % (hi - NGX_HTTP_HASHPAY_BACKOFF_BASE + 1);
}
