/*
 * random.c: sprig's random strings and numbers (randAlpha, randAlphaNum,
 * randAscii, randNumeric, randBytes, randInt, shuffle).
 *
 * Every random draw comes from OpenSSL's RAND_bytes, and picking one of n
 * symbols rejects the top sliver of the byte range so each symbol is
 * equally likely.  Upstream draws randInt and shuffle from math/rand; the
 * distribution is the same, only the source is stronger here.
 */
#include "sprig_int.h"

#include "../../core/arena.h"
#include "../../core/codec.h"
#include "../../core/err.h"
#include "../../core/limits.h"
#include "../../core/utf8.h"

#include <openssl/rand.h>
#include <string.h>

/* ---- random draws ---- */

/* A uniform integer in [0, n) for 0 < n, by rejection sampling. */
static int rand_below(uint64_t n, uint64_t *r)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
    do {
        if (RAND_bytes((unsigned char *)&x, sizeof x) != 1)
            return -1;
    } while (x >= limit);
    *r = x % n;
    return 0;
}

/* count symbols drawn uniformly from alphabet; "" for count <= 0 (upstream
 * swallows the negative-count error). */
static int rand_string(struct tpl_fcall *c, const char *alphabet, int64_t count,
                       struct val *out)
{
    if (count <= 0)
        return sprig_out_str(c, "", 0, out);
    if (count > (int64_t)RN_TPL_MAX_OUTPUT)
        return rn_errf(c->err, RN_ELIMIT, "%s: %lld characters is too many",
                       c->name, (long long)count);
    char *p = arena_alloc(c->arena, (size_t)count + 1);
    if (!p)
        return sprig_nomem(c);
    size_t n = strlen(alphabet);
    unsigned char block[256];
    size_t have = 0, used = 0;
    unsigned limit = 256 - 256 % (unsigned)n;
    for (int64_t i = 0; i < count;) {
        if (used == have) {
            if (RAND_bytes(block, sizeof block) != 1)
                return sprig_fail(c, "crypto/rand: read failed");
            have = sizeof block;
            used = 0;
        }
        unsigned b = block[used++];
        if (b < limit)
            p[i++] = alphabet[b % n];
    }
    p[count] = '\0';
    *out = val_str(p, (size_t)count);
    return RN_OK;
}

#define ALPHA_UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define ALPHA_LOWER "abcdefghijklmnopqrstuvwxyz"
#define DIGITS "0123456789"

static int f_rand_alpha(struct tpl_fcall *c, const struct val *argv, int argc,
                        struct val *out)
{
    (void)argc;
    return rand_string(c, ALPHA_UPPER ALPHA_LOWER, val_int_of(argv[0]), out);
}

static int f_rand_alnum(struct tpl_fcall *c, const struct val *argv, int argc,
                        struct val *out)
{
    (void)argc;
    return rand_string(c, ALPHA_UPPER ALPHA_LOWER DIGITS, val_int_of(argv[0]),
                       out);
}

static int f_rand_numeric(struct tpl_fcall *c, const struct val *argv, int argc,
                          struct val *out)
{
    (void)argc;
    return rand_string(c, DIGITS, val_int_of(argv[0]), out);
}

static int f_rand_ascii(struct tpl_fcall *c, const struct val *argv, int argc,
                        struct val *out)
{
    char printable[96];
    (void)argc;
    for (int i = 0; i < 95; i++)
        printable[i] = (char)(' ' + i);
    printable[95] = '\0';
    return rand_string(c, printable, val_int_of(argv[0]), out);
}

/* randBytes n: base64 of n random bytes; a negative n is Go's makeslice
 * panic. */
static int f_rand_bytes(struct tpl_fcall *c, const struct val *argv, int argc,
                        struct val *out)
{
    int64_t n = val_int_of(argv[0]);
    (void)argc;
    if (n < 0)
        return sprig_fail(c, "runtime error: makeslice: len out of range");
    if (n > (int64_t)RN_TPL_MAX_OUTPUT)
        return rn_errf(c->err, RN_ELIMIT, "randBytes: %lld bytes is too many",
                       (long long)n);
    unsigned char *raw = arena_alloc(c->arena, (size_t)n + 1);
    char *enc = arena_alloc(c->arena, codec_b64_len((size_t)n, 0) + 1);
    if (!raw || !enc)
        return sprig_nomem(c);
    if (n > 0 && RAND_bytes(raw, (int)n) != 1)
        return sprig_fail(c, "crypto/rand: read failed");
    *out = val_str(enc, codec_b64_encode(enc, raw, (size_t)n, 0));
    return RN_OK;
}

/* randInt min max: uniform in [min, max); Go's rand.Intn panics unless
 * max - min > 0 (computed with int wrap-around). */
static int f_rand_int(struct tpl_fcall *c, const struct val *argv, int argc,
                      struct val *out)
{
    uint64_t lo = (uint64_t)val_int_of(argv[0]);
    int64_t span = (int64_t)((uint64_t)val_int_of(argv[1]) - lo);
    uint64_t r;
    (void)argc;
    if (span <= 0)
        return sprig_fail(c, "invalid argument to Intn");
    if (rand_below((uint64_t)span, &r))
        return sprig_fail(c, "crypto/rand: read failed");
    *out = val_int((int64_t)(lo + r));
    return RN_OK;
}

/* shuffle s: the runes of s in random order (invalid bytes become U+FFFD,
 * as Go's []rune conversion does). */
static int f_shuffle(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    const char *s = val_str_ptr(argv[0]);
    size_t n = val_str_len(argv[0]), nr = 0;
    (void)argc;
    uint32_t *runes = arena_alloc(c->arena, (n + 1) * sizeof *runes);
    char *p = arena_alloc(c->arena, n * 3 + 1);
    if (!runes || !p)
        return sprig_nomem(c);
    for (size_t i = 0; i < n;)
        i += utf8_decode(s + i, n - i, &runes[nr++]);
    for (size_t i = nr; i > 1; i--) {
        uint64_t j;
        if (rand_below(i, &j))
            return sprig_fail(c, "crypto/rand: read failed");
        uint32_t t = runes[i - 1];
        runes[i - 1] = runes[j];
        runes[j] = t;
    }
    size_t len = 0;
    for (size_t i = 0; i < nr; i++)
        len += utf8_encode(p + len, runes[i]);
    p[len] = '\0';
    *out = val_str(p, len);
    return RN_OK;
}

static const struct tpl_func_def random_funcs[] = {
    {"randAlpha", f_rand_alpha, "i", NULL},
    {"randAlphaNum", f_rand_alnum, "i", NULL},
    {"randAscii", f_rand_ascii, "i", NULL},
    {"randNumeric", f_rand_numeric, "i", NULL},
    {"randBytes", f_rand_bytes, "i", NULL},
    {"randInt", f_rand_int, "ii", NULL},
    {"shuffle", f_shuffle, "s", NULL},
};

SPRIG_GROUP(random, random_funcs);
