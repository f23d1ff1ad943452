
/*
 * Copyright (C) hashpay authors
 *
 * Unit tests of the script table util/lua2c.sh generates from src/lua:
 * the SHA1 each EVALSHA names is the SHA1 of the source SCRIPT LOAD sends,
 * the enum and the table agree, every script declares at least one key
 * (Redis Cluster routes a script by its first key), and the argument
 * indexes the callers use are where the scripts' headers put them.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <openssl/evp.h>

#include "ngx_http_hashpay_scripts.h"
#include "unit.h"


static void test_table(void);
static void test_sha1(void);
static void test_indexes(void);


int
main(void)
{
    test_table();
    test_sha1();
    test_indexes();

    return unit_done();
}


static void
test_table(void)
{
    ngx_uint_t                  i;
    ngx_http_hashpay_script_t  *s;

    for (i = 0; ngx_http_hashpay_scripts[i].name.len; i++) {
        s = &ngx_http_hashpay_scripts[i];

        CHECK(s->nkeys >= 1, "%.*s declares a key", (int) s->name.len,
              s->name.data);
        CHECK(s->nargs > s->nkeys, "%.*s has arguments", (int) s->name.len,
              s->name.data);
        CHECK(s->source.len > 0
              && s->source.data[s->source.len - 1] == '\n',
              "%.*s source ends with a newline", (int) s->name.len,
              s->name.data);
        CHECK(ngx_strlen(s->source.data) == s->source.len,
              "%.*s source has no NUL", (int) s->name.len, s->name.data);
    }

    CHECK_INT(i, NGX_HTTP_HASHPAY_NSCRIPTS, "the table ends after the enum");

    CHECK_NGX_STR(ngx_http_hashpay_scripts[NGX_HTTP_HASHPAY_SCRIPT_TWEET]
                  .name, "tweet", "enum TWEET names tweet");
    CHECK_NGX_STR(ngx_http_hashpay_scripts[NGX_HTTP_HASHPAY_SCRIPT_UNLINK]
                  .name, "unlink", "enum UNLINK names unlink");
    CHECK_NGX_STR(ngx_http_hashpay_scripts
                  [NGX_HTTP_HASHPAY_SCRIPT_TRANSACTION].name, "transaction",
                  "enum TRANSACTION names transaction");
    CHECK_NGX_STR(ngx_http_hashpay_scripts
                  [NGX_HTTP_HASHPAY_SCRIPT_EVENTS_UNACKED].name,
                  "events_unacked", "enum EVENTS_UNACKED");
    CHECK_NGX_STR(ngx_http_hashpay_scripts
                  [NGX_HTTP_HASHPAY_SCRIPT_OFFER_PUT].name, "offer_put",
                  "enum OFFER_PUT");

    CHECK_INT(ngx_http_hashpay_scripts[NGX_HTTP_HASHPAY_SCRIPT_TWEET]
              .variable, 1, "tweet takes codes and hashtags after its fixed "
              "arguments");
    CHECK_INT(ngx_http_hashpay_scripts[NGX_HTTP_HASHPAY_SCRIPT_UNLINK]
              .variable, 0, "unlink takes a fixed number");
}


/* what Redis computes on SCRIPT LOAD, as lower-case hex */

static void
test_sha1(void)
{
    u_char                      md[EVP_MAX_MD_SIZE], hex[2 * EVP_MAX_MD_SIZE];
    unsigned int                i, mdlen;
    ngx_http_hashpay_script_t  *s;

    static const char           digits[] = "0123456789abcdef";

    for (s = ngx_http_hashpay_scripts; s->name.len; s++) {
        CHECK(EVP_Digest(s->source.data, s->source.len, md, &mdlen,
                         EVP_sha1(), NULL) == 1, "EVP_Digest");

        for (i = 0; i < mdlen; i++) {
            hex[2 * i] = digits[md[i] >> 4];
            hex[2 * i + 1] = digits[md[i] & 0xf];
        }

        CHECK_MEM(s->sha1.data, s->sha1.len, hex, 2 * mdlen,
                  (char *) s->name.data);
    }
}


static void
test_indexes(void)
{
    /* KEYS come first, then ARGV[1] at NKEYS */
    CHECK_INT(NGX_HTTP_HASHPAY_TWEET_NKEYS, 1, "tweet: one key");
    CHECK_INT(NGX_HTTP_HASHPAY_TWEET_KEY_EVENTS, 0, "tweet: KEYS[1]");
    CHECK_INT(NGX_HTTP_HASHPAY_TWEET_ARG_PREFIX, 1, "tweet: ARGV[1]");
    CHECK_INT(NGX_HTTP_HASHPAY_TWEET_ARG_AUTHOR_ID, 6, "tweet: ARGV[6]");
    CHECK_INT(NGX_HTTP_HASHPAY_TWEET_ARG_ROOT_ID, 13, "tweet: ARGV[13]");
    CHECK_INT(NGX_HTTP_HASHPAY_TWEET_ARG_CODES, 14, "tweet: ARGV[14 ..]");
    CHECK_INT(NGX_HTTP_HASHPAY_TWEET_NARGS, 14, "tweet: 14 fixed");

    CHECK_INT(NGX_HTTP_HASHPAY_TRANSACTION_ARG_AT, 10, "transaction: at");
    CHECK_INT(NGX_HTTP_HASHPAY_TRANSACTION_NARGS, 11, "transaction: 11");
    CHECK_INT(NGX_HTTP_HASHPAY_UNLINK_ARG_DEDUPE_TTL, 6, "unlink: ARGV[6]");
    CHECK_INT(NGX_HTTP_HASHPAY_OFFER_PUT_NARGS, 16, "offer_put: 16");
    CHECK_INT(NGX_HTTP_HASHPAY_OFFER_PUT_ARG_MIN_SPEND_CENTS, 15,
              "offer_put: ARGV[15]");

    CHECK_INT(ngx_http_hashpay_scripts[NGX_HTTP_HASHPAY_SCRIPT_TWEET].nargs,
              NGX_HTTP_HASHPAY_TWEET_NARGS, "table and header agree");
    CHECK_INT(ngx_http_hashpay_scripts[NGX_HTTP_HASHPAY_SCRIPT_OFFER_PUT]
              .nargs, NGX_HTTP_HASHPAY_OFFER_PUT_NARGS,
              "table and header agree");
}
