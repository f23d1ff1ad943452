
/*
 * Copyright (C) hashpay authors
 *
 * Unit tests of src/ngx_http_hashpay_sig.c: HMAC-SHA256, base64,
 * constant-time comparison, X signatures with secret rotation, the CRC
 * token, Standard Webhooks secrets and signatures, and what a refusal
 * costs: OpenSSL's EVP_MAC_init(), where every HMAC of sig.c begins, is
 * wrapped here (the calls of src/ngx_http_hashpay_sig.c bind to this
 * definition, which counts and calls OpenSSL's own), so a test can tell
 * how many HMACs a verification computed.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ngx_http_hashpay_sig.h"
#include "unit.h"


typedef struct {
    const char  *key;
    const char  *body;
    const char  *sig;
} test_vector_t;


/*
 * The known answers of t/data/examples/README.md, then vectors
 * computed apart from this code:
 *
 *   printf %s "$body" | openssl dgst -sha256 -hmac "$key" -binary | base64
 *
 * (the first body holds a backslash-u escape as six literal bytes; the
 * last one holds UTF-8 and a newline, made with printf 'h\xc3\xa9llo\n')
 */

static const test_vector_t  vectors[] = {
    { "test", "{\"test_number\":1,\"test_string\":\"two\"}",
      "sha256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI=" },
    { "test", "challenge_string",
      "sha256=SYYKwb5URQ4OnNXL3KWDH9ph6EIaP+4PTQFxLk5FIK4=" },
    { "hashpay-rotated-secret-2",
      "{\"for_user_id\":\"2244994945\",\"tweet_create_events\":"
      "[{\"id_str\":\"1301234567890123457\","
      "\"text\":\"caf\\u00e9 #BuyGiftCard25\"}]}",
      "sha256=mtp7uWxmVX+09Pkr1AjvbkMiAFqaj+HwwHz6mnRUAAU=" },
    { "test", "abcdefghijklmnop",
      "sha256=YRhbhEGl0w+f6ZcWK+465B0LhjsQBXtMxRLqz1qbR3s=" },
    { "test", "h\xc3\xa9llo\n",
      "sha256=BEZiH4r8faa6b+w4sv+jxHFAbXALkylsvgjDzo+/1U8=" },
};


/*
 * Standard Webhooks.  The known answer of the Standard Webhooks
 * specification (secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw), whose key
 * is, from
 *
 *   echo -n MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw | base64 -d | xxd -p
 *
 * 31f290f6bf06298aab4f08d43c3f082cf648a362da2da4b0
 */

#define SW_ID    "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SW_TS    "1614265330"
#define SW_NOW   1614265330
#define SW_BODY  "{\"test\": 2432232314}"
#define SW_SIG   "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
#define SW_V1    "v1," SW_SIG
#define SW_TOL   300

static time_t  sw_tolerance = SW_TOL;

static const u_char  sw_known[] =
    "\x31\xf2\x90\xf6\xbf\x06\x29\x8a\xab\x4f\x08\xd4"
    "\x3c\x3f\x08\x2c\xf6\x48\xa3\x62\xda\x2d\xa4\xb0";

/* whsec_AAECAwQFBgcICQoLDA0ODw== (16 bytes, 000102...0f) */
static const u_char  sw_k16[] =
    "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f";

/* whsec_aGFzaHBheSBzdGFuZGFyZCB3ZWJob29rcyBrZXkgMzI= (32 bytes) */
static const u_char  sw_k32[] = "hashpay standard webhooks key 32";


typedef struct {
    const u_char  *key;
    size_t         key_len;
    const char    *id;
    const char    *ts;
    const char    *body;      /* NULL: the bytes 0x00-0xff */
    size_t         len;
    const char    *sig;
} sw_vector_t;


/*
 * Computed apart from this code, with K16=000102030405060708090a0b0c0d0e0f,
 * K32=68617368706179207374616e6461726420776562686f6f6b73206b6579203332
 * ("hashpay standard webhooks key 32") and
 * K=31f290f6bf06298aab4f08d43c3f082cf648a362da2da4b0 (the known secret):
 *
 *   printf %s 'msg_x.1700000000.{"a":1}' \
 *       | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K16 -binary | base64
 *   printf %s 'msg_2.1700000300.{"amount_cents":1500}' \
 *       | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K32 -binary | base64
 *   printf 'msg_nul.1700000000.a\000b\000\000c' \
 *       | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K16 -binary | base64
 *   { printf %s 'msg_bin.1700000000.'; \
 *     printf "$(printf '\\%03o' $(seq 0 255))"; } \
 *       | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K32 -binary | base64
 *   printf %s 'msg_empty.1700000000.' \
 *       | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K16 -binary | base64
 *
 * the known message signed with K16 instead (rotation), with
 * I=msg_p5jXN8AQM9LWM0D4loKWxJek and B='{"test": 2432232314}':
 *
 *   printf %s "$I.1614265330.$B" \
 *       | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K16 -binary | base64
 *
 * and two timestamps beyond 64 bits (2^64 + 1614265330 and
 * 2^63 + 1614265330), signed validly with the known key, so that only the
 * timestamp check can refuse them:
 *
 *   printf %s "$I.18446744075323816946.$B" \
 *       | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K -binary | base64
 *   printf %s "$I.9223372038469041138.$B" \
 *       | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K -binary | base64
 */

static const sw_vector_t  sw_vectors[] = {
    { sw_known, sizeof(sw_known) - 1, SW_ID, SW_TS, SW_BODY,
      sizeof(SW_BODY) - 1, SW_SIG },
    { sw_k16, sizeof(sw_k16) - 1, "msg_x", "1700000000", "{\"a\":1}", 7,
      "6GhWVEGsmC0XGi8K0fzPDO5zsDS3o0IFke9fXpi4YdM=" },
    { sw_k32, sizeof(sw_k32) - 1, "msg_2", "1700000300",
      "{\"amount_cents\":1500}", 21,
      "JV6p1PhnS2GIX59suDNx4PdN4f2+xGX0fHy9kDCdmAw=" },
    { sw_k16, sizeof(sw_k16) - 1, "msg_nul", "1700000000", "a\0b\0\0c", 6,
      "b4klpb9vDrzlH/lBRSOiRkChptwX7QGiEqZmm8Tg2K0=" },
    { sw_k32, sizeof(sw_k32) - 1, "msg_bin", "1700000000", NULL, 256,
      "+uJ/p9doD+0UzxHJsVbh5oGeCT/xrXz0jFEtouNLIF0=" },
    { sw_k16, sizeof(sw_k16) - 1, "msg_empty", "1700000000", "", 0,
      "est1mWxLBnUcdBmsWPeWc5+T78amw6BDo4gDs5nnhf8=" },
};

#define SW_SIG_K16      "YA6MmMhwztQQnjVT5s7VnIJrrIpIRYrxFLdJ8TxT/KM="
#define SW_TS_2_64      "18446744075323816946"
#define SW_SIG_2_64     "gTSZ/E99nSrDKLkMfEuMFtbmMsGViEBL85fH4ohH28w="
#define SW_TS_2_63      "9223372038469041138"
#define SW_SIG_2_63     "qonDvgvaJQIJHe7gBJ9aWTmbZRQW7K0IQfZdtzR6qVs="

/* base64 of 33 and 31 bytes: the known answer + 0x00, its first 31 bytes */
#define SW_B33          "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OEA"
#define SW_B31          "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1A=="
/* base64 of 32 zero bytes */
#define SW_B0           "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


/* HMACs begun (EVP_MAC_init()), for the Standard Webhooks and X tests */
static unsigned long  hmacs;


static void test_hmac(void);
static void test_base64_encode(void);
static void test_base64_decode(void);
static void test_const_eq(void);
static void test_x_sign(void);
static void test_x_verify(void);
static void test_crc_token(void);
static void test_crc_alphabet(void);
static void test_sw_key(void);
static void test_sw_vectors(void);
static void test_sw_entries(void);
static void test_sw_rotation(void);
static void test_sw_missing(void);
static void test_sw_timestamp(void);
static void test_sw_tamper(void);
static void test_sw_many(void);
static void test_sw_entry(void);
static void test_sw_cost(void);
static void test_x_cost(void);
static ssize_t sw_key(const char *secret, u_char **key);
static ngx_int_t sw(const char *id, const char *ts, const char *sig,
    const u_char *body, size_t len, time_t now, ngx_str_t *keys,
    ngx_uint_t nkeys, const char **why);
static void sw_copy(ngx_str_t *dst, const char *src);
static void sw_refused(ngx_int_t rc, const char *why, const char *want,
    const char *name);
static ngx_int_t crc(const char *token, u_char *out, size_t *out_len);
static ngx_int_t verify(const char *value, ngx_str_t *secrets, ngx_uint_t n,
    const char *body);
static void hex(u_char *dst, const u_char *src, size_t len);


int
main(void)
{
    test_hmac();
    test_base64_encode();
    test_base64_decode();
    test_const_eq();
    test_x_sign();
    test_x_verify();
    test_crc_token();
    test_crc_alphabet();
    test_sw_key();
    test_sw_vectors();
    test_sw_entries();
    test_sw_rotation();
    test_sw_missing();
    test_sw_timestamp();
    test_sw_tamper();
    test_sw_many();
    test_sw_entry();
    test_sw_cost();
    test_x_cost();

    return unit_done();
}


static void
test_hmac(void)
{
    u_char      md[NGX_HTTP_HASHPAY_SHA256_LEN], key[20], h[65];
    u_char      md2[NGX_HTTP_HASHPAY_SHA256_LEN], big[131];
    ngx_int_t   rc;
    ngx_uint_t  i, n, round;

    /* RFC 4231, test cases 1, 2 and 6 (a 131-byte key, hashed first) */

    struct {
        u_char      *key;
        size_t       key_len;
        const char  *msg;
        const char  *want;
    } rfc[] = {
        { key, sizeof(key), "Hi There",
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
        { (u_char *) "Jefe", 4, "what do ya want for nothing?",
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
        { big, sizeof(big),
          "Test Using Larger Than Block-Size Key - Hash Key First",
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
    };

    ngx_memset(key, 0x0b, sizeof(key));
    ngx_memset(big, 0xaa, sizeof(big));

    /*
     * each case twice in a row (the process's context begun again with the
     * key it holds), each after another key, and the whole list twice
     */

    for (round = 0; round < 2; round++) {
        for (i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
            for (n = 0; n < 2; n++) {
                rc = ngx_http_hashpay_hmac_sha256(rfc[i].key,
                         rfc[i].key_len, (u_char *) rfc[i].msg,
                         strlen(rfc[i].msg), md);
                hex(h, md, sizeof(md));
                CHECK(rc == NGX_OK && ngx_strcmp(h, rfc[i].want) == 0,
                      "hmac rfc4231 case %d, round %d, call %d: rc %d, %s",
                      (int) i, (int) round, (int) n, (int) rc, h);
            }
        }
    }

    /* a key that differs from the last one only in its last byte */

    ngx_memset(big, 0x0b, sizeof(key));
    big[sizeof(key) - 1] = 0x0c;

    CHECK_INT(ngx_http_hashpay_hmac_sha256(key, sizeof(key),
                                           (u_char *) "Hi There", 8, md),
              NGX_OK, "hmac rfc4231 #1 third rc");
    CHECK_INT(ngx_http_hashpay_hmac_sha256(big, sizeof(key),
                                           (u_char *) "Hi There", 8, md2),
              NGX_OK, "hmac near key rc");
    CHECK(ngx_memcmp(md, md2, sizeof(md)) != 0,
          "hmac: a key one byte apart is not taken for the last one");

    /* empty key, empty message, NULL pointers with zero lengths */

    CHECK_INT(ngx_http_hashpay_hmac_sha256(NULL, 0, NULL, 0, md), NGX_OK,
              "hmac empty rc");
    hex(h, md, sizeof(md));
    CHECK_STR(h, 64, "b613679a0814d9ec772f95d778c35fc5"
                     "ff1697c493715653c6c712144292c5ad", "hmac empty");

    /* a key too long for OpenSSL's int: an error, not a truncation */

    CHECK_INT(ngx_http_hashpay_hmac_sha256(key, (size_t) 1 << 31,
                                           (u_char *) "x", 1, md),
              NGX_ERROR, "hmac key length over INT_MAX");
}


static void
test_base64_encode(void)
{
    u_char      buf[16];
    size_t      n;
    ngx_uint_t  i;

    static const char  *rfc4648[][2] = {
        { "", "" },
        { "f", "Zg==" },
        { "fo", "Zm8=" },
        { "foo", "Zm9v" },
        { "foob", "Zm9vYg==" },
        { "fooba", "Zm9vYmE=" },
        { "foobar", "Zm9vYmFy" },
    };

    for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
        n = ngx_http_hashpay_base64_encode(buf, (u_char *) rfc4648[i][0],
                                           strlen(rfc4648[i][0]));
        CHECK_STR(buf, n, rfc4648[i][1], "base64 encode rfc4648");
    }

    /* the standard alphabet, not base64url */

    n = ngx_http_hashpay_base64_encode(buf, (u_char *) "\xfb\xff\xbf", 3);
    CHECK_STR(buf, n, "+/+/", "base64 encode + and /");

    n = ngx_http_hashpay_base64_encode(buf, (u_char *) "\x00\x00", 2);
    CHECK_STR(buf, n, "AAA=", "base64 encode zero bytes");
}


static void
test_base64_decode(void)
{
    u_char      src[64], enc[88], dec[66];
    size_t      n, len;
    ssize_t     d;
    ngx_uint_t  i, bad;

    static const char  *rfc4648[][2] = {
        { "", "" },
        { "f", "Zg==" },
        { "fo", "Zm8=" },
        { "foo", "Zm9v" },
        { "foob", "Zm9vYg==" },
        { "fooba", "Zm9vYmE=" },
        { "foobar", "Zm9vYmFy" },
    };

    static const char  *invalid[] = {
        "Z", "Zg", "Zg=", "Zg===", "Zm9vY",      /* length not 4n */
        "Zg==Zg==",                              /* padding inside */
        "Z===", "====", "=Zg=", "Z=g=",          /* misplaced padding */
        "Zh==", "Zm9=",                          /* not canonical */
        "Zm-v", "Zm_v",                          /* base64url */
        "Zm9 ", " Zm9", "Zm9\n", "Zm9.",         /* other bytes */
    };

    for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
        d = ngx_http_hashpay_base64_decode(dec, (u_char *) rfc4648[i][1],
                                           strlen(rfc4648[i][1]));
        CHECK(d >= 0, "base64 decode rfc4648 %s", rfc4648[i][1]);
        CHECK_STR(dec, d >= 0 ? (size_t) d : 0, rfc4648[i][0],
                  "base64 decode rfc4648");
    }

    for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        CHECK_INT(ngx_http_hashpay_base64_decode(dec, (u_char *) invalid[i],
                                                 strlen(invalid[i])),
                  -1, invalid[i]);
    }

    CHECK_INT(ngx_http_hashpay_base64_decode(dec, (u_char *) "Zm\0v", 4), -1,
              "base64 decode NUL byte");

    /* round trip of every length 0..64 with all byte values */

    bad = 0;

    for (len = 0; len <= sizeof(src); len++) {
        for (i = 0; i < len; i++) {
            src[i] = (u_char) (i * 37 + len * 11);
        }

        n = ngx_http_hashpay_base64_encode(enc, src, len);

        if (n != 4 * ((len + 2) / 3)) {
            bad++;
            continue;
        }

        d = ngx_http_hashpay_base64_decode(dec, enc, n);

        if (d != (ssize_t) len || ngx_memcmp(dec, src, len) != 0) {
            bad++;
        }
    }

    CHECK_INT(bad, 0, "base64 round trip, lengths 0-64");
}


static void
test_const_eq(void)
{
    CHECK_INT(ngx_http_hashpay_const_eq((u_char *) "abcdef", 6,
                                        (u_char *) "abcdef", 6),
              1, "const_eq equal");
    CHECK_INT(ngx_http_hashpay_const_eq((u_char *) "abcdef", 6,
                                        (u_char *) "xbcdef", 6),
              0, "const_eq first byte differs");
    CHECK_INT(ngx_http_hashpay_const_eq((u_char *) "abcdef", 6,
                                        (u_char *) "abcdex", 6),
              0, "const_eq last byte differs");
    CHECK_INT(ngx_http_hashpay_const_eq((u_char *) "abcdef", 6,
                                        (u_char *) "abcdefg", 7),
              0, "const_eq longer");
    CHECK_INT(ngx_http_hashpay_const_eq((u_char *) "abcdef", 6,
                                        (u_char *) "abcde", 5),
              0, "const_eq prefix");
    CHECK_INT(ngx_http_hashpay_const_eq((u_char *) "", 0, (u_char *) "", 0),
              1, "const_eq empty");
    CHECK_INT(ngx_http_hashpay_const_eq((u_char *) "a\0b", 3,
                                        (u_char *) "a\0c", 3),
              0, "const_eq past a NUL byte");
}


static void
test_x_sign(void)
{
    u_char      *out, key[100];
    ngx_str_t    secret;
    ngx_uint_t   i;

    /* exactly the documented size, so that AddressSanitizer sees overflows */

    out = malloc(NGX_HTTP_HASHPAY_X_SIG_LEN);
    if (out == NULL) {
        CHECK(0, "malloc");
        return;
    }

    CHECK_INT(NGX_HTTP_HASHPAY_X_SIG_LEN, 51, "X_SIG_LEN");

    for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        secret.data = (u_char *) vectors[i].key;
        secret.len = strlen(vectors[i].key);

        CHECK_INT(ngx_http_hashpay_x_sign(&secret, (u_char *) vectors[i].body,
                                          strlen(vectors[i].body), out),
                  NGX_OK, "x_sign rc");
        CHECK_STR(out, NGX_HTTP_HASHPAY_X_SIG_LEN, vectors[i].sig,
                  "x_sign vector");
    }

    /* a key longer than SHA-256's block (hashed first), an empty body */

    ngx_memset(key, 'k', sizeof(key));
    secret.data = key;
    secret.len = sizeof(key);

    CHECK_INT(ngx_http_hashpay_x_sign(&secret, (u_char *) "", 0, out), NGX_OK,
              "x_sign long key rc");
    CHECK_STR(out, NGX_HTTP_HASHPAY_X_SIG_LEN,
              "sha256=1Gdhdo7jyGT8dsCLPXPICShTrj/voBuZCWPfotVuczQ=",
              "x_sign long key, empty body");

    free(out);
}


static void
test_x_verify(void)
{
    u_char      *big;
    ngx_str_t    s[3], v;
    ngx_uint_t   i;
    const char  *ka, *body;

    static u_char  nul[] =
        "sha256=YWHphPn/JFq43jkF0y4/w8R/Selm\0jvpunhVFY8JhlI=";

    ka = "sha256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI=";
    body = "{\"test_number\":1,\"test_string\":\"two\"}";

    ngx_str_set(&s[0], "test");

    for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        s[1].data = (u_char *) vectors[i].key;
        s[1].len = strlen(vectors[i].key);

        CHECK_INT(verify(vectors[i].sig, &s[1], 1, vectors[i].body), NGX_OK,
                  "x_verify vector");
    }

    CHECK_INT(verify(ka, s, 1, body), NGX_OK, "x_verify known answer");

    /* rotation: any configured secret, in any position */

    ngx_str_set(&s[0], "old-secret");
    ngx_str_set(&s[1], "test");
    ngx_str_set(&s[2], "next-secret");

    CHECK_INT(verify(ka, s, 3, body), NGX_OK, "x_verify second of three");
    CHECK_INT(verify(ka, &s[1], 2, body), NGX_OK, "x_verify first of two");
    CHECK_INT(verify(ka, s, 1, body), NGX_DECLINED, "x_verify wrong secret");
    CHECK_INT(verify(ka, &s[2], 1, body), NGX_DECLINED,
              "x_verify other wrong secret");
    CHECK_INT(verify(ka, s, 0, body), NGX_DECLINED, "x_verify no secrets");

    ngx_str_set(&s[0], "tes");
    CHECK_INT(verify(ka, s, 1, body), NGX_DECLINED, "x_verify secret prefix");
    ngx_str_set(&s[0], "test ");
    CHECK_INT(verify(ka, s, 1, body), NGX_DECLINED, "x_verify secret longer");

    ngx_str_set(&s[0], "test");

    /* the body is signed byte for byte */

    CHECK_INT(verify(ka, s, 1, "{\"test_number\":1,\"test_string\":\"twO\"}"),
              NGX_DECLINED, "x_verify body changed");
    CHECK_INT(verify(ka, s, 1, "{\"test_number\":1,\"test_string\":\"two\"}\n"),
              NGX_DECLINED, "x_verify body with a newline");
    CHECK_INT(verify(ka, s, 1, ""), NGX_DECLINED, "x_verify empty body");

    /* the value's shape */

    CHECK_INT(verify("SHA256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI=",
                     s, 1, body),
              NGX_DECLINED, "x_verify upper-case prefix");
    CHECK_INT(verify("YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI=", s, 1,
                     body),
              NGX_DECLINED, "x_verify no prefix");
    CHECK_INT(verify("sha256:YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI=",
                     s, 1, body),
              NGX_DECLINED, "x_verify colon");
    CHECK_INT(verify("sha1=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI=",
                     s, 1, body),
              NGX_DECLINED, "x_verify sha1=");
    CHECK_INT(verify("sha256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI",
                     s, 1, body),
              NGX_DECLINED, "x_verify padding missing");
    CHECK_INT(verify("sha256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI= ",
                     s, 1, body),
              NGX_DECLINED, "x_verify trailing space");
    CHECK_INT(verify(" sha256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI=",
                     s, 1, body),
              NGX_DECLINED, "x_verify leading space");
    CHECK_INT(verify("sha256=YWHphPn_JFq43jkF0y4_w8R_SelmLjvpunhVFY8JhlI=",
                     s, 1, body),
              NGX_DECLINED, "x_verify base64url");
    CHECK_INT(verify("sha256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlJ=",
                     s, 1, body),
              NGX_DECLINED, "x_verify non-canonical last character");
    CHECK_INT(verify("sha256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlA=",
                     s, 1, body),
              NGX_DECLINED, "x_verify one bit off");
    CHECK_INT(verify("sha256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8Jh===",
                     s, 1, body),
              NGX_DECLINED, "x_verify three padding characters");
    CHECK_INT(verify("sha256=", s, 1, body), NGX_DECLINED,
              "x_verify prefix only");
    CHECK_INT(verify("", s, 1, body), NGX_DECLINED, "x_verify empty value");

    v.data = nul;
    v.len = sizeof(nul) - 1;

    CHECK_INT(ngx_http_hashpay_x_verify(&v, s, 1, (u_char *) body,
                                        strlen(body)),
              NGX_DECLINED, "x_verify NUL inside the value");

    /*
     * every secret is computed even after a match: a later secret that
     * OpenSSL refuses (a length over INT_MAX; never read) turns the
     * answer into NGX_ERROR although the first one matched
     */

    big = (u_char *) "x";

    s[0].data = (u_char *) "test";
    s[0].len = 4;
    s[1].data = big;
    s[1].len = (size_t) 1 << 31;

    CHECK_INT(verify(ka, s, 2, body), NGX_ERROR,
              "x_verify goes on after a match");

    s[0].data = big;
    s[0].len = (size_t) 1 << 31;
    ngx_str_set(&s[1], "test");

    CHECK_INT(verify(ka, s, 2, body), NGX_ERROR,
              "x_verify reports an OpenSSL failure");
}


static void
test_crc_token(void)
{
    u_char      *dst, *sig, out[1024], in[1024];
    size_t       len;
    ngx_str_t    src, d, secret;
    ngx_uint_t   i;

    static const struct {
        const char  *in;
        const char  *out;        /* NULL: NGX_DECLINED */
    } cases[] = {
        { "challenge_string", "challenge_string" },
        { "abcdefgh", "abcdefgh" },
        { "abcdefg", NULL },                             /* 7 */
        { "", NULL },
        { "abcd%2Befgh", "abcd+efgh" },
        { "abcd%2befgh%2F%2f", "abcd+efgh//" },
        { "%41%42%43%44%45%46%47%48", "ABCDEFGH" },      /* 24 -> 8 */
        { "%41%42%43%44%45%46%47", NULL },               /* 21 -> 7 */
        { "a+b+c+d+e", "a+b+c+d+e" },                    /* '+' stays */
        { "AZaz09+/-_", "AZaz09+/-_" },
        { "abcdefg=", "abcdefg=" },
        { "abcdef==", "abcdef==" },
        { "abcdef%3D%3d", "abcdef==" },
        { "abcdefgh=", "abcdefgh=" },
        { "abcde===", NULL },
        { "========", NULL },
        { "abc=defg", NULL },
        { "abcdef=g", NULL },
        { "abc%3Ddefg", NULL },
        { "abcdefgh%", NULL },                           /* truncated */
        { "abcdefgh%4", NULL },
        { "abcdefgh%G1", NULL },                         /* bad hex */
        { "abcdefgh%1g", NULL },
        { "abcdefgh%%41", NULL },
        { "abcdefgh% 41", NULL },
        { "%", NULL },
        { "abcd%20efgh", NULL },                         /* space */
        { "abcd%00efgh", NULL },                         /* NUL */
        { "abcd%0Aefgh", NULL },
        { "abcd%C3%A9fgh", NULL },                       /* UTF-8 */
        { "abcd.efgh", NULL },
        { "abcd~efgh", NULL },
        { "abcd efgh", NULL },
        { "abcd&efgh", NULL },
        { "abcd\"efgh", NULL },
        { "abcd<efgh>", NULL },
        { "abcd%25efgh", NULL },                         /* '%' itself */
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].out == NULL) {
            CHECK_INT(crc(cases[i].in, out, &len), NGX_DECLINED, cases[i].in);

        } else {
            CHECK_INT(crc(cases[i].in, out, &len), NGX_OK, cases[i].in);
            CHECK_STR(out, len, cases[i].out, cases[i].in);
        }
    }

    /* lengths 8-256, counted after decoding */

    ngx_memset(in, 'A', 257);
    in[257] = '\0';
    CHECK_INT(crc((char *) in, out, &len), NGX_DECLINED, "crc 257");
    in[256] = '\0';
    CHECK_INT(crc((char *) in, out, &len), NGX_OK, "crc 256");
    CHECK_INT(len, 256, "crc 256 length");
    in[254] = '=';
    in[255] = '=';
    CHECK_INT(crc((char *) in, out, &len), NGX_OK, "crc 256 with padding");

    for (i = 0; i < 257; i++) {
        ngx_memcpy(in + 3 * i, "%4a", 3);
    }

    in[3 * 257] = '\0';
    CHECK_INT(crc((char *) in, out, &len), NGX_DECLINED, "crc 257 escaped");
    in[3 * 256] = '\0';
    CHECK_INT(crc((char *) in, out, &len), NGX_OK, "crc 256 escaped");
    CHECK_INT(len, 256, "crc 256 escaped length");
    CHECK(len == 256 && out[0] == 'J' && out[255] == 'J',
          "crc 256 escaped content");

    /* dst exactly src->len bytes long (AddressSanitizer watches) */

    src.data = (u_char *) "%41bcdefgh";
    src.len = 10;
    dst = malloc(src.len);
    d.data = dst;
    d.len = 0;

    CHECK_INT(ngx_http_hashpay_crc_token(&src, &d), NGX_OK, "crc exact dst");
    CHECK_NGX_STR(d, "Abcdefgh", "crc exact dst value");
    CHECK(d.data == dst, "crc dst data unchanged");

    free(dst);

    /* in place */

    ngx_memcpy(in, "ab%2Fcd%2bef%3D", 15);
    src.data = in;
    src.len = 15;
    d.data = in;

    CHECK_INT(ngx_http_hashpay_crc_token(&src, &d), NGX_OK, "crc in place");
    CHECK_NGX_STR(d, "ab/cd+ef=", "crc in place value");

    /* the CRC answer end to end: decode, then sign with the secret */

    CHECK_INT(crc("challenge%5Fstring", out, &len), NGX_OK, "crc escaped _");

    sig = malloc(NGX_HTTP_HASHPAY_X_SIG_LEN);
    ngx_str_set(&secret, "test");

    CHECK_INT(ngx_http_hashpay_x_sign(&secret, out, len, sig), NGX_OK,
              "crc sign rc");
    CHECK_STR(sig, NGX_HTTP_HASHPAY_X_SIG_LEN,
              "sha256=SYYKwb5URQ4OnNXL3KWDH9ph6EIaP+4PTQFxLk5FIK4=",
              "crc known answer");

    free(sig);
}


static void
test_crc_alphabet(void)
{
    u_char      tok[8], out[8];
    ngx_str_t   src, dst;
    ngx_int_t   want;
    ngx_uint_t  c;

    /* every byte value in the middle of a token */

    for (c = 0; c < 256; c++) {
        ngx_memcpy(tok, "AAAAAAAA", 8);
        tok[4] = (u_char) c;

        src.data = tok;
        src.len = 8;
        dst.data = out;

        want = ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                || (c >= '0' && c <= '9')
                || c == '+' || c == '/' || c == '-' || c == '_')
               ? NGX_OK : NGX_DECLINED;

        if (c == '%') {
            want = NGX_DECLINED;
        }

        CHECK(ngx_http_hashpay_crc_token(&src, &dst) == want,
              "crc byte 0x%02x in the middle", (unsigned) c);
    }
}


static void
test_sw_key(void)
{
    u_char      *key;
    ssize_t      n;
    ngx_uint_t   i;

    static const struct {
        const char    *secret;
        const u_char  *key;
        size_t         len;
    } good[] = {
        { "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", sw_known, 24 },
        { "whsec_AAECAwQFBgcICQoLDA0ODw==", sw_k16, 16 },
        { "whsec_AAECAwQFBgcICQoLDA0ODw", sw_k16, 16 },
        { "whsec_aGFzaHBheSBzdGFuZGFyZCB3ZWJob29rcyBrZXkgMzI=", sw_k32, 32 },
        { "whsec_aGFzaHBheSBzdGFuZGFyZCB3ZWJob29rcyBrZXkgMzI", sw_k32, 32 },
        { "whsec_QQ==", (u_char *) "A", 1 },
        { "whsec_QQ", (u_char *) "A", 1 },
        { "whsec_QUI=", (u_char *) "AB", 2 },
        { "whsec_QUI", (u_char *) "AB", 2 },
        { "whsec_+/+/", (u_char *) "\xfb\xff\xbf", 3 },
    };

    static const char  *bad[] = {
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",          /* no prefix */
        "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsec-MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsecMfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        " whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "",
        "whsec",
        "whsec_",                                    /* nothing after */
        "whsec_=",
        "whsec_==",
        "whsec_====",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!",    /* bad characters */
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa.w",
        "whsec_MfKQ9r8GKYqrTwjU PD8ILPZIo2LaLaSw",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw ",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS\xc3\xa9",
        "whsec_Zm-v",                                /* base64url */
        "whsec_Zm_v",
        "whsec_=AAA",                                /* misplaced '=' */
        "whsec_A=AA",
        "whsec_AA=A",
        "whsec_QQ==QQ==",
        "whsec_AAECAwQF=BgcICQoLDA0ODw",
        "whsec_AAECAwQFBgcICQoLDA0ODw===",
        "whsec_Q===",
        "whsec_Q",                                   /* 4n + 1 characters */
        "whsec_AAECA",
    };

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        n = sw_key(good[i].secret, &key);

        CHECK(n == (ssize_t) good[i].len, "sw_key %s: length %zd, want %zu",
              good[i].secret, n, good[i].len);
        CHECK_MEM(key, n > 0 ? (size_t) n : 0, good[i].key, good[i].len,
                  good[i].secret);

        free(key);
    }

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        n = sw_key(bad[i], &key);

        CHECK(n == -1, "sw_key refuses \"%s\" (got %zd)", bad[i], n);

        free(key);
    }

    /* a NUL byte inside */

    key = malloc(16);
    n = ngx_http_hashpay_sw_key((u_char *) "whsec_Zm\0v", 10, key);
    CHECK(n == -1, "sw_key refuses a NUL byte (got %zd)", n);
    free(key);
}


static void
test_sw_vectors(void)
{
    char                sig[64];
    u_char              bin[256], *key;
    ssize_t             n;
    ngx_int_t           rc;
    ngx_str_t           k;
    ngx_uint_t          i;
    const char         *why;
    const u_char       *body;
    const sw_vector_t  *v;

    for (i = 0; i < sizeof(bin); i++) {
        bin[i] = (u_char) i;
    }

    for (i = 0; i < sizeof(sw_vectors) / sizeof(sw_vectors[0]); i++) {
        v = &sw_vectors[i];

        k.data = (u_char *) v->key;
        k.len = v->key_len;
        body = v->body ? (u_char *) v->body : bin;

        snprintf(sig, sizeof(sig), "v1,%s", v->sig);

        rc = sw(v->id, v->ts, sig, body, v->len,
                (time_t) strtoll(v->ts, NULL, 10), &k, 1, &why);
        CHECK(rc == NGX_OK, "sw vector %s: got %d \"%s\"", v->id, (int) rc,
              why ? why : "-");

        /* another key */

        k.data = (u_char *) (v->key == sw_k16 ? sw_k32 : sw_k16);
        k.len = v->key == sw_k16 ? sizeof(sw_k32) - 1 : sizeof(sw_k16) - 1;

        rc = sw(v->id, v->ts, sig, body, v->len,
                (time_t) strtoll(v->ts, NULL, 10), &k, 1, &why);
        sw_refused(rc, why, "no valid v1 signature", "sw vector, other key");

        /* the body one byte short (the NUL body: up to its first NUL) */

        if (v->len == 0) {
            continue;
        }

        k.data = (u_char *) v->key;
        k.len = v->key_len;

        if (v->body && strlen(v->body) != v->len) {
            rc = sw(v->id, v->ts, sig, body, strlen(v->body),
                    (time_t) strtoll(v->ts, NULL, 10), &k, 1, &why);
            sw_refused(rc, why, "no valid v1 signature",
                       "sw vector, body up to its first NUL");
        }

        rc = sw(v->id, v->ts, sig, body, v->len - 1,
                (time_t) strtoll(v->ts, NULL, 10), &k, 1, &why);
        sw_refused(rc, why, "no valid v1 signature", "sw vector, body short");
    }

    /* the known secret, decoded by sw_key, verifies the known answer */

    n = sw_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &key);
    CHECK(n == 24, "sw_key known secret");

    if (n > 0) {
        k.data = key;
        k.len = n;

        rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) SW_BODY,
                sizeof(SW_BODY) - 1, SW_NOW, &k, 1, &why);
        CHECK(rc == NGX_OK, "sw known answer with sw_key's key: got %d \"%s\"",
              (int) rc, why ? why : "-");
    }

    free(key);
}


static void
test_sw_entries(void)
{
    ngx_int_t    rc;
    ngx_str_t    k;
    ngx_uint_t   i;
    const char  *why;

    static const char  *ok[] = {
        SW_V1,
        "v1,AAAA v1," SW_B0 " " SW_V1,
        "v1a," SW_SIG " " SW_V1,
        "v2," SW_SIG " " SW_V1,
        "v1," SW_SIG_K16 " " SW_V1,
        SW_V1 " v1,AAAA",
        SW_V1 " v1a," SW_SIG,
        "v1, " SW_V1,
        "v1 " SW_V1,
        "v1,!!!! " SW_V1,
        "v1,g0hM " SW_V1,
        "v1," SW_B33 " " SW_V1,
        "v1," SW_B31 " " SW_V1,
        SW_SIG " " SW_V1,
        "x " SW_V1,
    };

    static const char  *refused[] = {
        "v1a," SW_SIG,                       /* other versions */
        "v2," SW_SIG,
        "V1," SW_SIG,
        "v1a," SW_SIG " v2," SW_SIG " v0," SW_SIG,
        SW_SIG,                              /* no version */
        "," SW_SIG,
        "v1;" SW_SIG,
        "v1=" SW_SIG,
        "v1:" SW_SIG,
        "v1,",                               /* nothing after */
        "v1, v1, v1,",
        "v1",
        " ",
        "v1,AAAA",                           /* wrong lengths */
        "v1," SW_B33,
        "v1," SW_B31,
        "v1," SW_B0,
        "v1," SW_SIG "A",
        "v1," SW_SIG "====",
        "v1, " SW_SIG,                       /* not base64 */
        "v1,!!!!",
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",   /* bit off */
        "v1,G0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        "v1," SW_SIG_K16,                    /* another key */
        "v1,6GhWVEGsmC0XGi8K0fzPDO5zsDS3o0IFke9fXpi4YdM=",
    };

    k.data = (u_char *) sw_known;
    k.len = sizeof(sw_known) - 1;

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        rc = sw(SW_ID, SW_TS, ok[i], (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
                SW_NOW, &k, 1, &why);
        CHECK(rc == NGX_OK, "sw entries \"%s\": got %d \"%s\"", ok[i],
              (int) rc, why ? why : "-");
    }

    for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        rc = sw(SW_ID, SW_TS, refused[i], (u_char *) SW_BODY,
                sizeof(SW_BODY) - 1, SW_NOW, &k, 1, &why);
        sw_refused(rc, why, "no valid v1 signature", refused[i]);
    }
}


static void
test_sw_rotation(void)
{
    ngx_int_t    rc;
    ngx_str_t    k[NGX_HTTP_HASHPAY_SW_MAX_KEYS];
    ngx_uint_t   i;
    const char  *why;

    k[0].data = (u_char *) sw_k16;
    k[0].len = sizeof(sw_k16) - 1;
    k[1].data = (u_char *) sw_k32;
    k[1].len = sizeof(sw_k32) - 1;
    k[2].data = (u_char *) sw_known;
    k[2].len = sizeof(sw_known) - 1;

    rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, k, 3, &why);
    CHECK(rc == NGX_OK, "sw rotation, third of three: got %d \"%s\"",
          (int) rc, why ? why : "-");

    rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, &k[1], 2, &why);
    CHECK(rc == NGX_OK, "sw rotation, second of two: got %d \"%s\"",
          (int) rc, why ? why : "-");

    rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, k, 2, &why);
    sw_refused(rc, why, "no valid v1 signature", "sw rotation, neither key");

    rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, k, 0, &why);
    sw_refused(rc, why, "no valid v1 signature", "sw rotation, no keys");

    /* two entries, two keys: the K16 signature under the first key */

    rc = sw(SW_ID, SW_TS, "v1,AAAA v1," SW_SIG_K16, (u_char *) SW_BODY,
            sizeof(SW_BODY) - 1, SW_NOW, k, 3, &why);
    CHECK(rc == NGX_OK, "sw rotation, K16 entry: got %d \"%s\"", (int) rc,
          why ? why : "-");

    rc = sw(SW_ID, SW_TS, "v1," SW_SIG_K16 " " SW_V1, (u_char *) SW_BODY,
            sizeof(SW_BODY) - 1, SW_NOW, &k[1], 1, &why);
    sw_refused(rc, why, "no valid v1 signature",
               "sw rotation, two entries, the other key");

    /* a key that is a prefix of the right one is not the right one */

    k[0].data = (u_char *) sw_known;
    k[0].len = sizeof(sw_known) - 2;

    rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, k, 1, &why);
    sw_refused(rc, why, "no valid v1 signature", "sw rotation, key prefix");

    /* the most keys there may be, the right one last */

    for (i = 0; i < NGX_HTTP_HASHPAY_SW_MAX_KEYS - 1; i++) {
        k[i].data = (u_char *) (i % 2 ? sw_k16 : sw_k32);
        k[i].len = i % 2 ? sizeof(sw_k16) - 1 : sizeof(sw_k32) - 1;
    }

    k[i].data = (u_char *) sw_known;
    k[i].len = sizeof(sw_known) - 1;

    rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, k, NGX_HTTP_HASHPAY_SW_MAX_KEYS, &why);
    CHECK(rc == NGX_OK, "sw rotation, last of %d keys: got %d \"%s\"",
          NGX_HTTP_HASHPAY_SW_MAX_KEYS, (int) rc, why ? why : "-");
}


static void
test_sw_missing(void)
{
    ngx_int_t    rc;
    ngx_str_t    k;
    const char  *why;

    k.data = (u_char *) sw_known;
    k.len = sizeof(sw_known) - 1;

    rc = sw("", SW_TS, SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, &k, 1, &why);
    sw_refused(rc, why, "no webhook-id header", "sw no id");

    rc = sw(SW_ID, "", SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, &k, 1, &why);
    sw_refused(rc, why, "no webhook-timestamp header", "sw no timestamp");

    rc = sw(SW_ID, SW_TS, "", (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, &k, 1, &why);
    sw_refused(rc, why, "no webhook-signature header", "sw no signature");

    /* in the order id, timestamp, signature; before the timestamp's value */

    rc = sw("", "", "", (u_char *) SW_BODY, sizeof(SW_BODY) - 1, SW_NOW, &k,
            1, &why);
    sw_refused(rc, why, "no webhook-id header", "sw no headers");

    rc = sw(SW_ID, "", "", (u_char *) SW_BODY, sizeof(SW_BODY) - 1, SW_NOW,
            &k, 1, &why);
    sw_refused(rc, why, "no webhook-timestamp header",
               "sw no timestamp, no signature");

    rc = sw("", "12a", SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, &k, 1, &why);
    sw_refused(rc, why, "no webhook-id header", "sw no id, bad timestamp");

    rc = sw(SW_ID, "12a", "", (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, &k, 1, &why);
    sw_refused(rc, why, "no webhook-signature header",
               "sw bad timestamp, no signature");

    rc = sw(SW_ID, "1", "", (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, &k, 1, &why);
    sw_refused(rc, why, "no webhook-signature header",
               "sw stale timestamp, no signature");
}


static void
test_sw_timestamp(void)
{
    ngx_int_t    rc;
    ngx_str_t    k;
    ngx_uint_t   i;
    const char  *why;

    static const char  *malformed[] = {
        "12a", "-5", " 1", "1 ", " " SW_TS, SW_TS " ", "+1614265330",
        "-1614265330", "1614265330.0", "1.6e9", "0x10", "1614265330a",
        "a1614265330", "16142 65330", "\xd9\xa1", "-", "+", " ",
    };

    k.data = (u_char *) sw_known;
    k.len = sizeof(sw_known) - 1;

    for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        rc = sw(SW_ID, malformed[i], SW_V1, (u_char *) SW_BODY,
                sizeof(SW_BODY) - 1, SW_NOW, &k, 1, &why);
        sw_refused(rc, why, "malformed webhook-timestamp", malformed[i]);
    }

    /*
     * digits beyond 64 bits, with a signature valid over them: refused as
     * malformed or as in the future, never accepted or taken as in the
     * past (which would mean the value wrapped around)
     */

    rc = sw(SW_ID, SW_TS_2_64, "v1," SW_SIG_2_64, (u_char *) SW_BODY,
            sizeof(SW_BODY) - 1, SW_NOW, &k, 1, &why);
    CHECK(rc == NGX_DECLINED && why
          && (strcmp(why, "malformed webhook-timestamp") == 0
              || strcmp(why, "webhook-timestamp too far in the future") == 0),
          "sw timestamp 2^64 + now: got %d \"%s\"", (int) rc,
          why ? why : "-");

    rc = sw(SW_ID, SW_TS_2_63, "v1," SW_SIG_2_63, (u_char *) SW_BODY,
            sizeof(SW_BODY) - 1, SW_NOW, &k, 1, &why);
    CHECK(rc == NGX_DECLINED && why
          && (strcmp(why, "malformed webhook-timestamp") == 0
              || strcmp(why, "webhook-timestamp too far in the future") == 0),
          "sw timestamp 2^63 + now: got %d \"%s\"", (int) rc,
          why ? why : "-");

    rc = sw(SW_ID, "99999999999999999999999999999999999999999999999999",
            SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1, SW_NOW, &k, 1,
            &why);
    CHECK(rc == NGX_DECLINED && why
          && (strcmp(why, "malformed webhook-timestamp") == 0
              || strcmp(why, "webhook-timestamp too far in the future") == 0),
          "sw timestamp of 50 digits: got %d \"%s\"", (int) rc,
          why ? why : "-");

    /* the window: [now - tolerance, now + tolerance] */

    rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW + SW_TOL, &k, 1, &why);
    CHECK(rc == NGX_OK, "sw timestamp at now - tolerance: got %d \"%s\"",
          (int) rc, why ? why : "-");

    rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW - SW_TOL, &k, 1, &why);
    CHECK(rc == NGX_OK, "sw timestamp at now + tolerance: got %d \"%s\"",
          (int) rc, why ? why : "-");

    rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW + SW_TOL + 1, &k, 1, &why);
    sw_refused(rc, why, "webhook-timestamp too old",
               "sw timestamp at now - tolerance - 1");

    rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW - SW_TOL - 1, &k, 1, &why);
    sw_refused(rc, why, "webhook-timestamp too far in the future",
               "sw timestamp at now + tolerance + 1");

    rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW + 86400 * 365, &k, 1, &why);
    sw_refused(rc, why, "webhook-timestamp too old",
               "sw timestamp a year old");

    rc = sw(SW_ID, "0", SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, &k, 1, &why);
    sw_refused(rc, why, "webhook-timestamp too old", "sw timestamp 0");

    /* the timestamp is checked before the signature */

    rc = sw(SW_ID, SW_TS, "v1,AAAA", (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW + SW_TOL + 1, &k, 1, &why);
    sw_refused(rc, why, "webhook-timestamp too old",
               "sw stale timestamp, bad signature");

    rc = sw(SW_ID, SW_TS, "v1,AAAA", (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW - SW_TOL - 1, &k, 1, &why);
    sw_refused(rc, why, "webhook-timestamp too far in the future",
               "sw future timestamp, bad signature");

    rc = sw(SW_ID, "12a", "v1,AAAA", (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, &k, 1, &why);
    sw_refused(rc, why, "malformed webhook-timestamp",
               "sw bad timestamp, bad signature");

    /* a tolerance of 1 second */

    sw_tolerance = 1;

    rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW + 1, &k, 1, &why);
    CHECK(rc == NGX_OK, "sw tolerance 1, 1 s old: got %d \"%s\"", (int) rc,
          why ? why : "-");

    rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW - 1, &k, 1, &why);
    CHECK(rc == NGX_OK, "sw tolerance 1, 1 s ahead: got %d \"%s\"",
          (int) rc, why ? why : "-");

    rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW + 2, &k, 1, &why);
    sw_refused(rc, why, "webhook-timestamp too old",
               "sw tolerance 1, 2 s old");

    rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW - 2, &k, 1, &why);
    sw_refused(rc, why, "webhook-timestamp too far in the future",
               "sw tolerance 1, 2 s ahead");

    sw_tolerance = SW_TOL;
}


static void
test_sw_tamper(void)
{
    ngx_int_t    rc;
    ngx_str_t    k;
    const char  *why;

    k.data = (u_char *) sw_known;
    k.len = sizeof(sw_known) - 1;

    rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) "{\"test\": 2432232315}",
            sizeof(SW_BODY) - 1, SW_NOW, &k, 1, &why);
    sw_refused(rc, why, "no valid v1 signature", "sw body changed");

    rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) SW_BODY "\n", sizeof(SW_BODY),
            SW_NOW, &k, 1, &why);
    sw_refused(rc, why, "no valid v1 signature", "sw body with a newline");

    rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) "", 0, SW_NOW, &k, 1, &why);
    sw_refused(rc, why, "no valid v1 signature", "sw body empty");

    rc = sw("msg_p5jXN8AQM9LWM0D4loKWxJeK", SW_TS, SW_V1, (u_char *) SW_BODY,
            sizeof(SW_BODY) - 1, SW_NOW, &k, 1, &why);
    sw_refused(rc, why, "no valid v1 signature", "sw id changed");

    rc = sw(SW_ID "x", SW_TS, SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, &k, 1, &why);
    sw_refused(rc, why, "no valid v1 signature", "sw id longer");

    rc = sw("msg_p5jXN8AQM9LWM0D4loKWxJe", SW_TS, SW_V1, (u_char *) SW_BODY,
            sizeof(SW_BODY) - 1, SW_NOW, &k, 1, &why);
    sw_refused(rc, why, "no valid v1 signature", "sw id shorter");

    rc = sw(SW_ID, "1614265331", SW_V1, (u_char *) SW_BODY,
            sizeof(SW_BODY) - 1, SW_NOW, &k, 1, &why);
    sw_refused(rc, why, "no valid v1 signature", "sw timestamp + 1");

    rc = sw(SW_ID, "1614265329", SW_V1, (u_char *) SW_BODY,
            sizeof(SW_BODY) - 1, SW_NOW, &k, 1, &why);
    sw_refused(rc, why, "no valid v1 signature", "sw timestamp - 1");
}


static void
test_sw_many(void)
{
    char        *p;
    size_t       i;
    ngx_int_t    rc;
    ngx_str_t    k;
    const char  *why;

    static char  buf[16384];

    k.data = (u_char *) sw_known;
    k.len = sizeof(sw_known) - 1;

    /* 100 entries of another version, 99 wrong v1 entries, the valid one */

    p = buf;

    for (i = 0; i < 100; i++) {
        p += sprintf(p, "v1a,%s ", SW_SIG);
    }

    for (i = 0; i < 99; i++) {
        p += sprintf(p, "v1,%s ", SW_B0);
    }

    CHECK(p - buf < 10000, "sw many: buffer");

    p[-1] = '\0';

    rc = sw(SW_ID, SW_TS, buf, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, &k, 1, &why);
    sw_refused(rc, why, "no valid v1 signature", "sw 199 entries, none valid");

    sprintf(p - 1, " %s", SW_V1);

    rc = sw(SW_ID, SW_TS, buf, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, &k, 1, &why);
    CHECK(rc == NGX_OK, "sw 200 entries, the last valid: got %d \"%s\"",
          (int) rc, why ? why : "-");

    /* the valid one first */

    p = buf;
    p += sprintf(p, "%s", SW_V1);

    for (i = 0; i < 199; i++) {
        p += sprintf(p, " v1,%s", SW_B0);
    }

    rc = sw(SW_ID, SW_TS, buf, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, &k, 1, &why);
    CHECK(rc == NGX_OK, "sw 200 entries, the first valid: got %d \"%s\"",
          (int) rc, why ? why : "-");

    /* 2000 short entries ("v1,"), then the valid one */

    p = buf;

    for (i = 0; i < 2000; i++) {
        p += sprintf(p, "v1, ");
    }

    sprintf(p, "%s", SW_V1);

    rc = sw(SW_ID, SW_TS, buf, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, &k, 1, &why);
    CHECK(rc == NGX_OK, "sw 2001 entries, the last valid: got %d \"%s\"",
          (int) rc, why ? why : "-");
}


/* the parse step alone: which entries of a value count, and their bytes */

static void
test_sw_entry(void)
{
    u_char      *v, *pos, *end;
    u_char       sig[NGX_HTTP_HASHPAY_SHA256_LEN];
    u_char       want[NGX_HTTP_HASHPAY_SHA256_LEN + 1];
    size_t       i, len;
    ssize_t      n;
    ngx_int_t    rc;
    ngx_uint_t   count;

    static const struct {
        const char  *value;
        ngx_uint_t   count;      /* well-formed v1 entries */
        const char  *first;      /* the base64 of the first, or NULL */
    } cases[] = {
        { "", 0, NULL },
        { " ", 0, NULL },
        { "     ", 0, NULL },
        { SW_V1, 1, SW_SIG },
        { "  " SW_V1 "  ", 1, SW_SIG },
        { "v1," SW_B0 " " SW_V1, 2, SW_B0 },
        { "v1a," SW_SIG " v2," SW_SIG " " SW_V1 " v1,AAAA", 1, SW_SIG },
        { "v1,", 0, NULL },
        { "v1, v1, v1,", 0, NULL },
        { "v1", 0, NULL },
        { SW_SIG, 0, NULL },
        { "V1," SW_SIG, 0, NULL },
        { "v2," SW_SIG, 0, NULL },
        { "v1;" SW_SIG, 0, NULL },
        { "v1,AAAA", 0, NULL },
        { "v1," SW_B33, 0, NULL },
        { "v1," SW_B31, 0, NULL },
        { "v1," SW_SIG "A", 0, NULL },
        { "v1, " SW_SIG, 0, NULL },
        { "v1,!!!!", 0, NULL },
        /* the padding bits of the last character must be zero */
        { "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OF=", 0, NULL },
        { "v1," SW_SIG "\tv1," SW_SIG, 0, NULL },
        { "v1," SW_SIG " v1," SW_SIG " v1," SW_SIG, 3, SW_SIG },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {

        /* a copy of the exact length: no reading past the value */

        len = strlen(cases[i].value);
        v = malloc(len ? len : 1);
        ngx_memcpy(v, cases[i].value, len);

        pos = v;
        end = v + len;
        count = 0;

        for ( ;; ) {
            rc = ngx_http_hashpay_sw_entry(&pos, end, sig);

            if (rc != NGX_OK) {
                break;
            }

            CHECK(pos > v && pos <= end, "sw entry \"%s\": position",
                  cases[i].value);

            if (count++ == 0 && cases[i].first) {
                n = ngx_http_hashpay_base64_decode(want,
                                              (u_char *) cases[i].first,
                                              strlen(cases[i].first));
                CHECK_MEM(sig, sizeof(sig), want, (size_t) n,
                          cases[i].value);
            }

            if (count > 10) {
                break;
            }
        }

        CHECK(rc == NGX_DONE, "sw entry \"%s\": ends with NGX_DONE, got %d",
              cases[i].value, (int) rc);
        CHECK(pos == end, "sw entry \"%s\": the whole value read",
              cases[i].value);
        CHECK_INT(count, cases[i].count, cases[i].value);

        free(v);
    }
}


/*
 * What a refusal costs: no HMAC at all when the timestamp or the
 * signature value is wrong, and one HMAC per key (never per entry) when
 * the value holds well-formed entries.
 */

static void
test_sw_cost(void)
{
    char        *p;
    size_t       i;
    ngx_int_t    rc;
    ngx_str_t    k[NGX_HTTP_HASHPAY_SW_MAX_KEYS + 1];
    const char  *why;

    static char  buf[16384];

    static const char  *malformed[] = {
        "v1,AAAA",
        "v2," SW_SIG,
        "v1a," SW_SIG " v2," SW_SIG,
        "v1," SW_B33,
        "v1," SW_B31,
        "v1, " SW_SIG,
        SW_SIG,
        "v1,",
        " ",
    };

    for (i = 0; i < NGX_HTTP_HASHPAY_SW_MAX_KEYS + 1; i++) {
        k[i].data = (u_char *) sw_k16;
        k[i].len = sizeof(sw_k16) - 1;
    }

    k[2].data = (u_char *) sw_known;
    k[2].len = sizeof(sw_known) - 1;

    /* malformed values: refused before any HMAC */

    for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        hmacs = 0;
        rc = sw(SW_ID, SW_TS, malformed[i], (u_char *) SW_BODY,
                sizeof(SW_BODY) - 1, SW_NOW, k, 3, &why);
        sw_refused(rc, why, "no valid v1 signature", malformed[i]);
        CHECK(hmacs == 0, "sw cost \"%s\": %lu HMACs, want 0",
              malformed[i], hmacs);
    }

    /* 2000 entries, none well-formed, over a 16 KB body */

    p = buf;

    for (i = 0; i < 2000; i++) {
        p += sprintf(p, "v1,AAAA ");
    }

    p[-1] = '\0';

    hmacs = 0;
    rc = sw(SW_ID, SW_TS, buf, (u_char *) buf, sizeof(buf), SW_NOW, k, 3,
            &why);
    sw_refused(rc, why, "no valid v1 signature", "sw cost, 2000 bad entries");
    CHECK(hmacs == 0, "sw cost, 2000 bad entries: %lu HMACs, want 0",
          hmacs);

    /* a timestamp out of the tolerance, a missing header: none either */

    hmacs = 0;
    rc = sw(SW_ID, "1614264000", SW_V1, (u_char *) SW_BODY,
            sizeof(SW_BODY) - 1, SW_NOW, k, 3, &why);
    sw_refused(rc, why, "webhook-timestamp too old", "sw cost, old");
    CHECK(hmacs == 0, "sw cost, old timestamp: %lu HMACs", hmacs);

    hmacs = 0;
    rc = sw("", SW_TS, SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, k, 3, &why);
    sw_refused(rc, why, "no webhook-id header", "sw cost, no id");
    CHECK(hmacs == 0, "sw cost, no id: %lu HMACs", hmacs);

    /* one well-formed entry that is wrong: one HMAC per key */

    hmacs = 0;
    rc = sw(SW_ID, SW_TS, "v1," SW_B0, (u_char *) SW_BODY,
            sizeof(SW_BODY) - 1, SW_NOW, k, 3, &why);
    sw_refused(rc, why, "no valid v1 signature", "sw cost, wrong entry");
    CHECK(hmacs == 3, "sw cost, wrong entry, 3 keys: %lu HMACs, want 3",
          hmacs);

    /* 300 well-formed entries: still one HMAC per key */

    p = buf;

    for (i = 0; i < 300; i++) {
        p += sprintf(p, "v1,%s ", SW_B0);
    }

    sprintf(p, "%s", SW_V1);

    hmacs = 0;
    rc = sw(SW_ID, SW_TS, buf, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, k, 3, &why);
    CHECK(rc == NGX_OK, "sw cost, 301 entries: got %d", (int) rc);
    CHECK(hmacs == 3, "sw cost, 301 entries, 3 keys: %lu HMACs, want 3",
          hmacs);

    /* the valid one: one HMAC per key; more keys than allowed: the cap */

    hmacs = 0;
    rc = sw(SW_ID, SW_TS, SW_V1, (u_char *) SW_BODY, sizeof(SW_BODY) - 1,
            SW_NOW, k, 3, &why);
    CHECK(rc == NGX_OK, "sw cost, valid: got %d", (int) rc);
    CHECK(hmacs == 3, "sw cost, valid, 3 keys: %lu HMACs, want 3",
          hmacs);

    hmacs = 0;
    rc = sw(SW_ID, SW_TS, "v1," SW_B0, (u_char *) SW_BODY,
            sizeof(SW_BODY) - 1, SW_NOW, k, NGX_HTTP_HASHPAY_SW_MAX_KEYS + 1,
            &why);
    sw_refused(rc, why, "no valid v1 signature", "sw cost, 17 keys");
    CHECK(hmacs == NGX_HTTP_HASHPAY_SW_MAX_KEYS,
          "sw cost, %d keys given: %lu HMACs, want %d",
          NGX_HTTP_HASHPAY_SW_MAX_KEYS + 1, hmacs,
          NGX_HTTP_HASHPAY_SW_MAX_KEYS);
}


/* an X signature of the wrong shape costs no HMAC; else one per secret */

static void
test_x_cost(void)
{
    size_t      i;
    ngx_int_t   rc;
    ngx_str_t   s[2];

    static const char  *malformed[] = {
        "",
        "sha256=",
        "sha256=AAAA",
        "sha1=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI=",
        "sha256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI",
        "sha256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlJ=",
    };

    ngx_str_set(&s[0], "other-secret-of-16");
    ngx_str_set(&s[1], "test");

    for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        hmacs = 0;
        rc = verify(malformed[i], s, 2, vectors[0].body);
        CHECK(rc == NGX_DECLINED, "x cost \"%s\": refused", malformed[i]);
        CHECK(hmacs == 0, "x cost \"%s\": %lu HMACs, want 0",
              malformed[i], hmacs);
    }

    hmacs = 0;
    rc = verify(vectors[0].sig, s, 2, vectors[0].body);
    CHECK(rc == NGX_OK, "x cost, valid: got %d", (int) rc);
    CHECK(hmacs == 2, "x cost, valid, 2 secrets: %lu HMACs, want 2",
          hmacs);

    hmacs = 0;
    rc = verify("sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", s, 2,
                vectors[0].body);
    CHECK(rc == NGX_DECLINED, "x cost, wrong: refused");
    CHECK(hmacs == 2, "x cost, wrong, 2 secrets: %lu HMACs, want 2",
          hmacs);
}


/*
 * The counting wrapper: src/ngx_http_hashpay_sig.c is linked into this
 * program, so its calls bind to it; OpenSSL's own function is found with
 * dlsym(RTLD_NEXT).
 */

int
EVP_MAC_init(EVP_MAC_CTX *ctx, const unsigned char *key, size_t keylen,
    const OSSL_PARAM params[])
{
    static int (*real)(EVP_MAC_CTX *, const unsigned char *, size_t,
                       const OSSL_PARAM []);

    if (real == NULL) {
        *(void **) &real = dlsym(RTLD_NEXT, "EVP_MAC_init");

        if (real == NULL) {
            fprintf(stderr, "no EVP_MAC_init in OpenSSL\n");
            abort();
        }
    }

    hmacs++;

    return real(ctx, key, keylen, params);
}


static ngx_int_t
crc(const char *token, u_char *out, size_t *out_len)
{
    u_char     *copy;
    ngx_int_t   rc;
    ngx_str_t   src, dst;

    /* a copy of the exact length: no reading past the token */

    src.len = strlen(token);
    copy = malloc(src.len);
    ngx_memcpy(copy, token, src.len);
    src.data = copy;

    dst.data = out;
    dst.len = 0;

    rc = ngx_http_hashpay_crc_token(&src, &dst);

    *out_len = dst.len;

    free(copy);

    return rc;
}


static ngx_int_t
verify(const char *value, ngx_str_t *secrets, ngx_uint_t n, const char *body)
{
    u_char     *copy;
    ngx_int_t   rc;
    ngx_str_t   v;

    /* a copy of the exact length: no reading past the value */

    v.len = strlen(value);
    copy = malloc(v.len);
    ngx_memcpy(copy, value, v.len);
    v.data = copy;

    rc = ngx_http_hashpay_x_verify(&v, secrets, n, (u_char *) body,
                                   strlen(body));

    free(copy);

    return rc;
}


static void
hex(u_char *dst, const u_char *src, size_t len)
{
    size_t  i;

    static const char  digits[] = "0123456789abcdef";

    for (i = 0; i < len; i++) {
        *dst++ = digits[src[i] >> 4];
        *dst++ = digits[src[i] & 0x0f];
    }

    *dst = '\0';
}


static ssize_t
sw_key(const char *secret, u_char **key)
{
    u_char   *copy;
    size_t    len;
    ssize_t   n;

    /* exact sizes: the secret, and the key as documented */

    len = strlen(secret);
    copy = malloc(len ? len : 1);
    ngx_memcpy(copy, secret, len);

    *key = malloc(len >= 6 ? (len - 6) * 3 / 4 + 3 : 3);

    n = ngx_http_hashpay_sw_key(copy, len, *key);

    free(copy);

    return n;
}


static ngx_int_t
sw(const char *id, const char *ts, const char *sig, const u_char *body,
    size_t len, time_t now, ngx_str_t *keys, ngx_uint_t nkeys,
    const char **why)
{
    u_char                     *b;
    ngx_int_t                   rc;
    ngx_http_hashpay_sw_msg_t   m;

    /* copies of the exact lengths: no reading past a header or the body */

    ngx_memzero(&m, sizeof(m));

    sw_copy(&m.id, id);
    sw_copy(&m.timestamp, ts);
    sw_copy(&m.signature, sig);

    b = NULL;

    if (len) {
        b = malloc(len);
        ngx_memcpy(b, body, len);
        m.body = b;

    } else {
        m.body = (u_char *) "";
    }

    m.len = len;
    m.now = now;
    m.tolerance = sw_tolerance;

    *why = NULL;

    rc = ngx_http_hashpay_sw_verify(&m, keys, nkeys, why);

    free(m.id.data);
    free(m.timestamp.data);
    free(m.signature.data);
    free(b);

    return rc;
}


static void
sw_copy(ngx_str_t *dst, const char *src)
{
    dst->len = strlen(src);

    if (dst->len == 0) {
        dst->data = NULL;
        return;
    }

    dst->data = malloc(dst->len);
    ngx_memcpy(dst->data, src, dst->len);
}


static void
sw_refused(ngx_int_t rc, const char *why, const char *want, const char *name)
{
    CHECK(rc == NGX_DECLINED && why != NULL && strcmp(why, want) == 0,
          "%s: want NGX_DECLINED \"%s\", got %d \"%s\"", name, want,
          (int) rc, why ? why : "(null)");
}
