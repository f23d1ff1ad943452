
/*
 * Copyright (C) hashpay authors
 *
 * The webhook's fast reader (issue 14): one pass over the delivery body,
 * no DOM and no allocation per JSON node.  It validates the whole body as
 * the jansson-based reader's json_loadb() does (RFC 8259, UTF-8, the
 * escapes and surrogates, NUL in keys refused but allowed in strings,
 * nesting of at most 2048 values, numbers that fit a double) and captures
 * only the members that ngx_http_hashpay_delivery_read() reads (the last
 * of duplicate keys, as jansson keeps), then reads them by the same rules
 * into the same ngx_http_hashpay_delivery_t.  Strings point into the body
 * when they hold no escape, else into decoded copies from the pool.
 * Pure: it allocates from the pool it is given and logs nothing
 * (t/unit/test_tweet_scan.c; fuzz/fuzz_delivery_diff.c holds it to the
 * jansson-based reader).
 */


#ifndef _NGX_HTTP_HASHPAY_SCAN_H_INCLUDED_
#define _NGX_HTTP_HASHPAY_SCAN_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_hashpay_tweet.h"


/* jansson's JSON_PARSER_MAX_DEPTH: values, scalars included */
#define NGX_HTTP_HASHPAY_SCAN_MAX_DEPTH  2048


/* why a body is not JSON (the numbers are jansson's json_error_code) */
typedef struct {
    ngx_uint_t                 not_json;    /* 1: the body is not JSON */
    ngx_int_t                  code;
    ngx_uint_t                 line;        /* 1-based */
    ngx_uint_t                 column;      /* bytes into the line */
    size_t                     offset;
} ngx_http_hashpay_scan_err_t;


/*
 * NGX_OK; NGX_DECLINED with err->not_json set when the body is not JSON
 * as json_loadb(JSON_ALLOW_NUL) (then JSON_DECODE_INT_AS_REAL) reads it,
 * or with err->not_json 0 and d->format set when the envelope is wrong,
 * as ngx_http_hashpay_delivery_read() declines it; NGX_ERROR on
 * allocation failure.
 */
ngx_int_t ngx_http_hashpay_scan_delivery(const u_char *body, size_t len,
    ngx_http_hashpay_tweet_conf_t *conf, ngx_pool_t *pool,
    ngx_http_hashpay_delivery_t *d, ngx_http_hashpay_scan_err_t *err);


#endif /* _NGX_HTTP_HASHPAY_SCAN_H_INCLUDED_ */
