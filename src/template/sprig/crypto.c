/*
 * crypto.c: sprig's hashing and crypto functions: sha1sum, sha256sum,
 * sha512sum, adler32sum, bcrypt, htpasswd, derivePassword, encryptAES,
 * decryptAES, genPrivateKey, uuidv4, and the private-key PEM helpers the
 * certificate functions (certs.c) share.
 *
 * OpenSSL's libcrypto does the primitives and libcrypt the bcrypt hashing
 * ("$2a$10$..." as Go's x/crypto/bcrypt writes it).  Everything that can
 * fail in upstream without an error return (bcrypt, derivePassword,
 * genPrivateKey) reports the failure in its result string, as upstream
 * does; decryptAES's missing checks (short or ragged input, bad padding)
 * are Go runtime panics there and exec errors here.  libcrypt hashes C
 * strings, so bcrypt/htpasswd stop at a NUL byte in the password where Go
 * would hash all of it.
 */
#include "sprig_int.h"

#include "../../core/arena.h"
#include "../../core/buf.h"
#include "../../core/codec.h"
#include "../../core/err.h"

#include <crypt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

/* ---- digests ---- */

static int hex_digest(struct tpl_fcall *c, const EVP_MD *md, struct val s,
                      struct val *out)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    static const char hex[] = "0123456789abcdef";
    if (!EVP_Digest(val_str_ptr(s), val_str_len(s), d, &n, md, NULL))
        return sprig_fail(c, "digest failed");
    char *p = arena_alloc(c->arena, 2 * n + 1);
    if (!p)
        return sprig_nomem(c);
    for (unsigned int i = 0; i < n; i++) {
        p[2 * i] = hex[d[i] >> 4];
        p[2 * i + 1] = hex[d[i] & 15];
    }
    p[2 * n] = '\0';
    *out = val_str(p, 2 * n);
    return RN_OK;
}

static int f_sha1sum(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    (void)argc;
    return hex_digest(c, EVP_sha1(), argv[0], out);
}

static int f_sha256sum(struct tpl_fcall *c, const struct val *argv, int argc,
                       struct val *out)
{
    (void)argc;
    return hex_digest(c, EVP_sha256(), argv[0], out);
}

static int f_sha512sum(struct tpl_fcall *c, const struct val *argv, int argc,
                       struct val *out)
{
    (void)argc;
    return hex_digest(c, EVP_sha512(), argv[0], out);
}

/* adler32sum s: the Adler-32 checksum in decimal. */
static int f_adler32sum(struct tpl_fcall *c, const struct val *argv, int argc,
                        struct val *out)
{
    const unsigned char *s = (const unsigned char *)val_str_ptr(argv[0]);
    size_t n = val_str_len(argv[0]);
    uint32_t a = 1, b = 0;
    char num[16];
    (void)argc;
    for (size_t i = 0; i < n; i++) {
        a = (a + s[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    int len = snprintf(num, sizeof num, "%u", (unsigned)(b << 16 | a));
    return sprig_out_str(c, num, (size_t)len, out);
}

/* ---- bcrypt, htpasswd ---- */

#define BCRYPT_COST 10
#define BCRYPT_MAX_PASSWORD 72

/* Go's bcrypt.GenerateFromPassword at the default cost, or upstream's
 * "failed to encrypt string with bcrypt: ..." text. */
static int bcrypt_hash(struct tpl_fcall *c, struct val pw, struct buf *b)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data *cd;
    if (val_str_len(pw) > BCRYPT_MAX_PASSWORD)
        return buf_add_str(b, "failed to encrypt string with bcrypt: "
                              "bcrypt: password length exceeds 72 bytes");
    if (!crypt_gensalt_rn("$2a$", BCRYPT_COST, NULL, 0, salt, sizeof salt))
        return buf_add_str(b, "failed to encrypt string with bcrypt: "
                              "no salt");
    cd = arena_zalloc(c->arena, sizeof *cd);
    if (!cd)
        return RN_ENOMEM;
    const char *h = crypt_r(val_str_ptr(pw), salt, cd);
    if (!h || h[0] == '*')
        return buf_add_str(b, "failed to encrypt string with bcrypt: "
                              "hashing failed");
    return buf_add_str(b, h);
}

static int f_bcrypt(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    struct buf b;
    (void)argc;
    buf_init(&b, 4096);
    return sprig_out_buf(c, &b, bcrypt_hash(c, argv[0], &b), out);
}

/* htpasswd user password: "user:<bcrypt>", or upstream's complaint about a
 * colon in the user name. */
static int f_htpasswd(struct tpl_fcall *c, const struct val *argv, int argc,
                      struct val *out)
{
    struct buf b;
    const char *u = val_str_ptr(argv[0]);
    size_t un = val_str_len(argv[0]);
    int rc;
    (void)argc;
    buf_init(&b, 4096);
    if (memchr(u, ':', un)) {
        rc = buf_add_str(&b, "invalid username: ");
        rc = rc ? rc : buf_add(&b, u, un);
    } else {
        rc = buf_add(&b, u, un);
        rc = rc ? rc : buf_add_char(&b, ':');
        rc = rc ? rc : bcrypt_hash(c, argv[1], &b);
    }
    return sprig_out_buf(c, &b, rc, out);
}

/* ---- derivePassword (the Master Password algorithm) ---- */

#define MP_SEED "com.lyndir.masterpassword"

static const char *const mp_maximum[] = {"anoxxxxxxxxxxxxxxxxx",
                                         "axxxxxxxxxxxxxxxxxno"};
static const char *const mp_long[] = {
    "CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv",
    "CvccCvcvnoCvcv", "CvccCvcvCvcvno", "CvcvnoCvccCvcv", "CvcvCvccnoCvcv",
    "CvcvCvccCvcvno", "CvcvnoCvcvCvcc", "CvcvCvcvnoCvcc", "CvcvCvcvCvccno",
    "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno", "CvcvnoCvccCvcc",
    "CvcvCvccnoCvcc", "CvcvCvccCvccno", "CvccnoCvcvCvcc", "CvccCvcvnoCvcc",
    "CvccCvcvCvccno",
};
static const char *const mp_medium[] = {"CvcnoCvc", "CvcCvcno"};
static const char *const mp_short[] = {"Cvcn"};
static const char *const mp_basic[] = {"aaanaaan", "aannaaan", "aaannaaa"};
static const char *const mp_pin[] = {"nnnn"};

static const struct {
    const char *name;
    const char *const *tpl;
    size_t n;
} mp_types[] = {
    {"maximum", mp_maximum, 2}, {"long", mp_long, 21},
    {"medium", mp_medium, 2},   {"short", mp_short, 1},
    {"basic", mp_basic, 3},     {"pin", mp_pin, 1},
};

static const char *mp_chars(char cls)
{
    switch (cls) {
    case 'V':
        return "AEIOU";
    case 'C':
        return "BCDFGHJKLMNPQRSTVWXYZ";
    case 'v':
        return "aeiou";
    case 'c':
        return "bcdfghjklmnpqrstvwxyz";
    case 'A':
        return "AEIOUBCDFGHJKLMNPQRSTVWXYZ";
    case 'a':
        return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
    case 'n':
        return "0123456789";
    case 'o':
        return "@&%?,=[]_:-+*$#!'^~;()/.";
    default:
        return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"
               "0123456789!@#$%^&*()";
    }
}

/* seed || be32(len(s)) || s [|| be32(counter)] into b. */
static int mp_scope(struct buf *b, struct val s, const uint32_t *counter)
{
    uint32_t n = (uint32_t)val_str_len(s);
    unsigned char be[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                           (unsigned char)(n >> 8), (unsigned char)n};
    buf_reset(b);
    if (buf_add_str(b, MP_SEED) || buf_add(b, be, 4) ||
        buf_add(b, val_str_ptr(s), val_str_len(s)))
        return RN_ENOMEM;
    if (!counter)
        return RN_OK;
    n = *counter;
    unsigned char bc[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                           (unsigned char)(n >> 8), (unsigned char)n};
    return buf_add(b, bc, 4) ? RN_ENOMEM : RN_OK;
}

/* The HMAC seed: scrypt(password, scope(user)) keys an HMAC-SHA256 of
 * scope(site) || counter. */
static int mp_seed(struct val pw, struct val user, struct val site,
                   uint32_t counter, unsigned char seed[32])
{
    unsigned char key[64];
    unsigned int slen = 32;
    struct buf b;
    int rc = RN_ENOMEM;
    buf_init(&b, 1u << 20);
    if (mp_scope(&b, user, NULL))
        goto out;
    rc = RN_EEXEC;
    if (!EVP_PBE_scrypt(val_str_ptr(pw), val_str_len(pw),
                        (const unsigned char *)buf_str(&b), b.len, 32768, 8, 2,
                        64u << 20, key, sizeof key))
        goto out;
    rc = RN_ENOMEM;
    if (mp_scope(&b, site, &counter))
        goto out;
    rc = HMAC(EVP_sha256(), key, sizeof key, (const unsigned char *)buf_str(&b),
              b.len, seed, &slen)
             ? RN_OK
             : RN_EEXEC;
out:
    buf_free(&b);
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

/* derivePassword counter type password user site */
static int f_derive_password(struct tpl_fcall *c, const struct val *argv,
                             int argc, struct val *out)
{
    unsigned char seed[32];
    size_t t = 0;
    (void)argc;
    while (t < sizeof mp_types / sizeof *mp_types &&
           (strlen(mp_types[t].name) != val_str_len(argv[1]) ||
            memcmp(mp_types[t].name, val_str_ptr(argv[1]),
                   val_str_len(argv[1])) != 0))
        t++;
    if (t == sizeof mp_types / sizeof *mp_types) {
        char *m = arena_printf(c->arena, "cannot find password template %.*s",
                               (int)val_str_len(argv[1]), val_str_ptr(argv[1]));
        return m ? sprig_out_str(c, m, strlen(m), out) : sprig_nomem(c);
    }
    int rc =
        mp_seed(argv[2], argv[3], argv[4], (uint32_t)val_int_of(argv[0]), seed);
    if (rc == RN_ENOMEM)
        return sprig_nomem(c);
    if (rc)
        return sprig_out_str(c, "failed to derive password: scrypt", 33, out);
    const char *tpl = mp_types[t].tpl[seed[0] % mp_types[t].n];
    size_t n = strlen(tpl);
    char pw[32];
    for (size_t i = 0; i < n; i++) {
        const char *chars = mp_chars(tpl[i]);
        pw[i] = chars[seed[i + 1] % strlen(chars)];
    }
    return sprig_out_str(c, pw, n, out);
}

/* ---- encryptAES, decryptAES ---- */

#define AES_BLOCK 16

/* The AES-256 key: the password's first 32 bytes, zero padded. */
static void aes_key(struct val pw, unsigned char key[32])
{
    size_t n = val_str_len(pw) < 32 ? val_str_len(pw) : 32;
    memset(key, 0, 32);
    memcpy(key, val_str_ptr(pw), n);
}

/* AES-256-CBC over whole blocks (no padding by OpenSSL). */
static int aes_cbc(const unsigned char key[32], const unsigned char *iv,
                   const unsigned char *in, size_t n, unsigned char *out,
                   int enc)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int len = 0,
        ok = x && EVP_CipherInit_ex(x, EVP_aes_256_cbc(), NULL, key, iv, enc);
    ok = ok && EVP_CIPHER_CTX_set_padding(x, 0);
    ok = ok && (n == 0 || EVP_CipherUpdate(x, out, &len, in, (int)n));
    EVP_CIPHER_CTX_free(x);
    return ok ? 0 : -1;
}

/* encryptAES password text: base64(IV || AES-256-CBC(PKCS#7(text))). */
static int f_encrypt_aes(struct tpl_fcall *c, const struct val *argv, int argc,
                         struct val *out)
{
    unsigned char key[32];
    size_t n = val_str_len(argv[1]);
    (void)argc;
    if (n == 0)
        return sprig_out_str(c, "", 0, out);
    size_t pad = AES_BLOCK - n % AES_BLOCK, total = AES_BLOCK + n + pad;
    unsigned char *buf = arena_alloc(c->arena, total);
    char *enc = arena_alloc(c->arena, codec_b64_len(total, 0) + 1);
    if (!buf || !enc)
        return sprig_nomem(c);
    memcpy(buf + AES_BLOCK, val_str_ptr(argv[1]), n);
    memset(buf + AES_BLOCK + n, (int)pad, pad);
    aes_key(argv[0], key);
    if (RAND_bytes(buf, AES_BLOCK) != 1 ||
        aes_cbc(key, buf, buf + AES_BLOCK, n + pad, buf + AES_BLOCK, 1))
        return sprig_fail(c, "crypto: AES encryption failed");
    *out = val_str(enc, codec_b64_encode(enc, buf, total, 0));
    return RN_OK;
}

/* decryptAES password base64: the inverse of encryptAES.  Upstream does
 * not check lengths or padding; what panics there fails here. */
static int f_decrypt_aes(struct tpl_fcall *c, const struct val *argv, int argc,
                         struct val *out)
{
    unsigned char key[32];
    size_t n = val_str_len(argv[1]);
    (void)argc;
    if (n == 0)
        return sprig_out_str(c, "", 0, out);
    unsigned char *raw = arena_alloc(c->arena, n + 1);
    if (!raw)
        return sprig_nomem(c);
    size_t len, bad;
    if (codec_b64_decode(val_str_ptr(argv[1]), n, 0, raw, &len, &bad))
        return sprig_fail(c, "illegal base64 data at input byte %zu", bad);
    if (len < AES_BLOCK)
        return sprig_fail(c,
                          "runtime error: slice bounds out of range "
                          "[:16] with capacity %zu",
                          len);
    size_t body = len - AES_BLOCK;
    if (body % AES_BLOCK)
        return sprig_fail(c, "crypto/cipher: input not full blocks");
    if (body == 0)
        return sprig_fail(c, "runtime error: index out of range [-1]");
    unsigned char *plain = arena_alloc(c->arena, body + 1);
    if (!plain)
        return sprig_nomem(c);
    aes_key(argv[0], key);
    if (aes_cbc(key, raw, raw + AES_BLOCK, body, plain, 0))
        return sprig_fail(c, "crypto: AES decryption failed");
    size_t pad = plain[body - 1];
    if (pad > body)
        return sprig_fail(c,
                          "runtime error: slice bounds out of range "
                          "[:%ld]",
                          (long)body - (long)pad);
    return sprig_out_str(c, (const char *)plain, body - pad, out);
}

/* ---- private keys ---- */

/* Upstream's pemBlockForKey: RSA as PKCS#1 "RSA PRIVATE KEY", ECDSA as
 * SEC 1 "EC PRIVATE KEY", DSA as "DSA PRIVATE KEY", others (Ed25519) as
 * PKCS#8 "PRIVATE KEY". */
int sprig_key_pem(struct buf *b, struct evp_pkey_st *k)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *p;
    int ok, id = EVP_PKEY_get_base_id(k);
    if (!bio)
        return RN_ENOMEM;
    if (id == EVP_PKEY_RSA || id == EVP_PKEY_EC || id == EVP_PKEY_DSA)
        ok = PEM_write_bio_PrivateKey_traditional(bio, k, NULL, NULL, 0, NULL,
                                                  NULL);
    else
        ok = PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL);
    long n = BIO_get_mem_data(bio, &p);
    int rc = ok && n >= 0 ? buf_add(b, p, (size_t)n) : RN_EEXEC;
    BIO_free(bio);
    return rc;
}

/* The key in DER bytes of PEM type `type`; message in err on failure. */
static EVP_PKEY *key_from_der(const char *type, const unsigned char *der,
                              long n, char *err, size_t errsz)
{
    const unsigned char *p = der;
    size_t tn = strlen(type);
    if (strcmp(type, "PRIVATE KEY") == 0) {
        PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, n);
        EVP_PKEY *k = p8 ? EVP_PKCS82PKEY(p8) : NULL;
        PKCS8_PRIV_KEY_INFO_free(p8);
        if (!k)
            snprintf(err, errsz,
                     "decoding PEM as PKCS#8: asn1: structure "
                     "error");
        return k;
    }
    if (tn < 12 || strcmp(type + tn - 12, " PRIVATE KEY") != 0) {
        snprintf(err, errsz, "no private key data in PEM block of type %s",
                 type);
        return NULL;
    }
    static const struct {
        const char *name;
        int id;
    } kinds[] = {
        {"RSA", EVP_PKEY_RSA}, {"EC", EVP_PKEY_EC}, {"DSA", EVP_PKEY_DSA}};
    for (size_t i = 0; i < 3; i++) {
        if (strlen(kinds[i].name) != tn - 12 ||
            memcmp(kinds[i].name, type, tn - 12) != 0)
            continue;
        EVP_PKEY *k = d2i_PrivateKey(kinds[i].id, NULL, &p, n);
        if (!k)
            snprintf(err, errsz,
                     "parsing %s private key from PEM: asn1: "
                     "structure error",
                     kinds[i].name);
        return k;
    }
    snprintf(err, errsz, "invalid private key type %s", type);
    return NULL;
}

/* Upstream's parsePrivateKeyPEM: the first PEM block of pem[0..n). */
struct evp_pkey_st *sprig_key_parse(const char *pem, size_t n, char *err,
                                    size_t errsz)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)n);
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    long len = 0;
    EVP_PKEY *k = NULL;
    if (!bio || !PEM_read_bio(bio, &name, &header, &der, &len))
        snprintf(err, errsz, "no PEM data in input");
    else
        k = key_from_der(name, der, len, err, errsz);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);
    BIO_free(bio);
    return k;
}

/* A DSA key with fresh L=2048, N=256 parameters. */
static EVP_PKEY *dsa_keygen(void)
{
    EVP_PKEY *params = NULL, *k = NULL;
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
    if (pc && EVP_PKEY_paramgen_init(pc) > 0 &&
        EVP_PKEY_CTX_set_dsa_paramgen_bits(pc, 2048) > 0 &&
        EVP_PKEY_CTX_set_dsa_paramgen_q_bits(pc, 256) > 0)
        EVP_PKEY_paramgen(pc, &params);
    EVP_PKEY_CTX_free(pc);
    EVP_PKEY_CTX *kc = params ? EVP_PKEY_CTX_new(params, NULL) : NULL;
    if (kc && EVP_PKEY_keygen_init(kc) > 0)
        EVP_PKEY_keygen(kc, &k);
    EVP_PKEY_CTX_free(kc);
    EVP_PKEY_free(params);
    return k;
}

/* genPrivateKey type: "rsa" (or ""), "dsa", "ecdsa" or "ed25519" as PEM;
 * upstream's "Unknown type X" otherwise. */
static int f_gen_private_key(struct tpl_fcall *c, const struct val *argv,
                             int argc, struct val *out)
{
    /* a NUL byte makes any name unknown */
    const char *t = strlen(val_str_ptr(argv[0])) == val_str_len(argv[0])
                        ? val_str_ptr(argv[0])
                        : "?";
    EVP_PKEY *k = NULL;
    struct buf b;
    (void)argc;
    if (!*t || strcmp(t, "rsa") == 0)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
    else if (strcmp(t, "dsa") == 0)
        k = dsa_keygen();
    else if (strcmp(t, "ecdsa") == 0)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    else if (strcmp(t, "ed25519") == 0)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    else {
        struct val name = argv[0];
        buf_init(&b, 1u << 16);
        int rc = buf_add_str(&b, "Unknown type ");
        rc = rc ? rc : buf_add(&b, val_str_ptr(name), val_str_len(name));
        return sprig_out_buf(c, &b, rc, out);
    }
    if (!k)
        return sprig_out_str(c, "failed to generate private key", 30, out);
    buf_init(&b, 1u << 16);
    int rc = sprig_key_pem(&b, k);
    EVP_PKEY_free(k);
    return sprig_out_buf(c, &b, rc, out);
}

/* uuidv4: a random (version 4, RFC 4122 variant) UUID. */
static int f_uuidv4(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    unsigned char u[16];
    char s[37];
    (void)argv;
    (void)argc;
    if (RAND_bytes(u, sizeof u) != 1)
        return sprig_fail(c, "crypto/rand: read failed");
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            s[o++] = '-';
        o += (size_t)snprintf(s + o, sizeof s - o, "%02x", u[i]);
    }
    return sprig_out_str(c, s, o, out);
}

static const struct tpl_func_def crypto_funcs[] = {
    {"sha1sum", f_sha1sum, "s", NULL},
    {"sha256sum", f_sha256sum, "s", NULL},
    {"sha512sum", f_sha512sum, "s", NULL},
    {"adler32sum", f_adler32sum, "s", NULL},
    {"bcrypt", f_bcrypt, "s", NULL},
    {"htpasswd", f_htpasswd, "ss", NULL},
    {"derivePassword", f_derive_password, "Ussss", NULL},
    {"encryptAES", f_encrypt_aes, "ss", NULL},
    {"decryptAES", f_decrypt_aes, "ss", NULL},
    {"genPrivateKey", f_gen_private_key, "s", NULL},
    {"uuidv4", f_uuidv4, "", NULL},
};

SPRIG_GROUP(crypto, crypto_funcs);
