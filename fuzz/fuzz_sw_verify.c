
/*
 * Copyright (C) hashpay authors
 *
 * libFuzzer harness of ngx_http_hashpay_sw_verify()
 * (src/ngx_http_hashpay_sig.c), Standard Webhooks.  The input is
 *
 *     webhook-id '\n' webhook-timestamp '\n' webhook-signature '\n' body
 *
 * (a missing piece is an empty, that is absent, header), each piece in a
 * buffer of its own exact size.  Two keys are configured (rotation): the
 * one of the specification's known answer, whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2
 * LaLaSw, and a 16-byte one; now is the known answer's timestamp,
 * 1614265330, and the tolerance 300 seconds.  The answer, and the reason
 * of a refusal, must be those of a reference written from the header's
 * contract (HMAC computed with OpenSSL's one-shot HMAC() over the joined
 * message, signatures compared as canonical base64 text).
 *
 * Built with SW_SIGNED (fuzz_sw_signed.c), the harness signs the message
 * itself so that the fuzzer explores past the HMAC check: the first byte
 * of the input chooses the key (0: the first, 1: the second, 2: a key that
 * is not configured) and the rest is split as above; the signature
 * "v1,<base64>" replaces the first '*' of the webhook-signature piece, or
 * is appended to it after a space.  A valid signature so made, as a whole
 * space-separated entry, with a timestamp in the tolerance, must be
 * accepted.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>

#include "ngx_http_hashpay_sig.h"
#include "fuzz.h"


#define NOW        1614265330
#define TOLERANCE  300


static u_char     key0[64], key1[64], key2[64];
static ngx_str_t  keys[3];


static void
setup(void)
{
    ssize_t                     n;
    ngx_int_t                   rc;
    const char                 *s, *why;
    ngx_http_hashpay_sw_msg_t   m;

    if (keys[0].data) {
        return;
    }

    s = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    n = ngx_http_hashpay_sw_key((u_char *) s, strlen(s), key0);
    FUZZ_ASSERT(n == 24, "known-answer key: %zd bytes", n);
    keys[0].data = key0;
    keys[0].len = n;

    s = "whsec_AAECAwQFBgcICQoLDA0ODw==";
    n = ngx_http_hashpay_sw_key((u_char *) s, strlen(s), key1);
    FUZZ_ASSERT(n == 16, "second key: %zd bytes", n);
    keys[1].data = key1;
    keys[1].len = n;

    /* never configured */
    memcpy(key2, "not a configured key, 32 bytes!!", 32);
    keys[2].data = key2;
    keys[2].len = 32;

    /* the specification's known answer */

    ngx_memzero(&m, sizeof(m));
    ngx_str_set(&m.id, "msg_p5jXN8AQM9LWM0D4loKWxJek");
    ngx_str_set(&m.timestamp, "1614265330");
    ngx_str_set(&m.signature,
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    m.body = (u_char *) "{\"test\": 2432232314}";
    m.len = sizeof("{\"test\": 2432232314}") - 1;
    m.now = NOW;
    m.tolerance = TOLERANCE;

    why = NULL;
    rc = ngx_http_hashpay_sw_verify(&m, keys, 2, &why);
    FUZZ_ASSERT(rc == NGX_OK, "the known answer is refused: %s",
                why ? why : "(null)");
}


/*
 * "v1," + base64(HMAC-SHA256(key, id "." ts "." body)): 47 bytes, and the
 * NUL of EVP_EncodeBlock() (out holds 48)
 */

static void
ref_sign(ngx_str_t *key, fuzz_piece_t *id, fuzz_piece_t *ts,
    fuzz_piece_t *body, u_char *out)
{
    u_char        *msg, md[32];
    size_t         len;
    unsigned int   md_len;

    len = id->len + 1 + ts->len + 1 + body->len;
    msg = malloc(len);
    FUZZ_ASSERT(msg != NULL, "malloc");

    memcpy(msg, id->data, id->len);
    msg[id->len] = '.';
    memcpy(msg + id->len + 1, ts->data, ts->len);
    msg[id->len + 1 + ts->len] = '.';
    memcpy(msg + id->len + 2 + ts->len, body->data, body->len);

    FUZZ_ASSERT(HMAC(EVP_sha256(), key->data, (int) key->len, msg, len, md,
                     &md_len) != NULL && md_len == 32, "HMAC");

    memcpy(out, "v1,", 3);
    FUZZ_ASSERT(EVP_EncodeBlock(out + 3, md, 32) == 44, "EVP_EncodeBlock");

    free(msg);
}


/* one entry of the space-separated list is exactly sig */

static int
ref_has_entry(fuzz_piece_t *list, const u_char *sig)
{
    size_t  i, start;

    start = 0;

    for (i = 0; i <= list->len; i++) {
        if (i == list->len || list->data[i] == ' ') {
            if (i - start == 47 && memcmp(list->data + start, sig, 47) == 0) {
                return 1;
            }

            start = i + 1;
        }
    }

    return 0;
}


/* the refusal the contract gives, or NULL: the signature is to be checked */

static const char *
ref_refusal(fuzz_piece_t *id, fuzz_piece_t *ts, fuzz_piece_t *sig)
{
    size_t     i;
    long long  t;

    if (id->len == 0) {
        return "no webhook-id header";
    }

    if (ts->len == 0) {
        return "no webhook-timestamp header";
    }

    if (sig->len == 0) {
        return "no webhook-signature header";
    }

    if (ts->len > 12 || !fuzz_all_digits(ts->data, ts->len)) {
        return "malformed webhook-timestamp";
    }

    t = 0;

    for (i = 0; i < ts->len; i++) {
        t = t * 10 + (ts->data[i] - '0');
    }

    if (t < NOW - TOLERANCE) {
        return "webhook-timestamp too old";
    }

    if (t > NOW + TOLERANCE) {
        return "webhook-timestamp too far in the future";
    }

    return NULL;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char                     s[3][48], *p;
    size_t                     i, pos;
    ngx_int_t                  rc;
    const char                *why, *want;
    fuzz_piece_t               pc[4], *sig;
    ngx_http_hashpay_sw_msg_t  m;

#ifdef SW_SIGNED
    u_char                     which;
    fuzz_piece_t               made;
#endif

    setup();

#ifdef SW_SIGNED
    if (size == 0) {
        return 0;
    }

    which = data[0] % 3;
    data++;
    size--;
#endif

    fuzz_split(data, size, pc, 4);
    sig = &pc[2];

    for (i = 0; i < 3; i++) {
        ref_sign(&keys[i], &pc[0], &pc[1], &pc[3], s[i]);
    }

#ifdef SW_SIGNED
    /* the harness's own signature in place of the first '*', or appended */

    p = memchr(sig->data, '*', sig->len);
    pos = p ? (size_t) (p - sig->data) : sig->len;

    if (p) {
        made.len = sig->len - 1 + 47;

    } else {
        made.len = sig->len + (sig->len ? 1 : 0) + 47;
    }

    made.data = malloc(made.len);
    FUZZ_ASSERT(made.data != NULL, "malloc");

    memcpy(made.data, sig->data, pos);
    i = pos;

    if (p == NULL && sig->len) {
        made.data[i++] = ' ';
    }

    memcpy(made.data + i, s[which], 47);
    i += 47;

    if (p) {
        memcpy(made.data + i, p + 1, sig->len - pos - 1);
        i += sig->len - pos - 1;
    }

    FUZZ_ASSERT(i == made.len, "made %zu of %zu bytes", i, made.len);

    free(sig->data);
    *sig = made;
#else
    (void) p;
    (void) pos;
#endif

    ngx_memzero(&m, sizeof(m));

    m.id.data = pc[0].data;
    m.id.len = pc[0].len;
    m.timestamp.data = pc[1].data;
    m.timestamp.len = pc[1].len;
    m.signature.data = sig->data;
    m.signature.len = sig->len;
    m.body = pc[3].data;
    m.len = pc[3].len;
    m.now = NOW;
    m.tolerance = TOLERANCE;

    why = NULL;

    rc = ngx_http_hashpay_sw_verify(&m, keys, 2, &why);

    FUZZ_ASSERT(rc == NGX_OK || rc == NGX_DECLINED, "rc %ld", (long) rc);

    want = ref_refusal(&pc[0], &pc[1], sig);

    if (want == NULL
        && !ref_has_entry(sig, s[0]) && !ref_has_entry(sig, s[1]))
    {
        want = "no valid v1 signature";
    }

    if (want == NULL) {
        FUZZ_ASSERT(rc == NGX_OK, "a valid signature refused: %s",
                    why ? why : "(null)");

    } else {
        FUZZ_ASSERT(rc == NGX_DECLINED && why != NULL
                    && strcmp(why, want) == 0,
                    "rc %ld \"%s\", want refused \"%s\"", (long) rc,
                    why ? why : "(null)", want);
    }

#ifdef SW_SIGNED
    /* what the harness signed with a configured key is accepted */

    if (which < 2 && ref_refusal(&pc[0], &pc[1], sig) == NULL
        && ref_has_entry(sig, s[which]))
    {
        FUZZ_ASSERT(rc == NGX_OK, "the harness's signature refused: %s",
                    why ? why : "(null)");
    }
#endif

    fuzz_free(pc, 4);

    return 0;
}
