
/*
 * Copyright (C) hashpay authors
 *
 * The Redis client's configuration: hashpay_redis, hashpay_redis_sentinel
 * and hashpay_redis_cluster.  The three share one option loop and one
 * option table; what differs is where the addresses are (hashpay_redis:
 * its first argument; the others: every argument that is not an option)
 * and what each requires at the end.  Names are resolved here, once, at
 * configuration time: hiredis would resolve them in a worker with a
 * blocking call to getaddrinfo.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_hashpay.h"
#include "ngx_http_hashpay_redis_conf.h"
#include "ngx_http_hashpay_redis_link.h"


#define NGX_HTTP_HASHPAY_REDIS_CONNECT_TIMEOUT  200
#define NGX_HTTP_HASHPAY_REDIS_TIMEOUT          1000

/* the kind of an option's value */
#define NGX_HTTP_HASHPAY_ROPT_STR    0     /* non-empty text */
#define NGX_HTTP_HASHPAY_ROPT_TIME   1     /* an nginx time, not 0 */
#define NGX_HTTP_HASHPAY_ROPT_DB     2     /* 0 .. 2147483647 */
#define NGX_HTTP_HASHPAY_ROPT_FLAG   3     /* no value: the word alone */

#define NGX_HTTP_HASHPAY_RMODE(m)    (1 << (m))
#define NGX_HTTP_HASHPAY_RMODE_ALL   0x7


typedef struct {
    ngx_str_t                    name;     /* "password=", or "tls" */
    ngx_uint_t                   type;
    size_t                       offset;   /* in the redis conf */
    ngx_uint_t                   modes;    /* the directives that take it */
    char                        *refused;  /* what the others say, or NULL */
} ngx_http_hashpay_redis_opt_t;


static ngx_int_t ngx_http_hashpay_redis_option(ngx_conf_t *cf,
    ngx_http_hashpay_redis_conf_t *rc, ngx_uint_t mode, ngx_str_t *v);
static ngx_int_t ngx_http_hashpay_redis_addr(ngx_conf_t *cf,
    ngx_http_hashpay_redis_conf_t *rc, ngx_str_t *value);
static ngx_int_t ngx_http_hashpay_redis_node(ngx_conf_t *cf,
    ngx_http_hashpay_redis_conf_t *rc, ngx_uint_t mode, ngx_str_t *value);
static ngx_int_t ngx_http_hashpay_redis_where(ngx_conf_t *cf,
    ngx_str_t *value, in_port_t dflt, ngx_uint_t unix_ok,
    ngx_http_hashpay_sentinel_conf_t *sc, ngx_str_t *host, char **err);
static ngx_int_t ngx_http_hashpay_redis_complete(ngx_conf_t *cf,
    ngx_http_hashpay_redis_conf_t *rc, ngx_uint_t mode);
static char *ngx_http_hashpay_redis_secure(ngx_conf_t *cf,
    ngx_http_hashpay_redis_conf_t *rc, char *directive);
static void ngx_http_hashpay_redis_hide(ngx_str_t *v);
static char *ngx_http_hashpay_redis_mode(ngx_command_t *cmd,
    ngx_http_hashpay_redis_conf_t *rc);


/* the directives that take an option */
#define NGX_HTTP_HASHPAY_RSENT   NGX_HTTP_HASHPAY_RMODE(                      \
                                     NGX_HTTP_HASHPAY_REDIS_SENTINEL)
#define NGX_HTTP_HASHPAY_RNODB   (NGX_HTTP_HASHPAY_RMODE_ALL                  \
                                  & ~NGX_HTTP_HASHPAY_RMODE(                  \
                                      NGX_HTTP_HASHPAY_REDIS_CLUSTER))
#define NGX_HTTP_HASHPAY_RALL    NGX_HTTP_HASHPAY_RMODE_ALL

#define ngx_http_hashpay_ropt(name, type, field, modes)                       \
    { ngx_string(name), NGX_HTTP_HASHPAY_ROPT_##type,                         \
      offsetof(ngx_http_hashpay_redis_conf_t, field),                         \
      NGX_HTTP_HASHPAY_R##modes, NULL }

static ngx_http_hashpay_redis_opt_t  ngx_http_hashpay_redis_opts[] = {
    ngx_http_hashpay_ropt("master=", STR, master, SENT),
    ngx_http_hashpay_ropt("sentinel_password=", STR, sentinel_password, SENT),
    ngx_http_hashpay_ropt("sentinel_user=", STR, sentinel_user, SENT),

    { ngx_string("db="), NGX_HTTP_HASHPAY_ROPT_DB,
      offsetof(ngx_http_hashpay_redis_conf_t, db), NGX_HTTP_HASHPAY_RNODB,
      "\"hashpay_redis_cluster\" takes no db=: a Redis Cluster has "
      "database 0 only" },

    ngx_http_hashpay_ropt("password=", STR, password, ALL),
    ngx_http_hashpay_ropt("user=", STR, user, ALL),
    ngx_http_hashpay_ropt("tls", FLAG, tls, ALL),
    ngx_http_hashpay_ropt("tls_ca=", STR, tls_ca, ALL),
    ngx_http_hashpay_ropt("tls_cert=", STR, tls_cert, ALL),
    ngx_http_hashpay_ropt("tls_key=", STR, tls_key, ALL),
    ngx_http_hashpay_ropt("tls_name=", STR, tls_name, ALL),
    ngx_http_hashpay_ropt("connect_timeout=", TIME, connect_timeout, ALL),
    ngx_http_hashpay_ropt("timeout=", TIME, timeout, ALL),
    { ngx_null_string, 0, 0, 0, NULL }
};


static char  *ngx_http_hashpay_redis_names[] = {
    "hashpay_redis",
    "hashpay_redis_sentinel",
    "hashpay_redis_cluster"
};


char *
ngx_http_hashpay_redis_conf_parse(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_uint_t mode, ngx_http_hashpay_redis_conf_t **redis)
{
    char                           *directive;
    ngx_int_t                       rv;
    ngx_str_t                      *value;
    ngx_uint_t                      i;
    ngx_array_t                    *nodes;
    ngx_http_hashpay_redis_conf_t  *rc;

    if (*redis != NULL) {
        return ngx_http_hashpay_redis_mode(cmd, *redis);
    }

    directive = ngx_http_hashpay_redis_names[mode];

    rc = ngx_pcalloc(cf->pool, sizeof(ngx_http_hashpay_redis_conf_t));
    if (rc == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    rc->db = 0;
    rc->connect_timeout = NGX_HTTP_HASHPAY_REDIS_CONNECT_TIMEOUT;
    rc->timeout = NGX_HTTP_HASHPAY_REDIS_TIMEOUT;

    if (mode == NGX_HTTP_HASHPAY_REDIS_SINGLE) {

        /* the address first */

        if (ngx_http_hashpay_redis_addr(cf, rc, &value[1]) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        i = 2;

    } else {

        /* the sentinels, or the cluster's seed nodes, among the options */

        nodes = ngx_array_create(cf->pool, 3,
                                 sizeof(ngx_http_hashpay_sentinel_conf_t));
        if (nodes == NULL) {
            return NGX_CONF_ERROR;
        }

        if (mode == NGX_HTTP_HASHPAY_REDIS_SENTINEL) {
            rc->sentinels = nodes;

        } else {
            rc->seeds = nodes;
        }

        i = 1;
    }

    for ( /* void */ ; i < cf->args->nelts; i++) {

        rv = ngx_http_hashpay_redis_option(cf, rc, mode, &value[i]);

        if (rv == NGX_OK) {
            continue;
        }

        if (rv == NGX_ABORT) {
            return NGX_CONF_ERROR;
        }

        /* not an option: a node, where the directive takes nodes here */

        if (rv == NGX_ERROR
            || mode == NGX_HTTP_HASHPAY_REDIS_SINGLE
            || ngx_strlchr(value[i].data, value[i].data + value[i].len, '=')
               != NULL)
        {
            goto invalid;
        }

        if (ngx_http_hashpay_redis_node(cf, rc, mode, &value[i]) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    if (ngx_http_hashpay_redis_complete(cf, rc, mode) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_hashpay_redis_secure(cf, rc, directive) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, cf->log, 0,
                   "hashpay %s \"%V\": %ui node(s)", directive, &rc->name,
                   rc->sentinels ? rc->sentinels->nelts
                   : rc->seeds ? rc->seeds->nelts : 1);

    *redis = rc;

    return NGX_CONF_OK;

invalid:

    /* never echo a password back */

    ngx_http_hashpay_redis_hide(&value[i]);

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\" in \"%s\"",
                       &value[i], directive);

    return NGX_CONF_ERROR;
}


/*
 * one option of the directive of mode: NGX_OK, NGX_ERROR for a bad value
 * or an option that this directive does not take, NGX_ABORT when that
 * was said already, NGX_DECLINED for no option (a node, or invalid)
 */

static ngx_int_t
ngx_http_hashpay_redis_option(ngx_conf_t *cf,
    ngx_http_hashpay_redis_conf_t *rc, ngx_uint_t mode, ngx_str_t *v)
{
    u_char                        *field;
    ngx_int_t                      n;
    ngx_str_t                      s;
    ngx_http_hashpay_redis_opt_t  *opt;

    for (opt = ngx_http_hashpay_redis_opts; opt->name.len; opt++) {

        if (opt->type == NGX_HTTP_HASHPAY_ROPT_FLAG) {
            if (v->len != opt->name.len
                || ngx_strncmp(v->data, opt->name.data, opt->name.len) != 0)
            {
                continue;
            }

        } else if (v->len < opt->name.len
                   || ngx_strncmp(v->data, opt->name.data, opt->name.len)
                      != 0)
        {
            continue;
        }

        if (!(opt->modes & NGX_HTTP_HASHPAY_RMODE(mode))) {

            if (opt->refused == NULL) {
                return NGX_DECLINED;
            }

            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", opt->refused);
            return NGX_ABORT;
        }

        field = (u_char *) rc + opt->offset;

        s.data = v->data + opt->name.len;
        s.len = v->len - opt->name.len;

        switch (opt->type) {

        case NGX_HTTP_HASHPAY_ROPT_FLAG:
            *(ngx_flag_t *) field = 1;
            return NGX_OK;

        case NGX_HTTP_HASHPAY_ROPT_DB:
            n = ngx_atoi(s.data, s.len);
            if (n == NGX_ERROR || n > 2147483647) {
                return NGX_ERROR;
            }

            *(ngx_uint_t *) field = n;
            return NGX_OK;

        case NGX_HTTP_HASHPAY_ROPT_TIME:
            n = ngx_parse_time(&s, 0);
            if (n == NGX_ERROR || n == 0) {
                return NGX_ERROR;
            }

            *(ngx_msec_t *) field = n;
            return NGX_OK;

        default: /* NGX_HTTP_HASHPAY_ROPT_STR */
            *(ngx_str_t *) field = s;
            return s.len ? NGX_OK : NGX_ERROR;
        }
    }

    return NGX_DECLINED;
}


/* the address of hashpay_redis: "unix:path", "host:port" or "host" */

static ngx_int_t
ngx_http_hashpay_redis_addr(ngx_conf_t *cf, ngx_http_hashpay_redis_conf_t *rc,
    ngx_str_t *value)
{
    char                              *err;
    ngx_int_t                          rv;
    ngx_http_hashpay_sentinel_conf_t   sc;

    rc->name = *value;

    rv = ngx_http_hashpay_redis_where(cf, value, 6379, 1, &sc, &rc->tls_host,
                                      &err);

    if (rv == NGX_ABORT && err != NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s in \"hashpay_redis\" address \"%V\"",
                           err, value);
    }

    if (rv == NGX_DECLINED) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid \"hashpay_redis\" address \"%V\"",
                           value);
    }

    if (rv != NGX_OK) {
        return NGX_ERROR;
    }

    rc->host = sc.host;
    rc->port = sc.port;
    rc->unix_path = sc.unix_path;

    /* what TLS verifies by default: the host as written ([] off) */

    if (rc->tls_host.len > 2 && rc->tls_host.data[0] == '[') {
        rc->tls_host.data++;
        rc->tls_host.len -= 2;
    }

    return NGX_OK;
}


/*
 * a sentinel of hashpay_redis_sentinel (an address, a name resolved now,
 * or a unix: path) or a seed node of hashpay_redis_cluster (an address or
 * a name resolved now): NGX_OK, or NGX_ERROR, said
 */

static ngx_int_t
ngx_http_hashpay_redis_node(ngx_conf_t *cf, ngx_http_hashpay_redis_conf_t *rc,
    ngx_uint_t mode, ngx_str_t *value)
{
    char                              *err;
    ngx_int_t                          rv;
    ngx_str_t                          host;
    ngx_uint_t                         sentinel;
    ngx_http_hashpay_sentinel_conf_t  *sc;

    sentinel = (mode == NGX_HTTP_HASHPAY_REDIS_SENTINEL);

    sc = ngx_array_push(sentinel ? rc->sentinels : rc->seeds);
    if (sc == NULL) {
        return NGX_ERROR;
    }

    rv = ngx_http_hashpay_redis_where(cf, value, sentinel ? 26379 : 6379,
                                      sentinel, sc, &host, &err);

    if (rv == NGX_ABORT || rv == NGX_DECLINED) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid %s \"%V\" in \"%s\": %s",
                           sentinel ? "sentinel" : "node", value,
                           ngx_http_hashpay_redis_names[mode],
                           err ? err
                           : sentinel ? "an address or host name and port, "
                                        "or unix:path"
                                      : "an address or host name and port");
    }

    return rv == NGX_OK ? NGX_OK : NGX_ERROR;
}


/*
 * one address, "unix:path" (where unix_ok), "host:port" or "host" (the
 * port defaults to dflt), into sc: the text as written, and the address
 * as null-ended text and its port, or the path null-ended; *host is the
 * host as written.  A host name is resolved here, once, at configuration
 * time (a worker would resolve it with a blocking call), and its first
 * address is used.  NGX_ABORT: not parsed (*err says why, or is NULL),
 * NGX_DECLINED: no address (a name that does not resolve, a path).
 */

static ngx_int_t
ngx_http_hashpay_redis_where(ngx_conf_t *cf, ngx_str_t *value,
    in_port_t dflt, ngx_uint_t unix_ok, ngx_http_hashpay_sentinel_conf_t *sc,
    ngx_str_t *host, char **err)
{
    u_char     *p;
    ngx_url_t   u;

    *err = NULL;

    ngx_memzero(sc, sizeof(ngx_http_hashpay_sentinel_conf_t));
    ngx_str_null(host);

    sc->name = *value;

    if (unix_ok && value->len > 5
        && ngx_strncmp(value->data, "unix:", 5) == 0)
    {
        sc->unix_path.len = value->len - 5;
        sc->unix_path.data = ngx_pnalloc(cf->pool, sc->unix_path.len + 1);
        if (sc->unix_path.data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(sc->unix_path.data, value->data + 5, sc->unix_path.len);
        sc->unix_path.data[sc->unix_path.len] = '\0';

        return NGX_OK;
    }

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url = *value;
    u.default_port = dflt;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
        *err = u.err;
        return NGX_ABORT;
    }

    if (u.naddrs == 0 || u.uri.len || u.family == AF_UNIX) {
        return NGX_DECLINED;
    }

    p = ngx_pnalloc(cf->pool, NGX_SOCKADDR_STRLEN + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    sc->host.data = p;
    sc->host.len = ngx_sock_ntop(u.addrs[0].sockaddr, u.addrs[0].socklen,
                                 p, NGX_SOCKADDR_STRLEN, 0);
    p[sc->host.len] = '\0';
    sc->port = u.port;

    *host = u.host;

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, cf->log, 0,
                   "hashpay redis address \"%V\": %V:%i", value,
                   &sc->host, sc->port);

    return NGX_OK;
}


/*
 * what each directive requires once all its arguments are read, and the
 * name that logs give the connection: hashpay_redis its address,
 * hashpay_redis_sentinel its master, hashpay_redis_cluster its first seed
 */

static ngx_int_t
ngx_http_hashpay_redis_complete(ngx_conf_t *cf,
    ngx_http_hashpay_redis_conf_t *rc, ngx_uint_t mode)
{
    ngx_http_hashpay_sentinel_conf_t  *sc;

    switch (mode) {

    case NGX_HTTP_HASHPAY_REDIS_SENTINEL:

        if (rc->master.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"hashpay_redis_sentinel\" requires master=");
            return NGX_ERROR;
        }

        if (rc->sentinels->nelts == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"hashpay_redis_sentinel\" requires at least "
                               "one sentinel");
            return NGX_ERROR;
        }

        if (rc->sentinel_user.len && rc->sentinel_password.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"sentinel_user=\" requires "
                               "\"sentinel_password=\" in "
                               "\"hashpay_redis_sentinel\"");
            return NGX_ERROR;
        }

        rc->name = rc->master;

        return NGX_OK;

    case NGX_HTTP_HASHPAY_REDIS_CLUSTER:

        if (rc->seeds->nelts == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"hashpay_redis_cluster\" requires at least "
                               "one node");
            return NGX_ERROR;
        }

        sc = rc->seeds->elts;
        rc->name = sc[0].name;

        return NGX_OK;

    default: /* NGX_HTTP_HASHPAY_REDIS_SINGLE */

        if (rc->tls && rc->unix_path.len && rc->tls_name.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"tls\" with a unix: address requires "
                               "\"tls_name=\" in \"hashpay_redis\"");
            return NGX_ERROR;
        }

        return NGX_OK;
    }
}


/*
 * user= and the TLS options of the three directives, checked together,
 * and the TLS context made once here: the CA is required (no silent
 * fallback to the system's store), a client certificate comes with its
 * key, and the tls_* options mean nothing without tls
 */

static char *
ngx_http_hashpay_redis_secure(ngx_conf_t *cf,
    ngx_http_hashpay_redis_conf_t *rc, char *directive)
{
    char  *opt;

    if (rc->user.len && rc->password.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"user=\" requires \"password=\" in \"%s\"",
                           directive);
        return NGX_CONF_ERROR;
    }

    if (!rc->tls) {
        opt = rc->tls_ca.len ? "tls_ca="
              : rc->tls_cert.len ? "tls_cert="
              : rc->tls_key.len ? "tls_key="
              : rc->tls_name.len ? "tls_name=" : NULL;

        if (opt != NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%s\" requires \"tls\" in \"%s\"",
                               opt, directive);
            return NGX_CONF_ERROR;
        }

        return NGX_CONF_OK;
    }

    if (rc->tls_ca.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"tls\" requires \"tls_ca=\" in \"%s\": the "
                           "CA that signed the Redis server's certificate",
                           directive);
        return NGX_CONF_ERROR;
    }

    if (rc->tls_cert.len && rc->tls_key.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"tls_cert=\" requires \"tls_key=\" in \"%s\"",
                           directive);
        return NGX_CONF_ERROR;
    }

    if (rc->tls_key.len && rc->tls_cert.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"tls_key=\" requires \"tls_cert=\" in \"%s\"",
                           directive);
        return NGX_CONF_ERROR;
    }

#if (NGX_SSL)

    rc->ssl = ngx_pcalloc(cf->pool, sizeof(ngx_ssl_t));
    if (rc->ssl == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_hashpay_rlink_ssl_init(cf, rc->ssl, &rc->tls_ca,
                                        &rc->tls_cert, &rc->tls_key)
        != NGX_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "cannot set up TLS for \"%s\"", directive);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;

#else

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"tls\" in \"%s\" requires nginx built with "
                       "OpenSSL", directive);
    return NGX_CONF_ERROR;

#endif
}


/* an option that holds a secret, as nginx -t may show it */

static void
ngx_http_hashpay_redis_hide(ngx_str_t *v)
{
    if (ngx_strncmp(v->data, "password=", 9) == 0) {
        ngx_str_set(v, "password=...");

    } else if (ngx_strncmp(v->data, "sentinel_password=", 18) == 0) {
        ngx_str_set(v, "sentinel_password=...");
    }
}


/*
 * one of hashpay_redis, hashpay_redis_sentinel and hashpay_redis_cluster,
 * once: what nginx -t says of the second
 */

static char *
ngx_http_hashpay_redis_mode(ngx_command_t *cmd,
    ngx_http_hashpay_redis_conf_t *rc)
{
    char  *name;

    name = rc->sentinels ? "hashpay_redis_sentinel"
           : rc->seeds ? "hashpay_redis_cluster" : "hashpay_redis";

    if (ngx_strcmp(cmd->name.data, name) == 0) {
        return "is duplicate";
    }

    return rc->sentinels ? "cannot be used with \"hashpay_redis_sentinel\""
           : rc->seeds ? "cannot be used with \"hashpay_redis_cluster\""
           : "cannot be used with \"hashpay_redis\"";
}
