
/*
 * Copyright (C) hashpay authors
 *
 * The worker's Redis connection: our own link (TLS optional) on nginx's event
 * loop, one persistent connection per worker, requests pipelined on it,
 * every wait under an nginx timer, Lua scripts by EVALSHA.  Nothing but
 * the handshake is sent before it has succeeded; a late reply fails only
 * its own request; see ngx_http_hashpay_redis.c for the state machine.
 */


#ifndef _NGX_HTTP_HASHPAY_REDIS_H_INCLUDED_
#define _NGX_HTTP_HASHPAY_REDIS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <hiredis/hiredis.h>

#include "ngx_http_hashpay.h"

/*
 * generated from src/lua/ by util/lua2c.sh: the scripts (an enum, and
 * ngx_http_hashpay_scripts[] in its order, ended by a null name) and the
 * index of every argument of each (NGX_HTTP_HASHPAY_TWEET_ARG_AUTHOR_ID)
 */
#include "ngx_http_hashpay_scripts.h"


typedef struct ngx_http_hashpay_batch_s  ngx_http_hashpay_batch_t;
typedef struct ngx_http_hashpay_token_s  ngx_http_hashpay_token_t;

/* one reply; it is freed when the handler returns: copy what is kept */
typedef void (*ngx_http_hashpay_reply_pt)(ngx_http_hashpay_batch_t *b,
    ngx_uint_t index, redisReply *reply);

/*
 * the batch has ended: NGX_OK when every command was answered (error
 * replies included), NGX_ERROR when Redis failed, the connection could
 * not be set up, or the batch timed out (b->error says which); called
 * once, never from inside ngx_http_hashpay_batch_send()
 */
typedef void (*ngx_http_hashpay_done_pt)(ngx_http_hashpay_batch_t *b,
    ngx_int_t rc);


typedef struct {
    ngx_http_hashpay_script_t      *script;    /* NULL: a plain command */
    ngx_uint_t                      argc;
    const char                    **argv;
    size_t                         *argvlen;
    ngx_uint_t                      retried;   /* unsigned:1 */
} ngx_http_hashpay_cmd_t;


/*
 * Commands of one request, sent together (pipelined) and waited for
 * under one timer.  Lives in the request pool; the link only ever sees a
 * heap token that the request's cleanup detaches, so a reply that arrives
 * after the request is gone, or after its timer fired, touches nothing
 * freed.  While the connection is being set up the batch waits in the
 * connection's queue (under the same timer), and is sent once it is
 * ready.
 */
struct ngx_http_hashpay_batch_s {
    ngx_http_request_t             *request;
    void                           *data;
    ngx_http_hashpay_reply_pt       reply;
    ngx_http_hashpay_done_pt        done;

    ngx_array_t                     cmds;      /* of ngx_http_hashpay_cmd_t */
    ngx_http_hashpay_token_t       *token;
    ngx_event_t                     timer;
    ngx_uint_t                      pending;
    const char                     *error;     /* why it failed, for logs */
    ngx_queue_t                     queue;     /* waiting for the handshake */

    /* hashpay_redis_wait applies: the batch's scripts write */
    unsigned                        durable:1;

    unsigned                        sent:1;
    unsigned                        queued:1;
    unsigned                        finished:1;
};


/*
 * The client's state changes, told to whoever registered a hook (the
 * metrics of the upper layer): this worker's connection is ready, or no
 * longer is.  The client itself calls nothing above it.
 */
#define NGX_HTTP_HASHPAY_REDIS_DOWN  0
#define NGX_HTTP_HASHPAY_REDIS_UP    1

typedef void (*ngx_http_hashpay_redis_state_pt)(ngx_uint_t state);

/* before ngx_http_hashpay_redis_init_process(); NULL: none */
void ngx_http_hashpay_redis_on_state(ngx_http_hashpay_redis_state_pt handler);

ngx_int_t ngx_http_hashpay_redis_init_process(ngx_cycle_t *cycle,
    ngx_http_hashpay_redis_conf_t *conf);
void ngx_http_hashpay_redis_exit_process(ngx_cycle_t *cycle);

ngx_http_hashpay_batch_t *ngx_http_hashpay_batch_create(
    ngx_http_request_t *r);

/*
 * queues EVALSHA of a script with its KEYS then ARGV, indexed by the
 * generated NGX_HTTP_HASHPAY_<SCRIPT>_KEY_* and _ARG_* names; nargs must
 * be the script's NGX_HTTP_HASHPAY_<SCRIPT>_NARGS (or more, for a script
 * with a variable tail), else NGX_ERROR; args must outlive the batch
 */
ngx_int_t ngx_http_hashpay_batch_eval(ngx_http_hashpay_batch_t *b,
    ngx_http_hashpay_script_e id, ngx_str_t *args, ngx_uint_t nargs);

/*
 * queues a plain command (args[0] is its name: "EXISTS"), for reads that
 * need no script; args must outlive the batch
 */
ngx_int_t ngx_http_hashpay_batch_command(ngx_http_hashpay_batch_t *b,
    ngx_str_t *args, ngx_uint_t nargs);

/* a number as a script argument, or "" for a negative one (unset) */
ngx_int_t ngx_http_hashpay_int_arg(ngx_pool_t *pool, int64_t v,
    ngx_str_t *dst);

/*
 * a reply that is a word of [a-z_] (at most 64), copied null-ended into
 * the pool: NGX_OK, or NGX_DECLINED for any other reply
 */
ngx_int_t ngx_http_hashpay_reply_word(ngx_pool_t *pool, redisReply *reply,
    ngx_str_t *dst);

/*
 * Sends every queued command, or, while the connection's handshake runs,
 * queues the batch until it has succeeded.  NGX_OK: b->done will be
 * called later.  NGX_DECLINED: Redis is not connected now (waiting to
 * reconnect), nothing was sent (answer 503).  NGX_ERROR: allocation
 * failure.
 */
ngx_int_t ngx_http_hashpay_batch_send(ngx_http_hashpay_batch_t *b);

/*
 * the error reply of a script that hp.guard (src/lua/_lib.lua) refused
 * because the events group is too far behind ("EVENTS_BACKLOG " in it):
 * 1, else 0
 */
ngx_uint_t ngx_http_hashpay_reply_backlog(redisReply *reply);

#endif /* _NGX_HTTP_HASHPAY_REDIS_H_INCLUDED_ */
