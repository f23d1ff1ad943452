
/*
 * Copyright (C) hashpay authors
 *
 * Unit tests of src/ngx_http_hashpay_backoff.c: every delay within
 * [base, min(cap, 3 * previous)], each value of the range reachable and
 * drawn about as often as the others, and workers with different random
 * numbers spread over the range instead of all waiting the same time.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <stdlib.h>

#include "ngx_http_hashpay_backoff.h"
#include "unit.h"


#define BASE  NGX_HTTP_HASHPAY_BACKOFF_BASE
#define CAP   NGX_HTTP_HASHPAY_BACKOFF_CAP


static void test_numbers(void);
static void test_bounds(void);
static void test_uniform(void);
static void test_sequences(void);
static void test_workers(void);

static ngx_msec_t upper(ngx_msec_t prev);


int
main(void)
{
    test_numbers();
    test_bounds();
    test_uniform();
    test_sequences();
    test_workers();

    return unit_done();
}


/* the documented numbers: README, "Connection" */

static void
test_numbers(void)
{
    CHECK_INT(BASE, 100, "base 100 ms");
    CHECK_INT(CAP, 2000, "cap 2 s");

    /* the first delay after a connection was up: 100-300 ms */
    CHECK_INT(ngx_http_hashpay_backoff(0, 0), 100, "first, rnd 0");
    CHECK_INT(ngx_http_hashpay_backoff(0, 200), 300, "first, rnd 200");
    CHECK_INT(ngx_http_hashpay_backoff(0, 201), 100, "first, rnd wraps");
    CHECK_INT(ngx_http_hashpay_backoff(0, 57), 157, "first, rnd 57");

    /* then up to three times the previous one */
    CHECK_INT(ngx_http_hashpay_backoff(300, 800), 900, "300 -> 900 at most");
    CHECK_INT(ngx_http_hashpay_backoff(300, 801), 100, "300: range of 801");

    /* and never above the cap, which stays reachable */
    CHECK_INT(ngx_http_hashpay_backoff(700, 1900), 2000, "700: cap reached");
    CHECK_INT(ngx_http_hashpay_backoff(700, 1901), 100, "700: capped range");
    CHECK_INT(ngx_http_hashpay_backoff(2000, 1900), 2000, "at the cap");
    CHECK_INT(ngx_http_hashpay_backoff(1000000, 1900), 2000,
              "a previous delay above the cap");
    CHECK_INT(ngx_http_hashpay_backoff(1000000, 0), 100,
              "the base stays reachable at the cap");
}


static ngx_msec_t
upper(ngx_msec_t prev)
{
    ngx_msec_t  hi;

    hi = 3 * (prev < BASE ? BASE : prev);

    return hi > CAP ? CAP : hi;
}


static void
test_bounds(void)
{
    ngx_msec_t  prev, d;
    ngx_uint_t  rnd, bad;

    bad = 0;

    for (prev = 0; prev <= 2 * CAP; prev += 7) {
        for (rnd = 0; rnd < 5000; rnd += 3) {
            d = ngx_http_hashpay_backoff(prev, rnd);

            if (d < BASE || d > upper(prev)) {
                if (bad++ < 5) {
                    CHECK(0, "prev %lu rnd %lu: %lu out of [%d, %lu]",
                          (unsigned long) prev, (unsigned long) rnd,
                          (unsigned long) d, BASE,
                          (unsigned long) upper(prev));
                }
            }
        }
    }

    CHECK_INT(bad, 0, "every delay within [base, min(cap, 3 * prev)]");

    /* the largest random numbers too */
    d = ngx_http_hashpay_backoff(CAP, (ngx_uint_t) -1);
    CHECK(d >= BASE && d <= CAP, "rnd of all ones: %lu", (unsigned long) d);
}


/* each value of the first range drawn about equally often */

static void
test_uniform(void)
{
    ngx_msec_t  d;
    ngx_uint_t  i, n, hits[3 * BASE + 1], lo, hi;

    n = 201 * 500;
    ngx_memzero(hits, sizeof(hits));

    srandom(12345);

    for (i = 0; i < n; i++) {
        d = ngx_http_hashpay_backoff(0, (ngx_uint_t) random());
        hits[d]++;
    }

    lo = n;
    hi = 0;

    for (d = BASE; d <= 3 * BASE; d++) {
        lo = hits[d] < lo ? hits[d] : lo;
        hi = hits[d] > hi ? hits[d] : hi;
    }

    /* 500 expected each; 5 standard deviations is about 112 */
    CHECK(lo > 350, "every first delay drawn (least often %lu)",
          (unsigned long) lo);
    CHECK(hi < 650, "none drawn too often (most often %lu)",
          (unsigned long) hi);
}


/*
 * long outages: the delays stay within the cap, are long on average
 * (one attempt a second or so, not a busy loop) and keep being spread
 */

static void
test_sequences(void)
{
    ngx_msec_t  d, min, max;
    ngx_uint_t  i, sum, at_cap;

    srandom(4242);

    d = 0;
    sum = 0;
    at_cap = 0;
    min = CAP;
    max = 0;

    for (i = 0; i < 10000; i++) {
        d = ngx_http_hashpay_backoff(d, (ngx_uint_t) random());
        sum += d;
        at_cap += (d == CAP);
        min = d < min ? d : min;
        max = d > max ? d : max;
    }

    CHECK(min >= BASE && max <= CAP, "within [%d, %d]: %lu-%lu",
          BASE, CAP, (unsigned long) min, (unsigned long) max);
    CHECK(sum / 10000 > 700 && sum / 10000 < 1400,
          "mean delay of a long outage about 1 s: %lu ms",
          (unsigned long) (sum / 10000));
    CHECK(at_cap < 100, "exactly the cap is rare (%lu of 10000)",
          (unsigned long) at_cap);
}


/*
 * 64 workers lose Redis at the same instant: their first delays differ,
 * as do their fifth ones (with the old doubling they were all 100 ms,
 * then all 1600 ms)
 */

static void
test_workers(void)
{
    ngx_msec_t  d[64], first[64];
    ngx_uint_t  w, i, j, same_first, same_fifth;

    srandom(777);

    for (w = 0; w < 64; w++) {
        d[w] = 0;

        for (i = 0; i < 5; i++) {
            d[w] = ngx_http_hashpay_backoff(d[w], (ngx_uint_t) random());

            if (i == 0) {
                first[w] = d[w];
            }
        }
    }

    same_first = 0;
    same_fifth = 0;

    for (i = 0; i < 64; i++) {
        for (j = i + 1; j < 64; j++) {
            same_first += (first[i] == first[j]);
            same_fifth += (d[i] == d[j]);
        }
    }

    /* 2016 pairs; about 10 expected to share a first delay of 201 */
    CHECK(same_first < 40, "first delays spread: %lu pairs equal",
          (unsigned long) same_first);
    CHECK(same_fifth < 40, "fifth delays spread: %lu pairs equal",
          (unsigned long) same_fifth);
}
