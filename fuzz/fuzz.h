
/*
 * Copyright (C) hashpay authors
 *
 * Helpers shared by the libFuzzer harnesses of fuzz/: an assertion that
 * aborts (libFuzzer then saves the input as a crash), exact-size copies of
 * pieces of the input (so that AddressSanitizer sees the bounds of each
 * piece, not only of the whole input), and splitting the input on '\n'.
 */


#ifndef _FUZZ_H_INCLUDED_
#define _FUZZ_H_INCLUDED_


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define FUZZ_ASSERT(cond, ...)                                                \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "\nFUZZ ASSERTION FAILED %s:%d: %s\n    ",       \
                    __FILE__, __LINE__, #cond);                               \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
            abort();                                                          \
        }                                                                     \
    } while (0)


/* a piece of the input in a buffer of exactly its length (malloc(0) too) */

typedef struct {
    unsigned char  *data;
    size_t          len;
} fuzz_piece_t;


static inline unsigned char *
fuzz_dup(const uint8_t *p, size_t len)
{
    unsigned char  *d;

    d = malloc(len);
    if (d == NULL) {
        abort();
    }

    if (len) {
        memcpy(d, p, len);
    }

    return d;
}


/*
 * The first n - 1 pieces end at a '\n' (not included); the last piece is
 * the rest of the input, '\n' and all.  Missing pieces are empty.
 */

static inline void
fuzz_split(const uint8_t *data, size_t size, fuzz_piece_t *pieces, size_t n)
{
    size_t          i;
    const uint8_t  *p, *end, *nl;

    p = data;
    end = data + size;

    for (i = 0; i < n; i++) {

        if (i == n - 1) {
            nl = end;

        } else {
            nl = memchr(p, '\n', end - p);
            if (nl == NULL) {
                nl = end;
            }
        }

        pieces[i].len = nl - p;
        pieces[i].data = fuzz_dup(p, pieces[i].len);

        p = (nl < end) ? nl + 1 : end;
    }
}


static inline void
fuzz_free(fuzz_piece_t *pieces, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        free(pieces[i].data);
    }
}


/* pointer p with len bytes lies inside [base, base + size) */

static inline int
fuzz_inside(const void *p, size_t len, const void *base, size_t size)
{
    const char  *a, *b;

    a = p;
    b = base;

    return a >= b && a <= b + size && len <= (size_t) (b + size - a);
}


static inline int
fuzz_all_digits(const unsigned char *p, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return 0;
        }
    }

    return 1;
}


#endif /* _FUZZ_H_INCLUDED_ */
