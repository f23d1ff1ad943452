
/*
 * Copyright (C) hashpay authors
 *
 * The card network's transaction endpoint (hashpay_transactions, SPEC
 * section 5): a POST signed per Standard Webhooks, a strict JSON body, and
 * one Redis step (src/lua/transaction.lua) that credits the cashback of the
 * oldest eligible claim, once per webhook-id and per txn_id.
 *
 *   405   not a POST
 *   401   the signature (checked before the body is parsed and before any
 *         Redis access)
 *   400   the webhook-id, the JSON, a field (422 for a card number)
 *   200   {"outcome":"credited"|"no_claim"|"duplicate","cashback_cents":N}
 *   503   Redis down or too slow: the network redelivers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <jansson.h>

#include "ngx_http_hashpay.h"
#include "ngx_http_hashpay_redis.h"
#include "ngx_http_hashpay_json.h"
#include "ngx_http_hashpay_sig.h"
#include "ngx_http_hashpay_handler.h"


#define NGX_HTTP_HASHPAY_WEBHOOK_ID_MAX  256


typedef struct {
    json_t                         *root;
    ngx_str_t                       outcome;
    int64_t                         cashback_cents;
} ngx_http_hashpay_txn_ctx_t;


static ngx_int_t ngx_http_hashpay_transactions_parse(ngx_http_request_t *r,
    ngx_http_hashpay_batch_t *b, ngx_str_t *body);
static ngx_int_t ngx_http_hashpay_transactions_verify(ngx_http_request_t *r,
    ngx_str_t *body, ngx_str_t *id);
static ngx_int_t ngx_http_hashpay_transactions_header(ngx_http_request_t *r,
    ngx_table_elt_t *h, void *data);
static ngx_int_t ngx_http_hashpay_transactions_eval(ngx_http_request_t *r,
    ngx_http_hashpay_batch_t *b, ngx_str_t *id, ngx_http_hashpay_txn_t *txn);
static ngx_int_t ngx_http_hashpay_transactions_read(ngx_http_request_t *r,
    void *data, ngx_uint_t index, redisReply *reply);
static ngx_int_t ngx_http_hashpay_transactions_respond(ngx_http_request_t *r,
    void *data);


static ngx_str_t  ngx_http_hashpay_sw_headers[] = {
    ngx_string("webhook-id"),
    ngx_string("webhook-timestamp"),
    ngx_string("webhook-signature")
};


static ngx_http_hashpay_endpoint_t  ngx_http_hashpay_transactions_endpoint = {
    "transactions",
    "transaction script",
    ngx_http_hashpay_transactions_parse,
    ngx_http_hashpay_transactions_read,
    ngx_http_hashpay_transactions_respond,
    NGX_HTTP_SERVICE_UNAVAILABLE,
    NULL
};


ngx_int_t
ngx_http_hashpay_transactions_handler(ngx_http_request_t *r)
{
    if (r->method != NGX_HTTP_POST) {
        return ngx_http_hashpay_refuse(r, NGX_HTTP_NOT_ALLOWED,
                                       "method_not_allowed", "Allow", "POST");
    }

    return ngx_http_hashpay_handler_read_body(r,
                                    &ngx_http_hashpay_transactions_endpoint);
}


/* the signature, then the body: NGX_DONE with the script queued in b */

static ngx_int_t
ngx_http_hashpay_transactions_parse(ngx_http_request_t *r,
    ngx_http_hashpay_batch_t *b, ngx_str_t *body)
{
    size_t                        i;
    ngx_int_t                     rc;
    ngx_str_t                     id;
    ngx_http_hashpay_ctx_t       *ctx;
    ngx_http_hashpay_txn_t        txn;
    ngx_http_hashpay_txn_ctx_t   *tc;
    ngx_http_hashpay_json_err_t   err;

    ctx = ngx_http_get_module_ctx(r, ngx_http_hashpay_module);

    /* the signature comes first: nothing unsigned is parsed or stored */

    rc = ngx_http_hashpay_transactions_verify(r, body, &id);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc != NGX_OK) {
        return ngx_http_hashpay_send_error(r, NGX_HTTP_UNAUTHORIZED,
                                           "bad_signature", NULL);
    }

    /* the id names a Redis key: printable, no space, of bounded length */

    for (i = 0; i < id.len; i++) {
        if (id.data[i] <= ' ' || id.data[i] >= 0x7f) {
            break;
        }
    }

    if (i < id.len || id.len > NGX_HTTP_HASHPAY_WEBHOOK_ID_MAX) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "hashpay: transaction refused: invalid webhook-id");
        return ngx_http_hashpay_send_error(r, NGX_HTTP_BAD_REQUEST,
                                           "invalid_value", "webhook-id");
    }

    tc = ngx_pcalloc(r->pool, sizeof(ngx_http_hashpay_txn_ctx_t));
    if (tc == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->data = tc;

    ngx_memzero(&err, sizeof(ngx_http_hashpay_json_err_t));

    if (ngx_http_hashpay_json_body_parse(r->pool, body, &tc->root, &err)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (tc->root != NULL) {
        rc = ngx_http_hashpay_txn_read(tc->root, &txn, &err);

    } else {
        /*
         * a number beyond 64 bits: 400 here, as every bad body, unless a
         * card number was found beside it (422 looks_like_pan)
         */

        if (ngx_strcmp(err.code, "looks_like_pan") != 0) {
            err.status = NGX_HTTP_BAD_REQUEST;
        }

        rc = NGX_DECLINED;
    }

    if (rc != NGX_OK) {
        return ngx_http_hashpay_handler_refuse_body(r, "transaction", &err);
    }

    return ngx_http_hashpay_transactions_eval(r, b, &id, &txn);
}


/*
 * Standard Webhooks: NGX_OK with the webhook-id in *id, NGX_DECLINED
 * (logged with the reason), or NGX_ERROR
 */

static ngx_int_t
ngx_http_hashpay_transactions_verify(ngx_http_request_t *r, ngx_str_t *body,
    ngx_str_t *id)
{
    const char                   *why;
    ngx_int_t                     rc;
    ngx_str_t                    *fields[3], *names;
    ngx_uint_t                    i;
    ngx_http_hashpay_sw_msg_t     m;
    ngx_http_hashpay_loc_conf_t  *hlcf;

    hlcf = ngx_http_get_module_loc_conf(r, ngx_http_hashpay_module);

    ngx_memzero(&m, sizeof(ngx_http_hashpay_sw_msg_t));

    fields[0] = &m.id;
    fields[1] = &m.timestamp;
    fields[2] = &m.signature;

    names = ngx_http_hashpay_sw_headers;

    for (i = 0; i < 3; i++) {
        if (ngx_http_hashpay_handler_headers(r, &names[i], 1,
                                      ngx_http_hashpay_transactions_header,
                                      fields[i])
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "hashpay: transaction signature refused: "
                          "duplicate %V header", &names[i]);
            return NGX_DECLINED;
        }
    }

    m.body = body->data;
    m.len = body->len;
    m.now = ngx_time();
    m.tolerance = hlcf->transactions_tolerance;

    rc = ngx_http_hashpay_sw_verify(&m, hlcf->transactions_keys->elts,
                                    hlcf->transactions_keys->nelts, &why);

    if (rc == NGX_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "hashpay: HMAC-SHA256 failed (OpenSSL)");
        return NGX_ERROR;
    }

    if (rc != NGX_OK) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "hashpay: transaction signature refused: %s", why);
        return NGX_DECLINED;
    }

    *id = m.id;

    return NGX_OK;
}


/* the value of a header (empty when absent); NGX_DECLINED twice */

static ngx_int_t
ngx_http_hashpay_transactions_header(ngx_http_request_t *r,
    ngx_table_elt_t *h, void *data)
{
    ngx_str_t  *value = data;

    if (value->data != NULL) {
        return NGX_DECLINED;
    }

    *value = h->value;

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_transactions_eval(ngx_http_request_t *r,
    ngx_http_hashpay_batch_t *b, ngx_str_t *id, ngx_http_hashpay_txn_t *txn)
{
    ngx_str_t                     *args;
    ngx_http_hashpay_loc_conf_t   *hlcf;
    ngx_http_hashpay_main_conf_t  *mcf;

    hlcf = ngx_http_get_module_loc_conf(r, ngx_http_hashpay_module);
    mcf = ngx_http_get_module_main_conf(r, ngx_http_hashpay_module);

    args = ngx_palloc(r->pool,
                      NGX_HTTP_HASHPAY_TRANSACTION_NARGS * sizeof(ngx_str_t));
    if (args == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    args[NGX_HTTP_HASHPAY_TRANSACTION_KEY_EVENTS] = mcf->events_key;
    args[NGX_HTTP_HASHPAY_TRANSACTION_ARG_PREFIX] = mcf->prefix;
    args[NGX_HTTP_HASHPAY_TRANSACTION_ARG_EVENTS_POLICY] =
                                                      mcf->events_maxlen_text;
    args[NGX_HTTP_HASHPAY_TRANSACTION_ARG_WEBHOOK_ID] = *id;
    args[NGX_HTTP_HASHPAY_TRANSACTION_ARG_TXN_ID] = txn->txn_id;
    args[NGX_HTTP_HASHPAY_TRANSACTION_ARG_CARD_TOKEN] = txn->card_token;
    args[NGX_HTTP_HASHPAY_TRANSACTION_ARG_MERCHANT_ID] = txn->merchant_id;
    args[NGX_HTTP_HASHPAY_TRANSACTION_ARG_CURRENCY] = txn->currency;

    if (ngx_http_hashpay_int_arg(r->pool, hlcf->dedupe_ttl,
                    &args[NGX_HTTP_HASHPAY_TRANSACTION_ARG_DEDUPE_TTL])
        != NGX_OK
        || ngx_http_hashpay_int_arg(r->pool, txn->amount_cents,
                    &args[NGX_HTTP_HASHPAY_TRANSACTION_ARG_AMOUNT_CENTS])
           != NGX_OK
        || ngx_http_hashpay_int_arg(r->pool, txn->at,
                    &args[NGX_HTTP_HASHPAY_TRANSACTION_ARG_AT])
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->durable = 1;

    if (ngx_http_hashpay_batch_eval(b, NGX_HTTP_HASHPAY_SCRIPT_TRANSACTION,
                                    args, NGX_HTTP_HASHPAY_TRANSACTION_NARGS)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_DONE;
}


/* { outcome, cashback_cents }: anything else fails the request (503) */

static ngx_int_t
ngx_http_hashpay_transactions_read(ngx_http_request_t *r, void *data,
    ngx_uint_t index, redisReply *reply)
{
    redisReply                  *o, *c;
    ngx_http_hashpay_txn_ctx_t  *tc;

    tc = data;

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        goto unexpected;
    }

    o = reply->element[0];
    c = reply->element[1];

    if (c->type != REDIS_REPLY_INTEGER || c->integer < 0) {
        goto unexpected;
    }

    if (ngx_http_hashpay_reply_word(r->pool, o, &tc->outcome) == NGX_OK
        && (ngx_strcmp(tc->outcome.data, "credited") == 0
            || ngx_strcmp(tc->outcome.data, "no_claim") == 0
            || ngx_strcmp(tc->outcome.data, "duplicate") == 0))
    {
        tc->cashback_cents = c->integer;
        return NGX_OK;
    }

unexpected:

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "hashpay: unexpected answer of the transaction script");
    return NGX_ERROR;
}


static ngx_int_t
ngx_http_hashpay_transactions_respond(ngx_http_request_t *r, void *data)
{
    u_char                      *p;
    ngx_str_t                    json;
    ngx_http_hashpay_ctx_t      *ctx;
    ngx_http_hashpay_txn_ctx_t  *tc;

    tc = data;

    p = ngx_pnalloc(r->pool, sizeof("{\"outcome\":\"\",\"cashback_cents\":}")
                             + tc->outcome.len + NGX_INT64_LEN);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    json.data = p;
    json.len = ngx_sprintf(p, "{\"outcome\":\"%V\",\"cashback_cents\":%L}",
                           &tc->outcome, tc->cashback_cents)
               - p;

    ctx = ngx_http_get_module_ctx(r, ngx_http_hashpay_module);
    ctx->outcome = tc->outcome;

    return ngx_http_hashpay_send_json(r, NGX_HTTP_OK, &json);
}
