
/*
 * Copyright (C) hashpay authors
 *
 * The differential check of the webhook's two readers, shared by
 * fuzz/fuzz_delivery_diff.c and t/unit/test_delivery_diff.c: a body is
 * read by the reference (json_loadb() as the webhook called it before
 * issue 14, JSON_ALLOW_NUL then JSON_DECODE_INT_AS_REAL on a numeric
 * overflow, then ngx_http_hashpay_delivery_read()) and by the fast reader
 * (ngx_http_hashpay_scan_delivery()); the verdicts (not JSON, a wrong
 * envelope, NGX_OK) and everything extracted must be equal.  diff_body()
 * returns NULL when they agree, else what differs.
 */


#ifndef _DELIVERY_DIFF_H_INCLUDED_
#define _DELIVERY_DIFF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>
#include <stdio.h>

#include "ngx_http_hashpay_tweet.h"
#include "ngx_http_hashpay_scan.h"


extern ngx_int_t  ngx_stub_alloc_budget;


static ngx_str_t  diff_operators[] = {
    ngx_string("15234567"),
    ngx_string("99"),
};

static ngx_http_hashpay_tweet_conf_t  diff_conf = {
    diff_operators, 2, ngx_string("Confirm")
};

static char  diff_why[512];


static int
diff_str(ngx_str_t *a, ngx_str_t *b)
{
    if ((a->data == NULL) != (b->data == NULL) || a->len != b->len) {
        return 1;
    }

    return a->len && memcmp(a->data, b->data, a->len) != 0;
}


static int
diff_cstr(const char *a, const char *b)
{
    if (a == NULL || b == NULL) {
        return a != b;
    }

    return strcmp(a, b) != 0;
}


#define DIFF(...)                                                            \
    do {                                                                      \
        snprintf(diff_why, sizeof(diff_why), __VA_ARGS__);                    \
        return diff_why;                                                      \
    } while (0)


static const char *
diff_tweet(ngx_uint_t i, ngx_http_hashpay_tweet_t *a,
    ngx_http_hashpay_tweet_t *b)
{
    ngx_str_t   *ta, *tb;
    ngx_uint_t   j;

    if (a->state != b->state) {
        DIFF("post %lu: state %d, scanner %d", (unsigned long) i,
             (int) a->state, (int) b->state);
    }

    if (diff_cstr(a->bad_field, b->bad_field)) {
        DIFF("post %lu: bad_field \"%s\", scanner \"%s\"", (unsigned long) i,
             a->bad_field ? a->bad_field : "(null)",
             b->bad_field ? b->bad_field : "(null)");
    }

    if (diff_str(&a->id, &b->id)) {
        DIFF("post %lu: id", (unsigned long) i);
    }

    if (diff_str(&a->root_id, &b->root_id)) {
        DIFF("post %lu: root_id", (unsigned long) i);
    }

    if (diff_str(&a->author_id, &b->author_id)) {
        DIFF("post %lu: author_id", (unsigned long) i);
    }

    if (diff_str(&a->screen_name, &b->screen_name)) {
        DIFF("post %lu: screen_name", (unsigned long) i);
    }

    if (a->created_at != b->created_at) {
        DIFF("post %lu: created_at %lld, scanner %lld", (unsigned long) i,
             (long long) a->created_at, (long long) b->created_at);
    }

    if (a->timestamp != b->timestamp) {
        DIFF("post %lu: timestamp %lld, scanner %lld", (unsigned long) i,
             (long long) a->timestamp, (long long) b->timestamp);
    }

    if ((a->hashtags == NULL) != (b->hashtags == NULL)) {
        DIFF("post %lu: hashtags present in one only", (unsigned long) i);
    }

    if (a->hashtags) {
        if (a->hashtags->nelts != b->hashtags->nelts) {
            DIFF("post %lu: %lu hashtags, scanner %lu", (unsigned long) i,
                 (unsigned long) a->hashtags->nelts,
                 (unsigned long) b->hashtags->nelts);
        }

        ta = a->hashtags->elts;
        tb = b->hashtags->elts;

        for (j = 0; j < a->hashtags->nelts; j++) {
            if (diff_str(&ta[j], &tb[j])) {
                DIFF("post %lu: hashtag %lu", (unsigned long) i,
                     (unsigned long) j);
            }
        }
    }

    if (a->has_code != b->has_code
        || (a->has_code
            && memcmp(a->code, b->code, NGX_HTTP_HASHPAY_CODE_LEN) != 0))
    {
        DIFF("post %lu: code", (unsigned long) i);
    }

    if (a->retweet_confirm != b->retweet_confirm) {
        DIFF("post %lu: retweet_confirm", (unsigned long) i);
    }

    return NULL;
}


/* the two answers for one body; NULL when equal */

static const char *
diff_answers(ngx_int_t rca, ngx_http_hashpay_delivery_t *a, ngx_int_t rcb,
    ngx_http_hashpay_delivery_t *b)
{
    ngx_uint_t                  i;
    const char                 *why;
    ngx_http_hashpay_tweet_t   *ta, *tb;
    ngx_http_hashpay_revoke_t  *ra, *rb;

    if (rca != rcb) {
        DIFF("rc %d, scanner %d", (int) rca, (int) rcb);
    }

    if (a->format != b->format) {
        DIFF("format %d, scanner %d", (int) a->format, (int) b->format);
    }

    if (rca != NGX_OK) {
        return NULL;
    }

    if ((a->tweets == NULL) != (b->tweets == NULL)
        || (a->revokes == NULL) != (b->revokes == NULL))
    {
        DIFF("arrays present in one only");
    }

    if (a->tweets) {
        if (a->tweets->nelts != b->tweets->nelts) {
            DIFF("%lu posts, scanner %lu", (unsigned long) a->tweets->nelts,
                 (unsigned long) b->tweets->nelts);
        }

        ta = a->tweets->elts;
        tb = b->tweets->elts;

        for (i = 0; i < a->tweets->nelts; i++) {
            why = diff_tweet(i, &ta[i], &tb[i]);
            if (why) {
                return why;
            }
        }
    }

    if (a->revokes) {
        if (a->revokes->nelts != b->revokes->nelts) {
            DIFF("%lu revokes, scanner %lu",
                 (unsigned long) a->revokes->nelts,
                 (unsigned long) b->revokes->nelts);
        }

        ra = a->revokes->elts;
        rb = b->revokes->elts;

        for (i = 0; i < a->revokes->nelts; i++) {
            if (diff_cstr(ra[i].kind, rb[i].kind)
                || diff_str(&ra[i].user, &rb[i].user)
                || ra[i].date_time != rb[i].date_time
                || diff_cstr(ra[i].bad_field, rb[i].bad_field)
                || ra[i].before != rb[i].before)
            {
                DIFF("revoke %lu", (unsigned long) i);
            }
        }
    }

    return NULL;
}


/*
 * *verdict: 0 not JSON, 1 a wrong envelope, 2 read (the same for both
 * when NULL is returned)
 */

static const char *
diff_body(const u_char *data, size_t size, int *verdict)
{
    json_t                       *root;
    ngx_int_t                     rca, rcb, allocs;
    ngx_pool_t                   *pa, *pb;
    const char                   *why;
    json_error_t                  jerr;
    ngx_http_hashpay_delivery_t   da, db;
    ngx_http_hashpay_scan_err_t   serr;

    root = json_loadb((const char *) data, size, JSON_ALLOW_NUL, &jerr);

    if (root == NULL && json_error_code(&jerr) == json_error_numeric_overflow)
    {
        root = json_loadb((const char *) data, size,
                          JSON_ALLOW_NUL|JSON_DECODE_INT_AS_REAL, &jerr);
    }

    pa = ngx_create_pool(1024, NULL);
    pb = ngx_create_pool(1024, NULL);

    if (pa == NULL || pb == NULL) {
        abort();
    }

    ngx_stub_alloc_budget = 1 << 30;

    rcb = ngx_http_hashpay_scan_delivery(data, size, &diff_conf, pb, &db,
                                         &serr);

    allocs = (1 << 30) - ngx_stub_alloc_budget;
    ngx_stub_alloc_budget = -1;

    why = NULL;

    if (root == NULL) {
        *verdict = 0;

        if (rcb != NGX_DECLINED || !serr.not_json) {
            snprintf(diff_why, sizeof(diff_why),
                     "jansson: not JSON (%s), scanner: rc %d not_json %d",
                     jerr.text, (int) rcb, (int) serr.not_json);
            why = diff_why;
        }

        goto done;
    }

    if (rcb == NGX_DECLINED && serr.not_json) {
        snprintf(diff_why, sizeof(diff_why),
                 "jansson: JSON, scanner: not JSON (code %d at offset %lu)",
                 (int) serr.code, (unsigned long) serr.offset);
        why = diff_why;
        goto done;
    }

    rca = ngx_http_hashpay_delivery_read(root, &diff_conf, pa, &da);

    *verdict = (rca == NGX_OK) ? 2 : 1;

    why = diff_answers(rca, &da, rcb, &db);

    if (why) {
        goto done;
    }

    /*
     * the scanner again with allocations failing after a number of them
     * (from the input's length and first bytes): NGX_ERROR, or the same
     * answer in full
     */

    ngx_destroy_pool(pb);
    pb = ngx_create_pool(1024, NULL);
    if (pb == NULL) {
        abort();
    }

    ngx_stub_alloc_budget = (size + (size ? data[0] : 0) * 7
                             + (size > 1 ? data[size - 1] : 0))
                            % (allocs + 1);

    rcb = ngx_http_hashpay_scan_delivery(data, size, &diff_conf, pb, &db,
                                         &serr);

    ngx_stub_alloc_budget = -1;

    if (rcb != NGX_ERROR) {
        why = diff_answers(rca, &da, rcb, &db);
    }

done:

    ngx_destroy_pool(pa);
    ngx_destroy_pool(pb);

    if (root) {
        json_decref(root);
    }

    return why;
}


#endif /* _DELIVERY_DIFF_H_INCLUDED_ */
