/*
 * svc_int.h: shared by the service files only.  Small pure helpers every
 * service needs: reading the rendered notification, Go's URL and form
 * encoding, JSON object assembly, request headers, and messages.
 */
#ifndef RN_SVC_INT_H
#define RN_SVC_INT_H

#include "service.h"

#include "../core/arena.h"
#include "../core/buf.h"
#include "../core/err.h"

#include <stddef.h>

/* The instance record (options decoded into `opts`, in `arena`). */
struct svc_instance {
    const struct svc_type *t;
    const char *name;
    void *opts;
    const char **secrets; /* option values never shown */
    size_t nsecrets;
    struct arena arena;
};

/* ---- the notification ---- */

/* root.message, "" when absent. */
const char *svc_message(struct val root);
/* The section `sec` of root (an object) or NULL when the template had no
 * such block. */
const struct val *svc_section(struct val root, const char *sec);
/* String field `field` of section `sec`, "" when absent. */
const char *svc_field(struct val root, const char *sec, const char *field);

/* ---- encoding ---- */

/* Go's url.QueryEscape of s appended to b (space as '+'). */
int svc_query_escape(struct buf *b, const char *s, size_t n);

/* url.Values: pairs added in any order, encoded sorted by key (stable for
 * equal keys) as k=v&k=v. */
struct svc_form {
    const char **keys, **vals;
    size_t n, cap;
};
int svc_form_add(struct arena *a, struct svc_form *f, const char *k,
                 const char *v);
/* Encode into a (NUL-terminated). */
int svc_form_encode(struct arena *a, struct svc_form *f, const char **out,
                    size_t *len);

/* JSON object assembly: `{` is added by the first member. */
struct svc_json {
    struct buf b;
    bool open;
};
void svc_json_init(struct svc_json *j);
int svc_json_str(struct svc_json *j, const char *k, const char *v);
/* A member whose value is raw JSON text. */
int svc_json_raw(struct svc_json *j, const char *k, const char *raw, size_t n);
int svc_json_val(struct svc_json *j, const char *k, struct val v);
/* Close and copy into a; frees the buffer either way. */
int svc_json_end(struct svc_json *j, struct arena *a, const char **out,
                 size_t *len);

/* Parse JSON text into a (int64 mode); RN_EINVAL with Go-ish text. */
int svc_json_parse(struct arena *a, const char *s, size_t n, struct val *out,
                   struct rn_err *e);
/* A rendered field that must hold a JSON array: parsed into *out (numbers
 * as float64 when f64, as Go's interface{} decoding gives them), else
 * RN_EINVAL "<prefix><Go's decoding error>". */
int svc_parse_array(struct arena *a, const char *prefix, const char *text,
                    bool f64, struct val *out, struct rn_err *e);
/* svc_parse_array for Slack-style fields: the error reads
 * "failed to unmarshal <what> '<text>' : <why>", as upstream's. */
int svc_unmarshal_list(struct arena *a, const char *what, const char *text,
                       struct val *out, struct rn_err *e);
/* The value of key in a decoded map option, or NULL. */
const char *svc_map_get(const struct svc_strmap *m, const char *key);
/* Compact JSON of v in a. */
const char *svc_json_text(struct arena *a, struct val v);

/* ---- requests ---- */

/* Start a request (headers empty). */
void svc_req_init(struct http_req *r, const char *method, const char *url);
/* Header.Set: replace an existing header of that name (case-insensitive),
 * else append.  The name is canonicalised as Go does (x-foo -> X-Foo). */
int svc_req_set(struct arena *a, struct http_req *r, const char *name,
                const char *value);
void svc_req_body(struct http_req *r, const char *body, size_t n);
/* POST url with a JSON body (Content-Type: application/json) and, when
 * bearer is non-NULL, Authorization: Bearer <bearer>. */
int svc_req_json(struct arena *a, struct http_req *r, const char *url,
                 const char *body, size_t n, const char *bearer);
/* Base64 of s in a (standard alphabet, padded). */
const char *svc_base64(struct arena *a, const char *s, size_t n);

/* `scheme://host[:port]` of url in a; "" when unparsable. */
const char *svc_url_origin(struct arena *a, const char *url);
/* url for messages: no user info, no query, and path segments that look
 * like keys (16+ characters mixing letters and digits) as "*****". */
const char *svc_url_redact(struct arena *a, const char *url);
/* The path of url in a ("/" when it has none), NULL when unparsable. */
const char *svc_url_path(struct arena *a, const char *url);
/* The host of url (lower-case, no port) in a, NULL when unparsable. */
const char *svc_url_host(struct arena *a, const char *url);

/* String field lookup in an object value: "" when absent or not a
 * string. */
const char *svc_val_str(struct val obj, const char *key);

/* A compact JWT signed RS256 with the PEM private key (PKCS#1 or #8):
 * base64url(header).base64url(claims).base64url(signature), in a; NULL
 * when the key does not parse or signing fails. */
const char *svc_jwt_rs256(struct arena *a, const char *pem, const char *header,
                          const char *claims);
/* Whether pem holds a private key OpenSSL can read. */
bool svc_key_ok(const char *pem);

/* Go's url.Error spelling of a method ("Post", "Get") in a. */
const char *svc_method_word(struct arena *a, const char *m);

/* A reply body shown in a message: at most 200 bytes. */
const char *svc_body_excerpt(struct arena *a, const struct http_reply *r);

/* ---- email's message builder (email.c), also its unit tests' ---- */

/* The message of one send (email_message's input). */
struct email_msg {
    const char *from;
    const char *const *to;
    size_t nto;
    const char *subject;
    const char *body;
    bool html;
    int64_t date;           /* unix seconds */
    int32_t zone;           /* seconds east of UTC */
    const char *message_id; /* NULL: no Message-ID header (as upstream) */
};

/* The whole message (headers and quoted-printable body) appended to b. */
int email_message(struct buf *b, const struct email_msg *m);
/* A header value RFC 2047 Q-encoded where Go's mime.QEncoding would. */
int email_qencode(struct buf *b, const char *s, size_t n);
/* The recipient list of a destination, split as upstream splits it. */
int email_recipients(struct arena *a, const char *rcpt, const char ***out,
                     size_t *n);
/* The address of one mailbox as Go's mail.ParseAddress reads it;
 * RN_EINVAL with Go's message in err. */
int email_parse_address(const char *field, struct buf *addr, char *err,
                        size_t cap);
/* The Date header: Go's RFC 1123 with a numeric zone. */
int email_format_date(char *out, size_t cap, int64_t t, int32_t zone);

#endif
