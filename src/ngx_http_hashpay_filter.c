
/*
 * Copyright (C) hashpay authors
 *
 * JSON bodies for the errors nginx answers itself in hashpay locations.
 *
 * A request body larger than client_max_body_size is refused by nginx's
 * core (from Content-Length before the handler runs, or while a chunked
 * body is read) with its HTML error page.  Programs that talk to hashpay
 * expect the contract's {"error":"body_too_large"} instead, so in a
 * location where a hashpay handler is enabled this filter replaces the
 * HTML of a 413 by that JSON.  Answers the handlers make themselves are
 * already JSON and pass untouched.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_hashpay.h"


static ngx_str_t  ngx_http_hashpay_413_json =
    ngx_string("{\"error\":\"body_too_large\"}");


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


static ngx_int_t
ngx_http_hashpay_header_filter(ngx_http_request_t *r)
{
    ngx_http_hashpay_ctx_t       *ctx;
    ngx_http_hashpay_loc_conf_t  *hlcf;

    if (r->headers_out.status != NGX_HTTP_REQUEST_ENTITY_TOO_LARGE
        || r != r->main)
    {
        return ngx_http_next_header_filter(r);
    }

    hlcf = ngx_http_get_module_loc_conf(r, ngx_http_hashpay_module);

    if (!hlcf->webhook && !hlcf->admin && !hlcf->transactions) {
        return ngx_http_next_header_filter(r);
    }

    if (r->headers_out.content_type.len >= sizeof("application/json") - 1
        && ngx_strncasecmp(r->headers_out.content_type.data,
                           (u_char *) "application/json",
                           sizeof("application/json") - 1) == 0)
    {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_hashpay_get_ctx(r);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    ctx->replace_body = 1;
    ngx_str_set(&ctx->outcome, "body_too_large");

    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.charset.len = 0;

    r->headers_out.content_length_n = ngx_http_hashpay_413_json.len;

    if (r->headers_out.content_length) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    ngx_http_clear_accept_ranges(r);
    ngx_http_clear_last_modified(r);
    ngx_http_clear_etag(r);

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_hashpay_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_buf_t               *b;
    ngx_uint_t               last;
    ngx_chain_t             *cl, out;
    ngx_http_hashpay_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_hashpay_module);

    if (ctx == NULL || !ctx->replace_body) {
        return ngx_http_next_body_filter(r, in);
    }

    /* swallow nginx's HTML page; answer the JSON once its end is seen */

    last = 0;

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;

        b->pos = b->last;

        if (b->in_file) {
            b->file_pos = b->file_last;
        }

        if (b->last_buf) {
            last = 1;
        }
    }

    if (!last) {
        return NGX_OK;
    }

    ctx->replace_body = 0;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = ngx_http_hashpay_413_json.data;
    b->last = b->pos + ngx_http_hashpay_413_json.len;
    b->memory = 1;
    b->last_buf = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_next_body_filter(r, &out);
}


ngx_int_t
ngx_http_hashpay_filter_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_hashpay_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_hashpay_body_filter;

    return NGX_OK;
}
