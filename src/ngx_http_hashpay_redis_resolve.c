
/*
 * Copyright (C) hashpay authors
 *
 * Host names told by Redis, on nginx's resolver (see the header).  The
 * resolver is the one of the http block: the "resolver" directive there
 * (nginx gives every http block one; without the directive it has no
 * name server, and ngx_resolve_start() says NGX_NO_RESOLVER).  A
 * "resolver" in a server or location block is not seen: the Redis
 * connection belongs to the worker, not to a server.
 *
 * The lookup's context is the resolver's; ngx_resolve_name_done() is
 * called once, when the answer comes (from the handler) or when the
 * lookup is abandoned (ngx_http_hashpay_resolve_cancel()), and rv->ctx
 * is NULL from then on, so that neither can touch a freed context.  The
 * resolver's timer of the lookup is cancelable: a worker that is
 * shutting down does not wait for it.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_hashpay_redis_resolve.h"


static void ngx_http_hashpay_resolve_handler(ngx_resolver_ctx_t *ctx);
static ngx_uint_t ngx_http_hashpay_resolve_numeric(u_char *p, size_t len);


void
ngx_http_hashpay_resolve_init(ngx_http_hashpay_resolve_t *rv,
    ngx_cycle_t *cycle, ngx_str_t *who, ngx_msec_t timeout,
    ngx_http_hashpay_resolved_pt handler, void *data)
{
    ngx_http_conf_ctx_t       *hctx;
    ngx_http_core_loc_conf_t  *clcf;

    ngx_memzero(rv, sizeof(ngx_http_hashpay_resolve_t));

    rv->log = cycle->log;
    rv->who = who;
    rv->timeout = timeout;
    rv->handler = handler;
    rv->data = data;
    rv->rotate = (ngx_uint_t) ngx_random();

    /* the http block's own location configuration, as nginx merged it */

    hctx = (ngx_http_conf_ctx_t *) cycle->conf_ctx[ngx_http_module.index];

    if (hctx != NULL) {
        clcf = hctx->loc_conf[ngx_http_core_module.ctx_index];
        rv->resolver = clcf->resolver;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, rv->log, 0,
                   "hashpay resolve: resolver %p, timeout %M ms",
                   rv->resolver, rv->timeout);
}


ngx_int_t
ngx_http_hashpay_resolve_set(ngx_http_hashpay_resolve_t *rv, u_char *name,
    size_t len)
{
    u_char      c;
    size_t      i;
    ngx_uint_t  numeric;

    numeric = ngx_http_hashpay_resolve_numeric(name, len);

    if (!numeric) {
        if (len == 0 || len > NGX_HTTP_HASHPAY_HOST_LEN || name[0] == '.') {
            return NGX_DECLINED;
        }

        for (i = 0; i < len; i++) {
            c = name[i];

            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '-' || c == '_' || c == '.')
            {
                continue;
            }

            return NGX_DECLINED;
        }
    }

    ngx_memcpy(rv->name_data, name, len);
    rv->name_data[len] = '\0';

    rv->name.data = rv->name_data;
    rv->name.len = len;
    rv->numeric = numeric;

    ngx_str_null(&rv->addr);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, rv->log, 0,
                   "hashpay resolve: told \"%V\" (%s)", &rv->name,
                   numeric ? "an address" : "a host name");

    return NGX_OK;
}


ngx_int_t
ngx_http_hashpay_resolve_start(ngx_http_hashpay_resolve_t *rv)
{
    ngx_resolver_ctx_t  *ctx;

    ngx_http_hashpay_resolve_cancel(rv);

    if (rv->numeric) {
        ngx_memcpy(rv->addr_data, rv->name.data, rv->name.len + 1);
        rv->addr.data = rv->addr_data;
        rv->addr.len = rv->name.len;

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rv->log, 0,
                       "hashpay resolve: \"%V\" is an address, no lookup",
                       &rv->name);

        return NGX_OK;
    }

    ctx = (rv->resolver != NULL) ? ngx_resolve_start(rv->resolver, NULL)
                                 : NGX_NO_RESOLVER;

    if (ctx == NULL) {
        ngx_log_error(NGX_LOG_ERR, rv->log, 0,
                      "hashpay: redis \"%V\": cannot resolve %V: no memory",
                      rv->who, &rv->name);
        return NGX_ERROR;
    }

    if (ctx == NGX_NO_RESOLVER) {
        ngx_log_error(NGX_LOG_ERR, rv->log, 0,
                      "hashpay: redis \"%V\": no resolver defined to "
                      "resolve %V (a \"resolver\" directive in the http "
                      "block)", rv->who, &rv->name);
        return NGX_ERROR;
    }

    ctx->name = rv->name;
    ctx->handler = ngx_http_hashpay_resolve_handler;
    ctx->data = rv;
    ctx->timeout = rv->timeout;
    ctx->cancelable = 1;

    rv->ctx = ctx;
    rv->starting = 1;
    rv->done = 0;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, rv->log, 0,
                   "hashpay resolve: looking up \"%V\" (%M ms)",
                   &rv->name, rv->timeout);

    if (ngx_resolve_name(ctx) != NGX_OK) {

        /* the resolver has freed the context */

        rv->ctx = NULL;
        rv->starting = 0;

        ngx_log_error(NGX_LOG_ERR, rv->log, 0,
                      "hashpay: redis \"%V\": cannot resolve %V",
                      rv->who, &rv->name);
        return NGX_ERROR;
    }

    rv->starting = 0;

    if (rv->done) {

        /* answered from the resolver's cache, inside ngx_resolve_name() */

        rv->done = 0;
        return rv->rc;
    }

    return NGX_AGAIN;
}


void
ngx_http_hashpay_resolve_cancel(ngx_http_hashpay_resolve_t *rv)
{
    ngx_resolver_ctx_t  *ctx;

    ctx = rv->ctx;

    if (ctx == NULL) {
        return;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rv->log, 0,
                   "hashpay resolve: lookup of \"%V\" abandoned", &rv->name);

    rv->ctx = NULL;

    ngx_resolve_name_done(ctx);
}


ngx_uint_t
ngx_http_hashpay_resolve_told(ngx_http_hashpay_resolve_t *rv, u_char *p,
    size_t len)
{
    return rv->name.len != 0 && rv->name.len == len
           && ngx_strncasecmp(rv->name.data, p, len) == 0;
}


static void
ngx_http_hashpay_resolve_handler(ngx_resolver_ctx_t *ctx)
{
    size_t                       len;
    ngx_int_t                    rc;
    ngx_uint_t                   i;
    ngx_resolver_addr_t         *a;
    ngx_http_hashpay_resolve_t  *rv;

    rv = ctx->data;

    if (ctx->state) {
        ngx_log_error(NGX_LOG_ERR, rv->log, 0,
                      "hashpay: redis \"%V\": %V could not be resolved "
                      "(%i: %s)", rv->who, &rv->name, ctx->state,
                      ngx_resolver_strerror(ctx->state));
        rc = NGX_ERROR;

    } else if (ctx->naddrs == 0) {
        ngx_log_error(NGX_LOG_ERR, rv->log, 0,
                      "hashpay: redis \"%V\": %V has no address",
                      rv->who, &rv->name);
        rc = NGX_ERROR;

    } else {
        i = rv->rotate++ % ctx->naddrs;
        a = &ctx->addrs[i];

        len = ngx_sock_ntop(a->sockaddr, a->socklen, rv->addr_data,
                            NGX_SOCKADDR_STRLEN, 0);
        rv->addr_data[len] = '\0';

        rv->addr.data = rv->addr_data;
        rv->addr.len = len;

        ngx_log_debug4(NGX_LOG_DEBUG_HTTP, rv->log, 0,
                       "hashpay resolve: \"%V\" is %V (%ui of %ui)",
                       &rv->name, &rv->addr, i + 1, ctx->naddrs);
        rc = NGX_OK;
    }

    rv->ctx = NULL;

    ngx_resolve_name_done(ctx);

    if (rv->starting) {
        rv->done = 1;
        rv->rc = rc;
        return;
    }

    rv->handler(rv, rc);
}


/* an IPv4 or IPv6 address as text */

static ngx_uint_t
ngx_http_hashpay_resolve_numeric(u_char *p, size_t len)
{
#if (NGX_HAVE_INET6)
    u_char  a6[16];
#endif

    if (len == 0) {
        return 0;
    }

    if (len > NGX_SOCKADDR_STRLEN) {
        return 0;
    }

    if (ngx_inet_addr(p, len) != INADDR_NONE) {
        return 1;
    }

#if (NGX_HAVE_INET6)
    if (ngx_inet6_addr(p, len, a6) == NGX_OK) {
        return 1;
    }
#endif

    return 0;
}
