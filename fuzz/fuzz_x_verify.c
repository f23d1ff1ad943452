
/*
 * Copyright (C) hashpay authors
 *
 * libFuzzer harness of ngx_http_hashpay_x_verify() and x_sign()
 * (src/ngx_http_hashpay_sig.c), the X webhook signature.  The input is
 *
 *     x-twitter-webhooks-signature value '\n' body
 *
 * each in a buffer of its own exact size; two consumer secrets are
 * configured (rotation): "test", that of the platform's known answer, and
 * another.  The answer must be the reference's: NGX_OK exactly when the
 * value is "sha256=" + base64(HMAC-SHA256(secret, body)) for one of the
 * secrets (OpenSSL's one-shot HMAC() and EVP_EncodeBlock()).  Then the
 * harness signs the body with each secret (x_sign, which must give the
 * reference's text): always accepted; with one byte of it changed (which
 * byte and how taken from the input): always refused.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>

#include "ngx_http_hashpay_sig.h"
#include "fuzz.h"


#define SIG_LEN   NGX_HTTP_HASHPAY_X_SIG_LEN

/* the platform's known answer, with the secret "test" */
#define KAT_SIG   "sha256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI="
#define KAT_BODY  "{\"test_number\":1,\"test_string\":\"two\"}"


static ngx_str_t  secrets[] = {
    ngx_string("test"),
    ngx_string("a rotated consumer secret"),
};


static void
ref_sign(ngx_str_t *secret, const u_char *body, size_t len, u_char *out)
{
    u_char        md[32];
    unsigned int  md_len;

    FUZZ_ASSERT(HMAC(EVP_sha256(), secret->data, (int) secret->len,
                     len ? body : (const u_char *) "", len, md, &md_len)
                != NULL && md_len == 32, "HMAC");

    memcpy(out, "sha256=", 7);
    FUZZ_ASSERT(EVP_EncodeBlock(out + 7, md, 32) == 44, "EVP_EncodeBlock");
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char        want[2][SIG_LEN + 1], *made;
    size_t        i, pos;
    ngx_int_t     rc;
    ngx_str_t     value;
    fuzz_piece_t  pc[2];

    static int    kat;

    if (!kat) {
        ngx_str_set(&value, KAT_SIG);

        FUZZ_ASSERT(ngx_http_hashpay_x_verify(&value, secrets, 2,
                                              (u_char *) KAT_BODY,
                                              sizeof(KAT_BODY) - 1)
                    == NGX_OK, "the known answer is refused");
        kat = 1;
    }

    fuzz_split(data, size, pc, 2);

    for (i = 0; i < 2; i++) {
        ref_sign(&secrets[i], pc[1].data, pc[1].len, want[i]);
    }

    value.data = pc[0].data;
    value.len = pc[0].len;

    rc = ngx_http_hashpay_x_verify(&value, secrets, 2, pc[1].data, pc[1].len);

    if (value.len == SIG_LEN
        && (memcmp(value.data, want[0], SIG_LEN) == 0
            || memcmp(value.data, want[1], SIG_LEN) == 0))
    {
        FUZZ_ASSERT(rc == NGX_OK, "a valid signature refused: rc %ld",
                    (long) rc);

    } else {
        FUZZ_ASSERT(rc == NGX_DECLINED, "rc %ld for a value that is no "
                    "signature of the body", (long) rc);
    }

    /* signed by the module itself */

    made = malloc(SIG_LEN);
    FUZZ_ASSERT(made != NULL, "malloc");

    value.data = made;
    value.len = SIG_LEN;

    pos = (size ? data[0] : 0) % SIG_LEN;

    for (i = 0; i < 2; i++) {
        FUZZ_ASSERT(ngx_http_hashpay_x_sign(&secrets[i], pc[1].data,
                                            pc[1].len, made)
                    == NGX_OK
                    && memcmp(made, want[i], SIG_LEN) == 0,
                    "x_sign differs from the reference");

        rc = ngx_http_hashpay_x_verify(&value, secrets, 2, pc[1].data,
                                       pc[1].len);
        FUZZ_ASSERT(rc == NGX_OK, "its own signature refused: rc %ld",
                    (long) rc);

        /* one byte changed: refused (canonical base64 has one spelling) */

        made[pos] ^= (size > 1 && data[1]) ? data[1] : 0x01;

        rc = ngx_http_hashpay_x_verify(&value, secrets, 2, pc[1].data,
                                       pc[1].len);
        FUZZ_ASSERT(rc == NGX_DECLINED, "a changed signature accepted: "
                    "byte %zu, rc %ld", pos, (long) rc);
    }

    /* the value of another length is refused before any HMAC */

    value.len = SIG_LEN - 1;
    FUZZ_ASSERT(ngx_http_hashpay_x_verify(&value, secrets, 2, pc[1].data,
                                          pc[1].len)
                == NGX_DECLINED, "a short value accepted");

    free(made);
    fuzz_free(pc, 2);

    return 0;
}
