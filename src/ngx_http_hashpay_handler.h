
/*
 * Copyright (C) hashpay authors
 *
 * What every Redis-backed endpoint (webhook, transactions, admin) does
 * the same way, written once: read the body, let the endpoint check and
 * parse it and queue its scripts, send the batch, wait, read each reply
 * (and the same for the endpoint's next step, if it has one), answer,
 * with the error paths (503 redis_unavailable, 503 events_backlog, a
 * failed script) and the finalization in one place.
 */


#ifndef _NGX_HTTP_HASHPAY_HANDLER_H_INCLUDED_
#define _NGX_HTTP_HASHPAY_HANDLER_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_hashpay.h"
#include "ngx_http_hashpay_redis.h"
#include "ngx_http_hashpay_json.h"


/*
 * The body (NULL when there is none: GET, DELETE) checked and parsed,
 * and the endpoint's scripts queued in b (b->durable set if they write);
 * the endpoint's state in the context's data.  NGX_DONE: send the batch;
 * anything else is the answer made now (what a content handler returns).
 */
typedef ngx_int_t (*ngx_http_hashpay_parse_pt)(ngx_http_request_t *r,
    ngx_http_hashpay_batch_t *b, ngx_str_t *body);

/*
 * one reply that is neither an error nor the events backlog: NGX_OK, or
 * NGX_ERROR when it is not what the script answers (logged by the
 * endpoint; the request fails as a failed script)
 */
typedef ngx_int_t (*ngx_http_hashpay_read_pt)(ngx_http_request_t *r,
    void *data, ngx_uint_t index, redisReply *reply);

/* every reply read, none failed: the answer */
typedef ngx_int_t (*ngx_http_hashpay_answer_pt)(ngx_http_request_t *r,
    void *data);

/*
 * every reply read, none failed: the commands of a next step queued in b
 * (a new batch; b->durable set if they write), NGX_DONE to send them;
 * NGX_OK when there is none (then the answer); anything else is the
 * answer made now.  NULL: one step only.
 */
typedef ngx_int_t (*ngx_http_hashpay_next_pt)(ngx_http_request_t *r,
    void *data, ngx_http_hashpay_batch_t *b);


struct ngx_http_hashpay_endpoint_s {
    char                           *name;          /* "webhook": logs */
    char                           *script;        /* "script": logs */
    ngx_http_hashpay_parse_pt       parse;
    ngx_http_hashpay_read_pt        read;
    ngx_http_hashpay_answer_pt      answer;

    /* a script failed: 503 (the sender redelivers) or 500 */
    ngx_uint_t                      failed_status;

    ngx_http_hashpay_next_pt        next;
};


/* the content handler's end: read the body, then as above */
ngx_int_t ngx_http_hashpay_handler_read_body(ngx_http_request_t *r,
    ngx_http_hashpay_endpoint_t *ep);

/* the same without a body (it is discarded) */
ngx_int_t ngx_http_hashpay_handler_run(ngx_http_request_t *r,
    ngx_http_hashpay_endpoint_t *ep);

/*
 * Each request header named one of names[0 .. n - 1] (case-insensitive),
 * in the order received, handed to handler: the first answer that is not
 * NGX_OK ends the walk and is returned; NGX_OK after the last one.
 */
typedef ngx_int_t (*ngx_http_hashpay_header_pt)(ngx_http_request_t *r,
    ngx_table_elt_t *h, void *data);

ngx_int_t ngx_http_hashpay_handler_headers(ngx_http_request_t *r,
    ngx_str_t *names, ngx_uint_t n, ngx_http_hashpay_header_pt handler,
    void *data);


/*
 * a body refused (400, 422), logged with the contract's names only, never
 * a value (it may be a card number): "hashpay: <what> body refused: ..."
 */
ngx_int_t ngx_http_hashpay_handler_refuse_body(ngx_http_request_t *r,
    char *what, ngx_http_hashpay_json_err_t *err);


#endif /* _NGX_HTTP_HASHPAY_HANDLER_H_INCLUDED_ */
