
/*
 * Copyright (C) hashpay authors
 *
 * The X Account Activity endpoint (hashpay_webhook): the CRC challenge,
 * signed deliveries, and one Redis step per acting tweet.
 *
 *   GET  ?crc_token=T   answered here, without Redis
 *   POST                signature over the raw body (before any Redis
 *                       access), JSON, then every acting tweet and revoke
 *                       goes to Redis in one pipelined batch, in order;
 *                       first, when some post has hashtags and no
 *                       confirmation code, one pipelined batch of reads
 *                       (EXISTS per such post, TIME) answers the posts
 *                       that need no script (src/ngx_http_hashpay_prefilter.h)
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <jansson.h>
#include <openssl/rand.h>

#include "ngx_http_hashpay.h"
#include "ngx_http_hashpay_redis.h"
#include "ngx_http_hashpay_sig.h"
#include "ngx_http_hashpay_tweet.h"
#include "ngx_http_hashpay_scan.h"
#include "ngx_http_hashpay_code.h"
#include "ngx_http_hashpay_handler.h"
#include "ngx_http_hashpay_prefilter.h"
#include "ngx_http_hashpay_offer_cache.h"


/* what a command of the batch is for, besides a post (its index) */
#define NGX_HTTP_HASHPAY_REVOKE  ((ngx_uint_t) -1)
#define NGX_HTTP_HASHPAY_TIME    ((ngx_uint_t) -2)

/*
 * the prefilter asks about a delivery of at most this many posts (it
 * compares each post's identity with those before it); a larger one goes
 * to the scripts whole
 */
#define NGX_HTTP_HASHPAY_PREFILTER_MAX  64


typedef struct {
    ngx_str_t                       outcome;
    ngx_str_t                       reason;
} ngx_http_hashpay_result_t;


/* the signature headers seen so far */
typedef struct {
    ngx_http_hashpay_loc_conf_t    *hlcf;
    ngx_str_t                      *body;
    ngx_uint_t                      found;
} ngx_http_hashpay_sig_check_t;


typedef struct {
    ngx_http_hashpay_delivery_t     delivery;
    ngx_http_hashpay_result_t      *results;     /* one per tweet */
    ngx_uint_t                     *cmd_tweet;   /* cmd index -> tweet */
    u_char                         *none;        /* one per tweet: 1 when
                                                    the prefilter found
                                                    none of its keys */
    int64_t                         now;         /* TIME, unix ms */
    unsigned                        asking:1;    /* the prefilter's batch */
    unsigned                        has_now:1;
} ngx_http_hashpay_webhook_t;


static ngx_int_t ngx_http_hashpay_crc(ngx_http_request_t *r,
    ngx_http_hashpay_loc_conf_t *hlcf);
static ngx_int_t ngx_http_hashpay_webhook_parse(ngx_http_request_t *r,
    ngx_http_hashpay_batch_t *b, ngx_str_t *body);
static ngx_int_t ngx_http_hashpay_check_signature(ngx_http_request_t *r,
    ngx_http_hashpay_loc_conf_t *hlcf, ngx_str_t *body);
static ngx_int_t ngx_http_hashpay_check_header(ngx_http_request_t *r,
    ngx_table_elt_t *h, void *data);
static ngx_int_t ngx_http_hashpay_webhook_ask(ngx_http_request_t *r,
    ngx_http_hashpay_webhook_t *wh, ngx_http_hashpay_batch_t *b);
static ngx_uint_t ngx_http_hashpay_webhook_known(ngx_http_request_t *r,
    ngx_http_hashpay_tweet_t *t, ngx_uint_t i);
static ngx_int_t ngx_http_hashpay_webhook_ask_post(ngx_http_request_t *r,
    ngx_http_hashpay_batch_t *b, ngx_http_hashpay_tweet_t *t);
static ngx_int_t ngx_http_hashpay_webhook_asked(ngx_http_request_t *r,
    ngx_http_hashpay_webhook_t *wh, ngx_uint_t i, redisReply *reply);
static ngx_int_t ngx_http_hashpay_webhook_next(ngx_http_request_t *r,
    void *data, ngx_http_hashpay_batch_t *b);
static ngx_int_t ngx_http_hashpay_webhook_queue(ngx_http_request_t *r,
    ngx_http_hashpay_webhook_t *wh, ngx_http_hashpay_batch_t *b);
static ngx_int_t ngx_http_hashpay_webhook_eval_tweet(ngx_http_request_t *r,
    ngx_http_hashpay_batch_t *b, ngx_http_hashpay_tweet_t *t);
static ngx_int_t ngx_http_hashpay_webhook_eval_revoke(ngx_http_request_t *r,
    ngx_http_hashpay_batch_t *b, ngx_http_hashpay_revoke_t *rv);
static ngx_int_t ngx_http_hashpay_webhook_read(ngx_http_request_t *r,
    void *data, ngx_uint_t index, redisReply *reply);
static ngx_int_t ngx_http_hashpay_webhook_respond(ngx_http_request_t *r,
    void *data);


static ngx_str_t  ngx_http_hashpay_ignored = ngx_string("ignored");
static ngx_str_t  ngx_http_hashpay_stale = ngx_string("stale");
static ngx_str_t  ngx_http_hashpay_no_offer = ngx_string("no_offer");

/* the prefilter's clock */
static ngx_str_t  ngx_http_hashpay_time_cmd = ngx_string("TIME");

static ngx_str_t  ngx_http_hashpay_ignored_reasons[] = {
    ngx_null_string,
    ngx_string("retweet"),
    ngx_string("operator"),
    ngx_string("no_hashtag"),
    ngx_string("malformed")
};


/* the delivery formats, for the log */

static const char  *ngx_http_hashpay_formats[] = {
    "Account Activity",
    "X Activity API",
    "Filtered Stream"
};


static ngx_str_t  ngx_http_hashpay_sig_headers[] = {
    ngx_string("x-twitter-webhooks-signature"),
    ngx_string("x-twitter-webhooks-signature-oauth2")
};


static ngx_http_hashpay_endpoint_t  ngx_http_hashpay_webhook_endpoint = {
    "webhook",
    "script",
    ngx_http_hashpay_webhook_parse,
    ngx_http_hashpay_webhook_read,
    ngx_http_hashpay_webhook_respond,
    NGX_HTTP_SERVICE_UNAVAILABLE,
    ngx_http_hashpay_webhook_next
};


ngx_int_t
ngx_http_hashpay_webhook_handler(ngx_http_request_t *r)
{
    ngx_int_t                     rc;
    ngx_http_hashpay_loc_conf_t  *hlcf;

    hlcf = ngx_http_get_module_loc_conf(r, ngx_http_hashpay_module);

    if (ngx_http_hashpay_get_ctx(r) == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (r->method == NGX_HTTP_GET) {
        rc = ngx_http_discard_request_body(r);

        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_hashpay_crc(r, hlcf);
    }

    if (r->method != NGX_HTTP_POST) {
        return ngx_http_hashpay_refuse(r, NGX_HTTP_NOT_ALLOWED,
                                       "method_not_allowed", "Allow",
                                       "GET, POST");
    }

    return ngx_http_hashpay_handler_read_body(r,
                                           &ngx_http_hashpay_webhook_endpoint);
}


static ngx_int_t
ngx_http_hashpay_crc(ngx_http_request_t *r, ngx_http_hashpay_loc_conf_t *hlcf)
{
    u_char                  *p;
    ngx_str_t                value, token, json, *secret;
    ngx_http_hashpay_ctx_t  *ctx;
#if (NGX_HTTP_HASHPAY_PLANT_BUG)
    u_char                  *copy;
    volatile u_char          past;
#endif

    if (ngx_http_arg(r, (u_char *) "crc_token", 9, &value) != NGX_OK) {
        return ngx_http_hashpay_send_error(r, NGX_HTTP_BAD_REQUEST,
                                           "required", "crc_token");
    }

    token.data = ngx_pnalloc(r->pool, value.len + 1);
    if (token.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_hashpay_crc_token(&value, &token) != NGX_OK) {
        /* never sign what is not shaped like a platform challenge */
        return ngx_http_hashpay_send_error(r, NGX_HTTP_BAD_REQUEST,
                                           "invalid_value", "crc_token");
    }

#if (NGX_HTTP_HASHPAY_PLANT_BUG)

    /*
     * TEST-ONLY, never in a real build: the bug make
     * test-sanitizers-can-fail plants to prove that make test-asan and
     * make test-valgrind fail on it, a read one byte past the end of a
     * malloc'd copy of the token (util/sanitize.sh)
     */

    copy = ngx_alloc(token.len, r->connection->log);
    if (copy == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(copy, token.data, token.len);
    past = copy[token.len];
    ngx_free(copy);

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "hashpay crc: planted bug read %d", (int) past);

#endif

    json.len = sizeof("{\"response_token\":\"\"}") - 1
               + NGX_HTTP_HASHPAY_X_SIG_LEN;
    json.data = ngx_pnalloc(r->pool, json.len);
    if (json.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    secret = hlcf->consumer_secrets->elts;

    p = ngx_cpymem(json.data, "{\"response_token\":\"",
                   sizeof("{\"response_token\":\"") - 1);

    if (ngx_http_hashpay_x_sign(&secret[0], token.data, token.len, p)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p += NGX_HTTP_HASHPAY_X_SIG_LEN;
    *p++ = '"';
    *p++ = '}';

    ctx = ngx_http_get_module_ctx(r, ngx_http_hashpay_module);
    ngx_str_set(&ctx->outcome, "crc");

    return ngx_http_hashpay_send_json(r, NGX_HTTP_OK, &json);
}


/*
 * The signature over the raw body, then the delivery: NGX_DONE with the
 * prefilter's reads queued in b, or else a script per acting post and
 * per revoke, in their order
 */

static ngx_int_t
ngx_http_hashpay_webhook_parse(ngx_http_request_t *r,
    ngx_http_hashpay_batch_t *b, ngx_str_t *body)
{
    ngx_int_t                       rc;
    ngx_uint_t                      i, n, nrv;
    ngx_http_hashpay_ctx_t         *ctx;
    ngx_http_hashpay_tweet_t       *t;
    ngx_http_hashpay_webhook_t     *wh;
    ngx_http_hashpay_loc_conf_t    *hlcf;
    ngx_http_hashpay_tweet_conf_t   tconf;
    ngx_http_hashpay_scan_err_t     err;

    hlcf = ngx_http_get_module_loc_conf(r, ngx_http_hashpay_module);
    ctx = ngx_http_get_module_ctx(r, ngx_http_hashpay_module);

    /* the signature comes first: nothing unsigned reaches Redis */

    rc = ngx_http_hashpay_check_signature(r, hlcf, body);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc != NGX_OK) {
        return ngx_http_hashpay_send_error(r, NGX_HTTP_UNAUTHORIZED,
                                           "bad_signature", NULL);
    }

    wh = ngx_pcalloc(r->pool, sizeof(ngx_http_hashpay_webhook_t));
    if (wh == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (hlcf->operators) {
        tconf.operators = hlcf->operators->elts;
        tconf.noperators = hlcf->operators->nelts;

    } else {
        tconf.operators = NULL;
        tconf.noperators = 0;
    }

    tconf.confirm_prefix = hlcf->confirm_prefix;

    /*
     * one pass over the body, no DOM (src/ngx_http_hashpay_scan.c): it
     * reads the JSON as json_loadb() did (a NUL inside a string allowed,
     * an integer too large for 64 bits read as a real, which the parser
     * of timestamp_ms accepts) and the delivery as
     * ngx_http_hashpay_delivery_read() does
     */

    rc = ngx_http_hashpay_scan_delivery(body->data, body->len, &tconf, r->pool,
                                        &wh->delivery, &err);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_DECLINED && err.not_json) {
        /* only where it went wrong is logged: never the input itself */
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "hashpay: webhook body is not JSON (error %i at "
                      "line %ui, column %ui)",
                      err.code, err.line, err.column);
        return ngx_http_hashpay_send_error(r, NGX_HTTP_BAD_REQUEST,
                                           "malformed_json", NULL);
    }

    ctx->data = wh;

    if (rc == NGX_DECLINED) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "hashpay: webhook body is not an X delivery: "
                      "not an object, or its %s envelope is wrong",
                      ngx_http_hashpay_formats[wh->delivery.format]);
        return ngx_http_hashpay_send_error(r, NGX_HTTP_BAD_REQUEST,
                                           "malformed_json", NULL);
    }

    n = wh->delivery.tweets->nelts;
    t = wh->delivery.tweets->elts;
    nrv = wh->delivery.revokes->nelts;

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "hashpay webhook: %s delivery, %ui posts, %ui revokes",
                   ngx_http_hashpay_formats[wh->delivery.format], n, nrv);

    wh->results = ngx_pcalloc(r->pool,
                              (n + 1) * sizeof(ngx_http_hashpay_result_t));
    wh->cmd_tweet = ngx_pcalloc(r->pool,
                                (n + nrv + 2) * sizeof(ngx_uint_t));
    wh->none = ngx_pcalloc(r->pool, n + 1);

    if (wh->results == NULL || wh->cmd_tweet == NULL || wh->none == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    for (i = 0; i < n; i++) {

        if (t[i].state == NGX_HTTP_HASHPAY_TWEET_ACT) {
            continue;
        }

        if (t[i].state == NGX_HTTP_HASHPAY_TWEET_MALFORMED) {
            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "hashpay: tweet #%ui \"%V\" ignored: "
                          "malformed \"%s\"", i, &t[i].id,
                          t[i].bad_field ? t[i].bad_field : "?");
        }

        ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "hashpay webhook: post #%ui \"%V\" ignored: %V",
                       i, &t[i].id,
                       &ngx_http_hashpay_ignored_reasons[t[i].state]);

        wh->results[i].outcome = ngx_http_hashpay_ignored;
        wh->results[i].reason = ngx_http_hashpay_ignored_reasons[t[i].state];
    }

    rc = ngx_http_hashpay_webhook_ask(r, wh, b);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_DONE) {
        return NGX_DONE;
    }

    /* nothing to ask: the scripts, if any */

    rc = ngx_http_hashpay_webhook_queue(r, wh, b);

    if (rc == NGX_OK) {
        return ngx_http_hashpay_webhook_respond(r, wh);
    }

    return rc;
}


/*
 * The prefilter's batch: EXISTS of every key the script would find for
 * each post with hashtags and no confirmation code (its record, each
 * hashtag's offer), and TIME when one of them has a time.  Not asked,
 * so that their scripts decide: a post whose identity an earlier acting
 * post of the delivery shares (the earlier one's script may record it,
 * so its own script must come after), and a post with a hashtag that
 * named an offer lately (src/ngx_http_hashpay_offer_cache.h).
 * NGX_DONE: queued (reads only, waits for no replica); NGX_DECLINED:
 * nothing to ask; NGX_ERROR.
 */

static ngx_int_t
ngx_http_hashpay_webhook_ask(ngx_http_request_t *r,
    ngx_http_hashpay_webhook_t *wh, ngx_http_hashpay_batch_t *b)
{
    ngx_uint_t                  i, j, n, timed;
    ngx_http_hashpay_tweet_t   *t;

    n = wh->delivery.tweets->nelts;
    t = wh->delivery.tweets->elts;

    if (n > NGX_HTTP_HASHPAY_PREFILTER_MAX) {
        return NGX_DECLINED;
    }

    timed = 0;

    for (i = 0; i < n; i++) {

        if (t[i].state != NGX_HTTP_HASHPAY_TWEET_ACT || t[i].has_code) {
            continue;
        }

        for (j = 0; j < i; j++) {
            if (t[j].state == NGX_HTTP_HASHPAY_TWEET_ACT
                && t[j].root_id.len == t[i].root_id.len
                && ngx_strncmp(t[j].root_id.data, t[i].root_id.data,
                               t[i].root_id.len)
                   == 0)
            {
                break;
            }
        }

        if (j < i) {
            ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "hashpay webhook: post #%ui \"%V\" is not "
                           "asked: an earlier post is the same post",
                           i, &t[i].id);
            continue;
        }

        if (ngx_http_hashpay_webhook_known(r, &t[i], i)) {
            continue;
        }

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "hashpay webhook: post #%ui \"%V\": asking whether "
                       "its record or an offer exists", i, &t[i].id);

        wh->cmd_tweet[b->cmds.nelts] = i;

        if (ngx_http_hashpay_webhook_ask_post(r, b, &t[i]) != NGX_OK) {
            return NGX_ERROR;
        }

        if (t[i].timestamp >= 0) {
            timed = 1;
        }
    }

    if (b->cmds.nelts == 0) {
        return NGX_DECLINED;
    }

    if (timed) {
        wh->cmd_tweet[b->cmds.nelts] = NGX_HTTP_HASHPAY_TIME;

        if (ngx_http_hashpay_batch_command(b, &ngx_http_hashpay_time_cmd, 1)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    wh->asking = 1;

    return NGX_DONE;
}


/* a hashtag of the post named an offer lately: 1, else 0 */

static ngx_uint_t
ngx_http_hashpay_webhook_known(ngx_http_request_t *r,
    ngx_http_hashpay_tweet_t *t, ngx_uint_t i)
{
    ngx_str_t   *tags;
    ngx_uint_t   k, n;

    n = t->hashtags ? t->hashtags->nelts : 0;
    tags = n ? t->hashtags->elts : NULL;

    for (k = 0; k < n; k++) {
        if (ngx_http_hashpay_offer_cache_has(&tags[k], ngx_current_msec)) {
            ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "hashpay webhook: post #%ui \"%V\" is not "
                           "asked: \"%V\" named an offer lately",
                           i, &t->id, &tags[k]);
            return 1;
        }
    }

    return 0;
}


/*
 * EXISTS <prefix>:tweet:<identity> (n + 1 times) <prefix>:offer:<tag>
 * (each of the n hashtags): the answer is seen * (n + 1) + offers, as
 * tweet.lua counts (no hashtag twice: offers <= n)
 */

static ngx_int_t
ngx_http_hashpay_webhook_ask_post(ngx_http_request_t *r,
    ngx_http_hashpay_batch_t *b, ngx_http_hashpay_tweet_t *t)
{
    u_char                        *p;
    size_t                         len;
    ngx_str_t                     *args, *tags, *root;
    ngx_uint_t                     i, n;
    ngx_http_hashpay_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_hashpay_module);

    n = t->hashtags ? t->hashtags->nelts : 0;
    tags = n ? t->hashtags->elts : NULL;

    /* tweet.lua: an empty identity is the delivered id */
    root = t->root_id.len ? &t->root_id : &t->id;

    len = mcf->prefix.len + sizeof(":tweet:") - 1 + root->len;

    for (i = 0; i < n; i++) {
        len += mcf->prefix.len + sizeof(":offer:") - 1 + tags[i].len;
    }

    args = ngx_palloc(r->pool, (2 * n + 2) * sizeof(ngx_str_t));
    p = ngx_pnalloc(r->pool, len);

    if (args == NULL || p == NULL) {
        return NGX_ERROR;
    }

    ngx_str_set(&args[0], "EXISTS");

    args[1].data = p;
    p = ngx_cpymem(p, mcf->prefix.data, mcf->prefix.len);
    p = ngx_cpymem(p, ":tweet:", sizeof(":tweet:") - 1);
    p = ngx_cpymem(p, root->data, root->len);
    args[1].len = p - args[1].data;

    for (i = 0; i < n; i++) {
        args[2 + i] = args[1];
    }

    for (i = 0; i < n; i++) {
        args[n + 2 + i].data = p;
        p = ngx_cpymem(p, mcf->prefix.data, mcf->prefix.len);
        p = ngx_cpymem(p, ":offer:", sizeof(":offer:") - 1);
        p = ngx_cpymem(p, tags[i].data, tags[i].len);
        args[n + 2 + i].len = p - args[n + 2 + i].data;
    }

    return ngx_http_hashpay_batch_command(b, args, 2 * n + 2);
}


/*
 * The prefilter has answered: each post none of whose keys exists is
 * answered now, as tweet.lua would ("stale" by its time on Redis's
 * clock, else "no_offer"); the others go to their scripts with the
 * delivery's revokes and confirmations, in order.  After the scripts,
 * nothing more.
 */

static ngx_int_t
ngx_http_hashpay_webhook_next(ngx_http_request_t *r, void *data,
    ngx_http_hashpay_batch_t *b)
{
    ngx_uint_t                    i, n;
    ngx_http_hashpay_tweet_t     *t;
    ngx_http_hashpay_webhook_t   *wh;
    ngx_http_hashpay_loc_conf_t  *hlcf;

    wh = data;

    if (!wh->asking) {
        return NGX_OK;
    }

    wh->asking = 0;

    hlcf = ngx_http_get_module_loc_conf(r, ngx_http_hashpay_module);

    n = wh->delivery.tweets->nelts;
    t = wh->delivery.tweets->elts;

    for (i = 0; i < n; i++) {

        if (!wh->none[i]) {
            continue;
        }

        if (t[i].timestamp >= 0 && !wh->has_now) {
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          "hashpay: no TIME for post #%ui", i);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        wh->results[i].outcome = ngx_http_hashpay_ignored;

        if (ngx_http_hashpay_post_stale(t[i].timestamp, wh->now,
                                        hlcf->dedupe_ttl))
        {
            wh->results[i].reason = ngx_http_hashpay_stale;

        } else {
            wh->results[i].reason = ngx_http_hashpay_no_offer;
        }

        ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "hashpay webhook: post #%ui \"%V\" ignored: %V, "
                       "without a script", i, &t[i].id,
                       &wh->results[i].reason);
    }

    return ngx_http_hashpay_webhook_queue(r, wh, b);
}


/*
 * The scripts: posts and revokes go to Redis in the order they were
 * delivered, but for the posts answered already.  NGX_DONE: queued
 * (they write: hashpay_redis_wait applies); NGX_OK: none to send;
 * NGX_HTTP_INTERNAL_SERVER_ERROR.
 */

static ngx_int_t
ngx_http_hashpay_webhook_queue(ngx_http_request_t *r,
    ngx_http_hashpay_webhook_t *wh, ngx_http_hashpay_batch_t *b)
{
    ngx_uint_t                  i, j, n, nrv;
    ngx_http_hashpay_tweet_t   *t;
    ngx_http_hashpay_revoke_t  *rv;

    n = wh->delivery.tweets->nelts;
    t = wh->delivery.tweets->elts;
    nrv = wh->delivery.revokes->nelts;
    rv = wh->delivery.revokes->elts;

    j = 0;

    for (i = 0; i <= n; i++) {

        for ( /* void */ ; j < nrv && rv[j].before == i; j++) {

            if (rv[j].bad_field) {
                ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                              "hashpay: %s ignored: malformed \"%s\"",
                              rv[j].kind, rv[j].bad_field);
                continue;
            }

            ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "hashpay webhook: %s of \"%V\" at %L",
                           rv[j].kind, &rv[j].user, rv[j].date_time);

            wh->cmd_tweet[b->cmds.nelts] = NGX_HTTP_HASHPAY_REVOKE;

            if (ngx_http_hashpay_webhook_eval_revoke(r, b, &rv[j]) != NGX_OK) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }
        }

        if (i == n) {
            break;
        }

        if (t[i].state != NGX_HTTP_HASHPAY_TWEET_ACT
            || wh->none[i])
        {
            continue;
        }

        ngx_log_debug5(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "hashpay webhook: post #%ui \"%V\" (as \"%V\") by "
                       "\"%V\" acts, %ui hashtags",
                       i, &t[i].id, &t[i].root_id, &t[i].author_id,
                       t[i].hashtags->nelts);

        wh->cmd_tweet[b->cmds.nelts] = i;

        if (ngx_http_hashpay_webhook_eval_tweet(r, b, &t[i]) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (b->cmds.nelts == 0) {
        return NGX_OK;
    }

    b->durable = 1;

    return NGX_DONE;
}


/*
 * Every signature header present must verify under one of the secrets,
 * and at least one must be present.  NGX_OK, NGX_DECLINED or NGX_ERROR.
 */

static ngx_int_t
ngx_http_hashpay_check_signature(ngx_http_request_t *r,
    ngx_http_hashpay_loc_conf_t *hlcf, ngx_str_t *body)
{
    ngx_int_t                     rc;
    ngx_http_hashpay_sig_check_t  sc;

    sc.hlcf = hlcf;
    sc.body = body;
    sc.found = 0;

    rc = ngx_http_hashpay_handler_headers(r, ngx_http_hashpay_sig_headers,
                                 sizeof(ngx_http_hashpay_sig_headers)
                                 / sizeof(ngx_str_t),
                                 ngx_http_hashpay_check_header, &sc);
    if (rc != NGX_OK) {
        return rc;
    }

    if (sc.found == 0) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "hashpay: webhook without a signature header");
        return NGX_DECLINED;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_check_header(ngx_http_request_t *r, ngx_table_elt_t *h,
    void *data)
{
    ngx_int_t                      rc;
    ngx_http_hashpay_sig_check_t  *sc = data;

    sc->found++;

    rc = ngx_http_hashpay_x_verify(&h->value,
                                   sc->hlcf->consumer_secrets->elts,
                                   sc->hlcf->consumer_secrets->nelts,
                                   sc->body->data, sc->body->len);
    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc != NGX_OK) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "hashpay: webhook signature in \"%V\" does not "
                      "verify", &h->key);
        return NGX_DECLINED;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_webhook_eval_tweet(ngx_http_request_t *r,
    ngx_http_hashpay_batch_t *b, ngx_http_hashpay_tweet_t *t)
{
    u_char                        *codes;
    ngx_str_t                     *args, *tags;
    ngx_uint_t                     i, n, ncodes, first;
    ngx_http_hashpay_loc_conf_t   *hlcf;
    ngx_http_hashpay_main_conf_t  *mcf;

    hlcf = ngx_http_get_module_loc_conf(r, ngx_http_hashpay_module);
    mcf = ngx_http_get_module_main_conf(r, ngx_http_hashpay_module);

    n = t->hashtags ? t->hashtags->nelts : 0;

    /* a tweet that may create an intent carries fresh codes for it */
    ncodes = t->has_code ? 0 : NGX_HTTP_HASHPAY_CODE_CANDIDATES;
    first = NGX_HTTP_HASHPAY_TWEET_ARG_CODES + ncodes;

    args = ngx_pcalloc(r->pool, (first + n) * sizeof(ngx_str_t));
    if (args == NULL) {
        return NGX_ERROR;
    }

    args[NGX_HTTP_HASHPAY_TWEET_KEY_EVENTS] = mcf->events_key;
    args[NGX_HTTP_HASHPAY_TWEET_ARG_PREFIX] = mcf->prefix;
    args[NGX_HTTP_HASHPAY_TWEET_ARG_EVENTS_POLICY] = mcf->events_maxlen_text;

    if (ngx_http_hashpay_int_arg(r->pool, hlcf->dedupe_ttl,
                             &args[NGX_HTTP_HASHPAY_TWEET_ARG_DEDUPE_TTL])
        != NGX_OK
        || ngx_http_hashpay_int_arg(r->pool, hlcf->confirm_ttl,
                             &args[NGX_HTTP_HASHPAY_TWEET_ARG_CONFIRM_TTL])
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    args[NGX_HTTP_HASHPAY_TWEET_ARG_TWEET_ID] = t->id;
    args[NGX_HTTP_HASHPAY_TWEET_ARG_AUTHOR_ID] = t->author_id;
    args[NGX_HTTP_HASHPAY_TWEET_ARG_AUTHOR_NAME] = t->screen_name;

    if (ngx_http_hashpay_int_arg(r->pool, t->created_at,
                         &args[NGX_HTTP_HASHPAY_TWEET_ARG_AUTHOR_CREATED_AT])
        != NGX_OK
        || ngx_http_hashpay_int_arg(r->pool, t->timestamp,
                             &args[NGX_HTTP_HASHPAY_TWEET_ARG_POSTED_AT])
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (t->has_code) {
        args[NGX_HTTP_HASHPAY_TWEET_ARG_CODE].data = t->code;
        args[NGX_HTTP_HASHPAY_TWEET_ARG_CODE].len = NGX_HTTP_HASHPAY_CODE_LEN;

    } else {
        ngx_str_set(&args[NGX_HTTP_HASHPAY_TWEET_ARG_CODE], "");
    }

    args[NGX_HTTP_HASHPAY_TWEET_ARG_CONFIRM_PREFIX] = hlcf->confirm_prefix;

    if (ngx_http_hashpay_int_arg(r->pool, ncodes,
                                 &args[NGX_HTTP_HASHPAY_TWEET_ARG_NCODES])
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* the post's identity for idempotency: an edit is its first version */
    args[NGX_HTTP_HASHPAY_TWEET_ARG_ROOT_ID] = t->root_id;

    if (ncodes) {
        codes = ngx_pnalloc(r->pool, ncodes * NGX_HTTP_HASHPAY_CODE_LEN);
        if (codes == NULL) {
            return NGX_ERROR;
        }

        if (ngx_http_hashpay_code_mint(codes, ncodes, RAND_bytes) != NGX_OK) {
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          "hashpay: RAND_bytes() failed to mint "
                          "confirmation codes");
            return NGX_ERROR;
        }

        for (i = 0; i < ncodes; i++) {
            args[NGX_HTTP_HASHPAY_TWEET_ARG_CODES + i].data =
                                          codes + i * NGX_HTTP_HASHPAY_CODE_LEN;
            args[NGX_HTTP_HASHPAY_TWEET_ARG_CODES + i].len =
                                          NGX_HTTP_HASHPAY_CODE_LEN;
        }
    }

    tags = n ? t->hashtags->elts : NULL;

    for (i = 0; i < n; i++) {
        args[first + i] = tags[i];
    }

    return ngx_http_hashpay_batch_eval(b, NGX_HTTP_HASHPAY_SCRIPT_TWEET, args,
                                       first + n);
}


static ngx_int_t
ngx_http_hashpay_webhook_eval_revoke(ngx_http_request_t *r,
    ngx_http_hashpay_batch_t *b, ngx_http_hashpay_revoke_t *rv)
{
    ngx_str_t                     *args;
    ngx_http_hashpay_loc_conf_t   *hlcf;
    ngx_http_hashpay_main_conf_t  *mcf;

    hlcf = ngx_http_get_module_loc_conf(r, ngx_http_hashpay_module);
    mcf = ngx_http_get_module_main_conf(r, ngx_http_hashpay_module);

    args = ngx_palloc(r->pool,
                      NGX_HTTP_HASHPAY_UNLINK_NARGS * sizeof(ngx_str_t));
    if (args == NULL) {
        return NGX_ERROR;
    }

    args[NGX_HTTP_HASHPAY_UNLINK_KEY_EVENTS] = mcf->events_key;
    args[NGX_HTTP_HASHPAY_UNLINK_ARG_PREFIX] = mcf->prefix;
    args[NGX_HTTP_HASHPAY_UNLINK_ARG_EVENTS_POLICY] = mcf->events_maxlen_text;
    args[NGX_HTTP_HASHPAY_UNLINK_ARG_USER] = rv->user;
    ngx_str_set(&args[NGX_HTTP_HASHPAY_UNLINK_ARG_BY], "revoke");

    if (ngx_http_hashpay_int_arg(r->pool, rv->date_time,
                                 &args[NGX_HTTP_HASHPAY_UNLINK_ARG_DATE_TIME])
        != NGX_OK
        || ngx_http_hashpay_int_arg(r->pool, hlcf->dedupe_ttl,
                                 &args[NGX_HTTP_HASHPAY_UNLINK_ARG_DEDUPE_TTL])
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_hashpay_batch_eval(b, NGX_HTTP_HASHPAY_SCRIPT_UNLINK, args,
                                       NGX_HTTP_HASHPAY_UNLINK_NARGS);
}


/*
 * A script answers an array: outcome, then reason ("" for none), then
 * whatever else the outcome carries.  Anything else is a failure: the
 * delivery is answered 503 and redelivered.
 */

static ngx_int_t
ngx_http_hashpay_webhook_read(ngx_http_request_t *r, void *data,
    ngx_uint_t index, redisReply *reply)
{
    ngx_uint_t                   i;
    ngx_http_hashpay_webhook_t  *wh;
    ngx_http_hashpay_result_t   *res;

    wh = data;
    i = wh->cmd_tweet[index];

    if (wh->asking) {
        return ngx_http_hashpay_webhook_asked(r, wh, i, reply);
    }

    if (i == NGX_HTTP_HASHPAY_REVOKE) {
        /* { linked, purchases_cancelled, claims_voided }: nothing to say */

        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "hashpay: unexpected answer of the unlink script");
            return NGX_ERROR;
        }

        return NGX_OK;
    }

    res = &wh->results[i];

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2
        || ngx_http_hashpay_reply_word(r->pool, reply->element[0],
                                       &res->outcome)
           != NGX_OK
        || ngx_http_hashpay_reply_word(r->pool, reply->element[1],
                                       &res->reason)
           != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "hashpay: unexpected answer of the tweet script");
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * a reply of the prefilter: TIME, or the EXISTS of post i; a post every
 * hashtag of which names an offer teaches them to the offer cache
 */

static ngx_int_t
ngx_http_hashpay_webhook_asked(ngx_http_request_t *r,
    ngx_http_hashpay_webhook_t *wh, ngx_uint_t i, redisReply *reply)
{
    ngx_str_t                 *tags;
    ngx_uint_t                 k, n;
    ngx_http_hashpay_tweet_t  *t;

    if (i == NGX_HTTP_HASHPAY_TIME) {

        if (ngx_http_hashpay_time_reply(reply, &wh->now) != NGX_OK) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "hashpay: unexpected answer of TIME");
            return NGX_ERROR;
        }

        wh->has_now = 1;

        return NGX_OK;
    }

    if (reply->type != REDIS_REPLY_INTEGER || reply->integer < 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "hashpay: unexpected answer of EXISTS");
        return NGX_ERROR;
    }

    wh->none[i] = (reply->integer == 0);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "hashpay webhook: post #%ui: EXISTS %i",
                   i, (ngx_int_t) reply->integer);

    t = wh->delivery.tweets->elts;
    t = &t[i];

    n = t->hashtags ? t->hashtags->nelts : 0;
    tags = n ? t->hashtags->elts : NULL;

    if (n && (ngx_uint_t) reply->integer % (n + 1) == n) {
        for (k = 0; k < n; k++) {
            ngx_http_hashpay_offer_cache_add(&tags[k], ngx_current_msec);
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_webhook_respond(ngx_http_request_t *r, void *data)
{
    u_char                      *p, *o;
    size_t                       len, olen;
    ngx_str_t                    json;
    ngx_uint_t                   i, n;
    ngx_http_hashpay_ctx_t      *ctx;
    ngx_http_hashpay_tweet_t    *t;
    ngx_http_hashpay_result_t   *res;
    ngx_http_hashpay_webhook_t  *wh;

    wh = data;

    n = wh->delivery.tweets->nelts;
    t = wh->delivery.tweets->elts;
    res = wh->results;

    len = sizeof("{\"results\":[]}") - 1;
    olen = 0;

    for (i = 0; i < n; i++) {
        len += sizeof("{\"tweet_id\":\"\",\"outcome\":\"\",\"reason\":\"\"},")
               - 1 + t[i].id.len + res[i].outcome.len + res[i].reason.len
               + sizeof("null") - 1;
        olen += res[i].outcome.len + 1;
    }

    /*
     * one allocation: the answer, then $hashpay_outcome when there are
     * several tweets; one tweet's outcome is the script's word itself
     */

    p = ngx_pnalloc(r->pool, len + (n > 1 ? olen : 0));
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    o = p + len;

    json.data = p;
    p = ngx_cpymem(p, "{\"results\":[", sizeof("{\"results\":[") - 1);

    ctx = ngx_http_get_module_ctx(r, ngx_http_hashpay_module);
    ctx->outcome.data = o;

    for (i = 0; i < n; i++) {

        if (i) {
            *p++ = ',';
            *o++ = ',';
        }

        /* ids are digits, outcomes and reasons [a-z_]: nothing to escape */

        if (t[i].id.len) {
            p = ngx_sprintf(p, "{\"tweet_id\":\"%V\"", &t[i].id);

        } else {
            p = ngx_cpymem(p, "{\"tweet_id\":null",
                           sizeof("{\"tweet_id\":null") - 1);
        }

        p = ngx_sprintf(p, ",\"outcome\":\"%V\"", &res[i].outcome);

        if (res[i].reason.len) {
            p = ngx_sprintf(p, ",\"reason\":\"%V\"", &res[i].reason);
        }

        *p++ = '}';

        if (n > 1) {
            o = ngx_cpymem(o, res[i].outcome.data, res[i].outcome.len);
        }
    }

    *p++ = ']';
    *p++ = '}';

    json.len = p - json.data;

    if (n == 1) {
        ctx->outcome = res[0].outcome;

    } else {
        ctx->outcome.len = o - ctx->outcome.data;
    }

    return ngx_http_hashpay_send_json(r, NGX_HTTP_OK, &json);
}
