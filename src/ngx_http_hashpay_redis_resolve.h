
/*
 * Copyright (C) hashpay authors
 *
 * A host name that Redis told the client (a sentinel's answer with
 * "sentinel announce-hostnames yes", a cluster node's endpoint with
 * "cluster-preferred-endpoint-type hostname") turned into an address on
 * nginx's resolver, asynchronously: the resolver of the "resolver"
 * directive at http level, never a blocking getaddrinfo (hiredis would
 * call one for a name).  An IP address goes straight on, the resolver is
 * not involved.  Each lookup is bounded by connect_timeout=: a name is
 * part of reaching the node, as the TCP connect and the handshake are.
 *
 * One lookup at a time per ngx_http_hashpay_resolve_t; it may be
 * cancelled at any time (the worker exits), after which its handler is
 * never called.
 */


#ifndef _NGX_HTTP_HASHPAY_REDIS_RESOLVE_H_INCLUDED_
#define _NGX_HTTP_HASHPAY_REDIS_RESOLVE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* the longest host name DNS carries (RFC 1035, without the final dot) */
#define NGX_HTTP_HASHPAY_HOST_LEN  253


typedef struct ngx_http_hashpay_resolve_s  ngx_http_hashpay_resolve_t;

/*
 * a lookup that answered NGX_AGAIN has ended: NGX_OK and rv->addr is the
 * address, or NGX_ERROR (logged: not found, timed out, ...)
 */
typedef void (*ngx_http_hashpay_resolved_pt)(ngx_http_hashpay_resolve_t *rv,
    ngx_int_t rc);


struct ngx_http_hashpay_resolve_s {
    ngx_resolver_t                 *resolver;     /* NULL: none at http */
    ngx_resolver_ctx_t             *ctx;          /* a lookup in flight */
    ngx_log_t                      *log;
    ngx_str_t                      *who;          /* for logs */
    ngx_msec_t                      timeout;
    ngx_uint_t                      rotate;       /* next address taken */

    ngx_http_hashpay_resolved_pt    handler;
    void                           *data;

    ngx_str_t                       name;         /* as told, null-ended */
    ngx_str_t                       addr;         /* IP address, null-ended */

    unsigned                        numeric:1;    /* name is an address */
    unsigned                        starting:1;
    unsigned                        done:1;

    ngx_int_t                       rc;           /* when done while starting */

    u_char                          name_data[NGX_HTTP_HASHPAY_HOST_LEN + 1];
    u_char                          addr_data[NGX_SOCKADDR_STRLEN + 1];
};


/*
 * in init_process: the resolver of the http block's "resolver" (none:
 * a name fails with "no resolver defined to resolve ..."), the name of
 * the connection for logs, the timeout of every lookup, and who is
 * called back
 */
void ngx_http_hashpay_resolve_init(ngx_http_hashpay_resolve_t *rv,
    ngx_cycle_t *cycle, ngx_str_t *who, ngx_msec_t timeout,
    ngx_http_hashpay_resolved_pt handler, void *data);

/*
 * what Redis told: an IPv4 or IPv6 address, or a host name (letters,
 * digits, '-', '_', '.', at most 253); copied.  NGX_OK, or NGX_DECLINED
 * for anything else (nothing is kept then).  Must not be called while a
 * lookup is in flight.
 */
ngx_int_t ngx_http_hashpay_resolve_set(ngx_http_hashpay_resolve_t *rv,
    u_char *name, size_t len);

/*
 * the address of the name set last: NGX_OK, rv->addr is known now (an
 * address as told, or the resolver had it cached); NGX_AGAIN, the handler
 * will be called, never from inside this call; NGX_ERROR, logged (no
 * resolver, no memory, or a cached "not found").  Of several addresses
 * each call takes the next one, so that a reconnection after a failure
 * tries another.
 */
ngx_int_t ngx_http_hashpay_resolve_start(ngx_http_hashpay_resolve_t *rv);

/* the lookup in flight, if any, is abandoned: the handler is not called */
void ngx_http_hashpay_resolve_cancel(ngx_http_hashpay_resolve_t *rv);

/* 1 when len bytes at p are the name set last, as told (not the address) */
ngx_uint_t ngx_http_hashpay_resolve_told(ngx_http_hashpay_resolve_t *rv,
    u_char *p, size_t len);


#endif /* _NGX_HTTP_HASHPAY_REDIS_RESOLVE_H_INCLUDED_ */
