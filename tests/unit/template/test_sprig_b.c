/*
 * test_sprig_b.c: the sprig themes dates, crypto, certs, random, regex,
 * semver and network.  Most cases call a theme function directly with the
 * arguments the engine would pass; random and crypto results are checked
 * by property (length, alphabet, round trip, OpenSSL/libcrypt verifying
 * them), and a few cases render whole templates to cover field access on
 * the struct results ((semver "1.2.3").Major, (genCA ...).Cert).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <crypt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/codec.h"
#include "core/err.h"
#include "core/gofmt.h"
#include "core/gotime.h"
#include "core/val.h"
#include "template/sprig/sprig.h"
#include "template/sprig/sprig_int.h"
#include "template/template.h"

static struct arena arena;
static struct rn_err err;

/* ---- harness ---- */

static const struct tpl_func_def *lookup(const char *name)
{
    const struct sprig_group *themes[] = {
        &sprig_group_dates,   &sprig_group_crypto, &sprig_group_certs,
        &sprig_group_random,  &sprig_group_regex,  &sprig_group_semver,
        &sprig_group_network,
    };
    for (size_t t = 0; t < sizeof themes / sizeof *themes; t++) {
        for (size_t i = 0; i < themes[t]->n; i++) {
            if (strcmp(themes[t]->defs[i].name, name) == 0)
                return &themes[t]->defs[i];
        }
    }
    fail_msg("%s is not defined", name);
    return NULL;
}

static struct val str(const char *s)
{
    return val_str(s, strlen(s));
}

/* Call name with argc arguments; the status, the result in *out. */
static int invoke(const char *name, struct val *out, int argc, ...)
{
    const struct tpl_func_def *d = lookup(name);
    struct tpl_fcall fc = {&arena, &err, name, d->ud};
    struct val argv[8];
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++)
        argv[i] = va_arg(ap, struct val);
    va_end(ap);
    rn_err_clear(&err);
    *out = val_null();
    return d->fn(&fc, argv, argc, out);
}

/* fmt's %v of v, in the arena. */
static const char *sprint(struct val v)
{
    struct buf b;
    buf_init(&b, 1u << 20);
    assert_int_equal(gofmt_value(&b, v), RN_OK);
    char *s = arena_strndup(&arena, b.len ? b.ptr : "", b.len);
    buf_free(&b);
    return s;
}

#define EXPECT(want, name, ...)                                                \
    do {                                                                       \
        struct val out_;                                                       \
        int rc_ = invoke(name, &out_, __VA_ARGS__);                            \
        if (rc_)                                                               \
            fail_msg("%s: error %d: %s", name, rc_, err.msg);                  \
        assert_string_equal(sprint(out_), want);                               \
    } while (0)

#define EXPECT_ERR(part, name, ...)                                            \
    do {                                                                       \
        struct val out_;                                                       \
        assert_int_equal(invoke(name, &out_, __VA_ARGS__), RN_EEXEC);          \
        if (!strstr(err.msg, part))                                            \
            fail_msg("%s: \"%s\" lacks \"%s\"", name, err.msg, part);          \
    } while (0)

/* The string result of a call that must succeed. */
static const char *text_of(const char *name, int argc, struct val a,
                           struct val b)
{
    struct val out;
    int rc = argc == 1 ? invoke(name, &out, 1, a) : invoke(name, &out, 2, a, b);
    if (rc)
        fail_msg("%s: error %d: %s", name, rc, err.msg);
    assert_int_equal(val_kind(out), VAL_STRING);
    return val_str_ptr(out);
}

/* Render text with sprig over no data. */
static const char *render(const char *text)
{
    struct tpl_funcs *f = tpl_funcs_new();
    struct buf b;
    assert_non_null(f);
    assert_int_equal(sprig_register(f), RN_OK);
    struct tpl *t = tpl_parse("tmpl", text, strlen(text), f, &err);
    if (!t)
        fail_msg("parse: %s", err.msg);
    buf_init(&b, 1u << 20);
    int rc = tpl_exec(t, val_null(), &arena, &b, &err);
    const char *s = rc ? NULL : arena_strndup(&arena, buf_str(&b), b.len);
    buf_free(&b);
    tpl_free(t);
    tpl_funcs_free(f);
    if (rc)
        fail_msg("exec: %s", err.msg);
    return s;
}

static int fixed_clock(int64_t *unix, int32_t *nsec)
{
    *unix = 1700000000; /* 2023-11-14T22:13:20Z */
    *nsec = 0;
    return 0;
}

static int setup(void **state)
{
    (void)state;
    arena_init(&arena, 0);
    setenv("TZ", "UTC", 1);
    gotime_set_clock(fixed_clock);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    gotime_set_clock(NULL);
    arena_free(&arena);
    return 0;
}

/* ---- random ---- */

static bool all_in(const char *s, const char *alphabet)
{
    return strspn(s, alphabet) == strlen(s);
}

static void test_random_strings(void **state)
{
    static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static const char lower[] = "abcdefghijklmnopqrstuvwxyz";
    char alpha[64], alnum[80], ascii[100];
    (void)state;
    snprintf(alpha, sizeof alpha, "%s%s", upper, lower);
    snprintf(alnum, sizeof alnum, "%s0123456789", alpha);
    for (int i = 0; i < 95; i++)
        ascii[i] = (char)(' ' + i);
    ascii[95] = '\0';
    const struct {
        const char *fn, *alphabet;
    } cases[] = {{"randAlpha", alpha},
                 {"randAlphaNum", alnum},
                 {"randAscii", ascii},
                 {"randNumeric", "0123456789"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *s = text_of(cases[i].fn, 1, val_int(500), val_null());
        assert_int_equal(strlen(s), 500);
        assert_true(all_in(s, cases[i].alphabet));
        assert_string_equal(text_of(cases[i].fn, 1, val_int(0), val_null()),
                            "");
        assert_string_equal(text_of(cases[i].fn, 1, val_int(-3), val_null()),
                            "");
    }
    /* every digit shows up in 500 draws (fails with odds ~1e-22) */
    const char *d = text_of("randNumeric", 1, val_int(500), val_null());
    for (char c = '0'; c <= '9'; c++)
        assert_non_null(strchr(d, c));
}

static void test_random_bytes_ints(void **state)
{
    struct val out;
    unsigned char raw[64];
    (void)state;
    const char *b = text_of("randBytes", 1, val_int(20), val_null());
    assert_int_equal(strlen(b), 28);
    size_t len, bad;
    assert_int_equal(codec_b64_decode(b, strlen(b), 0, raw, &len, &bad), RN_OK);
    assert_int_equal(len, 20);
    assert_string_equal(text_of("randBytes", 1, val_int(0), val_null()), "");
    EXPECT_ERR("makeslice", "randBytes", 1, val_int(-1));
    bool seen[5] = {false};
    for (int i = 0; i < 200; i++) {
        assert_int_equal(invoke("randInt", &out, 2, val_int(-2), val_int(3)),
                         RN_OK);
        assert_true(val_int_of(out) >= -2 && val_int_of(out) < 3);
        seen[val_int_of(out) + 2] = true;
    }
    for (int i = 0; i < 5; i++)
        assert_true(seen[i]);
    EXPECT_ERR("invalid argument to Intn", "randInt", 2, val_int(3),
               val_int(3));
    EXPECT_ERR("invalid argument to Intn", "randInt", 2, val_int(4),
               val_int(3));
}

static void test_shuffle(void **state)
{
    (void)state;
    const char *s = text_of("shuffle", 1, str("héllo wörld"), val_null());
    assert_int_equal(strlen(s), strlen("héllo wörld"));
    const char *runes[] = {"h", "é", "l", "o", " ", "w", "ö", "r", "d"};
    for (size_t i = 0; i < sizeof runes / sizeof *runes; i++)
        assert_non_null(strstr(s, runes[i]));
    assert_string_equal(text_of("shuffle", 1, str(""), val_null()), "");
    /* an invalid byte becomes U+FFFD, as Go's []rune conversion does */
    assert_string_equal(text_of("shuffle", 1, str("\xff"), val_null()),
                        "\xef\xbf\xbd");
}

static void test_uuid(void **state)
{
    struct val out;
    (void)state;
    assert_int_equal(invoke("uuidv4", &out, 0), RN_OK);
    const char *u = val_str_ptr(out);
    assert_int_equal(strlen(u), 36);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal(u[i], '-');
        else
            assert_non_null(strchr("0123456789abcdef", u[i]));
    }
    assert_int_equal(u[14], '4');
    assert_non_null(strchr("89ab", u[19]));
}

/* ---- hashes, bcrypt, derivePassword, AES ---- */

static void test_hashes(void **state)
{
    (void)state;
    EXPECT("0a4d55a8d778e5022fab701977c5d840bbc486d0", "sha1sum", 1,
           str("Hello World"));
    EXPECT("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
           "sha256sum", 1, str(""));
    EXPECT("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
           "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
           "sha512sum", 1, str("abc"));
    EXPECT("300286872", "adler32sum", 1, str("Wikipedia"));
    EXPECT("1", "adler32sum", 1, str(""));
}

static bool crypt_ok(const char *pw, const char *hash)
{
    struct crypt_data cd;
    memset(&cd, 0, sizeof cd);
    const char *h = crypt_r(pw, hash, &cd);
    return h && strcmp(h, hash) == 0;
}

static void test_bcrypt(void **state)
{
    char long_pw[80];
    (void)state;
    const char *h = text_of("bcrypt", 1, str("s3cret"), val_null());
    assert_int_equal(strncmp(h, "$2a$10$", 7), 0);
    assert_int_equal(strlen(h), 60);
    assert_true(crypt_ok("s3cret", h));
    assert_false(crypt_ok("s3creT", h));
    const char *hp = text_of("htpasswd", 2, str("admin"), str("pw"));
    assert_int_equal(strncmp(hp, "admin:$2a$10$", 13), 0);
    assert_true(crypt_ok("pw", hp + 6));
    assert_string_equal(text_of("htpasswd", 2, str("a:b"), str("pw")),
                        "invalid username: a:b");
    memset(long_pw, 'x', 73);
    long_pw[73] = '\0';
    assert_non_null(strstr(text_of("bcrypt", 1, str(long_pw), val_null()),
                           "password length exceeds 72 bytes"));
}

static void test_derive_password(void **state)
{
    (void)state;
    struct val one = val_int_t(1, GT_UINT32), two = val_int_t(2, GT_UINT32);
    EXPECT("BY1OROPci924I*NX@S2,", "derivePassword", 5, one, str("maximum"),
           str("pw"), str("u"), str("site"));
    EXPECT("2257", "derivePassword", 5, two, str("pin"), str("pw"), str("u"),
           str("site"));
    EXPECT("BY77RqY8", "derivePassword", 5, one, str("basic"), str("pw"),
           str("u"), str("site"));
    EXPECT("cannot find password template nope", "derivePassword", 5, one,
           str("nope"), str("pw"), str("u"), str("site"));
}

static void test_aes(void **state)
{
    (void)state;
    /* ciphertexts written by Go's sprig encryptAES */
    EXPECT("hello rollouts", "decryptAES", 2, str("k3y-for-aes"),
           str("KuJhPmBuVXs8wOicIeeNLFsJg5KNWREFKxYYIb6pzNw="));
    EXPECT("multi\nline\ttext é ü", "decryptAES", 2, str("x"),
           str("9jEgdDvyxQ8D+t46yTXrVbYa+3RIF63kLgNd7dgjGer6zUm9y59jTDFjiTz"
               "pFBNZ"));
    const char *texts[] = {"a", "exactly sixteen!",
                           "a longer text, with "
                           "more than two blocks of plaintext in it"};
    const char *keys[] = {"", "k",
                          "a key that is longer than thirty-two "
                          "bytes, truncated"};
    for (size_t i = 0; i < 3; i++) {
        const char *ct = text_of("encryptAES", 2, str(keys[i]), str(texts[i]));
        EXPECT(texts[i], "decryptAES", 2, str(keys[i]), str(ct));
    }
    EXPECT("", "encryptAES", 2, str("k"), str(""));
    EXPECT("", "decryptAES", 2, str("k"), str(""));
    EXPECT_ERR("illegal base64 data at input byte 3", "decryptAES", 2, str("k"),
               str("not-base64!"));
    EXPECT_ERR("slice bounds", "decryptAES", 2, str("k"), str("YWJj"));
    EXPECT_ERR("not full blocks", "decryptAES", 2, str("k"),
               str("MDEyMzQ1Njc4OWFiY2RlZjAxMg=="));
    EXPECT_ERR("index out of range", "decryptAES", 2, str("k"),
               str("MDEyMzQ1Njc4OWFiY2RlZg=="));
}

/* ---- private keys and certificates ---- */

static EVP_PKEY *pem_key(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    return k;
}

static X509 *pem_cert(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    return x;
}

static void test_private_keys(void **state)
{
    (void)state;
    const struct {
        const char *type, *label;
        int id;
    } cases[] = {
        {"ecdsa", "-----BEGIN EC PRIVATE KEY-----\n", EVP_PKEY_EC},
        {"ed25519", "-----BEGIN PRIVATE KEY-----\n", EVP_PKEY_ED25519},
        {"rsa", "-----BEGIN RSA PRIVATE KEY-----\n", EVP_PKEY_RSA},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *pem =
            text_of("genPrivateKey", 1, str(cases[i].type), val_null());
        assert_int_equal(strncmp(pem, cases[i].label, strlen(cases[i].label)),
                         0);
        EVP_PKEY *k = pem_key(pem);
        assert_non_null(k);
        assert_int_equal(EVP_PKEY_get_base_id(k), cases[i].id);
        if (cases[i].id == EVP_PKEY_RSA)
            assert_int_equal(EVP_PKEY_get_bits(k), 4096);
        EVP_PKEY_free(k);
    }
    assert_string_equal(text_of("genPrivateKey", 1, str("x"), val_null()),
                        "Unknown type x");
}

/* The .Cert / .Key fields of a certificate result. */
static void cert_fields(struct val v, const char **cert, const char **key)
{
    assert_int_equal(val_kind(v), VAL_OBJECT);
    assert_string_equal(val_type_name(v), "sprig.certificate");
    const struct val *c = val_get_cstr(v, "Cert"), *k = val_get_cstr(v, "Key");
    assert_non_null(c);
    assert_non_null(k);
    *cert = val_str_ptr(*c);
    *key = val_str_ptr(*k);
}

static struct val list_of(int n, ...)
{
    struct val_list *l = arena_alloc(&arena, sizeof *l);
    va_list ap;
    l->len = l->cap = (uint32_t)n;
    l->items = arena_alloc(&arena, (size_t)(n + 1) * sizeof *l->items);
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        l->items[i] = va_arg(ap, struct val);
    va_end(ap);
    return val_list(l, GT_LIST_ANY);
}

/* A CA whose certificate verifies with its own key and says CA:TRUE. */
static struct val make_ca(void)
{
    struct val ca;
    const char *cert, *key;
    assert_int_equal(invoke("genCA", &ca, 2, str("my-ca"), val_int(30)), RN_OK);
    cert_fields(ca, &cert, &key);
    X509 *x = pem_cert(cert);
    EVP_PKEY *k = pem_key(key);
    assert_non_null(x);
    assert_non_null(k);
    assert_int_equal(X509_verify(x, k), 1);
    assert_int_equal(X509_check_ca(x), 1);
    assert_non_null(X509_get0_subject_key_id(x));
    X509_free(x);
    EVP_PKEY_free(k);
    return ca;
}

static void test_certs(void **state)
{
    struct val ca = make_ca(), leaf;
    const char *ccert, *ckey, *cert, *key;
    (void)state;
    cert_fields(ca, &ccert, &ckey);
    assert_int_equal(invoke("genSignedCert", &leaf, 5, str("leaf.example"),
                            list_of(1, str("10.0.0.1")),
                            list_of(2, str("a.example"), str("b.example")),
                            val_int(10), ca),
                     RN_OK);
    cert_fields(leaf, &cert, &key);
    X509 *x = pem_cert(cert), *cx = pem_cert(ccert);
    EVP_PKEY *cak = X509_get0_pubkey(cx);
    assert_int_equal(X509_verify(x, cak), 1);
    assert_int_equal(X509_check_ca(x), 0);
    assert_int_equal(X509_check_host(x, "b.example", 0, 0, NULL), 1);
    assert_int_equal(X509_check_ip_asc(x, "10.0.0.1", 0), 1);
    assert_int_equal(X509_check_issued(cx, x), X509_V_OK);
    EVP_PKEY *lk = pem_key(key);
    assert_int_equal(X509_check_private_key(x, lk), 1);
    EVP_PKEY_free(lk);
    X509_free(x);
    X509_free(cx);
    EXPECT_ERR("error parsing ip: nope", "genSelfSignedCert", 4, str("x"),
               list_of(1, str("nope")), val_null(), val_int(1));
    EXPECT_ERR("is not a string", "genSelfSignedCert", 4, str("x"), val_null(),
               list_of(1, val_int(3)), val_int(1));
    EXPECT_ERR("wrong type", "genSignedCert", 5, str("x"), val_null(),
               val_null(), val_int(1), str("not a ca"));
    /* a struct whose fields are not strings is refused, not read */
    struct val_obj *o = arena_alloc(&arena, sizeof *o);
    o->kv = arena_alloc(&arena, 3 * sizeof *o->kv);
    o->len = o->cap = 3;
    o->kv[0].key = str("");
    o->kv[0].v = val_int(1);
    o->kv[1].key = str("Cert");
    o->kv[1].v = val_int(2);
    o->kv[2].key = str("Key");
    o->kv[2].v = val_int(3);
    EXPECT_ERR("wrong type", "genSignedCert", 5, str("x"), val_null(),
               val_null(), val_int(1), val_obj(o, GT_STRUCT));
}

static void test_certs_with_key(void **state)
{
    struct val v;
    const char *cert, *key;
    (void)state;
    const char *ec = text_of("genPrivateKey", 1, str("ecdsa"), val_null());
    assert_int_equal(invoke("genSelfSignedCertWithKey", &v, 5, str("self"),
                            val_null(), val_null(), val_int(1), str(ec)),
                     RN_OK);
    cert_fields(v, &cert, &key);
    assert_string_equal(key, ec);
    X509 *x = pem_cert(cert);
    assert_int_equal(X509_verify(x, X509_get0_pubkey(x)), 1);
    X509_free(x);
    EXPECT_ERR("parsing private key: no PEM data", "genCAWithKey", 3, str("x"),
               val_int(1), str("garbage"));
    /* buildCustomCert takes both back in base64 */
    unsigned char b64c[8192], b64k[4096];
    int nc =
        EVP_EncodeBlock(b64c, (const unsigned char *)cert, (int)strlen(cert));
    int nk =
        EVP_EncodeBlock(b64k, (const unsigned char *)key, (int)strlen(key));
    assert_int_equal(invoke("buildCustomCert", &v, 2,
                            val_str((char *)b64c, (size_t)nc),
                            val_str((char *)b64k, (size_t)nk)),
                     RN_OK);
    const char *c2, *k2;
    cert_fields(v, &c2, &k2);
    assert_string_equal(c2, cert);
    assert_string_equal(k2, key);
    EXPECT_ERR("unable to decode base64 certificate", "buildCustomCert", 2,
               str("!!"), str(""));
}

/* An ECDSA CA signs with ecdsa-with-SHA256; an Ed25519 key self-signs. */
static void test_cert_key_types(void **state)
{
    (void)state;
    const char *s =
        render("{{ $ca := genCAWithKey \"ec\" 3 (genPrivateKey \"ecdsa\") }}"
               "{{ (genSignedCert \"x\" nil (list \"x.example\") 1 $ca).Cert }}"
               "|{{ (genSelfSignedCertWithKey \"ed\" nil nil 1 "
               "(genPrivateKey \"ed25519\")).Cert }}");
    const char *bar = strchr(s, '|');
    assert_non_null(bar);
    X509 *leaf = pem_cert(s), *ed = pem_cert(bar + 1);
    assert_non_null(leaf);
    assert_non_null(ed);
    assert_int_equal(X509_get_signature_nid(leaf), NID_ecdsa_with_SHA256);
    assert_int_equal(X509_get_signature_nid(ed), NID_ED25519);
    assert_int_equal(X509_verify(ed, X509_get0_pubkey(ed)), 1);
    X509_free(leaf);
    X509_free(ed);
}

static void test_cert_templates(void **state)
{
    (void)state;
    const char *s = render("{{ $ca := genCA \"ca\" 3 }}{{ $ca.Cert }}|"
                           "{{ (genSignedCert \"x\" nil nil 1 $ca).Key }}");
    assert_int_equal(strncmp(s, "-----BEGIN CERTIFICATE-----\n", 28), 0);
    assert_non_null(strstr(s, "|-----BEGIN RSA PRIVATE KEY-----\n"));
}

/* ---- semver ---- */

static void test_semver_compare(void **state)
{
    (void)state;
    static const struct {
        const char *con, *ver, *want;
    } cases[] = {
        {">=1.2.0", "1.2.3", "true"},
        {"^1.0", "2.0.0", "false"},
        {"~1.2", "1.2.9", "true"},
        {"~1.2", "1.3.0", "false"},
        {"1.2.3", "v1.2.3", "true"},
        {"= 1.2.3", "1.2.4", "false"},
        {">=1.0.0-0", "1.0.0-rc1", "true"},
        {">=1.0.0", "1.1.0-rc1", "false"},
        {"*", "1.0.0-alpha", "false"},
        {"1.0 - 2.0", "2.0.0", "true"},
        {"1.0 - 2.0", "2.1.0", "false"},
        {">1,<2 || 3.x", "3.4.0", "true"},
        {">1, <2", "1.5.0", "false"},
        {">1.x", "2.0.0", "true"},
        {"!=1.x", "1.5.0", "false"},
        {"!=1.x", "2.5.0", "true"},
        {"^0.2.3", "0.2.9", "true"},
        {"^0.2.3", "0.3.0", "false"},
        {"^0.0.3", "0.0.4", "false"},
        {"~0", "0.5.0", "true"},
        {"=>1.0 =<1.0", "1.0.0", "true"},
        {"~>1.2.3", "1.2.9", "true"},
        {">1.0.0-alpha.10", "1.0.0-alpha.9", "false"},
        {">=1.0.0-alpha.1", "1.0.0-alpha.beta", "true"},
        {"<1.0.0-beta", "1.0.0-alpha.99", "true"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct val out;
        int rc = invoke("semverCompare", &out, 2, str(cases[i].con),
                        str(cases[i].ver));
        if (rc)
            fail_msg("%s vs %s: %s", cases[i].con, cases[i].ver, err.msg);
        if (strcmp(sprint(out), cases[i].want) != 0)
            fail_msg("%s vs %s: got %s", cases[i].con, cases[i].ver,
                     sprint(out));
    }
    EXPECT_ERR("improper constraint: bad", "semverCompare", 2, str("bad"),
               str("1.0.0"));
    EXPECT_ERR("improper constraint: ", "semverCompare", 2, str(""),
               str("1.0.0"));
    EXPECT_ERR("Invalid Semantic Version", "semverCompare", 2, str("1.x"),
               str("1.0.0.0"));
    EXPECT_ERR("constraint Parser Error", "semverCompare", 2, str("1.0|2"),
               str("1.0.0"));
}

static void test_semver_object(void **state)
{
    struct val v;
    (void)state;
    assert_int_equal(invoke("semver", &v, 1, str("v1.2.3-beta.1+build.5")),
                     RN_OK);
    assert_string_equal(val_type_name(v), "*semver.Version");
    assert_string_equal(sprint(v), "1.2.3-beta.1+build.5");
    assert_int_equal(val_int_of(*val_get_cstr(v, "Minor")), 2);
    assert_string_equal(val_str_ptr(*val_get_cstr(v, "Prerelease")), "beta.1");
    assert_string_equal(val_str_ptr(*val_get_cstr(v, "Metadata")), "build.5");
    assert_string_equal(val_str_ptr(*val_get_cstr(v, "Original")),
                        "v1.2.3-beta.1+build.5");
    EXPECT("2.0.0", "semver", 1, str("2"));
    EXPECT_ERR("Invalid Semantic Version", "semver", 1, str("1.2.3.4"));
    EXPECT_ERR("Version segment starts with 0", "semver", 1, str("1.0.0-01"));
    EXPECT_ERR("value out of range", "semver", 1,
               str("99999999999999999999.0.0"));
    assert_string_equal(render("{{ (semver \"1.2.3\").Major }} "
                               "{{ (semver \"1.2.3\").Compare "
                               "(semver \"1.3.0\") }} "
                               "{{ (semver \"1.3.0\").GreaterThan "
                               "(semver \"1.2.3\") }} {{ semver \"v2.0\" }}"),
                        "1 -1 true 2.0.0");
    assert_string_equal(render("{{ (semver \"v1.2.3-rc.1\").IncPatch }} "
                               "{{ (semver \"v1.2.3\").IncPatch.Original }} "
                               "{{ (semver \"1.2.3\").IncMinor }} "
                               "{{ (semver \"1.2.3\").IncMajor.Major }}"),
                        "1.2.3 v1.2.4 1.3.0 2");
}

/* ---- regex ---- */

static void test_regex_find(void **state)
{
    (void)state;
    EXPECT("true", "regexMatch", 2, str("^[a-z]+$"), str("abc"));
    EXPECT("false", "regexMatch", 2, str("("), str("x"));
    EXPECT_ERR("missing closing )", "mustRegexMatch", 2, str("("), str("x"));
    EXPECT("[1 22 333]", "regexFindAll", 3, str("[0-9]+"), str("a1b22c333"),
           val_int(-1));
    EXPECT("[1 22]", "regexFindAll", 3, str("[0-9]+"), str("a1b22c333"),
           val_int(2));
    EXPECT("[]", "regexFindAll", 3, str("x"), str("abc"), val_int(-1));
    EXPECT("[ aaa ]", "regexFindAll", 3, str("a*"), str("baaac"), val_int(-1));
    EXPECT("[É é]", "regexFindAll", 3, str("(?i)é"), str("Éé"), val_int(-1));
    EXPECT("1", "regexFind", 2, str("[0-9]+"), str("a1b22"));
    EXPECT("", "regexFind", 2, str("z"), str("abc"));
    EXPECT_ERR("regexp: Compile(`(`): error parsing regexp: missing "
               "closing ): `(`",
               "regexFind", 2, str("("), str("a"));
    /* Go's $ is the end of text, \s has no \v, (?m)^ matches after a
     * final newline */
    EXPECT("false", "regexMatch", 2, str("^a$"), str("a\n"));
    EXPECT("false", "regexMatch", 2, str("\\s"), str("\v"));
    EXPECT("[ ]", "regexFindAll", 3, str("(?m)^"), str("a\n"), val_int(-1));
    EXPECT("true", "regexMatch", 2,
           str("^\\x41\\101\\Q.*\\E[[:alpha:]\\d-]"
               "{2,}\\z"),
           str("AA.*b-"));
}

static void test_regex_replace_split(void **state)
{
    (void)state;
    EXPECT("-W-xxW-", "regexReplaceAll", 3, str("a(x*)b"), str("-ab-axxb-"),
           str("${1}W"));
    EXPECT("--", "regexReplaceAll", 3, str("a(x*)b"), str("-ab-"), str("$1W"));
    EXPECT("XbXcX", "regexReplaceAll", 3, str("a*"), str("baaac"), str("X"));
    EXPECT("x:joe $ $ y:bob $ $", "regexReplaceAll", 3,
           str("(?P<w>\\w+)@(?P<d>\\w+)"), str("joe@x bob@y"),
           str("${d}:$w $$ $"));
    /* unbraced names run over Unicode letters and digits only */
    EXPECT("-[x—|x]-", "regexReplaceAll", 3, str("(?P<a>x)"), str("-x-"),
           str("[$a—$aé|${a}]"));
    /* invalid bytes match as U+FFFD and come back unchanged */
    EXPECT("xxx", "regexReplaceAll", 3, str("."), str("a\xff\xfe"), str("x"));
    EXPECT("a-b", "regexReplaceAll", 3, str("\xef\xbf\xbd"),
           str("a\xff"
               "b"),
           str("-"));
    EXPECT("[\xff \xfe]", "regexFindAll", 3, str("[^a]"),
           str("\xff"
               "a\xfe"),
           val_int(-1));
    EXPECT("[a\xff"
           " b]",
           "regexSplit", 3, str("-"),
           str("a\xff"
               "-b"),
           val_int(-1));
    /* Go allows a name twice; $x is the first such group that matched */
    EXPECT("byebyebye", "regexReplaceAll", 3, str("(?P<x>hi)|(?P<x>bye)"),
           str("bye"), str("$x$x$x"));
    EXPECT("-${1}-${1}-", "regexReplaceAllLiteral", 3, str("a(x*)b"),
           str("-ab-axxb-"), str("${1}"));
    EXPECT("[pizza]", "regexSplit", 3, str("z+"), str("pizza"), val_int(1));
    EXPECT("[a b,,c]", "regexSplit", 3, str(","), str("a,b,,c"), val_int(2));
    EXPECT("[a b c]", "regexSplit", 3, str(""), str("abc"), val_int(-1));
    EXPECT("[]", "regexSplit", 3, str(","), str(""), val_int(-1));
    EXPECT("[]", "regexSplit", 3, str(","), str("a,b"), val_int(0));
    EXPECT("1\\.2\\.3\\[\\]", "regexQuoteMeta", 1, str("1.2.3[]"));
}

static void test_regex_errors(void **state)
{
    (void)state;
    static const struct {
        const char *re, *msg;
    } cases[] = {
        {"\\1", "invalid escape sequence: `\\1`"},
        {"\\Z", "invalid escape sequence: `\\Z`"},
        {"a**", "invalid nested repetition operator: `**`"},
        {"x{2}{3}", "invalid nested repetition operator: `{2}{3}`"},
        {"*", "missing argument to repetition operator: `*`"},
        {"a{1001}", "invalid repeat count: `{1001}`"},
        {"(?=a)", "invalid or unsupported Perl syntax: `(?=`"},
        {")", "unexpected ): `)`"},
        {"[a", "missing closing ]: `[a`"},
        {"[z-a]", "invalid character class range: `z-a`"},
        {"(?P<>a)", "invalid named capture: `(?P<>`"},
        {"a*+", "invalid nested repetition operator: `*+`"},
        {"\\x", "invalid escape sequence: `\\x`"},
        {"(abc", "missing closing ): `(abc`"},
        {"x[a-z", "missing closing ]: `[a-z`"},
        {"(?P<a-b>a)", "invalid named capture: `(?P<a-b>`"},
        {"a\\", "trailing backslash at end of expression"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        EXPECT_ERR(cases[i].msg, "mustRegexMatch", 2, str(cases[i].re),
                   str("a"));
    static const char *const good[] = {
        "",
        ".",
        "^.$",
        "a*|b*",
        "(a*|b)(c*|d)",
        "[a-abc-c\\-\\]\\[]",
        "[^\\n]",
        "\\!\\\\",
        "(?i:a)(?-s)",
        "(?P<x>a)|(?P<x>b)",
        "[[:^alpha:]\\pL]",
        "^*$+",
        "\\Q*\\E+",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        struct val out;
        int rc = invoke("mustRegexMatch", &out, 2, str(good[i]), str("a"));
        if (rc)
            fail_msg("%s: %s", good[i], err.msg);
    }
}

/* ---- dates ---- */

static struct val at(int64_t unix, const char *zone)
{
    struct val_time *t = gotime_in(&arena, unix, 0, zone, &err);
    assert_non_null(t);
    return val_time(t);
}

static void test_dates(void **state)
{
    (void)state;
    EXPECT("1970-01-01", "date", 2, str("2006-01-02"), val_int(0));
    EXPECT("2023-11-14T22:13:20Z", "date", 2, str(GOTIME_RFC3339),
           val_int_t(1700000000, GT_INT64));
    EXPECT("1970-01-01", "date", 2, str("2006-01-02"), val_int_t(5, GT_INT32));
    /* a float64 (JSON number) means now, and now is fixed here */
    EXPECT("2023-11-14", "date", 2, str("2006-01-02"), val_float(0));
    EXPECT("2023-11-15 07:13 JST", "dateInZone", 3, str("2006-01-02 15:04 MST"),
           val_int_t(1700000000, GT_INT64), str("Asia/Tokyo"));
    EXPECT("22:13", "date_in_zone", 3, str("15:04"),
           val_int_t(1700000000, GT_INT64), str("Not/AZone"));
    EXPECT("2023-11-14", "htmlDate", 1, at(1700000000, "UTC"));
    EXPECT("2023-11-14", "htmlDateInZone", 2, at(1700000000, "UTC"),
           str("Europe/Paris"));
    EXPECT("2024-02-29 00:00:00 +0000 UTC", "toDate", 2, str("2006-01-02"),
           str("2024-02-29"));
    EXPECT("0001-01-01 00:00:00 +0000 UTC", "toDate", 2, str("2006-01-02"),
           str("bad"));
    EXPECT_ERR("cannot parse", "mustToDate", 2, str("2006-01-02"), str("bad"));
    EXPECT("1970-01-01 01:30:00 +0000 UTC", "dateModify", 2, str("1.5h"),
           at(0, "UTC"));
    EXPECT("1970-01-01 00:00:00 +0000 UTC", "date_modify", 2, str("bad"),
           at(0, "UTC"));
    EXPECT_ERR("time: invalid duration \"bad\"", "mustDateModify", 2,
               str("bad"), at(0, "UTC"));
    EXPECT("1700000000", "unixEpoch", 1, at(1700000000, "UTC"));
    EXPECT("1h0m0s", "ago", 1, val_int_t(1699996400, GT_INT64));
}

static void test_durations(void **state)
{
    (void)state;
    EXPECT("0s", "duration", 1, val_int(90));
    EXPECT("1m30s", "duration", 1, val_int_t(90, GT_INT64));
    EXPECT("1h0m0s", "duration", 1, str("3600"));
    EXPECT("0s", "duration", 1, str("x"));
    EXPECT("0s", "duration", 1, val_float(60));
    EXPECT("2h", "durationRound", 1, str("2h10m5s"));
    EXPECT("1d", "durationRound", 1, str("26h"));
    EXPECT("3mo", "durationRound", 1, str("2400h10m5s"));
    EXPECT("1y", "durationRound", 1, str("8760h1m"));
    EXPECT("12mo", "durationRound", 1, str("8760h"));
    EXPECT("1h", "durationRound", 1, str("-90m"));
    EXPECT("0s", "durationRound", 1, str("bad"));
    EXPECT("0s", "durationRound", 1, str("1s"));
    EXPECT("2s", "durationRound", 1, val_int_t(2500000000, GT_INT64));
    EXPECT("1h", "durationRound", 1, at(1700000000 - 3601, "UTC"));
}

/* ---- network ---- */

static void test_network(void **state)
{
    (void)state;
    EXPECT("127.0.0.1", "getHostByName", 1, str("127.0.0.1"));
    EXPECT("::1", "getHostByName", 1, str("::1"));
    EXPECT_ERR("invalid argument to Intn", "getHostByName", 1, str(""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_strings),
        cmocka_unit_test(test_random_bytes_ints),
        cmocka_unit_test(test_shuffle),
        cmocka_unit_test(test_uuid),
        cmocka_unit_test(test_hashes),
        cmocka_unit_test(test_bcrypt),
        cmocka_unit_test(test_derive_password),
        cmocka_unit_test(test_aes),
        cmocka_unit_test(test_private_keys),
        cmocka_unit_test(test_certs),
        cmocka_unit_test(test_certs_with_key),
        cmocka_unit_test(test_cert_key_types),
        cmocka_unit_test(test_cert_templates),
        cmocka_unit_test(test_semver_compare),
        cmocka_unit_test(test_semver_object),
        cmocka_unit_test(test_regex_find),
        cmocka_unit_test(test_regex_replace_split),
        cmocka_unit_test(test_regex_errors),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_network),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
