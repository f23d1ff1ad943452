
/*
 * Copyright (C) hashpay authors
 *
 * Confirmation codes: unbiased symbols from random bytes.  A byte maps to
 * a symbol only below the largest multiple of the alphabet's size that
 * fits in a byte (31 * 8 = 248); bytes 248-255 are thrown away and more
 * are drawn, so every symbol has probability exactly 1/31.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_hashpay_code.h"


/*
 * random bytes drawn per round, and rounds in a row that yield no symbol
 * before the source is judged broken (a real one does that with
 * probability (8/256)^64 per round)
 */
#define NGX_HTTP_HASHPAY_CODE_CHUNK   64
#define NGX_HTTP_HASHPAY_CODE_ROUNDS  8

#define NGX_HTTP_HASHPAY_CODE_LIMIT                                           \
    (256 - 256 % NGX_HTTP_HASHPAY_CODE_SYMBOLS)


ngx_int_t
ngx_http_hashpay_code_mint(u_char *out, ngx_uint_t n,
    ngx_http_hashpay_rand_pt rand)
{
    u_char       buf[NGX_HTTP_HASHPAY_CODE_CHUNK];
    ngx_uint_t   i, need, have, before, idle;

    static u_char  alphabet[] = NGX_HTTP_HASHPAY_CODE_ALPHABET;

    need = n * NGX_HTTP_HASHPAY_CODE_LEN;
    have = 0;

    idle = 0;

    while (have < need) {

        if (idle == NGX_HTTP_HASHPAY_CODE_ROUNDS) {
            return NGX_ERROR;
        }

        if (rand(buf, NGX_HTTP_HASHPAY_CODE_CHUNK) != 1) {
            return NGX_ERROR;
        }

        before = have;

        for (i = 0; i < NGX_HTTP_HASHPAY_CODE_CHUNK && have < need; i++) {

            if (buf[i] >= NGX_HTTP_HASHPAY_CODE_LIMIT) {
                continue;
            }

            out[have++] = alphabet[buf[i] % NGX_HTTP_HASHPAY_CODE_SYMBOLS];
        }

        idle = (have == before) ? idle + 1 : 0;
    }

    return NGX_OK;
}
