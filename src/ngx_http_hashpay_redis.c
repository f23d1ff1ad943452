
/*
 * Copyright (C) hashpay authors
 *
 * The worker's Redis connection.  hiredis's async API is driven by an
 * adapter for nginx's event loop: the hiredis socket is wrapped in an
 * ngx_connection_t whose read and write events call
 * redisAsyncHandleRead() / redisAsyncHandleWrite().  hiredis owns the fd:
 * it closes it after calling our cleanup hook, so the hook releases the
 * ngx_connection_t without closing anything.
 *
 * Events are level-triggered: hiredis reads at most 16 KB per call, and
 * with edge-triggered epoll the rest of a large pipelined answer would
 * wait for the next packet.
 *
 * Lifecycle: DISCONNECTED -> (connect) CONNECTING -> (AUTH, SELECT and
 * SCRIPT LOAD answered) READY.  Commands may be queued while CONNECTING:
 * hiredis sends them, in order, after the handshake's.  Any failure frees
 * the context; hiredis then calls every pending callback with a NULL
 * reply (each waiting request answers 503), and a timer reconnects with
 * backoff.  Never from the cleanup hook itself: the fd number may be
 * reused by a new socket before hiredis has closed the old one.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <openssl/evp.h>

#include "ngx_http_hashpay.h"
#include "ngx_http_hashpay_redis.h"
#include "ngx_http_hashpay_metrics.h"


#define NGX_HTTP_HASHPAY_BACKOFF_MIN  100
#define NGX_HTTP_HASHPAY_BACKOFF_MAX  2000


typedef enum {
    NGX_HTTP_HASHPAY_REDIS_DISCONNECTED = 0,
    NGX_HTTP_HASHPAY_REDIS_CONNECTING,
    NGX_HTTP_HASHPAY_REDIS_READY
} ngx_http_hashpay_redis_state_e;


typedef struct {
    ngx_http_hashpay_redis_conf_t  *conf;
    redisAsyncContext              *ac;
    ngx_connection_t               *conn;
    ngx_log_t                      *log;

    ngx_http_hashpay_redis_state_e  state;
    ngx_uint_t                      handshake;     /* replies awaited */
    ngx_msec_t                      backoff;

    ngx_event_t                     connect_timer;
    ngx_event_t                     reconnect_timer;

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


static void ngx_http_hashpay_redis_connect(ngx_http_hashpay_redis_t *rs);
static void ngx_http_hashpay_redis_schedule(ngx_http_hashpay_redis_t *rs);
static void ngx_http_hashpay_redis_drop(ngx_http_hashpay_redis_t *rs,
    const char *why);
static void ngx_http_hashpay_redis_reconnect_handler(ngx_event_t *ev);
static void ngx_http_hashpay_redis_connect_timeout(ngx_event_t *ev);
static void ngx_http_hashpay_redis_handshake(redisAsyncContext *ac,
    void *reply, void *privdata);
static void ngx_http_hashpay_redis_on_connect(const redisAsyncContext *ac,
    int status);

static void ngx_http_hashpay_redis_read_handler(ngx_event_t *ev);
static void ngx_http_hashpay_redis_write_handler(ngx_event_t *ev);
static void ngx_http_hashpay_redis_add_read(void *privdata);
static void ngx_http_hashpay_redis_del_read(void *privdata);
static void ngx_http_hashpay_redis_add_write(void *privdata);
static void ngx_http_hashpay_redis_del_write(void *privdata);
static void ngx_http_hashpay_redis_interest(ngx_http_hashpay_redis_t *rs,
    ngx_event_t *ev, ngx_int_t event, ngx_uint_t on);
static void ngx_http_hashpay_redis_cleanup(void *privdata);

static ngx_int_t ngx_http_hashpay_redis_usable(ngx_http_hashpay_redis_t *rs);
static ngx_int_t ngx_http_hashpay_redis_send_cmd(ngx_http_hashpay_redis_t *rs,
    ngx_http_hashpay_cmd_t *cmd, ngx_http_hashpay_slot_t *slot);
static void ngx_http_hashpay_redis_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_http_hashpay_batch_wait(ngx_http_hashpay_batch_t *b,
    ngx_http_hashpay_slot_t *slot);
static void ngx_http_hashpay_batch_waited(ngx_http_hashpay_batch_t *b,
    redisReply *reply);
static void ngx_http_hashpay_batch_finish(ngx_http_hashpay_batch_t *b,
    ngx_int_t rc);
static void ngx_http_hashpay_batch_timeout(ngx_event_t *ev);
static void ngx_http_hashpay_batch_cleanup(void *data);
static void ngx_http_hashpay_batch_detach(ngx_http_hashpay_batch_t *b);


/* this worker's connection */
static ngx_http_hashpay_redis_t  ngx_http_hashpay_redis;


ngx_int_t
ngx_http_hashpay_redis_init_process(ngx_cycle_t *cycle,
    ngx_http_hashpay_redis_conf_t *conf)
{
    u_char                      md[EVP_MAX_MD_SIZE];
    unsigned int                mdlen;
    ngx_http_hashpay_script_t  *s;
    ngx_http_hashpay_redis_t   *rs;

    for (s = ngx_http_hashpay_scripts; s->name.len; s++) {

        if (EVP_Digest(s->source.data, s->source.len, md, &mdlen,
                       EVP_sha1(), NULL)
            != 1)
        {
            ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                          "hashpay: SHA1 of script \"%V\" failed", &s->name);
            return NGX_ERROR;
        }

        s->sha1.data = ngx_alloc(2 * mdlen, cycle->log);
        if (s->sha1.data == NULL) {
            return NGX_ERROR;
        }

        s->sha1.len = ngx_hex_dump(s->sha1.data, md, mdlen) - s->sha1.data;
    }

    rs = &ngx_http_hashpay_redis;
    ngx_memzero(rs, sizeof(ngx_http_hashpay_redis_t));

    rs->conf = conf;
    rs->log = cycle->log;
    rs->backoff = NGX_HTTP_HASHPAY_BACKOFF_MIN;

    rs->connect_timer.handler = ngx_http_hashpay_redis_connect_timeout;
    rs->connect_timer.data = rs;
    rs->connect_timer.log = cycle->log;
    rs->connect_timer.cancelable = 1;

    rs->reconnect_timer.handler = ngx_http_hashpay_redis_reconnect_handler;
    rs->reconnect_timer.data = rs;
    rs->reconnect_timer.log = cycle->log;
    rs->reconnect_timer.cancelable = 1;

    ngx_http_hashpay_redis_connect(rs);

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

    if (rs->ac) {
        redisAsyncFree(rs->ac);
    }
}


ngx_http_hashpay_script_t *
ngx_http_hashpay_script(const char *name)
{
    size_t                      len;
    ngx_http_hashpay_script_t  *s;

    len = ngx_strlen(name);

    for (s = ngx_http_hashpay_scripts; s->name.len; s++) {
        if (s->name.len == len && ngx_strncmp(s->name.data, name, len) == 0) {
            return s;
        }
    }

    return NULL;
}


static void
ngx_http_hashpay_redis_connect(ngx_http_hashpay_redis_t *rs)
{
    const char                     *argv[6];
    size_t                          argvlen[6];
    u_char                          db[NGX_INT_T_LEN];
    redisAsyncContext              *ac;
    ngx_connection_t               *c;
    ngx_http_hashpay_script_t      *s;
    ngx_http_hashpay_redis_conf_t  *conf;

    conf = rs->conf;

    if (conf->unix_path.len) {
        ac = redisAsyncConnectUnix((char *) conf->unix_path.data);

    } else {
        ac = redisAsyncConnect((char *) conf->host.data, (int) conf->port);
    }

    if (ac == NULL) {
        ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                      "hashpay: redis \"%V\": cannot allocate a context",
                      &conf->name);
        ngx_http_hashpay_redis_schedule(rs);
        return;
    }

    if (ac->err) {
        if (!rs->failed_logged) {
            ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                          "hashpay: redis \"%V\": connect failed: %s",
                          &conf->name, ac->errstr);
            rs->failed_logged = 1;
        }

        redisAsyncFree(ac);
        ngx_http_hashpay_redis_schedule(rs);
        return;
    }

    c = ngx_get_connection(ac->c.fd, rs->log);
    if (c == NULL) {
        ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                      "hashpay: redis \"%V\": no free connection for it "
                      "(worker_connections)", &conf->name);
        redisAsyncFree(ac);
        ngx_http_hashpay_redis_schedule(rs);
        return;
    }

    c->data = rs;
    c->read->handler = ngx_http_hashpay_redis_read_handler;
    c->write->handler = ngx_http_hashpay_redis_write_handler;
    c->read->log = rs->log;
    c->write->log = rs->log;

    rs->ac = ac;
    rs->conn = c;
    rs->state = NGX_HTTP_HASHPAY_REDIS_CONNECTING;
    rs->handshake = 0;

    /* the adapter: attach before any callback that may add an event */

    ac->ev.data = rs;
    ac->ev.addRead = ngx_http_hashpay_redis_add_read;
    ac->ev.delRead = ngx_http_hashpay_redis_del_read;
    ac->ev.addWrite = ngx_http_hashpay_redis_add_write;
    ac->ev.delWrite = ngx_http_hashpay_redis_del_write;
    ac->ev.cleanup = ngx_http_hashpay_redis_cleanup;

    (void) redisAsyncSetConnectCallback(ac,
                                        ngx_http_hashpay_redis_on_connect);

    if (!conf->unix_path.len) {
        (void) redisEnableKeepAlive(&ac->c);
    }

    ngx_add_timer(&rs->connect_timer, conf->connect_timeout);

    /* the handshake, queued at once: hiredis sends it when connected */

    if (conf->password.len) {
        argv[0] = "AUTH";
        argvlen[0] = 4;
        argv[1] = (const char *) conf->password.data;
        argvlen[1] = conf->password.len;

        if (redisAsyncCommandArgv(ac, ngx_http_hashpay_redis_handshake,
                                  "AUTH", 2, argv, argvlen)
            == REDIS_OK)
        {
            rs->handshake++;
        }
    }

    if (conf->db) {
        argv[0] = "SELECT";
        argvlen[0] = 6;
        argv[1] = (const char *) db;
        argvlen[1] = ngx_sprintf(db, "%ui", conf->db) - db;

        if (redisAsyncCommandArgv(ac, ngx_http_hashpay_redis_handshake,
                                  "SELECT", 2, argv, argvlen)
            == REDIS_OK)
        {
            rs->handshake++;
        }
    }

    for (s = ngx_http_hashpay_scripts; s->name.len; s++) {
        argv[0] = "SCRIPT";
        argvlen[0] = 6;
        argv[1] = "LOAD";
        argvlen[1] = 4;
        argv[2] = (const char *) s->source.data;
        argvlen[2] = s->source.len;

        if (redisAsyncCommandArgv(ac, ngx_http_hashpay_redis_handshake,
                                  "SCRIPT LOAD", 3, argv, argvlen)
            == REDIS_OK)
        {
            rs->handshake++;
        }
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

        if (redisAsyncCommandArgv(ac, ngx_http_hashpay_redis_handshake,
                                  "XGROUP CREATE", 6, argv, argvlen)
            == REDIS_OK)
        {
            rs->handshake++;
        }
    }

    if (rs->handshake == 0) {
        rs->state = NGX_HTTP_HASHPAY_REDIS_READY;
    }
}


static void
ngx_http_hashpay_redis_schedule(ngx_http_hashpay_redis_t *rs)
{
    if (rs->exiting || ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    if (rs->reconnect_timer.timer_set) {
        return;
    }

    ngx_add_timer(&rs->reconnect_timer, rs->backoff);

    rs->backoff *= 2;

    if (rs->backoff > NGX_HTTP_HASHPAY_BACKOFF_MAX) {
        rs->backoff = NGX_HTTP_HASHPAY_BACKOFF_MAX;
    }
}


static void
ngx_http_hashpay_redis_drop(ngx_http_hashpay_redis_t *rs, const char *why)
{
    if (rs->ac == NULL) {
        return;
    }

    ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                  "hashpay: redis \"%V\": %s, closing the connection",
                  &rs->conf->name, why);

    /*
     * outside hiredis's callbacks this frees the context at once and
     * answers every pending command with a NULL reply; inside one, hiredis
     * frees it when the callback returns
     */

    redisAsyncFree(rs->ac);
}


static void
ngx_http_hashpay_redis_reconnect_handler(ngx_event_t *ev)
{
    ngx_http_hashpay_redis_t  *rs;

    rs = ev->data;

    if (rs->exiting || ngx_exiting || rs->ac != NULL) {
        return;
    }

    ngx_http_hashpay_redis_connect(rs);
}


static void
ngx_http_hashpay_redis_connect_timeout(ngx_event_t *ev)
{
    ngx_http_hashpay_redis_t  *rs;

    rs = ev->data;

    if (rs->state != NGX_HTTP_HASHPAY_REDIS_CONNECTING) {
        return;
    }

    ngx_http_hashpay_redis_drop(rs, "connect timed out");
}


static void
ngx_http_hashpay_redis_on_connect(const redisAsyncContext *ac, int status)
{
    ngx_http_hashpay_redis_t  *rs;

    rs = ac->ev.data;

    if (status != REDIS_OK && !rs->failed_logged) {
        ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                      "hashpay: redis \"%V\": connect failed: %s",
                      &rs->conf->name, ac->errstr);
        rs->failed_logged = 1;
    }

    /* on failure hiredis frees the context right after: see cleanup */
}


static void
ngx_http_hashpay_redis_handshake(redisAsyncContext *ac, void *r,
    void *privdata)
{
    redisReply                *reply = r;
    ngx_http_hashpay_redis_t  *rs;

    rs = &ngx_http_hashpay_redis;

    if (reply == NULL || ac != rs->ac) {
        return;
    }

    /* XGROUP CREATE of a group that exists: nothing to do */

    if (reply->type == REDIS_REPLY_ERROR
        && !(reply->len >= 9 && ngx_strncmp(reply->str, "BUSYGROUP", 9)
                                == 0))
    {
        ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                      "hashpay: redis \"%V\": %s failed: %*s",
                      &rs->conf->name, (char *) privdata,
                      (size_t) reply->len, reply->str);
        redisAsyncFree(ac);
        return;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rs->log, 0,
                   "hashpay redis: handshake: %s done", (char *) privdata);

    if (--rs->handshake) {
        return;
    }

    rs->state = NGX_HTTP_HASHPAY_REDIS_READY;
    rs->backoff = NGX_HTTP_HASHPAY_BACKOFF_MIN;
    rs->failed_logged = 0;

    if (rs->connect_timer.timer_set) {
        ngx_del_timer(&rs->connect_timer);
    }

    ngx_http_hashpay_metrics_redis_connected(1);

    ngx_log_error(NGX_LOG_INFO, rs->log, 0,
                  "hashpay: redis \"%V\": connected", &rs->conf->name);
}


/* the adapter */


static void
ngx_http_hashpay_redis_read_handler(ngx_event_t *ev)
{
    ngx_connection_t          *c;
    ngx_http_hashpay_redis_t  *rs;

    c = ev->data;
    rs = c->data;

    if (rs->ac == NULL || rs->conn != c) {
        return;
    }

    /* may free the context and, through cleanup, c */

    redisAsyncHandleRead(rs->ac);
}


static void
ngx_http_hashpay_redis_write_handler(ngx_event_t *ev)
{
    ngx_connection_t          *c;
    ngx_http_hashpay_redis_t  *rs;

    c = ev->data;
    rs = c->data;

    if (rs->ac == NULL || rs->conn != c) {
        return;
    }

    redisAsyncHandleWrite(rs->ac);
}


/*
 * hiredis asks for read or write interest again and again: adding what is
 * active or deleting what is not is a no-op.  Level-triggered, so that
 * hiredis, which reads at most 16 KB at a time, is called again while
 * replies remain in the socket.
 */

static void
ngx_http_hashpay_redis_interest(ngx_http_hashpay_redis_t *rs,
    ngx_event_t *ev, ngx_int_t event, ngx_uint_t on)
{
    if (on && !ev->active) {
        if (ngx_add_event(ev, event, NGX_LEVEL_EVENT) != NGX_OK) {
            ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                          "hashpay: redis: cannot add %s event",
                          event == NGX_READ_EVENT ? "read" : "write");
        }

    } else if (!on && ev->active) {
        (void) ngx_del_event(ev, event, 0);
    }
}


static void
ngx_http_hashpay_redis_add_read(void *privdata)
{
    ngx_http_hashpay_redis_t  *rs = privdata;

    ngx_http_hashpay_redis_interest(rs, rs->conn->read, NGX_READ_EVENT, 1);
}


static void
ngx_http_hashpay_redis_del_read(void *privdata)
{
    ngx_http_hashpay_redis_t  *rs = privdata;

    ngx_http_hashpay_redis_interest(rs, rs->conn->read, NGX_READ_EVENT, 0);
}


static void
ngx_http_hashpay_redis_add_write(void *privdata)
{
    ngx_http_hashpay_redis_t  *rs = privdata;

    ngx_http_hashpay_redis_interest(rs, rs->conn->write, NGX_WRITE_EVENT, 1);
}


static void
ngx_http_hashpay_redis_del_write(void *privdata)
{
    ngx_http_hashpay_redis_t  *rs = privdata;

    ngx_http_hashpay_redis_interest(rs, rs->conn->write, NGX_WRITE_EVENT, 0);
}


static void
ngx_http_hashpay_redis_cleanup(void *privdata)
{
    ngx_http_hashpay_redis_t *rs = privdata;

    ngx_connection_t  *c;

    c = rs->conn;

    if (rs->state == NGX_HTTP_HASHPAY_REDIS_READY) {
        ngx_http_hashpay_metrics_redis_connected(0);

        if (rs->ac->err && !rs->exiting) {
            ngx_log_error(NGX_LOG_ERR, rs->log, 0,
                          "hashpay: redis \"%V\": connection lost: %s",
                          &rs->conf->name, rs->ac->errstr);
        }
    }

    rs->ac = NULL;
    rs->conn = NULL;
    rs->state = NGX_HTTP_HASHPAY_REDIS_DISCONNECTED;

    if (rs->connect_timer.timer_set) {
        ngx_del_timer(&rs->connect_timer);
    }

    if (c) {
        /* hiredis closes the fd after this hook: release, never close */

        if (c->read->active) {
            (void) ngx_del_event(c->read, NGX_READ_EVENT, NGX_CLOSE_EVENT);
        }

        if (c->write->active) {
            (void) ngx_del_event(c->write, NGX_WRITE_EVENT, NGX_CLOSE_EVENT);
        }

        if (c->read->posted) {
            ngx_delete_posted_event(c->read);
        }

        if (c->write->posted) {
            ngx_delete_posted_event(c->write);
        }

        c->read->closed = 1;
        c->write->closed = 1;

        ngx_free_connection(c);

        c->fd = (ngx_socket_t) -1;
    }

    ngx_http_hashpay_redis_schedule(rs);
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


ngx_int_t
ngx_http_hashpay_batch_eval(ngx_http_hashpay_batch_t *b,
    ngx_http_hashpay_script_t *script, ngx_uint_t nkeys, ngx_str_t *args,
    ngx_uint_t nargs)
{
    u_char                  *p;
    ngx_uint_t               i;
    ngx_http_hashpay_cmd_t  *cmd;

    cmd = ngx_array_push(&b->cmds);
    if (cmd == NULL) {
        return NGX_ERROR;
    }

    cmd->script = script;
    cmd->retried = 0;
    cmd->argc = nargs + 3;

    cmd->argv = ngx_palloc(b->request->pool, cmd->argc * sizeof(char *));
    cmd->argvlen = ngx_palloc(b->request->pool, cmd->argc * sizeof(size_t));
    p = ngx_pnalloc(b->request->pool, NGX_INT_T_LEN);

    if (cmd->argv == NULL || cmd->argvlen == NULL || p == NULL) {
        return NGX_ERROR;
    }

    cmd->argv[0] = "EVALSHA";
    cmd->argvlen[0] = 7;
    cmd->argv[1] = (const char *) script->sha1.data;
    cmd->argvlen[1] = script->sha1.len;
    cmd->argv[2] = (const char *) p;
    cmd->argvlen[2] = ngx_sprintf(p, "%ui", nkeys) - p;

    for (i = 0; i < nargs; i++) {
        cmd->argv[3 + i] = (const char *) args[i].data;
        cmd->argvlen[3 + i] = args[i].len;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_hashpay_batch_send(ngx_http_hashpay_batch_t *b)
{
    ngx_uint_t                 i, n;
    ngx_http_hashpay_cmd_t    *cmd;
    ngx_http_hashpay_token_t  *token;
    ngx_http_hashpay_redis_t  *rs;

    rs = &ngx_http_hashpay_redis;

    if (ngx_http_hashpay_redis_usable(rs) != NGX_OK) {
        b->error = "not connected";
        return NGX_DECLINED;
    }

    n = b->cmds.nelts;
    cmd = b->cmds.elts;

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

    for (i = 0; i < n; i++) {
        token->slots[i].token = token;
        token->slots[i].index = i;

        if (ngx_http_hashpay_redis_send_cmd(rs, &cmd[i], &token->slots[i])
            != NGX_OK)
        {
            /* what was queued still runs; nobody waits for it */
            ngx_http_hashpay_batch_detach(b);
            b->error = "not connected";
            return NGX_DECLINED;
        }
    }

    b->pending = n;
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
    if (rs->conf == NULL || rs->ac == NULL
        || rs->state == NGX_HTTP_HASHPAY_REDIS_DISCONNECTED)
    {
        return NGX_DECLINED;
    }

    if (rs->ac->c.flags & (REDIS_DISCONNECTING|REDIS_FREEING)) {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_redis_send_cmd(ngx_http_hashpay_redis_t *rs,
    ngx_http_hashpay_cmd_t *cmd, ngx_http_hashpay_slot_t *slot)
{
    if (redisAsyncCommandArgv(rs->ac, ngx_http_hashpay_redis_reply, slot,
                              (int) cmd->argc, cmd->argv, cmd->argvlen)
        != REDIS_OK)
    {
        return NGX_ERROR;
    }

    slot->token->refs++;

    return NGX_OK;
}


static void
ngx_http_hashpay_redis_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    redisReply                *reply = r;
    ngx_http_hashpay_slot_t   *slot = privdata;

    const char                *argv[3];
    size_t                     argvlen[3];
    ngx_http_hashpay_cmd_t    *cmd;
    ngx_http_hashpay_token_t  *token;
    ngx_http_hashpay_batch_t  *b;
    ngx_http_hashpay_redis_t  *rs;

    token = slot->token;
    token->refs--;

    b = token->batch;

    if (b == NULL) {
        /* the request is gone, or stopped waiting */

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

    if (reply->type == REDIS_REPLY_ERROR
        && reply->len >= 8
        && ngx_strncmp(reply->str, "NOSCRIPT", 8) == 0
        && !cmd->retried)
    {
        /* the script cache was flushed: load it, then run the command again */

        rs = &ngx_http_hashpay_redis;
        cmd->retried = 1;

        ngx_log_error(NGX_LOG_NOTICE, b->request->connection->log, 0,
                      "hashpay: redis lost script \"%V\", loading it again",
                      &cmd->script->name);

        argv[0] = "SCRIPT";
        argvlen[0] = 6;
        argv[1] = "LOAD";
        argvlen[1] = 4;
        argv[2] = (const char *) cmd->script->source.data;
        argvlen[2] = cmd->script->source.len;

        if (redisAsyncCommandArgv(ac, NULL, NULL, 3, argv, argvlen)
            != REDIS_OK
            || ngx_http_hashpay_redis_send_cmd(rs, cmd, slot) != NGX_OK)
        {
            b->error = "connection lost";
            ngx_http_hashpay_batch_finish(b, NGX_ERROR);
        }

        return;
    }

    b->reply(b, slot->index, reply);

    if (--b->pending) {
        return;
    }

    if (b->durable && ngx_http_hashpay_redis.conf->wait_replicas) {
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
        || redisAsyncCommandArgv(rs->ac, ngx_http_hashpay_redis_reply, slot,
                                 3, argv, argvlen)
           != REDIS_OK)
    {
        b->error = "connection lost";
        ngx_http_hashpay_batch_finish(b, NGX_ERROR);
        return;
    }

    slot->token->refs++;
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

    ngx_http_hashpay_batch_detach(b);

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


static void
ngx_http_hashpay_batch_timeout(ngx_event_t *ev)
{
    ngx_http_hashpay_batch_t  *b;

    b = ev->data;

    ngx_log_error(NGX_LOG_ERR, ev->log, 0,
                  "hashpay: redis \"%V\" did not answer within %M ms",
                  &ngx_http_hashpay_redis.conf->name,
                  ngx_http_hashpay_redis.conf->timeout);

    b->error = "timed out";
    ngx_http_hashpay_batch_finish(b, NGX_ERROR);

    /*
     * a connection that leaves a command unanswered that long is not to
     * be trusted with the next one: drop it, which fails every other
     * waiting request at once, and reconnect
     */

    ngx_http_hashpay_redis_drop(&ngx_http_hashpay_redis, "command timed out");
}


static void
ngx_http_hashpay_batch_cleanup(void *data)
{
    ngx_http_hashpay_batch_t  *b = data;

    if (b->timer.timer_set) {
        ngx_del_timer(&b->timer);
    }

    b->finished = 1;

    ngx_http_hashpay_batch_detach(b);
}
