
/*
 * Copyright (C) hashpay authors
 *
 * Counters of every worker in one shared memory zone, and the Prometheus
 * text exposition of them (hashpay_metrics, SPEC section 8).
 */


#ifndef _NGX_HTTP_HASHPAY_METRICS_H_INCLUDED_
#define _NGX_HTTP_HASHPAY_METRICS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_hashpay.h"


/* the "endpoint" label */
#define NGX_HTTP_HASHPAY_EP_WEBHOOK       0
#define NGX_HTTP_HASHPAY_EP_TRANSACTIONS  1
#define NGX_HTTP_HASHPAY_EP_ADMIN         2
#define NGX_HTTP_HASHPAY_EP_METRICS       3
#define NGX_HTTP_HASHPAY_EP_N             4


/* the shared zone, added when hashpay is configured (init main conf) */
ngx_int_t ngx_http_hashpay_metrics_zone(ngx_conf_t *cf,
    ngx_http_hashpay_main_conf_t *mcf);

/* the log phase handler that counts requests (postconfiguration) */
ngx_int_t ngx_http_hashpay_metrics_init(ngx_conf_t *cf);

ngx_int_t ngx_http_hashpay_metrics_handler(ngx_http_request_t *r);

/*
 * the Redis client's hook (ngx_http_hashpay_redis_on_state()): this
 * worker's connection is up (NGX_HTTP_HASHPAY_REDIS_UP) or down
 */
void ngx_http_hashpay_metrics_redis_state(ngx_uint_t state);


#endif /* _NGX_HTTP_HASHPAY_METRICS_H_INCLUDED_ */
