
/*
 * Copyright (C) hashpay authors
 *
 * The read-body -> batch -> answer scaffolding of the endpoints that ask
 * Redis (see ngx_http_hashpay_handler.h).  An endpoint gives three
 * callbacks: parse (the body into its scripts), read (one reply) and
 * answer (all of them); this file reads the body, sends the batch, waits,
 * turns Redis failures into 503, and finalizes the request.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_hashpay.h"
#include "ngx_http_hashpay_redis.h"
#include "ngx_http_hashpay_body.h"
#include "ngx_http_hashpay_handler.h"


static void ngx_http_hashpay_handler_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_hashpay_handler_start(ngx_http_request_t *r,
    ngx_http_hashpay_ctx_t *ctx, ngx_str_t *body);
static void ngx_http_hashpay_handler_reply(ngx_http_hashpay_batch_t *b,
    ngx_uint_t index, redisReply *reply);
static void ngx_http_hashpay_handler_done(ngx_http_hashpay_batch_t *b,
    ngx_int_t rc);
static ngx_http_hashpay_batch_t *ngx_http_hashpay_handler_batch(
    ngx_http_request_t *r, ngx_http_hashpay_ctx_t *ctx);
static ngx_int_t ngx_http_hashpay_handler_send(ngx_http_request_t *r,
    ngx_http_hashpay_endpoint_t *ep, ngx_http_hashpay_batch_t *b);
static ngx_int_t ngx_http_hashpay_handler_next(ngx_http_request_t *r,
    ngx_http_hashpay_ctx_t *ctx);
static ngx_int_t ngx_http_hashpay_send_unavailable(ngx_http_request_t *r,
    char *who, const char *why);
static ngx_int_t ngx_http_hashpay_send_backlog(ngx_http_request_t *r,
    char *who);


ngx_int_t
ngx_http_hashpay_handler_read_body(ngx_http_request_t *r,
    ngx_http_hashpay_endpoint_t *ep)
{
    ngx_int_t                rc;
    ngx_http_hashpay_ctx_t  *ctx;

    ctx = ngx_http_hashpay_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->endpoint = ep;

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_hashpay_handler_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        if (rc == NGX_HTTP_REQUEST_ENTITY_TOO_LARGE) {
            ngx_str_set(&ctx->outcome, "body_too_large");
        }

        return rc;
    }

    return NGX_DONE;
}


ngx_int_t
ngx_http_hashpay_handler_run(ngx_http_request_t *r,
    ngx_http_hashpay_endpoint_t *ep)
{
    ngx_int_t                rc;
    ngx_http_hashpay_ctx_t  *ctx;

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    ctx = ngx_http_hashpay_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->endpoint = ep;

    rc = ngx_http_hashpay_handler_start(r, ctx, NULL);

    if (rc == NGX_DONE) {
        /* the batch's done handler finalizes */
        r->main->count++;
    }

    return rc;
}


static void
ngx_http_hashpay_handler_body(ngx_http_request_t *r)
{
    ngx_int_t                rc;
    ngx_str_t                body;
    ngx_http_hashpay_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_hashpay_module);

    if (ngx_http_hashpay_body_get(r, &body) != NGX_OK) {
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;

    } else {
        rc = ngx_http_hashpay_handler_start(r, ctx, &body);
    }

    if (rc == NGX_DONE) {
        /* waiting for Redis: the batch's done handler finalizes */
        return;
    }

    ngx_http_finalize_request(r, rc);
}


/* NGX_DONE while Redis works, else the answer made now */

static ngx_int_t
ngx_http_hashpay_handler_start(ngx_http_request_t *r,
    ngx_http_hashpay_ctx_t *ctx, ngx_str_t *body)
{
    ngx_int_t                     rc;
    ngx_http_hashpay_batch_t     *b;
    ngx_http_hashpay_endpoint_t  *ep;

    ep = ctx->endpoint;

    b = ngx_http_hashpay_handler_batch(r, ctx);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ep->parse(r, b, body);

    if (rc != NGX_DONE) {
        return rc;
    }

    return ngx_http_hashpay_handler_send(r, ep, b);
}


/* a batch whose replies and end come back here */

static ngx_http_hashpay_batch_t *
ngx_http_hashpay_handler_batch(ngx_http_request_t *r,
    ngx_http_hashpay_ctx_t *ctx)
{
    ngx_http_hashpay_batch_t  *b;

    b = ngx_http_hashpay_batch_create(r);
    if (b == NULL) {
        return NULL;
    }

    b->data = ctx;
    b->reply = ngx_http_hashpay_handler_reply;
    b->done = ngx_http_hashpay_handler_done;

    return b;
}


/* NGX_DONE while Redis works, else the answer made now (503, 500) */

static ngx_int_t
ngx_http_hashpay_handler_send(ngx_http_request_t *r,
    ngx_http_hashpay_endpoint_t *ep, ngx_http_hashpay_batch_t *b)
{
    ngx_int_t  rc;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "hashpay %s: sending %ui commands",
                   ep->name, b->cmds.nelts);

    rc = ngx_http_hashpay_batch_send(b);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_DECLINED) {
        return ngx_http_hashpay_send_unavailable(r, ep->name, b->error);
    }

    return NGX_DONE;
}


static void
ngx_http_hashpay_handler_reply(ngx_http_hashpay_batch_t *b,
    ngx_uint_t index, redisReply *reply)
{
    ngx_http_request_t           *r;
    ngx_http_hashpay_cmd_t       *cmd;
    ngx_http_hashpay_ctx_t       *ctx;
    ngx_http_hashpay_endpoint_t  *ep;

    r = b->request;
    ctx = b->data;
    ep = ctx->endpoint;

    if (ngx_http_hashpay_reply_backlog(reply)) {
        /* that script changed nothing: the request is refused */
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "hashpay %s: command #%ui refused: events backlog",
                       ep->name, index);
        ctx->backlog = 1;
        return;
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        cmd = b->cmds.elts;

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "hashpay: redis %s failed: %*s",
                      cmd[index].script ? ep->script : "command",
                      (size_t) reply->len, reply->str);
        ctx->failed = 1;
        return;
    }

    if (ep->read(r, ctx->data, index, reply) != NGX_OK) {
        ctx->failed = 1;
    }
}


static void
ngx_http_hashpay_handler_done(ngx_http_hashpay_batch_t *b, ngx_int_t rc)
{
    ngx_connection_t             *c;
    ngx_http_request_t           *r;
    ngx_http_hashpay_ctx_t       *ctx;
    ngx_http_hashpay_endpoint_t  *ep;

    r = b->request;
    c = r->connection;
    ctx = b->data;
    ep = ctx->endpoint;

    ngx_log_debug4(NGX_LOG_DEBUG_HTTP, c->log, 0,
                   "hashpay %s: batch done: %i, failed %ui, backlog %ui",
                   ep->name, rc, (ngx_uint_t) ctx->failed,
                   (ngx_uint_t) ctx->backlog);

    if (rc != NGX_OK) {
        rc = ngx_http_hashpay_send_unavailable(r, ep->name, b->error);

    } else if (ctx->failed) {
        if (ep->failed_status == NGX_HTTP_SERVICE_UNAVAILABLE) {
            rc = ngx_http_hashpay_send_unavailable(r, ep->name,
                                                   "script failed");

        } else {
            rc = ep->failed_status;
        }

    } else if (ctx->backlog) {
        rc = ngx_http_hashpay_send_backlog(r, ep->name);

    } else if (ep->next) {
        rc = ngx_http_hashpay_handler_next(r, ctx);

        if (rc == NGX_DONE) {
            /* the next batch's done handler finalizes */
            return;
        }

    } else {
        rc = ep->answer(r, ctx->data);
    }

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}


/*
 * the endpoint's next step, in a batch of its own under a timer of its
 * own: NGX_DONE while Redis works, else the answer made now
 */

static ngx_int_t
ngx_http_hashpay_handler_next(ngx_http_request_t *r,
    ngx_http_hashpay_ctx_t *ctx)
{
    ngx_int_t                     rc;
    ngx_http_hashpay_batch_t     *b;
    ngx_http_hashpay_endpoint_t  *ep;

    ep = ctx->endpoint;

    b = ngx_http_hashpay_handler_batch(r, ctx);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ep->next(r, ctx->data, b);

    if (rc == NGX_OK) {
        return ep->answer(r, ctx->data);
    }

    if (rc != NGX_DONE) {
        return rc;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "hashpay %s: next step", ep->name);

    return ngx_http_hashpay_handler_send(r, ep, b);
}


ngx_int_t
ngx_http_hashpay_handler_headers(ngx_http_request_t *r, ngx_str_t *names,
    ngx_uint_t n, ngx_http_hashpay_header_pt handler, void *data)
{
    ngx_int_t         rc;
    ngx_uint_t        i, k;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        for (k = 0; k < n; k++) {
            if (h[i].key.len == names[k].len
                && ngx_strncasecmp(h[i].key.data, names[k].data,
                                   names[k].len)
                   == 0)
            {
                break;
            }
        }

        if (k == n) {
            continue;
        }

        rc = handler(r, &h[i], data);

        if (rc != NGX_OK) {
            return rc;
        }
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_hashpay_handler_refuse_body(ngx_http_request_t *r, char *what,
    ngx_http_hashpay_json_err_t *err)
{
    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "hashpay: %s body refused: %s%s%s", what, err->code,
                  err->field ? " " : "", err->field ? err->field : "");

    return ngx_http_hashpay_send_error(r, err->status, (char *) err->code,
                                       (char *) err->field);
}


/* 503 redis_unavailable, logged with who answered it and why */

static ngx_int_t
ngx_http_hashpay_send_unavailable(ngx_http_request_t *r, char *who,
    const char *why)
{
    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "hashpay: %s answered 503: redis %s", who, why);

    return ngx_http_hashpay_send_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                       "redis_unavailable", NULL);
}


/*
 * 503 events_backlog: a script refused to append an event while the
 * events group has hashpay_events_maxlen of them unacknowledged; nothing
 * changed, the sender redelivers (Retry-After: 10)
 */

static ngx_int_t
ngx_http_hashpay_send_backlog(ngx_http_request_t *r, char *who)
{
    ngx_http_hashpay_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_hashpay_module);

    ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                  "hashpay: %s answered 503: events backlog, group \"%V\" "
                  "has %ui (hashpay_events_maxlen) or more events "
                  "unacknowledged", who, &mcf->events_group,
                  mcf->events_maxlen);

    return ngx_http_hashpay_send_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                       "events_backlog", NULL);
}
