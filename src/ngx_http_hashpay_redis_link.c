
/*
 * Copyright (C) hashpay authors
 *
 * One Redis connection on an nginx connection (see the header).
 *
 *   connect    socket(), non-blocking, connect(); the write event says
 *              when it is done (SO_ERROR)
 *   tls        with a TLS context: ngx_ssl_create_connection(), SNI (a
 *              name, never an address: RFC 6066), ngx_ssl_handshake();
 *              then the server's certificate must verify against tls_ca=
 *              (SSL_get_verify_result) and match the name: a DNS name by
 *              ngx_ssl_check_host(), an IP address by X509_check_ip_asc().
 *              Any failure closes the link: never a clear-text fallback.
 *   connected  on_connect(NGX_OK), the commands queued meanwhile go out
 *
 * Writes are posted: commands appended in one turn of the event loop go
 * out in one write.  Reads drain the socket (c->recv, which is
 * ngx_ssl_recv() under TLS) until it would block; every whole reply goes
 * to the oldest callback, or, in subscribe mode with none pending, to the
 * push callback.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_http_hashpay_redis_link.h"


#define NGX_HTTP_HASHPAY_RLINK_READ  16384


static void ngx_http_hashpay_rlink_read_handler(ngx_event_t *ev);
static void ngx_http_hashpay_rlink_write_handler(ngx_event_t *ev);
static void ngx_http_hashpay_rlink_connected(ngx_http_hashpay_rlink_t *lk);
static void ngx_http_hashpay_rlink_ready(ngx_http_hashpay_rlink_t *lk);
static void ngx_http_hashpay_rlink_fail(ngx_http_hashpay_rlink_t *lk,
    const char *why, ngx_err_t err);
static void ngx_http_hashpay_rlink_destroy(ngx_http_hashpay_rlink_t *lk);
static ngx_int_t ngx_http_hashpay_rlink_append(ngx_http_hashpay_rlink_t *lk,
    int argc, const char **argv, const size_t *argvlen);
static void ngx_http_hashpay_rlink_post_write(ngx_http_hashpay_rlink_t *lk);
#if (NGX_SSL)
static void ngx_http_hashpay_rlink_ssl_start(ngx_http_hashpay_rlink_t *lk);
static void ngx_http_hashpay_rlink_ssl_done(ngx_connection_t *c);
static ngx_uint_t ngx_http_hashpay_rlink_is_ip(ngx_str_t *name);
#endif


ngx_http_hashpay_rlink_t *
ngx_http_hashpay_rlink_connect(ngx_str_t *host, ngx_int_t port,
    ngx_str_t *unix_path, ngx_http_hashpay_rlink_tls_t *tls, ngx_log_t *log,
    ngx_http_hashpay_rlink_connect_pt on_connect,
    ngx_http_hashpay_rlink_closed_pt closed, void *data, const char **err)
{
    int                        rc, on;
    size_t                     len;
    socklen_t                  socklen;
    ngx_err_t                  e;
    ngx_event_t               *rev, *wev;
    ngx_socket_t               s;
    ngx_sockaddr_t             sa;
    ngx_connection_t          *c;
    ngx_http_hashpay_rlink_t  *lk;
    static u_char              errbuf[NGX_MAX_ERROR_STR];

    ngx_memzero(&sa, sizeof(ngx_sockaddr_t));

    if (unix_path != NULL && unix_path->len) {
#if (NGX_HAVE_UNIX_DOMAIN)
        if (unix_path->len >= sizeof(sa.sockaddr_un.sun_path)) {
            *err = "unix socket path too long";
            return NULL;
        }

        sa.sockaddr_un.sun_family = AF_UNIX;
        ngx_memcpy(sa.sockaddr_un.sun_path, unix_path->data, unix_path->len);
        socklen = sizeof(struct sockaddr_un);
#else
        *err = "unix sockets are not supported";
        return NULL;
#endif

    } else if (ngx_inet_addr(host->data, host->len) != INADDR_NONE) {
        sa.sockaddr_in.sin_family = AF_INET;
        sa.sockaddr_in.sin_addr.s_addr = ngx_inet_addr(host->data, host->len);
        sa.sockaddr_in.sin_port = htons((in_port_t) port);
        socklen = sizeof(struct sockaddr_in);

#if (NGX_HAVE_INET6)
    } else if (ngx_inet6_addr(host->data, host->len,
                              sa.sockaddr_in6.sin6_addr.s6_addr)
               == NGX_OK)
    {
        sa.sockaddr_in6.sin6_family = AF_INET6;
        sa.sockaddr_in6.sin6_port = htons((in_port_t) port);
        socklen = sizeof(struct sockaddr_in6);
#endif

    } else {
        *err = "not a numeric address";
        return NULL;
    }

    lk = ngx_calloc(sizeof(ngx_http_hashpay_rlink_t), log);
    if (lk == NULL) {
        *err = "no memory";
        return NULL;
    }

    lk->log = log;
    lk->data = data;
    lk->on_connect = on_connect;
    lk->closed = closed;

    if (unix_path != NULL && unix_path->len) {
        len = ngx_snprintf(lk->addr, sizeof(lk->addr) - 1, "unix:%V",
                           unix_path) - lk->addr;

    } else if (sa.sockaddr.sa_family == AF_INET) {
        len = ngx_snprintf(lk->addr, sizeof(lk->addr) - 1, "%V:%i",
                           host, port) - lk->addr;

    } else {
        len = ngx_snprintf(lk->addr, sizeof(lk->addr) - 1, "[%V]:%i",
                           host, port) - lk->addr;
    }

    lk->addr_text.data = lk->addr;
    lk->addr_text.len = len;

    if (tls != NULL && tls->ssl != NULL) {
        lk->tls.ssl = tls->ssl;
        lk->tls.name.data = ngx_alloc(tls->name.len + 1, log);
        if (lk->tls.name.data == NULL) {
            ngx_free(lk);
            *err = "no memory";
            return NULL;
        }

        ngx_memcpy(lk->tls.name.data, tls->name.data, tls->name.len);
        lk->tls.name.data[tls->name.len] = '\0';
        lk->tls.name.len = tls->name.len;
    }

    lk->reader = redisReaderCreate();
    if (lk->reader == NULL) {
        *err = "no memory";
        goto failed_lk;
    }

    s = ngx_socket(sa.sockaddr.sa_family, SOCK_STREAM, 0);

    if (s == (ngx_socket_t) -1) {
        e = ngx_socket_errno;
        *err = (const char *) errbuf;
        *ngx_strerror(e, errbuf, sizeof(errbuf) - 1) = '\0';
        goto failed_lk;
    }

    c = ngx_get_connection(s, log);

    if (c == NULL) {
        (void) ngx_close_socket(s);
        *err = "no free connection (worker_connections)";
        goto failed_lk;
    }

    c->type = SOCK_STREAM;

    /* ngx_ssl_create_connection() allocates from it */

    c->pool = ngx_create_pool(1024, log);
    if (c->pool == NULL) {
        *err = "no memory";
        goto failed_c;
    }

    if (ngx_nonblocking(s) == -1) {
        e = ngx_socket_errno;
        *err = (const char *) errbuf;
        *ngx_strerror(e, errbuf, sizeof(errbuf) - 1) = '\0';
        goto failed_c;
    }

    if (sa.sockaddr.sa_family != AF_UNIX) {
        on = 1;
        (void) setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (const void *) &on,
                          sizeof(int));
        on = 1;
        (void) setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const void *) &on,
                          sizeof(int));
    }

    c->recv = ngx_recv;
    c->send = ngx_send;
    c->recv_chain = ngx_recv_chain;
    c->send_chain = ngx_send_chain;
    c->sendfile = 0;
    c->log = log;
    c->data = lk;
    c->number = ngx_atomic_fetch_add(ngx_connection_counter, 1);

    rev = c->read;
    wev = c->write;

    rev->log = log;
    wev->log = log;
    rev->handler = ngx_http_hashpay_rlink_read_handler;
    wev->handler = ngx_http_hashpay_rlink_write_handler;

    lk->conn = c;

    if (ngx_add_conn) {
        if (ngx_add_conn(c) == NGX_ERROR) {
            *err = "cannot add the connection to the event loop";
            goto failed_c;
        }
    }

    rc = connect(s, &sa.sockaddr, socklen);

    if (rc == -1) {
        e = ngx_socket_errno;

        if (e != NGX_EINPROGRESS
#if (NGX_WIN32)
            && e != NGX_EAGAIN
#endif
           )
        {
            *err = (const char *) errbuf;
            *ngx_strerror(e, errbuf, sizeof(errbuf) - 1) = '\0';
            goto failed_c;
        }
    }

    if (!ngx_add_conn) {
        if (ngx_add_event(rev, NGX_READ_EVENT,
                          (ngx_event_flags & NGX_USE_CLEAR_EVENT)
                          ? NGX_CLEAR_EVENT : NGX_LEVEL_EVENT)
            != NGX_OK)
        {
            *err = "cannot add a read event";
            goto failed_c;
        }

        if (ngx_add_event(wev, NGX_WRITE_EVENT,
                          (ngx_event_flags & NGX_USE_CLEAR_EVENT)
                          ? NGX_CLEAR_EVENT : NGX_LEVEL_EVENT)
            != NGX_OK)
        {
            *err = "cannot add a write event";
            goto failed_c;
        }
    }

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, log, 0,
                   "hashpay rlink %p: connecting to %V%s", lk,
                   &lk->addr_text, lk->tls.ssl ? " (tls)" : "");

    if (rc == 0) {
        /* connected at once (a unix socket): go on from the event loop */
        wev->ready = 1;
        ngx_post_event(wev, &ngx_posted_events);
    }

    return lk;

failed_c:

    if (c->pool) {
        ngx_destroy_pool(c->pool);
    }

    ngx_close_connection(c);

failed_lk:

    if (lk->reader) {
        redisReaderFree(lk->reader);
    }

    if (lk->tls.name.data) {
        ngx_free(lk->tls.name.data);
    }

    ngx_free(lk);

    return NULL;
}


ngx_int_t
ngx_http_hashpay_rlink_command(ngx_http_hashpay_rlink_t *lk,
    ngx_http_hashpay_rlink_reply_pt fn, void *privdata, int argc,
    const char **argv, const size_t *argvlen)
{
    ngx_http_hashpay_rlink_cb_t  *cb;

    if (lk == NULL || lk->freeing) {
        return NGX_ERROR;
    }

    cb = lk->spare;

    if (cb != NULL) {
        lk->spare = cb->next;

    } else {
        cb = ngx_alloc(sizeof(ngx_http_hashpay_rlink_cb_t), lk->log);
        if (cb == NULL) {
            return NGX_ERROR;
        }
    }

    if (ngx_http_hashpay_rlink_append(lk, argc, argv, argvlen) != NGX_OK) {
        cb->next = lk->spare;
        lk->spare = cb;
        return NGX_ERROR;
    }

    cb->fn = fn;
    cb->privdata = privdata;
    cb->next = NULL;

    if (lk->tail) {
        lk->tail->next = cb;

    } else {
        lk->head = cb;
    }

    lk->tail = cb;

    ngx_http_hashpay_rlink_post_write(lk);

    return NGX_OK;
}


ngx_int_t
ngx_http_hashpay_rlink_subscribe(ngx_http_hashpay_rlink_t *lk,
    ngx_http_hashpay_rlink_reply_pt fn, void *privdata, int argc,
    const char **argv, const size_t *argvlen)
{
    if (lk == NULL || lk->freeing) {
        return NGX_ERROR;
    }

    if (ngx_http_hashpay_rlink_append(lk, argc, argv, argvlen) != NGX_OK) {
        return NGX_ERROR;
    }

    lk->push = fn;
    lk->push_data = privdata;

    ngx_http_hashpay_rlink_post_write(lk);

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_rlink_append(ngx_http_hashpay_rlink_t *lk, int argc,
    const char **argv, const size_t *argvlen)
{
    int      len;
    char    *cmd;
    size_t   size;
    u_char  *p;

    len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
    if (len < 0) {
        return NGX_ERROR;
    }

    if (lk->out_len + len > lk->out_size) {

        /* the part already sent goes first */

        if (lk->out_pos) {
            ngx_memmove(lk->out, lk->out + lk->out_pos,
                        lk->out_len - lk->out_pos);
            lk->out_len -= lk->out_pos;
            lk->out_pos = 0;
        }

        if (lk->out_len + len > lk->out_size) {
            size = ngx_max(lk->out_size * 2, lk->out_len + len);
            size = ngx_max(size, 4096);

            p = ngx_alloc(size, lk->log);
            if (p == NULL) {
                redisFreeCommand(cmd);
                return NGX_ERROR;
            }

            if (lk->out) {
                ngx_memcpy(p, lk->out, lk->out_len);
                ngx_free(lk->out);
            }

            lk->out = p;
            lk->out_size = size;
        }
    }

    ngx_memcpy(lk->out + lk->out_len, cmd, len);
    lk->out_len += len;

    redisFreeCommand(cmd);

    return NGX_OK;
}


/* every command of this turn of the event loop in one write */

static void
ngx_http_hashpay_rlink_post_write(ngx_http_hashpay_rlink_t *lk)
{
    if (lk->connected && !lk->conn->write->posted) {
        ngx_post_event(lk->conn->write, &ngx_posted_events);
    }
}


void
ngx_http_hashpay_rlink_free(ngx_http_hashpay_rlink_t *lk)
{
    ngx_http_hashpay_rlink_cb_t  *cb;

    if (lk == NULL || lk->freeing) {
        return;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_EVENT, lk->log, 0,
                   "hashpay rlink %p: closing %V", lk, &lk->addr_text);

    lk->freeing = 1;
    lk->depth++;

    /* every callback still pending: a NULL reply, once */

    while (lk->head) {
        cb = lk->head;
        lk->head = cb->next;

        if (lk->head == NULL) {
            lk->tail = NULL;
        }

        cb->fn(lk, NULL, cb->privdata);
        ngx_free(cb);
    }

    if (lk->closed) {
        lk->closed(lk);
    }

    lk->depth--;

    /* inside a callback of its own: freed when that one returns */

    if (lk->depth == 0) {
        ngx_http_hashpay_rlink_destroy(lk);
    }
}


static void
ngx_http_hashpay_rlink_destroy(ngx_http_hashpay_rlink_t *lk)
{
    ngx_pool_t                   *pool;
    ngx_connection_t             *c;
    ngx_http_hashpay_rlink_cb_t  *cb;

    c = lk->conn;

    if (c != NULL) {
        lk->conn = NULL;
        pool = c->pool;

#if (NGX_SSL)
        if (c->ssl) {
            /* a quiet shutdown: nothing to wait for, the socket goes now */
            c->ssl->no_wait_shutdown = 1;
            c->ssl->no_send_shutdown = 1;
            (void) ngx_ssl_shutdown(c);
        }
#endif

        ngx_close_connection(c);

        if (pool) {
            ngx_destroy_pool(pool);
        }
    }

    while (lk->spare) {
        cb = lk->spare;
        lk->spare = cb->next;
        ngx_free(cb);
    }

    if (lk->reader) {
        redisReaderFree(lk->reader);
    }

    if (lk->out) {
        ngx_free(lk->out);
    }

    if (lk->tls.name.data) {
        ngx_free(lk->tls.name.data);
    }

    ngx_free(lk);
}


/* what failed, and the system's word for it: then the link goes */

static void
ngx_http_hashpay_rlink_fail(ngx_http_hashpay_rlink_t *lk, const char *why,
    ngx_err_t err)
{
    u_char  *p, *last;

    if (lk->freeing) {
        return;
    }

    last = lk->errbuf + sizeof(lk->errbuf) - 1;

    if (why == (const char *) lk->errbuf) {
        /* written there already (the TLS checks) */
        p = lk->errbuf + ngx_strlen(lk->errbuf);

    } else {
        p = ngx_snprintf(lk->errbuf, last - lk->errbuf, "%s", why);
    }

    if (err) {
        p = ngx_snprintf(p, last - p, ": ");
        p = ngx_strerror(err, p, last - p);
    }

    *p = '\0';

    lk->error = (const char *) lk->errbuf;

    ngx_log_debug2(NGX_LOG_DEBUG_EVENT, lk->log, 0,
                   "hashpay rlink %p: %s", lk, lk->error);

    if (!lk->connected && lk->on_connect) {
        lk->depth++;
        lk->on_connect(lk, NGX_ERROR);
        lk->depth--;

        if (lk->freeing) {
            if (lk->depth == 0) {
                ngx_http_hashpay_rlink_destroy(lk);
            }

            return;
        }
    }

    ngx_http_hashpay_rlink_free(lk);
}


static void
ngx_http_hashpay_rlink_write_handler(ngx_event_t *ev)
{
    ssize_t                    n;
    ngx_connection_t          *c;
    ngx_http_hashpay_rlink_t  *lk;

    c = ev->data;
    lk = c->data;

    if (lk->freeing) {
        return;
    }

    if (!lk->connected) {
#if (NGX_SSL)
        if (c->ssl) {
            /* the handshake's own handlers are in place meanwhile */
            return;
        }
#endif

        ngx_http_hashpay_rlink_connected(lk);
        return;
    }

    while (lk->out_pos < lk->out_len) {

        n = c->send(c, lk->out + lk->out_pos, lk->out_len - lk->out_pos);

        if (n == NGX_AGAIN) {
            if (ngx_handle_write_event(c->write, 0) != NGX_OK) {
                ngx_http_hashpay_rlink_fail(lk, "cannot wait to write", 0);
            }

            return;
        }

        if (n == NGX_ERROR || n == 0) {
#if (NGX_SSL)
            if (c->ssl) {
                /* ngx_ssl_write() has logged OpenSSL's words */
                ngx_http_hashpay_rlink_fail(lk, "TLS write failed (the "
                                            "server refused the connection "
                                            "or closed it)", 0);
                return;
            }
#endif

            ngx_http_hashpay_rlink_fail(lk, "write failed", ngx_socket_errno);
            return;
        }

        lk->out_pos += n;
    }

    lk->out_pos = 0;
    lk->out_len = 0;
}


/* the socket's connect() is done: how it went (as upstream's test) */

static void
ngx_http_hashpay_rlink_connected(ngx_http_hashpay_rlink_t *lk)
{
    int                err;
    socklen_t          len;
    ngx_connection_t  *c;

    c = lk->conn;

    err = 0;
    len = sizeof(int);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len) == -1) {
        err = ngx_socket_errno;
    }

    if (err) {
        ngx_http_hashpay_rlink_fail(lk, "connect failed", err);
        return;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_EVENT, lk->log, 0,
                   "hashpay rlink %p: socket connected", lk);

#if (NGX_SSL)
    if (lk->tls.ssl) {
        ngx_http_hashpay_rlink_ssl_start(lk);
        return;
    }
#endif

    ngx_http_hashpay_rlink_ready(lk);
}


/* the transport is up: the owner knows, the queued commands go out */

static void
ngx_http_hashpay_rlink_ready(ngx_http_hashpay_rlink_t *lk)
{
    ngx_connection_t  *c;

    c = lk->conn;

    lk->connected = 1;

    c->read->handler = ngx_http_hashpay_rlink_read_handler;
    c->write->handler = ngx_http_hashpay_rlink_write_handler;

    if (lk->on_connect) {
        lk->depth++;
        lk->on_connect(lk, NGX_OK);
        lk->depth--;

        if (lk->freeing) {
            if (lk->depth == 0) {
                ngx_http_hashpay_rlink_destroy(lk);
            }

            return;
        }
    }

    if (lk->out_len) {
        ngx_http_hashpay_rlink_post_write(lk);
    }

    /* a reply may already wait (TLS reads ahead): look */

    if (c->read->ready) {
        ngx_post_event(c->read, &ngx_posted_events);
    }
}


static void
ngx_http_hashpay_rlink_read_handler(ngx_event_t *ev)
{
    ssize_t                       n;
    void                         *r;
    ngx_connection_t             *c;
    ngx_http_hashpay_rlink_cb_t  *cb;
    ngx_http_hashpay_rlink_t     *lk;
    u_char                        buf[NGX_HTTP_HASHPAY_RLINK_READ];

    c = ev->data;
    lk = c->data;

    if (lk->freeing) {
        return;
    }

    if (!lk->connected) {
        /* before the connect is done only an error can be read */
        return;
    }

    for ( ;; ) {

        n = c->recv(c, buf, sizeof(buf));

        if (n == NGX_AGAIN) {
            break;
        }

        if (n == 0) {
            ngx_http_hashpay_rlink_fail(lk, "connection closed by the server",
                                        0);
            return;
        }

        if (n == NGX_ERROR) {
#if (NGX_SSL)
            if (c->ssl) {
                /* ngx_ssl_recv() has logged OpenSSL's words (info level) */
                ngx_http_hashpay_rlink_fail(lk, "TLS read failed (the server "
                                            "refused the connection or "
                                            "closed it)", 0);
                return;
            }
#endif

            ngx_http_hashpay_rlink_fail(lk, "read failed", ngx_socket_errno);
            return;
        }

        if (redisReaderFeed(lk->reader, (const char *) buf, n) != REDIS_OK) {
            ngx_http_hashpay_rlink_fail(lk, "protocol error", 0);
            return;
        }

        lk->depth++;

        for ( ;; ) {
            r = NULL;

            if (redisReaderGetReply(lk->reader, &r) != REDIS_OK) {
                lk->depth--;
                ngx_http_hashpay_rlink_fail(lk, "protocol error", 0);
                return;
            }

            if (r == NULL) {
                break;
            }

            cb = lk->head;

            if (cb != NULL) {
                lk->head = cb->next;

                if (lk->head == NULL) {
                    lk->tail = NULL;
                }

                cb->fn(lk, r, cb->privdata);

                cb->next = lk->spare;
                lk->spare = cb;

            } else if (lk->push) {
                lk->push(lk, r, lk->push_data);

            } else {
                ngx_log_error(NGX_LOG_ERR, lk->log, 0,
                              "hashpay: redis %V sent a reply to no "
                              "command", &lk->addr_text);
            }

            freeReplyObject(r);

            if (lk->freeing) {
                break;
            }
        }

        lk->depth--;

        if (lk->freeing) {
            if (lk->depth == 0) {
                ngx_http_hashpay_rlink_destroy(lk);
            }

            return;
        }
    }

    if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
        ngx_http_hashpay_rlink_fail(lk, "cannot wait to read", 0);
    }
}


#if (NGX_SSL)

static void
ngx_http_hashpay_rlink_ssl_start(ngx_http_hashpay_rlink_t *lk)
{
    ngx_int_t          rc;
    ngx_connection_t  *c;

    c = lk->conn;

    if (ngx_ssl_create_connection(lk->tls.ssl, c, NGX_SSL_CLIENT) != NGX_OK) {
        ngx_http_hashpay_rlink_fail(lk, "cannot create a TLS connection", 0);
        return;
    }

    /* SNI: a name, never an address (RFC 6066) */

    if (lk->tls.name.len && !ngx_http_hashpay_rlink_is_ip(&lk->tls.name)) {
        if (SSL_set_tlsext_host_name(c->ssl->connection,
                                     (char *) lk->tls.name.data)
            == 0)
        {
            ngx_ssl_error(NGX_LOG_ERR, lk->log, 0,
                          "SSL_set_tlsext_host_name(\"%V\") failed",
                          &lk->tls.name);
            ngx_http_hashpay_rlink_fail(lk, "cannot set SNI", 0);
            return;
        }
    }

    ngx_log_debug2(NGX_LOG_DEBUG_EVENT, lk->log, 0,
                   "hashpay rlink %p: TLS handshake, name \"%V\"", lk,
                   &lk->tls.name);

    rc = ngx_ssl_handshake(c);

    if (rc == NGX_AGAIN) {
        c->ssl->handler = ngx_http_hashpay_rlink_ssl_done;
        return;
    }

    ngx_http_hashpay_rlink_ssl_done(c);
}


static void
ngx_http_hashpay_rlink_ssl_done(ngx_connection_t *c)
{
    long                       rc;
    X509                      *cert;
    ngx_http_hashpay_rlink_t  *lk;

    lk = c->data;

    if (lk->freeing) {
        return;
    }

    if (!c->ssl->handshaked) {
        ngx_http_hashpay_rlink_fail(lk, "TLS handshake failed", 0);
        return;
    }

    rc = SSL_get_verify_result(c->ssl->connection);

    if (rc != X509_V_OK) {
        (void) ngx_snprintf(lk->errbuf, sizeof(lk->errbuf) - 1,
                            "TLS certificate verify error: (%l:%s)%Z",
                            rc, X509_verify_cert_error_string(rc));
        lk->errbuf[sizeof(lk->errbuf) - 1] = '\0';
        ngx_http_hashpay_rlink_fail(lk, (const char *) lk->errbuf, 0);
        return;
    }

    if (ngx_http_hashpay_rlink_is_ip(&lk->tls.name)) {
        cert = SSL_get_peer_certificate(c->ssl->connection);

        rc = (cert != NULL
              && X509_check_ip_asc(cert, (char *) lk->tls.name.data, 0) == 1);

        if (cert) {
            X509_free(cert);
        }

    } else {
        rc = (ngx_ssl_check_host(c, &lk->tls.name) == NGX_OK);
    }

    if (!rc) {
        (void) ngx_snprintf(lk->errbuf, sizeof(lk->errbuf) - 1,
                            "TLS certificate does not match \"%V\"%Z",
                            &lk->tls.name);
        lk->errbuf[sizeof(lk->errbuf) - 1] = '\0';
        ngx_http_hashpay_rlink_fail(lk, (const char *) lk->errbuf, 0);
        return;
    }

    c->recv = ngx_ssl_recv;
    c->send = ngx_ssl_write;
    c->recv_chain = ngx_ssl_recv_chain;
    c->send_chain = ngx_ssl_send_chain;

    ngx_log_debug3(NGX_LOG_DEBUG_EVENT, lk->log, 0,
                   "hashpay rlink %p: TLS %s verified \"%V\"", lk,
                   SSL_get_version(c->ssl->connection), &lk->tls.name);

    ngx_http_hashpay_rlink_ready(lk);
}


static ngx_uint_t
ngx_http_hashpay_rlink_is_ip(ngx_str_t *name)
{
#if (NGX_HAVE_INET6)
    u_char  a6[16];
#endif

    if (ngx_inet_addr(name->data, name->len) != INADDR_NONE) {
        return 1;
    }

#if (NGX_HAVE_INET6)
    if (ngx_inet6_addr(name->data, name->len, a6) == NGX_OK) {
        return 1;
    }
#endif

    return 0;
}


ngx_int_t
ngx_http_hashpay_rlink_ssl_init(ngx_conf_t *cf, ngx_ssl_t *ssl,
    ngx_str_t *ca, ngx_str_t *cert, ngx_str_t *key)
{
    ngx_pool_cleanup_t  *cln;

    ssl->log = cf->log;

    if (ngx_ssl_create(ssl, NGX_SSL_TLSv1_2|NGX_SSL_TLSv1_3, NULL)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        ngx_ssl_cleanup_ctx(ssl);
        return NGX_ERROR;
    }

    cln->handler = ngx_ssl_cleanup_ctx;
    cln->data = ssl;

    if (ngx_ssl_trusted_certificate(cf, ssl, ca, 4) != NGX_OK) {
        return NGX_ERROR;
    }

    if (cert->len
        && ngx_ssl_certificate(cf, ssl, cert, key, NULL) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}

#endif
