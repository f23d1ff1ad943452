
/*
 * Copyright (C) hashpay authors
 *
 * Unit tests of src/ngx_http_hashpay_prefilter.c: the stale rule (the
 * same as tweet.lua's, at and around every bound, for the ttls where the
 * margin is 10 minutes and where it is half the ttl) and the TIME reply.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_hashpay_prefilter.h"
#include "unit.h"


#define MIN_MS   60000
#define HOUR_MS  (60 * MIN_MS)
#define NOW      1796000000000LL      /* late 2026, unix ms */


static void test_stale(void);
static void test_time(void);

static ngx_uint_t time_of(const char *s, const char *us, int64_t *now);


int
main(void)
{
    test_stale();
    test_time();

    return unit_done();
}


static void
test_stale(void)
{
    /* 48 h (the default): the margin is 10 minutes */
    ngx_msec_t  ttl = 48 * HOUR_MS;
    int64_t     edge = NOW - (48 * HOUR_MS - 10 * MIN_MS);

    CHECK_INT(ngx_http_hashpay_post_stale(-1, NOW, ttl), 0,
              "no time: never stale");
    CHECK_INT(ngx_http_hashpay_post_stale(-1, NOW, 1000), 0,
              "no time, 1 s ttl: never stale");
    CHECK_INT(ngx_http_hashpay_post_stale(NOW, NOW, ttl), 0, "now");
    CHECK_INT(ngx_http_hashpay_post_stale(edge, NOW, ttl), 0,
              "48h: exactly ttl less 10 minutes old acts");
    CHECK_INT(ngx_http_hashpay_post_stale(edge - 1, NOW, ttl), 1,
              "48h: a ms older is stale");
    CHECK_INT(ngx_http_hashpay_post_stale(0, NOW, ttl), 1, "1970 is stale");

    /* ahead: 5 minutes act, a ms more is stale, whatever the ttl */
    CHECK_INT(ngx_http_hashpay_post_stale(NOW + 5 * MIN_MS, NOW, ttl), 0,
              "5 minutes ahead acts");
    CHECK_INT(ngx_http_hashpay_post_stale(NOW + 5 * MIN_MS + 1, NOW, ttl), 1,
              "5 minutes and a ms ahead is stale");
    CHECK_INT(ngx_http_hashpay_post_stale(INT64_MAX, NOW, ttl), 1,
              "the largest time is stale (no overflow)");

    /* 10 minutes: the margin is half the ttl, 5 minutes */
    ttl = 10 * MIN_MS;
    CHECK_INT(ngx_http_hashpay_post_stale(NOW - 5 * MIN_MS, NOW, ttl), 0,
              "10m: 5 minutes old acts");
    CHECK_INT(ngx_http_hashpay_post_stale(NOW - 5 * MIN_MS - 1, NOW, ttl), 1,
              "10m: 5 minutes and a ms old is stale");

    /* 30 minutes: the margin is 10 minutes */
    ttl = 30 * MIN_MS;
    CHECK_INT(ngx_http_hashpay_post_stale(NOW - 20 * MIN_MS, NOW, ttl), 0,
              "30m: 20 minutes old acts");
    CHECK_INT(ngx_http_hashpay_post_stale(NOW - 20 * MIN_MS - 1, NOW, ttl), 1,
              "30m: 20 minutes and a ms old is stale");

    /* 1 s: half a second */
    ttl = 1000;
    CHECK_INT(ngx_http_hashpay_post_stale(NOW - 500, NOW, ttl), 0,
              "1s: 500 ms old acts");
    CHECK_INT(ngx_http_hashpay_post_stale(NOW - 501, NOW, ttl), 1,
              "1s: 501 ms old is stale");
}


static void
test_time(void)
{
    int64_t       now;
    redisReply    one, two, *el[1];

    now = 0;
    CHECK_INT(time_of("1796000000", "123456", &now), NGX_OK, "TIME");
    CHECK(now == 1796000000123LL, "TIME in ms, rounded down: %lld",
          (long long) now);

    CHECK_INT(time_of("1796000000", "999999", &now), NGX_OK, "TIME .999999");
    CHECK(now == 1796000000999LL, "rounded down, not up: %lld",
          (long long) now);

    CHECK_INT(time_of("0", "0", &now), NGX_OK, "TIME 0");
    CHECK(now == 0, "0 ms");

    CHECK_INT(time_of("", "1", &now), NGX_DECLINED, "empty seconds");
    CHECK_INT(time_of("17x6", "1", &now), NGX_DECLINED, "not digits");
    CHECK_INT(time_of("-1", "1", &now), NGX_DECLINED, "negative");
    CHECK_INT(time_of("1", "1000000", &now), NGX_DECLINED,
              "a million microseconds");
    CHECK_INT(time_of("99999999999999999999", "1", &now), NGX_DECLINED,
              "seconds past 64 bits");
    CHECK_INT(time_of("9223372036854775", "1", &now), NGX_DECLINED,
              "seconds whose ms overflow");

    /* not an array of two strings */
    ngx_memzero(&one, sizeof(one));
    one.type = REDIS_REPLY_ERROR;
    one.str = "ERR";
    one.len = 3;
    CHECK_INT(ngx_http_hashpay_time_reply(&one, &now), NGX_DECLINED,
              "an error");

    ngx_memzero(&two, sizeof(two));
    two.type = REDIS_REPLY_STRING;
    two.str = "1";
    two.len = 1;
    el[0] = &two;
    one.type = REDIS_REPLY_ARRAY;
    one.elements = 1;
    one.element = el;
    CHECK_INT(ngx_http_hashpay_time_reply(&one, &now), NGX_DECLINED,
              "an array of one");

    two.type = REDIS_REPLY_INTEGER;
    two.integer = 1;
    CHECK_INT(ngx_http_hashpay_time_reply(&two, &now), NGX_DECLINED,
              "an integer");
}


/* ngx_http_hashpay_time_reply() of the reply [s, us] */

static ngx_uint_t
time_of(const char *s, const char *us, int64_t *now)
{
    redisReply   top, a, b, *el[2];

    ngx_memzero(&top, sizeof(top));
    ngx_memzero(&a, sizeof(a));
    ngx_memzero(&b, sizeof(b));

    a.type = REDIS_REPLY_STRING;
    a.str = (char *) s;
    a.len = strlen(s);
    b.type = REDIS_REPLY_STRING;
    b.str = (char *) us;
    b.len = strlen(us);

    el[0] = &a;
    el[1] = &b;
    top.type = REDIS_REPLY_ARRAY;
    top.elements = 2;
    top.element = el;

    return (ngx_uint_t) ngx_http_hashpay_time_reply(&top, now);
}
