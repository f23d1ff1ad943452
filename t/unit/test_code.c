
/*
 * Copyright (C) hashpay authors
 *
 * Unit tests of src/ngx_http_hashpay_code.c: confirmation codes from
 * OpenSSL's RAND_bytes (alphabet, length, a rough uniformity check) and
 * from scripted random sources (rejection sampling, failures).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <openssl/rand.h>

#include "ngx_http_hashpay_code.h"
#include "unit.h"


#define TEST_CODES  20000


static void test_openssl(void);
static void test_distribution(void);
static void test_rejection(void);
static void test_failures(void);

static int rand_fail(unsigned char *buf, int num);
static int rand_high(unsigned char *buf, int num);
static int rand_script(unsigned char *buf, int num);


static const u_char  *script_bytes;
static size_t         script_len;
static size_t         script_pos;
static ngx_uint_t     rand_calls;


int
main(void)
{
    test_openssl();
    test_distribution();
    test_rejection();
    test_failures();

    return unit_done();
}


static void
test_openssl(void)
{
    u_char      out[NGX_HTTP_HASHPAY_CODE_CANDIDATES * 6 + 1];
    ngx_uint_t  i, bad;

    CHECK_INT(NGX_HTTP_HASHPAY_CODE_SYMBOLS, 31, "alphabet size");
    CHECK_INT(NGX_HTTP_HASHPAY_CODE_LEN, 6, "code length");

    /* nothing outside the requested bytes is written */
    ngx_memset(out, '!', sizeof(out));

    CHECK_INT(ngx_http_hashpay_code_mint(out, NGX_HTTP_HASHPAY_CODE_CANDIDATES,
                                         RAND_bytes),
              NGX_OK, "mint with RAND_bytes");

    CHECK(out[sizeof(out) - 1] == '!', "no byte written past the codes");

    bad = 0;

    for (i = 0; i < sizeof(out) - 1; i++) {
        if (strchr(NGX_HTTP_HASHPAY_CODE_ALPHABET, out[i]) == NULL
            || out[i] == '\0')
        {
            bad++;
        }
    }

    CHECK_INT(bad, 0, "every symbol is of the alphabet");

    for (i = 0; i < sizeof(out) - 1; i++) {
        CHECK(strchr("01OIL", out[i]) == NULL, "no ambiguous symbol (%c)",
              out[i]);
    }

    /* zero codes: nothing drawn, nothing written */
    rand_calls = 0;
    CHECK_INT(ngx_http_hashpay_code_mint(out, 0, rand_fail), NGX_OK,
              "zero codes");
    CHECK_INT(rand_calls, 0, "zero codes draw nothing");
}


/*
 * 20000 codes (120000 symbols): each of the 31 symbols is expected 3871
 * times.  A chi-square statistic over 30 degrees of freedom above 70 has
 * probability < 1e-4 for a uniform source; a source biased like
 * "byte % 31" without rejection (symbols 0-7 9/8 as likely) gives ~500.
 * Each position of the code is checked too (20000 draws, 645 expected).
 */

static void
test_distribution(void)
{
    u_char      *out, *p;
    double       chi, e, d;
    ngx_uint_t   i, pos, count[NGX_HTTP_HASHPAY_CODE_SYMBOLS];
    ngx_uint_t   bypos[6][NGX_HTTP_HASHPAY_CODE_SYMBOLS];

    out = malloc(TEST_CODES * 6);
    if (out == NULL) {
        CHECK(0, "malloc");
        return;
    }

    CHECK_INT(ngx_http_hashpay_code_mint(out, TEST_CODES, RAND_bytes), NGX_OK,
              "mint 20000 codes");

    ngx_memzero(count, sizeof(count));
    ngx_memzero(bypos, sizeof(bypos));

    for (i = 0; i < TEST_CODES * 6; i++) {
        p = (u_char *) strchr(NGX_HTTP_HASHPAY_CODE_ALPHABET, out[i]);

        if (p == NULL || out[i] == '\0') {
            CHECK(0, "symbol %u is of the alphabet", (unsigned) i);
            free(out);
            return;
        }

        count[p - (u_char *) NGX_HTTP_HASHPAY_CODE_ALPHABET]++;
        bypos[i % 6][p - (u_char *) NGX_HTTP_HASHPAY_CODE_ALPHABET]++;
    }

    e = TEST_CODES * 6.0 / NGX_HTTP_HASHPAY_CODE_SYMBOLS;
    chi = 0;

    for (i = 0; i < NGX_HTTP_HASHPAY_CODE_SYMBOLS; i++) {
        d = count[i] - e;
        chi += d * d / e;
    }

    CHECK(chi < 70, "symbols look uniform (chi-square %.1f)", chi);

    e = TEST_CODES * 1.0 / NGX_HTTP_HASHPAY_CODE_SYMBOLS;

    for (pos = 0; pos < 6; pos++) {
        chi = 0;

        for (i = 0; i < NGX_HTTP_HASHPAY_CODE_SYMBOLS; i++) {
            d = bypos[pos][i] - e;
            chi += d * d / e;
        }

        CHECK(chi < 70, "position %u looks uniform (chi-square %.1f)",
              (unsigned) pos, chi);
    }

    free(out);
}


/*
 * Bytes 248-255 are thrown away; 0-247 map to byte % 31: 0 -> '2',
 * 30 -> 'Z', 31 -> '2', 247 -> 'Z' (247 = 7 * 31 + 30).
 */

static void
test_rejection(void)
{
    u_char  out[12];

    static const u_char  bytes[] = {
        248, 0, 255, 30, 31, 250, 247, 8, 9, 249, 100, 61,
        1, 2, 3, 4, 5, 6
    };

    script_bytes = bytes;
    script_len = sizeof(bytes);
    script_pos = 0;

    CHECK_INT(ngx_http_hashpay_code_mint(out, 1, rand_script), NGX_OK,
              "scripted source");

    /* 0 30 31 247 8 9 */
    CHECK_STR(out, 6, "2Z2ZAB", "bytes >= 248 are skipped");

    /* a source of nothing but rejected bytes: an error, not a hang */
    rand_calls = 0;
    CHECK_INT(ngx_http_hashpay_code_mint(out, 2, rand_high), NGX_ERROR,
              "only bytes >= 248: error");
    CHECK(rand_calls > 1 && rand_calls <= 1000,
          "draws again before giving up (%u draws)", (unsigned) rand_calls);
}


static void
test_failures(void)
{
    u_char  out[6];

    rand_calls = 0;
    CHECK_INT(ngx_http_hashpay_code_mint(out, 1, rand_fail), NGX_ERROR,
              "RAND_bytes failing: error");
    CHECK_INT(rand_calls, 1, "no retry of a failed source");
}


static int
rand_fail(unsigned char *buf, int num)
{
    rand_calls++;
    return 0;
}


static int
rand_high(unsigned char *buf, int num)
{
    rand_calls++;
    memset(buf, 248 + rand_calls % 8, num);
    return 1;
}


/* the scripted bytes, then 0xff forever */

static int
rand_script(unsigned char *buf, int num)
{
    int  i;

    for (i = 0; i < num; i++) {
        buf[i] = script_pos < script_len ? script_bytes[script_pos++] : 0xff;
    }

    return 1;
}
