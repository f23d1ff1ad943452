
/*
 * Copyright (C) hashpay authors
 *
 * One connection to Redis (or to a sentinel) on an nginx connection: our
 * own transport under the client, so that it can speak TLS with nginx's
 * ngx_ssl_* (hiredis 0.14 has none).  hiredis is used for the protocol
 * only: redisFormatCommandArgv() encodes a command, a redisReader decodes
 * the replies, which go to the commands' callbacks in the order the
 * commands were sent.
 *
 * Lifetime: ngx_http_hashpay_rlink_free() may be called anywhere, from
 * inside the link's own callbacks too (the link is then freed when the
 * callback returns).  From the moment it is called lk->freeing is set and
 * no command is accepted; every callback still pending is called once
 * with a NULL reply, then "closed", then the socket is gone.  A link that
 * fails (connect, TLS, read, write, protocol) frees itself the same way,
 * with lk->error saying why.
 */


#ifndef _NGX_HTTP_HASHPAY_REDIS_LINK_H_INCLUDED_
#define _NGX_HTTP_HASHPAY_REDIS_LINK_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <hiredis/hiredis.h>


typedef struct ngx_http_hashpay_rlink_s  ngx_http_hashpay_rlink_t;
typedef struct ngx_http_hashpay_rlink_cb_s  ngx_http_hashpay_rlink_cb_t;

/* a reply, NULL when the link died first; freed when this returns */
typedef void (*ngx_http_hashpay_rlink_reply_pt)(ngx_http_hashpay_rlink_t *lk,
    redisReply *reply, void *privdata);

/* the link is usable (NGX_OK: connected, TLS verified) or failed */
typedef void (*ngx_http_hashpay_rlink_connect_pt)(
    ngx_http_hashpay_rlink_t *lk, ngx_int_t rc);

/* the link is going: every pending callback has had its NULL reply */
typedef void (*ngx_http_hashpay_rlink_closed_pt)(
    ngx_http_hashpay_rlink_t *lk);


/* TLS of a link: the context of the configuration and the name checked */
typedef struct {
#if (NGX_SSL)
    ngx_ssl_t                         *ssl;        /* NULL: clear text */
#else
    void                              *ssl;
#endif
    ngx_str_t                          name;       /* null-ended */
} ngx_http_hashpay_rlink_tls_t;


struct ngx_http_hashpay_rlink_cb_s {
    ngx_http_hashpay_rlink_reply_pt    fn;
    void                              *privdata;
    ngx_http_hashpay_rlink_cb_t       *next;
};


struct ngx_http_hashpay_rlink_s {
    ngx_connection_t                  *conn;
    ngx_log_t                         *log;
    void                              *data;       /* the owner's */

    redisReader                       *reader;

    ngx_http_hashpay_rlink_connect_pt  on_connect;
    ngx_http_hashpay_rlink_closed_pt   closed;

    /* callbacks of the commands sent, oldest first */
    ngx_http_hashpay_rlink_cb_t       *head;
    ngx_http_hashpay_rlink_cb_t       *tail;
    ngx_http_hashpay_rlink_cb_t       *spare;

    /* subscribe mode: what is not the reply of a command goes here */
    ngx_http_hashpay_rlink_reply_pt    push;
    void                              *push_data;

    u_char                            *out;
    size_t                             out_pos;
    size_t                             out_len;
    size_t                             out_size;

    ngx_http_hashpay_rlink_tls_t       tls;

    ngx_uint_t                         depth;      /* callbacks running */
    const char                        *error;      /* why it died */
    u_char                             errbuf[160];
    u_char                             addr[NGX_SOCKADDR_STRLEN + 8];
    ngx_str_t                          addr_text;  /* for logs */

    unsigned                           connected:1;
    unsigned                           freeing:1;
};


/*
 * Opens a non-blocking connection to host:port (a numeric address,
 * null-ended) or to a unix socket (unix_path non-empty, null-ended), with
 * TLS when tls && tls->ssl.  Commands may be sent at once; they go out
 * once the connection (and the TLS handshake and verification) is done.
 * NULL when it failed at once, *err saying why.
 */
ngx_http_hashpay_rlink_t *ngx_http_hashpay_rlink_connect(ngx_str_t *host,
    ngx_int_t port, ngx_str_t *unix_path, ngx_http_hashpay_rlink_tls_t *tls,
    ngx_log_t *log, ngx_http_hashpay_rlink_connect_pt on_connect,
    ngx_http_hashpay_rlink_closed_pt closed, void *data, const char **err);

/* NGX_OK, or NGX_ERROR when the link is going (fn is then never called) */
ngx_int_t ngx_http_hashpay_rlink_command(ngx_http_hashpay_rlink_t *lk,
    ngx_http_hashpay_rlink_reply_pt fn, void *privdata, int argc,
    const char **argv, const size_t *argvlen);

/*
 * SUBSCRIBE (argv): the commands sent before it get their replies as
 * usual; what comes once none is pending (the confirmation, then every
 * message) goes to fn, which is never called with NULL
 */
ngx_int_t ngx_http_hashpay_rlink_subscribe(ngx_http_hashpay_rlink_t *lk,
    ngx_http_hashpay_rlink_reply_pt fn, void *privdata, int argc,
    const char **argv, const size_t *argvlen);

void ngx_http_hashpay_rlink_free(ngx_http_hashpay_rlink_t *lk);

#if (NGX_SSL)
/* the TLS context of the configuration: protocols, CA, client cert */
ngx_int_t ngx_http_hashpay_rlink_ssl_init(ngx_conf_t *cf, ngx_ssl_t *ssl,
    ngx_str_t *ca, ngx_str_t *cert, ngx_str_t *key);
#endif


#endif /* _NGX_HTTP_HASHPAY_REDIS_LINK_H_INCLUDED_ */
