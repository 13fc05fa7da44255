/*
 * certs.c: sprig's certificate functions (buildCustomCert, genCA,
 * genCAWithKey, genSelfSignedCert, genSelfSignedCertWithKey,
 * genSignedCert, genSignedCertWithKey) on OpenSSL.
 *
 * Each returns upstream's certificate struct as a GT_STRUCT
 * "sprig.certificate" with the PEM texts in Cert and Key, so `.Cert` and
 * `.Key` work in templates and the value can be handed back to
 * genSignedCert as its CA.  Certificates carry what Go's x509 writes for
 * upstream's template: a random 128-bit serial, CN only, validity from now
 * for daysValid days, critical key usage (digital signature, key
 * encipherment, plus cert signing for a CA), server+client auth extended
 * usage, critical basic constraints, the SANs given, a subject key id on
 * CAs and the issuer's key id on signed certificates.  New keys are RSA
 * 2048; RSA and ECDSA sign with SHA-256 (SHA-384/512 for P-384/P-521),
 * Ed25519 purely, and DSA keys fail as they do in Go.
 */
#include "sprig_int.h"

#include "../../core/arena.h"
#include "../../core/buf.h"
#include "../../core/codec.h"
#include "../../core/err.h"
#include "../../core/gofmt.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#define CERT_TYPE "sprig.certificate"

/* What a certificate is made from. */
struct cert_spec {
    struct val cn, ips, dns;
    int64_t days;
    bool is_ca;
};

/* The issuer: its certificate (NULL = self-signed) and key. */
struct cert_signer {
    X509 *cert;
    EVP_PKEY *key;
};

/* ---- results ---- */

static int put(struct tpl_fcall *c, struct val_obj *o, const char *key,
               struct val v)
{
    return sprig_obj_put(c, o, val_str(key, strlen(key)), v);
}

static int cert_result(struct tpl_fcall *c, struct val cert, struct val key,
                       struct val *out)
{
    struct val_obj *o = sprig_obj_alloc(c, 3);
    if (!o || put(c, o, "", val_str(CERT_TYPE, strlen(CERT_TYPE))) ||
        put(c, o, "Cert", cert) || put(c, o, "Key", key))
        return sprig_nomem(c);
    *out = val_obj(o, GT_STRUCT);
    return RN_OK;
}

/* ---- inputs ---- */

/* Go's pem.Decode + x509.ParseCertificate of the first PEM block. */
static X509 *cert_parse(const char *pem, size_t n)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)n);
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    long len = 0;
    X509 *x = NULL;
    if (bio && PEM_read_bio(bio, &name, &header, &der, &len)) {
        const unsigned char *p = der;
        x = d2i_X509(NULL, &p, len);
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);
    BIO_free(bio);
    return x;
}

/* %v of a list item, for the "is not a string" messages. */
static const char *item_text(struct tpl_fcall *c, struct val v)
{
    struct buf b;
    buf_init(&b, 1024);
    const char *s = gofmt_value(&b, v) ? "?" : buf_str(&b);
    s = arena_strdup(c->arena, s);
    buf_free(&b);
    return s ? s : "?";
}

/* One SAN entry: an iPAddress (4 or 16 bytes) or a dNSName; NULL on
 * OOM. */
static GENERAL_NAME *san_entry(int type, const void *data, size_t len)
{
    GENERAL_NAME *g = GENERAL_NAME_new();
    ASN1_STRING *s = ASN1_STRING_type_new(
        type == GEN_IPADD ? V_ASN1_OCTET_STRING : V_ASN1_IA5STRING);
    if (!g || !s || !ASN1_STRING_set(s, data, (int)len)) {
        GENERAL_NAME_free(g);
        ASN1_STRING_free(s);
        return NULL;
    }
    GENERAL_NAME_set0_value(g, type, s);
    return g;
}

/* The SAN entry for v, an IP address (ip) or a DNS name, or Go's error. */
static int san_item(struct tpl_fcall *c, struct val v, bool ip,
                    GENERAL_NAME **g)
{
    unsigned char addr[16];
    if (val_kind(v) != VAL_STRING && ip)
        return sprig_fail(c, "error parsing ip: %s is not a string",
                          item_text(c, v));
    if (val_kind(v) != VAL_STRING)
        return sprig_fail(c,
                          "error processing alternate dns name: %s is "
                          "not a string",
                          item_text(c, v));
    bool nul = strlen(val_str_ptr(v)) != val_str_len(v);
    if (!ip)
        *g = san_entry(GEN_DNS, val_str_ptr(v), val_str_len(v));
    else if (nul)
        return sprig_fail(c, "error parsing ip: %s", val_str_ptr(v));
    else if (inet_pton(AF_INET, val_str_ptr(v), addr) == 1)
        *g = san_entry(GEN_IPADD, addr, 4);
    else if (inet_pton(AF_INET6, val_str_ptr(v), addr) == 1)
        *g = san_entry(GEN_IPADD, addr, 16);
    else
        return sprig_fail(c, "error parsing ip: %s", val_str_ptr(v));
    return *g ? RN_OK : sprig_nomem(c);
}

/* The SAN extension from the ips and dns lists; *out NULL when both are
 * empty.  The IPs are checked first, as upstream does, but the names go
 * first in the extension, as Go's x509 writes them. */
static int san_build(struct tpl_fcall *c, const struct cert_spec *sp,
                     GENERAL_NAMES **out)
{
    size_t nip = val_list_len(sp->ips), n = nip + val_list_len(sp->dns);
    GENERAL_NAMES *gens = n ? sk_GENERAL_NAME_new_null() : NULL;
    *out = NULL;
    if (n && !gens)
        return sprig_nomem(c);
    for (size_t i = 0; i < n; i++) {
        GENERAL_NAME *g = NULL;
        bool ip = i < nip;
        int rc = san_item(
            c, ip ? val_list_at(sp->ips, i) : val_list_at(sp->dns, i - nip), ip,
            &g);
        /* names are inserted before the IPs */
        if (!rc &&
            sk_GENERAL_NAME_insert(gens, g, ip ? -1 : (int)(i - nip)) <= 0) {
            GENERAL_NAME_free(g);
            rc = sprig_nomem(c);
        }
        if (rc) {
            GENERAL_NAMES_free(gens);
            return rc;
        }
    }
    *out = gens;
    return RN_OK;
}

/* ---- building ---- */

static int add_ext(X509 *x, int nid, bool critical, void *value)
{
    return value && X509_add1_ext_i2d(x, nid, value, critical ? 1 : 0,
                                      X509V3_ADD_DEFAULT) == 1
               ? 0
               : -1;
}

/* keyUsage, extKeyUsage, basicConstraints (and subjectKeyIdentifier on a
 * CA, authorityKeyIdentifier under a CA that has one). */
static int add_usage(X509 *x, const struct cert_spec *sp, X509 *issuer)
{
    ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
    EXTENDED_KEY_USAGE *eku = sk_ASN1_OBJECT_new_null();
    BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
    int rc = -1;
    if (!ku || !eku || !bc || !ASN1_BIT_STRING_set_bit(ku, 0, 1) ||
        !ASN1_BIT_STRING_set_bit(ku, 2, 1) ||
        (sp->is_ca && !ASN1_BIT_STRING_set_bit(ku, 5, 1)) ||
        !sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_server_auth)) ||
        !sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_client_auth)))
        goto out;
    bc->ca = sp->is_ca ? 0xFF : 0;
    if (add_ext(x, NID_key_usage, true, ku) ||
        add_ext(x, NID_ext_key_usage, false, eku) ||
        add_ext(x, NID_basic_constraints, true, bc))
        goto out;
    rc = 0;
    if (sp->is_ca) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0;
        ASN1_OCTET_STRING *skid = ASN1_OCTET_STRING_new();
        rc = skid && X509_pubkey_digest(x, EVP_sha1(), md, &mdlen) &&
                     ASN1_OCTET_STRING_set(skid, md, (int)mdlen)
                 ? add_ext(x, NID_subject_key_identifier, false, skid)
                 : -1;
        ASN1_OCTET_STRING_free(skid);
    }
    const ASN1_OCTET_STRING *ikid =
        issuer ? X509_get0_subject_key_id(issuer) : NULL;
    if (!rc && ikid) {
        AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
        if (akid)
            akid->keyid = ASN1_OCTET_STRING_dup(ikid);
        rc = akid && akid->keyid
                 ? add_ext(x, NID_authority_key_identifier, false, akid)
                 : -1;
        AUTHORITY_KEYID_free(akid);
    }
out:
    ASN1_BIT_STRING_free(ku);
    sk_ASN1_OBJECT_free(eku);
    BASIC_CONSTRAINTS_free(bc);
    return rc;
}

/* The digest Go's x509 signs with for key k (NULL for Ed25519). */
static const EVP_MD *sign_digest(EVP_PKEY *k)
{
    if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC)
        return EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA ? EVP_sha256() : NULL;
    int bits = EVP_PKEY_get_bits(k);
    return bits > 384 ? EVP_sha512() : bits > 256 ? EVP_sha384() : EVP_sha256();
}

/* Go's encoding/asn1 writes a name as a PrintableString when every byte
 * allows it ('*' included, '&' not), else as a UTF8String. */
static int cn_string_type(struct val cn)
{
    static const char extra[] = " '()+,-./:=?*";
    const char *s = val_str_ptr(cn);
    for (size_t i = 0; i < val_str_len(cn); i++) {
        unsigned char ch = (unsigned char)s[i];
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9');
        if (!alnum && (!ch || !strchr(extra, ch)))
            return MBSTRING_UTF8;
    }
    return V_ASN1_PRINTABLESTRING;
}

/* Serial, names, validity, key and extensions of a new certificate. */
static int cert_fill(struct tpl_fcall *c, X509 *x, const struct cert_spec *sp,
                     EVP_PKEY *key, X509 *issuer)
{
    BIGNUM *bn = BN_new();
    X509_NAME *name = X509_get_subject_name(x);
    GENERAL_NAMES *san = NULL;
    int64_t days = sp->days;
    int ok = bn && BN_rand(bn, 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
             X509_set_version(x, 2) &&
             BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    BN_free(bn);
    if (ok && val_str_len(sp->cn) > 0)
        ok = X509_NAME_add_entry_by_txt(
            name, "CN", cn_string_type(sp->cn),
            (const unsigned char *)val_str_ptr(sp->cn),
            (int)val_str_len(sp->cn), -1, 0);
    if (days > 1000000)
        days = 1000000;
    if (days < -1000000)
        days = -1000000;
    ok = ok &&
         X509_set_issuer_name(x,
                              issuer ? X509_get_subject_name(issuer) : name) &&
         X509_gmtime_adj(X509_getm_notBefore(x), 0) &&
         X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) &&
         X509_set_pubkey(x, key);
    if (!ok)
        return sprig_nomem(c);
    if (add_usage(x, sp, issuer))
        return sprig_nomem(c);
    int rc = san_build(c, sp, &san);
    if (rc)
        return rc;
    ok = !san || add_ext(x, NID_subject_alt_name, false, san) == 0;
    GENERAL_NAMES_free(san);
    return ok ? RN_OK : sprig_nomem(c);
}

/* Upstream's getCertAndKey: a certificate for key, signed by si (NULL cert
 * = self-signed by key), and both as PEM in the result object. */
static int cert_make(struct tpl_fcall *c, const struct cert_spec *sp,
                     EVP_PKEY *key, const struct cert_signer *si,
                     struct val *out)
{
    EVP_PKEY *skey = si ? si->key : key;
    struct buf cb, kb;
    struct val cert, pem;
    if (EVP_PKEY_get_base_id(skey) == EVP_PKEY_DSA)
        return sprig_fail(c, "error creating certificate: x509: certificate "
                             "private key does not implement crypto.Signer");
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_DSA)
        return sprig_fail(c, "error creating certificate: x509: unsupported "
                             "public key type: *dsa.PublicKey");
    X509 *x = X509_new();
    if (!x)
        return sprig_nomem(c);
    int rc = cert_fill(c, x, sp, key, si ? si->cert : NULL);
    if (!rc && !X509_sign(x, skey, sign_digest(skey)))
        rc = sprig_fail(c, "error creating certificate: signing failed");
    buf_init(&cb, 1u << 20);
    buf_init(&kb, 1u << 20);
    BIO *bio = rc ? NULL : BIO_new(BIO_s_mem());
    char *p;
    if (!rc && (!bio || !PEM_write_bio_X509(bio, x)))
        rc = sprig_nomem(c);
    if (!rc) {
        long n = BIO_get_mem_data(bio, &p);
        rc = buf_add(&cb, p, (size_t)n) || sprig_key_pem(&kb, key)
                 ? sprig_nomem(c)
                 : RN_OK;
    }
    BIO_free(bio);
    X509_free(x);
    if (!rc && !(rc = sprig_out_buf(c, &cb, RN_OK, &cert)))
        rc = sprig_out_buf(c, &kb, RN_OK, &pem);
    buf_free(&cb);
    buf_free(&kb);
    return rc ? rc : cert_result(c, cert, pem, out);
}

/* ---- the template functions ---- */

static EVP_PKEY *rsa2048(void)
{
    return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
}

/* The key for a *WithKey variant (argument k), or a new RSA 2048 key. */
static EVP_PKEY *key_arg(struct tpl_fcall *c, const struct val *k, int *rc)
{
    char err[200];
    EVP_PKEY *key =
        k ? sprig_key_parse(val_str_ptr(*k), val_str_len(*k), err, sizeof err)
          : rsa2048();
    *rc = RN_OK;
    if (!key && k)
        *rc = sprig_fail(c, "parsing private key: %s", err);
    else if (!key)
        *rc = sprig_fail(c, "error generating rsa key: failed");
    return key;
}

static int make_with(struct tpl_fcall *c, const struct cert_spec *sp,
                     const struct val *k, const struct cert_signer *si,
                     struct val *out)
{
    int rc;
    EVP_PKEY *key = key_arg(c, k, &rc);
    if (!key)
        return rc;
    rc = cert_make(c, sp, key, si, out);
    EVP_PKEY_free(key);
    return rc;
}

/* genCA cn days / genCAWithKey cn days key */
static int f_gen_ca(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    struct cert_spec sp = {argv[0], val_null(), val_null(), val_int_of(argv[1]),
                           true};
    return make_with(c, &sp, argc > 2 ? &argv[2] : NULL, NULL, out);
}

/* genSelfSignedCert cn ips dns days [key] */
static int f_gen_self_signed(struct tpl_fcall *c, const struct val *argv,
                             int argc, struct val *out)
{
    struct cert_spec sp = {argv[0], argv[1], argv[2], val_int_of(argv[3]),
                           false};
    return make_with(c, &sp, argc > 4 ? &argv[4] : NULL, NULL, out);
}

/* The CA argument of genSignedCert: a certificate object whose Cert and
 * Key parse. */
static int signer_arg(struct tpl_fcall *c, struct val ca,
                      struct cert_signer *si)
{
    const struct val *tn = val_get(ca, "", 0);
    const struct val *cert = val_get_cstr(ca, "Cert");
    const struct val *key = val_get_cstr(ca, "Key");
    char err[200];
    si->cert = NULL;
    si->key = NULL;
    if (val_kind(ca) != VAL_OBJECT || val_gotype(ca) != GT_STRUCT || !tn ||
        !cert || !key || val_kind(*tn) != VAL_STRING ||
        val_kind(*cert) != VAL_STRING || val_kind(*key) != VAL_STRING ||
        strcmp(val_str_ptr(*tn), CERT_TYPE) != 0)
        return sprig_fail(c, "wrong type for value; expected %s; got %s",
                          CERT_TYPE, val_type_name(ca));
    si->cert = cert_parse(val_str_ptr(*cert), val_str_len(*cert));
    if (!si->cert)
        return sprig_fail(c, "unable to decode certificate");
    si->key =
        sprig_key_parse(val_str_ptr(*key), val_str_len(*key), err, sizeof err);
    if (!si->key) {
        X509_free(si->cert);
        return sprig_fail(c, "error parsing private key: %s", err);
    }
    return RN_OK;
}

/* genSignedCert cn ips dns days ca [key] */
static int f_gen_signed(struct tpl_fcall *c, const struct val *argv, int argc,
                        struct val *out)
{
    struct cert_spec sp = {argv[0], argv[1], argv[2], val_int_of(argv[3]),
                           false};
    struct cert_signer si;
    int rc = signer_arg(c, argv[4], &si);
    if (rc)
        return rc;
    rc = make_with(c, &sp, argc > 5 ? &argv[5] : NULL, &si, out);
    X509_free(si.cert);
    EVP_PKEY_free(si.key);
    return rc;
}

/* Base64 text decoded into c->arena; NULL on bad input or OOM. */
static char *b64_arg(struct tpl_fcall *c, struct val v, size_t *n)
{
    char *p = arena_alloc(c->arena, val_str_len(v) + 1);
    size_t len, bad;
    if (!p || codec_b64_decode(val_str_ptr(v), val_str_len(v), 0,
                               (unsigned char *)p, &len, &bad))
        return NULL;
    p[len] = '\0';
    *n = len;
    return p;
}

/* buildCustomCert b64cert b64key: checks both parse, returns them. */
static int f_build_custom_cert(struct tpl_fcall *c, const struct val *argv,
                               int argc, struct val *out)
{
    size_t cn, kn;
    char err[200];
    (void)argc;
    char *cert = b64_arg(c, argv[0], &cn);
    if (!cert)
        return sprig_fail(c, "unable to decode base64 certificate");
    char *key = b64_arg(c, argv[1], &kn);
    if (!key)
        return sprig_fail(c, "unable to decode base64 private key");
    X509 *x = cert_parse(cert, cn);
    if (!x)
        return sprig_fail(c, "unable to decode certificate");
    X509_free(x);
    EVP_PKEY *k = sprig_key_parse(key, kn, err, sizeof err);
    if (!k)
        return sprig_fail(c, "error parsing private key: %s", err);
    EVP_PKEY_free(k);
    return cert_result(c, val_str(cert, cn), val_str(key, kn), out);
}

static const struct tpl_func_def cert_funcs[] = {
    {"buildCustomCert", f_build_custom_cert, "ss", NULL},
    {"genCA", f_gen_ca, "si", NULL},
    {"genCAWithKey", f_gen_ca, "sis", NULL},
    {"genSelfSignedCert", f_gen_self_signed, "slli", NULL},
    {"genSelfSignedCertWithKey", f_gen_self_signed, "sllis", NULL},
    {"genSignedCert", f_gen_signed, "slliv", NULL},
    {"genSignedCertWithKey", f_gen_signed, "sllivs", NULL},
};

SPRIG_GROUP(certs, cert_funcs);
