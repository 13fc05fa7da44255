/*
 * tls.c: a throwaway certificate authority and a server certificate,
 * made in memory at start with OpenSSL's libcrypto.
 *
 * The CA (P-256, CA:TRUE, keyCertSign) signs a server certificate for
 * IP:127.0.0.1 and DNS:localhost (Go's TLS, so kubectl, verifies the
 * subjectAltName only) and, when asked, a client certificate whose CN is
 * the user it authenticates.  The CA goes into the kubeconfig as
 * certificate-authority-data; the CA's key never leaves the process.
 */
#include "sandbox.h"

#include "core/alloc.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return RN_EINVAL;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? RN_OK : RN_EINVAL;
}

enum role { CA, SERVER, CLIENT };

static int extensions(X509 *x, X509 *issuer, int role)
{
    if (role == CA)
        return add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") ||
               add_ext(x, x, NID_key_usage,
                       "critical,keyCertSign,cRLSign,digitalSignature") ||
               add_ext(x, x, NID_subject_key_identifier, "hash");
    int rc = add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE") ||
             add_ext(x, issuer, NID_key_usage,
                     "critical,digitalSignature,keyEncipherment");
    if (role == CLIENT)
        return rc || add_ext(x, issuer, NID_ext_key_usage, "clientAuth");
    return rc || add_ext(x, issuer, NID_ext_key_usage, "serverAuth") ||
           add_ext(x, issuer, NID_subject_alt_name,
                   "IP:127.0.0.1,DNS:localhost");
}

static bool set_serial(X509 *x)
{
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1)
        return false;
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    ASN1_INTEGER *sn = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    bool ok = sn && X509_set_serialNumber(x, sn);
    BN_free(bn);
    ASN1_INTEGER_free(sn);
    return ok;
}

/* A certificate for cn with key, signed by (issuer, ikey); issuer NULL:
 * the self-signed CA.  A client's certificate says O=system:masters. */
static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer,
                       EVP_PKEY *ikey, int role)
{
    X509 *x = X509_new();
    if (!x || !set_serial(x))
        goto fail;
    X509_set_version(x, 2);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 365L * 24 * 3600);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    if (role == CLIENT)
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                   (const unsigned char *)"system:masters", -1,
                                   -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    if (extensions(x, issuer, role) ||
        !X509_sign(x, ikey ? ikey : key, EVP_sha256()))
        goto fail;
    return x;
fail:
    X509_free(x);
    return NULL;
}

static char *bio_string(BIO *b)
{
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *s = n > 0 ? rn_strndup(p, (size_t)n) : NULL;
    BIO_free(b);
    return s;
}

static char *cert_pem(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b || !PEM_write_bio_X509(b, x)) {
        BIO_free(b);
        return NULL;
    }
    return bio_string(b);
}

static char *key_pem(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b || !PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL)) {
        BIO_free(b);
        return NULL;
    }
    return bio_string(b);
}

/* A key and a certificate signed by the CA, as PEM. */
static int issue(X509 *ca, EVP_PKEY *cakey, const char *cn, int role,
                 char **cert, char **key)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = k ? make_cert(cn, k, ca, cakey, role) : NULL;
    *cert = x ? cert_pem(x) : NULL;
    *key = x ? key_pem(k) : NULL;
    X509_free(x);
    EVP_PKEY_free(k);
    return *cert && *key ? RN_OK : RN_EIO;
}

int sb_tls_generate(struct sb_tls *t, const char *client_cn, struct rn_err *e)
{
    EVP_PKEY *cakey = EVP_EC_gen("P-256");
    X509 *ca =
        cakey ? make_cert("rnotify-sandbox-ca", cakey, NULL, NULL, CA) : NULL;
    memset(t, 0, sizeof *t);
    int rc = ca ? RN_OK : RN_EIO;
    if (!rc)
        t->ca_pem = cert_pem(ca);
    if (!rc)
        rc = issue(ca, cakey, "rnotify-sandbox", SERVER, &t->cert_pem,
                   &t->key_pem);
    if (!rc && client_cn)
        rc = issue(ca, cakey, client_cn, CLIENT, &t->client_cert_pem,
                   &t->client_key_pem);
    X509_free(ca);
    EVP_PKEY_free(cakey);
    if (rc || !t->ca_pem) {
        sb_tls_free(t);
        return rn_errf(e, RN_EIO, "cannot generate the TLS certificates");
    }
    return RN_OK;
}

bool sb_tls_cert_cn(const unsigned char *der, size_t len, char *out, size_t n)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    int got = x ? X509_NAME_get_text_by_NID(X509_get_subject_name(x),
                                            NID_commonName, out, (int)n)
                : -1;
    X509_free(x);
    return got > 0;
}

void sb_tls_free(struct sb_tls *t)
{
    rn_free(t->ca_pem);
    rn_free(t->cert_pem);
    rn_free(t->key_pem);
    rn_free(t->client_cert_pem);
    rn_free(t->client_key_pem);
    rn_free(t->trust_pem);
    memset(t, 0, sizeof *t);
}
