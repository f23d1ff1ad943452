
/*
 * Copyright (C) hashpay authors
 *
 * Confirmation codes (SPEC section 10): 6 symbols of an alphabet without
 * 0/O/1/I/L, drawn from a CSPRNG with rejection sampling so that every
 * symbol is equally likely.  Pure: the random source is a parameter
 * (OpenSSL's RAND_bytes in the module), so that it is unit-tested on its
 * own (t/unit/test_code.c).
 */


#ifndef _NGX_HTTP_HASHPAY_CODE_H_INCLUDED_
#define _NGX_HTTP_HASHPAY_CODE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


#define NGX_HTTP_HASHPAY_CODE_ALPHABET  "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#define NGX_HTTP_HASHPAY_CODE_SYMBOLS                                         \
    (sizeof(NGX_HTTP_HASHPAY_CODE_ALPHABET) - 1)

/* how many codes the webhook mints per acting tweet (the script takes
 * the first one that is not live) */
#define NGX_HTTP_HASHPAY_CODE_CANDIDATES  4

#ifndef NGX_HTTP_HASHPAY_CODE_LEN
#define NGX_HTTP_HASHPAY_CODE_LEN  6
#endif


/* RAND_bytes()'s shape: 1 on success */
typedef int (*ngx_http_hashpay_rand_pt)(unsigned char *buf, int num);


/*
 * Writes n codes of NGX_HTTP_HASHPAY_CODE_LEN symbols each, one after the
 * other, into out (n * NGX_HTTP_HASHPAY_CODE_LEN bytes, no terminator).
 * NGX_OK, or NGX_ERROR when the random source fails or keeps giving
 * bytes that are all rejected (a broken source: never loops forever).
 */
ngx_int_t ngx_http_hashpay_code_mint(u_char *out, ngx_uint_t n,
    ngx_http_hashpay_rand_pt rand);


#endif /* _NGX_HTTP_HASHPAY_CODE_H_INCLUDED_ */
