/*
 * test_codec.c: hex digits and Go's base64 (codec.h).  Expected error
 * offsets are the ones Go's encoding/base64 reports (CorruptInputError),
 * worked out from its decodeQuantum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/codec.h"
#include "core/err.h"

#include <stdio.h>
#include <string.h>

static void test_hexval(void **state)
{
    (void)state;
    assert_int_equal(codec_hexval('0'), 0);
    assert_int_equal(codec_hexval('f'), 15);
    assert_int_equal(codec_hexval('F'), 15);
    assert_int_equal(codec_hexval('g'), -1);
    assert_int_equal(codec_hexval('\0'), -1);
}

static void test_encode(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(codec_b64_encode(out, "hi!?", 4, 0), 8);
    assert_string_equal(out, "aGkhPw==");
    assert_int_equal(codec_b64_len(4, 0), 8);
    assert_int_equal(codec_b64_len(4, CODEC_B64_RAW), 6);
    codec_b64_encode(out, "\xfb\xff", 2, CODEC_B64_URL | CODEC_B64_RAW);
    assert_string_equal(out, "-_8");
    codec_b64_encode(out, "\xfb\xff", 2, 0);
    assert_string_equal(out, "+/8=");
    struct buf b;
    buf_init(&b, 0);
    char big[1000];
    memset(big, 'x', sizeof big);
    assert_int_equal(codec_b64_append(&b, big, sizeof big, 0), RN_OK);
    assert_int_equal(b.len, codec_b64_len(sizeof big, 0));
    assert_memory_equal(buf_str(&b) + b.len - 8, "eHh4eA==", 8);
    buf_free(&b);
}

/* decode s with flags: the bytes, or "!N" for an error at offset N */
static const char *dec(const char *s, unsigned flags)
{
    static char out[128];
    unsigned char d[128];
    size_t n, bad;
    if (codec_b64_decode(s, strlen(s), flags, d, &n, &bad) != RN_OK) {
        snprintf(out, sizeof out, "!%zu", bad);
        return out;
    }
    memcpy(out, d, n);
    out[n] = '\0';
    return out;
}

static void test_decode(void **state)
{
    (void)state;
    assert_string_equal(dec("aGkhPw==", 0), "hi!?");
    assert_string_equal(dec("aGk\r\nhPw=\n=", 0), "hi!?");
    assert_string_equal(dec("", 0), "");
    assert_string_equal(dec("aGkhPw", 0), "!4"); /* padding missing */
    assert_string_equal(dec("aGkhPw", CODEC_B64_LAX), "hi!?");
    assert_string_equal(dec("aGkhPw", CODEC_B64_RAW), "hi!?");
    assert_string_equal(dec("aGkhPw==", CODEC_B64_RAW), "!6");
    assert_string_equal(dec("aGkhP", 0), "!4"); /* one sextet left */
    assert_string_equal(dec("aG*h", 0), "!2");  /* bad byte */
    assert_string_equal(dec("aGk=x", 0), "!4"); /* trailing garbage */
    assert_string_equal(dec("aG=", 0), "!3");   /* "==" expected */
    assert_string_equal(dec("aG=x", 0), "!2");
    assert_string_equal(dec("a===", 0), "!1"); /* padding too early */
    assert_string_equal(dec("-_8", CODEC_B64_URL | CODEC_B64_RAW), "\xfb\xff");
    assert_string_equal(dec("-_8=", 0), "!0");
}

/* net/url's QueryEscape and PathEscape (values checked with Go 1.19). */
static void test_url_escape(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    const char *in = "a b/c?d=e&f+g:h@i$j~k\xc3\xa9%";
    assert_int_equal(codec_url_escape(&b, in, strlen(in), CODEC_URL_QUERY),
                     RN_OK);
    assert_string_equal(buf_str(&b),
                        "a+b%2Fc%3Fd%3De%26f%2Bg%3Ah%40i%24j~k%C3%A9%25");
    buf_reset(&b);
    assert_int_equal(codec_url_escape(&b, in, strlen(in), CODEC_URL_SEGMENT),
                     RN_OK);
    assert_string_equal(buf_str(&b), "a%20b%2Fc%3Fd=e&f+g:h@i$j~k%C3%A9%25");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hexval),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_url_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
