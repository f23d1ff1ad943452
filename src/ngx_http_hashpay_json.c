
/*
 * Copyright (C) hashpay authors
 *
 * Strict reading of admin bodies: see ngx_http_hashpay_json.h.
 *
 * Order of checks, so that one body always gets the same answer: the JSON
 * (400), then a card number anywhere text goes (422 looks_like_pan, the
 * first in body order: SPEC section 10, "Card numbers, whatever else is
 * wrong"), then unknown fields (the first in body order), then kind, then
 * each field of the contract in a fixed order (title, kind, price_cents,
 * currency, stock, per_user_limit, starts_at, ends_at,
 * min_account_age_days, merchant_id, cashback_cents, min_spend_cents):
 * not_applicable, invalid_type, then required, then the value
 * (out_of_range for numbers, invalid_value for the rest).
 *
 * A field's name is given back only when it is safe to repeat: a name of
 * the contract, or a plain identifier that is not all digits and holds no
 * run of 12 digits or more (a card number used as a name is not echoed).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>

#include "ngx_http_hashpay_json.h"


typedef enum {
    ngx_http_hashpay_any = 0,
    ngx_http_hashpay_purchase_only,
    ngx_http_hashpay_cashback_only
} ngx_http_hashpay_applies_e;


static ngx_int_t ngx_http_hashpay_json_depth(const u_char *p, size_t len);
static ngx_int_t ngx_http_hashpay_pan_field(json_t *root, const char **ints,
    ngx_http_hashpay_json_err_t *err);
static ngx_uint_t ngx_http_hashpay_is_pan_value(json_t *v);
static const char *ngx_http_hashpay_field_name(const char *key);
static const char *ngx_http_hashpay_known_name(const char *key);
static ngx_int_t ngx_http_hashpay_unknown_field(json_t *root,
    const char **known, ngx_http_hashpay_json_err_t *err);
static ngx_int_t ngx_http_hashpay_get_int(json_t *root, const char *name,
    int64_t min, ngx_uint_t nullable, int64_t *out,
    ngx_http_hashpay_json_err_t *err);
static ngx_int_t ngx_http_hashpay_get_str(json_t *root, const char *name,
    ngx_str_t *out, ngx_http_hashpay_json_err_t *err);
static ngx_int_t ngx_http_hashpay_applies(json_t *root, const char *name,
    ngx_http_hashpay_applies_e applies, ngx_uint_t cashback,
    ngx_http_hashpay_json_err_t *err);
static ngx_int_t ngx_http_hashpay_fail(ngx_http_hashpay_json_err_t *err,
    ngx_uint_t status, const char *code, const char *field);
static ngx_uint_t ngx_http_hashpay_is_printable(const u_char *p, size_t len);
static ngx_int_t ngx_http_hashpay_txn_fields_read(json_t *root,
    ngx_http_hashpay_txn_t *t, ngx_http_hashpay_json_err_t *err);
static ngx_int_t ngx_http_hashpay_get_word(json_t *root, const char *name,
    size_t min, size_t max, ngx_str_t *out,
    ngx_http_hashpay_json_err_t *err);
static ngx_uint_t ngx_http_hashpay_is_currency(ngx_str_t *s);


static const char  *ngx_http_hashpay_offer_fields[] = {
    "title", "kind", "price_cents", "currency", "stock", "per_user_limit",
    "starts_at", "ends_at", "min_account_age_days", "merchant_id",
    "cashback_cents", "min_spend_cents", NULL
};

static const char  *ngx_http_hashpay_link_fields[] = {
    "card_token", "screen_name", NULL
};

static const char  *ngx_http_hashpay_txn_fields[] = {
    "txn_id", "card_token", "merchant_id", "amount_cents", "currency", "at",
    NULL
};


/* the integer fields: their values are amounts and times, never cards */

static const char  *ngx_http_hashpay_offer_ints[] = {
    "price_cents", "stock", "per_user_limit", "starts_at", "ends_at",
    "min_account_age_days", "cashback_cents", "min_spend_cents", NULL
};

static const char  *ngx_http_hashpay_no_ints[] = {
    NULL
};

static const char  *ngx_http_hashpay_txn_ints[] = {
    "amount_cents", "at", NULL
};


json_t *
ngx_http_hashpay_json_parse(const u_char *data, size_t len,
    ngx_http_hashpay_json_err_t *err)
{
    json_t        *root;
    json_error_t   jerr;

    if (ngx_http_hashpay_json_depth(data, len) != NGX_OK) {
        (void) ngx_http_hashpay_fail(err, 400, "malformed_json", NULL);
        return NULL;
    }

    /* no JSON_ALLOW_NUL: a NUL inside a string is refused */

    root = json_loadb((const char *) data, len, JSON_REJECT_DUPLICATES,
                      &jerr);

    if (root == NULL) {
        if (json_error_code(&jerr) != json_error_numeric_overflow) {
            (void) ngx_http_hashpay_fail(err, 400, "malformed_json", NULL);
            return NULL;
        }

        (void) ngx_http_hashpay_fail(err, 422, "out_of_range", NULL);

        /*
         * a number beyond 64 bits: read again with every integer as a
         * real, only to find a card number among the strings, which wins
         */

        root = json_loadb((const char *) data, len,
                          JSON_REJECT_DUPLICATES|JSON_DECODE_INT_AS_REAL,
                          &jerr);

        if (root != NULL) {
            if (json_is_object(root)
                && ngx_http_hashpay_pan_field(root, ngx_http_hashpay_no_ints,
                                              err)
                   != NGX_OK)
            {
                /* the name must outlive root: the contract's own, or none */
                err->field = ngx_http_hashpay_known_name(err->field);
            }

            json_decref(root);
        }

        return NULL;
    }

    if (!json_is_object(root)) {
        json_decref(root);
        (void) ngx_http_hashpay_fail(err, 400, "malformed_json", NULL);
        return NULL;
    }

    return root;
}


/* arrays and objects nested deeper than the limit, before jansson sees it */

static ngx_int_t
ngx_http_hashpay_json_depth(const u_char *p, size_t len)
{
    size_t      i;
    ngx_uint_t  depth, in_string;

    depth = 0;
    in_string = 0;

    for (i = 0; i < len; i++) {

        if (in_string) {
            if (p[i] == '\\') {
                i++;

            } else if (p[i] == '"') {
                in_string = 0;
            }

            continue;
        }

        switch (p[i]) {

        case '"':
            in_string = 1;
            break;

        case '[':
        case '{':
            if (++depth > NGX_HTTP_HASHPAY_JSON_MAX_DEPTH) {
                return NGX_DECLINED;
            }

            break;

        case ']':
        case '}':
            if (depth) {
                depth--;
            }

            break;
        }
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_hashpay_offer_read(json_t *root, ngx_http_hashpay_offer_t *o,
    ngx_http_hashpay_json_err_t *err)
{
    size_t      i;
    ngx_int_t   rc, n;
    ngx_uint_t  cashback;

    ngx_memzero(o, sizeof(ngx_http_hashpay_offer_t));

    if (ngx_http_hashpay_pan_field(root, ngx_http_hashpay_offer_ints, err)
        != NGX_OK
        || ngx_http_hashpay_unknown_field(root, ngx_http_hashpay_offer_fields,
                                          err)
           != NGX_OK)
    {
        return NGX_DECLINED;
    }

    /* kind first: it decides which fields apply */

    rc = ngx_http_hashpay_get_str(root, "kind", &o->kind, err);
    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    if (rc == NGX_DONE) {
        ngx_str_set(&o->kind, "purchase");
    }

    if (o->kind.len == 8
        && ngx_strncmp(o->kind.data, "purchase", 8) == 0)
    {
        cashback = 0;

    } else if (o->kind.len == 8
               && ngx_strncmp(o->kind.data, "cashback", 8) == 0)
    {
        cashback = 1;

    } else {
        return ngx_http_hashpay_fail(err, 422, "invalid_value", "kind");
    }

    /* title: 1-200 characters, no control characters */

    rc = ngx_http_hashpay_get_str(root, "title", &o->title, err);
    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    if (rc == NGX_DONE) {
        return ngx_http_hashpay_fail(err, 422, "required", "title");
    }

    n = ngx_http_hashpay_utf8_chars(o->title.data, o->title.len);
    if (n < 1 || n > 200) {
        return ngx_http_hashpay_fail(err, 422, "invalid_value", "title");
    }

    for (i = 0; i < o->title.len; i++) {
        if (o->title.data[i] < 0x20 || o->title.data[i] == 0x7f) {
            return ngx_http_hashpay_fail(err, 422, "invalid_value", "title");
        }
    }

    /* price_cents: purchase only, required, >= 1 */

    o->price_cents = NGX_HTTP_HASHPAY_UNSET;

    if (ngx_http_hashpay_applies(root, "price_cents",
                                 ngx_http_hashpay_purchase_only, cashback,
                                 err)
        != NGX_OK)
    {
        return NGX_DECLINED;
    }

    if (!cashback) {
        rc = ngx_http_hashpay_get_int(root, "price_cents", 1, 0,
                                      &o->price_cents, err);
        if (rc == NGX_DECLINED) {
            return NGX_DECLINED;
        }

        if (rc == NGX_DONE) {
            return ngx_http_hashpay_fail(err, 422, "required", "price_cents");
        }
    }

    /* currency: 3 upper-case letters, USD by default */

    rc = ngx_http_hashpay_get_str(root, "currency", &o->currency, err);
    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    if (rc == NGX_DONE) {
        ngx_str_set(&o->currency, "USD");
    }

    if (!ngx_http_hashpay_is_currency(&o->currency)) {
        return ngx_http_hashpay_fail(err, 422, "invalid_value", "currency");
    }

    /* stock: required, >= 0 */

    rc = ngx_http_hashpay_get_int(root, "stock", 0, 0, &o->stock, err);
    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    if (rc == NGX_DONE) {
        return ngx_http_hashpay_fail(err, 422, "required", "stock");
    }

    /* per_user_limit: >= 1, 1 by default */

    rc = ngx_http_hashpay_get_int(root, "per_user_limit", 1, 0,
                                  &o->per_user_limit, err);
    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    if (rc == NGX_DONE) {
        o->per_user_limit = 1;
    }

    /* the window: unix seconds, each optional (null is unset) */

    o->starts_at = NGX_HTTP_HASHPAY_UNSET;
    o->ends_at = NGX_HTTP_HASHPAY_UNSET;

    if (ngx_http_hashpay_get_int(root, "starts_at", 0, 1, &o->starts_at, err)
        == NGX_DECLINED
        || ngx_http_hashpay_get_int(root, "ends_at", 0, 1, &o->ends_at, err)
           == NGX_DECLINED)
    {
        return NGX_DECLINED;
    }

    if (o->starts_at != NGX_HTTP_HASHPAY_UNSET
        && o->ends_at != NGX_HTTP_HASHPAY_UNSET
        && o->ends_at <= o->starts_at)
    {
        return ngx_http_hashpay_fail(err, 422, "invalid_value", "ends_at");
    }

    /* min_account_age_days: >= 0, 0 by default */

    rc = ngx_http_hashpay_get_int(root, "min_account_age_days", 0, 0,
                                  &o->min_account_age_days, err);
    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    if (rc == NGX_DONE) {
        o->min_account_age_days = 0;
    }

    /* the cashback fields */

    o->cashback_cents = NGX_HTTP_HASHPAY_UNSET;
    o->min_spend_cents = NGX_HTTP_HASHPAY_UNSET;

    if (ngx_http_hashpay_applies(root, "merchant_id",
                                 ngx_http_hashpay_cashback_only, cashback,
                                 err)
        != NGX_OK
        || ngx_http_hashpay_applies(root, "cashback_cents",
                                    ngx_http_hashpay_cashback_only, cashback,
                                    err)
           != NGX_OK
        || ngx_http_hashpay_applies(root, "min_spend_cents",
                                    ngx_http_hashpay_cashback_only, cashback,
                                    err)
           != NGX_OK)
    {
        return NGX_DECLINED;
    }

    if (!cashback) {
        return NGX_OK;
    }

    if (ngx_http_hashpay_get_word(root, "merchant_id", 1, 64,
                                  &o->merchant_id, err)
        != NGX_OK)
    {
        return NGX_DECLINED;
    }

    rc = ngx_http_hashpay_get_int(root, "cashback_cents", 1, 0,
                                  &o->cashback_cents, err);
    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    if (rc == NGX_DONE) {
        return ngx_http_hashpay_fail(err, 422, "required", "cashback_cents");
    }

    rc = ngx_http_hashpay_get_int(root, "min_spend_cents", 0, 0,
                                  &o->min_spend_cents, err);
    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    if (rc == NGX_DONE) {
        o->min_spend_cents = 0;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_hashpay_link_read(json_t *root, ngx_http_hashpay_link_t *l,
    ngx_http_hashpay_json_err_t *err)
{
    size_t     i;
    ngx_int_t  rc;

    ngx_memzero(l, sizeof(ngx_http_hashpay_link_t));

    /* a card number first, whatever else is wrong with the body */

    if (ngx_http_hashpay_pan_field(root, ngx_http_hashpay_no_ints, err)
        != NGX_OK
        || ngx_http_hashpay_unknown_field(root, ngx_http_hashpay_link_fields,
                                          err)
           != NGX_OK)
    {
        return NGX_DECLINED;
    }

    rc = ngx_http_hashpay_get_str(root, "card_token", &l->card_token, err);
    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    if (rc == NGX_DONE) {
        return ngx_http_hashpay_fail(err, 422, "required", "card_token");
    }

    if (l->card_token.len < 4 || l->card_token.len > 200
        || !ngx_http_hashpay_is_printable(l->card_token.data,
                                          l->card_token.len))
    {
        return ngx_http_hashpay_fail(err, 422, "invalid_value",
                                     "card_token");
    }

    /* an X screen name: 1-15 of [A-Za-z0-9_] */

    rc = ngx_http_hashpay_get_str(root, "screen_name", &l->screen_name, err);
    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    if (rc == NGX_DONE) {
        return ngx_http_hashpay_fail(err, 422, "required", "screen_name");
    }

    if (l->screen_name.len == 0 || l->screen_name.len > 15) {
        return ngx_http_hashpay_fail(err, 422, "invalid_value",
                                     "screen_name");
    }

    for (i = 0; i < l->screen_name.len; i++) {
        if (!isalnum(l->screen_name.data[i])
            && l->screen_name.data[i] != '_')
        {
            return ngx_http_hashpay_fail(err, 422, "invalid_value",
                                         "screen_name");
        }
    }

    return NGX_OK;
}


/*
 * A card transaction: every field required.  The shared readers answer
 * 422 as the admin API does; a transaction's bad body is 400, but for a
 * card number, which is 422 everywhere.
 */

ngx_int_t
ngx_http_hashpay_txn_read(json_t *root, ngx_http_hashpay_txn_t *t,
    ngx_http_hashpay_json_err_t *err)
{
    ngx_memzero(t, sizeof(ngx_http_hashpay_txn_t));

    if (ngx_http_hashpay_txn_fields_read(root, t, err) == NGX_OK) {
        return NGX_OK;
    }

    if (ngx_strcmp(err->code, "looks_like_pan") != 0) {
        err->status = 400;
    }

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_hashpay_txn_fields_read(json_t *root, ngx_http_hashpay_txn_t *t,
    ngx_http_hashpay_json_err_t *err)
{
    ngx_int_t  rc;

    /* a card number first, whatever else is wrong with the body */

    if (ngx_http_hashpay_pan_field(root, ngx_http_hashpay_txn_ints, err)
        != NGX_OK
        || ngx_http_hashpay_unknown_field(root, ngx_http_hashpay_txn_fields,
                                          err)
           != NGX_OK)
    {
        return NGX_DECLINED;
    }

    if (ngx_http_hashpay_get_word(root, "txn_id", 1, 128, &t->txn_id, err)
        != NGX_OK)
    {
        return NGX_DECLINED;
    }

    if (ngx_http_hashpay_get_word(root, "card_token", 4, 200, &t->card_token,
                                  err)
        != NGX_OK
        || ngx_http_hashpay_get_word(root, "merchant_id", 1, 64,
                                     &t->merchant_id, err)
           != NGX_OK)
    {
        return NGX_DECLINED;
    }

    /* a transaction of nothing earns nothing: at least one cent */

    rc = ngx_http_hashpay_get_int(root, "amount_cents", 1, 0,
                                  &t->amount_cents, err);
    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    if (rc == NGX_DONE) {
        return ngx_http_hashpay_fail(err, 422, "required", "amount_cents");
    }

    rc = ngx_http_hashpay_get_str(root, "currency", &t->currency, err);
    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    if (rc == NGX_DONE) {
        return ngx_http_hashpay_fail(err, 422, "required", "currency");
    }

    if (!ngx_http_hashpay_is_currency(&t->currency)) {
        return ngx_http_hashpay_fail(err, 422, "invalid_value", "currency");
    }

    rc = ngx_http_hashpay_get_int(root, "at", 0, 0, &t->at, err);
    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    if (rc == NGX_DONE) {
        return ngx_http_hashpay_fail(err, 422, "required", "at");
    }

    return NGX_OK;
}


/* a required string of min-max printable ASCII characters, no space */

static ngx_int_t
ngx_http_hashpay_get_word(json_t *root, const char *name, size_t min,
    size_t max, ngx_str_t *out, ngx_http_hashpay_json_err_t *err)
{
    ngx_int_t  rc;

    rc = ngx_http_hashpay_get_str(root, name, out, err);
    if (rc == NGX_DECLINED) {
        return NGX_DECLINED;
    }

    if (rc == NGX_DONE) {
        return ngx_http_hashpay_fail(err, 422, "required", name);
    }

    if (out->len < min || out->len > max
        || !ngx_http_hashpay_is_printable(out->data, out->len))
    {
        return ngx_http_hashpay_fail(err, 422, "invalid_value", name);
    }

    return NGX_OK;
}


/* 3 upper-case ASCII letters */

static ngx_uint_t
ngx_http_hashpay_is_currency(ngx_str_t *s)
{
    size_t  i;

    if (s->len != 3) {
        return 0;
    }

    for (i = 0; i < 3; i++) {
        if (s->data[i] < 'A' || s->data[i] > 'Z') {
            return 0;
        }
    }

    return 1;
}


/*
 * The first field not in known.  Its name is given back as the error's
 * field only when it is safe to (ngx_http_hashpay_field_name()): the
 * answer never echoes arbitrary client text, nor a card number.
 */

static ngx_int_t
ngx_http_hashpay_unknown_field(json_t *root, const char **known,
    ngx_http_hashpay_json_err_t *err)
{
    json_t      *v;
    const char  *key, **k;

    json_object_foreach(root, key, v) {

        for (k = known; *k; k++) {
            if (ngx_strcmp(key, *k) == 0) {
                break;
            }
        }

        if (*k) {
            continue;
        }

        return ngx_http_hashpay_fail(err, 422, "unknown_field",
                                     ngx_http_hashpay_field_name(key));
    }

    return NGX_OK;
}


/*
 * The first member, in body order, whose value is a card number: a string
 * that looks like one, or an integer literal whose digits do (a member
 * named in ints excepted: an amount or a time is a number, not a card).
 * NGX_OK when there is none, else NGX_DECLINED with 422 looks_like_pan.
 */

static ngx_int_t
ngx_http_hashpay_pan_field(json_t *root, const char **ints,
    ngx_http_hashpay_json_err_t *err)
{
    json_t      *v;
    const char  *key, **k;

    json_object_foreach(root, key, v) {

        if (json_is_integer(v)) {
            for (k = ints; *k; k++) {
                if (ngx_strcmp(key, *k) == 0) {
                    break;
                }
            }

            if (*k) {
                continue;
            }
        }

        if (ngx_http_hashpay_is_pan_value(v)) {
            return ngx_http_hashpay_fail(err, 422, "looks_like_pan",
                                         ngx_http_hashpay_field_name(key));
        }
    }

    return NGX_OK;
}


static ngx_uint_t
ngx_http_hashpay_is_pan_value(json_t *v)
{
    u_char      buf[NGX_INT64_LEN], *p;
    uint64_t    n;
    json_int_t  i;

    if (json_is_string(v)) {
        return ngx_http_hashpay_looks_like_pan(
                                       (u_char *) json_string_value(v),
                                       json_string_length(v));
    }

    if (!json_is_integer(v)) {
        return 0;
    }

    /* the literal's digits (a minus sign is a dash: ignored, as in text) */

    i = json_integer_value(v);
    n = (i < 0) ? (uint64_t) 0 - (uint64_t) i : (uint64_t) i;

    p = buf + sizeof(buf);

    do {
        *--p = (u_char) ('0' + n % 10);
        n /= 10;
    } while (n);

    return ngx_http_hashpay_looks_like_pan(p, buf + sizeof(buf) - p);
}


/* the contract's own copy of a field name, or NULL for another name */

static const char *
ngx_http_hashpay_known_name(const char *key)
{
    ngx_uint_t    i;
    const char  **k;

    static const char  **lists[] = {
        ngx_http_hashpay_offer_fields,
        ngx_http_hashpay_link_fields,
        ngx_http_hashpay_txn_fields
    };

    if (key == NULL) {
        return NULL;
    }

    for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        for (k = lists[i]; *k; k++) {
            if (ngx_strcmp(key, *k) == 0) {
                return *k;
            }
        }
    }

    return NULL;
}


/*
 * key itself when it may be repeated in an answer: 1-64 of [A-Za-z0-9_],
 * not all digits, and no run of 12 digits or more; NULL otherwise
 */

static const char *
ngx_http_hashpay_field_name(const char *key)
{
    size_t  i, len, run, digits;

    len = ngx_strlen(key);

    if (len == 0 || len > 64) {
        return NULL;
    }

    run = 0;
    digits = 0;

    for (i = 0; i < len; i++) {

        if (key[i] >= '0' && key[i] <= '9') {
            digits++;

            if (++run >= 12) {
                return NULL;
            }

            continue;
        }

        run = 0;

        if (!isalnum((u_char) key[i]) && key[i] != '_') {
            return NULL;
        }
    }

    return digits == len ? NULL : key;
}


/*
 * NGX_OK with *out set, NGX_DONE when the field is absent (or null when
 * nullable: *out is left alone), NGX_DECLINED with err set.  Only integer
 * literals are integers: 1.0, 1e3 and "5" are invalid_type.
 */

static ngx_int_t
ngx_http_hashpay_get_int(json_t *root, const char *name, int64_t min,
    ngx_uint_t nullable, int64_t *out, ngx_http_hashpay_json_err_t *err)
{
    json_t     *v;
    json_int_t  n;

    v = json_object_get(root, name);

    if (v == NULL || (nullable && json_is_null(v))) {
        return NGX_DONE;
    }

    if (!json_is_integer(v)) {
        return ngx_http_hashpay_fail(err, 422, "invalid_type", name);
    }

    n = json_integer_value(v);

    if (n < min || n > NGX_HTTP_HASHPAY_INT_MAX) {
        return ngx_http_hashpay_fail(err, 422, "out_of_range", name);
    }

    *out = n;

    return NGX_OK;
}


/* NGX_OK with *out pointing into the JSON, NGX_DONE absent, NGX_DECLINED */

static ngx_int_t
ngx_http_hashpay_get_str(json_t *root, const char *name, ngx_str_t *out,
    ngx_http_hashpay_json_err_t *err)
{
    json_t  *v;

    v = json_object_get(root, name);

    if (v == NULL) {
        return NGX_DONE;
    }

    if (!json_is_string(v)) {
        return ngx_http_hashpay_fail(err, 422, "invalid_type", name);
    }

    out->data = (u_char *) json_string_value(v);
    out->len = json_string_length(v);

    return NGX_OK;
}


/* a field of the other kind of offer, present: not_applicable */

static ngx_int_t
ngx_http_hashpay_applies(json_t *root, const char *name,
    ngx_http_hashpay_applies_e applies, ngx_uint_t cashback,
    ngx_http_hashpay_json_err_t *err)
{
    if (json_object_get(root, name) == NULL) {
        return NGX_OK;
    }

    if ((applies == ngx_http_hashpay_purchase_only && cashback)
        || (applies == ngx_http_hashpay_cashback_only && !cashback))
    {
        return ngx_http_hashpay_fail(err, 422, "not_applicable", name);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_hashpay_fail(ngx_http_hashpay_json_err_t *err, ngx_uint_t status,
    const char *code, const char *field)
{
    err->status = status;
    err->code = code;
    err->field = field;

    return NGX_DECLINED;
}


/* printable ASCII, no space */

static ngx_uint_t
ngx_http_hashpay_is_printable(const u_char *p, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (p[i] <= 0x20 || p[i] >= 0x7f) {
            return 0;
        }
    }

    return 1;
}


ngx_uint_t
ngx_http_hashpay_is_tag(const u_char *p, size_t len)
{
    size_t      i;
    ngx_uint_t  digits;

    if (len == 0 || len > 100) {
        return 0;
    }

    digits = 0;

    for (i = 0; i < len; i++) {
        if (p[i] >= '0' && p[i] <= '9') {
            digits++;
            continue;
        }

        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')
              || p[i] == '_'))
        {
            return 0;
        }
    }

    return digits != len;
}


ngx_uint_t
ngx_http_hashpay_is_user_id(const u_char *p, size_t len)
{
    size_t  i;

    if (len == 0 || len > 20) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return 0;
        }
    }

    return 1;
}


ngx_uint_t
ngx_http_hashpay_is_purchase_id(const u_char *p, size_t len)
{
    size_t  i;

    if (len == 0 || len > 64) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!isalnum(p[i]) && p[i] != '_') {
            return 0;
        }
    }

    return 1;
}


ngx_uint_t
ngx_http_hashpay_looks_like_pan(const u_char *p, size_t len)
{
    size_t      i;
    ngx_uint_t  n, sum, d, digits[19];

    n = 0;

    for (i = 0; i < len; i++) {

        if (p[i] == ' ' || p[i] == '-') {
            continue;
        }

        if (p[i] < '0' || p[i] > '9' || n == 19) {
            return 0;
        }

        digits[n++] = p[i] - '0';
    }

    if (n < 12) {
        return 0;
    }

    /* Luhn: from the right, every second digit doubled */

    sum = 0;

    for (i = 0; i < n; i++) {
        d = digits[n - 1 - i];

        if (i % 2) {
            d *= 2;

            if (d > 9) {
                d -= 9;
            }
        }

        sum += d;
    }

    return sum % 10 == 0;
}


ngx_int_t
ngx_http_hashpay_utf8_chars(const u_char *p, size_t len)
{
    size_t     i, k, need;
    ngx_int_t  n;
    uint32_t   c, min;

    n = 0;

    for (i = 0; i < len; n++) {

        c = p[i];

        if (c < 0x80) {
            i++;
            continue;
        }

        if ((c & 0xe0) == 0xc0) {
            need = 1;
            min = 0x80;
            c &= 0x1f;

        } else if ((c & 0xf0) == 0xe0) {
            need = 2;
            min = 0x800;
            c &= 0x0f;

        } else if ((c & 0xf8) == 0xf0) {
            need = 3;
            min = 0x10000;
            c &= 0x07;

        } else {
            return -1;
        }

        if (i + need >= len) {
            return -1;
        }

        for (k = 1; k <= need; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return -1;
            }

            c = (c << 6) | (p[i + k] & 0x3f);
        }

        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
            return -1;
        }

        i += need + 1;
    }

    return n;
}
