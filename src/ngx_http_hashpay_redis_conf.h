
/*
 * Copyright (C) hashpay authors
 *
 * The configuration of the Redis client: the directives hashpay_redis,
 * hashpay_redis_sentinel and hashpay_redis_cluster parsed into an
 * ngx_http_hashpay_redis_conf_t (addresses resolved once, here, the
 * options checked, the TLS context made).  One of the three, once.
 */


#ifndef _NGX_HTTP_HASHPAY_REDIS_CONF_H_INCLUDED_
#define _NGX_HTTP_HASHPAY_REDIS_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_hashpay.h"


/* which directive: "hashpay_redis", "_sentinel", "_cluster" */
#define NGX_HTTP_HASHPAY_REDIS_SINGLE    0
#define NGX_HTTP_HASHPAY_REDIS_SENTINEL  1
#define NGX_HTTP_HASHPAY_REDIS_CLUSTER   2


/*
 * the directive cmd of the given mode, its arguments in cf->args: sets
 * *redis, or says why not as a directive handler does (NGX_CONF_OK, an
 * error already logged as NGX_CONF_ERROR, or a message for nginx to log)
 */
char *ngx_http_hashpay_redis_conf_parse(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_uint_t mode, ngx_http_hashpay_redis_conf_t **redis);


#endif /* _NGX_HTTP_HASHPAY_REDIS_CONF_H_INCLUDED_ */
