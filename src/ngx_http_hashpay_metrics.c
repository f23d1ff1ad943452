
/*
 * Copyright (C) hashpay authors
 *
 * Metrics (SPEC section 8): ngx_atomic_t counters in one shared memory
 * zone, so that one scrape sums every worker; they survive a reload.
 * Requests are counted at the log phase from what their context recorded
 * (endpoint, status, $hashpay_outcome), as nginx-module-vts does; the
 * Redis client tells its connection's state through a hook.  Nothing
 * below (the handlers, the Redis client) calls into this file.
 *
 *   hashpay_requests_total{endpoint,code}       log phase of every request
 *                                               of a hashpay location
 *   hashpay_request_duration_seconds{endpoint}  the same, a histogram
 *   hashpay_outcomes_total{outcome}             tweets and transactions
 *   hashpay_signature_failures_total{endpoint}  401 of webhook and
 *                                               transactions
 *   hashpay_redis_errors_total                  requests answered 503
 *                                               because of Redis
 *   hashpay_redis_connected                     workers connected now
 *   hashpay_events_backpressure_total           requests answered 503
 *                                               events_backlog
 *   hashpay_events_unacked                      with hashpay_events_group:
 *                                               what the group has not
 *                                               acknowledged, asked of
 *                                               Redis at each scrape
 *   hashpay_build_info{version}                 1, the module's VERSION
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_hashpay.h"
#include "ngx_http_hashpay_redis.h"
#include "ngx_http_hashpay_metrics.h"
#include "ngx_http_hashpay_version.h"


#define NGX_HTTP_HASHPAY_ZONE_SIZE     (128 * 1024)
#define NGX_HTTP_HASHPAY_CODES         600      /* status 0-599 */
#define NGX_HTTP_HASHPAY_BUCKETS       13
#define NGX_HTTP_HASHPAY_OUTCOMES      8
#define NGX_HTTP_HASHPAY_WORKER_SLOTS  256


/*
 * The layout of the zone's counters: a reload reuses the zone of the
 * running nginx (same name, size and module), and the new configuration
 * takes it over only if it holds what this code reads.  Bumped on every
 * change of ngx_http_hashpay_metrics_t.
 */
#define NGX_HTTP_HASHPAY_METRICS_LAYOUT  2


typedef struct {
    ngx_uint_t     layout;
    size_t         size;                     /* of this structure */

    ngx_atomic_t   requests[NGX_HTTP_HASHPAY_EP_N][NGX_HTTP_HASHPAY_CODES];
    /* not cumulative: a request counts in its own bucket only */
    ngx_atomic_t   buckets[NGX_HTTP_HASHPAY_EP_N]
                          [NGX_HTTP_HASHPAY_BUCKETS + 1];
    ngx_atomic_t   duration_ms[NGX_HTTP_HASHPAY_EP_N];
    ngx_atomic_t   outcomes[NGX_HTTP_HASHPAY_OUTCOMES];
    ngx_atomic_t   signature_failures[NGX_HTTP_HASHPAY_EP_N];
    ngx_atomic_t   redis_errors;
    ngx_atomic_t   events_backpressure;
    /* the pid of the worker connected to Redis, by worker number; 0 */
    ngx_atomic_t   connected[NGX_HTTP_HASHPAY_WORKER_SLOTS];
} ngx_http_hashpay_metrics_t;


/* the text is measured, then written, by the same calls */
typedef struct {
    u_char        *pos;                      /* NULL: measuring */
    u_char        *end;
    size_t         len;
} ngx_http_hashpay_out_t;


static ngx_int_t ngx_http_hashpay_metrics_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_hashpay_metrics_check_zone(
    ngx_shm_zone_t *shm_zone, ngx_http_hashpay_metrics_t *m);
static ngx_http_hashpay_metrics_t *ngx_http_hashpay_metrics_get(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_hashpay_metrics_log(ngx_http_request_t *r);
static void ngx_http_hashpay_metrics_count(ngx_http_hashpay_metrics_t *m,
    ngx_uint_t ep, ngx_uint_t status, ngx_str_t *outcome);
static ngx_uint_t ngx_http_hashpay_metrics_is(ngx_str_t *outcome,
    char *name);
static ngx_int_t ngx_http_hashpay_metrics_endpoint(ngx_http_request_t *r);
static ngx_int_t ngx_http_hashpay_metrics_unacked(ngx_http_request_t *r,
    ngx_http_hashpay_main_conf_t *mcf);
static void ngx_http_hashpay_metrics_reply(ngx_http_hashpay_batch_t *b,
    ngx_uint_t index, redisReply *reply);
static void ngx_http_hashpay_metrics_done(ngx_http_hashpay_batch_t *b,
    ngx_int_t rc);
static ngx_int_t ngx_http_hashpay_metrics_send(ngx_http_request_t *r,
    int64_t unacked);
static void ngx_http_hashpay_metrics_print(ngx_http_hashpay_out_t *out,
    ngx_http_hashpay_metrics_t *m, ngx_uint_t workers, int64_t unacked);
static void ngx_cdecl ngx_http_hashpay_metrics_out(
    ngx_http_hashpay_out_t *out, const char *fmt, ...);
static ngx_uint_t ngx_http_hashpay_metrics_workers(
    ngx_http_hashpay_metrics_t *m);


static ngx_str_t  ngx_http_hashpay_zone_name = ngx_string("hashpay_metrics");

static char  *ngx_http_hashpay_endpoints[] = {
    "webhook", "transactions", "admin", "metrics"
};

static ngx_str_t  ngx_http_hashpay_outcomes[] = {
    ngx_string("intent_created"),
    ngx_string("confirmed"),
    ngx_string("claim_saved"),
    ngx_string("rejected"),
    ngx_string("duplicate"),
    ngx_string("ignored"),
    ngx_string("credited"),
    ngx_string("no_claim")
};

/* upper bounds of the duration buckets, ms, and as Prometheus writes them */
static ngx_msec_t  ngx_http_hashpay_bucket_ms[] = {
    1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000
};

static char  *ngx_http_hashpay_bucket_le[] = {
    "0.001", "0.002", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
    "0.5", "1", "2.5", "5", "10", "+Inf"
};


/* the longest text one call of ngx_http_hashpay_metrics_out() prints */
#define NGX_HTTP_HASHPAY_METRICS_CHUNK  512


ngx_int_t
ngx_http_hashpay_metrics_zone(ngx_conf_t *cf,
    ngx_http_hashpay_main_conf_t *mcf)
{
    ngx_shm_zone_t  *shm_zone;

    shm_zone = ngx_shared_memory_add(cf, &ngx_http_hashpay_zone_name,
                                     NGX_HTTP_HASHPAY_ZONE_SIZE,
                                     &ngx_http_hashpay_module);
    if (shm_zone == NULL) {
        return NGX_ERROR;
    }

    shm_zone->init = ngx_http_hashpay_metrics_init_zone;
    mcf->metrics_zone = shm_zone;

    return NGX_OK;
}


/*
 * As ngx_http_limit_req_module.c: a reload hands over the old cycle's
 * counters (data), checked first, so that a zone of another layout is
 * refused rather than read as this one
 */

static ngx_int_t
ngx_http_hashpay_metrics_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    size_t                       len;
    ngx_slab_pool_t             *shpool;
    ngx_http_hashpay_metrics_t  *m;

    if (data) {
        /* a reload: the counters go on */

        if (ngx_http_hashpay_metrics_check_zone(shm_zone, data) != NGX_OK) {
            return NGX_ERROR;
        }

        shm_zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        if (ngx_http_hashpay_metrics_check_zone(shm_zone, shpool->data)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    m = ngx_slab_calloc(shpool, sizeof(ngx_http_hashpay_metrics_t));
    if (m == NULL) {
        return NGX_ERROR;
    }

    m->layout = NGX_HTTP_HASHPAY_METRICS_LAYOUT;
    m->size = sizeof(ngx_http_hashpay_metrics_t);

    shpool->data = m;
    shm_zone->data = m;

    len = sizeof(" in hashpay_metrics zone \"\"") + shm_zone->shm.name.len;

    shpool->log_ctx = ngx_slab_alloc(shpool, len);
    if (shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(shpool->log_ctx, " in hashpay_metrics zone \"%V\"%Z",
                &shm_zone->shm.name);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, shm_zone->shm.log, 0,
                   "hashpay metrics: zone created, layout %ui, %uz bytes",
                   m->layout, m->size);

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_metrics_check_zone(ngx_shm_zone_t *shm_zone,
    ngx_http_hashpay_metrics_t *m)
{
    if (m == NULL
        || m->layout != NGX_HTTP_HASHPAY_METRICS_LAYOUT
        || m->size != sizeof(ngx_http_hashpay_metrics_t))
    {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "hashpay: the shared zone \"%V\" of the running "
                      "nginx holds metrics of layout %ui (%uz bytes), this "
                      "module counts in layout %ui (%uz bytes): restart "
                      "nginx instead of reloading it",
                      &shm_zone->shm.name,
                      m ? m->layout : 0, m ? m->size : 0,
                      (ngx_uint_t) NGX_HTTP_HASHPAY_METRICS_LAYOUT,
                      sizeof(ngx_http_hashpay_metrics_t));
        return NGX_ERROR;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, shm_zone->shm.log, 0,
                   "hashpay metrics: zone reused, layout %ui", m->layout);

    return NGX_OK;
}


ngx_int_t
ngx_http_hashpay_metrics_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_hashpay_metrics_log;

    return NGX_OK;
}


static ngx_http_hashpay_metrics_t *
ngx_http_hashpay_metrics_get(ngx_http_request_t *r)
{
    ngx_http_hashpay_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_hashpay_module);

    if (mcf == NULL || mcf->metrics_zone == NULL) {
        return NULL;
    }

    return mcf->metrics_zone->data;
}


/* which hashpay endpoint a request was answered by, or NGX_DECLINED */

static ngx_int_t
ngx_http_hashpay_metrics_endpoint(ngx_http_request_t *r)
{
    ngx_http_hashpay_loc_conf_t  *hlcf;

    hlcf = ngx_http_get_module_loc_conf(r, ngx_http_hashpay_module);

    if (hlcf->webhook) {
        return NGX_HTTP_HASHPAY_EP_WEBHOOK;
    }

    if (hlcf->transactions) {
        return NGX_HTTP_HASHPAY_EP_TRANSACTIONS;
    }

    if (hlcf->admin) {
        return NGX_HTTP_HASHPAY_EP_ADMIN;
    }

    if (hlcf->metrics) {
        return NGX_HTTP_HASHPAY_EP_METRICS;
    }

    return NGX_DECLINED;
}


/*
 * The log phase, as nginx-module-vts counts: what the request's context
 * recorded (its outcome, $hashpay_outcome), its endpoint (the location)
 * and its status.  The handlers count nothing themselves.
 */

static ngx_int_t
ngx_http_hashpay_metrics_log(ngx_http_request_t *r)
{
    ngx_int_t                    ep;
    ngx_uint_t                   status, b;
    ngx_msec_int_t               ms;
    ngx_time_t                  *tp;
    ngx_http_hashpay_ctx_t      *ctx;
    ngx_http_hashpay_metrics_t  *m;

    ep = ngx_http_hashpay_metrics_endpoint(r);
    if (ep == NGX_DECLINED) {
        return NGX_OK;
    }

    m = ngx_http_hashpay_metrics_get(r);
    if (m == NULL) {
        return NGX_OK;
    }

    status = r->headers_out.status;

    if (status >= NGX_HTTP_HASHPAY_CODES) {
        status = 0;
    }

    (void) ngx_atomic_fetch_add(&m->requests[ep][status], 1);

    /* as $request_time does */

    tp = ngx_timeofday();

    ms = (ngx_msec_int_t) ((tp->sec - r->start_sec) * 1000
                           + (tp->msec - r->start_msec));
    ms = ngx_max(ms, 0);

    for (b = 0; b < NGX_HTTP_HASHPAY_BUCKETS; b++) {
        if ((ngx_msec_t) ms <= ngx_http_hashpay_bucket_ms[b]) {
            break;
        }
    }

    (void) ngx_atomic_fetch_add(&m->buckets[ep][b], 1);
    (void) ngx_atomic_fetch_add(&m->duration_ms[ep], ms);

    ctx = ngx_http_get_module_ctx(r, ngx_http_hashpay_module);

    if (ctx == NULL || ctx->outcome.len == 0) {
        return NGX_OK;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "hashpay metrics: %s %ui \"%V\"",
                   ngx_http_hashpay_endpoints[ep], status, &ctx->outcome);

    ngx_http_hashpay_metrics_count(m, ep, status, &ctx->outcome);

    return NGX_OK;
}


/*
 * The outcome of an answered request: 200 of webhook and transactions,
 * one outcome per tweet ("intent_created,ignored") or the transaction's;
 * 401 bad_signature of both; 503 redis_unavailable and events_backlog of
 * any endpoint (SPEC section 8).
 */

static void
ngx_http_hashpay_metrics_count(ngx_http_hashpay_metrics_t *m, ngx_uint_t ep,
    ngx_uint_t status, ngx_str_t *outcome)
{
    u_char      *p, *last, *comma;
    ngx_str_t    word;
    ngx_uint_t   i;

    if (status == NGX_HTTP_SERVICE_UNAVAILABLE) {

        if (ngx_http_hashpay_metrics_is(outcome, "redis_unavailable")) {
            (void) ngx_atomic_fetch_add(&m->redis_errors, 1);

        } else if (ngx_http_hashpay_metrics_is(outcome, "events_backlog")) {
            (void) ngx_atomic_fetch_add(&m->events_backpressure, 1);
        }

        return;
    }

    if (ep != NGX_HTTP_HASHPAY_EP_WEBHOOK
        && ep != NGX_HTTP_HASHPAY_EP_TRANSACTIONS)
    {
        return;
    }

    if (status == NGX_HTTP_UNAUTHORIZED) {
        if (ngx_http_hashpay_metrics_is(outcome, "bad_signature")) {
            (void) ngx_atomic_fetch_add(&m->signature_failures[ep], 1);
        }

        return;
    }

    if (status != NGX_HTTP_OK) {
        return;
    }

    p = outcome->data;
    last = p + outcome->len;

    while (p < last) {
        comma = ngx_strlchr(p, last, ',');

        word.data = p;
        word.len = (comma ? comma : last) - p;

        for (i = 0; i < NGX_HTTP_HASHPAY_OUTCOMES; i++) {
            if (word.len == ngx_http_hashpay_outcomes[i].len
                && ngx_strncmp(word.data, ngx_http_hashpay_outcomes[i].data,
                               word.len)
                   == 0)
            {
                (void) ngx_atomic_fetch_add(&m->outcomes[i], 1);
                break;
            }
        }

        p = word.data + word.len + 1;
    }
}


static ngx_uint_t
ngx_http_hashpay_metrics_is(ngx_str_t *outcome, char *name)
{
    size_t  len;

    len = ngx_strlen(name);

    return outcome->len == len
           && ngx_strncmp(outcome->data, name, len) == 0;
}


/*
 * The Redis client's hook (ngx_http_hashpay_redis_on_state()): a worker
 * writes its pid in the slot of its worker number when it is connected,
 * and takes it back (only its own) when it is not: a worker that
 * replaces a dead one takes over the slot, and a scrape counts only pids
 * that still run.
 */

void
ngx_http_hashpay_metrics_redis_state(ngx_uint_t state)
{
    ngx_atomic_t                  *slot;
    ngx_http_hashpay_metrics_t    *m;
    ngx_http_hashpay_main_conf_t  *mcf;

    if (ngx_worker >= NGX_HTTP_HASHPAY_WORKER_SLOTS) {
        return;
    }

    mcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                              ngx_http_hashpay_module);

    if (mcf == NULL || mcf->metrics_zone == NULL
        || mcf->metrics_zone->data == NULL)
    {
        return;
    }

    m = mcf->metrics_zone->data;
    slot = &m->connected[ngx_worker];

    if (state == NGX_HTTP_HASHPAY_REDIS_UP) {
        *slot = (ngx_atomic_uint_t) ngx_pid;

    } else {
        (void) ngx_atomic_cmp_set(slot, (ngx_atomic_uint_t) ngx_pid, 0);
    }
}


static ngx_uint_t
ngx_http_hashpay_metrics_workers(ngx_http_hashpay_metrics_t *m)
{
    ngx_pid_t   pid;
    ngx_uint_t  i, n;

    n = 0;

    for (i = 0; i < NGX_HTTP_HASHPAY_WORKER_SLOTS; i++) {
        pid = (ngx_pid_t) m->connected[i];

        if (pid == 0) {
            continue;
        }

        if (pid == ngx_pid || kill(pid, 0) == 0 || ngx_errno == NGX_EPERM) {
            n++;
        }
    }

    return n;
}


ngx_int_t
ngx_http_hashpay_metrics_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_http_hashpay_main_conf_t  *mcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return ngx_http_hashpay_refuse(r, NGX_HTTP_NOT_ALLOWED,
                                       "method_not_allowed", "Allow",
                                       "GET, HEAD");
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    mcf = ngx_http_get_module_main_conf(r, ngx_http_hashpay_module);

    if (mcf->events_group.len) {
        return ngx_http_hashpay_metrics_unacked(r, mcf);
    }

    return ngx_http_hashpay_metrics_send(r, -1);
}


/*
 * hashpay_events_unacked is read from Redis at each scrape (one script,
 * O(groups of the stream)), so it is true whenever it is printed, also
 * after the operator acknowledged and no request came since.  Redis not
 * connected, failing or too slow: the metrics without that gauge.
 */

static ngx_int_t
ngx_http_hashpay_metrics_unacked(ngx_http_request_t *r,
    ngx_http_hashpay_main_conf_t *mcf)
{
    int64_t                   *unacked;
    ngx_int_t                  rc;
    ngx_str_t                 *args;
    ngx_http_hashpay_batch_t  *b;

    unacked = ngx_palloc(r->pool, sizeof(int64_t));
    args = ngx_palloc(r->pool,
                      NGX_HTTP_HASHPAY_EVENTS_UNACKED_NARGS
                      * sizeof(ngx_str_t));
    b = ngx_http_hashpay_batch_create(r);

    if (unacked == NULL || args == NULL || b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    *unacked = -1;

    args[NGX_HTTP_HASHPAY_EVENTS_UNACKED_KEY_EVENTS] = mcf->events_key;
    args[NGX_HTTP_HASHPAY_EVENTS_UNACKED_ARG_EVENTS_POLICY] =
                                                      mcf->events_maxlen_text;

    b->data = unacked;
    b->reply = ngx_http_hashpay_metrics_reply;
    b->done = ngx_http_hashpay_metrics_done;

    if (ngx_http_hashpay_batch_eval(b, NGX_HTTP_HASHPAY_SCRIPT_EVENTS_UNACKED,
                                    args, NGX_HTTP_HASHPAY_EVENTS_UNACKED_NARGS)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_hashpay_batch_send(b);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_DECLINED) {
        return ngx_http_hashpay_metrics_send(r, -1);
    }

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "hashpay metrics: asking redis for the events group");

    r->main->count++;

    return NGX_DONE;
}


static void
ngx_http_hashpay_metrics_reply(ngx_http_hashpay_batch_t *b,
    ngx_uint_t index, redisReply *reply)
{
    int64_t  *unacked = b->data;

    if (reply->type == REDIS_REPLY_INTEGER && reply->integer >= 0) {
        *unacked = reply->integer;
        return;
    }

    ngx_log_error(NGX_LOG_ERR, b->request->connection->log, 0,
                  "hashpay: redis events_unacked script failed: %*s",
                  reply->type == REDIS_REPLY_ERROR ? (size_t) reply->len : 0,
                  reply->type == REDIS_REPLY_ERROR ? reply->str : "");
}


static void
ngx_http_hashpay_metrics_done(ngx_http_hashpay_batch_t *b, ngx_int_t rc)
{
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = b->request;
    c = r->connection;

    rc = ngx_http_hashpay_metrics_send(r, *(int64_t *) b->data);

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}


/* the counters, and the gauge of the events group when known (>= 0) */

static ngx_int_t
ngx_http_hashpay_metrics_send(ngx_http_request_t *r, int64_t unacked)
{
    ngx_str_t                    body;
    ngx_uint_t                   workers;
    ngx_http_hashpay_out_t       text;
    ngx_http_hashpay_metrics_t  *m, *snap;

    static ngx_str_t  type =
                      ngx_string("text/plain; version=0.0.4; charset=utf-8");

    m = ngx_http_hashpay_metrics_get(r);
    if (m == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /*
     * the workers go on counting: printed is a copy, measured exactly by
     * the same calls that print it, then printed into one buffer
     */

    snap = ngx_palloc(r->pool, sizeof(ngx_http_hashpay_metrics_t));
    if (snap == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(snap, m, sizeof(ngx_http_hashpay_metrics_t));

    workers = ngx_http_hashpay_metrics_workers(snap);

    ngx_memzero(&text, sizeof(ngx_http_hashpay_out_t));

    ngx_http_hashpay_metrics_print(&text, snap, workers, unacked);

    body.data = ngx_pnalloc(r->pool, text.len);
    if (body.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    text.pos = body.data;
    text.end = body.data + text.len;

    ngx_http_hashpay_metrics_print(&text, snap, workers, unacked);

    body.len = text.pos - body.data;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "hashpay metrics: %uz bytes measured, %uz printed",
                   text.len, body.len);

    if (body.len != text.len) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "hashpay: metrics text of %uz bytes printed as %uz",
                      text.len, body.len);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_hashpay_send_text(r, NGX_HTTP_OK, &type, &body);
}


/*
 * The text, measured (out->pos NULL: out->len grows) or written (at
 * out->pos, never beyond out->end); each call prints at most
 * NGX_HTTP_HASHPAY_METRICS_CHUNK bytes
 */

static void
ngx_http_hashpay_metrics_print(ngx_http_hashpay_out_t *out,
    ngx_http_hashpay_metrics_t *m, ngx_uint_t workers, int64_t unacked)
{
    char              *ep;
    ngx_uint_t         e, c, b;
    ngx_atomic_uint_t  n, count;

    ngx_http_hashpay_metrics_out(out, "# HELP hashpay_requests_total "
                                 "Requests answered by hashpay locations.\n"
                                 "# TYPE hashpay_requests_total counter\n");

    for (e = 0; e < NGX_HTTP_HASHPAY_EP_N; e++) {
        for (c = 0; c < NGX_HTTP_HASHPAY_CODES; c++) {
            n = m->requests[e][c];

            if (n) {
                ngx_http_hashpay_metrics_out(out, "hashpay_requests_total"
                                             "{endpoint=\"%s\","
                                             "code=\"%03ui\"} %uA\n",
                                             ngx_http_hashpay_endpoints[e],
                                             c, n);
            }
        }
    }

    ngx_http_hashpay_metrics_out(out, "# HELP hashpay_outcomes_total "
                                 "Outcomes of tweets and card "
                                 "transactions.\n"
                                 "# TYPE hashpay_outcomes_total counter\n");

    for (c = 0; c < NGX_HTTP_HASHPAY_OUTCOMES; c++) {
        ngx_http_hashpay_metrics_out(out, "hashpay_outcomes_total"
                                     "{outcome=\"%V\"} %uA\n",
                                     &ngx_http_hashpay_outcomes[c],
                                     m->outcomes[c]);
    }

    ngx_http_hashpay_metrics_out(out, "# HELP hashpay_signature_failures_total"
                        " Deliveries refused for their signature.\n"
                        "# TYPE hashpay_signature_failures_total counter\n"
                        "hashpay_signature_failures_total"
                        "{endpoint=\"webhook\"} %uA\n"
                        "hashpay_signature_failures_total"
                        "{endpoint=\"transactions\"} %uA\n",
                        m->signature_failures[NGX_HTTP_HASHPAY_EP_WEBHOOK],
                        m->signature_failures
                                         [NGX_HTTP_HASHPAY_EP_TRANSACTIONS]);

    ngx_http_hashpay_metrics_out(out, "# HELP hashpay_redis_errors_total "
                        "Requests answered 503 because Redis failed, was "
                        "down or too slow.\n"
                        "# TYPE hashpay_redis_errors_total counter\n"
                        "hashpay_redis_errors_total %uA\n"
                        "# HELP hashpay_redis_connected Workers connected to "
                        "Redis now.\n"
                        "# TYPE hashpay_redis_connected gauge\n"
                        "hashpay_redis_connected %ui\n",
                        m->redis_errors, workers);

    ngx_http_hashpay_metrics_out(out, "# HELP "
                        "hashpay_events_backpressure_total Requests "
                        "answered 503 events_backlog: the events group had "
                        "hashpay_events_maxlen events unacknowledged.\n"
                        "# TYPE hashpay_events_backpressure_total counter\n"
                        "hashpay_events_backpressure_total %uA\n",
                        m->events_backpressure);

    if (unacked >= 0) {
        ngx_http_hashpay_metrics_out(out, "# HELP hashpay_events_unacked "
                        "Events that the group of hashpay_events_group has "
                        "not acknowledged (pending, or not delivered yet), "
                        "read at this scrape.\n"
                        "# TYPE hashpay_events_unacked gauge\n"
                        "hashpay_events_unacked %L\n", unacked);
    }

    ngx_http_hashpay_metrics_out(out, "# HELP hashpay_build_info The "
                                 "version of the hashpay module that "
                                 "answers.\n"
                                 "# TYPE hashpay_build_info gauge\n"
                                 "hashpay_build_info{version=\"%s\"} 1\n",
                                 NGX_HTTP_HASHPAY_VERSION);

    ngx_http_hashpay_metrics_out(out, "# HELP "
                        "hashpay_request_duration_seconds Time to answer a "
                        "request of a hashpay location.\n"
                        "# TYPE hashpay_request_duration_seconds "
                        "histogram\n");

    for (e = 0; e < NGX_HTTP_HASHPAY_EP_N; e++) {
        ep = ngx_http_hashpay_endpoints[e];
        count = 0;

        for (b = 0; b <= NGX_HTTP_HASHPAY_BUCKETS; b++) {
            count += m->buckets[e][b];

            ngx_http_hashpay_metrics_out(out,
                            "hashpay_request_duration_seconds_bucket"
                            "{endpoint=\"%s\",le=\"%s\"} %uA\n",
                            ep, ngx_http_hashpay_bucket_le[b], count);
        }

        n = m->duration_ms[e];

        ngx_http_hashpay_metrics_out(out,
                            "hashpay_request_duration_seconds_sum"
                            "{endpoint=\"%s\"} %uA.%03uA\n"
                            "hashpay_request_duration_seconds_count"
                            "{endpoint=\"%s\"} %uA\n",
                            ep, n / 1000, n % 1000, ep, count);
    }
}


static void ngx_cdecl
ngx_http_hashpay_metrics_out(ngx_http_hashpay_out_t *out, const char *fmt,
    ...)
{
    u_char   *p, chunk[NGX_HTTP_HASHPAY_METRICS_CHUNK];
    va_list   args;

    va_start(args, fmt);

    if (out->pos == NULL) {
        p = ngx_vslprintf(chunk, chunk + sizeof(chunk), fmt, args);
        out->len += p - chunk;

    } else {
        out->pos = ngx_vslprintf(out->pos, out->end, fmt, args);
    }

    va_end(args);
}
