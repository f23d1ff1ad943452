
/*
 * Copyright (C) hashpay authors
 *
 * The hashtags that named an offer lately, in each worker: a post with
 * one of them goes straight to its script, without the prefilter's reads
 * (src/ngx_http_hashpay_prefilter.h), so that the posts of a live
 * campaign take one round trip to Redis, not two.  Only a hint: a post
 * sent to its script is always answered right (the script reads and
 * decides), so a hashtag remembered wrongly, or after its offer went,
 * costs a script and nothing else.  A hashtag is remembered when the
 * reads found that every hashtag of a post names an offer, for
 * NGX_HTTP_HASHPAY_OFFER_CACHE_TTL; a fixed table, one place per
 * hashtag (a newer one takes the place of an older one that hashes
 * there).  Pure: the time is a parameter (t/unit/test_offer_cache.c).
 */


#ifndef _NGX_HTTP_HASHPAY_OFFER_CACHE_H_INCLUDED_
#define _NGX_HTTP_HASHPAY_OFFER_CACHE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


#define NGX_HTTP_HASHPAY_OFFER_CACHE_SLOTS    256
#define NGX_HTTP_HASHPAY_OFFER_CACHE_TAG_MAX  64        /* longer: never */
#define NGX_HTTP_HASHPAY_OFFER_CACHE_TTL      60000     /* ms */


/* tag (lower-cased) named an offer at now (ms) */
void ngx_http_hashpay_offer_cache_add(ngx_str_t *tag, ngx_msec_t now);

/* 1 if tag named an offer less than the ttl before now, else 0 */
ngx_uint_t ngx_http_hashpay_offer_cache_has(ngx_str_t *tag, ngx_msec_t now);


#endif /* _NGX_HTTP_HASHPAY_OFFER_CACHE_H_INCLUDED_ */
