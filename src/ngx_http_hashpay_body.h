
/*
 * Copyright (C) hashpay authors
 *
 * The raw request body as one piece of memory, wherever nginx kept it.
 */


#ifndef _NGX_HTTP_HASHPAY_BODY_H_INCLUDED_
#define _NGX_HTTP_HASHPAY_BODY_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/*
 * The body read by ngx_http_read_client_request_body(): in memory, in a
 * temporary file, or both; chunked bodies arrive decoded.  NGX_OK with
 * body set (pointing into nginx's own buffer when it is a single one),
 * NGX_ERROR on an allocation or read failure.
 */
ngx_int_t ngx_http_hashpay_body_get(ngx_http_request_t *r, ngx_str_t *body);


#endif /* _NGX_HTTP_HASHPAY_BODY_H_INCLUDED_ */
