
/*
 * Copyright (C) hashpay authors
 *
 * hashpay: pay by hashtag at the edge.  This file holds the directives,
 * the configuration (create, merge, checks), the $hashpay_outcome variable
 * and the module's process hooks; the work is done in src/.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_hashpay.h"
#include "ngx_http_hashpay_json_alloc.h"
#include "ngx_http_hashpay_redis.h"
#include "ngx_http_hashpay_redis_cluster.h"
#include "ngx_http_hashpay_redis_conf.h"
#include "ngx_http_hashpay_sig.h"
#include "ngx_http_hashpay_metrics.h"
#include "ngx_http_hashpay_admin_token.h"
#include "ngx_http_hashpay_version.h"


#define NGX_HTTP_HASHPAY_PREFIX_MAX   100
#define NGX_HTTP_HASHPAY_CPREFIX_MAX  32
#define NGX_HTTP_HASHPAY_ID_MAX       20
/* consumer secrets, admin tokens, whsec_ keys: fewer bytes are no secret */
#define NGX_HTTP_HASHPAY_SECRET_MIN   16
#define NGX_HTTP_HASHPAY_GROUP_MAX    100


static ngx_int_t ngx_http_hashpay_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_hashpay_init(ngx_conf_t *cf);
static void *ngx_http_hashpay_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_hashpay_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_hashpay_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_hashpay_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);

static char *ngx_http_hashpay_redis(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_hashpay_redis_sentinel(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_hashpay_redis_cluster(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_hashpay_cluster_conf(ngx_conf_t *cf,
    ngx_http_hashpay_main_conf_t *mcf);
static char *ngx_http_hashpay_redis_wait(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_hashpay_events_group(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_hashpay_events_conf(ngx_conf_t *cf,
    ngx_http_hashpay_main_conf_t *mcf);
static ngx_int_t ngx_http_hashpay_wait_conf(ngx_conf_t *cf,
    ngx_http_hashpay_main_conf_t *mcf);
static char *ngx_http_hashpay_webhook(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_hashpay_secret(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_hashpay_secret_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_hashpay_admin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_hashpay_transactions(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_hashpay_metrics(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_hashpay_whsec(ngx_conf_t *cf, void *post, void *data);
static char *ngx_http_hashpay_handler(ngx_conf_t *cf, ngx_flag_t *flag,
    ngx_http_handler_pt handler);
static ngx_int_t ngx_http_hashpay_requires(ngx_conf_t *cf,
    ngx_http_hashpay_main_conf_t *mcf, char *handler, ngx_array_t *secrets,
    char *secret);
static char *ngx_http_hashpay_operators(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_hashpay_add_secret(ngx_conf_t *cf,
    ngx_command_t *cmd, ngx_array_t **secrets, u_char *p, size_t len);
static ngx_int_t ngx_http_hashpay_is_id(u_char *p, size_t len);

static ngx_int_t ngx_http_hashpay_outcome_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);

static ngx_int_t ngx_http_hashpay_init_process(ngx_cycle_t *cycle);
static void ngx_http_hashpay_exit_process(ngx_cycle_t *cycle);


static ngx_conf_num_bounds_t  ngx_http_hashpay_maxlen_bounds = {
    ngx_conf_check_num_bounds, 1, 2147483647
};

/* a Standard Webhooks secret is kept as its decoded HMAC key */
static ngx_conf_post_t  ngx_http_hashpay_whsec_post = {
    ngx_http_hashpay_whsec
};


static ngx_command_t  ngx_http_hashpay_commands[] = {

    { ngx_string("hashpay_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_hashpay_redis,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("hashpay_redis_sentinel"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_hashpay_redis_sentinel,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("hashpay_redis_cluster"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_hashpay_redis_cluster,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("hashpay_redis_wait"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_hashpay_redis_wait,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("hashpay_prefix"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_hashpay_main_conf_t, prefix),
      NULL },

    { ngx_string("hashpay_events_maxlen"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_hashpay_main_conf_t, events_maxlen),
      &ngx_http_hashpay_maxlen_bounds },

    { ngx_string("hashpay_events_group"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_hashpay_events_group,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("hashpay_webhook"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_hashpay_webhook,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("hashpay_consumer_secret"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_hashpay_secret,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_hashpay_loc_conf_t, consumer_secrets),
      NULL },

    { ngx_string("hashpay_consumer_secret_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_hashpay_secret_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_hashpay_loc_conf_t, consumer_secrets),
      NULL },

    { ngx_string("hashpay_confirm_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_hashpay_loc_conf_t, confirm_ttl),
      NULL },

    { ngx_string("hashpay_confirm_prefix"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_hashpay_loc_conf_t, confirm_prefix),
      NULL },

    { ngx_string("hashpay_dedupe_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_hashpay_loc_conf_t, dedupe_ttl),
      NULL },

    { ngx_string("hashpay_operator_accounts"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_hashpay_operators,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_hashpay_loc_conf_t, operators),
      NULL },

    { ngx_string("hashpay_transactions"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_hashpay_transactions,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("hashpay_transactions_secret"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_hashpay_secret,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_hashpay_loc_conf_t, transactions_keys),
      &ngx_http_hashpay_whsec_post },

    { ngx_string("hashpay_transactions_secret_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_hashpay_secret_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_hashpay_loc_conf_t, transactions_keys),
      &ngx_http_hashpay_whsec_post },

    { ngx_string("hashpay_transactions_tolerance"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_hashpay_loc_conf_t, transactions_tolerance),
      NULL },

    { ngx_string("hashpay_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_hashpay_metrics,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("hashpay_admin"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_hashpay_admin,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("hashpay_admin_token"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_hashpay_secret,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_hashpay_loc_conf_t, admin_tokens),
      NULL },

    { ngx_string("hashpay_admin_token_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_hashpay_secret_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_hashpay_loc_conf_t, admin_tokens),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_hashpay_module_ctx = {
    ngx_http_hashpay_add_variables,        /* preconfiguration */
    ngx_http_hashpay_init,                 /* postconfiguration */

    ngx_http_hashpay_create_main_conf,     /* create main configuration */
    ngx_http_hashpay_init_main_conf,       /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_hashpay_create_loc_conf,      /* create location configuration */
    ngx_http_hashpay_merge_loc_conf        /* merge location configuration */
};


ngx_module_t  ngx_http_hashpay_module = {
    NGX_MODULE_V1,
    &ngx_http_hashpay_module_ctx,          /* module context */
    ngx_http_hashpay_commands,             /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_hashpay_init_process,         /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_hashpay_exit_process,         /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_str_t  ngx_http_hashpay_outcome_name =
    ngx_string("hashpay_outcome");


static ngx_int_t
ngx_http_hashpay_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var;

    var = ngx_http_add_variable(cf, &ngx_http_hashpay_outcome_name,
                                NGX_HTTP_VAR_NOCACHEABLE);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_hashpay_outcome_variable;

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_outcome_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_hashpay_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_hashpay_module);

    if (ctx == NULL || ctx->outcome.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = ctx->outcome.len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = ctx->outcome.data;

    return NGX_OK;
}


static void *
ngx_http_hashpay_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_hashpay_main_conf_t  *mcf;

    mcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_hashpay_main_conf_t));
    if (mcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     mcf->redis = NULL;
     *     mcf->prefix = { 0, NULL };
     *     mcf->events_key = { 0, NULL };
     *     mcf->events_group = { 0, NULL };
     */

    mcf->events_maxlen = NGX_CONF_UNSET_UINT;
    mcf->wait_replicas = NGX_CONF_UNSET;

    return mcf;
}


static ngx_int_t
ngx_http_hashpay_init(ngx_conf_t *cf)
{
    ngx_http_hashpay_main_conf_t  *mcf;

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_hashpay_module);

    if (mcf->metrics_zone != NULL
        && ngx_http_hashpay_metrics_init(cf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_hashpay_filter_init(cf);
}


static char *
ngx_http_hashpay_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_hashpay_main_conf_t *mcf = conf;

    ngx_uint_t  i;

    if (mcf->prefix.data == NULL) {
        ngx_str_set(&mcf->prefix, "hashpay");
    }

    if (mcf->prefix.len == 0
        || mcf->prefix.len > NGX_HTTP_HASHPAY_PREFIX_MAX)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"hashpay_prefix\" must be 1-%d characters",
                           NGX_HTTP_HASHPAY_PREFIX_MAX);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < mcf->prefix.len; i++) {
        if (mcf->prefix.data[i] <= ' ' || mcf->prefix.data[i] >= 0x7f) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"hashpay_prefix\" must be printable ASCII "
                               "without spaces");
            return NGX_CONF_ERROR;
        }
    }

    if (ngx_http_hashpay_cluster_conf(cf, mcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_conf_init_uint_value(mcf->events_maxlen, 1000000);

    if (ngx_http_hashpay_wait_conf(cf, mcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    mcf->events_key.len = mcf->prefix.len + sizeof(":events") - 1;
    mcf->events_key.data = ngx_pnalloc(cf->pool, mcf->events_key.len);
    if (mcf->events_key.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_sprintf(mcf->events_key.data, "%V:events", &mcf->prefix);

    if (ngx_http_hashpay_events_conf(cf, mcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* counters shared by the workers, where hashpay is in use */

    if ((mcf->redis != NULL || mcf->metrics)
        && ngx_http_hashpay_metrics_zone(cf, mcf) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_hashpay_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_hashpay_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_hashpay_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->confirm_prefix = { 0, NULL };
     */

    conf->webhook = NGX_CONF_UNSET;
    conf->consumer_secrets = NGX_CONF_UNSET_PTR;
    conf->confirm_ttl = NGX_CONF_UNSET_MSEC;
    conf->dedupe_ttl = NGX_CONF_UNSET_MSEC;
    conf->operators = NGX_CONF_UNSET_PTR;
    conf->metrics = NGX_CONF_UNSET;
    conf->transactions = NGX_CONF_UNSET;
    conf->transactions_keys = NGX_CONF_UNSET_PTR;
    conf->transactions_tolerance = NGX_CONF_UNSET;
    conf->admin = NGX_CONF_UNSET;
    conf->admin_tokens = NGX_CONF_UNSET_PTR;

    return conf;
}


static char *
ngx_http_hashpay_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_hashpay_loc_conf_t *prev = parent;
    ngx_http_hashpay_loc_conf_t *conf = child;

    ngx_uint_t                     i;
    ngx_http_hashpay_main_conf_t  *mcf;

    ngx_conf_merge_value(conf->webhook, prev->webhook, 0);
    ngx_conf_merge_ptr_value(conf->consumer_secrets, prev->consumer_secrets,
                             NULL);
    ngx_conf_merge_msec_value(conf->confirm_ttl, prev->confirm_ttl,
                              15 * 60 * 1000);
    ngx_conf_merge_str_value(conf->confirm_prefix, prev->confirm_prefix,
                             "Confirm");
    ngx_conf_merge_msec_value(conf->dedupe_ttl, prev->dedupe_ttl,
                              48 * 60 * 60 * 1000);
    ngx_conf_merge_ptr_value(conf->operators, prev->operators, NULL);
    ngx_conf_merge_value(conf->metrics, prev->metrics, 0);
    ngx_conf_merge_value(conf->transactions, prev->transactions, 0);
    ngx_conf_merge_ptr_value(conf->transactions_keys, prev->transactions_keys,
                             NULL);
    ngx_conf_merge_sec_value(conf->transactions_tolerance,
                             prev->transactions_tolerance, 300);
    ngx_conf_merge_value(conf->admin, prev->admin, 0);
    ngx_conf_merge_ptr_value(conf->admin_tokens, prev->admin_tokens, NULL);

    if (conf->confirm_ttl < 1000) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"hashpay_confirm_ttl\" must be at least 1s");
        return NGX_CONF_ERROR;
    }

    if (conf->dedupe_ttl < 1000) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"hashpay_dedupe_ttl\" must be at least 1s");
        return NGX_CONF_ERROR;
    }

    if (conf->confirm_prefix.len == 0
        || conf->confirm_prefix.len > NGX_HTTP_HASHPAY_CPREFIX_MAX)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"hashpay_confirm_prefix\" must be 1-%d "
                           "characters", NGX_HTTP_HASHPAY_CPREFIX_MAX);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < conf->confirm_prefix.len; i++) {
        if (!isalnum(conf->confirm_prefix.data[i])
            && conf->confirm_prefix.data[i] != '_')
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"hashpay_confirm_prefix\" must be ASCII "
                               "letters, digits and \"_\" (a hashtag)");
            return NGX_CONF_ERROR;
        }
    }

    if (conf->transactions_tolerance < 1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"hashpay_transactions_tolerance\" must be at "
                           "least 1s");
        return NGX_CONF_ERROR;
    }

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_hashpay_module);

    if (conf->webhook
        && ngx_http_hashpay_requires(cf, mcf, "hashpay_webhook",
                                     conf->consumer_secrets,
                                     "hashpay_consumer_secret")
           != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (conf->transactions) {
        if (ngx_http_hashpay_requires(cf, mcf, "hashpay_transactions",
                                      conf->transactions_keys,
                                      "hashpay_transactions_secret")
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

        if (conf->transactions_keys->nelts > NGX_HTTP_HASHPAY_SW_MAX_KEYS) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"hashpay_transactions\" accepts at most "
                               "%d secrets", NGX_HTTP_HASHPAY_SW_MAX_KEYS);
            return NGX_CONF_ERROR;
        }

        /*
         * a signed transaction is accepted for the tolerance either way
         * of its timestamp: its ids must be remembered at least as long
         */

        if (conf->dedupe_ttl < (ngx_msec_t) conf->transactions_tolerance
                               * 2 * 1000)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"hashpay_dedupe_ttl\" (%Mms) is shorter "
                               "than twice \"hashpay_transactions_"
                               "tolerance\" (%Ts): a signed transaction "
                               "would outlive its idempotency record",
                               conf->dedupe_ttl,
                               conf->transactions_tolerance);
            return NGX_CONF_ERROR;
        }
    }

    if (conf->admin) {
        if (ngx_http_hashpay_requires(cf, mcf, "hashpay_admin",
                                      conf->admin_tokens,
                                      "hashpay_admin_token")
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

        if (ngx_http_hashpay_admin_digests(cf, conf) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/* a handler enabled without hashpay_redis or without its secrets */

static ngx_int_t
ngx_http_hashpay_requires(ngx_conf_t *cf, ngx_http_hashpay_main_conf_t *mcf,
    char *handler, ngx_array_t *secrets, char *secret)
{
    if (mcf->redis == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\" requires \"hashpay_redis\" in the http "
                           "block", handler);
        return NGX_ERROR;
    }

    if (secrets == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\" requires \"%s\" or \"%s_file\"",
                           handler, secret, secret);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * hashpay_redis, hashpay_redis_sentinel and hashpay_redis_cluster: parsed
 * by the Redis client's configuration (ngx_http_hashpay_redis_conf.c)
 */

static char *
ngx_http_hashpay_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_hashpay_main_conf_t *mcf = conf;

    return ngx_http_hashpay_redis_conf_parse(cf, cmd,
                                             NGX_HTTP_HASHPAY_REDIS_SINGLE,
                                             &mcf->redis);
}


static char *
ngx_http_hashpay_redis_sentinel(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_hashpay_main_conf_t *mcf = conf;

    return ngx_http_hashpay_redis_conf_parse(cf, cmd,
                                             NGX_HTTP_HASHPAY_REDIS_SENTINEL,
                                             &mcf->redis);
}


static char *
ngx_http_hashpay_redis_cluster(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_hashpay_main_conf_t *mcf = conf;

    return ngx_http_hashpay_redis_conf_parse(cf, cmd,
                                             NGX_HTTP_HASHPAY_REDIS_CLUSTER,
                                             &mcf->redis);
}


/*
 * hashpay_redis_cluster: every key is "<hashpay_prefix>:...", and the
 * scripts touch keys that they do not declare; all of them must be in the
 * one slot that the connection goes to, so the prefix must be a hash tag
 */

static ngx_int_t
ngx_http_hashpay_cluster_conf(ngx_conf_t *cf,
    ngx_http_hashpay_main_conf_t *mcf)
{
    ngx_str_t  tag;

    if (mcf->redis == NULL || mcf->redis->seeds == NULL) {
        return NGX_OK;
    }

    if (ngx_http_hashpay_cluster_hashtag(&mcf->prefix, &tag) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"hashpay_prefix\" \"%V\" is not a hash tag: "
                           "with \"hashpay_redis_cluster\" every key must be "
                           "in one slot, write hashpay_prefix \"{%V}\"; "
                           "(a non-empty name in braces, quoted)",
                           &mcf->prefix, &mcf->prefix);
        return NGX_ERROR;
    }

    mcf->redis->slot = ngx_http_hashpay_cluster_keyslot(tag.data, tag.len);

    return NGX_OK;
}


/* "hashpay_redis_wait replicas timeout" or "hashpay_redis_wait off" */

static char *
ngx_http_hashpay_redis_wait(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_hashpay_main_conf_t *mcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value;

    if (mcf->wait_replicas != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2) {
        if (ngx_strcmp(value[1].data, "off") != 0) {
            return "takes \"off\" or the number of replicas and a timeout";
        }

        mcf->wait_replicas = 0;
        return NGX_CONF_OK;
    }

    n = ngx_atoi(value[1].data, value[1].len);
    if (n == NGX_ERROR || n < 1 || n > 1000) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid number of replicas \"%V\" in "
                           "\"hashpay_redis_wait\": 1-1000", &value[1]);
        return NGX_CONF_ERROR;
    }

    mcf->wait_replicas = n;

    n = ngx_parse_time(&value[2], 0);
    if (n == NGX_ERROR || n == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid timeout \"%V\" in "
                           "\"hashpay_redis_wait\"", &value[2]);
        return NGX_CONF_ERROR;
    }

    mcf->wait_timeout = n;

    return NGX_CONF_OK;
}


/*
 * The WAIT of every writing batch, handed to the Redis client: it needs
 * hashpay_redis, and its timeout must end before the command timeout of
 * the batch (which would otherwise drop the connection)
 */

static ngx_int_t
ngx_http_hashpay_wait_conf(ngx_conf_t *cf, ngx_http_hashpay_main_conf_t *mcf)
{
    u_char                         *p;
    ngx_http_hashpay_redis_conf_t  *rc;

    if (mcf->wait_replicas == NGX_CONF_UNSET || mcf->wait_replicas == 0) {
        return NGX_OK;
    }

    rc = mcf->redis;

    if (rc == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"hashpay_redis_wait\" requires "
                           "\"hashpay_redis\"");
        return NGX_ERROR;
    }

    if (mcf->wait_timeout >= rc->timeout) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"hashpay_redis_wait\" timeout %M ms must be "
                           "shorter than the \"hashpay_redis\" timeout= "
                           "(%M ms)", mcf->wait_timeout, rc->timeout);
        return NGX_ERROR;
    }

    p = ngx_pnalloc(cf->pool, 2 * NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    rc->wait_replicas = mcf->wait_replicas;
    rc->wait_timeout = mcf->wait_timeout;

    rc->wait_args[0].data = p;
    rc->wait_args[0].len = ngx_sprintf(p, "%ui", rc->wait_replicas) - p;

    p += NGX_INT_T_LEN;

    rc->wait_args[1].data = p;
    rc->wait_args[1].len = ngx_sprintf(p, "%M", rc->wait_timeout) - p;

    return NGX_OK;
}


/*
 * "hashpay_events_group name": the operator's consumer group of the
 * events stream.  Printable ASCII without spaces, as it travels to the
 * scripts after the maxlen in one argument ("<maxlen> <group>").
 */

static char *
ngx_http_hashpay_events_group(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_hashpay_main_conf_t *mcf = conf;

    ngx_str_t   *value;
    ngx_uint_t   i;

    if (mcf->events_group.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0
        || value[1].len > NGX_HTTP_HASHPAY_GROUP_MAX)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"hashpay_events_group\" must be 1-%d "
                           "characters", NGX_HTTP_HASHPAY_GROUP_MAX);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < value[1].len; i++) {
        if (value[1].data[i] <= ' ' || value[1].data[i] >= 0x7f) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"hashpay_events_group\" must be printable "
                               "ASCII without spaces");
            return NGX_CONF_ERROR;
        }
    }

    mcf->events_group = value[1];

    return NGX_CONF_OK;
}


/*
 * What the scripts are told about the stream (ARGV[2], see
 * src/lua/_lib.lua hp.emit), and what the Redis connection creates at
 * connect: the group needs hashpay_redis
 */

static ngx_int_t
ngx_http_hashpay_events_conf(ngx_conf_t *cf,
    ngx_http_hashpay_main_conf_t *mcf)
{
    u_char  *p;

    p = ngx_pnalloc(cf->pool, NGX_INT_T_LEN + 1 + mcf->events_group.len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    mcf->events_maxlen_text.data = p;

    if (mcf->events_group.len) {
        p = ngx_sprintf(p, "%ui %V", mcf->events_maxlen, &mcf->events_group);

    } else {
        p = ngx_sprintf(p, "%ui", mcf->events_maxlen);
    }

    mcf->events_maxlen_text.len = p - mcf->events_maxlen_text.data;

    if (mcf->events_group.len == 0) {
        return NGX_OK;
    }

    if (mcf->redis == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"hashpay_events_group\" requires "
                           "\"hashpay_redis\"");
        return NGX_ERROR;
    }

    mcf->redis->events_key = mcf->events_key;
    mcf->redis->events_group = mcf->events_group;

    return NGX_OK;
}


static char *
ngx_http_hashpay_webhook(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_hashpay_loc_conf_t *hlcf = conf;

    return ngx_http_hashpay_handler(cf, &hlcf->webhook,
                                    ngx_http_hashpay_webhook_handler);
}


static char *
ngx_http_hashpay_admin(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_hashpay_loc_conf_t *hlcf = conf;

    return ngx_http_hashpay_handler(cf, &hlcf->admin,
                                    ngx_http_hashpay_admin_handler);
}


static char *
ngx_http_hashpay_transactions(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_hashpay_loc_conf_t *hlcf = conf;

    return ngx_http_hashpay_handler(cf, &hlcf->transactions,
                                    ngx_http_hashpay_transactions_handler);
}


static char *
ngx_http_hashpay_metrics(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_hashpay_loc_conf_t *hlcf = conf;

    ngx_http_hashpay_main_conf_t  *mcf;

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_hashpay_module);
    mcf->metrics = 1;

    return ngx_http_hashpay_handler(cf, &hlcf->metrics,
                                    ngx_http_hashpay_metrics_handler);
}


/* the location's content handler, set by one of the flag directives */

static char *
ngx_http_hashpay_handler(ngx_conf_t *cf, ngx_flag_t *flag,
    ngx_http_handler_pt handler)
{
    ngx_http_core_loc_conf_t  *clcf;

    if (*flag != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler != NULL) {
        return "conflicts with another content handler in this location";
    }

    clcf->handler = handler;
    *flag = 1;

    return NGX_CONF_OK;
}


static char *
ngx_http_hashpay_secret(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t     *value;
    ngx_array_t  **secrets;

    secrets = (ngx_array_t **) (p + cmd->offset);
    value = cf->args->elts;

    if (ngx_http_hashpay_add_secret(cf, cmd, secrets, value[1].data,
                                    value[1].len)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_hashpay_secret_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    u_char           *buf, *line, *end, *last, *start;
    ssize_t           n;
    ngx_str_t        *value, name;
    ngx_file_t        file;
    ngx_uint_t        count;
    ngx_array_t     **secrets;
    ngx_file_info_t   fi;

    secrets = (ngx_array_t **) (p + cmd->offset);
    value = cf->args->elts;

    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));

    file.name = name;
    file.log = cf->log;
    file.fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"%V\": cannot open secret file \"%s\"",
                           &cmd->name, name.data);
        return NGX_CONF_ERROR;
    }

    buf = NULL;

    if (ngx_fd_info(file.fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"%V\": cannot stat secret file \"%s\"",
                           &cmd->name, name.data);
        goto failed;
    }

    if (ngx_file_size(&fi) > 65536) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": secret file \"%s\" is too large",
                           &cmd->name, name.data);
        goto failed;
    }

    buf = ngx_pnalloc(cf->temp_pool, (size_t) ngx_file_size(&fi) + 1);
    if (buf == NULL) {
        goto failed;
    }

    n = ngx_read_file(&file, buf, (size_t) ngx_file_size(&fi), 0);
    if (n == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"%V\": cannot read secret file \"%s\"",
                           &cmd->name, name.data);
        goto failed;
    }

    (void) ngx_close_file(file.fd);
    file.fd = NGX_INVALID_FILE;

    /* one secret a line; blank lines and surrounding white space ignored */

    count = 0;
    end = buf + n;

    for (line = buf; line < end; line = last + 1) {

        last = ngx_strlchr(line, end, '\n');
        if (last == NULL) {
            last = end;
        }

        start = line;

        while (start < last && isspace(*start)) {
            start++;
        }

        p = (char *) last;

        while ((u_char *) p > start && isspace(*((u_char *) p - 1))) {
            p--;
        }

        if ((u_char *) p == start) {
            continue;
        }

        if (ngx_http_hashpay_add_secret(cf, cmd, secrets, start,
                                        (u_char *) p - start)
            != NGX_OK)
        {
            goto failed;
        }

        count++;
    }

    if (count == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": secret file \"%s\" holds no secret",
                           &cmd->name, name.data);
        goto failed;
    }

    ngx_explicit_memzero(buf, n);

    return NGX_CONF_OK;

failed:

    if (buf != NULL) {
        ngx_explicit_memzero(buf, ngx_file_size(&fi));
    }

    if (file.fd != NGX_INVALID_FILE) {
        (void) ngx_close_file(file.fd);
    }

    return NGX_CONF_ERROR;
}


static ngx_int_t
ngx_http_hashpay_add_secret(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_array_t **secrets, u_char *p, size_t len)
{
    ngx_str_t        *s;
    ngx_conf_post_t  *post;

    if (len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "empty secret");
        return NGX_ERROR;
    }

    if (*secrets == NGX_CONF_UNSET_PTR || *secrets == NULL) {
        *secrets = ngx_array_create(cf->pool, 2, sizeof(ngx_str_t));
        if (*secrets == NULL) {
            return NGX_ERROR;
        }
    }

    s = ngx_array_push(*secrets);
    if (s == NULL) {
        return NGX_ERROR;
    }

    s->len = len;
    s->data = ngx_pnalloc(cf->pool, len);
    if (s->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(s->data, p, len);

    if (cmd->post) {
        post = cmd->post;

        if (post->post_handler(cf, post, s) != NGX_CONF_OK) {
            return NGX_ERROR;
        }
    }

    /*
     * too short to be a secret: the X consumer secret and an admin token
     * as written, a "whsec_" secret by the key it holds (SPEC section 3)
     */

    if (s->len < NGX_HTTP_HASHPAY_SECRET_MIN) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": %s is too short to be a secret: at "
                           "least %d bytes are required", &cmd->name,
                           cmd->post ? "the key of a whsec_ secret"
                                     : "a secret",
                           NGX_HTTP_HASHPAY_SECRET_MIN);

        ngx_explicit_memzero(s->data, s->len);

        return NGX_ERROR;
    }

    return NGX_OK;
}


/* "whsec_<base64>" becomes the HMAC key it holds; the secret is wiped */

static char *
ngx_http_hashpay_whsec(ngx_conf_t *cf, void *post, void *data)
{
    ngx_str_t  *s = data;

    u_char   *key;
    ssize_t   n;

    key = ngx_pnalloc(cf->pool, s->len);
    if (key == NULL) {
        return NGX_CONF_ERROR;
    }

    n = ngx_http_hashpay_sw_key(s->data, s->len, key);

    ngx_explicit_memzero(s->data, s->len);

    if (n < 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "a transactions secret must be \"whsec_\" "
                           "followed by base64");
        return NGX_CONF_ERROR;
    }

    s->data = key;
    s->len = n;

    return NGX_CONF_OK;
}


static char *
ngx_http_hashpay_operators(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t     *value, *s;
    ngx_uint_t     i;
    ngx_array_t  **ops;

    ops = (ngx_array_t **) (p + cmd->offset);

    if (*ops != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    *ops = ngx_array_create(cf->pool, cf->args->nelts - 1, sizeof(ngx_str_t));
    if (*ops == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_http_hashpay_is_id(value[i].data, value[i].len) != NGX_OK) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid user id \"%V\" in \"%V\": an X user "
                               "id is 1-%d digits", &value[i], &cmd->name,
                               NGX_HTTP_HASHPAY_ID_MAX);
            return NGX_CONF_ERROR;
        }

        s = ngx_array_push(*ops);
        if (s == NULL) {
            return NGX_CONF_ERROR;
        }

        *s = value[i];
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_hashpay_is_id(u_char *p, size_t len)
{
    size_t  i;

    if (len == 0 || len > NGX_HTTP_HASHPAY_ID_MAX) {
        return NGX_DECLINED;
    }

    for (i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_init_process(ngx_cycle_t *cycle)
{
    ngx_http_hashpay_main_conf_t  *mcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                  "hashpay " NGX_HTTP_HASHPAY_VERSION " worker started");

    /* before any jansson call: request bodies parsed on their pool */

    if (ngx_http_hashpay_json_alloc_init() != NGX_OK) {
        ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0,
                      "hashpay: jansson has another module's allocator: "
                      "request bodies parsed with it, not on the pool");
    }

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_hashpay_module);

    if (mcf == NULL || mcf->redis == NULL) {
        return NGX_OK;
    }

    /* the client tells its state changes to the metrics, not the reverse */

    ngx_http_hashpay_redis_on_state(mcf->metrics_zone != NULL
                                    ? ngx_http_hashpay_metrics_redis_state
                                    : NULL);

    return ngx_http_hashpay_redis_init_process(cycle, mcf->redis);
}


static void
ngx_http_hashpay_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_hashpay_redis_exit_process(cycle);
    ngx_http_hashpay_sig_exit();
}
