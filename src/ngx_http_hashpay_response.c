
/*
 * Copyright (C) hashpay authors
 *
 * JSON answers, refusals, and what a request keeps: its context, its
 * parsed body.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_hashpay.h"
#include "ngx_http_hashpay_json_alloc.h"


typedef struct {
    json_t                         *root;
    ngx_http_hashpay_json_arena_t  *arena;   /* NULL: malloc() */
} ngx_http_hashpay_json_doc_t;


static void ngx_http_hashpay_json_free(void *data);


ngx_http_hashpay_ctx_t *
ngx_http_hashpay_get_ctx(ngx_http_request_t *r)
{
    ngx_http_hashpay_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_hashpay_module);

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_hashpay_ctx_t));
        if (ctx == NULL) {
            return NULL;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_hashpay_module);
    }

    return ctx;
}


ngx_int_t
ngx_http_hashpay_send_json(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *json)
{
    static ngx_str_t  type = ngx_string("application/json");

    return ngx_http_hashpay_send_text(r, status, &type, json);
}


/* an answer whose body is in memory (type: a static string) */

ngx_int_t
ngx_http_hashpay_send_text(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, ngx_str_t *text)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    r->headers_out.status = status;
    r->headers_out.content_length_n = text->len;
    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = type->len;
    r->headers_out.content_type_lowcase = NULL;

    if (r->method == NGX_HTTP_HEAD || text->len == 0) {
        r->header_only = 1;
        return ngx_http_send_header(r);
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = text->data;
    b->last = text->data + text->len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    return ngx_http_output_filter(r, &out);
}


/*
 * {"error":"<code>"} or {"error":"<code>","field":"<field>"}; code and
 * field are the module's own names, never client text
 */

ngx_int_t
ngx_http_hashpay_send_error(ngx_http_request_t *r, ngx_uint_t status,
    char *code, char *field)
{
    u_char                  *p;
    size_t                   len;
    ngx_str_t                json;
    ngx_table_elt_t         *h;
    ngx_http_hashpay_ctx_t  *ctx;

    ctx = ngx_http_hashpay_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->outcome.data = (u_char *) code;
    ctx->outcome.len = ngx_strlen(code);

    len = sizeof("{\"error\":\"\",\"field\":\"\"}") - 1 + ngx_strlen(code)
          + (field ? ngx_strlen(field) : 0);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    json.data = p;

    if (field) {
        p = ngx_sprintf(p, "{\"error\":\"%s\",\"field\":\"%s\"}", code, field);

    } else {
        p = ngx_sprintf(p, "{\"error\":\"%s\"}", code);
    }

    json.len = p - json.data;

    if (status == NGX_HTTP_SERVICE_UNAVAILABLE) {
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->hash = 1;
        ngx_str_set(&h->key, "Retry-After");

        if (ngx_strcmp(code, "events_backlog") == 0) {
            ngx_str_set(&h->value, NGX_HTTP_HASHPAY_BACKLOG_RETRY);

        } else {
            ngx_str_set(&h->value, "1");
        }
    }

    return ngx_http_hashpay_send_json(r, status, &json);
}


/*
 * An answer before any body is read (the body is discarded first), with
 * one more header: 401 WWW-Authenticate, 405 Allow
 */

ngx_int_t
ngx_http_hashpay_refuse(ngx_http_request_t *r, ngx_uint_t status,
    char *code, char *header, char *value)
{
    ngx_int_t         rc;
    ngx_table_elt_t  *h;

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    if (header) {
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->hash = 1;
        h->key.data = (u_char *) header;
        h->key.len = ngx_strlen(header);
        h->value.data = (u_char *) value;
        h->value.len = ngx_strlen(value);
    }

    return ngx_http_hashpay_send_error(r, status, code, NULL);
}


/*
 * A body parsed into a jansson document that lives as long as the request:
 * its blocks come from an arena on the pool (src/ngx_http_hashpay_json_alloc.c)
 * so that the pool frees them all at once, with no json_decref(); if some
 * came from malloc() (no allocator of ours, the pool failed), the pool's
 * cleanup does the json_decref().  NGX_OK with *root NULL: refused, err says
 * why.
 */

ngx_int_t
ngx_http_hashpay_json_body_parse(ngx_pool_t *pool, ngx_str_t *body,
    json_t **root, ngx_http_hashpay_json_err_t *err)
{
    ngx_pool_cleanup_t             *cln;
    ngx_http_hashpay_json_doc_t    *doc;
    ngx_http_hashpay_json_arena_t  *prev;

    cln = ngx_pool_cleanup_add(pool, sizeof(ngx_http_hashpay_json_doc_t));
    if (cln == NULL) {
        return NGX_ERROR;
    }

    doc = cln->data;
    doc->root = NULL;
    doc->arena = ngx_http_hashpay_json_arena_create(pool);

    cln->handler = ngx_http_hashpay_json_free;

    prev = ngx_http_hashpay_json_arena_use(doc->arena);
    doc->root = ngx_http_hashpay_json_parse(body->data, body->len, err);
    (void) ngx_http_hashpay_json_arena_use(prev);

    if (doc->arena != NULL) {
        ngx_log_debug4(NGX_LOG_DEBUG_HTTP, pool->log, 0,
                       "hashpay json: %uz bytes parsed in an arena: "
                       "%ui blocks, %uz bytes of the pool, %ui malloc()",
                       body->len, doc->arena->blocks, doc->arena->bytes,
                       doc->arena->heap);

    } else {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, pool->log, 0,
                       "hashpay json: %uz bytes parsed with malloc()",
                       body->len);
    }

    *root = doc->root;

    return NGX_OK;
}


static void
ngx_http_hashpay_json_free(void *data)
{
    ngx_http_hashpay_json_doc_t  *doc = data;

    if (doc->root == NULL) {
        return;
    }

    /* wholly in the arena: the pool frees it right after */

    if (doc->arena != NULL && doc->arena->heap == 0) {
        return;
    }

    json_decref(doc->root);
}
