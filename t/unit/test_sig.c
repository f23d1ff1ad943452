
/*
 * Copyright (C) hashpay authors
 *
 * Unit tests of src/ngx_http_hashpay_sig.c: HMAC-SHA256, base64,
 * constant-time comparison, X signatures with secret rotation, the CRC
 * token.
 */


#include <ngx_config.h>
#include <ngx_core.h>

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


static void test_hmac(void);
static void test_base64_encode(void);
static void test_base64_decode(void);
static void test_const_eq(void);
static void test_x_sign(void);
static void test_x_verify(void);
static void test_crc_token(void);
static void test_crc_alphabet(void);
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

    return unit_done();
}


static void
test_hmac(void)
{
    u_char  md[NGX_HTTP_HASHPAY_SHA256_LEN], key[20], h[65];

    /* RFC 4231, test case 1 */

    ngx_memset(key, 0x0b, sizeof(key));

    CHECK_INT(ngx_http_hashpay_hmac_sha256(key, sizeof(key),
                                           (u_char *) "Hi There", 8, md),
              NGX_OK, "hmac rfc4231 #1 rc");
    hex(h, md, sizeof(md));
    CHECK_STR(h, 64, "b0344c61d8db38535ca8afceaf0bf12b"
                     "881dc200c9833da726e9376c2e32cff7", "hmac rfc4231 #1");

    /* RFC 4231, test case 2 */

    CHECK_INT(ngx_http_hashpay_hmac_sha256((u_char *) "Jefe", 4,
                  (u_char *) "what do ya want for nothing?", 28, md),
              NGX_OK, "hmac rfc4231 #2 rc");
    hex(h, md, sizeof(md));
    CHECK_STR(h, 64, "5bdcc146bf60754e6a042426089575c7"
                     "5a003f089d2739839dec58b964ec3843", "hmac rfc4231 #2");

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
