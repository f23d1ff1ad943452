
/*
 * Copyright (C) hashpay authors
 *
 * The admin REST API (hashpay_admin), under the location's prefix:
 *
 *   offers              GET (?limit=N&cursor=C: one page)
 *   offers/<tag>        GET, PUT, DELETE
 *   links/<user_id>     GET, PUT, DELETE
 *   purchases/<id>      GET
 *
 * Checks in this order: the bearer token (401), the route (404: an
 * unknown path, or an id of the wrong shape), the method (405 with
 * Allow), then for PUT the body (400, 413, 422) and for the offers list
 * its query arguments (422).  A tag that cannot name an offer (not 1-100
 * of [A-Za-z0-9_], all digits, or shaped like a confirmation hashtag of
 * the location's hashpay_confirm_prefix: SPEC section 6) is 404 for GET
 * and DELETE, but a PUT is told why: 422 invalid_value, field tag, before
 * its body is read.  Each request is one
 * Lua script (src/lua/offer_*.lua, link_*.lua, purchase_get.lua,
 * unlink.lua) that answers { status, JSON text or error code, field }.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <jansson.h>

#include "ngx_http_hashpay.h"
#include "ngx_http_hashpay_redis.h"
#include "ngx_http_hashpay_json.h"
#include "ngx_http_hashpay_tweet.h"
#include "ngx_http_hashpay_handler.h"
#include "ngx_http_hashpay_admin_token.h"


typedef enum {
    NGX_HTTP_HASHPAY_ROUTE_OFFERS = 0,
    NGX_HTTP_HASHPAY_ROUTE_OFFER,
    NGX_HTTP_HASHPAY_ROUTE_LINK,
    NGX_HTTP_HASHPAY_ROUTE_PURCHASE
} ngx_http_hashpay_route_e;


typedef struct {
    ngx_http_hashpay_route_e        route;
    ngx_str_t                       id;        /* as in the URI */
    ngx_str_t                       key_id;    /* lower-cased tag, or id */

    json_t                         *root;

    ngx_uint_t                      status;
    ngx_str_t                       text;
    u_char                         *code;      /* null-ended */
    u_char                         *field;     /* null-ended, or NULL */

    unsigned                        unlink:1;
    unsigned                        bad_tag:1;  /* offers/<not a tag> */
} ngx_http_hashpay_admin_t;


static ngx_int_t ngx_http_hashpay_admin_route(ngx_http_request_t *r,
    ngx_http_hashpay_admin_t *ad);
static ngx_int_t ngx_http_hashpay_admin_parse(ngx_http_request_t *r,
    ngx_http_hashpay_batch_t *b, ngx_str_t *body);
static ngx_int_t ngx_http_hashpay_admin_eval(ngx_http_request_t *r,
    ngx_http_hashpay_batch_t *b, ngx_http_hashpay_admin_t *ad,
    ngx_http_hashpay_offer_t *offer, ngx_http_hashpay_link_t *link);
static ngx_int_t ngx_http_hashpay_admin_send(ngx_http_request_t *r,
    ngx_http_hashpay_batch_t *b, ngx_http_hashpay_script_e script,
    ngx_str_t *args, ngx_uint_t nargs);
static ngx_int_t ngx_http_hashpay_admin_read(ngx_http_request_t *r,
    void *data, ngx_uint_t index, redisReply *reply);
static ngx_int_t ngx_http_hashpay_admin_read_reply(ngx_http_request_t *r,
    ngx_http_hashpay_admin_t *ad, redisReply *reply);
static ngx_int_t ngx_http_hashpay_admin_respond(ngx_http_request_t *r,
    void *data);
static ngx_int_t ngx_http_hashpay_admin_key(ngx_pool_t *pool,
    ngx_str_t *prefix, char *kind, ngx_str_t *id, ngx_str_t *key);
static ngx_int_t ngx_http_hashpay_admin_page(ngx_http_request_t *r,
    ngx_str_t *limit, ngx_str_t *cursor, char **code, char **field);
static ngx_int_t ngx_http_hashpay_admin_arg(ngx_http_request_t *r,
    char *name, ngx_str_t *value);


#define NGX_HTTP_HASHPAY_PAGE_DEFAULT  100
#define NGX_HTTP_HASHPAY_PAGE_MAX      1000


static char  *ngx_http_hashpay_admin_allow[] = {
    "GET",                 /* offers */
    "GET, PUT, DELETE",    /* offers/<tag> */
    "GET, PUT, DELETE",    /* links/<user_id> */
    "GET"                  /* purchases/<id> */
};


/* a script that fails or answers what it should not: 500, not retried */

static ngx_http_hashpay_endpoint_t  ngx_http_hashpay_admin_endpoint = {
    "admin",
    "admin script",
    ngx_http_hashpay_admin_parse,
    ngx_http_hashpay_admin_read,
    ngx_http_hashpay_admin_respond,
    NGX_HTTP_INTERNAL_SERVER_ERROR,
    NULL
};


ngx_int_t
ngx_http_hashpay_admin_handler(ngx_http_request_t *r)
{
    ngx_int_t                     rc;
    ngx_uint_t                    allowed;
    ngx_http_hashpay_ctx_t       *ctx;
    ngx_http_hashpay_admin_t     *ad;
    ngx_http_hashpay_loc_conf_t  *hlcf;

    hlcf = ngx_http_get_module_loc_conf(r, ngx_http_hashpay_module);

    ctx = ngx_http_hashpay_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ad = ngx_pcalloc(r->pool, sizeof(ngx_http_hashpay_admin_t));
    if (ad == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->data = ad;

    if (ngx_http_hashpay_admin_auth(r, hlcf) != NGX_OK) {
        return ngx_http_hashpay_refuse(r, NGX_HTTP_UNAUTHORIZED,
                                       "unauthorized", "WWW-Authenticate",
                                       "Bearer");
    }

    if (ngx_http_hashpay_admin_route(r, ad) != NGX_OK
        || (ad->bad_tag && r->method != NGX_HTTP_PUT))
    {
        return ngx_http_hashpay_refuse(r, NGX_HTTP_NOT_FOUND, "not_found",
                                       NULL, NULL);
    }

    switch (ad->route) {

    case NGX_HTTP_HASHPAY_ROUTE_OFFER:
    case NGX_HTTP_HASHPAY_ROUTE_LINK:
        allowed = NGX_HTTP_GET|NGX_HTTP_PUT|NGX_HTTP_DELETE;
        break;

    default:
        allowed = NGX_HTTP_GET;
    }

    if (!(r->method & allowed)) {
        return ngx_http_hashpay_refuse(r, NGX_HTTP_NOT_ALLOWED,
                                       "method_not_allowed", "Allow",
                                       ngx_http_hashpay_admin_allow[ad->route]);
    }

    if (ad->bad_tag) {

        /*
         * a PUT of a tag no offer can have: said before the body is read,
         * and not logged (the tag may be anything, a card number too)
         */

        rc = ngx_http_discard_request_body(r);

        if (rc != NGX_OK) {
            return rc;
        }

        /* 422: nginx 1.22 has no name for it */

        return ngx_http_hashpay_send_error(r, 422, "invalid_value", "tag");
    }

    if (r->method == NGX_HTTP_PUT) {
        return ngx_http_hashpay_handler_read_body(r,
                                             &ngx_http_hashpay_admin_endpoint);
    }

    return ngx_http_hashpay_handler_run(r, &ngx_http_hashpay_admin_endpoint);
}


/* the path after the location's prefix; NGX_DECLINED: no such route */

static ngx_int_t
ngx_http_hashpay_admin_route(ngx_http_request_t *r,
    ngx_http_hashpay_admin_t *ad)
{
    u_char                        *p, *last, *slash;
    u_char                         code[NGX_HTTP_HASHPAY_CODE_LEN];
    ngx_str_t                      name;
    ngx_http_core_loc_conf_t      *clcf;
    ngx_http_hashpay_loc_conf_t   *hlcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);
    hlcf = ngx_http_get_module_loc_conf(r, ngx_http_hashpay_module);

    if (r->uri.len < clcf->name.len
        || ngx_strncmp(r->uri.data, clcf->name.data, clcf->name.len) != 0)
    {
        return NGX_DECLINED;
    }

    p = r->uri.data + clcf->name.len;
    last = r->uri.data + r->uri.len;

    if (p < last && *p == '/' && clcf->name.len
        && clcf->name.data[clcf->name.len - 1] != '/')
    {
        p++;
    }

    slash = ngx_strlchr(p, last, '/');

    name.data = p;
    name.len = (slash ? slash : last) - p;

    if (slash == NULL) {
        if (name.len == 6 && ngx_strncmp(name.data, "offers", 6) == 0) {
            ad->route = NGX_HTTP_HASHPAY_ROUTE_OFFERS;
            return NGX_OK;
        }

        return NGX_DECLINED;
    }

    ad->id.data = slash + 1;
    ad->id.len = last - ad->id.data;

    if (name.len == 6 && ngx_strncmp(name.data, "offers", 6) == 0) {
        ad->route = NGX_HTTP_HASHPAY_ROUTE_OFFER;

        /*
         * a confirmation hashtag always wins over an offer hashtag, so an
         * offer tagged like one could never be bought
         */

        if (!ngx_http_hashpay_is_tag(ad->id.data, ad->id.len)
            || ngx_http_hashpay_confirm_code(ad->id.data, ad->id.len,
                                             &hlcf->confirm_prefix, code)
               == NGX_OK)
        {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "hashpay admin: not an offer tag");
            ad->bad_tag = 1;
            return NGX_OK;
        }

        ad->key_id.len = ad->id.len;
        ad->key_id.data = ngx_pnalloc(r->pool, ad->id.len);
        if (ad->key_id.data == NULL) {
            return NGX_ERROR;
        }

        ngx_strlow(ad->key_id.data, ad->id.data, ad->id.len);

        return NGX_OK;
    }

    ad->key_id = ad->id;

    if (name.len == 5 && ngx_strncmp(name.data, "links", 5) == 0) {
        if (!ngx_http_hashpay_is_user_id(ad->id.data, ad->id.len)) {
            return NGX_DECLINED;
        }

        ad->route = NGX_HTTP_HASHPAY_ROUTE_LINK;
        return NGX_OK;
    }

    if (name.len == 9 && ngx_strncmp(name.data, "purchases", 9) == 0) {
        if (!ngx_http_hashpay_is_purchase_id(ad->id.data, ad->id.len)) {
            return NGX_DECLINED;
        }

        ad->route = NGX_HTTP_HASHPAY_ROUTE_PURCHASE;
        return NGX_OK;
    }

    return NGX_DECLINED;
}


/* the body of a PUT (none for GET and DELETE), and the script queued */

static ngx_int_t
ngx_http_hashpay_admin_parse(ngx_http_request_t *r,
    ngx_http_hashpay_batch_t *b, ngx_str_t *body)
{
    ngx_int_t                     rc;
    ngx_http_hashpay_ctx_t       *ctx;
    ngx_http_hashpay_link_t       link;
    ngx_http_hashpay_offer_t      offer;
    ngx_http_hashpay_admin_t     *ad;
    ngx_http_hashpay_json_err_t   err;

    ctx = ngx_http_get_module_ctx(r, ngx_http_hashpay_module);
    ad = ctx->data;

    /* what changes offers and links waits for replicas; reading does not */
    b->durable = (r->method != NGX_HTTP_GET);

    if (body == NULL) {
        return ngx_http_hashpay_admin_eval(r, b, ad, NULL, NULL);
    }

    ngx_memzero(&err, sizeof(ngx_http_hashpay_json_err_t));

    if (ngx_http_hashpay_json_body_parse(r->pool, body, &ad->root, &err)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ad->root != NULL) {
        if (ad->route == NGX_HTTP_HASHPAY_ROUTE_OFFER) {
            rc = ngx_http_hashpay_offer_read(ad->root, &offer, &err);

        } else {
            rc = ngx_http_hashpay_link_read(ad->root, &link, &err);
        }

    } else {
        rc = NGX_DECLINED;
    }

    if (rc != NGX_OK) {
        return ngx_http_hashpay_handler_refuse_body(r, "admin", &err);
    }

    if (ad->route == NGX_HTTP_HASHPAY_ROUTE_OFFER) {
        return ngx_http_hashpay_admin_eval(r, b, ad, &offer, NULL);
    }

    return ngx_http_hashpay_admin_eval(r, b, ad, NULL, &link);
}


/*
 * The script of the request and its arguments (KEYS, then ARGV: see each
 * script's header).  NGX_DONE when queued, or an answer.
 */

static ngx_int_t
ngx_http_hashpay_admin_eval(ngx_http_request_t *r,
    ngx_http_hashpay_batch_t *b, ngx_http_hashpay_admin_t *ad,
    ngx_http_hashpay_offer_t *offer, ngx_http_hashpay_link_t *link)
{
    char                          *code, *field;
    ngx_str_t                     *args;
    ngx_pool_t                    *pool;
    ngx_http_hashpay_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_hashpay_module);
    pool = r->pool;

    /* enough for any of them; the largest is offer_put */
    args = ngx_pcalloc(pool,
                       NGX_HTTP_HASHPAY_OFFER_PUT_NARGS * sizeof(ngx_str_t));
    if (args == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    switch (ad->route) {

    case NGX_HTTP_HASHPAY_ROUTE_OFFERS:
        switch (ngx_http_hashpay_admin_page(r,
                            &args[NGX_HTTP_HASHPAY_OFFER_LIST_ARG_LIMIT],
                            &args[NGX_HTTP_HASHPAY_OFFER_LIST_ARG_CURSOR],
                            &code, &field))
        {
        case NGX_OK:
            break;

        case NGX_DECLINED:
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "hashpay: admin offers list refused: %s %s",
                          code, field);

            return ngx_http_hashpay_send_error(r, 422, code, field);

        default:
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (ngx_http_hashpay_admin_key(pool, &mcf->prefix, "offers", NULL,
                            &args[NGX_HTTP_HASHPAY_OFFER_LIST_KEY_OFFERS])
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        args[NGX_HTTP_HASHPAY_OFFER_LIST_ARG_PREFIX] = mcf->prefix;

        return ngx_http_hashpay_admin_send(r, b,
                                           NGX_HTTP_HASHPAY_SCRIPT_OFFER_LIST,
                                           args,
                                           NGX_HTTP_HASHPAY_OFFER_LIST_NARGS);

    case NGX_HTTP_HASHPAY_ROUTE_OFFER:

        if (r->method == NGX_HTTP_GET || r->method == NGX_HTTP_DELETE) {

            /* offer_get and offer_delete take the same arguments */

            if (ngx_http_hashpay_admin_key(pool, &mcf->prefix, "offer",
                            &ad->key_id,
                            &args[NGX_HTTP_HASHPAY_OFFER_GET_KEY_OFFER])
                != NGX_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            args[NGX_HTTP_HASHPAY_OFFER_GET_ARG_PREFIX] = mcf->prefix;
            args[NGX_HTTP_HASHPAY_OFFER_GET_ARG_TAG] = ad->key_id;

            if (r->method == NGX_HTTP_GET) {
                return ngx_http_hashpay_admin_send(r, b,
                                            NGX_HTTP_HASHPAY_SCRIPT_OFFER_GET,
                                            args,
                                            NGX_HTTP_HASHPAY_OFFER_GET_NARGS);
            }

#if (NGX_HTTP_HASHPAY_OFFER_GET_NARGS != NGX_HTTP_HASHPAY_OFFER_DELETE_NARGS \
     || NGX_HTTP_HASHPAY_OFFER_GET_ARG_TAG                                    \
        != NGX_HTTP_HASHPAY_OFFER_DELETE_ARG_TAG)
#error "offer_get.lua and offer_delete.lua must take the same arguments"
#endif

            return ngx_http_hashpay_admin_send(r, b,
                                        NGX_HTTP_HASHPAY_SCRIPT_OFFER_DELETE,
                                        args,
                                        NGX_HTTP_HASHPAY_OFFER_DELETE_NARGS);
        }

        if (ngx_http_hashpay_admin_key(pool, &mcf->prefix, "offer",
                            &ad->key_id,
                            &args[NGX_HTTP_HASHPAY_OFFER_PUT_KEY_OFFER])
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        args[NGX_HTTP_HASHPAY_OFFER_PUT_ARG_PREFIX] = mcf->prefix;
        args[NGX_HTTP_HASHPAY_OFFER_PUT_ARG_TAG] = ad->key_id;
        args[NGX_HTTP_HASHPAY_OFFER_PUT_ARG_TAG_AS_WRITTEN] = ad->id;
        args[NGX_HTTP_HASHPAY_OFFER_PUT_ARG_KIND] = offer->kind;
        args[NGX_HTTP_HASHPAY_OFFER_PUT_ARG_TITLE] = offer->title;
        args[NGX_HTTP_HASHPAY_OFFER_PUT_ARG_CURRENCY] = offer->currency;
        args[NGX_HTTP_HASHPAY_OFFER_PUT_ARG_MERCHANT_ID] = offer->merchant_id;

        if (ngx_http_hashpay_int_arg(pool, offer->price_cents,
                        &args[NGX_HTTP_HASHPAY_OFFER_PUT_ARG_PRICE_CENTS])
            != NGX_OK
            || ngx_http_hashpay_int_arg(pool, offer->stock,
                        &args[NGX_HTTP_HASHPAY_OFFER_PUT_ARG_STOCK])
               != NGX_OK
            || ngx_http_hashpay_int_arg(pool, offer->per_user_limit,
                        &args[NGX_HTTP_HASHPAY_OFFER_PUT_ARG_PER_USER_LIMIT])
               != NGX_OK
            || ngx_http_hashpay_int_arg(pool, offer->starts_at,
                        &args[NGX_HTTP_HASHPAY_OFFER_PUT_ARG_STARTS_AT])
               != NGX_OK
            || ngx_http_hashpay_int_arg(pool, offer->ends_at,
                        &args[NGX_HTTP_HASHPAY_OFFER_PUT_ARG_ENDS_AT])
               != NGX_OK
            || ngx_http_hashpay_int_arg(pool, offer->min_account_age_days,
                   &args[NGX_HTTP_HASHPAY_OFFER_PUT_ARG_MIN_ACCOUNT_AGE_DAYS])
               != NGX_OK
            || ngx_http_hashpay_int_arg(pool, offer->cashback_cents,
                        &args[NGX_HTTP_HASHPAY_OFFER_PUT_ARG_CASHBACK_CENTS])
               != NGX_OK
            || ngx_http_hashpay_int_arg(pool, offer->min_spend_cents,
                        &args[NGX_HTTP_HASHPAY_OFFER_PUT_ARG_MIN_SPEND_CENTS])
               != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_hashpay_admin_send(r, b,
                                           NGX_HTTP_HASHPAY_SCRIPT_OFFER_PUT,
                                           args,
                                           NGX_HTTP_HASHPAY_OFFER_PUT_NARGS);

    case NGX_HTTP_HASHPAY_ROUTE_LINK:

        if (r->method == NGX_HTTP_DELETE) {
            ad->unlink = 1;

            args[NGX_HTTP_HASHPAY_UNLINK_KEY_EVENTS] = mcf->events_key;
            args[NGX_HTTP_HASHPAY_UNLINK_ARG_PREFIX] = mcf->prefix;
            args[NGX_HTTP_HASHPAY_UNLINK_ARG_EVENTS_POLICY] =
                                                      mcf->events_maxlen_text;
            args[NGX_HTTP_HASHPAY_UNLINK_ARG_USER] = ad->id;
            ngx_str_set(&args[NGX_HTTP_HASHPAY_UNLINK_ARG_BY], "admin");

            /* for revokes only */
            ngx_str_set(&args[NGX_HTTP_HASHPAY_UNLINK_ARG_DATE_TIME], "");
            ngx_str_set(&args[NGX_HTTP_HASHPAY_UNLINK_ARG_DEDUPE_TTL], "");

            return ngx_http_hashpay_admin_send(r, b,
                                               NGX_HTTP_HASHPAY_SCRIPT_UNLINK,
                                               args,
                                               NGX_HTTP_HASHPAY_UNLINK_NARGS);
        }

        if (r->method == NGX_HTTP_GET) {
            if (ngx_http_hashpay_admin_key(pool, &mcf->prefix, "link",
                                &ad->id,
                                &args[NGX_HTTP_HASHPAY_LINK_GET_KEY_LINK])
                != NGX_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            args[NGX_HTTP_HASHPAY_LINK_GET_ARG_PREFIX] = mcf->prefix;

            return ngx_http_hashpay_admin_send(r, b,
                                             NGX_HTTP_HASHPAY_SCRIPT_LINK_GET,
                                             args,
                                             NGX_HTTP_HASHPAY_LINK_GET_NARGS);
        }

        if (ngx_http_hashpay_admin_key(pool, &mcf->prefix, "link", &ad->id,
                                &args[NGX_HTTP_HASHPAY_LINK_PUT_KEY_LINK])
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        args[NGX_HTTP_HASHPAY_LINK_PUT_ARG_PREFIX] = mcf->prefix;
        args[NGX_HTTP_HASHPAY_LINK_PUT_ARG_USER] = ad->id;
        args[NGX_HTTP_HASHPAY_LINK_PUT_ARG_CARD_TOKEN] = link->card_token;
        args[NGX_HTTP_HASHPAY_LINK_PUT_ARG_SCREEN_NAME] = link->screen_name;

        return ngx_http_hashpay_admin_send(r, b,
                                           NGX_HTTP_HASHPAY_SCRIPT_LINK_PUT,
                                           args,
                                           NGX_HTTP_HASHPAY_LINK_PUT_NARGS);

    default: /* NGX_HTTP_HASHPAY_ROUTE_PURCHASE */
        if (ngx_http_hashpay_admin_key(pool, &mcf->prefix, "purchase",
                            &ad->id,
                            &args[NGX_HTTP_HASHPAY_PURCHASE_GET_KEY_PURCHASE])
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        args[NGX_HTTP_HASHPAY_PURCHASE_GET_ARG_PREFIX] = mcf->prefix;

        return ngx_http_hashpay_admin_send(r, b,
                                           NGX_HTTP_HASHPAY_SCRIPT_PURCHASE_GET,
                                           args,
                                           NGX_HTTP_HASHPAY_PURCHASE_GET_NARGS);
    }
}


static ngx_int_t
ngx_http_hashpay_admin_send(ngx_http_request_t *r,
    ngx_http_hashpay_batch_t *b, ngx_http_hashpay_script_e script,
    ngx_str_t *args, ngx_uint_t nargs)
{
    if (ngx_http_hashpay_batch_eval(b, script, args, nargs) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_DONE;
}


static ngx_int_t
ngx_http_hashpay_admin_read(ngx_http_request_t *r, void *data,
    ngx_uint_t index, redisReply *reply)
{
    if (ngx_http_hashpay_admin_read_reply(r, data, reply) != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "hashpay: unexpected answer of an admin script");
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_admin_read_reply(ngx_http_request_t *r,
    ngx_http_hashpay_admin_t *ad, redisReply *reply)
{
    u_char      *p;
    ngx_str_t    word;
    ngx_uint_t   i;
    redisReply  *e;

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) {
        return NGX_ERROR;
    }

    e = reply->element[0];

    if (ad->unlink) {

        /* { deleted, purchases_cancelled, claims_voided } */

        for (i = 0; i < 3; i++) {
            if (reply->element[i]->type != REDIS_REPLY_INTEGER
                || reply->element[i]->integer < 0)
            {
                return NGX_ERROR;
            }
        }

        if (e->integer == 0) {
            ad->status = NGX_HTTP_NOT_FOUND;
            ad->code = (u_char *) "not_found";
            return NGX_OK;
        }

        p = ngx_pnalloc(r->pool, sizeof("{\"user_id\":\"\",\"deleted\":true,"
                                        "\"purchases_cancelled\":,"
                                        "\"claims_voided\":}")
                                 + ad->id.len + 2 * NGX_INT64_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        ad->status = NGX_HTTP_OK;
        ad->text.data = p;
        ad->text.len = ngx_sprintf(p, "{\"user_id\":\"%V\",\"deleted\":true,"
                                   "\"purchases_cancelled\":%L,"
                                   "\"claims_voided\":%L}", &ad->id,
                                   (int64_t) reply->element[1]->integer,
                                   (int64_t) reply->element[2]->integer)
                       - p;
        return NGX_OK;
    }

    /* { status, JSON text or error code, field or "" } */

    if (e->type != REDIS_REPLY_INTEGER || e->integer < 200
        || e->integer > 599
        || reply->element[1]->type != REDIS_REPLY_STRING
        || reply->element[2]->type != REDIS_REPLY_STRING)
    {
        return NGX_ERROR;
    }

    ad->status = (ngx_uint_t) e->integer;

    if (ad->status < 300) {
        e = reply->element[1];

        ad->text.len = e->len;
        ad->text.data = ngx_pnalloc(r->pool, e->len);
        if (ad->text.data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(ad->text.data, e->str, e->len);
        return NGX_OK;
    }

    if (ngx_http_hashpay_reply_word(r->pool, reply->element[1], &word)
        != NGX_OK
        || word.len == 0)
    {
        return NGX_ERROR;
    }

    ad->code = word.data;

    if (reply->element[2]->len) {
        if (ngx_http_hashpay_reply_word(r->pool, reply->element[2], &word)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        ad->field = word.data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_admin_respond(ngx_http_request_t *r, void *data)
{
    ngx_http_hashpay_admin_t  *ad = data;

    if (ad->status == 0) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ad->status >= 300) {
        return ngx_http_hashpay_send_error(r, ad->status, (char *) ad->code,
                                           (char *) ad->field);
    }

    return ngx_http_hashpay_send_json(r, ad->status, &ad->text);
}


/* "<prefix>:<kind>" or "<prefix>:<kind>:<id>" */

static ngx_int_t
ngx_http_hashpay_admin_key(ngx_pool_t *pool, ngx_str_t *prefix, char *kind,
    ngx_str_t *id, ngx_str_t *key)
{
    u_char  *p;
    size_t   len;

    len = prefix->len + 1 + ngx_strlen(kind) + (id ? 1 + id->len : 0);

    p = ngx_pnalloc(pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    key->data = p;

    if (id) {
        p = ngx_sprintf(p, "%V:%s:%V", prefix, kind, id);

    } else {
        p = ngx_sprintf(p, "%V:%s", prefix, kind);
    }

    key->len = p - key->data;

    return NGX_OK;
}


/*
 * The page of GET offers (SPEC section 6): ?limit=N, decimal digits
 * worth 1-1000 (default 100), and ?cursor=C, the next_cursor of the
 * previous page: the last tag of that page, lower-cased, so 1-100 of
 * a-z, 0-9 and "_" (absent: the first page).  limit is checked first;
 * the first occurrence of each argument counts (a bare "limit" or
 * "cursor", without "=", has the empty value), other arguments are
 * ignored, and values are taken as sent (not percent-decoded).
 * NGX_DECLINED with the error's code and field: a limit that is empty or
 * not all digits is invalid_value, digits worth 0 or over 1000
 * out_of_range; a cursor of another shape is invalid_value.
 */

static ngx_int_t
ngx_http_hashpay_admin_page(ngx_http_request_t *r, ngx_str_t *limit,
    ngx_str_t *cursor, char **code, char **field)
{
    u_char      *p;
    size_t       i;
    ngx_str_t    value;
    ngx_uint_t   n;

    n = NGX_HTTP_HASHPAY_PAGE_DEFAULT;

    if (ngx_http_hashpay_admin_arg(r, "limit", &value) == NGX_OK) {
        *field = "limit";

        if (value.len == 0) {
            *code = "invalid_value";
            return NGX_DECLINED;
        }

        n = 0;

        for (i = 0; i < value.len; i++) {
            if (value.data[i] < '0' || value.data[i] > '9') {
                *code = "invalid_value";
                return NGX_DECLINED;
            }

            if (n <= NGX_HTTP_HASHPAY_PAGE_MAX) {
                n = n * 10 + (value.data[i] - '0');
            }
        }

        if (n < 1 || n > NGX_HTTP_HASHPAY_PAGE_MAX) {
            *code = "out_of_range";
            return NGX_DECLINED;
        }
    }

    p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    limit->data = p;
    limit->len = ngx_sprintf(p, "%ui", n) - p;

    ngx_str_set(cursor, "");

    if (ngx_http_hashpay_admin_arg(r, "cursor", &value) == NGX_OK) {
        *field = "cursor";
        *code = "invalid_value";

        if (value.len == 0 || value.len > 100) {
            return NGX_DECLINED;
        }

        for (i = 0; i < value.len; i++) {
            if (!((value.data[i] >= 'a' && value.data[i] <= 'z')
                  || (value.data[i] >= '0' && value.data[i] <= '9')
                  || value.data[i] == '_'))
            {
                return NGX_DECLINED;
            }
        }

        *cursor = value;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "hashpay: admin offers page: limit %V cursor \"%V\"",
                   limit, cursor);

    return NGX_OK;
}


/*
 * The first argument of the query named name: NGX_OK and its value (empty
 * for "name" or "name="), or NGX_DECLINED when there is none.  Unlike
 * ngx_http_arg(), a bare name counts: "?limit" is a limit with no value.
 */

static ngx_int_t
ngx_http_hashpay_admin_arg(ngx_http_request_t *r, char *name,
    ngx_str_t *value)
{
    u_char  *p, *last, *end, *eq;
    size_t   len;

    len = ngx_strlen(name);
    p = r->args.data;
    last = p + r->args.len;

    while (p < last) {
        end = ngx_strlchr(p, last, '&');
        if (end == NULL) {
            end = last;
        }

        eq = ngx_strlchr(p, end, '=');

        if ((size_t) ((eq ? eq : end) - p) == len
            && ngx_strncmp(p, name, len) == 0)
        {
            value->data = eq ? eq + 1 : end;
            value->len = eq ? (size_t) (end - eq - 1) : 0;
            return NGX_OK;
        }

        p = end + 1;
    }

    return NGX_DECLINED;
}
