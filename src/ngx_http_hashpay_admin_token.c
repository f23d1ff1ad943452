
/*
 * Copyright (C) hashpay authors
 *
 * The admin API's bearer tokens (hashpay_admin_token): only their
 * SHA-256 is kept per location, and a request's token is hashed and
 * compared with every one of them, so that neither its content nor its
 * length shows in the time of the answer.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ngx_http_hashpay.h"
#include "ngx_http_hashpay_admin_token.h"


/*
 * The SHA-256 of every admin token: a request's token is hashed and
 * compared with each of them in constant time, so that neither its
 * content nor its length shows in the time of the answer.
 */

ngx_int_t
ngx_http_hashpay_admin_digests(ngx_conf_t *cf,
    ngx_http_hashpay_loc_conf_t *conf)
{
    u_char      *d;
    ngx_str_t   *tokens;
    ngx_uint_t   i;

    tokens = conf->admin_tokens->elts;

    d = ngx_pnalloc(cf->pool,
                    conf->admin_tokens->nelts * NGX_HTTP_HASHPAY_DIGEST_LEN);
    if (d == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < conf->admin_tokens->nelts; i++) {
        if (EVP_Digest(tokens[i].data, tokens[i].len,
                       d + i * NGX_HTTP_HASHPAY_DIGEST_LEN, NULL,
                       EVP_sha256(), NULL)
            != 1)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "EVP_Digest(SHA-256) failed");
            return NGX_ERROR;
        }
    }

    conf->admin_digests = d;
    conf->admin_ndigests = conf->admin_tokens->nelts;

    return NGX_OK;
}


/*
 * "Authorization: Bearer <token>": the SHA-256 of the token against the
 * SHA-256 of every configured token, each compared with CRYPTO_memcmp and
 * none skipped, so the answer's time tells nothing of the token.
 */

ngx_int_t
ngx_http_hashpay_admin_auth(ngx_http_request_t *r,
    ngx_http_hashpay_loc_conf_t *hlcf)
{
    u_char      *p, *last, digest[NGX_HTTP_HASHPAY_DIGEST_LEN];
    ngx_uint_t   i, match;

    if (r->headers_in.authorization == NULL) {
        return NGX_DECLINED;
    }

    p = r->headers_in.authorization->value.data;
    last = p + r->headers_in.authorization->value.len;

    if (last - p < 7 || ngx_strncasecmp(p, (u_char *) "Bearer ", 7) != 0) {
        return NGX_DECLINED;
    }

    p += 7;

    while (p < last && *p == ' ') {
        p++;
    }

    while (last > p && last[-1] == ' ') {
        last--;
    }

    if (p == last) {
        return NGX_DECLINED;
    }

    if (EVP_Digest(p, last - p, digest, NULL, EVP_sha256(), NULL) != 1) {
        return NGX_DECLINED;
    }

    match = 0;

    for (i = 0; i < hlcf->admin_ndigests; i++) {
        match |= (CRYPTO_memcmp(digest,
                                hlcf->admin_digests
                                + i * NGX_HTTP_HASHPAY_DIGEST_LEN,
                                NGX_HTTP_HASHPAY_DIGEST_LEN)
                  == 0);
    }

    ngx_explicit_memzero(digest, sizeof(digest));

    return match ? NGX_OK : NGX_DECLINED;
}
