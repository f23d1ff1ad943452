
/*
 * Copyright (C) hashpay authors
 *
 * The differential check of fuzz/fuzz_delivery_diff.c over its committed
 * corpus (fuzz/corpus/delivery_diff/: the platform examples, the delivery
 * harness's seeds, every class of bad input, the crashers found), so that
 * every `make test` holds the webhook's fast reader
 * (src/ngx_http_hashpay_scan.c) to the jansson-based reader on each of
 * them: the same verdict (not JSON, a wrong envelope, read) and the same
 * fields, and NGX_ERROR or the same answer when allocations fail.
 *
 * The corpus is looked for in $HASHPAY_DIFF_CORPUS, then
 * fuzz/corpus/delivery_diff (the tests run from the repository's root),
 * then relative to the binary (build/unit/../../fuzz/corpus/delivery_diff).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <dirent.h>

#include "unit.h"
#include "../../fuzz/delivery_diff.h"


static char  corpus[1024];


static void
find_corpus(const char *argv0)
{
    DIR         *dir;
    size_t       i;
    const char  *env, *slash;

    env = getenv("HASHPAY_DIFF_CORPUS");

    if (env != NULL) {
        snprintf(corpus, sizeof(corpus), "%s", env);
        return;
    }

    snprintf(corpus, sizeof(corpus), "fuzz/corpus/delivery_diff");

    dir = opendir(corpus);
    if (dir != NULL) {
        closedir(dir);
        return;
    }

    slash = strrchr(argv0, '/');
    i = slash ? (size_t) (slash - argv0) : 1;

    snprintf(corpus, sizeof(corpus), "%.*s/../../fuzz/corpus/delivery_diff",
             (int) i, slash ? argv0 : ".");
}


static u_char *
slurp(const char *path, size_t *len)
{
    long     n;
    FILE    *f;
    u_char  *buf;

    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }

    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);

    /* exactly the body's size: AddressSanitizer sees its end */
    buf = malloc(n ? n : 1);

    if (buf == NULL || fread(buf, 1, n, f) != (size_t) n) {
        free(buf);
        fclose(f);
        return NULL;
    }

    fclose(f);
    *len = n;

    return buf;
}


int
main(int argc, char **argv)
{
    DIR            *dir;
    char            path[2048];
    int             verdict;
    size_t          len, files, verdicts[3];
    u_char         *body;
    const char     *why;
    struct dirent  *de;

    find_corpus(argv[0]);

    dir = opendir(corpus);

    CHECK(dir != NULL, "corpus found (%s); set HASHPAY_DIFF_CORPUS", corpus);

    if (dir == NULL) {
        return unit_done();
    }

    files = 0;
    verdicts[0] = verdicts[1] = verdicts[2] = 0;

    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }

        snprintf(path, sizeof(path), "%s/%s", corpus, de->d_name);

        body = slurp(path, &len);

        CHECK(body != NULL, "%s read", path);

        if (body == NULL) {
            continue;
        }

        verdict = -1;
        why = diff_body(body, len, &verdict);

        CHECK(why == NULL, "%s: the readers agree (%s)", de->d_name,
              why ? why : "");

        if (verdict >= 0 && verdict <= 2) {
            verdicts[verdict]++;
        }

        files++;
        free(body);
    }

    closedir(dir);

    /* the corpus holds each verdict, not only bodies that read */

    CHECK(files >= 100, "at least 100 bodies in the corpus (%lu)",
          (unsigned long) files);
    CHECK(verdicts[0] > 0, "some bodies are not JSON (%lu)",
          (unsigned long) verdicts[0]);
    CHECK(verdicts[1] > 0, "some envelopes are wrong (%lu)",
          (unsigned long) verdicts[1]);
    CHECK(verdicts[2] > 0, "some deliveries read (%lu)",
          (unsigned long) verdicts[2]);

    printf("delivery_diff: %lu bodies: %lu not JSON, %lu wrong envelope, "
           "%lu read\n",
           (unsigned long) files, (unsigned long) verdicts[0],
           (unsigned long) verdicts[1], (unsigned long) verdicts[2]);

    return unit_done();
}
