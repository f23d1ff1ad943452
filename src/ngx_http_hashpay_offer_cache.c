
/*
 * Copyright (C) hashpay authors
 *
 * The hashtags that named an offer lately (see the header).
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_hashpay_offer_cache.h"


typedef struct {
    ngx_msec_t  added;
    size_t      len;                  /* 0: empty */
    u_char      tag[NGX_HTTP_HASHPAY_OFFER_CACHE_TAG_MAX];
} ngx_http_hashpay_offer_slot_t;


static ngx_http_hashpay_offer_slot_t *ngx_http_hashpay_offer_slot(
    ngx_str_t *tag);


/* per worker: each process has its own copy */
static ngx_http_hashpay_offer_slot_t
    ngx_http_hashpay_offer_cache[NGX_HTTP_HASHPAY_OFFER_CACHE_SLOTS];


void
ngx_http_hashpay_offer_cache_add(ngx_str_t *tag, ngx_msec_t now)
{
    ngx_http_hashpay_offer_slot_t  *s;

    s = ngx_http_hashpay_offer_slot(tag);
    if (s == NULL) {
        return;
    }

    ngx_memcpy(s->tag, tag->data, tag->len);
    s->len = tag->len;
    s->added = now;
}


ngx_uint_t
ngx_http_hashpay_offer_cache_has(ngx_str_t *tag, ngx_msec_t now)
{
    ngx_http_hashpay_offer_slot_t  *s;

    s = ngx_http_hashpay_offer_slot(tag);

    /* ngx_msec_t wraps: the difference, not the sum, is compared */

    return s != NULL
           && s->len == tag->len
           && ngx_memcmp(s->tag, tag->data, tag->len) == 0
           && (ngx_msec_int_t) (now - s->added) >= 0
           && now - s->added < NGX_HTTP_HASHPAY_OFFER_CACHE_TTL;
}


/* the place of tag, or NULL for one never remembered (empty, too long) */

static ngx_http_hashpay_offer_slot_t *
ngx_http_hashpay_offer_slot(ngx_str_t *tag)
{
    size_t      i;
    ngx_uint_t  key;

    if (tag->len == 0 || tag->len > NGX_HTTP_HASHPAY_OFFER_CACHE_TAG_MAX) {
        return NULL;
    }

    key = 0;

    for (i = 0; i < tag->len; i++) {
        key = ngx_hash(key, tag->data[i]);
    }

    return &ngx_http_hashpay_offer_cache[key
                                         % NGX_HTTP_HASHPAY_OFFER_CACHE_SLOTS];
}
