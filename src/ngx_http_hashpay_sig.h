
/*
 * Copyright (C) hashpay authors
 *
 * Signatures and tokens: HMAC-SHA256, base64, constant-time comparison,
 * the X CRC challenge.  Pure functions: no pools, no logging, no I/O, so
 * that they are unit-tested on their own (t/unit/test_sig.c).
 */


#ifndef _NGX_HTTP_HASHPAY_SIG_H_INCLUDED_
#define _NGX_HTTP_HASHPAY_SIG_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


#define NGX_HTTP_HASHPAY_SHA256_LEN      32
/* base64 of 32 bytes, padded */
#define NGX_HTTP_HASHPAY_SHA256_B64_LEN  44
/* "sha256=" + base64 */
#define NGX_HTTP_HASHPAY_X_SIG_LEN       (sizeof("sha256=") - 1 + 44)

#define NGX_HTTP_HASHPAY_CRC_MIN         8
#define NGX_HTTP_HASHPAY_CRC_MAX         256

/* Standard Webhooks: at most this many keys are tried */
#define NGX_HTTP_HASHPAY_SW_MAX_KEYS     16


/* a process is exiting: frees what the checks cached (the HMAC EVP_MAC) */
void ngx_http_hashpay_sig_exit(void);

/* HMAC-SHA256(key, msg) into md (32 bytes); NGX_OK or NGX_ERROR */
ngx_int_t ngx_http_hashpay_hmac_sha256(const u_char *key, size_t key_len,
    const u_char *msg, size_t len, u_char *md);

/*
 * standard base64 with '=' padding; dst must hold 4 * ((len + 2) / 3) bytes;
 * returns the number of bytes written
 */
size_t ngx_http_hashpay_base64_encode(u_char *dst, const u_char *src,
    size_t len);

/*
 * standard base64 (padding required, no white space); returns the decoded
 * length or -1 when src is not canonical base64; dst must hold
 * 3 * (len / 4) bytes
 */
ssize_t ngx_http_hashpay_base64_decode(u_char *dst, const u_char *src,
    size_t len);

/* constant-time equality of two byte strings; 1 when equal, 0 otherwise */
ngx_uint_t ngx_http_hashpay_const_eq(const u_char *a, size_t a_len,
    const u_char *b, size_t b_len);

/*
 * "sha256=" + base64(HMAC-SHA256(secret, msg)) into out, which must hold
 * NGX_HTTP_HASHPAY_X_SIG_LEN bytes; NGX_OK or NGX_ERROR
 */
ngx_int_t ngx_http_hashpay_x_sign(ngx_str_t *secret, const u_char *msg,
    size_t len, u_char *out);

/*
 * Verifies an X signature header value ("sha256=<base64>") over body
 * against every secret (rotation), in constant time per secret.
 * NGX_OK when one secret matches, NGX_DECLINED when none does or the value
 * is not of the right shape, NGX_ERROR on an OpenSSL failure.
 */
ngx_int_t ngx_http_hashpay_x_verify(ngx_str_t *value, ngx_str_t *secrets,
    ngx_uint_t nsecrets, const u_char *body, size_t len);

/*
 * Standard Webhooks (the card network's transactions).  A secret is
 * "whsec_" + base64 of the HMAC key, padding optional; the key is written
 * to key, which must hold (len - 6) * 3 / 4 + 3 bytes.  Returns the key's
 * length, or -1 when secret is not of that shape or the key is empty.
 */
ssize_t ngx_http_hashpay_sw_key(const u_char *secret, size_t len,
    u_char *key);


/* what a Standard Webhooks message is checked on */
typedef struct {
    ngx_str_t                   id;          /* webhook-id, empty: absent */
    ngx_str_t                   timestamp;   /* webhook-timestamp */
    ngx_str_t                   signature;   /* webhook-signature */
    const u_char               *body;
    size_t                      len;
    time_t                      now;         /* unix seconds */
    time_t                      tolerance;   /* seconds, either way */
} ngx_http_hashpay_sw_msg_t;


/*
 * Verifies a Standard Webhooks message: the three headers present, the
 * timestamp digits within the tolerance of now, at least one well-formed
 * v1 entry (ngx_http_hashpay_sw_entry(); checked before any HMAC is
 * computed, then one HMAC per key, never more), and one "v1,<base64>"
 * entry of the space-separated signature list equal, in constant time, to
 * HMAC-SHA256(key, id "." timestamp "." body) under one of the keys (from
 * ngx_http_hashpay_sw_key; several for rotation; entries of other versions
 * are skipped).  NGX_OK; NGX_DECLINED with *why set ("no webhook-id
 * header", "no webhook-timestamp header", "no webhook-signature header",
 * "malformed webhook-timestamp", "webhook-timestamp too old",
 * "webhook-timestamp too far in the future", "no valid v1 signature");
 * NGX_ERROR on an OpenSSL failure.
 */
ngx_int_t ngx_http_hashpay_sw_verify(ngx_http_hashpay_sw_msg_t *m,
    ngx_str_t *keys, ngx_uint_t nkeys, const char **why);

/*
 * The next v1 entry of a webhook-signature value, from *pos to end: the
 * value is a list of entries separated by spaces, and an entry counts
 * when it is "v1," followed by the canonical, padded base64 of 32 bytes
 * (entries of other versions and malformed ones are skipped).  NGX_OK
 * with the 32 bytes in sig (which must hold
 * NGX_HTTP_HASHPAY_SHA256_LEN bytes) and *pos past the entry, or
 * NGX_DONE when none is left.  Pure parsing: ngx_http_hashpay_sw_verify()
 * counts the entries with it before it computes any HMAC.
 */
ngx_int_t ngx_http_hashpay_sw_entry(u_char **pos, u_char *end, u_char *sig);

/*
 * The CRC token from a query-string argument value: percent-decoded
 * ("+" stays "+") into dst (which must hold src->len bytes), then checked:
 * 8-256 characters of the base64 or base64url alphabet, '=' only as
 * trailing padding (at most two).  NGX_OK with dst->len set, or
 * NGX_DECLINED (bad percent escape, bad length, bad character).
 */
ngx_int_t ngx_http_hashpay_crc_token(ngx_str_t *src, ngx_str_t *dst);


#endif /* _NGX_HTTP_HASHPAY_SIG_H_INCLUDED_ */
