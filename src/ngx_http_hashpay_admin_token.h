
/*
 * Copyright (C) hashpay authors
 *
 * The admin API's bearer tokens: their SHA-256 digests, made once from
 * the configuration, and the check of a request's token against them in
 * constant time.
 */


#ifndef _NGX_HTTP_HASHPAY_ADMIN_TOKEN_H_INCLUDED_
#define _NGX_HTTP_HASHPAY_ADMIN_TOKEN_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_hashpay.h"


/* conf->admin_digests from conf->admin_tokens (merge of a location) */
ngx_int_t ngx_http_hashpay_admin_digests(ngx_conf_t *cf,
    ngx_http_hashpay_loc_conf_t *conf);

/*
 * "Authorization: Bearer <token>" holds one of the location's tokens:
 * NGX_OK, else NGX_DECLINED
 */
ngx_int_t ngx_http_hashpay_admin_auth(ngx_http_request_t *r,
    ngx_http_hashpay_loc_conf_t *hlcf);


#endif /* _NGX_HTTP_HASHPAY_ADMIN_TOKEN_H_INCLUDED_ */
