
/*
 * Copyright (C) hashpay authors
 *
 * A header-only assertion helper for the C unit tests.  Every check counts
 * as passed or failed; a failure is described on stderr; unit_done() prints
 * the one line "N passed, N failed" on stdout and gives the exit status
 * (non-zero when anything failed):
 *
 *     CHECK(cond, "what is checked %d", i);
 *     CHECK_INT(got, want, "name");
 *     CHECK_STR(data, len, "expected C string", "name");
 *     CHECK_NGX_STR(ngx_str, "expected C string", "name");
 *     CHECK_MEM(a, a_len, b, b_len, "name");
 *     CHECK_NULL(ptr, "name");
 *
 *     return unit_done();
 */


#ifndef _UNIT_H_INCLUDED_
#define _UNIT_H_INCLUDED_


#include <stdarg.h>
#include <stdio.h>
#include <string.h>


static unsigned long  unit_passed;
static unsigned long  unit_failed;


static inline void
unit_dump(const char *what, const void *data, size_t len)
{
    size_t                i;
    const unsigned char  *p;

    fprintf(stderr, "    %s (%zu): \"", what, len);

    if (data == NULL) {
        fprintf(stderr, "(null)\"\n");
        return;
    }

    p = data;

    for (i = 0; i < len && i < 200; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\') {
            fputc(p[i], stderr);

        } else {
            fprintf(stderr, "\\x%02x", p[i]);
        }
    }

    fprintf(stderr, "%s\"\n", i < len ? "..." : "");
}


static inline int
unit_vcheck(int ok, const char *file, int line, const char *fmt, va_list ap)
{
    if (ok) {
        unit_passed++;
        return 1;
    }

    unit_failed++;

    fprintf(stderr, "FAIL %s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);

    return 0;
}


static inline int
unit_check(int ok, const char *file, int line, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static inline int
unit_check(int ok, const char *file, int line, const char *fmt, ...)
{
    int      rc;
    va_list  ap;

    va_start(ap, fmt);
    rc = unit_vcheck(ok, file, line, fmt, ap);
    va_end(ap);

    return rc;
}


static inline int
unit_check_int(long long got, long long want, const char *file, int line,
    const char *name)
{
    if (!unit_check(got == want, file, line, "%s", name)) {
        fprintf(stderr, "    got %lld, want %lld\n", got, want);
        return 0;
    }

    return 1;
}


static inline int
unit_check_mem(const void *a, size_t a_len, const void *b, size_t b_len,
    const char *file, int line, const char *name)
{
    int  ok;

    ok = a_len == b_len
         && (a_len == 0 || (a != NULL && b != NULL
                            && memcmp(a, b, a_len) == 0));

    if (!unit_check(ok, file, line, "%s", name)) {
        unit_dump("got ", a, a_len);
        unit_dump("want", b, b_len);
        return 0;
    }

    return 1;
}


static inline int
unit_done(void)
{
    printf("%lu passed, %lu failed\n", unit_passed, unit_failed);
    fflush(stdout);

    return unit_failed ? 1 : 0;
}


#define CHECK(cond, ...)                                                      \
    unit_check((cond) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)

#define CHECK_INT(got, want, name)                                            \
    unit_check_int((long long) (got), (long long) (want), __FILE__,           \
                   __LINE__, name)

#define CHECK_MEM(a, a_len, b, b_len, name)                                   \
    unit_check_mem(a, a_len, b, b_len, __FILE__, __LINE__, name)

#define CHECK_STR(data, len, want, name)                                      \
    unit_check_mem(data, len, want, strlen(want), __FILE__, __LINE__, name)

#define CHECK_NGX_STR(s, want, name)                                          \
    CHECK_STR((s).data, (s).len, want, name)

#define CHECK_NULL(p, name)                                                   \
    unit_check((p) == NULL, __FILE__, __LINE__, "%s is NULL", name)


#endif /* _UNIT_H_INCLUDED_ */
