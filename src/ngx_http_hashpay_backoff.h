
/*
 * Copyright (C) hashpay authors
 *
 * The delay before the next attempt to connect to Redis: "decorrelated
 * jitter" (each delay drawn uniformly between the base and three times
 * the previous one, never above the cap), so that the workers of many
 * edges that lost Redis at the same instant do not come back, and load
 * the scripts, in the same millisecond.  Pure: the random number is a
 * parameter (ngx_random() in the module), so that it is unit-tested on
 * its own (t/unit/test_backoff.c).
 */


#ifndef _NGX_HTTP_HASHPAY_BACKOFF_H_INCLUDED_
#define _NGX_HTTP_HASHPAY_BACKOFF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


/* milliseconds: the first delay is drawn from [BASE, 3 * BASE] */
#define NGX_HTTP_HASHPAY_BACKOFF_BASE  100
#define NGX_HTTP_HASHPAY_BACKOFF_CAP   2000


/*
 * The next delay, given the previous one (0: none yet, the connection
 * was up) and a random number (any value; its remainder is used): in
 * [BASE, min(CAP, 3 * max(prev, BASE))], every value equally likely up
 * to the remainder's bias (under 1e-6 for a 31-bit rnd).
 */
ngx_msec_t ngx_http_hashpay_backoff(ngx_msec_t prev, ngx_uint_t rnd);


#endif /* _NGX_HTTP_HASHPAY_BACKOFF_H_INCLUDED_ */
