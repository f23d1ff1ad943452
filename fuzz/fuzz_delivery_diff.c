
/*
 * Copyright (C) hashpay authors
 *
 * libFuzzer harness holding the webhook's fast reader
 * (src/ngx_http_hashpay_scan.c) to the jansson-based reader it replaced
 * (src/ngx_http_hashpay_tweet.c, the reference oracle): every input is
 * read by both (fuzz/delivery_diff.h), and any difference in the verdict
 * (not JSON, a wrong envelope, read) or in anything extracted (every
 * post's state, bad_field, ids, author, screen name, times, hashtags,
 * code; every revoke) aborts.  Then the fast reader once more with its
 * allocations failing part way: NGX_ERROR or the same answer.  Seeds:
 * fuzz/corpus/delivery_diff/ (the platform examples, the delivery
 * harness's corpus, the classes of bad input, and what fuzzing found).
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "fuzz.h"
#include "delivery_diff.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int          verdict;
    u_char      *copy;
    const char  *why;

    /* an exact-size copy: AddressSanitizer sees the body's end */

    copy = fuzz_dup(data, size);

    why = diff_body(copy, size, &verdict);

    FUZZ_ASSERT(why == NULL, "the readers differ: %s", why);

    free(copy);

    return 0;
}
