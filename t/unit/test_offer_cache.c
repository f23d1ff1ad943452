
/*
 * Copyright (C) hashpay authors
 *
 * Unit tests of src/ngx_http_hashpay_offer_cache.c: a hashtag is known
 * for the ttl after it was added and not after, only the very same text,
 * never an empty or too long one; a newer hashtag takes the place of an
 * older one that hashes to it; the millisecond clock may wrap.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_hashpay_offer_cache.h"
#include "unit.h"


#define TTL  NGX_HTTP_HASHPAY_OFFER_CACHE_TTL


static void test_ttl(void);
static void test_text(void);
static void test_places(void);


int
main(void)
{
    test_ttl();
    test_text();
    test_places();

    return unit_done();
}


static void
test_ttl(void)
{
    ngx_str_t   gift = ngx_string("buygiftcard25");
    ngx_msec_t  t0 = 1000000;

    CHECK_INT(ngx_http_hashpay_offer_cache_has(&gift, t0), 0,
              "unknown before it is added");

    ngx_http_hashpay_offer_cache_add(&gift, t0);

    CHECK_INT(ngx_http_hashpay_offer_cache_has(&gift, t0), 1, "known at once");
    CHECK_INT(ngx_http_hashpay_offer_cache_has(&gift, t0 + TTL - 1), 1,
              "known a ms before the ttl ends");
    CHECK_INT(ngx_http_hashpay_offer_cache_has(&gift, t0 + TTL), 0,
              "forgotten when the ttl ends");
    CHECK_INT(ngx_http_hashpay_offer_cache_has(&gift, t0 - 1), 0,
              "not known before it was added");

    /* added again: the ttl starts again */
    ngx_http_hashpay_offer_cache_add(&gift, t0 + TTL);
    CHECK_INT(ngx_http_hashpay_offer_cache_has(&gift, t0 + 2 * TTL - 1), 1,
              "added again, known for another ttl");

    /* the clock wraps */
    ngx_http_hashpay_offer_cache_add(&gift, (ngx_msec_t) -10);
    CHECK_INT(ngx_http_hashpay_offer_cache_has(&gift, 5), 1,
              "known across the wrap of the ms clock");
    CHECK_INT(ngx_http_hashpay_offer_cache_has(&gift, TTL - 10), 0,
              "forgotten across the wrap when the ttl ends");
}


static void
test_text(void)
{
    u_char      long_tag[NGX_HTTP_HASHPAY_OFFER_CACHE_TAG_MAX + 1];
    ngx_str_t   a = ngx_string("summer"), b = ngx_string("summer2"),
                c = ngx_string("summe"), empty = ngx_string(""), l;

    ngx_http_hashpay_offer_cache_add(&a, 100);

    CHECK_INT(ngx_http_hashpay_offer_cache_has(&a, 100), 1, "summer");
    CHECK_INT(ngx_http_hashpay_offer_cache_has(&b, 100), 0,
              "a longer text is another hashtag");
    CHECK_INT(ngx_http_hashpay_offer_cache_has(&c, 100), 0,
              "a shorter text is another hashtag");

    ngx_http_hashpay_offer_cache_add(&empty, 100);
    CHECK_INT(ngx_http_hashpay_offer_cache_has(&empty, 100), 0,
              "an empty hashtag is never known");

    ngx_memset(long_tag, 'x', sizeof(long_tag));
    l.data = long_tag;
    l.len = sizeof(long_tag);
    ngx_http_hashpay_offer_cache_add(&l, 100);
    CHECK_INT(ngx_http_hashpay_offer_cache_has(&l, 100), 0,
              "a hashtag longer than the limit is never known");

    l.len = NGX_HTTP_HASHPAY_OFFER_CACHE_TAG_MAX;
    ngx_http_hashpay_offer_cache_add(&l, 100);
    CHECK_INT(ngx_http_hashpay_offer_cache_has(&l, 100), 1,
              "a hashtag of the limit's length is");
}


static void
test_places(void)
{
    u_char      buf[2 * NGX_HTTP_HASHPAY_OFFER_CACHE_SLOTS][16];
    ngx_str_t   tags[2 * NGX_HTTP_HASHPAY_OFFER_CACHE_SLOTS];
    ngx_uint_t  i, known;

    /* twice as many hashtags as places: at most one per place is known */

    for (i = 0; i < 2 * NGX_HTTP_HASHPAY_OFFER_CACHE_SLOTS; i++) {
        tags[i].data = buf[i];
        tags[i].len = snprintf((char *) buf[i], sizeof(buf[i]), "tag%lu",
                               (unsigned long) i);
        ngx_http_hashpay_offer_cache_add(&tags[i], 500);
    }

    known = 0;

    for (i = 0; i < 2 * NGX_HTTP_HASHPAY_OFFER_CACHE_SLOTS; i++) {
        known += ngx_http_hashpay_offer_cache_has(&tags[i], 500);
    }

    CHECK(known <= NGX_HTTP_HASHPAY_OFFER_CACHE_SLOTS,
          "at most one hashtag a place: %lu known",
          (unsigned long) known);
    CHECK(known >= NGX_HTTP_HASHPAY_OFFER_CACHE_SLOTS / 2,
          "the places are used: %lu known", (unsigned long) known);

    /* the last one added is always known */
    CHECK_INT(ngx_http_hashpay_offer_cache_has(
                  &tags[2 * NGX_HTTP_HASHPAY_OFFER_CACHE_SLOTS - 1], 500), 1,
              "the newest is known");
}
