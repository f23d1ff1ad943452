
/*
 * Copyright (C) hashpay authors
 *
 * libFuzzer harness of ngx_http_hashpay_crc_token()
 * (src/ngx_http_hashpay_sig.c): the input is the crc_token query argument
 * as it comes (percent-encoded), decoded into a buffer of exactly its
 * length, then once more in place (dst == src, which the function allows).
 * The answer must be the reference's: strict percent-decoding ('%' and two
 * hex digits, '+' left alone), 8-256 bytes of the base64 and base64url
 * alphabets, '=' only as trailing padding, at most two; on NGX_OK the
 * token is the reference's decoding, byte for byte.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_hashpay_sig.h"
#include "fuzz.h"


static int
hex(u_char c)
{
    static const char  digits[] = "0123456789abcdefABCDEF";
    const char        *p;

    p = (c != '\0') ? strchr(digits, c) : NULL;

    if (p == NULL) {
        return -1;
    }

    return (p - digits < 16) ? (int) (p - digits) : (int) (p - digits) - 6;
}


/* the token's length, or -1 */

static ssize_t
ref_token(const u_char *s, size_t len, u_char *out)
{
    size_t  i, n, pad;

    n = 0;

    for (i = 0; i < len; i++) {
        if (s[i] == '%') {
            if (len - i < 3 || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0) {
                return -1;
            }

            out[n++] = (u_char) (hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;

        } else {
            out[n++] = s[i];
        }
    }

    if (n < 8 || n > 256) {
        return -1;
    }

    for (pad = 0; pad < n && out[n - 1 - pad] == '='; pad++) { /* void */ }

    if (pad > 2) {
        return -1;
    }

    for (i = 0; i < n - pad; i++) {
        if (!(out[i] >= 'A' && out[i] <= 'Z')
            && !(out[i] >= 'a' && out[i] <= 'z')
            && !(out[i] >= '0' && out[i] <= '9')
            && out[i] != '+' && out[i] != '/' && out[i] != '-'
            && out[i] != '_')
        {
            return -1;
        }
    }

    return n;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char     *want;
    ssize_t     n;
    ngx_int_t   rc, rc2;
    ngx_str_t   src, dst, in;

    src.data = fuzz_dup(data, size);
    src.len = size;
    dst.data = malloc(size);
    dst.len = 0;
    want = malloc(size);
    FUZZ_ASSERT(dst.data != NULL && want != NULL, "malloc");

    rc = ngx_http_hashpay_crc_token(&src, &dst);
    n = ref_token(src.data, size, want);

    FUZZ_ASSERT(rc == NGX_OK || rc == NGX_DECLINED, "rc %ld", (long) rc);
    FUZZ_ASSERT((rc == NGX_OK) == (n >= 0), "rc %ld, reference %zd",
                (long) rc, n);

    if (rc == NGX_OK) {
        FUZZ_ASSERT(dst.len == (size_t) n && dst.len >= 8 && dst.len <= 256
                    && memcmp(dst.data, want, n) == 0,
                    "token of %zu bytes differs from the reference's",
                    dst.len);
    }

    /* in place */

    in.data = fuzz_dup(data, size);
    in.len = size;

    rc2 = ngx_http_hashpay_crc_token(&in, &in);

    FUZZ_ASSERT(rc2 == rc, "in place: rc %ld, not %ld", (long) rc2,
                (long) rc);

    if (rc == NGX_OK) {
        FUZZ_ASSERT(in.len == dst.len
                    && memcmp(in.data, dst.data, dst.len) == 0,
                    "in place: another token");
    }

    free(in.data);
    free(want);
    free(dst.data);
    free(src.data);

    return 0;
}
