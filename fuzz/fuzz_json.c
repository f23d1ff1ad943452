
/*
 * Copyright (C) hashpay authors
 *
 * libFuzzer harness of src/ngx_http_hashpay_json.c: the input is an admin
 * or card-transaction body.  ngx_http_hashpay_json_parse() must agree with
 * jansson itself (JSON_REJECT_DUPLICATES, an object, at most 32 levels of
 * nesting: the same document, or the documented error); then the parsed
 * object goes through ngx_http_hashpay_offer_read(),
 * ngx_http_hashpay_link_read() and ngx_http_hashpay_txn_read(), each
 * twice (one body, one answer).  NGX_OK: every field has its documented
 * shape and range, strings point at the document's strings, no unknown
 * field, no card number anywhere.  NGX_DECLINED: a status and a known
 * code, the field a known one; looks_like_pan (422, whatever else is
 * wrong) exactly when a member's value is a card number (a string, or an
 * integer where the contract has no integer), about the first such member
 * in body order; unknown_field about the first unknown member; the name
 * of either given only when it is an identifier of 1-64 characters, not
 * all digits, without a run of 12 digits or more.
 *
 * The raw input also goes through the pure checks of admin routes
 * (utf8_chars, looks_like_pan, is_tag, is_user_id, is_purchase_id),
 * each compared with a reference written from the header's contract.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>

#include "ngx_http_hashpay_json.h"
#include "fuzz.h"


#define INT_MAX_53  NGX_HTTP_HASHPAY_INT_MAX


static const char *const  offer_fields[] = {
    "title", "kind", "price_cents", "currency", "stock", "per_user_limit",
    "starts_at", "ends_at", "min_account_age_days", "merchant_id",
    "cashback_cents", "min_spend_cents", NULL
};

static const char *const  link_fields[] = {
    "card_token", "screen_name", NULL
};

static const char *const  txn_fields[] = {
    "txn_id", "card_token", "merchant_id", "amount_cents", "currency", "at",
    NULL
};

/* the integer fields: a card-like integer there is an amount, not a card */

static const char *const  offer_ints[] = {
    "price_cents", "stock", "per_user_limit", "starts_at", "ends_at",
    "min_account_age_days", "cashback_cents", "min_spend_cents", NULL
};

static const char *const  no_ints[] = {
    NULL
};

static const char *const  txn_ints[] = {
    "amount_cents", "at", NULL
};

static const char *const  codes[] = {
    "unknown_field", "invalid_type", "required", "invalid_value",
    "out_of_range", "not_applicable", "looks_like_pan", NULL
};


static int
in_list(const char *s, const char *const *list)
{
    for ( /* void */ ; *list; list++) {
        if (strcmp(s, *list) == 0) {
            return 1;
        }
    }

    return 0;
}


/* the nesting of arrays and objects: {} is 1 */

static size_t
depth(json_t *v)
{
    size_t       i, d, max;
    json_t      *e;
    const char  *k;

    max = 0;

    if (json_is_object(v)) {
        json_object_foreach(v, k, e) {
            d = depth(e);
            max = d > max ? d : max;
        }

        return max + 1;
    }

    if (json_is_array(v)) {
        json_array_foreach(v, i, e) {
            d = depth(e);
            max = d > max ? d : max;
        }

        return max + 1;
    }

    return 0;
}


/* references of the pure checks */

/* RFC 3629, table 3-7 of Unicode: well-formed byte sequences */

static ngx_int_t
ref_utf8_chars(const u_char *p, size_t len)
{
    size_t     i, k, need;
    u_char     lo, hi;
    ngx_int_t  n;

    n = 0;
    i = 0;

    while (i < len) {
        lo = 0x80;
        hi = 0xbf;

        if (p[i] <= 0x7f) {
            need = 0;

        } else if (p[i] >= 0xc2 && p[i] <= 0xdf) {
            need = 1;

        } else if (p[i] >= 0xe0 && p[i] <= 0xef) {
            need = 2;
            lo = (p[i] == 0xe0) ? 0xa0 : 0x80;
            hi = (p[i] == 0xed) ? 0x9f : 0xbf;

        } else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
            need = 3;
            lo = (p[i] == 0xf0) ? 0x90 : 0x80;
            hi = (p[i] == 0xf4) ? 0x8f : 0xbf;

        } else {
            return -1;
        }

        if (len - i - 1 < need) {
            return -1;
        }

        for (k = 1; k <= need; k++) {
            if (p[i + k] < (k == 1 ? lo : 0x80)
                || p[i + k] > (k == 1 ? hi : 0xbf))
            {
                return -1;
            }
        }

        i += need + 1;
        n++;
    }

    return n;
}


static ngx_uint_t
ref_looks_like_pan(const u_char *p, size_t len)
{
    int     dbl;
    size_t  i, n;
    int     sum, d;

    /* digits, spaces and dashes only; 12-19 digits */

    n = 0;

    for (i = 0; i < len; i++) {
        if (p[i] >= '0' && p[i] <= '9') {
            n++;

        } else if (p[i] != ' ' && p[i] != '-') {
            return 0;
        }
    }

    if (n < 12 || n > 19) {
        return 0;
    }

    sum = 0;
    dbl = 0;

    for (i = len; i-- > 0; /* void */) {
        if (p[i] < '0' || p[i] > '9') {
            continue;
        }

        d = p[i] - '0';

        if (dbl) {
            d = (d * 2) / 10 + (d * 2) % 10;
        }

        sum += d;
        dbl = !dbl;
    }

    return sum % 10 == 0;
}


static int
ref_word_char(u_char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_';
}


/* a member's value that is a card number, as the header documents it */

static ngx_uint_t
ref_pan_value(const char *key, json_t *v, const char *const *ints)
{
    char  buf[32];
    int   n;

    if (json_is_string(v)) {
        return ref_looks_like_pan((u_char *) json_string_value(v),
                                  json_string_length(v));
    }

    if (!json_is_integer(v) || in_list(key, ints)) {
        return 0;
    }

    n = snprintf(buf, sizeof(buf), "%lld", (long long) json_integer_value(v));

    return ref_looks_like_pan((u_char *) buf, (size_t) n);
}


/* the first member, in body order, that holds a card number, or NULL */

static const char *
ref_first_pan(json_t *root, const char *const *ints)
{
    json_t      *v;
    const char  *k;

    json_object_foreach(root, k, v) {
        if (ref_pan_value(k, v, ints)) {
            return k;
        }
    }

    return NULL;
}


/* a name that may be repeated: 1-64 word characters, no 12-digit run */

static const char *
ref_safe_name(const char *key)
{
    size_t  i, run, digits;

    run = 0;
    digits = 0;

    for (i = 0; key[i]; i++) {
        if (!ref_word_char(key[i])) {
            return NULL;
        }

        if (key[i] >= '0' && key[i] <= '9') {
            digits++;
            run++;

            if (run >= 12) {
                return NULL;
            }

        } else {
            run = 0;
        }
    }

    return (i >= 1 && i <= 64 && digits < i) ? key : NULL;
}


static int
same_name(const char *a, const char *b)
{
    return (a == NULL && b == NULL)
           || (a != NULL && b != NULL && strcmp(a, b) == 0);
}


static ngx_uint_t
ref_is_tag(const u_char *p, size_t len)
{
    size_t  i;
    int     letter;

    letter = 0;

    for (i = 0; i < len; i++) {
        if (!ref_word_char(p[i])) {
            return 0;
        }

        letter |= !(p[i] >= '0' && p[i] <= '9');
    }

    return len >= 1 && len <= 100 && letter;
}


static ngx_uint_t
ref_is_purchase_id(const u_char *p, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (!ref_word_char(p[i])) {
            return 0;
        }
    }

    return len >= 1 && len <= 64;
}


static void
check_pure(const uint8_t *data, size_t size)
{
    u_char     *p;
    ngx_int_t   n, want;

    p = fuzz_dup(data, size);

    n = ngx_http_hashpay_utf8_chars(p, size);
    want = ref_utf8_chars(p, size);
    FUZZ_ASSERT(n == want, "utf8_chars %ld, want %ld", (long) n, (long) want);

    FUZZ_ASSERT(ngx_http_hashpay_looks_like_pan(p, size)
                == ref_looks_like_pan(p, size), "looks_like_pan differs");
    FUZZ_ASSERT(ngx_http_hashpay_is_tag(p, size) == ref_is_tag(p, size),
                "is_tag differs");
    FUZZ_ASSERT(ngx_http_hashpay_is_user_id(p, size)
                == (size >= 1 && size <= 20 && fuzz_all_digits(p, size)),
                "is_user_id differs");
    FUZZ_ASSERT(ngx_http_hashpay_is_purchase_id(p, size)
                == ref_is_purchase_id(p, size), "is_purchase_id differs");

    free(p);
}


/* field checks */

static void
check_str(json_t *root, const char *name, ngx_str_t *s)
{
    json_t  *v;

    v = json_object_get(root, name);

    FUZZ_ASSERT(json_is_string(v)
                && s->data == (u_char *) json_string_value(v)
                && s->len == json_string_length(v),
                "%s does not point at its JSON string", name);
}


static int
printable_word(ngx_str_t *s, size_t min, size_t max)
{
    size_t  i;

    if (s->len < min || s->len > max) {
        return 0;
    }

    for (i = 0; i < s->len; i++) {
        if (s->data[i] <= ' ' || s->data[i] >= 0x7f) {
            return 0;
        }
    }

    return 1;
}


static int
currency(ngx_str_t *s)
{
    return s->len == 3
           && s->data[0] >= 'A' && s->data[0] <= 'Z'
           && s->data[1] >= 'A' && s->data[1] <= 'Z'
           && s->data[2] >= 'A' && s->data[2] <= 'Z';
}


/* NGX_OK or absent-with-default: the value and its range */

static void
check_int(json_t *root, const char *name, int64_t got, int64_t min,
    int64_t dflt)
{
    json_t  *v;

    v = json_object_get(root, name);

    if (v == NULL || (dflt == NGX_HTTP_HASHPAY_UNSET && json_is_null(v))) {
        FUZZ_ASSERT(got == dflt, "%s: %lld, want the default %lld", name,
                    (long long) got, (long long) dflt);
        return;
    }

    FUZZ_ASSERT(json_is_integer(v) && json_integer_value(v) == got,
                "%s: %lld is not its JSON integer", name, (long long) got);
    FUZZ_ASSERT(got >= min && got <= INT_MAX_53, "%s: %lld out of range",
                name, (long long) got);
}


static void
check_no_unknown(json_t *root, const char *const *known)
{
    json_t      *v;
    const char  *k;

    json_object_foreach(root, k, v) {
        FUZZ_ASSERT(in_list(k, known), "unknown field \"%s\" accepted", k);
    }
}


static void
check_err(json_t *root, ngx_http_hashpay_json_err_t *err,
    const char *const *known, const char *const *ints, ngx_uint_t status)
{
    json_t      *v;
    const char  *k, *pan, *unknown;

    FUZZ_ASSERT(err->code != NULL && in_list(err->code, codes),
                "unknown error code %s", err->code ? err->code : "(null)");

    /* a card number wins over every other error of the body */

    pan = ref_first_pan(root, ints);

    if (pan != NULL) {
        FUZZ_ASSERT(err->status == 422
                    && strcmp(err->code, "looks_like_pan") == 0
                    && same_name(err->field, ref_safe_name(pan)),
                    "card number in \"%s\": got %lu %s %s", pan,
                    (unsigned long) err->status, err->code,
                    err->field ? err->field : "(null)");
        return;
    }

    FUZZ_ASSERT(strcmp(err->code, "looks_like_pan") != 0,
                "looks_like_pan without a card number (field %s)",
                err->field ? err->field : "(null)");

    FUZZ_ASSERT(err->status == status, "status %lu, want %lu",
                (unsigned long) err->status, (unsigned long) status);

    /* then the first unknown field, named only when that is safe */

    unknown = NULL;

    json_object_foreach(root, k, v) {
        if (!in_list(k, known)) {
            unknown = k;
            break;
        }
    }

    if (unknown != NULL) {
        FUZZ_ASSERT(strcmp(err->code, "unknown_field") == 0
                    && same_name(err->field, ref_safe_name(unknown)),
                    "unknown field \"%s\": got %s %s", unknown, err->code,
                    err->field ? err->field : "(null)");
        return;
    }

    FUZZ_ASSERT(strcmp(err->code, "unknown_field") != 0
                && err->field != NULL && in_list(err->field, known),
                "%s about field %s", err->code,
                err->field ? err->field : "(null)");
}


static void
same_err(ngx_int_t rc, ngx_http_hashpay_json_err_t *e, ngx_int_t rc2,
    ngx_http_hashpay_json_err_t *e2)
{
    FUZZ_ASSERT(rc == rc2, "two answers to one body: %ld, %ld", (long) rc,
                (long) rc2);

    if (rc == NGX_DECLINED) {
        FUZZ_ASSERT(e->status == e2->status && e->code == e2->code
                    && e->field == e2->field, "two errors for one body");
    }
}


static void
check_offer(json_t *root)
{
    size_t                       i;
    ngx_int_t                    rc, rc2, n;
    ngx_http_hashpay_offer_t     o, o2;
    ngx_http_hashpay_json_err_t  err, err2;

    memset(&err, 0, sizeof(err));
    memset(&err2, 0, sizeof(err2));

    rc = ngx_http_hashpay_offer_read(root, &o, &err);
    rc2 = ngx_http_hashpay_offer_read(root, &o2, &err2);

    same_err(rc, &err, rc2, &err2);

    if (rc == NGX_DECLINED) {
        check_err(root, &err, offer_fields, offer_ints, 422);
        return;
    }

    FUZZ_ASSERT(rc == NGX_OK, "offer_read rc %ld", (long) rc);
    FUZZ_ASSERT(memcmp(&o, &o2, sizeof(o)) == 0, "two offers for one body");

    check_no_unknown(root, offer_fields);
    FUZZ_ASSERT(ref_first_pan(root, offer_ints) == NULL,
                "an offer with a card number accepted");

    /* title: 1-200 characters, no control character */

    check_str(root, "title", &o.title);

    n = ref_utf8_chars(o.title.data, o.title.len);
    FUZZ_ASSERT(n >= 1 && n <= 200, "title of %ld characters", (long) n);

    for (i = 0; i < o.title.len; i++) {
        FUZZ_ASSERT(o.title.data[i] >= 0x20 && o.title.data[i] != 0x7f,
                    "control character in the title");
    }

    if (json_object_get(root, "kind") != NULL) {
        check_str(root, "kind", &o.kind);
    }

    if (json_object_get(root, "currency") != NULL) {
        check_str(root, "currency", &o.currency);

    } else {
        FUZZ_ASSERT(o.currency.len == 3
                    && memcmp(o.currency.data, "USD", 3) == 0,
                    "currency default");
    }

    FUZZ_ASSERT(currency(&o.currency), "currency %.*s", (int) o.currency.len,
                o.currency.data);

    check_int(root, "stock", o.stock, 0, -2);
    check_int(root, "per_user_limit", o.per_user_limit, 1, 1);
    check_int(root, "starts_at", o.starts_at, 0, NGX_HTTP_HASHPAY_UNSET);
    check_int(root, "ends_at", o.ends_at, 0, NGX_HTTP_HASHPAY_UNSET);
    check_int(root, "min_account_age_days", o.min_account_age_days, 0, 0);

    FUZZ_ASSERT(o.starts_at == NGX_HTTP_HASHPAY_UNSET
                || o.ends_at == NGX_HTTP_HASHPAY_UNSET
                || o.ends_at > o.starts_at, "ends_at <= starts_at");

    if (o.kind.len == 8 && memcmp(o.kind.data, "purchase", 8) == 0) {
        check_int(root, "price_cents", o.price_cents, 1, -2);

        FUZZ_ASSERT(o.merchant_id.len == 0 && o.merchant_id.data == NULL
                    && o.cashback_cents == NGX_HTTP_HASHPAY_UNSET
                    && o.min_spend_cents == NGX_HTTP_HASHPAY_UNSET
                    && json_object_get(root, "merchant_id") == NULL
                    && json_object_get(root, "cashback_cents") == NULL
                    && json_object_get(root, "min_spend_cents") == NULL,
                    "a purchase with cashback fields");
        return;
    }

    FUZZ_ASSERT(o.kind.len == 8 && memcmp(o.kind.data, "cashback", 8) == 0,
                "kind %.*s", (int) o.kind.len, o.kind.data);

    FUZZ_ASSERT(o.price_cents == NGX_HTTP_HASHPAY_UNSET
                && json_object_get(root, "price_cents") == NULL,
                "a cashback offer with a price");

    check_str(root, "merchant_id", &o.merchant_id);
    FUZZ_ASSERT(printable_word(&o.merchant_id, 1, 64), "merchant_id");

    check_int(root, "cashback_cents", o.cashback_cents, 1, -2);
    check_int(root, "min_spend_cents", o.min_spend_cents, 0, 0);
}


static void
check_link(json_t *root)
{
    size_t                       i;
    ngx_int_t                    rc, rc2;
    ngx_http_hashpay_link_t      l, l2;
    ngx_http_hashpay_json_err_t  err, err2;

    memset(&err, 0, sizeof(err));
    memset(&err2, 0, sizeof(err2));

    rc = ngx_http_hashpay_link_read(root, &l, &err);
    rc2 = ngx_http_hashpay_link_read(root, &l2, &err2);

    same_err(rc, &err, rc2, &err2);

    if (rc == NGX_DECLINED) {
        check_err(root, &err, link_fields, no_ints, 422);
        return;
    }

    FUZZ_ASSERT(rc == NGX_OK, "link_read rc %ld", (long) rc);

    check_no_unknown(root, link_fields);
    FUZZ_ASSERT(ref_first_pan(root, no_ints) == NULL,
                "a link with a card number accepted");
    check_str(root, "card_token", &l.card_token);
    check_str(root, "screen_name", &l.screen_name);

    FUZZ_ASSERT(printable_word(&l.card_token, 4, 200), "card_token");
    FUZZ_ASSERT(!ref_looks_like_pan(l.card_token.data, l.card_token.len),
                "a card number accepted as a card token");

    FUZZ_ASSERT(l.screen_name.len >= 1 && l.screen_name.len <= 15,
                "screen_name of %zu bytes", l.screen_name.len);

    for (i = 0; i < l.screen_name.len; i++) {
        FUZZ_ASSERT(ref_word_char(l.screen_name.data[i]), "screen_name");
    }
}


static void
check_txn(json_t *root)
{
    ngx_int_t                    rc, rc2;
    ngx_http_hashpay_txn_t       t, t2;
    ngx_http_hashpay_json_err_t  err, err2;

    memset(&err, 0, sizeof(err));
    memset(&err2, 0, sizeof(err2));

    rc = ngx_http_hashpay_txn_read(root, &t, &err);
    rc2 = ngx_http_hashpay_txn_read(root, &t2, &err2);

    same_err(rc, &err, rc2, &err2);

    if (rc == NGX_DECLINED) {
        check_err(root, &err, txn_fields, txn_ints, 400);
        return;
    }

    FUZZ_ASSERT(rc == NGX_OK, "txn_read rc %ld", (long) rc);

    check_no_unknown(root, txn_fields);
    FUZZ_ASSERT(ref_first_pan(root, txn_ints) == NULL,
                "a transaction with a card number accepted");

    check_str(root, "txn_id", &t.txn_id);
    check_str(root, "card_token", &t.card_token);
    check_str(root, "merchant_id", &t.merchant_id);
    check_str(root, "currency", &t.currency);

    FUZZ_ASSERT(printable_word(&t.txn_id, 1, 128), "txn_id");
    FUZZ_ASSERT(printable_word(&t.card_token, 4, 200), "card_token");
    FUZZ_ASSERT(!ref_looks_like_pan(t.card_token.data, t.card_token.len),
                "a card number accepted as a card token");
    FUZZ_ASSERT(printable_word(&t.merchant_id, 1, 64), "merchant_id");
    FUZZ_ASSERT(currency(&t.currency), "currency");

    check_int(root, "amount_cents", t.amount_cents, 1, -2);
    check_int(root, "at", t.at, 0, -2);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t                       *root, *want;
    json_error_t                  jerr;
    ngx_http_hashpay_json_err_t   err;

    check_pure(data, size);

    memset(&err, 0, sizeof(err));

    root = ngx_http_hashpay_json_parse(data, size, &err);

    want = json_loadb((const char *) data, size, JSON_REJECT_DUPLICATES,
                      &jerr);

    if (root == NULL) {
        FUZZ_ASSERT(err.code != NULL
                    && ((err.status == 400 && err.field == NULL
                         && strcmp(err.code, "malformed_json") == 0)
                        || (err.status == 422 && err.field == NULL
                            && strcmp(err.code, "out_of_range") == 0)
                        || (err.status == 422
                            && strcmp(err.code, "looks_like_pan") == 0
                            && (err.field == NULL
                                || in_list(err.field, offer_fields)
                                || in_list(err.field, link_fields)
                                || in_list(err.field, txn_fields)))),
                    "parse error %lu %s %s", (unsigned long) err.status,
                    err.code ? err.code : "(null)",
                    err.field ? err.field : "-");

        FUZZ_ASSERT(!json_is_object(want) || depth(want) > 32,
                    "an object of depth %zu refused",
                    want ? depth(want) : 0);

        if (strcmp(err.code, "malformed_json") != 0) {
            FUZZ_ASSERT(want == NULL
                        && json_error_code(&jerr)
                           == json_error_numeric_overflow,
                        "%s without a numeric overflow", err.code);
        }

        json_decref(want);
        return 0;
    }

    FUZZ_ASSERT(json_is_object(root) && want != NULL
                && json_equal(root, want) && depth(root) <= 32,
                "parse accepted what jansson does not, or depth %zu",
                depth(root));

    json_decref(want);

    check_offer(root);
    check_link(root);
    check_txn(root);

    json_decref(root);

    return 0;
}
