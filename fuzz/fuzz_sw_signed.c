
/*
 * Copyright (C) hashpay authors
 *
 * fuzz_sw_verify.c with SW_SIGNED: the harness signs the message with a
 * key chosen by the first byte of the input, so that the fuzzer explores
 * past the HMAC check (see fuzz_sw_verify.c).
 */


#define SW_SIGNED  1

#include "fuzz_sw_verify.c"
