
/*
 * Copyright (C) hashpay authors
 *
 * libFuzzer harness of ngx_http_hashpay_sw_key() (src/ngx_http_hashpay_sig.c):
 * the input is a Standard Webhooks secret as written in the configuration,
 * and the key is written to a buffer of exactly the size the header asks
 * for ((len - 6) * 3 / 4 + 3 bytes), so that AddressSanitizer sees a write
 * past it.  The answer must be the reference's: "whsec_" and base64 text
 * whose padding, if any, is at most what the text needs; the key the
 * canonical decoding of that text, never empty.  A key read is encoded
 * back (OpenSSL's EVP_EncodeBlock) and must give the text again.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <openssl/evp.h>

#include "ngx_http_hashpay_sig.h"
#include "fuzz.h"


static const char  b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";


/* the key, or -1 */

static ssize_t
ref_key(const u_char *s, size_t len, u_char *out)
{
    int          v[4];
    size_t       i, n, pad, k, g;
    const char  *c;

    if (len < 6 || memcmp(s, "whsec_", 6) != 0) {
        return -1;
    }

    s += 6;
    len -= 6;

    for (pad = 0; pad < len && s[len - 1 - pad] == '='; pad++) {
        /* void */
    }

    n = len - pad;

    if (n % 4 == 1 || pad > (4 - n % 4) % 4) {
        return -1;
    }

    k = 0;

    for (i = 0; i < n; i += 4) {
        for (g = 0; g < 4; g++) {
            if (i + g >= n) {
                v[g] = 0;
                continue;
            }

            c = (s[i + g] != '\0') ? strchr(b64, s[i + g]) : NULL;
            if (c == NULL) {
                return -1;
            }

            v[g] = (int) (c - b64);
        }

        g = (n - i >= 4) ? 3 : (n - i) - 1;

        /* canonical: the bits past the last byte are zero */

        if ((g == 1 && (v[1] & 0x0f)) || (g == 2 && (v[2] & 0x03))) {
            return -1;
        }

        if (g >= 1) {
            out[k++] = (u_char) (v[0] << 2 | v[1] >> 4);
        }

        if (g >= 2) {
            out[k++] = (u_char) ((v[1] & 0x0f) << 4 | v[2] >> 2);
        }

        if (g >= 3) {
            out[k++] = (u_char) ((v[2] & 0x03) << 6 | v[3]);
        }
    }

    return k ? (ssize_t) k : -1;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char   *secret, *key, *want, *enc;
    size_t    bound, n, e;
    ssize_t   k, rk;

    secret = fuzz_dup(data, size);

    bound = (size > 6) ? (size - 6) * 3 / 4 + 3 : 0;
    key = malloc(bound);
    want = malloc(size + 3);
    FUZZ_ASSERT(key != NULL && want != NULL, "malloc");

    k = ngx_http_hashpay_sw_key(secret, size, key);
    rk = ref_key(secret, size, want);

    FUZZ_ASSERT(k == rk, "key of %zd bytes, want %zd", k, rk);

    if (k >= 0) {
        FUZZ_ASSERT(k >= 1 && (size_t) k <= bound, "key of %zd bytes", k);
        FUZZ_ASSERT(memcmp(key, want, k) == 0, "key differs");

        /* encoded back: the text without its padding */

        enc = malloc(4 * ((k + 2) / 3) + 1);
        FUZZ_ASSERT(enc != NULL, "malloc");

        n = EVP_EncodeBlock(enc, key, (int) k);

        for (e = 0; n && enc[n - 1] == '='; n--, e++) { /* void */ }

        FUZZ_ASSERT(size - 6 >= n && size - 6 - n <= e
                    && memcmp(secret + 6, enc, n) == 0,
                    "encoded back, the key is not the secret");

        free(enc);
    }

    free(want);
    free(key);
    free(secret);

    return 0;
}
