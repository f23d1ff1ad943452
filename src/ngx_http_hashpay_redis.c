
/*
 * Copyright (C) hashpay authors
 *
 * The worker's Redis connection, on a link of our own
 * (ngx_http_hashpay_redis_link.c: an nginx connection, TLS with nginx's
 * ngx_ssl_* when configured, hiredis for the protocol only).  Every
 * connection, to Redis, to a sentinel or to a cluster node, is such a
 * link; its "closed" callback is where the owner learns that it is gone.
 *
 * States of the connection, every change traced at debug level as
 * "hashpay redis: <from> -> <to>":
 *
 *   disconnected  no connection; the reconnect timer runs (the delay has
 *                 jitter: ngx_http_hashpay_backoff.c).  A request is
 *                 answered 503 at once.
 *   connecting    the socket connects; AUTH (password=) and SELECT (db=)
 *                 are queued, and nothing else.
 *   preparing     both succeeded: SCRIPT LOAD of every script and XGROUP
 *                 CREATE (hashpay_events_group) are sent, so that they
 *                 run in the selected database or not at all.
 *   ready         every handshake reply was a success: the batches that
 *                 waited are sent, in the order they came, new ones at
 *                 once.
 *
 * connect_timeout= bounds connecting + preparing.  A batch that comes
 * meanwhile waits in the connection's queue under its own timer
 * (timeout=): the handshake takes one or two round trips, and answering
 * 503 to what arrives in those milliseconds after every worker start,
 * reload and reconnection would make senders redeliver for nothing.  If
 * the handshake fails (AUTH refused, a database that does not exist,
 * ...), the waiting batches are answered 503 and none of their commands
 * was sent.
 *
 * A late reply fails its own batch only.  Replies come in order on the
 * one socket: the batch whose timer fires is answered 503 and detached,
 * its commands stay in the link's queue and their replies are thrown away
 * when they come.  The connection is dropped only when Redis has stopped
 * answering altogether: commands outstanding and not one reply for
 * NGX_HTTP_HASHPAY_STALL times timeout= (the stall timer: armed when a
 * command is sent while none is outstanding, deleted when none is left,
 * and counting from the last reply).  A Redis that is busy with one slow
 * command for less than that keeps the connection and answers the
 * requests queued behind it; WAIT (hashpay_redis_wait) is shorter than
 * timeout= and is never a stall.
 *
 * NOSCRIPT (SCRIPT FLUSH, a restart without persistence, a replica
 * promoted without the scripts): the first NOSCRIPT reply makes the
 * connection load every script again, once; each command that got
 * NOSCRIPT is sent again, once, behind those loads and in the order of
 * the NOSCRIPT replies, which is the order the commands were sent in.
 * (Only another client's SCRIPT LOAD run between two commands of one
 * request would let the second succeed before the first is run again;
 * Redis runs what it reads of a client's pipeline back to back, so that
 * takes a pipeline split across reads.)
 *
 * Any failure frees the link; it then calls every pending callback with
 * a NULL reply (each waiting request answers 503), its closed callback
 * answers the batches still waiting for the handshake, and the reconnect
 * timer starts.  Never reconnect from the closed callback itself: it may
 * run inside a callback of the link that is going.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_hashpay.h"
#include "ngx_http_hashpay_redis.h"
#include "ngx_http_hashpay_redis_cluster.h"
#include "ngx_http_hashpay_redis_resolve.h"
#include "ngx_http_hashpay_redis_link.h"
#include "ngx_http_hashpay_backoff.h"


/* Redis stopped answering: no reply for that many times timeout= */
#define NGX_HTTP_HASHPAY_STALL  2


typedef enum {
    NGX_HTTP_HASHPAY_REDIS_DISCONNECTED = 0,
    NGX_HTTP_HASHPAY_REDIS_RESOLVING,
    NGX_HTTP_HASHPAY_REDIS_CONNECTING,
    NGX_HTTP_HASHPAY_REDIS_PREPARING,
    NGX_HTTP_HASHPAY_REDIS_READY
} ngx_http_hashpay_redis_state_e;


/* where a connection goes: see ngx_http_hashpay_redis_resolve() */
typedef struct {
    ngx_str_t                       host;          /* IP address, null-ended */
    ngx_int_t                       port;
    ngx_str_t                       unix_path;     /* null-ended, or empty */
} ngx_http_hashpay_redis_addr_t;


/*
 * hashpay_redis_sentinel: one question to the sentinels, on a short-lived
 * link of its own
 */
typedef struct {
    ngx_http_hashpay_rlink_t       *link;
    ngx_uint_t                      index;         /* sentinel asked */
    ngx_event_t                     timer;         /* connect_timeout= */
    ngx_event_t                     next;          /* after its cleanup */
    unsigned                        found:1;
} ngx_http_hashpay_sentinel_t;


/*
 * hashpay_redis_sentinel: a subscription to +switch-master on one
 * sentinel, so that a switch drops the connection to the old primary at
 * once; only a shortcut, the connection checks ROLE and READONLY anyway
 */
typedef struct {
    ngx_http_hashpay_rlink_t       *link;
    ngx_uint_t                      index;         /* sentinel watched */
    ngx_event_t                     timer;         /* connect_timeout= */
    ngx_event_t                     retry;
} ngx_http_hashpay_watch_t;


typedef struct {
    ngx_http_hashpay_redis_conf_t  *conf;
    ngx_http_hashpay_rlink_t       *link;          /* NULL: none */
    ngx_log_t                      *log;

    ngx_http_hashpay_redis_addr_t   addr;

    ngx_http_hashpay_redis_state_e  state;
    ngx_uint_t                      handshake;     /* replies awaited */
    ngx_uint_t                      outstanding;   /* commands unanswered */
    ngx_uint_t                      reloading;     /* SCRIPT LOADs awaited */
    ngx_msec_t                      heard;         /* last reply, or send */
    ngx_msec_t                      backoff;       /* last delay, 0: none */

    ngx_queue_t                     waiting;       /* batches, in order */

    ngx_event_t                     connect_timer;
    ngx_event_t                     reconnect_timer;
    ngx_event_t                     stall_timer;

    ngx_http_hashpay_sentinel_t     sentinel;
    ngx_http_hashpay_watch_t        watch;

    /* the address the sentinel or the cluster told, a name looked up */
    ngx_http_hashpay_resolve_t      resolve;

    unsigned                        exiting:1;
    unsigned                        failed_logged:1;
} ngx_http_hashpay_redis_t;


typedef struct {
    ngx_http_hashpay_token_t       *token;
    ngx_uint_t                      index;
} ngx_http_hashpay_slot_t;


struct ngx_http_hashpay_token_s {
    ngx_http_hashpay_batch_t       *batch;        /* NULL: detached */
    ngx_uint_t                      refs;         /* callbacks in flight */
    ngx_http_hashpay_slot_t         slots[1];
};


static void ngx_http_hashpay_redis_set_state(ngx_http_hashpay_redis_t *rs,
    ngx_http_hashpay_redis_state_e state);
static void ngx_http_hashpay_redis_connect(ngx_http_hashpay_redis_t *rs);
static ngx_int_t ngx_http_hashpay_redis_resolve(ngx_http_hashpay_redis_t *rs);
static void ngx_http_hashpay_redis_open(ngx_http_hashpay_redis_t *rs);
static ngx_int_t ngx_http_hashpay_redis_identify(
    ngx_http_hashpay_redis_t *rs);
static ngx_int_t ngx_http_hashpay_redis_prepare(ngx_http_hashpay_redis_t *rs);
static void ngx_http_hashpay_redis_step(ngx_http_hashpay_redis_t *rs);
static void ngx_http_hashpay_redis_ready(ngx_http_hashpay_redis_t *rs);
static void ngx_http_hashpay_redis_schedule(ngx_http_hashpay_redis_t *rs);
static void ngx_http_hashpay_redis_drop(ngx_http_hashpay_redis_t *rs,
    const char *why);
static void ngx_http_hashpay_redis_close(ngx_http_hashpay_redis_t *rs);
static void ngx_http_hashpay_redis_reconnect_handler(ngx_event_t *ev);
static void ngx_http_hashpay_redis_connect_timeout(ngx_event_t *ev);
static void ngx_http_hashpay_redis_stall_handler(ngx_event_t *ev);
static void ngx_http_hashpay_redis_handshake(ngx_http_hashpay_rlink_t *lk,
    redisReply *reply, void *privdata);
static void ngx_http_hashpay_redis_on_connect(ngx_http_hashpay_rlink_t *lk,
    ngx_int_t rc);
static ngx_http_hashpay_rlink_tls_t *ngx_http_hashpay_redis_tls(
    ngx_http_hashpay_redis_t *rs, ngx_str_t *host,
    ngx_http_hashpay_rlink_tls_t *tls);
static void ngx_http_hashpay_redis_auth_args(ngx_str_t *user,
    ngx_str_t *password, const char **argv, size_t *argvlen, int *argc);

static ngx_int_t ngx_http_hashpay_redis_command(ngx_http_hashpay_redis_t *rs,
    ngx_http_hashpay_rlink_reply_pt fn, void *privdata, int argc,
    const char **argv, const size_t *argvlen);
static void ngx_http_hashpay_redis_answered(ngx_http_hashpay_redis_t *rs);
static void ngx_http_hashpay_redis_reload(ngx_http_hashpay_redis_t *rs);
static void ngx_http_hashpay_redis_loaded(ngx_http_hashpay_rlink_t *lk,
    redisReply *reply, void *privdata);

static void ngx_http_hashpay_redis_role(ngx_http_hashpay_rlink_t *lk,
    redisReply *reply, void *privdata);
static ngx_uint_t ngx_http_hashpay_reply_readonly(redisReply *reply);

static void ngx_http_hashpay_redis_reach(ngx_http_hashpay_redis_t *rs);
static void ngx_http_hashpay_redis_resolved(ngx_http_hashpay_resolve_t *rv,
    ngx_int_t rc);

static void ngx_http_hashpay_sentinel_ask(ngx_http_hashpay_redis_t *rs);
static ngx_http_hashpay_rlink_t *ngx_http_hashpay_question_open(
    ngx_http_hashpay_redis_t *rs, ngx_http_hashpay_sentinel_conf_t *sc,
    const char *what, ngx_str_t *user, ngx_str_t *password);
static ngx_http_hashpay_sentinel_conf_t *ngx_http_hashpay_sentinel_asked(
    ngx_http_hashpay_redis_t *rs);
static void ngx_http_hashpay_sentinel_reply(ngx_http_hashpay_rlink_t *lk,
    redisReply *reply, void *privdata);
static void ngx_http_hashpay_sentinel_auth(ngx_http_hashpay_rlink_t *lk,
    redisReply *reply, void *privdata);
static void ngx_http_hashpay_sentinel_on_connect(ngx_http_hashpay_rlink_t *lk,
    ngx_int_t rc);
static void ngx_http_hashpay_sentinel_timeout(ngx_event_t *ev);
static void ngx_http_hashpay_sentinel_next(ngx_event_t *ev);
static void ngx_http_hashpay_sentinel_closed(ngx_http_hashpay_rlink_t *lk);

static void ngx_http_hashpay_cluster_ask(ngx_http_hashpay_redis_t *rs);
static void ngx_http_hashpay_cluster_answer(ngx_http_hashpay_rlink_t *lk,
    redisReply *reply, void *privdata);
static ngx_uint_t ngx_http_hashpay_redis_cluster_busy(
    ngx_http_hashpay_redis_t *rs, redisReply *reply);
static ngx_uint_t ngx_http_hashpay_redis_cluster_refused(
    ngx_http_hashpay_redis_t *rs, redisReply *reply,
    ngx_http_hashpay_batch_t *b, ngx_http_hashpay_token_t *token);

static void ngx_http_hashpay_watch_start(ngx_http_hashpay_redis_t *rs);
static void ngx_http_hashpay_watch_message(ngx_http_hashpay_rlink_t *lk,
    redisReply *reply, void *privdata);
static void ngx_http_hashpay_watch_on_connect(ngx_http_hashpay_rlink_t *lk,
    ngx_int_t rc);
static void ngx_http_hashpay_watch_timeout(ngx_event_t *ev);
static void ngx_http_hashpay_watch_retry(ngx_event_t *ev);
static void ngx_http_hashpay_watch_closed(ngx_http_hashpay_rlink_t *lk);

static void ngx_http_hashpay_redis_closed(ngx_http_hashpay_rlink_t *lk);

static ngx_int_t ngx_http_hashpay_redis_usable(ngx_http_hashpay_redis_t *rs);
static void ngx_http_hashpay_redis_flush(ngx_http_hashpay_redis_t *rs);
static void ngx_http_hashpay_redis_fail_waiting(ngx_http_hashpay_redis_t *rs,
    const char *why);
static ngx_int_t ngx_http_hashpay_batch_write(ngx_http_hashpay_redis_t *rs,
    ngx_http_hashpay_batch_t *b);
static ngx_int_t ngx_http_hashpay_redis_send_cmd(ngx_http_hashpay_redis_t *rs,
    ngx_http_hashpay_cmd_t *cmd, ngx_http_hashpay_slot_t *slot);
static void ngx_http_hashpay_redis_reply(ngx_http_hashpay_rlink_t *lk,
    redisReply *reply, void *privdata);
static ngx_uint_t ngx_http_hashpay_reply_noscript(redisReply *reply);
static ngx_http_hashpay_cmd_t *ngx_http_hashpay_batch_push(
    ngx_http_hashpay_batch_t *b, ngx_http_hashpay_script_t *script,
    ngx_uint_t head, ngx_str_t *args, ngx_uint_t nargs);
static void ngx_http_hashpay_batch_wait(ngx_http_hashpay_batch_t *b,
    ngx_http_hashpay_slot_t *slot);
static void ngx_http_hashpay_batch_waited(ngx_http_hashpay_batch_t *b,
    redisReply *reply);
static void ngx_http_hashpay_batch_finish(ngx_http_hashpay_batch_t *b,
    ngx_int_t rc);
static void ngx_http_hashpay_batch_timeout(ngx_event_t *ev);
static void ngx_http_hashpay_batch_cleanup(void *data);
static void ngx_http_hashpay_batch_detach(ngx_http_hashpay_batch_t *b);


/* what is asked for the address: a sentinel, or a node of the cluster */
#define NGX_HTTP_HASHPAY_ASKED(rs)                                          \
    ((rs)->conf->seeds ? "cluster node" : "sentinel")


/* this worker's connection */
static ngx_http_hashpay_redis_t  ngx_http_hashpay_redis;

/* told when the connection becomes ready and when it is lost */
static ngx_http_hashpay_redis_state_pt  ngx_http_hashpay_redis_state_hook;


#if (NGX_DEBUG)

static const char  *ngx_http_hashpay_redis_states[] = {
    "disconnected",
    "resolving",
    "connecting",
    "preparing",
    "ready"
};

#endif


void
ngx_http_hashpay_redis_on_state(ngx_http_hashpay_redis_state_pt handler)
{
    ngx_http_hashpay_redis_state_hook = handler;
}


ngx_int_t
ngx_http_hashpay_redis_init_process(ngx_cycle_t *cycle,
    ngx_http_hashpay_redis_conf_t *conf)
{
    ngx_http_hashpay_redis_t  *rs;

    rs = &ngx_http_hashpay_redis;
    ngx_memzero(rs, sizeof(ngx_http_hashpay_redis_t));

    rs->conf = conf;
    rs->log = cycle->log;
    rs->backoff = 0;

    ngx_queue_init(&rs->waiting);

    rs->connect_timer.handler = ngx_http_hashpay_redis_connect_timeout;
    rs->connect_timer.data = rs;
    rs->connect_timer.log = cycle->log;
    rs->connect_timer.cancelable = 1;

    rs->reconnect_timer.handler = ngx_http_hashpay_redis_reconnect_handler;
    rs->reconnect_timer.data = rs;
    rs->reconnect_timer.log = cycle->log;
    rs->reconnect_timer.cancelable = 1;

    rs->stall_timer.handler = ngx_http_hashpay_redis_stall_handler;
    rs->stall_timer.data = rs;
    rs->stall_timer.log = cycle->log;
    rs->stall_timer.cancelable = 1;

    rs->sentinel.timer.handler = ngx_http_hashpay_sentinel_timeout;
    rs->sentinel.timer.data = rs;
    rs->sentinel.timer.log = cycle->log;
    rs->sentinel.timer.cancelable = 1;

    rs->sentinel.next.handler = ngx_http_hashpay_sentinel_next;
    rs->sentinel.next.data = rs;
    rs->sentinel.next.log = cycle->log;
    rs->sentinel.next.cancelable = 1;

    rs->watch.timer.handler = ngx_http_hashpay_watch_timeout;
    rs->watch.timer.data = rs;
    rs->watch.timer.log = cycle->log;
    rs->watch.timer.cancelable = 1;

    rs->watch.retry.handler = ngx_http_hashpay_watch_retry;
    rs->watch.retry.data = rs;
    rs->watch.retry.log = cycle->log;
    rs->watch.retry.cancelable = 1;

    ngx_http_hashpay_resolve_init(&rs->resolve, cycle, &conf->name,
                                  conf->connect_timeout,
                                  ngx_http_hashpay_redis_resolved, rs);

    ngx_http_hashpay_redis_connect(rs);

    if (conf->sentinels != NULL) {
        ngx_http_hashpay_watch_start(rs);
    }

    return NGX_OK;
}


void
ngx_http_hashpay_redis_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_hashpay_redis_t  *rs;

    rs = &ngx_http_hashpay_redis;

    if (rs->conf == NULL) {
        return;
    }

    rs->exiting = 1;

    if (rs->reconnect_timer.timer_set) {
        ngx_del_timer(&rs->reconnect_timer);
    }

    if (rs->connect_timer.timer_set) {
        ngx_del_timer(&rs->connect_timer);
    }

    if (rs->stall_timer.timer_set) {
        ngx_del_timer(&rs->stall_timer);
    }

    if (rs->sentinel.link) {
        ngx_http_hashpay_rlink_free(rs->sentinel.link);
    }

    ngx_http_hashpay_resolve_cancel(&rs->resolve);

    if (rs->sentinel.timer.timer_set) {
        ngx_del_timer(&rs->sentinel.timer);
    }

    if (rs->sentinel.next.timer_set) {
        ngx_del_timer(&rs->sentinel.next);
    }

    if (rs->watch.link) {
        ngx_http_hashpay_rlink_free(rs->watch.link);
    }

    if (rs->watch.timer.timer_set) {
        ngx_del_timer(&rs->watch.timer);
    }

    if (rs->watch.retry.timer_set) {
        ngx_del_timer(&rs->watch.retry);
    }

    if (rs->link) {
        ngx_http_hashpay_rlink_free(rs->link);
    }

    ngx_http_hashpay_redis_fail_waiting(rs, "not connected");
}


static void
ngx_http_hashpay_redis_set_state(ngx_http_hashpay_redis_t *rs,
    ngx_http_hashpay_redis_state_e state)
{
    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                   "hashpay redis: %s -> %s",
                   ngx_http_hashpay_redis_states[rs->state],
                   ngx_http_hashpay_redis_states[state]);

    rs->state = state;
}


static void
ngx_http_hashpay_redis_connect(ngx_http_hashpay_redis_t *rs)
{
    switch (ngx_http_hashpay_redis_resolve(rs)) {

    case NGX_OK:
        ngx_http_hashpay_redis_open(rs);
        return;

    case NGX_AGAIN:
        return;

    default:
        ngx_http_hashpay_redis_schedule(rs);
        return;
    }
}


/*
 * Where to connect: the address of hashpay_redis, a number since nginx
 * read its configuration.  This is the one place that a Sentinel or a
 * Cluster mode replaces: it may look the address up asynchronously,
 * answer NGX_AGAIN and call ngx_http_hashpay_redis_open() once it knows
 * (or ngx_http_hashpay_redis_schedule() if it found none).
 */

static ngx_int_t
ngx_http_hashpay_redis_resolve(ngx_http_hashpay_redis_t *rs)
{
    if (rs->conf->sentinels != NULL) {

        /* the batches that come meanwhile wait, as for the handshake */

        ngx_http_hashpay_redis_set_state(rs,
                                         NGX_HTTP_HASHPAY_REDIS_RESOLVING);

        rs->sentinel.index = 0;
        ngx_http_hashpay_sentinel_ask(rs);

        return NGX_AGAIN;
    }

    if (rs->conf->seeds != NULL) {

        /* hashpay_redis_cluster: the same, asking the nodes for the owner */

        ngx_http_hashpay_redis_set_state(rs,
                                         NGX_HTTP_HASHPAY_REDIS_RESOLVING);

        rs->sentinel.index = 0;
        ngx_http_hashpay_cluster_ask(rs);

        return NGX_AGAIN;
    }

    rs->addr.host = rs->conf->host;
    rs->addr.port = rs->conf->port;
    rs->addr.unix_path = rs->conf->unix_path;

    return NGX_OK;
}


static void
ngx_http_hashpay_redis_open(ngx_http_hashpay_redis_t *rs)
{
    const char                     *err;
    ngx_str_t                      *host;
    ngx_http_hashpay_rlink_t       *lk;
    ngx_http_hashpay_rlink_tls_t    tls, *t;
    ngx_http_hashpay_redis_addr_t  *addr;
    ngx_http_hashpay_redis_conf_t  *conf;

    conf = rs->conf;
    addr = &rs->addr;

    if (addr->unix_path.len) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                       "hashpay redis: connecting to unix:%V",
                       &addr->unix_path);

    } else {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                       "hashpay redis: connecting to %V:%i",
                       &addr->host, addr->port);
    }

    /*
     * TLS verifies the host as written, or what Sentinel or Cluster told:
     * an address, or the host name it was looked up by
     */

    host = (conf->sentinels == NULL && conf->seeds == NULL)
           ? &conf->tls_host : &rs->resolve.name;

    t = ngx_http_hashpay_redis_tls(rs, host, &tls);

    lk = ngx_http_hashpay_rlink_connect(&addr->host, addr->port,
                                        &addr->unix_path, t, rs->log,
                                        ngx_http_hashpay_redis_on_connect,
                                        ngx_http_hashpay_redis_closed, rs,
                                        &err);
    if (lk == NULL) {
        if (!rs->failed_logged) {
            if (addr->unix_path.len) {
                ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                              "hashpay: redis \"%V\": unix:%V: connect "
                              "failed: %s", &conf->name, &addr->unix_path,
                              err);

            } else {
                ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                              "hashpay: redis \"%V\": %V:%i: connect "
                              "failed: %s", &conf->name, &addr->host,
                              addr->port, err);
            }

            rs->failed_logged = 1;
        }

        ngx_http_hashpay_redis_fail_waiting(rs, "not connected");
        ngx_http_hashpay_redis_schedule(rs);
        return;
    }

    rs->link = lk;

    rs->handshake = 0;
    rs->outstanding = 0;
    rs->reloading = 0;

    ngx_http_hashpay_redis_set_state(rs, NGX_HTTP_HASHPAY_REDIS_CONNECTING);

    ngx_add_timer(&rs->connect_timer, conf->connect_timeout);

    /* queued at once: the link sends them once it is connected */

    if (ngx_http_hashpay_redis_identify(rs) != NGX_OK) {
        ngx_http_hashpay_redis_drop(rs, "cannot queue the handshake");
        return;
    }

    ngx_http_hashpay_redis_step(rs);
}


/* the first step of the handshake: who we are and which database */

static ngx_int_t
ngx_http_hashpay_redis_identify(ngx_http_hashpay_redis_t *rs)
{
    int                             argc;
    const char                     *argv[3];
    size_t                          argvlen[3];
    u_char                          db[NGX_INT_T_LEN];
    ngx_http_hashpay_redis_conf_t  *conf;

    conf = rs->conf;

    if (conf->password.len) {
        ngx_http_hashpay_redis_auth_args(&conf->user, &conf->password, argv,
                                         argvlen, &argc);

        if (ngx_http_hashpay_redis_command(rs,
                                           ngx_http_hashpay_redis_handshake,
                                           "AUTH", argc, argv, argvlen)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        rs->handshake++;
    }

    /* found by the sentinels or the cluster: it must still be a primary */

    if (conf->sentinels != NULL || conf->seeds != NULL) {
        argv[0] = "ROLE";
        argvlen[0] = 4;

        if (ngx_http_hashpay_redis_command(rs, ngx_http_hashpay_redis_role,
                                           "ROLE", 1, argv, argvlen)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        rs->handshake++;
    }

    if (conf->db) {
        argv[0] = "SELECT";
        argvlen[0] = 6;
        argv[1] = (const char *) db;
        argvlen[1] = ngx_sprintf(db, "%ui", conf->db) - db;

        if (ngx_http_hashpay_redis_command(rs,
                                           ngx_http_hashpay_redis_handshake,
                                           "SELECT", 2, argv, argvlen)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        rs->handshake++;
    }

    return NGX_OK;
}


/*
 * the second step, sent once AUTH and SELECT have succeeded: the scripts,
 * and the events group, which writes a key (MKSTREAM)
 */

static ngx_int_t
ngx_http_hashpay_redis_prepare(ngx_http_hashpay_redis_t *rs)
{
    const char                     *argv[6];
    size_t                          argvlen[6];
    ngx_http_hashpay_script_t      *s;
    ngx_http_hashpay_redis_conf_t  *conf;

    conf = rs->conf;

    for (s = ngx_http_hashpay_scripts; s->name.len; s++) {
        argv[0] = "SCRIPT";
        argvlen[0] = 6;
        argv[1] = "LOAD";
        argvlen[1] = 4;
        argv[2] = (const char *) s->source.data;
        argvlen[2] = s->source.len;

        if (ngx_http_hashpay_redis_command(rs,
                                           ngx_http_hashpay_redis_handshake,
                                           "SCRIPT LOAD", 3, argv, argvlen)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        rs->handshake++;
    }

    /*
     * hashpay_events_group: the group exists from the start, so that the
     * operator's consumers can read before the first event (the scripts
     * create it too, should it go later: src/lua/_lib.lua hp.guard)
     */

    if (conf->events_group.len) {
        argv[0] = "XGROUP";
        argvlen[0] = 6;
        argv[1] = "CREATE";
        argvlen[1] = 6;
        argv[2] = (const char *) conf->events_key.data;
        argvlen[2] = conf->events_key.len;
        argv[3] = (const char *) conf->events_group.data;
        argvlen[3] = conf->events_group.len;
        argv[4] = "$";
        argvlen[4] = 1;
        argv[5] = "MKSTREAM";
        argvlen[5] = 8;

        if (ngx_http_hashpay_redis_command(rs,
                                           ngx_http_hashpay_redis_handshake,
                                           "XGROUP CREATE", 6, argv, argvlen)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        rs->handshake++;
    }

    return NGX_OK;
}


/* the handshake goes on once every reply of its current step is in */

static void
ngx_http_hashpay_redis_step(ngx_http_hashpay_redis_t *rs)
{
    if (rs->handshake) {
        return;
    }

    if (rs->state == NGX_HTTP_HASHPAY_REDIS_CONNECTING) {
        ngx_http_hashpay_redis_set_state(rs,
                                         NGX_HTTP_HASHPAY_REDIS_PREPARING);

        if (ngx_http_hashpay_redis_prepare(rs) != NGX_OK) {
            ngx_http_hashpay_redis_drop(rs, "cannot send the handshake");
            return;
        }

        if (rs->handshake) {
            return;
        }
    }

    if (rs->state == NGX_HTTP_HASHPAY_REDIS_PREPARING) {
        ngx_http_hashpay_redis_ready(rs);
    }
}


static void
ngx_http_hashpay_redis_ready(ngx_http_hashpay_redis_t *rs)
{
    ngx_http_hashpay_redis_set_state(rs, NGX_HTTP_HASHPAY_REDIS_READY);

    rs->backoff = 0;
    rs->failed_logged = 0;

    if (rs->connect_timer.timer_set) {
        ngx_del_timer(&rs->connect_timer);
    }

    if (ngx_http_hashpay_redis_state_hook != NULL) {
        ngx_http_hashpay_redis_state_hook(NGX_HTTP_HASHPAY_REDIS_UP);
    }

    ngx_log_error(NGX_LOG_INFO, rs->log, 0,
                  "hashpay: redis \"%V\": connected", &rs->conf->name);

    ngx_http_hashpay_redis_flush(rs);
}


static void
ngx_http_hashpay_redis_schedule(ngx_http_hashpay_redis_t *rs)
{
    if (rs->state == NGX_HTTP_HASHPAY_REDIS_RESOLVING) {
        ngx_http_hashpay_redis_set_state(rs,
                                         NGX_HTTP_HASHPAY_REDIS_DISCONNECTED);
    }

    if (rs->exiting || ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    if (rs->reconnect_timer.timer_set) {
        return;
    }

    rs->backoff = ngx_http_hashpay_backoff(rs->backoff,
                                           (ngx_uint_t) ngx_random());

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                   "hashpay redis: reconnecting in %M ms", rs->backoff);

    ngx_add_timer(&rs->reconnect_timer, rs->backoff);
}


static void
ngx_http_hashpay_redis_drop(ngx_http_hashpay_redis_t *rs, const char *why)
{
    if (rs->link == NULL || rs->link->freeing) {
        return;
    }

    ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                  "hashpay: redis \"%V\": %s, closing the connection",
                  &rs->conf->name, why);

    ngx_http_hashpay_redis_close(rs);
}


static void
ngx_http_hashpay_redis_close(ngx_http_hashpay_redis_t *rs)
{
    if (rs->link == NULL || rs->link->freeing) {
        return;
    }

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                   "hashpay redis: closing the connection");

    /*
     * answers every pending command with a NULL reply and calls
     * ngx_http_hashpay_redis_closed() at once; the link's memory goes
     * when the link's callback that called this (if any) returns
     */

    ngx_http_hashpay_rlink_free(rs->link);
}


static void
ngx_http_hashpay_redis_reconnect_handler(ngx_event_t *ev)
{
    ngx_http_hashpay_redis_t  *rs;

    rs = ev->data;

    if (rs->exiting || ngx_exiting || rs->link != NULL
        || rs->state == NGX_HTTP_HASHPAY_REDIS_RESOLVING)
    {
        return;
    }

    ngx_http_hashpay_redis_connect(rs);
}


static void
ngx_http_hashpay_redis_connect_timeout(ngx_event_t *ev)
{
    ngx_http_hashpay_redis_t  *rs;

    rs = ev->data;

    if (rs->state != NGX_HTTP_HASHPAY_REDIS_CONNECTING
        && rs->state != NGX_HTTP_HASHPAY_REDIS_PREPARING)
    {
        return;
    }

    ngx_http_hashpay_redis_drop(rs, "connect timed out");
}


/*
 * Redis has stopped answering altogether (see the top of this file), or a
 * reply came since the timer was set: then it waits for the rest
 */

static void
ngx_http_hashpay_redis_stall_handler(ngx_event_t *ev)
{
    ngx_msec_t                 stall, silent;
    ngx_http_hashpay_redis_t  *rs;

    rs = ev->data;

    if (rs->link == NULL || rs->outstanding == 0) {
        return;
    }

    stall = NGX_HTTP_HASHPAY_STALL * rs->conf->timeout;
    silent = ngx_current_msec - rs->heard;

    if (silent < stall) {
        ngx_add_timer(ev, stall - silent);
        return;
    }

    ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                  "hashpay: redis \"%V\": no reply for %M ms with %ui "
                  "commands outstanding, closing the connection",
                  &rs->conf->name, stall, rs->outstanding);

    ngx_http_hashpay_redis_close(rs);
}


static void
ngx_http_hashpay_redis_on_connect(ngx_http_hashpay_rlink_t *lk, ngx_int_t rc)
{
    ngx_http_hashpay_redis_t  *rs;

    rs = lk->data;

    if (rc == NGX_OK) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                       "hashpay redis: socket connected");
        return;
    }

    if (!rs->failed_logged) {
        ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                      "hashpay: redis \"%V\": %V: connect failed: %s",
                      &rs->conf->name, &lk->addr_text, lk->error);
        rs->failed_logged = 1;
    }

    /* the link frees itself right after: see ngx_http_hashpay_redis_closed */
}


/* the TLS of a connection to host (tls_name= wins), or NULL: none */

static ngx_http_hashpay_rlink_tls_t *
ngx_http_hashpay_redis_tls(ngx_http_hashpay_redis_t *rs, ngx_str_t *host,
    ngx_http_hashpay_rlink_tls_t *tls)
{
#if (NGX_SSL)
    if (rs->conf->ssl == NULL) {
        return NULL;
    }

    tls->ssl = rs->conf->ssl;
    tls->name = rs->conf->tls_name.len ? rs->conf->tls_name : *host;

    return tls;
#else
    return NULL;
#endif
}


/* AUTH <password>, or AUTH <user> <password> with an ACL user */

static void
ngx_http_hashpay_redis_auth_args(ngx_str_t *user, ngx_str_t *password,
    const char **argv, size_t *argvlen, int *argc)
{
    argv[0] = "AUTH";
    argvlen[0] = 4;
    *argc = 1;

    if (user->len) {
        argv[1] = (const char *) user->data;
        argvlen[1] = user->len;
        *argc = 2;
    }

    argv[*argc] = (const char *) password->data;
    argvlen[*argc] = password->len;
    (*argc)++;
}


static void
ngx_http_hashpay_redis_handshake(ngx_http_hashpay_rlink_t *lk,
    redisReply *reply, void *privdata)
{
    ngx_http_hashpay_redis_t  *rs;

    rs = &ngx_http_hashpay_redis;

    if (reply == NULL || lk != rs->link) {
        return;
    }

    ngx_http_hashpay_redis_answered(rs);

    /*
     * XGROUP CREATE of a group that exists: nothing to do; refused while
     * the slot is migrated (ASK, TRYAGAIN): the scripts create the group
     * (hp.guard), and refuse to run until the migration is over
     */

    if (reply->type == REDIS_REPLY_ERROR
        && !(reply->len >= 9 && ngx_strncmp(reply->str, "BUSYGROUP", 9)
                                == 0)
        && !ngx_http_hashpay_redis_cluster_busy(rs, reply))
    {
        ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                      "hashpay: redis \"%V\": %s failed: %*s",
                      &rs->conf->name, (char *) privdata,
                      (size_t) reply->len, reply->str);

        ngx_http_hashpay_redis_close(rs);
        return;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                   "hashpay redis: handshake: %s done", (char *) privdata);

    rs->handshake--;

    ngx_http_hashpay_redis_step(rs);
}


/*
 * Every command goes through here, so that the connection knows how many
 * are unanswered (the stall timer)
 */

static ngx_int_t
ngx_http_hashpay_redis_command(ngx_http_hashpay_redis_t *rs,
    ngx_http_hashpay_rlink_reply_pt fn, void *privdata, int argc,
    const char **argv, const size_t *argvlen)
{
    if (rs->link == NULL
        || ngx_http_hashpay_rlink_command(rs->link, fn, privdata, argc, argv,
                                          argvlen)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    rs->outstanding++;

    /* the silence counts from here; the handshake has connect_timeout= */

    if (rs->state == NGX_HTTP_HASHPAY_REDIS_READY
        && !rs->stall_timer.timer_set)
    {
        rs->heard = ngx_current_msec;
        ngx_add_timer(&rs->stall_timer,
                      NGX_HTTP_HASHPAY_STALL * rs->conf->timeout);
    }

    return NGX_OK;
}


/* a reply came: Redis is answering (the stall timer looks at rs->heard) */

static void
ngx_http_hashpay_redis_answered(ngx_http_hashpay_redis_t *rs)
{
    rs->heard = ngx_current_msec;

    if (rs->outstanding) {
        rs->outstanding--;
    }

    if (rs->outstanding == 0 && rs->stall_timer.timer_set) {
        ngx_del_timer(&rs->stall_timer);
    }
}


/*
 * NOSCRIPT: every script again, once for the connection.  The commands
 * that got NOSCRIPT before these loads are answered are sent again after
 * them; a NOSCRIPT once they are answered means a new flush.
 */

static void
ngx_http_hashpay_redis_reload(ngx_http_hashpay_redis_t *rs)
{
    const char                 *argv[3];
    size_t                      argvlen[3];
    ngx_http_hashpay_script_t  *s;

    if (rs->reloading) {
        return;
    }

    ngx_log_error(NGX_LOG_NOTICE, rs->log, 0,
                  "hashpay: redis \"%V\" lost the scripts (NOSCRIPT), "
                  "loading them again", &rs->conf->name);

    for (s = ngx_http_hashpay_scripts; s->name.len; s++) {
        argv[0] = "SCRIPT";
        argvlen[0] = 6;
        argv[1] = "LOAD";
        argvlen[1] = 4;
        argv[2] = (const char *) s->source.data;
        argvlen[2] = s->source.len;

        if (ngx_http_hashpay_redis_command(rs, ngx_http_hashpay_redis_loaded,
                                           s, 3, argv, argvlen)
            != NGX_OK)
        {
            /* the connection is going away */
            return;
        }

        rs->reloading++;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                   "hashpay redis: reloading %ui scripts", rs->reloading);
}


static void
ngx_http_hashpay_redis_loaded(ngx_http_hashpay_rlink_t *lk, redisReply *reply,
    void *privdata)
{
    ngx_http_hashpay_script_t  *s = privdata;

    ngx_http_hashpay_redis_t   *rs;

    rs = &ngx_http_hashpay_redis;

    if (reply == NULL || lk != rs->link) {
        return;
    }

    ngx_http_hashpay_redis_answered(rs);

    if (rs->reloading) {
        rs->reloading--;
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                      "hashpay: redis \"%V\": SCRIPT LOAD of \"%V\" "
                      "failed: %*s", &rs->conf->name, &s->name,
                      (size_t) reply->len, reply->str);
    }

    if (rs->reloading == 0) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                       "hashpay redis: scripts reloaded");
    }
}


/*
 * ROLE, the first step of the handshake in hashpay_redis_sentinel mode:
 * the sentinels may be late, a demoted primary still answers PING, ROLE
 * does not lie.  Anything but "master": drop the connection, the
 * reconnection (after a short jittered delay) asks the sentinels again.
 */

static void
ngx_http_hashpay_redis_role(ngx_http_hashpay_rlink_t *lk, redisReply *reply,
    void *privdata)
{
    ngx_http_hashpay_redis_t  *rs;

    rs = &ngx_http_hashpay_redis;

    if (reply == NULL || lk != rs->link) {
        return;
    }

    ngx_http_hashpay_redis_answered(rs);

    if (reply->type == REDIS_REPLY_ARRAY
        && reply->elements > 0
        && reply->element[0]->type == REDIS_REPLY_STRING
        && reply->element[0]->len == 6
        && ngx_strncmp(reply->element[0]->str, "master", 6) == 0)
    {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                       "hashpay redis: handshake: %V:%i is the primary",
                       &rs->addr.host, rs->addr.port);

        rs->handshake--;
        ngx_http_hashpay_redis_step(rs);
        return;
    }

    if (reply->type == REDIS_REPLY_ARRAY
        && reply->elements > 0
        && reply->element[0]->type == REDIS_REPLY_STRING)
    {
        ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                      "hashpay: redis \"%V\": %V:%i is not the primary "
                      "(ROLE %*s), asking the %s again",
                      &rs->conf->name, &rs->addr.host, rs->addr.port,
                      (size_t) reply->element[0]->len,
                      reply->element[0]->str,
                      rs->conf->seeds ? "cluster" : "sentinels");

    } else {
        ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                      "hashpay: redis \"%V\": ROLE of %V:%i failed%s%*s",
                      &rs->conf->name, &rs->addr.host, rs->addr.port,
                      reply->type == REDIS_REPLY_ERROR ? ": " : "",
                      (size_t) (reply->type == REDIS_REPLY_ERROR
                                ? reply->len : 0),
                      reply->type == REDIS_REPLY_ERROR ? reply->str : "");
    }

    ngx_http_hashpay_redis_close(rs);
}


/* READONLY, bare or inside a script's error ("... -READONLY You can't") */

static ngx_uint_t
ngx_http_hashpay_reply_readonly(redisReply *reply)
{
    if (reply->type != REDIS_REPLY_ERROR) {
        return 0;
    }

    if (reply->len >= 8 && ngx_strncmp(reply->str, "READONLY", 8) == 0) {
        return 1;
    }

    return ngx_strnstr((u_char *) reply->str, "-READONLY", reply->len)
               != NULL
           || ngx_strnstr((u_char *) reply->str, "READONLY You can't write",
                          reply->len)
              != NULL;
}


/*
 * The sentinels or the cluster told where the primary is: an address is
 * connected to at once, a host name is looked up on nginx's resolver
 * first (ngx_http_hashpay_redis_resolve.c); the state stays "resolving"
 * meanwhile.  A name that cannot be resolved (no resolver, not found,
 * timed out) is a failed connection: the waiting batches are answered
 * 503 and the reconnect timer (backoff) asks again.
 */

static void
ngx_http_hashpay_redis_reach(ngx_http_hashpay_redis_t *rs)
{
    ngx_int_t  rc;

    rc = ngx_http_hashpay_resolve_start(&rs->resolve);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                   "hashpay redis: reaching %V: %i",
                   &rs->resolve.name, rc);

    if (rc == NGX_AGAIN) {
        return;
    }

    ngx_http_hashpay_redis_resolved(&rs->resolve, rc);
}


static void
ngx_http_hashpay_redis_resolved(ngx_http_hashpay_resolve_t *rv,
    ngx_int_t rc)
{
    ngx_http_hashpay_redis_t  *rs;

    rs = rv->data;

    if (rs->exiting || ngx_exiting
        || rs->state != NGX_HTTP_HASHPAY_REDIS_RESOLVING)
    {
        return;
    }

    if (rc != NGX_OK) {
        ngx_http_hashpay_redis_fail_waiting(rs, "the primary's name was "
                                            "not resolved");
        ngx_http_hashpay_redis_schedule(rs);
        return;
    }

    rs->addr.host = rv->addr;

    ngx_http_hashpay_redis_open(rs);
}


/*
 * hashpay_redis_sentinel: the Sentinel client spec of the Redis
 * documentation.  The sentinels are asked in turn, each on a connection of
 * its own under connect_timeout=, for the address of the master (AUTH
 * with sentinel_password= first); the first that answers with an address
 * goes to the front of the list, and the worker connects there (the
 * handshake then checks ROLE).  A sentinel that cannot be reached, does
 * not answer in time, refuses, or does not know the master: the next one.
 * None answered: the connection is "disconnected" and the reconnect timer
 * starts over with the first sentinel.
 *
 * The query's link tells its end in its closed callback, the next step
 * runs from a timer (never from inside the link that is going), so at
 * most one query runs at a time, and exit_process frees it.
 */

static void
ngx_http_hashpay_sentinel_ask(ngx_http_hashpay_redis_t *rs)
{
    const char                        *argv[3];
    size_t                             argvlen[3];
    ngx_http_hashpay_rlink_t          *lk;
    ngx_http_hashpay_sentinel_t       *sq;
    ngx_http_hashpay_redis_conf_t     *conf;
    ngx_http_hashpay_sentinel_conf_t  *sc;

    conf = rs->conf;
    sq = &rs->sentinel;

    if (sq->index >= conf->sentinels->nelts) {
        ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                      "hashpay: redis \"%V\": no sentinel gave the address "
                      "of master \"%V\"", &conf->name, &conf->master);

        ngx_http_hashpay_redis_schedule(rs);
        ngx_http_hashpay_redis_fail_waiting(rs, "no primary known");
        return;
    }

    sc = conf->sentinels->elts;
    sc = &sc[sq->index];

    sq->found = 0;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                   "hashpay redis: asking sentinel %V", &sc->name);

    lk = ngx_http_hashpay_question_open(rs, sc, "sentinel",
                                        &conf->sentinel_user,
                                        &conf->sentinel_password);
    if (lk == NULL) {
        return;
    }

    argv[0] = "SENTINEL";
    argvlen[0] = 8;
    argv[1] = "get-master-addr-by-name";
    argvlen[1] = sizeof("get-master-addr-by-name") - 1;
    argv[2] = (const char *) conf->master.data;
    argvlen[2] = conf->master.len;

    if (ngx_http_hashpay_rlink_command(lk, ngx_http_hashpay_sentinel_reply,
                                       NULL, 3, argv, argvlen)
        != NGX_OK)
    {
        ngx_http_hashpay_rlink_free(lk);
    }
}


/*
 * The question's connection to a sentinel or a cluster node (sc: an
 * address already resolved), TLS as configured, with AUTH first when
 * there is a password: the link, or NULL when it could not be opened (the
 * next node is then asked, from a timer) or went away.
 */

static ngx_http_hashpay_rlink_t *
ngx_http_hashpay_question_open(ngx_http_hashpay_redis_t *rs,
    ngx_http_hashpay_sentinel_conf_t *sc, const char *what,
    ngx_str_t *user, ngx_str_t *password)
{
    int                            argc;
    const char                    *argv[3], *err;
    size_t                         argvlen[3];
    ngx_http_hashpay_rlink_t      *lk;
    ngx_http_hashpay_sentinel_t   *sq;
    ngx_http_hashpay_rlink_tls_t   tls, *t;

    sq = &rs->sentinel;

    t = ngx_http_hashpay_redis_tls(rs, &sc->host, &tls);

    lk = ngx_http_hashpay_rlink_connect(&sc->host, sc->port, &sc->unix_path,
                                        t, rs->log,
                                        ngx_http_hashpay_sentinel_on_connect,
                                        ngx_http_hashpay_sentinel_closed, rs,
                                        &err);
    if (lk == NULL) {
        ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                      "hashpay: redis \"%V\": %s %V: connect failed: %s",
                      &rs->conf->name, what, &sc->name, err);

        sq->index++;
        ngx_add_timer(&sq->next, 1);
        return NULL;
    }

    sq->link = lk;

    ngx_add_timer(&sq->timer, rs->conf->connect_timeout);

    if (password->len) {
        ngx_http_hashpay_redis_auth_args(user, password, argv, argvlen,
                                         &argc);

        if (ngx_http_hashpay_rlink_command(lk, ngx_http_hashpay_sentinel_auth,
                                           NULL, argc, argv, argvlen)
            != NGX_OK)
        {
            ngx_http_hashpay_rlink_free(lk);
            return NULL;
        }
    }

    return lk;
}


/* the sentinel, or the node of hashpay_redis_cluster, asked now */

static ngx_http_hashpay_sentinel_conf_t *
ngx_http_hashpay_sentinel_asked(ngx_http_hashpay_redis_t *rs)
{
    ngx_array_t  *nodes;

    nodes = rs->conf->seeds ? rs->conf->seeds : rs->conf->sentinels;

    return (ngx_http_hashpay_sentinel_conf_t *) nodes->elts
           + rs->sentinel.index;
}


static void
ngx_http_hashpay_sentinel_auth(ngx_http_hashpay_rlink_t *lk,
    redisReply *reply, void *privdata)
{
    ngx_http_hashpay_redis_t          *rs;
    ngx_http_hashpay_sentinel_conf_t  *sc;

    rs = &ngx_http_hashpay_redis;

    if (reply == NULL || lk != rs->sentinel.link
        || reply->type != REDIS_REPLY_ERROR)
    {
        return;
    }

    sc = ngx_http_hashpay_sentinel_asked(rs);

    ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                  "hashpay: redis \"%V\": %s %V: AUTH failed: %*s",
                  &rs->conf->name, NGX_HTTP_HASHPAY_ASKED(rs), &sc->name,
                  (size_t) reply->len, reply->str);

    ngx_http_hashpay_rlink_free(lk);
}


static void
ngx_http_hashpay_sentinel_reply(ngx_http_hashpay_rlink_t *lk,
    redisReply *reply, void *privdata)
{
    u_char                            *host;
    size_t                             len;
    ngx_int_t                          port;
    ngx_http_hashpay_redis_t          *rs;
    ngx_http_hashpay_sentinel_t       *sq;
    ngx_http_hashpay_sentinel_conf_t  *sc, first;

    rs = &ngx_http_hashpay_redis;
    sq = &rs->sentinel;

    if (reply == NULL || lk != sq->link) {
        return;
    }

    sc = rs->conf->sentinels->elts;

    if (reply->type != REDIS_REPLY_ARRAY
        || reply->elements != 2
        || reply->element[0]->type != REDIS_REPLY_STRING
        || reply->element[1]->type != REDIS_REPLY_STRING)
    {
        if (reply->type == REDIS_REPLY_ERROR) {
            ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                          "hashpay: redis \"%V\": sentinel %V: %*s",
                          &rs->conf->name, &sc[sq->index].name,
                          (size_t) reply->len, reply->str);

        } else {
            ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                          "hashpay: redis \"%V\": sentinel %V does not "
                          "know master \"%V\"", &rs->conf->name,
                          &sc[sq->index].name, &rs->conf->master);
        }

        ngx_http_hashpay_rlink_free(lk);
        return;
    }

    host = (u_char *) reply->element[0]->str;
    len = reply->element[0]->len;
    port = ngx_atoi((u_char *) reply->element[1]->str,
                    reply->element[1]->len);

    /* an address, or a host name (announce-hostnames): looked up later */

    if (port < 1 || port > 65535
        || ngx_http_hashpay_resolve_set(&rs->resolve, host, len) != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                      "hashpay: redis \"%V\": sentinel %V answered \"%*s\" "
                      "port \"%*s\": not an address or a host name",
                      &rs->conf->name, &sc[sq->index].name, len, host,
                      (size_t) reply->element[1]->len,
                      reply->element[1]->str);

        ngx_http_hashpay_rlink_free(lk);
        return;
    }

    rs->addr.port = port;
    ngx_str_null(&rs->addr.unix_path);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                   "hashpay redis: sentinel %V: the primary is %V:%i",
                   &sc[sq->index].name, &rs->resolve.name, port);

    /* the spec: the sentinel that answered goes first */

    if (sq->index > 0) {
        first = sc[sq->index];
        ngx_memmove(&sc[1], &sc[0],
                    sq->index * sizeof(ngx_http_hashpay_sentinel_conf_t));
        sc[0] = first;
        sq->index = 0;
    }

    sq->found = 1;

    ngx_http_hashpay_rlink_free(lk);
}


static void
ngx_http_hashpay_sentinel_on_connect(ngx_http_hashpay_rlink_t *lk,
    ngx_int_t rc)
{
    ngx_http_hashpay_redis_t          *rs;
    ngx_http_hashpay_sentinel_conf_t  *sc;

    rs = lk->data;

    if (rc == NGX_OK) {
        return;
    }

    sc = ngx_http_hashpay_sentinel_asked(rs);

    ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                  "hashpay: redis \"%V\": %s %V: connect failed: %s",
                  &rs->conf->name, NGX_HTTP_HASHPAY_ASKED(rs), &sc->name,
                  lk->error);

    /* the link frees itself right after: see the closed callback */
}


static void
ngx_http_hashpay_sentinel_timeout(ngx_event_t *ev)
{
    ngx_http_hashpay_redis_t          *rs;
    ngx_http_hashpay_sentinel_conf_t  *sc;

    rs = ev->data;

    if (rs->sentinel.link == NULL) {
        return;
    }

    sc = ngx_http_hashpay_sentinel_asked(rs);

    ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                  "hashpay: redis \"%V\": %s %V did not answer within "
                  "%M ms", &rs->conf->name, NGX_HTTP_HASHPAY_ASKED(rs),
                  &sc->name, rs->conf->connect_timeout);

    ngx_http_hashpay_rlink_free(rs->sentinel.link);
}


/* the sentinel's connection is gone: connect to the primary, or ask on */

static void
ngx_http_hashpay_sentinel_next(ngx_event_t *ev)
{
    ngx_http_hashpay_redis_t  *rs;

    rs = ev->data;

    if (rs->exiting || ngx_exiting || rs->sentinel.link != NULL
        || rs->state != NGX_HTTP_HASHPAY_REDIS_RESOLVING)
    {
        return;
    }

    if (rs->sentinel.found) {
        rs->sentinel.found = 0;
        ngx_http_hashpay_redis_reach(rs);
        return;
    }

    if (rs->conf->seeds != NULL) {
        ngx_http_hashpay_cluster_ask(rs);
        return;
    }

    ngx_http_hashpay_sentinel_ask(rs);
}


static void
ngx_http_hashpay_sentinel_closed(ngx_http_hashpay_rlink_t *lk)
{
    ngx_http_hashpay_redis_t     *rs;
    ngx_http_hashpay_sentinel_t  *sq;

    rs = lk->data;
    sq = &rs->sentinel;

    sq->link = NULL;

    if (sq->timer.timer_set) {
        ngx_del_timer(&sq->timer);
    }

    if (rs->exiting || ngx_exiting) {
        return;
    }

    if (!sq->found) {
        sq->index++;
    }

    /* never from here: this may run inside the link's own callback */

    if (!sq->next.timer_set) {
        ngx_add_timer(&sq->next, 1);
    }
}


/*
 * hashpay_redis_cluster: the nodes are asked in turn, as the sentinels
 * are (the same question's connection, timers and cleanup above), for
 * CLUSTER SHARDS, or CLUSTER SLOTS from a server that does not know
 * SHARDS (before 7.0), on one connection under connect_timeout= each.
 * The online primary that owns the slot of hashpay_prefix's hash tag is
 * where the worker connects (the handshake checks ROLE); the node that
 * answered goes first next time.  A node that cannot be reached, does
 * not answer in time, or knows no online owner: the next one.  None:
 * "disconnected", and the reconnect timer (jittered) starts over, so a
 * worker asks once at a time and the workers of many edges do not ask
 * in the same millisecond.
 */

static void
ngx_http_hashpay_cluster_ask(ngx_http_hashpay_redis_t *rs)
{
    const char                        *argv[2];
    size_t                             argvlen[2];
    ngx_http_hashpay_rlink_t          *lk;
    ngx_http_hashpay_sentinel_t       *sq;
    ngx_http_hashpay_redis_conf_t     *conf;
    ngx_http_hashpay_sentinel_conf_t  *sc;

    conf = rs->conf;
    sq = &rs->sentinel;

    if (sq->index >= conf->seeds->nelts) {
        ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                      "hashpay: redis \"%V\": no cluster node gave the "
                      "primary of slot %ui", &conf->name, conf->slot);

        ngx_http_hashpay_redis_schedule(rs);
        ngx_http_hashpay_redis_fail_waiting(rs, "no primary known");
        return;
    }

    sc = ngx_http_hashpay_sentinel_asked(rs);

    sq->found = 0;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                   "hashpay redis: asking cluster node %V for slot %ui",
                   &sc->name, conf->slot);

    lk = ngx_http_hashpay_question_open(rs, sc, "cluster node",
                                        &conf->user, &conf->password);
    if (lk == NULL) {
        return;
    }

    argv[0] = "CLUSTER";
    argvlen[0] = 7;
    argv[1] = "SHARDS";
    argvlen[1] = 6;

    if (ngx_http_hashpay_rlink_command(lk, ngx_http_hashpay_cluster_answer,
                                       NULL, 2, argv, argvlen)
        != NGX_OK)
    {
        ngx_http_hashpay_rlink_free(lk);
    }
}


/* privdata: NULL for CLUSTER SHARDS, "SLOTS" for CLUSTER SLOTS */

static void
ngx_http_hashpay_cluster_answer(ngx_http_hashpay_rlink_t *lk,
    redisReply *reply, void *privdata)
{
    const char                        *argv[2];
    size_t                             argvlen[2];
    ngx_int_t                          rc;
    ngx_uint_t                         slot;
    ngx_array_t                       *seeds;
    ngx_http_hashpay_redis_t          *rs;
    ngx_http_hashpay_sentinel_t       *sq;
    ngx_http_hashpay_cluster_node_t    node;
    ngx_http_hashpay_sentinel_conf_t  *sc, first;

    rs = &ngx_http_hashpay_redis;
    sq = &rs->sentinel;

    if (reply == NULL || lk != sq->link) {
        return;
    }

    sc = ngx_http_hashpay_sentinel_asked(rs);
    slot = rs->conf->slot;

    if (privdata == NULL && reply->type == REDIS_REPLY_ERROR
        && reply->len >= 3 && ngx_strncmp(reply->str, "ERR", 3) == 0)
    {
        /* before Redis 7.0: "ERR unknown subcommand 'SHARDS'" */

        ngx_log_debug3(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                       "hashpay redis: cluster node %V: %*s, "
                       "CLUSTER SLOTS instead", &sc->name,
                       (size_t) reply->len, reply->str);

        argv[0] = "CLUSTER";
        argvlen[0] = 7;
        argv[1] = "SLOTS";
        argvlen[1] = 5;

        if (ngx_http_hashpay_rlink_command(lk,
                                           ngx_http_hashpay_cluster_answer,
                                           "SLOTS", 2, argv, argvlen)
            != NGX_OK)
        {
            ngx_http_hashpay_rlink_free(lk);
        }

        return;
    }

    rc = privdata ? ngx_http_hashpay_cluster_slots(reply, slot, &node)
                  : ngx_http_hashpay_cluster_shards(reply, slot, &node);

    if (rc != NGX_OK) {
        if (reply->type == REDIS_REPLY_ERROR) {
            ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                          "hashpay: redis \"%V\": cluster node %V: "
                          "CLUSTER %s: %*s", &rs->conf->name, &sc->name,
                          privdata ? "SLOTS" : "SHARDS",
                          (size_t) reply->len, reply->str);

        } else if (rc == NGX_ERROR) {
            ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                          "hashpay: redis \"%V\": cluster node %V: "
                          "CLUSTER %s: unexpected reply", &rs->conf->name,
                          &sc->name, privdata ? "SLOTS" : "SHARDS");

        } else {
            ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                          "hashpay: redis \"%V\": cluster node %V knows no "
                          "online primary of slot %ui", &rs->conf->name,
                          &sc->name, slot);
        }

        ngx_http_hashpay_rlink_free(lk);
        return;
    }

    /* an address, or a host name (an endpoint): looked up later */

    if (ngx_http_hashpay_resolve_set(&rs->resolve, node.host, node.len)
        != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                      "hashpay: redis \"%V\": cluster node %V gave \"%*s\" "
                      "for slot %ui: not an address or a host name",
                      &rs->conf->name, &sc->name, node.len, node.host, slot);

        ngx_http_hashpay_rlink_free(lk);
        return;
    }

    /* a tls-cluster: its TLS port ("tls-port") for a TLS client */

    if (rs->conf->tls && node.tls_port) {
        node.port = node.tls_port;
    }

    if (node.port == 0) {
        ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                      "hashpay: redis \"%V\": cluster node %V gave no "
                      "clear-text port for slot %ui (a tls-cluster: "
                      "configure tls)", &rs->conf->name, &sc->name, slot);

        ngx_http_hashpay_rlink_free(lk);
        return;
    }

    rs->addr.port = node.port;
    ngx_str_null(&rs->addr.unix_path);

    ngx_log_debug4(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                   "hashpay redis: cluster node %V: slot %ui is on %V:%i",
                   &sc->name, slot, &rs->resolve.name, node.port);

    /* as the sentinel client spec has it: the node that answered first */

    if (sq->index > 0) {
        seeds = rs->conf->seeds;
        sc = seeds->elts;
        first = sc[sq->index];
        ngx_memmove(&sc[1], &sc[0],
                    sq->index * sizeof(ngx_http_hashpay_sentinel_conf_t));
        sc[0] = first;
        sq->index = 0;
    }

    sq->found = 1;

    ngx_http_hashpay_rlink_free(lk);
}


/* in the handshake: XGROUP CREATE refused while the slot migrates */

static ngx_uint_t
ngx_http_hashpay_redis_cluster_busy(ngx_http_hashpay_redis_t *rs,
    redisReply *reply)
{
    ngx_uint_t                        slot;
    ngx_http_hashpay_cluster_node_t   node;
    ngx_http_hashpay_cluster_reply_e  t;

    if (rs->conf->seeds == NULL) {
        return 0;
    }

    t = ngx_http_hashpay_cluster_reply(reply, &slot, &node);

    return t == NGX_HTTP_HASHPAY_CLUSTER_ASK
           || t == NGX_HTTP_HASHPAY_CLUSTER_TRYAGAIN;
}


/*
 * A command refused by the cluster: nothing of it ran (a MOVED or ASK
 * comes before the script, the scripts' slot probe answers TRYAGAIN
 * before they read anything, CLUSTERDOWN before it runs), so its request
 * is answered 503 and the sender delivers again.
 *
 *   MOVED        the slot has another owner (a failover, the end of a
 *                migration): the connection is closed, the commands
 *                behind it fail with it, and the reconnection (after a
 *                jittered delay) asks the nodes again.  Not retried on
 *                the new owner: that takes a discovery and a handshake,
 *                longer than a request should wait, and redelivery does
 *                it as well.
 *   ASK          the slot is being migrated and the script's first key
 *                has gone: not followed with ASKING on the target, where
 *                the script's other keys may still be missing (the
 *                probe would refuse it there too); the map is kept.
 *   TRYAGAIN     the slot is being migrated; the connection is kept.
 *   CLUSTERDOWN  the cluster does not serve the slot now (a failover in
 *                progress, cluster-require-full-coverage); kept.
 *
 * 1 when the batch was failed here, 0 for any other reply.
 */

static ngx_uint_t
ngx_http_hashpay_redis_cluster_refused(ngx_http_hashpay_redis_t *rs,
    redisReply *reply, ngx_http_hashpay_batch_t *b,
    ngx_http_hashpay_token_t *token)
{
    ngx_uint_t                        slot;
    const char                       *why;
    ngx_http_hashpay_cluster_node_t   node;
    ngx_http_hashpay_cluster_reply_e  t;

    t = ngx_http_hashpay_cluster_reply(reply, &slot, &node);

    switch (t) {

    case NGX_HTTP_HASHPAY_CLUSTER_MOVED:
        ngx_log_error(NGX_LOG_NOTICE, rs->log, 0,
                      "hashpay: redis \"%V\": slot %ui moved to %*s:%i "
                      "(MOVED), asking the cluster again",
                      &rs->conf->name, slot, node.len, node.host, node.port);
        why = "the slot moved (MOVED)";
        break;

    case NGX_HTTP_HASHPAY_CLUSTER_ASK:
        why = "the slot is being migrated (ASK)";
        break;

    case NGX_HTTP_HASHPAY_CLUSTER_TRYAGAIN:
        why = "the slot is being migrated (TRYAGAIN)";
        break;

    case NGX_HTTP_HASHPAY_CLUSTER_DOWN:
        why = "the cluster is down (CLUSTERDOWN)";
        break;

    default:
        return 0;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                   "hashpay redis: batch %p: %s", b, why);

    if (b != NULL) {
        /* frees the token if this was its last reply */
        b->error = why;
        ngx_http_hashpay_batch_finish(b, NGX_ERROR);

    } else if (token->refs == 0) {
        ngx_free(token);
    }

    if (t == NGX_HTTP_HASHPAY_CLUSTER_MOVED) {
        ngx_http_hashpay_redis_close(rs);
    }

    return 1;
}


/*
 * +switch-master: one subscription per worker, to one sentinel at a time
 * (the next one after a failure, a second later).  A message for our
 * master that names another address than the connection's drops the
 * connection; the reconnection asks the sentinels as usual.
 */

static void
ngx_http_hashpay_watch_start(ngx_http_hashpay_redis_t *rs)
{
    int                                argc;
    const char                        *argv[3], *err;
    size_t                             argvlen[3];
    ngx_http_hashpay_rlink_t          *lk;
    ngx_http_hashpay_watch_t          *w;
    ngx_http_hashpay_rlink_tls_t       tls, *t;
    ngx_http_hashpay_redis_conf_t     *conf;
    ngx_http_hashpay_sentinel_conf_t  *sc;

    conf = rs->conf;
    w = &rs->watch;

    w->index %= conf->sentinels->nelts;

    sc = conf->sentinels->elts;
    sc = &sc[w->index];

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                   "hashpay redis: watching sentinel %V", &sc->name);

    t = ngx_http_hashpay_redis_tls(rs, &sc->host, &tls);

    lk = ngx_http_hashpay_rlink_connect(&sc->host, sc->port, &sc->unix_path,
                                        t, rs->log,
                                        ngx_http_hashpay_watch_on_connect,
                                        ngx_http_hashpay_watch_closed, rs,
                                        &err);
    if (lk == NULL) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                       "hashpay redis: watching sentinel %V: connect "
                       "failed: %s", &sc->name, err);
        w->index++;
        ngx_add_timer(&w->retry, 1000);
        return;
    }

    w->link = lk;

    ngx_add_timer(&w->timer, conf->connect_timeout);

    if (conf->sentinel_password.len) {
        ngx_http_hashpay_redis_auth_args(&conf->sentinel_user,
                                         &conf->sentinel_password, argv,
                                         argvlen, &argc);

        if (ngx_http_hashpay_rlink_command(lk, ngx_http_hashpay_watch_message,
                                           "AUTH", argc, argv, argvlen)
            != NGX_OK)
        {
            ngx_http_hashpay_rlink_free(lk);
            return;
        }
    }

    argv[0] = "SUBSCRIBE";
    argvlen[0] = 9;
    argv[1] = "+switch-master";
    argvlen[1] = sizeof("+switch-master") - 1;

    if (ngx_http_hashpay_rlink_subscribe(lk, ngx_http_hashpay_watch_message,
                                         NULL, 2, argv, argvlen)
        != NGX_OK)
    {
        ngx_http_hashpay_rlink_free(lk);
    }
}


static void
ngx_http_hashpay_watch_message(ngx_http_hashpay_rlink_t *lk,
    redisReply *reply, void *privdata)
{
    u_char                         *p, *last, *f[5];
    size_t                          flen[5];
    ngx_int_t                       port;
    ngx_uint_t                      n;
    ngx_http_hashpay_redis_t       *rs;
    ngx_http_hashpay_redis_conf_t  *conf;

    rs = &ngx_http_hashpay_redis;
    conf = rs->conf;

    if (reply == NULL || lk != rs->watch.link) {
        return;
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                      "hashpay: redis \"%V\": sentinel subscription: %s "
                      "failed: %*s", &conf->name,
                      privdata ? (char *) privdata : "SUBSCRIBE",
                      (size_t) reply->len, reply->str);
        ngx_http_hashpay_rlink_free(lk);
        return;
    }

    if (privdata != NULL) {
        return;         /* AUTH */
    }

    /*
     * the subscription holds once confirmed ("subscribe" ...); anything
     * else that is not a message (a server that is no sentinel answering
     * +OK) leaves the timer to drop the link
     */

    if (reply->type == REDIS_REPLY_ARRAY
        && reply->elements == 3
        && reply->element[0]->type == REDIS_REPLY_STRING
        && reply->element[0]->len == 9
        && ngx_strncasecmp((u_char *) reply->element[0]->str,
                           (u_char *) "subscribe", 9) == 0)
    {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                       "hashpay redis: watching sentinel %V: subscribed",
                       &lk->addr_text);

        if (rs->watch.timer.timer_set) {
            ngx_del_timer(&rs->watch.timer);
        }

        return;
    }

    /* "message" "+switch-master" "<name> <old ip> <old port> <ip> <port>" */

    if (reply->type != REDIS_REPLY_ARRAY
        || reply->elements != 3
        || reply->element[0]->type != REDIS_REPLY_STRING
        || reply->element[0]->len != 7
        || ngx_strncmp(reply->element[0]->str, "message", 7) != 0
        || reply->element[2]->type != REDIS_REPLY_STRING)
    {
        return;
    }

    p = (u_char *) reply->element[2]->str;
    last = p + reply->element[2]->len;

    for (n = 0; n < 5 && p < last; n++) {
        f[n] = p;

        while (p < last && *p != ' ') {
            p++;
        }

        flen[n] = p - f[n];

        if (p < last) {
            p++;
        }
    }

    if (n != 5 || flen[0] != conf->master.len
        || ngx_strncmp(f[0], conf->master.data, flen[0]) != 0)
    {
        return;
    }

    port = ngx_atoi(f[4], flen[4]);

    ngx_log_error(NGX_LOG_NOTICE, rs->log, 0,
                  "hashpay: redis \"%V\": the sentinels switched master "
                  "\"%V\" to %*s:%*s", &conf->name, &conf->master,
                  flen[3], f[3], flen[4], f[4]);

    if (rs->link == NULL
        || rs->state == NGX_HTTP_HASHPAY_REDIS_DISCONNECTED
        || rs->state == NGX_HTTP_HASHPAY_REDIS_RESOLVING)
    {
        return;
    }

    /* the address connected to, or the host name that gave it */

    if (rs->addr.unix_path.len == 0
        && rs->addr.port == port
        && ((rs->addr.host.len == flen[3]
             && ngx_strncmp(rs->addr.host.data, f[3], flen[3]) == 0)
            || ngx_http_hashpay_resolve_told(&rs->resolve, f[3], flen[3])))
    {
        return;
    }

    /* another link than this callback's */

    ngx_http_hashpay_redis_drop(rs, "the primary moved (+switch-master)");
}


static void
ngx_http_hashpay_watch_on_connect(ngx_http_hashpay_rlink_t *lk, ngx_int_t rc)
{
    ngx_http_hashpay_redis_t          *rs;
    ngx_http_hashpay_sentinel_conf_t  *sc;

    rs = lk->data;

    if (rc == NGX_OK) {
        return;
    }

    sc = rs->conf->sentinels->elts;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                   "hashpay redis: watching sentinel %V: connect failed: %s",
                   &sc[rs->watch.index].name, lk->error);
}


static void
ngx_http_hashpay_watch_timeout(ngx_event_t *ev)
{
    ngx_http_hashpay_redis_t  *rs;

    rs = ev->data;

    if (rs->watch.link != NULL) {
        ngx_http_hashpay_rlink_free(rs->watch.link);
    }
}


static void
ngx_http_hashpay_watch_retry(ngx_event_t *ev)
{
    ngx_http_hashpay_redis_t  *rs;

    rs = ev->data;

    if (rs->exiting || ngx_exiting || rs->watch.link != NULL) {
        return;
    }

    ngx_http_hashpay_watch_start(rs);
}


/* the subscription is gone: the next sentinel, a second later */

static void
ngx_http_hashpay_watch_closed(ngx_http_hashpay_rlink_t *lk)
{
    ngx_http_hashpay_redis_t  *rs;
    ngx_http_hashpay_watch_t  *w;

    rs = lk->data;
    w = &rs->watch;

    w->link = NULL;

    if (w->timer.timer_set) {
        ngx_del_timer(&w->timer);
    }

    if (rs->exiting || ngx_exiting) {
        return;
    }

    w->index++;

    if (!w->retry.timer_set) {
        ngx_add_timer(&w->retry, 1000);
    }
}


/*
 * the link is going: every pending callback has had its NULL reply; what
 * is left is the timers, the batches waiting for the handshake, and the
 * next attempt
 */

static void
ngx_http_hashpay_redis_closed(ngx_http_hashpay_rlink_t *lk)
{
    ngx_http_hashpay_redis_t  *rs;

    rs = lk->data;

    rs->link = NULL;

    if (rs->state == NGX_HTTP_HASHPAY_REDIS_READY) {
        if (ngx_http_hashpay_redis_state_hook != NULL) {
            ngx_http_hashpay_redis_state_hook(NGX_HTTP_HASHPAY_REDIS_DOWN);
        }

        if (lk->error && !rs->exiting) {
            ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                          "hashpay: redis \"%V\": connection lost: %s",
                          &rs->conf->name, lk->error);
        }

    } else if (lk->connected && lk->error && !rs->exiting
               && !rs->failed_logged)
    {
        /* connected, then lost before the handshake was done */

        ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                      "hashpay: redis \"%V\": %V: connection lost during "
                      "the handshake: %s", &rs->conf->name, &lk->addr_text,
                      lk->error);
        rs->failed_logged = 1;
    }

    rs->handshake = 0;
    rs->outstanding = 0;
    rs->reloading = 0;

    ngx_http_hashpay_redis_set_state(rs, NGX_HTTP_HASHPAY_REDIS_DISCONNECTED);

    if (rs->connect_timer.timer_set) {
        ngx_del_timer(&rs->connect_timer);
    }

    if (rs->stall_timer.timer_set) {
        ngx_del_timer(&rs->stall_timer);
    }

    ngx_http_hashpay_redis_schedule(rs);

    /* the handshake failed: nothing of theirs was sent */

    ngx_http_hashpay_redis_fail_waiting(rs, "connection failed");
}


/* batches */


ngx_http_hashpay_batch_t *
ngx_http_hashpay_batch_create(ngx_http_request_t *r)
{
    ngx_http_cleanup_t        *cln;
    ngx_http_hashpay_batch_t  *b;

    b = ngx_pcalloc(r->pool, sizeof(ngx_http_hashpay_batch_t));
    if (b == NULL) {
        return NULL;
    }

    if (ngx_array_init(&b->cmds, r->pool, 4, sizeof(ngx_http_hashpay_cmd_t))
        != NGX_OK)
    {
        return NULL;
    }

    cln = ngx_http_cleanup_add(r, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_hashpay_batch_cleanup;
    cln->data = b;

    b->request = r;
    b->timer.handler = ngx_http_hashpay_batch_timeout;
    b->timer.data = b;
    b->timer.log = r->connection->log;

    return b;
}


ngx_int_t
ngx_http_hashpay_int_arg(ngx_pool_t *pool, int64_t v, ngx_str_t *dst)
{
    u_char  *p;

    if (v < 0) {
        ngx_str_set(dst, "");
        return NGX_OK;
    }

    p = ngx_pnalloc(pool, NGX_INT64_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    dst->data = p;
    dst->len = ngx_sprintf(p, "%L", v) - p;

    return NGX_OK;
}


ngx_int_t
ngx_http_hashpay_reply_word(ngx_pool_t *pool, redisReply *reply,
    ngx_str_t *dst)
{
    size_t  i;

    if (reply->type != REDIS_REPLY_STRING || reply->len > 64) {
        return NGX_DECLINED;
    }

    for (i = 0; i < (size_t) reply->len; i++) {
        if ((reply->str[i] < 'a' || reply->str[i] > 'z')
            && reply->str[i] != '_')
        {
            return NGX_DECLINED;
        }
    }

    dst->len = reply->len;
    dst->data = ngx_pnalloc(pool, reply->len + 1);
    if (dst->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(dst->data, reply->str, reply->len);
    dst->data[dst->len] = '\0';

    return NGX_OK;
}


ngx_uint_t
ngx_http_hashpay_reply_backlog(redisReply *reply)
{
    /* Redis wraps a script's error in its own words: look inside */

    return reply->type == REDIS_REPLY_ERROR
           && ngx_strnstr((u_char *) reply->str, "EVENTS_BACKLOG ",
                          reply->len)
              != NULL;
}


static ngx_uint_t
ngx_http_hashpay_reply_noscript(redisReply *reply)
{
    return reply->type == REDIS_REPLY_ERROR
           && reply->len >= 8
           && ngx_strncmp(reply->str, "NOSCRIPT", 8) == 0;
}


ngx_int_t
ngx_http_hashpay_batch_eval(ngx_http_hashpay_batch_t *b,
    ngx_http_hashpay_script_e id, ngx_str_t *args, ngx_uint_t nargs)
{
    u_char                     *p;
    ngx_http_hashpay_cmd_t     *cmd;
    ngx_http_hashpay_script_t  *script;

    script = ((ngx_uint_t) id < NGX_HTTP_HASHPAY_NSCRIPTS)
             ? &ngx_http_hashpay_scripts[id] : NULL;

    if (script == NULL
        || nargs < script->nargs
        || (nargs > script->nargs && !script->variable))
    {
        ngx_log_error(NGX_LOG_ALERT, b->request->connection->log, 0,
                      "hashpay: script #%d called with %ui arguments",
                      (int) id, nargs);
        return NGX_ERROR;
    }

    cmd = ngx_http_hashpay_batch_push(b, script, 3, args, nargs);
    p = ngx_pnalloc(b->request->pool, NGX_INT_T_LEN);

    if (cmd == NULL || p == NULL) {
        return NGX_ERROR;
    }

    cmd->argv[0] = "EVALSHA";
    cmd->argvlen[0] = 7;
    cmd->argv[1] = (const char *) script->sha1.data;
    cmd->argvlen[1] = script->sha1.len;
    cmd->argv[2] = (const char *) p;
    cmd->argvlen[2] = ngx_sprintf(p, "%ui", script->nkeys) - p;

    return NGX_OK;
}


ngx_int_t
ngx_http_hashpay_batch_command(ngx_http_hashpay_batch_t *b, ngx_str_t *args,
    ngx_uint_t nargs)
{
    if (nargs == 0) {
        ngx_log_error(NGX_LOG_ALERT, b->request->connection->log, 0,
                      "hashpay: a command without a name");
        return NGX_ERROR;
    }

    if (ngx_http_hashpay_batch_push(b, NULL, 0, args, nargs) == NULL) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * a command of the batch: head words left for the caller to fill, then
 * args; script NULL for a plain command
 */

static ngx_http_hashpay_cmd_t *
ngx_http_hashpay_batch_push(ngx_http_hashpay_batch_t *b,
    ngx_http_hashpay_script_t *script, ngx_uint_t head, ngx_str_t *args,
    ngx_uint_t nargs)
{
    ngx_uint_t               i;
    ngx_http_hashpay_cmd_t  *cmd;

    cmd = ngx_array_push(&b->cmds);
    if (cmd == NULL) {
        return NULL;
    }

    cmd->script = script;
    cmd->retried = 0;
    cmd->argc = head + nargs;

    cmd->argv = ngx_palloc(b->request->pool, cmd->argc * sizeof(char *));
    cmd->argvlen = ngx_palloc(b->request->pool, cmd->argc * sizeof(size_t));

    if (cmd->argv == NULL || cmd->argvlen == NULL) {
        return NULL;
    }

    for (i = 0; i < nargs; i++) {
        cmd->argv[head + i] = (const char *) args[i].data;
        cmd->argvlen[head + i] = args[i].len;
    }

    return cmd;
}


ngx_int_t
ngx_http_hashpay_batch_send(ngx_http_hashpay_batch_t *b)
{
    ngx_uint_t                 n;
    ngx_http_hashpay_token_t  *token;
    ngx_http_hashpay_redis_t  *rs;

    rs = &ngx_http_hashpay_redis;

    if (ngx_http_hashpay_redis_usable(rs) != NGX_OK) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, b->request->connection->log, 0,
                       "hashpay redis: batch %p: not connected", b);
        b->error = "not connected";
        return NGX_DECLINED;
    }

    n = b->cmds.nelts;

    /* one slot a command, and one for WAIT (slots[1] is in the struct) */

    token = ngx_alloc(sizeof(ngx_http_hashpay_token_t)
                      + n * sizeof(ngx_http_hashpay_slot_t),
                      b->request->connection->log);
    if (token == NULL) {
        return NGX_ERROR;
    }

    token->batch = b;
    token->refs = 0;
    b->token = token;

    if (rs->state == NGX_HTTP_HASHPAY_REDIS_READY) {

        if (ngx_http_hashpay_batch_write(rs, b) != NGX_OK) {
            /* what was queued still runs; nobody waits for it */
            ngx_http_hashpay_batch_detach(b);
            b->error = "not connected";
            return NGX_DECLINED;
        }

    } else {
        /* the handshake runs: wait for it, under the batch's own timer */

        ngx_queue_insert_tail(&rs->waiting, &b->queue);
        b->queued = 1;

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, b->request->connection->log, 0,
                       "hashpay redis: batch %p: %ui commands wait for "
                       "the handshake", b, n);
    }

    b->sent = 1;

    ngx_add_timer(&b->timer, rs->conf->timeout);

    /*
     * while Redis works, notice a client that goes away: nginx then
     * terminates the request (499), its cleanup detaches the batch, and
     * the replies, when they come, find nothing to touch
     */

    b->request->read_event_handler = ngx_http_test_reading;

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_redis_usable(ngx_http_hashpay_redis_t *rs)
{
    if (rs->conf == NULL
        || rs->state == NGX_HTTP_HASHPAY_REDIS_DISCONNECTED)
    {
        return NGX_DECLINED;
    }

    if (rs->state == NGX_HTTP_HASHPAY_REDIS_RESOLVING) {
        return NGX_OK;
    }

    if (rs->link == NULL || rs->link->freeing) {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/* the handshake succeeded: the batches that waited, in arrival order */

static void
ngx_http_hashpay_redis_flush(ngx_http_hashpay_redis_t *rs)
{
    ngx_queue_t               *q;
    ngx_http_hashpay_batch_t  *b;

    while (!ngx_queue_empty(&rs->waiting)) {
        q = ngx_queue_head(&rs->waiting);
        ngx_queue_remove(q);

        b = ngx_queue_data(q, ngx_http_hashpay_batch_t, queue);
        b->queued = 0;

        if (ngx_http_hashpay_batch_write(rs, b) != NGX_OK) {
            b->error = "connection lost";
            ngx_http_hashpay_batch_finish(b, NGX_ERROR);
        }
    }
}


static void
ngx_http_hashpay_redis_fail_waiting(ngx_http_hashpay_redis_t *rs,
    const char *why)
{
    ngx_queue_t               *q;
    ngx_http_hashpay_batch_t  *b;

    while (!ngx_queue_empty(&rs->waiting)) {
        q = ngx_queue_head(&rs->waiting);
        ngx_queue_remove(q);

        b = ngx_queue_data(q, ngx_http_hashpay_batch_t, queue);
        b->queued = 0;
        b->error = why;

        /* may finalize the request and free b */

        ngx_http_hashpay_batch_finish(b, NGX_ERROR);
    }
}


static ngx_int_t
ngx_http_hashpay_batch_write(ngx_http_hashpay_redis_t *rs,
    ngx_http_hashpay_batch_t *b)
{
    ngx_uint_t                 i, n;
    ngx_http_hashpay_cmd_t    *cmd;
    ngx_http_hashpay_token_t  *token;

    n = b->cmds.nelts;
    cmd = b->cmds.elts;
    token = b->token;

    for (i = 0; i < n; i++) {
        token->slots[i].token = token;
        token->slots[i].index = i;

        if (ngx_http_hashpay_redis_send_cmd(rs, &cmd[i], &token->slots[i])
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    b->pending = n;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, b->request->connection->log, 0,
                   "hashpay redis: batch %p: %ui commands sent", b, n);

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_redis_send_cmd(ngx_http_hashpay_redis_t *rs,
    ngx_http_hashpay_cmd_t *cmd, ngx_http_hashpay_slot_t *slot)
{
    if (ngx_http_hashpay_redis_command(rs, ngx_http_hashpay_redis_reply,
                                       slot, (int) cmd->argc, cmd->argv,
                                       cmd->argvlen)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    slot->token->refs++;

    return NGX_OK;
}


static void
ngx_http_hashpay_redis_reply(ngx_http_hashpay_rlink_t *lk, redisReply *reply,
    void *privdata)
{
    ngx_http_hashpay_slot_t   *slot = privdata;

    ngx_uint_t                 noscript;
    ngx_http_hashpay_cmd_t    *cmd;
    ngx_http_hashpay_token_t  *token;
    ngx_http_hashpay_batch_t  *b;
    ngx_http_hashpay_redis_t  *rs;

    rs = &ngx_http_hashpay_redis;

    token = slot->token;
    token->refs--;

    b = token->batch;

    noscript = 0;

    if (reply != NULL && lk == rs->link) {
        ngx_http_hashpay_redis_answered(rs);

        if (ngx_http_hashpay_reply_noscript(reply)) {
            noscript = 1;
            ngx_http_hashpay_redis_reload(rs);

        } else if (ngx_http_hashpay_reply_readonly(reply)) {

            /*
             * the primary was demoted under us: nothing was written; the
             * batch fails (503, the sender delivers again), the commands
             * behind it fail with the connection, and the next connection
             * asks the sentinels again
             */

            ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                          "hashpay: redis \"%V\" is not the primary any "
                          "more (READONLY), closing the connection",
                          &rs->conf->name);

            if (b != NULL) {
                /* frees the token if this was its last reply */
                b->error = "the primary moved (READONLY)";
                ngx_http_hashpay_batch_finish(b, NGX_ERROR);

            } else if (token->refs == 0) {
                ngx_free(token);
            }

            ngx_http_hashpay_redis_close(rs);
            return;

        } else if (rs->conf->seeds != NULL
                   && ngx_http_hashpay_redis_cluster_refused(rs, reply, b,
                                                             token))
        {
            return;
        }
    }

    if (b == NULL) {
        /* the request is gone, or stopped waiting */

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                       "hashpay redis: reply %ui of a batch that stopped "
                       "waiting discarded%s", slot->index,
                       reply == NULL ? " (connection gone)" : "");

        if (token->refs == 0) {
            ngx_free(token);
        }

        return;
    }

    if (reply == NULL) {
        b->error = "connection lost";
        ngx_http_hashpay_batch_finish(b, NGX_ERROR);
        return;
    }

    if (slot->index == b->cmds.nelts) {
        ngx_http_hashpay_batch_waited(b, reply);
        return;
    }

    cmd = b->cmds.elts;
    cmd = &cmd[slot->index];

    if (noscript && cmd->script != NULL && !cmd->retried) {

        /* behind the loads that ngx_http_hashpay_redis_reload() sent */

        cmd->retried = 1;

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, b->request->connection->log, 0,
                       "hashpay redis: batch %p: NOSCRIPT, command %ui "
                       "sent again", b, slot->index);

        if (ngx_http_hashpay_redis_send_cmd(rs, cmd, slot) != NGX_OK) {
            b->error = "connection lost";
            ngx_http_hashpay_batch_finish(b, NGX_ERROR);
        }

        return;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, b->request->connection->log, 0,
                   "hashpay redis: batch %p: reply %ui, %ui pending",
                   b, slot->index, b->pending - 1);

    b->reply(b, slot->index, reply);

    if (--b->pending) {
        return;
    }

    if (b->durable && rs->conf->wait_replicas) {
        ngx_http_hashpay_batch_wait(b, &token->slots[b->cmds.nelts]);
        return;
    }

    ngx_http_hashpay_batch_finish(b, NGX_OK);
}


/*
 * hashpay_redis_wait: once every script of the batch has answered, WAIT
 * for that many replicas to hold what the connection has written so far.
 * Sent after the answers, not pipelined with the scripts, so that a
 * script run again after NOSCRIPT is covered too.
 */

static void
ngx_http_hashpay_batch_wait(ngx_http_hashpay_batch_t *b,
    ngx_http_hashpay_slot_t *slot)
{
    const char                     *argv[3];
    size_t                          argvlen[3];
    ngx_http_hashpay_redis_t       *rs;
    ngx_http_hashpay_redis_conf_t  *conf;

    rs = &ngx_http_hashpay_redis;
    conf = rs->conf;

    argv[0] = "WAIT";
    argvlen[0] = 4;
    argv[1] = (const char *) conf->wait_args[0].data;
    argvlen[1] = conf->wait_args[0].len;
    argv[2] = (const char *) conf->wait_args[1].data;
    argvlen[2] = conf->wait_args[1].len;

    slot->token = b->token;
    slot->index = b->cmds.nelts;

    if (ngx_http_hashpay_redis_usable(rs) != NGX_OK
        || ngx_http_hashpay_redis_command(rs, ngx_http_hashpay_redis_reply,
                                          slot, 3, argv, argvlen)
           != NGX_OK)
    {
        b->error = "connection lost";
        ngx_http_hashpay_batch_finish(b, NGX_ERROR);
        return;
    }

    slot->token->refs++;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, b->request->connection->log, 0,
                   "hashpay redis: batch %p: WAIT sent", b);
}


static void
ngx_http_hashpay_batch_waited(ngx_http_hashpay_batch_t *b, redisReply *reply)
{
    ngx_http_hashpay_redis_conf_t  *conf;

    conf = ngx_http_hashpay_redis.conf;

    if (reply->type == REDIS_REPLY_INTEGER
        && reply->integer >= (long long) conf->wait_replicas)
    {
        ngx_http_hashpay_batch_finish(b, NGX_OK);
        return;
    }

    ngx_log_error(NGX_LOG_ERR, b->request->connection->log, 0,
                  "hashpay: redis \"%V\": WAIT %ui %M: %s",
                  &conf->name, conf->wait_replicas, conf->wait_timeout,
                  reply->type == REDIS_REPLY_INTEGER
                  ? "not enough replicas acknowledged"
                  : "failed");

    b->error = "replicas did not acknowledge the write";
    ngx_http_hashpay_batch_finish(b, NGX_ERROR);
}


static void
ngx_http_hashpay_batch_finish(ngx_http_hashpay_batch_t *b, ngx_int_t rc)
{
    if (b->finished) {
        return;
    }

    b->finished = 1;

    if (b->timer.timer_set) {
        ngx_del_timer(&b->timer);
    }

    if (b->queued) {
        ngx_queue_remove(&b->queue);
        b->queued = 0;
    }

    ngx_http_hashpay_batch_detach(b);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, b->request->connection->log, 0,
                   "hashpay redis: batch %p: %s%s", b,
                   rc == NGX_OK ? "done" : "failed: ",
                   rc == NGX_OK ? "" : b->error);

    /* may finalize the request and free b */

    b->done(b, rc);
}


static void
ngx_http_hashpay_batch_detach(ngx_http_hashpay_batch_t *b)
{
    ngx_http_hashpay_token_t  *token;

    token = b->token;

    if (token == NULL) {
        return;
    }

    b->token = NULL;
    token->batch = NULL;

    if (token->refs == 0) {
        ngx_free(token);
    }
}


/*
 * Only this batch fails: its replies, when they come, are thrown away,
 * and the requests behind it on the connection are answered as usual.
 * The connection itself is dropped by the stall timer alone.
 */

static void
ngx_http_hashpay_batch_timeout(ngx_event_t *ev)
{
    ngx_http_hashpay_batch_t  *b;

    b = ev->data;

    ngx_log_error(NGX_LOG_ERR, ev->log, 0,
                  "hashpay: redis \"%V\" did not answer within %M ms%s",
                  &ngx_http_hashpay_redis.conf->name,
                  ngx_http_hashpay_redis.conf->timeout,
                  b->queued ? " (handshake not done)" : "");

    b->error = "timed out";
    ngx_http_hashpay_batch_finish(b, NGX_ERROR);
}


static void
ngx_http_hashpay_batch_cleanup(void *data)
{
    ngx_http_hashpay_batch_t  *b = data;

    if (b->timer.timer_set) {
        ngx_del_timer(&b->timer);
    }

    if (b->queued) {
        ngx_queue_remove(&b->queue);
        b->queued = 0;
    }

    if (b->token != NULL) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, b->request->connection->log, 0,
                       "hashpay redis: batch %p: request gone, detached", b);
    }

    b->finished = 1;

    ngx_http_hashpay_batch_detach(b);
}
