
/*
 * Copyright (C) hashpay authors
 *
 * Unit tests of src/ngx_http_hashpay_json.c: strict parsing of admin
 * bodies, offer, link and card transaction validation, route ids, Luhn,
 * UTF-8 counting.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_hashpay_json.h"
#include "unit.h"


typedef struct {
    const char  *body;
    int          status;       /* 0: accepted */
    const char  *code;
    const char  *field;        /* NULL: no field */
} test_case_t;


#define P  "\"title\":\"Gift card\",\"price_cents\":2500,\"stock\":10"
#define C  "\"kind\":\"cashback\",\"title\":\"5 off\",\"stock\":10," \
           "\"merchant_id\":\"m_1\",\"cashback_cents\":500"


static const test_case_t  offers[] = {
    { "{" P "}", 0, NULL, NULL },
    { "{" C "}", 0, NULL, NULL },
    { "{" P ",\"kind\":\"purchase\",\"currency\":\"EUR\",\"per_user_limit\":2,"
      "\"starts_at\":1700000000,\"ends_at\":1700000001,"
      "\"min_account_age_days\":30}", 0, NULL, NULL },
    { "{" P ",\"starts_at\":null,\"ends_at\":null}", 0, NULL, NULL },

    /* the JSON itself */
    { "", 400, "malformed_json", NULL },
    { "[]", 400, "malformed_json", NULL },
    { "\"x\"", 400, "malformed_json", NULL },
    { "{" P ",}", 400, "malformed_json", NULL },
    { "{" P ",\"stock\":11}", 400, "malformed_json", NULL },
    { "{" P ",\"title\":\"x\\u0000y\"}", 400, "malformed_json", NULL },
    { "{\"title\":\"t\",\"stock\":99999999999999999999}", 422, "out_of_range",
      NULL },

    /* unknown fields, first in body order */
    { "{" P ",\"colour\":\"red\",\"size\":1}", 422, "unknown_field",
      "colour" },
    { "{\"a b\":1," P "}", 422, "unknown_field", NULL },
    { "{\"Title\":\"x\"," P "}", 422, "unknown_field", "Title" },

    /* kind */
    { "{" P ",\"kind\":\"gift\"}", 422, "invalid_value", "kind" },
    { "{" P ",\"kind\":1}", 422, "invalid_type", "kind" },

    /* title */
    { "{\"price_cents\":1,\"stock\":1}", 422, "required", "title" },
    { "{\"title\":\"\",\"price_cents\":1,\"stock\":1}", 422, "invalid_value",
      "title" },
    { "{\"title\":7,\"price_cents\":1,\"stock\":1}", 422, "invalid_type",
      "title" },
    { "{\"title\":\"a\\nb\",\"price_cents\":1,\"stock\":1}", 422,
      "invalid_value", "title" },

    /* price_cents */
    { "{\"title\":\"t\",\"stock\":1}", 422, "required", "price_cents" },
    { "{\"title\":\"t\",\"price_cents\":0,\"stock\":1}", 422, "out_of_range",
      "price_cents" },
    { "{\"title\":\"t\",\"price_cents\":1.0,\"stock\":1}", 422,
      "invalid_type", "price_cents" },
    { "{\"title\":\"t\",\"price_cents\":1e3,\"stock\":1}", 422,
      "invalid_type", "price_cents" },
    { "{\"title\":\"t\",\"price_cents\":\"5\",\"stock\":1}", 422,
      "invalid_type", "price_cents" },
    { "{\"title\":\"t\",\"price_cents\":true,\"stock\":1}", 422,
      "invalid_type", "price_cents" },
    { "{\"title\":\"t\",\"price_cents\":null,\"stock\":1}", 422,
      "invalid_type", "price_cents" },
    { "{\"title\":\"t\",\"price_cents\":9007199254740992,\"stock\":1}", 0,
      NULL, NULL },
    { "{\"title\":\"t\",\"price_cents\":9007199254740993,\"stock\":1}", 422,
      "out_of_range", "price_cents" },
    { "{" C ",\"price_cents\":1}", 422, "not_applicable", "price_cents" },

    /* currency */
    { "{" P ",\"currency\":\"usd\"}", 422, "invalid_value", "currency" },
    { "{" P ",\"currency\":\"USDT\"}", 422, "invalid_value", "currency" },
    { "{" P ",\"currency\":840}", 422, "invalid_type", "currency" },

    /* stock, per_user_limit, age */
    { "{\"title\":\"t\",\"price_cents\":1}", 422, "required", "stock" },
    { "{\"title\":\"t\",\"price_cents\":1,\"stock\":-1}", 422, "out_of_range",
      "stock" },
    { "{" P ",\"per_user_limit\":0}", 422, "out_of_range", "per_user_limit" },
    { "{" P ",\"min_account_age_days\":-1}", 422, "out_of_range",
      "min_account_age_days" },

    /* the window */
    { "{" P ",\"starts_at\":\"2024\"}", 422, "invalid_type", "starts_at" },
    { "{" P ",\"starts_at\":10,\"ends_at\":10}", 422, "invalid_value",
      "ends_at" },
    { "{" P ",\"ends_at\":-5}", 422, "out_of_range", "ends_at" },

    /* cashback fields */
    { "{" P ",\"merchant_id\":\"m\"}", 422, "not_applicable", "merchant_id" },
    { "{" P ",\"cashback_cents\":1}", 422, "not_applicable",
      "cashback_cents" },
    { "{" P ",\"min_spend_cents\":0}", 422, "not_applicable",
      "min_spend_cents" },
    { "{\"kind\":\"cashback\",\"title\":\"t\",\"stock\":1,"
      "\"cashback_cents\":5}", 422, "required", "merchant_id" },
    { "{\"kind\":\"cashback\",\"title\":\"t\",\"stock\":1,"
      "\"merchant_id\":\"m\"}", 422, "required", "cashback_cents" },
    { "{" C ",\"min_spend_cents\":-1}", 422, "out_of_range",
      "min_spend_cents" },
    { "{\"kind\":\"cashback\",\"title\":\"t\",\"stock\":1,"
      "\"merchant_id\":\"m 1\",\"cashback_cents\":5}", 422, "invalid_value",
      "merchant_id" },

    /* a card number anywhere text goes wins over every other error */
    { "{\"title\":\"4111 1111 1111 1111\",\"price_cents\":1,\"stock\":1}",
      422, "looks_like_pan", "title" },
    { "{\"kind\":\"cashback\",\"title\":\"t\",\"stock\":1,"
      "\"merchant_id\":\"4111111111111111\",\"cashback_cents\":5}", 422,
      "looks_like_pan", "merchant_id" },
    { "{" P ",\"merchant_id\":\"4111111111111111\"}", 422, "looks_like_pan",
      "merchant_id" },
    { "{\"stock\":-1,\"kind\":\"gift\",\"colour\":1,"
      "\"title\":\"5555-5555-5555-4444\"}", 422, "looks_like_pan", "title" },
    { "{" P ",\"note\":\"4111111111111111\"}", 422, "looks_like_pan",
      "note" },
    { "{" P ",\"note\":4111111111111111}", 422, "looks_like_pan", "note" },
    { "{\"title\":4111111111111111,\"price_cents\":1,\"stock\":1}", 422,
      "looks_like_pan", "title" },
    /* beside a number beyond 64 bits: named only if it is the contract's */
    { "{\"stock\":99999999999999999999,"
      "\"title\":\"4111111111111111\"}", 422, "looks_like_pan", "title" },
    { "{\"title\":\"t\",\"stock\":99999999999999999999,"
      "\"x\":\"4111111111111111\"}", 422, "looks_like_pan", NULL },
    { "{\"title\":\"t\",\"stock\":99999999999999999999,"
      "\"x\":\"4111111111111112\"}", 422, "out_of_range", NULL },
    /* integers of the contract are amounts, not cards; no Luhn, no card */
    { "{\"title\":\"t\",\"price_cents\":4111111111111111,\"stock\":1}", 0,
      NULL, NULL },
    { "{\"title\":\"4111111111111112\",\"price_cents\":1,\"stock\":1}", 0,
      NULL, NULL },
    { "{\"title\":\"Card 4111111111111111\",\"price_cents\":1,"
      "\"stock\":1}", 0, NULL, NULL },

    /* an unknown field whose name is digits, or holds a card, is not named */
    { "{\"4111111111111111\":1," P "}", 422, "unknown_field", NULL },
    { "{\"123\":1," P "}", 422, "unknown_field", NULL },
    { "{\"x411111111111\":1," P "}", 422, "unknown_field", NULL },
    { "{\"colour4111111111111111\":1," P "}", 422, "unknown_field", NULL },
    { "{\"x41111111111\":1," P "}", 422, "unknown_field", "x41111111111" },
    { "{\"4111111111111111\":\"4111111111111111\"," P "}", 422,
      "looks_like_pan", NULL },
};


static const test_case_t  links[] = {
    { "{\"card_token\":\"tok_abc123\",\"screen_name\":\"alice_1\"}", 0, NULL,
      NULL },
    { "{\"card_token\":\"tok_abc123\"}", 422, "required", "screen_name" },
    { "{\"screen_name\":\"alice\"}", 422, "required", "card_token" },
    { "{\"card_token\":\"tok\",\"screen_name\":\"alice\"}", 422,
      "invalid_value", "card_token" },
    { "{\"card_token\":\"tok en\",\"screen_name\":\"alice\"}", 422,
      "invalid_value", "card_token" },
    { "{\"card_token\":\"tok\\u00e9n\",\"screen_name\":\"alice\"}", 422,
      "invalid_value", "card_token" },
    { "{\"card_token\":\"4111111111111111\",\"screen_name\":\"alice\"}", 422,
      "looks_like_pan", "card_token" },
    { "{\"card_token\":\"4111 1111-1111 1111\",\"screen_name\":\"a\"}", 422,
      "looks_like_pan", "card_token" },
    { "{\"card_token\":\"4111111111111112\",\"screen_name\":\"alice\"}", 0,
      NULL, NULL },
    { "{\"card_token\":1234,\"screen_name\":\"alice\"}", 422, "invalid_type",
      "card_token" },
    { "{\"card_token\":\"tok_1\",\"screen_name\":\"alice bob\"}", 422,
      "invalid_value", "screen_name" },
    { "{\"card_token\":\"tok_1\",\"screen_name\":\"a\",\"pan\":\"x\"}", 422,
      "unknown_field", "pan" },

    /* a card number anywhere, before any other error of the body */
    { "{\"card_token\":\"tok_1\",\"screen_name\":\"4111111111111111\"}",
      422, "looks_like_pan", "screen_name" },
    { "{\"card_token\":\"tok_1\",\"screen_name\":\"411111111117\"}", 422,
      "looks_like_pan", "screen_name" },
    { "{\"screen_name\":\"4111-1111-1111-1111\",\"card_token\":\"tok\"}",
      422, "looks_like_pan", "screen_name" },
    { "{\"card_token\":\"4111111111111111\",\"pan\":\"x\"}", 422,
      "looks_like_pan", "card_token" },
    { "{\"pan\":\"x\",\"card_token\":\"4111111111111111\"}", 422,
      "looks_like_pan", "card_token" },
    { "{\"card_token\":4111111111111111,\"screen_name\":\"a\"}", 422,
      "looks_like_pan", "card_token" },
    { "{\"card_token\":\"tok_1\",\"screen_name\":\"a\","
      "\"pan\":\"5555 5555 5555 4444\"}", 422, "looks_like_pan", "pan" },
    { "{\"card_token\":\"tok_1\",\"screen_name\":\"a\","
      "\"4111111111111111\":1}", 422, "unknown_field", NULL },
    { "{\"card_token\":\"tok_1\",\"screen_name\":\"411111111112\"}", 0,
      NULL, NULL },
};


/* a card transaction (design notes of issue 5, "Transactions endpoint") */

#define T_ID    "\"txn_id\":\"txn_1\""
#define T_CARD  "\"card_token\":\"tok_abc123\""
#define T_MER   "\"merchant_id\":\"m_1\""
#define T_AMT   "\"amount_cents\":1500"
#define T_CUR   "\"currency\":\"USD\""
#define T_AT    "\"at\":1700000000"

#define T_ALL      T_ID "," T_CARD "," T_MER "," T_AMT "," T_CUR "," T_AT
#define T_NO_ID    T_CARD "," T_MER "," T_AMT "," T_CUR "," T_AT
#define T_NO_CARD  T_ID "," T_MER "," T_AMT "," T_CUR "," T_AT
#define T_NO_MER   T_ID "," T_CARD "," T_AMT "," T_CUR "," T_AT
#define T_NO_AMT   T_ID "," T_CARD "," T_MER "," T_CUR "," T_AT
#define T_NO_CUR   T_ID "," T_CARD "," T_MER "," T_AMT "," T_AT
#define T_NO_AT    T_ID "," T_CARD "," T_MER "," T_AMT "," T_CUR

#define T_CARD_IS(v)  "{\"card_token\":" v "," T_NO_CARD "}"


static const test_case_t  txns[] = {
    { "{" T_ALL "}", 0, NULL, NULL },
    { "{" T_AT "," T_CUR "," T_AMT "," T_MER "," T_CARD "," T_ID "}", 0,
      NULL, NULL },
    { "{\"amount_cents\":1," T_NO_AMT "}", 0, NULL, NULL },
    { "{\"amount_cents\":9007199254740992," T_NO_AMT "}", 0, NULL, NULL },
    { "{\"at\":0," T_NO_AT "}", 0, NULL, NULL },
    { "{\"at\":9007199254740992," T_NO_AT "}", 0, NULL, NULL },
    { "{\"currency\":\"EUR\"," T_NO_CUR "}", 0, NULL, NULL },
    { "{\"txn_id\":\"!#$%&'()*+,-./:;<=>?@[\\\\]^_`{|}~\\\"\"," T_NO_ID "}",
      0, NULL, NULL },
    { "{\"txn_id\":\"\\u0041\"," T_NO_ID "}", 0, NULL, NULL },
    { "{\"merchant_id\":\"M\"," T_NO_MER "}", 0, NULL, NULL },

    /* card tokens that are not card numbers */
    { T_CARD_IS("\"abcd\""), 0, NULL, NULL },
    { T_CARD_IS("\"4111111111111112\""), 0, NULL, NULL },     /* no Luhn */
    { T_CARD_IS("\"411111111112\""), 0, NULL, NULL },         /* 12 */
    { T_CARD_IS("\"4111111111111111112\""), 0, NULL, NULL },  /* 19 */
    { T_CARD_IS("\"4111-1111-1111-1112\""), 0, NULL, NULL },
    { T_CARD_IS("\"41111111111111111115\""), 0, NULL, NULL }, /* 20, Luhn */
    { T_CARD_IS("\"41111111112\""), 0, NULL, NULL },          /* 11, Luhn */
    { T_CARD_IS("\"tok_4111111111111111\""), 0, NULL, NULL },
    { T_CARD_IS("\"4111.1111.1111.1111\""), 0, NULL, NULL },

    /* card numbers: 12-19 digits passing Luhn, spaces and dashes aside */
    { T_CARD_IS("\"4111111111111111\""), 422, "looks_like_pan",
      "card_token" },
    { T_CARD_IS("\"4111 1111 1111 1111\""), 422, "looks_like_pan",
      "card_token" },
    { T_CARD_IS("\"4111-1111-1111-1111\""), 422, "looks_like_pan",
      "card_token" },
    { T_CARD_IS("\"4111 1111-1111 1111\""), 422, "looks_like_pan",
      "card_token" },
    { T_CARD_IS("\" 4111111111111111 \""), 422, "looks_like_pan",
      "card_token" },
    { T_CARD_IS("\"5555555555554444\""), 422, "looks_like_pan",
      "card_token" },
    { T_CARD_IS("\"378282246310005\""), 422, "looks_like_pan",
      "card_token" },
    { T_CARD_IS("\"411111111117\""), 422, "looks_like_pan", "card_token" },
    { T_CARD_IS("\"4111111111111111110\""), 422, "looks_like_pan",
      "card_token" },
    { T_CARD_IS("\"000000000000\""), 422, "looks_like_pan", "card_token" },
    { T_CARD_IS("\"4111 1111 1111 1112\""), 400, "invalid_value",
      "card_token" },

    /* every field required */
    { "{" T_NO_ID "}", 400, "required", "txn_id" },
    { "{" T_NO_CARD "}", 400, "required", "card_token" },
    { "{" T_NO_MER "}", 400, "required", "merchant_id" },
    { "{" T_NO_AMT "}", 400, "required", "amount_cents" },
    { "{" T_NO_CUR "}", 400, "required", "currency" },
    { "{" T_NO_AT "}", 400, "required", "at" },
    { "{}", 400, "required", "txn_id" },

    /* wrong types */
    { "{\"txn_id\":1," T_NO_ID "}", 400, "invalid_type", "txn_id" },
    { "{\"txn_id\":null," T_NO_ID "}", 400, "invalid_type", "txn_id" },
    { "{\"txn_id\":true," T_NO_ID "}", 400, "invalid_type", "txn_id" },
    { "{\"txn_id\":[\"t\"]," T_NO_ID "}", 400, "invalid_type", "txn_id" },
    { "{\"txn_id\":{}," T_NO_ID "}", 400, "invalid_type", "txn_id" },
    { T_CARD_IS("4111111111112"), 400, "invalid_type", "card_token" },
    { T_CARD_IS("null"), 400, "invalid_type", "card_token" },
    { T_CARD_IS("[]"), 400, "invalid_type", "card_token" },
    { T_CARD_IS("{\"t\":\"tok_1\"}"), 400, "invalid_type", "card_token" },
    { "{\"merchant_id\":5," T_NO_MER "}", 400, "invalid_type",
      "merchant_id" },
    { "{\"merchant_id\":null," T_NO_MER "}", 400, "invalid_type",
      "merchant_id" },
    { "{\"merchant_id\":{}," T_NO_MER "}", 400, "invalid_type",
      "merchant_id" },
    { "{\"amount_cents\":\"5\"," T_NO_AMT "}", 400, "invalid_type",
      "amount_cents" },
    { "{\"amount_cents\":\"1500\"," T_NO_AMT "}", 400, "invalid_type",
      "amount_cents" },
    { "{\"amount_cents\":1.0," T_NO_AMT "}", 400, "invalid_type",
      "amount_cents" },
    { "{\"amount_cents\":1500.5," T_NO_AMT "}", 400, "invalid_type",
      "amount_cents" },
    { "{\"amount_cents\":1e3," T_NO_AMT "}", 400, "invalid_type",
      "amount_cents" },
    { "{\"amount_cents\":null," T_NO_AMT "}", 400, "invalid_type",
      "amount_cents" },
    { "{\"amount_cents\":true," T_NO_AMT "}", 400, "invalid_type",
      "amount_cents" },
    { "{\"amount_cents\":[1500]," T_NO_AMT "}", 400, "invalid_type",
      "amount_cents" },
    { "{\"amount_cents\":{}," T_NO_AMT "}", 400, "invalid_type",
      "amount_cents" },
    { "{\"currency\":840," T_NO_CUR "}", 400, "invalid_type", "currency" },
    { "{\"currency\":null," T_NO_CUR "}", 400, "invalid_type", "currency" },
    { "{\"currency\":[\"USD\"]," T_NO_CUR "}", 400, "invalid_type",
      "currency" },
    { "{\"at\":\"1700000000\"," T_NO_AT "}", 400, "invalid_type", "at" },
    { "{\"at\":1700000000.0," T_NO_AT "}", 400, "invalid_type", "at" },
    { "{\"at\":1.7e9," T_NO_AT "}", 400, "invalid_type", "at" },
    { "{\"at\":null," T_NO_AT "}", 400, "invalid_type", "at" },
    { "{\"at\":false," T_NO_AT "}", 400, "invalid_type", "at" },
    { "{\"at\":[]," T_NO_AT "}", 400, "invalid_type", "at" },
    { "{\"at\":{}," T_NO_AT "}", 400, "invalid_type", "at" },

    /* bad strings */
    { "{\"txn_id\":\"\"," T_NO_ID "}", 400, "invalid_value", "txn_id" },
    { "{\"txn_id\":\"a b\"," T_NO_ID "}", 400, "invalid_value", "txn_id" },
    { "{\"txn_id\":\"a \"," T_NO_ID "}", 400, "invalid_value", "txn_id" },
    { "{\"txn_id\":\"a\\tb\"," T_NO_ID "}", 400, "invalid_value", "txn_id" },
    { "{\"txn_id\":\"a\\nb\"," T_NO_ID "}", 400, "invalid_value", "txn_id" },
    { "{\"txn_id\":\"a\\u0001\"," T_NO_ID "}", 400, "invalid_value",
      "txn_id" },
    { "{\"txn_id\":\"a\\u007f\"," T_NO_ID "}", 400, "invalid_value",
      "txn_id" },
    { "{\"txn_id\":\"caf\\u00e9\"," T_NO_ID "}", 400, "invalid_value",
      "txn_id" },
    { "{\"txn_id\":\"caf\xc3\xa9\"," T_NO_ID "}", 400, "invalid_value",
      "txn_id" },
    { T_CARD_IS("\"\""), 400, "invalid_value", "card_token" },
    { T_CARD_IS("\"tok\""), 400, "invalid_value", "card_token" },
    { T_CARD_IS("\"tok en\""), 400, "invalid_value", "card_token" },
    { T_CARD_IS("\"tok\\u00e9n\""), 400, "invalid_value", "card_token" },
    { T_CARD_IS("\"tok\\t1\""), 400, "invalid_value", "card_token" },
    { T_CARD_IS("\"    \""), 400, "invalid_value", "card_token" },
    { "{\"merchant_id\":\"\"," T_NO_MER "}", 400, "invalid_value",
      "merchant_id" },
    { "{\"merchant_id\":\"m 1\"," T_NO_MER "}", 400, "invalid_value",
      "merchant_id" },
    { "{\"merchant_id\":\"m\\u00e9\"," T_NO_MER "}", 400, "invalid_value",
      "merchant_id" },
    { "{\"currency\":\"usd\"," T_NO_CUR "}", 400, "invalid_value",
      "currency" },
    { "{\"currency\":\"Usd\"," T_NO_CUR "}", 400, "invalid_value",
      "currency" },
    { "{\"currency\":\"US\"," T_NO_CUR "}", 400, "invalid_value",
      "currency" },
    { "{\"currency\":\"USDX\"," T_NO_CUR "}", 400, "invalid_value",
      "currency" },
    { "{\"currency\":\"\"," T_NO_CUR "}", 400, "invalid_value", "currency" },
    { "{\"currency\":\"U5D\"," T_NO_CUR "}", 400, "invalid_value",
      "currency" },
    { "{\"currency\":\"U D\"," T_NO_CUR "}", 400, "invalid_value",
      "currency" },
    { "{\"currency\":\"\\u00dcSD\"," T_NO_CUR "}", 400, "invalid_value",
      "currency" },

    /* integers out of range */
    { "{\"amount_cents\":0," T_NO_AMT "}", 400, "out_of_range",
      "amount_cents" },
    { "{\"amount_cents\":-1," T_NO_AMT "}", 400, "out_of_range",
      "amount_cents" },
    { "{\"amount_cents\":-1500," T_NO_AMT "}", 400, "out_of_range",
      "amount_cents" },
    { "{\"amount_cents\":9007199254740993," T_NO_AMT "}", 400,
      "out_of_range", "amount_cents" },
    { "{\"amount_cents\":9223372036854775807," T_NO_AMT "}", 400,
      "out_of_range", "amount_cents" },
    { "{\"amount_cents\":-9223372036854775808," T_NO_AMT "}", 400,
      "out_of_range", "amount_cents" },
    { "{\"at\":-1," T_NO_AT "}", 400, "out_of_range", "at" },
    { "{\"at\":9007199254740993," T_NO_AT "}", 400, "out_of_range", "at" },
    { "{\"at\":9223372036854775807," T_NO_AT "}", 400, "out_of_range",
      "at" },

    /* unknown fields: the first in body order, before anything else */
    { "{" T_ALL ",\"x\":1}", 400, "unknown_field", "x" },
    { "{" T_ALL ",\"x\":null}", 400, "unknown_field", "x" },
    { "{\"a\":1," T_ALL "}", 400, "unknown_field", "a" },
    { "{" T_ALL ",\"b\":1,\"a\":2}", 400, "unknown_field", "b" },
    { "{\"zzz\":1}", 400, "unknown_field", "zzz" },
    { "{\"txn_id\":5,\"extra\":1," T_NO_ID "}", 400, "unknown_field",
      "extra" },
    { "{\"TXN_ID\":\"t\"," T_NO_ID "}", 400, "unknown_field", "TXN_ID" },
    { "{\"webhook_id\":\"w\"," T_ALL "}", 400, "unknown_field",
      "webhook_id" },
    { "{\"card_token\":\"4111111111111112\",\"pan\":\"x\"," T_NO_CARD "}",
      400, "unknown_field", "pan" },
    { "{\"amount\":1500," T_NO_AMT "}", 400, "unknown_field", "amount" },

    /* the order of the checks: txn_id, card_token, merchant_id, ... */
    { "{\"txn_id\":1,\"card_token\":\"4111111111111112\"," T_MER ","
      T_AMT "," T_CUR "," T_AT "}", 400, "invalid_type", "txn_id" },
    { "{\"card_token\":1," T_MER "," T_AMT "," T_CUR "," T_AT "}", 400,
      "required", "txn_id" },
    { "{\"at\":-1,\"currency\":\"usd\",\"txn_id\":\"\"," T_CARD "," T_MER
      "," T_AMT "}", 400, "invalid_value", "txn_id" },
    { "{" T_ID ",\"card_token\":\"4111111111111111\",\"amount_cents\":0}",
      422, "looks_like_pan", "card_token" },
    { "{\"merchant_id\":7,\"card_token\":\"tok\"," T_ID "," T_AMT ","
      T_CUR "," T_AT "}", 400, "invalid_value", "card_token" },
    { "{\"amount_cents\":\"5\",\"merchant_id\":\"m 1\"," T_ID "," T_CARD
      "," T_CUR "," T_AT "}", 400, "invalid_value", "merchant_id" },
    { "{" T_ID "," T_CARD "," T_MER "}", 400, "required", "amount_cents" },
    { "{\"at\":\"x\",\"currency\":\"usd\",\"amount_cents\":0," T_ID ","
      T_CARD "," T_MER "}", 400, "out_of_range", "amount_cents" },
    { "{\"at\":null,\"currency\":\"usd\"," T_ID "," T_CARD "," T_MER ","
      T_AMT "}", 400, "invalid_value", "currency" },
    { "{" T_ID "," T_CARD "," T_MER "," T_AMT "}", 400, "required",
      "currency" },
    { "{\"at\":-5,\"txn_id\":null,\"card_token\":\"x\",\"merchant_id\":\"\","
      "\"amount_cents\":0,\"currency\":1}", 400, "invalid_type", "txn_id" },

    /* a card number anywhere text goes: 422, before every other error */
    { T_CARD_IS("4111111111111111"), 422, "looks_like_pan", "card_token" },
    { T_CARD_IS("-4111111111111111"), 422, "looks_like_pan", "card_token" },
    { "{\"card_token\":\"4111111111111111\",\"pan\":\"x\"," T_NO_CARD "}",
      422, "looks_like_pan", "card_token" },
    { "{\"txn_id\":1,\"card_token\":\"4111111111111111\"," T_MER ","
      T_AMT "," T_CUR "," T_AT "}", 422, "looks_like_pan", "card_token" },
    { "{\"txn_id\":\"4111111111111111\"," T_NO_ID "}", 422,
      "looks_like_pan", "txn_id" },
    { "{\"txn_id\":\"4111 1111 1111 1111\"," T_NO_ID "}", 422,
      "looks_like_pan", "txn_id" },
    { "{\"merchant_id\":\"5555-5555-5555-4444\"," T_NO_MER "}", 422,
      "looks_like_pan", "merchant_id" },
    { "{\"merchant_id\":5555555555554444," T_NO_MER "}", 422,
      "looks_like_pan", "merchant_id" },
    { "{\"at\":-1,\"zzz\":1,\"currency\":1,"
      "\"txn_id\":\"378282246310005\"}", 422, "looks_like_pan", "txn_id" },
    { "{\"merchant_id\":\"5555555555554444\","
      "\"card_token\":\"4111111111111111\"," T_ID "," T_AMT "," T_CUR ","
      T_AT "}", 422, "looks_like_pan", "merchant_id" },
    { "{\"amount_cents\":\"4111111111111111\"," T_NO_AMT "}", 422,
      "looks_like_pan", "amount_cents" },
    { "{" T_ALL ",\"note\":\"4111111111111111\"}", 422, "looks_like_pan",
      "note" },
    { "{" T_ALL ",\"note\":4111111111111111}", 422, "looks_like_pan",
      "note" },
    { "{\"4111111111111111\":\"4111111111111111\"," T_ALL "}", 422,
      "looks_like_pan", NULL },
    { "{\"amount_cents\":99999999999999999999,"
      "\"card_token\":\"4111111111111111\"," T_ID "," T_MER "," T_CUR ","
      T_AT "}", 422, "looks_like_pan", "card_token" },
    /* not card numbers: an amount, a time, no Luhn, 11 or 20 digits */
    { "{\"amount_cents\":4111111111111111," T_NO_AMT "}", 0, NULL, NULL },
    { "{\"txn_id\":\"4111111111111112\"," T_NO_ID "}", 0, NULL, NULL },
    { "{\"txn_id\":\"41111111112\"," T_NO_ID "}", 0, NULL, NULL },
    { "{\"merchant_id\":\"41111111111111111115\"," T_NO_MER "}", 0, NULL,
      NULL },
    { "{\"txn_id\":\"txn_4111111111111111\"," T_NO_ID "}", 0, NULL, NULL },

    /* an unknown field whose name is digits, or holds a card, is unnamed */
    { "{\"4111111111111111\":1," T_ALL "}", 400, "unknown_field", NULL },
    { "{" T_ALL ",\"4111111111111111\":1}", 400, "unknown_field", NULL },
    { "{\"12\":1," T_ALL "}", 400, "unknown_field", NULL },
    { "{\"pan_4111111111111111\":1," T_ALL "}", 400, "unknown_field",
      NULL },
    { "{\"a123456789012\":1," T_ALL "}", 400, "unknown_field", NULL },
    { "{\"a12345678901\":1," T_ALL "}", 400, "unknown_field",
      "a12345678901" },
    { "{\"a12345678901_12345678901\":1," T_ALL "}", 400, "unknown_field",
      "a12345678901_12345678901" },

    /* the JSON itself */
    { "", 400, "malformed_json", NULL },
    { "[]", 400, "malformed_json", NULL },
    { "null", 400, "malformed_json", NULL },
    { "1500", 400, "malformed_json", NULL },
    { "\"" T_ALL "\"", 400, "malformed_json", NULL },
    { "[{" T_ALL "}]", 400, "malformed_json", NULL },
    { "{" T_ALL ",}", 400, "malformed_json", NULL },
    { "{" T_ALL "}x", 400, "malformed_json", NULL },
    { "{" T_ALL "}{}", 400, "malformed_json", NULL },
    { "{" T_ALL "," T_ID "}", 400, "malformed_json", NULL },
    { "{" T_ALL ",\"txn_id\":\"txn_2\"}", 400, "malformed_json", NULL },
    { "{" T_ALL ",\"x\":1,\"x\":2}", 400, "malformed_json", NULL },
};


static void run_cases(const char *what, const test_case_t *cases, size_t n,
    ngx_uint_t kind);
static void test_offer_values(void);
static void test_depth(void);
static void test_ids(void);
static void test_luhn(void);
static void test_utf8(void);
static void test_title_length(void);
static void test_txn_values(void);
static void test_txn_lengths(void);
static void test_txn_big_numbers(void);


int
main(void)
{
    run_cases("offer", offers, sizeof(offers) / sizeof(offers[0]), 1);
    run_cases("link", links, sizeof(links) / sizeof(links[0]), 0);
    run_cases("txn", txns, sizeof(txns) / sizeof(txns[0]), 2);
    test_offer_values();
    test_depth();
    test_ids();
    test_luhn();
    test_utf8();
    test_title_length();
    test_txn_values();
    test_txn_lengths();
    test_txn_big_numbers();

    return unit_done();
}


static void
run_cases(const char *what, const test_case_t *cases, size_t n,
    ngx_uint_t kind)
{
    size_t                        i;
    json_t                       *root;
    ngx_int_t                     rc;
    ngx_http_hashpay_json_err_t   err;
    ngx_http_hashpay_offer_t      o;
    ngx_http_hashpay_link_t       l;
    ngx_http_hashpay_txn_t        t;

    for (i = 0; i < n; i++) {
        ngx_memzero(&err, sizeof(err));

        root = ngx_http_hashpay_json_parse((u_char *) cases[i].body,
                                           strlen(cases[i].body), &err);
        if (root == NULL) {
            rc = NGX_DECLINED;

        } else if (kind == 1) {
            rc = ngx_http_hashpay_offer_read(root, &o, &err);

        } else if (kind == 2) {
            rc = ngx_http_hashpay_txn_read(root, &t, &err);

        } else {
            rc = ngx_http_hashpay_link_read(root, &l, &err);
        }

        if (cases[i].status == 0) {
            CHECK(rc == NGX_OK, "%s %zu accepted: %s (got %s %s)", what, i,
                  cases[i].body, err.code ? err.code : "-",
                  err.field ? err.field : "-");

        } else {
            CHECK(rc == NGX_DECLINED
                  && (int) err.status == cases[i].status
                  && err.code && strcmp(err.code, cases[i].code) == 0
                  && ((err.field == NULL && cases[i].field == NULL)
                      || (err.field && cases[i].field
                          && strcmp(err.field, cases[i].field) == 0)),
                  "%s %zu: %s: want %d %s %s, got %d %s %s", what, i,
                  cases[i].body, cases[i].status, cases[i].code,
                  cases[i].field ? cases[i].field : "-", (int) err.status,
                  err.code ? err.code : "-", err.field ? err.field : "-");
        }

        if (root) {
            json_decref(root);
        }
    }
}


static void
test_offer_values(void)
{
    json_t                       *root;
    const char                   *body;
    ngx_http_hashpay_offer_t      o;
    ngx_http_hashpay_json_err_t   err;

    body = "{" P "}";
    root = ngx_http_hashpay_json_parse((u_char *) body, strlen(body), &err);
    CHECK(root != NULL, "defaults parse");

    if (root == NULL) {
        return;
    }

    CHECK_INT(ngx_http_hashpay_offer_read(root, &o, &err), NGX_OK, "read");
    CHECK_NGX_STR(o.kind, "purchase", "default kind");
    CHECK_NGX_STR(o.currency, "USD", "default currency");
    CHECK_NGX_STR(o.title, "Gift card", "title");
    CHECK_INT(o.price_cents, 2500, "price_cents");
    CHECK_INT(o.stock, 10, "stock");
    CHECK_INT(o.per_user_limit, 1, "default per_user_limit");
    CHECK_INT(o.min_account_age_days, 0, "default age");
    CHECK_INT(o.starts_at, NGX_HTTP_HASHPAY_UNSET, "starts_at unset");
    CHECK_INT(o.ends_at, NGX_HTTP_HASHPAY_UNSET, "ends_at unset");
    CHECK_INT(o.cashback_cents, NGX_HTTP_HASHPAY_UNSET, "no cashback");
    CHECK_INT(o.merchant_id.len, 0, "no merchant");
    json_decref(root);

    body = "{" C "}";
    root = ngx_http_hashpay_json_parse((u_char *) body, strlen(body), &err);
    CHECK(root != NULL, "cashback parse");

    if (root == NULL) {
        return;
    }

    CHECK_INT(ngx_http_hashpay_offer_read(root, &o, &err), NGX_OK, "read");
    CHECK_NGX_STR(o.kind, "cashback", "kind");
    CHECK_NGX_STR(o.merchant_id, "m_1", "merchant_id");
    CHECK_INT(o.cashback_cents, 500, "cashback_cents");
    CHECK_INT(o.min_spend_cents, 0, "default min_spend_cents");
    CHECK_INT(o.price_cents, NGX_HTTP_HASHPAY_UNSET, "no price");
    json_decref(root);
}


static void
test_depth(void)
{
    int                           i;
    char                          buf[256];
    json_t                       *root;
    size_t                        n;
    ngx_http_hashpay_json_err_t   err;

    /* 32 levels: the object, then 31 arrays as the value of a field */

    n = 0;
    n += sprintf(buf + n, "{\"title\":");

    for (i = 0; i < 31; i++) {
        buf[n++] = '[';
    }

    for (i = 0; i < 31; i++) {
        buf[n++] = ']';
    }

    buf[n++] = '}';
    buf[n] = '\0';

    root = ngx_http_hashpay_json_parse((u_char *) buf, n, &err);
    CHECK(root != NULL, "depth 32 parses");

    if (root) {
        json_decref(root);
    }

    n = 0;
    n += sprintf(buf + n, "{\"title\":");

    for (i = 0; i < 32; i++) {
        buf[n++] = '[';
    }

    for (i = 0; i < 32; i++) {
        buf[n++] = ']';
    }

    buf[n++] = '}';
    buf[n] = '\0';

    err.status = 0;
    root = ngx_http_hashpay_json_parse((u_char *) buf, n, &err);
    CHECK(root == NULL && err.status == 400, "depth 33 refused");

    /* brackets inside strings do not count */

    n = sprintf(buf, "{\"title\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\""
                "[[[[\"}");
    root = ngx_http_hashpay_json_parse((u_char *) buf, n, &err);
    CHECK(root != NULL, "brackets in strings");

    if (root) {
        json_decref(root);
    }
}


static void
test_ids(void)
{
    CHECK(ngx_http_hashpay_is_tag((u_char *) "BuyGiftCard25", 13), "tag");
    CHECK(ngx_http_hashpay_is_tag((u_char *) "_", 1), "tag _");
    CHECK(ngx_http_hashpay_is_tag((u_char *) "1a", 2), "tag 1a");
    CHECK(!ngx_http_hashpay_is_tag((u_char *) "123", 3), "all digits");
    CHECK(!ngx_http_hashpay_is_tag((u_char *) "", 0), "empty tag");
    CHECK(!ngx_http_hashpay_is_tag((u_char *) "a-b", 3), "tag with -");
    CHECK(!ngx_http_hashpay_is_tag((u_char *) "caf\xc3\xa9", 5), "non-ASCII");
    CHECK(ngx_http_hashpay_is_tag((u_char *)
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 100),
          "tag of 100");
    CHECK(!ngx_http_hashpay_is_tag((u_char *)
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 101),
          "tag of 101");

    CHECK(ngx_http_hashpay_is_user_id((u_char *) "1", 1), "user 1");
    CHECK(ngx_http_hashpay_is_user_id((u_char *) "12345678901234567890", 20),
          "user of 20");
    CHECK(!ngx_http_hashpay_is_user_id((u_char *) "123456789012345678901",
                                       21), "user of 21");
    CHECK(!ngx_http_hashpay_is_user_id((u_char *) "12a", 3), "user 12a");
    CHECK(!ngx_http_hashpay_is_user_id((u_char *) "", 0), "user empty");

    CHECK(ngx_http_hashpay_is_purchase_id((u_char *) "pur_1", 5), "pur_1");
    CHECK(!ngx_http_hashpay_is_purchase_id((u_char *) "pur-1", 5), "pur-1");
}


static void
test_luhn(void)
{
    size_t       i;
    const char  *pan[] = {
        "4111111111111111", "5555555555554444", "378282246310005",
        "4111-1111-1111-1111", " 4111 1111 1111 1111 ", "6011000990139424",
        "4222222222222", "4000056655665556", "6304000000000000"
    };
    const char  *not_pan[] = {
        "4111111111111112", "411111111111", "41111111111111111111",
        "4111x1111111111111", "tok_4111111111111111", "", "0000",
        "4111.1111.1111.1111"
    };

    for (i = 0; i < sizeof(pan) / sizeof(pan[0]); i++) {
        CHECK(ngx_http_hashpay_looks_like_pan((u_char *) pan[i],
                                              strlen(pan[i])),
              "a card number: %s", pan[i]);
    }

    for (i = 0; i < sizeof(not_pan) / sizeof(not_pan[0]); i++) {
        CHECK(!ngx_http_hashpay_looks_like_pan((u_char *) not_pan[i],
                                               strlen(not_pan[i])),
              "not a card number: %s", not_pan[i]);
    }

    /* 12 digits passing Luhn is the shortest */
    CHECK(ngx_http_hashpay_looks_like_pan((u_char *) "000000000000", 12),
          "12 zeros");
    CHECK(!ngx_http_hashpay_looks_like_pan((u_char *) "00000000000", 11),
          "11 zeros");
    CHECK(ngx_http_hashpay_looks_like_pan((u_char *) "0000000000000000000",
                                          19), "19 zeros");
    CHECK(!ngx_http_hashpay_looks_like_pan((u_char *) "00000000000000000000",
                                           20), "20 zeros");
}


static void
test_utf8(void)
{
    CHECK_INT(ngx_http_hashpay_utf8_chars((u_char *) "abc", 3), 3, "ascii");
    CHECK_INT(ngx_http_hashpay_utf8_chars((u_char *) "caf\xc3\xa9", 5), 4,
              "2 bytes");
    CHECK_INT(ngx_http_hashpay_utf8_chars((u_char *) "\xe2\x82\xac", 3), 1,
              "3 bytes");
    CHECK_INT(ngx_http_hashpay_utf8_chars((u_char *) "\xf0\x9f\x98\x80", 4),
              1, "4 bytes");
    CHECK_INT(ngx_http_hashpay_utf8_chars((u_char *) "\xc3", 1), -1,
              "truncated");
    CHECK_INT(ngx_http_hashpay_utf8_chars((u_char *) "\xc0\xaf", 2), -1,
              "overlong");
    CHECK_INT(ngx_http_hashpay_utf8_chars((u_char *) "\xed\xa0\x80", 3), -1,
              "surrogate");
    CHECK_INT(ngx_http_hashpay_utf8_chars((u_char *) "", 0), 0, "empty");
}


/* 200 characters of 2 bytes each are a title; 201 are not */

static void
test_title_length(void)
{
    int                           i, n;
    char                          buf[1024];
    json_t                       *root;
    size_t                        len;
    ngx_http_hashpay_offer_t      o;
    ngx_http_hashpay_json_err_t   err;

    for (n = 200; n <= 201; n++) {
        len = sprintf(buf, "{\"stock\":1,\"price_cents\":1,\"title\":\"");

        for (i = 0; i < n; i++) {
            len += sprintf(buf + len, "\xc3\xa9");
        }

        len += sprintf(buf + len, "\"}");

        root = ngx_http_hashpay_json_parse((u_char *) buf, len, &err);
        CHECK(root != NULL, "title of %d parses", n);

        if (root == NULL) {
            continue;
        }

        err.code = NULL;
        CHECK_INT(ngx_http_hashpay_offer_read(root, &o, &err),
                  n == 200 ? NGX_OK : NGX_DECLINED, "title length");
        CHECK(n == 200 || (err.code && strcmp(err.code, "invalid_value") == 0),
              "title of %d characters", n);
        json_decref(root);
    }
}


static void
test_txn_values(void)
{
    json_t                       *root;
    const char                   *body;
    ngx_http_hashpay_txn_t        t;
    ngx_http_hashpay_json_err_t   err;

    body = "{" T_ALL "}";
    root = ngx_http_hashpay_json_parse((u_char *) body, strlen(body), &err);
    CHECK(root != NULL, "txn parse");

    if (root == NULL) {
        return;
    }

    ngx_memzero(&t, sizeof(t));

    CHECK_INT(ngx_http_hashpay_txn_read(root, &t, &err), NGX_OK, "txn read");
    CHECK_NGX_STR(t.txn_id, "txn_1", "txn txn_id");
    CHECK_NGX_STR(t.card_token, "tok_abc123", "txn card_token");
    CHECK_NGX_STR(t.merchant_id, "m_1", "txn merchant_id");
    CHECK_NGX_STR(t.currency, "USD", "txn currency");
    CHECK_INT(t.amount_cents, 1500, "txn amount_cents");
    CHECK_INT(t.at, 1700000000, "txn at");
    json_decref(root);

    /* escapes decoded, dashes kept, the largest integers, the smallest */

    body = "{\"at\":0,\"amount_cents\":9007199254740992,"
           "\"currency\":\"EUR\",\"merchant_id\":\"\\u004d_9\","
           "\"card_token\":\"4111-1111-1111-1112\",\"txn_id\":\"\\u0041bc\"}";
    root = ngx_http_hashpay_json_parse((u_char *) body, strlen(body), &err);
    CHECK(root != NULL, "txn parse 2");

    if (root == NULL) {
        return;
    }

    ngx_memzero(&t, sizeof(t));

    CHECK_INT(ngx_http_hashpay_txn_read(root, &t, &err), NGX_OK,
              "txn read 2");
    CHECK_NGX_STR(t.txn_id, "Abc", "txn escaped txn_id");
    CHECK_NGX_STR(t.card_token, "4111-1111-1111-1112", "txn dashed token");
    CHECK_NGX_STR(t.merchant_id, "M_9", "txn escaped merchant_id");
    CHECK_NGX_STR(t.currency, "EUR", "txn EUR");
    CHECK_INT(t.amount_cents, 9007199254740992LL, "txn amount 2^53");
    CHECK_INT(t.at, 0, "txn at 0");
    json_decref(root);
}


/* string fields of n times the byte c, the other fields valid */

static void
test_txn_lengths(void)
{
    char                         *buf;
    size_t                        i, len;
    json_t                       *root;
    ngx_int_t                     rc;
    ngx_http_hashpay_txn_t        t;
    ngx_http_hashpay_json_err_t   err;

    static const struct {
        const char  *field;
        const char  *rest;
        size_t       n;
        char         c;
        ngx_uint_t   ok;
    } cases[] = {
        { "txn_id", T_NO_ID, 1, 'a', 1 },
        { "txn_id", T_NO_ID, 128, 'a', 1 },
        { "txn_id", T_NO_ID, 128, '~', 1 },
        { "txn_id", T_NO_ID, 129, 'a', 0 },
        { "txn_id", T_NO_ID, 1000, 'a', 0 },
        { "card_token", T_NO_CARD, 4, 'a', 1 },
        { "card_token", T_NO_CARD, 3, 'a', 0 },
        { "card_token", T_NO_CARD, 1, 'a', 0 },
        { "card_token", T_NO_CARD, 200, 'a', 1 },
        { "card_token", T_NO_CARD, 200, '1', 1 },
        { "card_token", T_NO_CARD, 201, 'a', 0 },
        { "card_token", T_NO_CARD, 201, '1', 0 },
        { "merchant_id", T_NO_MER, 1, 'm', 1 },
        { "merchant_id", T_NO_MER, 64, 'm', 1 },
        { "merchant_id", T_NO_MER, 65, 'm', 0 },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        buf = malloc(cases[i].n + 512);

        len = sprintf(buf, "{\"%s\":\"", cases[i].field);
        ngx_memset(buf + len, cases[i].c, cases[i].n);
        len += cases[i].n;
        len += sprintf(buf + len, "\",%s}", cases[i].rest);

        ngx_memzero(&err, sizeof(err));

        root = ngx_http_hashpay_json_parse((u_char *) buf, len, &err);
        CHECK(root != NULL, "txn %s of %zu parses", cases[i].field,
              cases[i].n);

        if (root == NULL) {
            free(buf);
            continue;
        }

        ngx_memzero(&t, sizeof(t));

        rc = ngx_http_hashpay_txn_read(root, &t, &err);

        if (cases[i].ok) {
            CHECK(rc == NGX_OK, "txn %s of %zu '%c' accepted (got %s %s)",
                  cases[i].field, cases[i].n, cases[i].c,
                  err.code ? err.code : "-", err.field ? err.field : "-");

        } else {
            CHECK(rc == NGX_DECLINED && err.status == 400
                  && err.code && strcmp(err.code, "invalid_value") == 0
                  && err.field && strcmp(err.field, cases[i].field) == 0,
                  "txn %s of %zu '%c': want 400 invalid_value %s, "
                  "got %d %d %s %s", cases[i].field, cases[i].n, cases[i].c,
                  cases[i].field, (int) rc, (int) err.status,
                  err.code ? err.code : "-", err.field ? err.field : "-");
        }

        json_decref(root);
        free(buf);
    }
}


/*
 * Numbers beyond 64 bits are refused by the parser (out_of_range, no
 * field); the transactions handler answers them with status 400.
 */

static void
test_txn_big_numbers(void)
{
    json_t                       *root;
    ngx_uint_t                    i;
    ngx_http_hashpay_json_err_t   err;

    static const char  *bodies[] = {
        "{\"amount_cents\":99999999999999999999," T_NO_AMT "}",
        "{\"amount_cents\":9223372036854775808," T_NO_AMT "}",
        "{\"at\":-99999999999999999999," T_NO_AT "}",
        "{\"at\":-9223372036854775809," T_NO_AT "}",
    };

    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        ngx_memzero(&err, sizeof(err));

        root = ngx_http_hashpay_json_parse((u_char *) bodies[i],
                                           strlen(bodies[i]), &err);
        CHECK(root == NULL && err.code
              && strcmp(err.code, "out_of_range") == 0 && err.field == NULL,
              "txn big number %s: got %s %d %s %s", bodies[i],
              root ? "parsed" : "refused", (int) err.status,
              err.code ? err.code : "-", err.field ? err.field : "-");

        if (root) {
            json_decref(root);
        }
    }
}
