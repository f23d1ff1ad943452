
/*
 * Copyright (C) hashpay authors
 *
 * Signatures and tokens: HMAC-SHA256, base64, constant-time comparison,
 * the X CRC challenge.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ngx_http_hashpay_sig.h"


#define NGX_HTTP_HASHPAY_B64_BAD  77


static ngx_int_t ngx_http_hashpay_unhex(u_char c);
static ngx_uint_t ngx_http_hashpay_crc_char(u_char c);


static const u_char  ngx_http_hashpay_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";


/* the value of every base64 character, NGX_HTTP_HASHPAY_B64_BAD elsewhere */

static const u_char  ngx_http_hashpay_b64_basis[256] = {
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 62, 77, 77, 77, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 77, 77, 77, 77, 77, 77,
    77,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 77, 77, 77, 77, 77,
    77, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
};


ngx_int_t
ngx_http_hashpay_hmac_sha256(const u_char *key, size_t key_len,
    const u_char *msg, size_t len, u_char *md)
{
    unsigned int  md_len;

    if (key_len > NGX_MAX_INT32_VALUE) {
        return NGX_ERROR;
    }

    /* OpenSSL wants real pointers even for empty input */

    if (key_len == 0) {
        key = (const u_char *) "";
    }

    if (len == 0) {
        msg = (const u_char *) "";
    }

    md_len = 0;

    if (HMAC(EVP_sha256(), key, (int) key_len, msg, len, md, &md_len)
        == NULL)
    {
        return NGX_ERROR;
    }

    if (md_len != NGX_HTTP_HASHPAY_SHA256_LEN) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


size_t
ngx_http_hashpay_base64_encode(u_char *dst, const u_char *src, size_t len)
{
    u_char  *d;

    d = dst;

    while (len > 2) {
        *d++ = ngx_http_hashpay_b64[(src[0] >> 2) & 0x3f];
        *d++ = ngx_http_hashpay_b64[((src[0] & 3) << 4) | (src[1] >> 4)];
        *d++ = ngx_http_hashpay_b64[((src[1] & 0x0f) << 2) | (src[2] >> 6)];
        *d++ = ngx_http_hashpay_b64[src[2] & 0x3f];

        src += 3;
        len -= 3;
    }

    if (len) {
        *d++ = ngx_http_hashpay_b64[(src[0] >> 2) & 0x3f];

        if (len == 1) {
            *d++ = ngx_http_hashpay_b64[(src[0] & 3) << 4];
            *d++ = '=';

        } else {
            *d++ = ngx_http_hashpay_b64[((src[0] & 3) << 4) | (src[1] >> 4)];
            *d++ = ngx_http_hashpay_b64[(src[1] & 0x0f) << 2];
        }

        *d++ = '=';
    }

    return d - dst;
}


ssize_t
ngx_http_hashpay_base64_decode(u_char *dst, const u_char *src, size_t len)
{
    u_char        *d;
    size_t         i, n, pad;
    const u_char  *b;

    if (len % 4) {
        return -1;
    }

    if (len == 0) {
        return 0;
    }

    b = ngx_http_hashpay_b64_basis;

    pad = 0;

    if (src[len - 1] == '=') {
        pad++;

        if (src[len - 2] == '=') {
            pad++;
        }
    }

    n = len - pad;

    for (i = 0; i < n; i++) {
        if (b[src[i]] == NGX_HTTP_HASHPAY_B64_BAD) {
            return -1;
        }
    }

    d = dst;

    for (i = 0; i + 4 <= n; i += 4) {
        *d++ = (u_char) (b[src[i]] << 2 | b[src[i + 1]] >> 4);
        *d++ = (u_char) (b[src[i + 1]] << 4 | b[src[i + 2]] >> 2);
        *d++ = (u_char) (b[src[i + 2]] << 6 | b[src[i + 3]]);
    }

    /* canonical: the bits that the padding drops must be zero */

    switch (n - i) {

    case 2:
        if (b[src[i + 1]] & 0x0f) {
            return -1;
        }

        *d++ = (u_char) (b[src[i]] << 2 | b[src[i + 1]] >> 4);
        break;

    case 3:
        if (b[src[i + 2]] & 0x03) {
            return -1;
        }

        *d++ = (u_char) (b[src[i]] << 2 | b[src[i + 1]] >> 4);
        *d++ = (u_char) (b[src[i + 1]] << 4 | b[src[i + 2]] >> 2);
        break;

    default: /* 0 */
        break;
    }

    return d - dst;
}


ngx_uint_t
ngx_http_hashpay_const_eq(const u_char *a, size_t a_len, const u_char *b,
    size_t b_len)
{
    /* the lengths are not secret: the content is */

    if (a_len != b_len) {
        return 0;
    }

    return CRYPTO_memcmp(a, b, a_len) == 0;
}


ngx_int_t
ngx_http_hashpay_x_sign(ngx_str_t *secret, const u_char *msg, size_t len,
    u_char *out)
{
    u_char  md[NGX_HTTP_HASHPAY_SHA256_LEN];

    if (ngx_http_hashpay_hmac_sha256(secret->data, secret->len, msg, len, md)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    out = ngx_cpymem(out, "sha256=", sizeof("sha256=") - 1);
    (void) ngx_http_hashpay_base64_encode(out, md, sizeof(md));

    OPENSSL_cleanse(md, sizeof(md));

    return NGX_OK;
}


ngx_int_t
ngx_http_hashpay_x_verify(ngx_str_t *value, ngx_str_t *secrets,
    ngx_uint_t nsecrets, const u_char *body, size_t len)
{
    u_char      md[NGX_HTTP_HASHPAY_SHA256_LEN];
    u_char      got[NGX_HTTP_HASHPAY_SHA256_B64_LEN / 4 * 3];
    ssize_t     n;
    ngx_int_t   rc;
    ngx_uint_t  i, match;

    if (value->len != NGX_HTTP_HASHPAY_X_SIG_LEN
        || ngx_memcmp(value->data, "sha256=", sizeof("sha256=") - 1) != 0)
    {
        return NGX_DECLINED;
    }

    n = ngx_http_hashpay_base64_decode(got,
                                       value->data + sizeof("sha256=") - 1,
                                       NGX_HTTP_HASHPAY_SHA256_B64_LEN);

    if (n != NGX_HTTP_HASHPAY_SHA256_LEN) {
        return NGX_DECLINED;
    }

    /*
     * every secret is tried, whichever matches, so that the time taken
     * does not tell which one did
     */

    rc = NGX_OK;
    match = 0;

    for (i = 0; i < nsecrets; i++) {
        if (ngx_http_hashpay_hmac_sha256(secrets[i].data, secrets[i].len,
                                         body, len, md)
            != NGX_OK)
        {
            rc = NGX_ERROR;
            continue;
        }

        match |= ngx_http_hashpay_const_eq(md, sizeof(md), got,
                                           NGX_HTTP_HASHPAY_SHA256_LEN);
    }

    OPENSSL_cleanse(md, sizeof(md));

    if (rc != NGX_OK) {
        return NGX_ERROR;
    }

    return match ? NGX_OK : NGX_DECLINED;
}


ngx_int_t
ngx_http_hashpay_crc_token(ngx_str_t *src, ngx_str_t *dst)
{
    u_char      *d, *s, *end, c;
    size_t       n, pad;
    ngx_int_t    hi, lo;
    ngx_uint_t   i;

    s = src->data;
    end = s + src->len;
    d = dst->data;

    /* percent-decoding; d never overtakes s, so dst may be src */

    while (s < end) {

        if ((size_t) (d - dst->data) == NGX_HTTP_HASHPAY_CRC_MAX) {
            return NGX_DECLINED;
        }

        c = *s++;

        if (c == '%') {
            if (end - s < 2) {
                return NGX_DECLINED;
            }

            hi = ngx_http_hashpay_unhex(s[0]);
            lo = ngx_http_hashpay_unhex(s[1]);

            if (hi == NGX_ERROR || lo == NGX_ERROR) {
                return NGX_DECLINED;
            }

            c = (u_char) (hi << 4 | lo);
            s += 2;
        }

        *d++ = c;
    }

    n = d - dst->data;

    if (n < NGX_HTTP_HASHPAY_CRC_MIN) {
        return NGX_DECLINED;
    }

    /* '=' only as trailing padding, at most two */

    pad = 0;

    while (pad < 3 && dst->data[n - pad - 1] == '=') {
        pad++;
    }

    if (pad > 2) {
        return NGX_DECLINED;
    }

    for (i = 0; i < n - pad; i++) {
        if (!ngx_http_hashpay_crc_char(dst->data[i])) {
            return NGX_DECLINED;
        }
    }

    dst->len = n;

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_unhex(u_char c)
{
    u_char  ch;

    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    ch = (u_char) (c | 0x20);

    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }

    return NGX_ERROR;
}


static ngx_uint_t
ngx_http_hashpay_crc_char(u_char c)
{
    /* base64 and base64url alphabets together, no padding */

    return (c >= 'A' && c <= 'Z')
           || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9')
           || c == '+' || c == '/' || c == '-' || c == '_';
}
