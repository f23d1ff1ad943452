
/*
 * Copyright (C) hashpay authors
 *
 * Types shared by the hashpay module's files: configuration and the
 * per-request context.
 */


#ifndef _NGX_HTTP_HASHPAY_H_INCLUDED_
#define _NGX_HTTP_HASHPAY_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <jansson.h>

#include "ngx_http_hashpay_json.h"


/* a sentinel of hashpay_redis_sentinel */
typedef struct {
    ngx_str_t                   name;          /* as written, for logs */
    ngx_str_t                   host;          /* IP address, null-ended */
    ngx_int_t                   port;
    ngx_str_t                   unix_path;     /* null-ended, or empty */
} ngx_http_hashpay_sentinel_conf_t;


typedef struct {
    ngx_str_t                   name;          /* as written, for logs */
    ngx_str_t                   host;          /* IP address, null-ended */
    ngx_int_t                   port;
    ngx_str_t                   unix_path;     /* null-ended, or empty */
    ngx_uint_t                  db;
    ngx_str_t                   password;
    ngx_msec_t                  connect_timeout;
    ngx_msec_t                  timeout;
    ngx_uint_t                  wait_replicas;  /* hashpay_redis_wait, 0 */
    ngx_msec_t                  wait_timeout;
    ngx_str_t                   wait_args[2];   /* the same, as text */
    ngx_str_t                   events_key;     /* "<prefix>:events" */
    ngx_str_t                   events_group;   /* created at connect */

    /* hashpay_redis_sentinel: of ngx_http_hashpay_sentinel_conf_t, or NULL */
    ngx_array_t                *sentinels;
    ngx_str_t                   master;         /* master= */
    ngx_str_t                   sentinel_password;

    /*
     * hashpay_redis_cluster: the seed nodes (of
     * ngx_http_hashpay_sentinel_conf_t, addresses alike), or NULL; the
     * slot of hashpay_prefix's hash tag, which every key is in
     */
    ngx_array_t                *seeds;
    ngx_uint_t                  slot;

    /* AUTH <user> <password> (an ACL user), or AUTH <password> */
    ngx_str_t                   user;
    ngx_str_t                   sentinel_user;

    /*
     * Redis over TLS (ngx_http_hashpay_redis_link.c): to the address of
     * hashpay_redis, to the sentinels and the primary they give, to the
     * cluster's nodes; tls_name= is the name verified and sent as SNI,
     * else the address connected to (tls_host for hashpay_redis: its host
     * as written)
     */
    ngx_flag_t                  tls;
    ngx_str_t                   tls_ca;
    ngx_str_t                   tls_cert;
    ngx_str_t                   tls_key;
    ngx_str_t                   tls_name;
    ngx_str_t                   tls_host;
#if (NGX_SSL)
    ngx_ssl_t                  *ssl;            /* NULL: clear text */
#endif
} ngx_http_hashpay_redis_conf_t;


#define NGX_HTTP_HASHPAY_DIGEST_LEN  32

/* Retry-After of 503 events_backlog, seconds (README, "Events stream") */
#define NGX_HTTP_HASHPAY_BACKLOG_RETRY  "10"


typedef struct {
    ngx_http_hashpay_redis_conf_t  *redis;     /* NULL: not configured */
    ngx_str_t                   prefix;
    ngx_str_t                   events_key;    /* "<prefix>:events" */
    ngx_uint_t                  events_maxlen;
    ngx_str_t                   events_group;  /* hashpay_events_group */
    /* the scripts' ARGV[2]: "<maxlen>" or "<maxlen> <group>" */
    ngx_str_t                   events_maxlen_text;
    ngx_int_t                   wait_replicas; /* hashpay_redis_wait */
    ngx_msec_t                  wait_timeout;
    ngx_flag_t                  metrics;       /* hashpay_metrics somewhere */
    ngx_shm_zone_t             *metrics_zone;  /* NULL: hashpay unused */
} ngx_http_hashpay_main_conf_t;


typedef struct {
    ngx_flag_t                  webhook;
    ngx_array_t                *consumer_secrets;   /* of ngx_str_t */
    ngx_msec_t                  confirm_ttl;
    ngx_str_t                   confirm_prefix;
    ngx_msec_t                  dedupe_ttl;
    ngx_array_t                *operators;          /* of ngx_str_t */

    ngx_flag_t                  transactions;
    ngx_array_t                *transactions_keys;  /* of ngx_str_t */
    time_t                      transactions_tolerance;

    ngx_flag_t                  metrics;

    ngx_flag_t                  admin;
    ngx_array_t                *admin_tokens;       /* of ngx_str_t */
    u_char                     *admin_digests;      /* SHA-256 of each */
    ngx_uint_t                  admin_ndigests;
} ngx_http_hashpay_loc_conf_t;


typedef struct ngx_http_hashpay_endpoint_s  ngx_http_hashpay_endpoint_t;


typedef struct {
    /* for $hashpay_outcome */
    ngx_str_t                   outcome;
    /* the 413 filter replaces nginx's HTML body */
    unsigned                    replace_body:1;
    /* the handler's own state */
    void                       *data;
    /* a Redis-backed endpoint (ngx_http_hashpay_handler.c) and its batch */
    ngx_http_hashpay_endpoint_t  *endpoint;
    unsigned                    failed:1;      /* a script failed */
    unsigned                    backlog:1;     /* events backlog */
} ngx_http_hashpay_ctx_t;


extern ngx_module_t  ngx_http_hashpay_module;


ngx_int_t ngx_http_hashpay_webhook_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_hashpay_admin_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_hashpay_transactions_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_hashpay_filter_init(ngx_conf_t *cf);

ngx_http_hashpay_ctx_t *ngx_http_hashpay_get_ctx(ngx_http_request_t *r);
ngx_int_t ngx_http_hashpay_send_json(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *json);
ngx_int_t ngx_http_hashpay_send_text(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *type, ngx_str_t *text);
ngx_int_t ngx_http_hashpay_send_error(ngx_http_request_t *r,
    ngx_uint_t status, char *code, char *field);
ngx_int_t ngx_http_hashpay_refuse(ngx_http_request_t *r, ngx_uint_t status,
    char *code, char *header, char *value);
ngx_int_t ngx_http_hashpay_json_body_parse(ngx_pool_t *pool, ngx_str_t *body,
    json_t **root, ngx_http_hashpay_json_err_t *err);


#endif /* _NGX_HTTP_HASHPAY_H_INCLUDED_ */
