
/*
 * Copyright (C) hashpay authors
 *
 * Signatures and tokens: HMAC-SHA256, base64, constant-time comparison,
 * the X CRC challenge, Standard Webhooks.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>

#include "ngx_http_hashpay_sig.h"


#define NGX_HTTP_HASHPAY_B64_BAD  77


static ngx_int_t ngx_http_hashpay_unhex(u_char c);
static ngx_int_t ngx_http_hashpay_sw_time(ngx_str_t *ts, time_t *t);
static EVP_MAC_CTX *ngx_http_hashpay_hmac_init(const u_char *key,
    size_t key_len);
static ngx_int_t ngx_http_hashpay_hmac_final(EVP_MAC_CTX *ctx, u_char *md);
static ngx_int_t ngx_http_hashpay_sw_mac(ngx_http_hashpay_sw_msg_t *m,
    ngx_str_t *key, u_char *md);
static ngx_uint_t ngx_http_hashpay_crc_char(u_char c);


/*
 * the "HMAC" EVP_MAC and one HMAC-SHA256 context of the process, made on
 * first use and kept: OpenSSL 3's one-shot HMAC() fetches the algorithm
 * from the provider, allocates a context and frees both on every call,
 * about a fifth of the instructions of an ignored delivery, while a kept
 * context given a key by EVP_MAC_init() costs only the key's pads.  A
 * worker is one thread and every HMAC here is begun and finished within
 * one call, so one context serves them all.  Both are freed by
 * ngx_http_hashpay_sig_exit(): once nginx unloads the module at exit,
 * pointers kept only here would be lost (and with them libcrypto's objects)
 */
static EVP_MAC      *ngx_http_hashpay_hmac;
static EVP_MAC_CTX  *ngx_http_hashpay_hmac_ctx;

/*
 * the key the context was last given, when it fits one SHA-256 block: the
 * same key again (one consumer secret, the usual case) begins the next
 * HMAC from the pads already made, without a new key's allocation and
 * hashing
 */
static u_char        ngx_http_hashpay_hmac_key[64];
static size_t        ngx_http_hashpay_hmac_key_len;
static ngx_uint_t    ngx_http_hashpay_hmac_keyed;


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
    EVP_MAC_CTX  *ctx;

    ctx = ngx_http_hashpay_hmac_init(key, key_len);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    if (len && EVP_MAC_update(ctx, msg, len) != 1) {
        return NGX_ERROR;
    }

    return ngx_http_hashpay_hmac_final(ctx, md);
}


/*
 * the process's HMAC-SHA256 context, begun with the key (made on first
 * use), or NULL
 */

static EVP_MAC_CTX *
ngx_http_hashpay_hmac_init(const u_char *key, size_t key_len)
{
    OSSL_PARAM  params[2];

    /* OpenSSL's HMAC keeps the key length in an int */

    if (key_len > NGX_MAX_INT32_VALUE) {
        return NULL;
    }

    if (ngx_http_hashpay_hmac_ctx == NULL) {

        if (ngx_http_hashpay_hmac == NULL) {
            ngx_http_hashpay_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
            if (ngx_http_hashpay_hmac == NULL) {
                return NULL;
            }
        }

        ngx_http_hashpay_hmac_ctx = EVP_MAC_CTX_new(ngx_http_hashpay_hmac);
        if (ngx_http_hashpay_hmac_ctx == NULL) {
            return NULL;
        }

        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                     (char *) "SHA256", 0);
        params[1] = OSSL_PARAM_construct_end();

        if (EVP_MAC_CTX_set_params(ngx_http_hashpay_hmac_ctx, params) != 1) {
            EVP_MAC_CTX_free(ngx_http_hashpay_hmac_ctx);
            ngx_http_hashpay_hmac_ctx = NULL;
            return NULL;
        }
    }

    /*
     * a NULL key means "the key of the last call" to EVP_MAC_init(): an
     * empty key is given as a real pointer
     */

    if (key_len == 0) {
        key = (const u_char *) "";
    }

    if (ngx_http_hashpay_hmac_keyed
        && key_len == ngx_http_hashpay_hmac_key_len
        && ngx_memcmp(key, ngx_http_hashpay_hmac_key, key_len) == 0)
    {
        if (EVP_MAC_init(ngx_http_hashpay_hmac_ctx, NULL, 0, NULL) != 1) {
            ngx_http_hashpay_hmac_keyed = 0;
            return NULL;
        }

        return ngx_http_hashpay_hmac_ctx;
    }

    ngx_http_hashpay_hmac_keyed = 0;

    if (EVP_MAC_init(ngx_http_hashpay_hmac_ctx, key, key_len, NULL) != 1) {
        return NULL;
    }

    if (key_len <= sizeof(ngx_http_hashpay_hmac_key)) {
        ngx_memcpy(ngx_http_hashpay_hmac_key, key, key_len);
        ngx_http_hashpay_hmac_key_len = key_len;
        ngx_http_hashpay_hmac_keyed = 1;
    }

    return ngx_http_hashpay_hmac_ctx;
}


static ngx_int_t
ngx_http_hashpay_hmac_final(EVP_MAC_CTX *ctx, u_char *md)
{
    size_t  md_len;

    md_len = 0;

    if (EVP_MAC_final(ctx, md, &md_len, NGX_HTTP_HASHPAY_SHA256_LEN) != 1
        || md_len != NGX_HTTP_HASHPAY_SHA256_LEN)
    {
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


ssize_t
ngx_http_hashpay_sw_key(const u_char *secret, size_t len, u_char *key)
{
    u_char   buf[4];
    size_t   n, rest;
    ssize_t  k, last;

    if (len <= sizeof("whsec_") - 1
        || ngx_strncmp(secret, "whsec_", sizeof("whsec_") - 1) != 0)
    {
        return -1;
    }

    secret += sizeof("whsec_") - 1;
    len -= sizeof("whsec_") - 1;

    /* whole groups as they are, then the last one padded if it is not */

    rest = len % 4;
    n = len - rest;

    if (rest == 1) {
        return -1;
    }

    k = ngx_http_hashpay_base64_decode(key, secret, n);
    if (k < 0) {
        return -1;
    }

    if (rest) {
        if (n && secret[n - 1] == '=') {
            return -1;
        }

        ngx_memcpy(buf, secret + n, rest);
        ngx_memset(buf + rest, '=', 4 - rest);

        last = ngx_http_hashpay_base64_decode(key + k, buf, 4);
        if (last < 0) {
            return -1;
        }

        k += last;
    }

    return k ? k : -1;
}


ngx_int_t
ngx_http_hashpay_sw_verify(ngx_http_hashpay_sw_msg_t *m, ngx_str_t *keys,
    ngx_uint_t nkeys, const char **why)
{
    u_char      *p, *end;
    u_char       md[NGX_HTTP_HASHPAY_SW_MAX_KEYS]
                   [NGX_HTTP_HASHPAY_SHA256_LEN];
    u_char       got[NGX_HTTP_HASHPAY_SHA256_LEN];
    time_t       t;
    ngx_uint_t   i, n, match;

    if (m->id.len == 0) {
        *why = "no webhook-id header";
        return NGX_DECLINED;
    }

    if (m->timestamp.len == 0) {
        *why = "no webhook-timestamp header";
        return NGX_DECLINED;
    }

    if (m->signature.len == 0) {
        *why = "no webhook-signature header";
        return NGX_DECLINED;
    }

    if (ngx_http_hashpay_sw_time(&m->timestamp, &t) != NGX_OK) {
        *why = "malformed webhook-timestamp";
        return NGX_DECLINED;
    }

    if (t < m->now - m->tolerance) {
        *why = "webhook-timestamp too old";
        return NGX_DECLINED;
    }

    if (t > m->now + m->tolerance) {
        *why = "webhook-timestamp too far in the future";
        return NGX_DECLINED;
    }

    /*
     * the entries are read before anything is hashed: a value without
     * one well-formed v1 entry costs no HMAC at all
     */

    end = m->signature.data + m->signature.len;

    n = 0;
    p = m->signature.data;

    while (ngx_http_hashpay_sw_entry(&p, end, got) == NGX_OK) {
        n++;
    }

    if (n == 0) {
        *why = "no valid v1 signature";
        return NGX_DECLINED;
    }

    /* then one HMAC per key, over id, timestamp and the body, once */

    if (nkeys > NGX_HTTP_HASHPAY_SW_MAX_KEYS) {
        nkeys = NGX_HTTP_HASHPAY_SW_MAX_KEYS;
    }

    for (i = 0; i < nkeys; i++) {
        if (ngx_http_hashpay_sw_mac(m, &keys[i], md[i]) != NGX_OK) {
            OPENSSL_cleanse(md, sizeof(md));
            return NGX_ERROR;
        }
    }

    /*
     * every v1 entry against every key, none skipped once one matched, so
     * that the time taken tells nothing of which did
     */

    match = 0;
    p = m->signature.data;

    while (ngx_http_hashpay_sw_entry(&p, end, got) == NGX_OK) {
        for (i = 0; i < nkeys; i++) {
            match |= ngx_http_hashpay_const_eq(md[i],
                                               NGX_HTTP_HASHPAY_SHA256_LEN,
                                               got, sizeof(got));
        }
    }

    OPENSSL_cleanse(md, sizeof(md));

    if (!match) {
        *why = "no valid v1 signature";
        return NGX_DECLINED;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_hashpay_sw_entry(u_char **pos, u_char *end, u_char *sig)
{
    u_char   *p, *last;
    u_char    buf[NGX_HTTP_HASHPAY_SHA256_B64_LEN / 4 * 3];
    ssize_t   n;

    p = *pos;

    while (p < end) {

        while (p < end && *p == ' ') {
            p++;
        }

        last = p;

        while (last < end && *last != ' ') {
            last++;
        }

        if (last - p == sizeof("v1,") - 1 + NGX_HTTP_HASHPAY_SHA256_B64_LEN
            && ngx_strncmp(p, "v1,", sizeof("v1,") - 1) == 0)
        {
            n = ngx_http_hashpay_base64_decode(buf, p + sizeof("v1,") - 1,
                                            NGX_HTTP_HASHPAY_SHA256_B64_LEN);

            if (n == NGX_HTTP_HASHPAY_SHA256_LEN) {
                ngx_memcpy(sig, buf, NGX_HTTP_HASHPAY_SHA256_LEN);
                *pos = last;
                return NGX_OK;
            }
        }

        p = last;
    }

    *pos = end;

    return NGX_DONE;
}


/* unix seconds: 1-12 digits, nothing else */

static ngx_int_t
ngx_http_hashpay_sw_time(ngx_str_t *ts, time_t *t)
{
    size_t  i;
    time_t  v;

    if (ts->len == 0 || ts->len > 12) {
        return NGX_DECLINED;
    }

    v = 0;

    for (i = 0; i < ts->len; i++) {
        if (ts->data[i] < '0' || ts->data[i] > '9') {
            return NGX_DECLINED;
        }

        v = v * 10 + (ts->data[i] - '0');
    }

    *t = v;

    return NGX_OK;
}


/* HMAC-SHA256(key, id "." timestamp "." body), without copying the body */

static ngx_int_t
ngx_http_hashpay_sw_mac(ngx_http_hashpay_sw_msg_t *m, ngx_str_t *key,
    u_char *md)
{
    EVP_MAC_CTX  *ctx;

    ctx = ngx_http_hashpay_hmac_init(key->data, key->len);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    if (EVP_MAC_update(ctx, m->id.data, m->id.len) != 1
        || EVP_MAC_update(ctx, (u_char *) ".", 1) != 1
        || EVP_MAC_update(ctx, m->timestamp.data, m->timestamp.len) != 1
        || EVP_MAC_update(ctx, (u_char *) ".", 1) != 1
        || (m->len && EVP_MAC_update(ctx, m->body, m->len) != 1))
    {
        return NGX_ERROR;
    }

    return ngx_http_hashpay_hmac_final(ctx, md);
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


/* a process is exiting: what sig.c fetched from libcrypto goes back */

void
ngx_http_hashpay_sig_exit(void)
{
    if (ngx_http_hashpay_hmac_ctx != NULL) {
        EVP_MAC_CTX_free(ngx_http_hashpay_hmac_ctx);
        ngx_http_hashpay_hmac_ctx = NULL;
    }

    OPENSSL_cleanse(ngx_http_hashpay_hmac_key,
                    sizeof(ngx_http_hashpay_hmac_key));
    ngx_http_hashpay_hmac_keyed = 0;

    if (ngx_http_hashpay_hmac != NULL) {
        EVP_MAC_free(ngx_http_hashpay_hmac);
        ngx_http_hashpay_hmac = NULL;
    }
}
