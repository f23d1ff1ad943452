
/*
 * Copyright (C) hashpay authors
 *
 * Strict reading of admin and transaction bodies (SPEC sections 5, 6 and
 * 10): the JSON itself (one object, no duplicate keys, nesting at most 32,
 * numbers jansson can hold), then the fields of an offer, a card link or a
 * card transaction, and the shapes of the ids that appear in admin routes.
 * Pure code: no request, no Redis, no logging (a card number must be
 * written nowhere).
 */


#ifndef _NGX_HTTP_HASHPAY_JSON_H_INCLUDED_
#define _NGX_HTTP_HASHPAY_JSON_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>


#define NGX_HTTP_HASHPAY_JSON_MAX_DEPTH  32
#define NGX_HTTP_HASHPAY_INT_MAX         9007199254740992LL   /* 2^53 */
#define NGX_HTTP_HASHPAY_UNSET           -1


/* why a body was refused: 400 malformed_json, or 422 with code and field */
typedef struct {
    ngx_uint_t                  status;
    const char                 *code;
    const char                 *field;    /* NULL: not about one field */
} ngx_http_hashpay_json_err_t;


/*
 * An offer as PUT: strings point into the parsed JSON, integers are
 * NGX_HTTP_HASHPAY_UNSET where the field is unset and has no default
 * (starts_at, ends_at; the fields of the other kind).
 */
typedef struct {
    ngx_str_t                   title;
    ngx_str_t                   kind;         /* "purchase" or "cashback" */
    ngx_str_t                   currency;
    ngx_str_t                   merchant_id;  /* empty for purchase */
    int64_t                     price_cents;
    int64_t                     stock;
    int64_t                     per_user_limit;
    int64_t                     starts_at;
    int64_t                     ends_at;
    int64_t                     min_account_age_days;
    int64_t                     cashback_cents;
    int64_t                     min_spend_cents;
} ngx_http_hashpay_offer_t;


typedef struct {
    ngx_str_t                   card_token;
    ngx_str_t                   screen_name;
} ngx_http_hashpay_link_t;


/*
 * A card transaction (SPEC section 5): strings point into the parsed JSON.
 */
typedef struct {
    ngx_str_t                   txn_id;
    ngx_str_t                   card_token;
    ngx_str_t                   merchant_id;
    ngx_str_t                   currency;
    int64_t                     amount_cents;
    int64_t                     at;            /* unix seconds */
} ngx_http_hashpay_txn_t;


/*
 * The body as a JSON object, or NULL with err set (400 malformed_json for
 * bad JSON, duplicate keys, nesting deeper than 32 or a body that is not
 * an object; 422 out_of_range for a number beyond 64 bits, but 422
 * looks_like_pan when a string member of the same body is a card number).
 * The caller owns the result (json_decref).
 */
json_t *ngx_http_hashpay_json_parse(const u_char *data, size_t len,
    ngx_http_hashpay_json_err_t *err);

/*
 * NGX_OK, or NGX_DECLINED with err set (422).  A card number anywhere text
 * goes (a string member, or an integer literal where no integer is
 * expected, known field or not) is looks_like_pan before any other error;
 * an error's field is NULL when the name is not safe to repeat (not an
 * identifier, all digits, or holding a run of 12 digits or more).
 */
ngx_int_t ngx_http_hashpay_offer_read(json_t *root,
    ngx_http_hashpay_offer_t *offer, ngx_http_hashpay_json_err_t *err);
ngx_int_t ngx_http_hashpay_link_read(json_t *root,
    ngx_http_hashpay_link_t *link, ngx_http_hashpay_json_err_t *err);

/*
 * NGX_OK, or NGX_DECLINED with err set: 400 with the code and field, but
 * 422 looks_like_pan for a card number, before any other error, as above
 * (SPEC section 10, "Cashback" and "Card numbers, whatever else is wrong")
 */
ngx_int_t ngx_http_hashpay_txn_read(json_t *root,
    ngx_http_hashpay_txn_t *txn, ngx_http_hashpay_json_err_t *err);

/* 1-100 of [A-Za-z0-9_], not all digits */
ngx_uint_t ngx_http_hashpay_is_tag(const u_char *p, size_t len);
/* 1-20 digits */
ngx_uint_t ngx_http_hashpay_is_user_id(const u_char *p, size_t len);
/* 1-64 of [A-Za-z0-9_] */
ngx_uint_t ngx_http_hashpay_is_purchase_id(const u_char *p, size_t len);
/* ignoring spaces and dashes, 12-19 digits that pass the Luhn check */
ngx_uint_t ngx_http_hashpay_looks_like_pan(const u_char *p, size_t len);
/* the number of UTF-8 characters, or -1 if p is not valid UTF-8 */
ngx_int_t ngx_http_hashpay_utf8_chars(const u_char *p, size_t len);


#endif /* _NGX_HTTP_HASHPAY_JSON_H_INCLUDED_ */
