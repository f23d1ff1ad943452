
/*
 * Copyright (C) hashpay authors
 *
 * The posts that need no script.  Most posts with hashtags name no offer
 * and carry no confirmation code; tweet.lua answers such a post from
 * reads alone (SPEC section 10): "duplicate" if its record exists, else
 * "ignored" with "stale" or "no_offer".  The webhook asks Redis first,
 * with plain commands pipelined for the whole delivery, whether any key
 * the script would find exists (EXISTS of the record and of every
 * hashtag's offer) and what time it is (TIME); a post none of whose keys
 * exists is answered here, by the rule below, on Redis's clock, with the
 * script's own words.  Every other post goes to tweet.lua, which reads
 * again and decides.  Pure: unit-tested on its own
 * (t/unit/test_prefilter.c).
 */


#ifndef _NGX_HTTP_HASHPAY_PREFILTER_H_INCLUDED_
#define _NGX_HTTP_HASHPAY_PREFILTER_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <hiredis/hiredis.h>


/* tweet.lua's STALE_MARGIN_MS and FUTURE_MS */
#define NGX_HTTP_HASHPAY_STALE_MARGIN  600000
#define NGX_HTTP_HASHPAY_STALE_FUTURE  300000


/*
 * a post of time posted (unix ms, < 0: none) is stale at now (Redis's
 * TIME, ms) under the dedupe ttl (ms): older than the ttl less a margin
 * of 10 minutes or half the ttl, whichever is smaller, or more than 5
 * minutes ahead (tweet.lua's rule): 1, else 0
 */
ngx_uint_t ngx_http_hashpay_post_stale(int64_t posted, int64_t now,
    ngx_msec_t dedupe_ttl);

/*
 * the reply of TIME (seconds, microseconds) as unix ms, rounded down as
 * tweet.lua's hp_now() does: NGX_OK, or NGX_DECLINED for any other reply
 */
ngx_int_t ngx_http_hashpay_time_reply(redisReply *reply, int64_t *now);


#endif /* _NGX_HTTP_HASHPAY_PREFILTER_H_INCLUDED_ */
