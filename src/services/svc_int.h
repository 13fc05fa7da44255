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
    struct mask *mask; /* option values never shown (core/mask.h) */
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

/* (Go's url.QueryEscape and url.PathEscape: core/codec.h.) */
/* url.PathEscape of s in a (NULL on OOM). */
const char *svc_segment(struct arena *a, const char *s);

/* Copy text[0..n) into out with every secret of s (in every encoding
 * core/mask.h knows) and any URL password masked, stopping once out holds
 * max bytes; s may be NULL (URL passwords only). */
int svc_mask(const struct svc_instance *s, struct buf *out, const char *text,
             size_t n, size_t max);

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

/* JSON object assembly: `{` is added by the first member.  flags may be
 * set to JSON_RAW after svc_json_init: no HTML escaping (go-github's
 * encoder). */
struct svc_json {
    struct buf b;
    bool open;
    unsigned flags;
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
/* Valid JSON text as encoding/json writes a json.RawMessage: white space
 * outside strings removed, members in the author's order; with html,
 * < > & and U+2028/U+2029 escaped as \\u003c ... (json.Marshal's default;
 * go-github's encoder has it off).  In a; NULL on OOM. */
const char *svc_json_compact(struct arena *a, const char *text, bool html);
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
/* The value of request header name (case-insensitive), or NULL. */
const char *svc_req_get(const struct http_req *r, const char *name);

/* Whether an AWS reply is worth repeating under the SDK's standard
 * retryer: 500/502/503/504, or a throttling / timeout error code (from
 * X-Amzn-ErrorType, x-amzn-query-error or the body's __type/code). */
bool svc_aws_retryable(const struct http_reply *r);

/* Whether a Google API reply is worth repeating under gax's publish
 * retryer: its google.rpc status (the body's error.status) is ABORTED,
 * CANCELLED, INTERNAL, RESOURCE_EXHAUSTED, UNKNOWN, UNAVAILABLE or
 * DEADLINE_EXCEEDED, or, without one, the HTTP status maps to one. */
bool svc_gax_retryable(const struct http_reply *r);

/* A raw HTTP response (status line, header lines, blank line, body) read
 * by the same code libcurl's callbacks run (reason phrase cleaning,
 * header list, body cap of max bytes), into out in a.  RN_EINVAL when it
 * has no status line; RN_ELIMIT when the body is over max. */
int svc_http_parse_reply(struct arena *a, const char *raw, size_t n, size_t max,
                         struct http_reply *out);
/* POST url with a JSON body (Content-Type: application/json) and, when
 * bearer is non-NULL, Authorization: Bearer <bearer>. */
int svc_req_json(struct arena *a, struct http_req *r, const char *url,
                 const char *body, size_t n, const char *bearer);
/* Base64 of s in a (standard alphabet, padded). */
const char *svc_base64(struct arena *a, const char *s, size_t n);
/* Base64 of s in a without padding, URL-safe alphabet when url. */
const char *svc_base64_raw(struct arena *a, const char *s, size_t n, bool url);

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

/* A reply body shown in a message: at most 200 bytes, with the secrets
 * of c->inst masked (in every encoding core/mask.h knows, before the cut, so
 * no half secret shows) and control characters as spaces (no terminal
 * escapes from a server), in c->a. */
const char *svc_body_excerpt(const struct svc_call *c,
                             const struct http_reply *r);

/* ---- Go structs (gotype.c) ---- */

/* A field's kind as encoding/json sees it. */
enum gt_kind {
    GK_STR,     /* string */
    GK_BOOL,    /* bool */
    GK_INT,     /* int, int64 */
    GK_PTR_INT, /* *int: nil is null, a given 0 is written */
    GK_PTR_STR, /* *string: nil is null, a given "" is written */
    GK_NUM,     /* json.Number */
    GK_JTIME,   /* slack.JSONTime */
    GK_STRUCT,  /* a struct value: always written */
    GK_PTR,     /* *struct: nil is null */
    GK_SLICE,   /* []elem: nil is null, [] written as [] */
    GK_CUSTOM,  /* a type with its own (Un)MarshalJSON: fn */
    GK_GFLOAT,  /* float64 read as google.golang.org/api's JSONFloat64 (a
                   number, or "NaN" / "Infinity" / "-Infinity") */
    GK_INT_STR, /* int64 tagged `,string`: a quoted integer both ways */
};

struct gt_ctx;
typedef int gt_custom_fn(struct gt_ctx *x, const struct val *v);

struct gt_field {
    const char *name; /* the json tag's name */
    uint8_t kind;     /* enum gt_kind */
    bool omitempty;
    const struct gt_struct *st; /* GK_STRUCT, GK_PTR, slices of them */
    uint8_t elem;               /* GK_SLICE: the element's kind */
    gt_custom_fn *fn;           /* GK_CUSTOM */
    const char *gotype; /* GK_SLICE, GK_INT: the Go type for errors ("[]string",
                           "int64"; NULL: "int") */
};

struct gt_struct {
    const char *goname; /* "slack.Attachment", for errors */
    const struct gt_field *f;
    size_t n;
};

/* An encoding in progress: output, errors, HTML escaping (flags 0, as
 * json.Marshal; JSON_RAW without). */
struct gt_ctx {
    struct buf *b;
    struct rn_err *e;
    struct arena *a;
    unsigned flags;
    int depth;
    /* the input went through sigs.k8s.io/yaml (YAML, then JSON as Go
     * writes it): a whole float such as 2.0 reached Go as 2, which an
     * integer field takes */
    bool via_yaml;
};

/* Decode v (NULL or null: the zero value) as struct st and append its
 * encoding to x->b.  RN_EINVAL with Go's words on a type mismatch. */
int gt_emit_struct(struct gt_ctx *x, const struct gt_struct *st,
                   const struct val *v);
/* A []st: null for a nil slice (v NULL or null); gotype names the slice
 * type in errors when v is not an array. */
int gt_emit_list(struct gt_ctx *x, const struct gt_struct *st,
                 const struct val *v, const char *gotype);
/* [...] over an array's items: one(item), or struct st when one is NULL. */
int gt_emit_array(struct gt_ctx *x, struct val list, gt_custom_fn *one,
                  const struct gt_struct *st);
/* The member a struct field reads: exact key, else case-insensitive. */
const struct val *gt_lookup(struct val obj, const char *name);
/* encoding/json's UnmarshalTypeError text (field NULL: a Go value). */
int gt_type_error(struct gt_ctx *x, struct val v, const char *st,
                  const char *field, const char *gotype);

/* google.golang.org/api chat/v1's card types (googlechat_types.c), as
 * upstream's googlechat service decodes and re-encodes them: []chat.Card
 * (legacy `cards`) and []chat.CardWithId from the `cardsV2` list; ids[i]
 * is the cardId of item i. */
int gchat_emit_cards(struct gt_ctx *x, const struct val *v);
int gchat_emit_cards_v2(struct gt_ctx *x, const struct val *v,
                        const char *const *ids);

/* slack-go v0.16.0's types (slack_types.c): []slack.Attachment and
 * slack.Blocks (the top-level block list) as upstream re-encodes them. */
int slack_emit_attachments(struct gt_ctx *x, const struct val *v);
/* *out false when the block list is empty (upstream then sends none). */
int slack_emit_blocks(struct gt_ctx *x, const struct val *v, bool *out);

/* ---- connections of the services with their own protocol (conn.c) ---- */

/* How the addresses of a host are tried: net.Dialer's rule (email, as
 * upstream's SMTP library dials) or nats.go's. */
enum svc_dial_rule {
    SVC_DIAL_GO,   /* partial deadlines, the first error reported */
    SVC_DIAL_NATS, /* the dial timeout shared equally, the last error */
};

struct svc_dial {
    const char *host, *port;
    int timeout_ms;      /* the whole dial */
    int64_t deadline_ms; /* unix ms, 0 = none: the dial never runs past it */
    int rule;            /* enum svc_dial_rule */
};

/* A connection; each wait of a read, a write or the TLS handshake ends
 * by deadline_ms (unix ms, 0 = none) and lasts at most io_ms (0 = no
 * cap); the caller sets and may move both. */
struct svc_conn {
    int fd;
    void *ssl; /* OpenSSL's SSL *, NULL while in clear */
    int64_t deadline_ms;
    int io_ms;
    char names[128]; /* "local->remote", for messages */
};

/* TLS as a client of host: the certificate must name it, unless
 * insecure; ca_file (may be NULL) adds to the system's trust store. */
struct svc_tls {
    const char *host;
    const char *ca_file;
    bool insecure;
};

int svc_conn_dial(struct svc_conn *c, const struct svc_dial *d, char *why,
                  size_t cap, bool *refused);
int svc_conn_tls(struct svc_conn *c, const struct svc_tls *t, bool *cert_bad,
                 struct rn_err *e);
int svc_conn_read(struct svc_conn *c, char *buf, size_t cap, size_t *got,
                  struct rn_err *e);
int svc_conn_write(struct svc_conn *c, const char *p, size_t n,
                   struct rn_err *e);
void svc_conn_close(struct svc_conn *c);

/* ---- the SMTP client (smtp.c) ---- */

/* The byte stream under a dialogue: a connection (email.c), or memory
 * (unit tests, the fuzz target).  Each returns RN_OK or fills e. */
struct smtp_io {
    void *ud;
    /* at least one byte into buf; RN_EIO at the end or on a timeout */
    int (*read)(void *ud, char *buf, size_t cap, size_t *got, struct rn_err *e);
    int (*write)(void *ud, const char *p, size_t n, struct rn_err *e);
    /* the TLS handshake after STARTTLS; *permanent when a repeat cannot
     * help (the certificate did not verify) */
    int (*starttls)(void *ud, bool *permanent, struct rn_err *e);
    /* may be NULL: the dialogue is done, wait at most ms for QUIT's
     * reply */
    void (*linger)(void *ud, int ms);
};

/* One mail: the dialogue's input. */
struct smtp_mail {
    const char *host; /* the configured server name (PLAIN's and the
                         security rule's loopback test) */
    const char *username, *password; /* AUTH when both are non-empty */
    bool tls;         /* implicit TLS: encrypted from the start */
    const char *from; /* envelope addresses, without <> */
    const char *const *rcpt;
    size_t nrcpt;
    const char *msg; /* the message, before dot-stuffing */
    size_t msg_len;
};

/*
 * The SMTP dialogue of upstream's mail library over Go's net/smtp, byte
 * for byte (docs/services/email.md): greeting, EHLO localhost (HELO when
 * refused), STARTTLS when offered, rnotify's TLS-and-AUTH rule, AUTH
 * (CRAM-MD5, LOGIN or PLAIN as upstream chooses), MAIL FROM with
 * BODY=8BITMIME / SMTPUTF8 when offered, RCPT TO per recipient, DATA with
 * dot-stuffing, QUIT.  RN_OK when the server took the message; otherwise
 * e holds upstream's error text and *retryable the class (I/O failures
 * and 4xx replies may pass).
 */
int smtp_send_mail(const struct smtp_io *io, const struct smtp_mail *m,
                   bool *retryable, struct rn_err *e);

/* Go's textproto DotWriter over msg, then ".\r\n": appended to b. */
int smtp_dot_stuff(struct buf *b, const char *msg, size_t n);

/* ---- NATS (nats.c) ---- */

enum nats_op {
    NATS_OP_INFO,
    NATS_OP_PING,
    NATS_OP_PONG,
    NATS_OP_OK,
    NATS_OP_ERR,
};

/* One line a NATS server sent. */
struct nats_line {
    enum nats_op op;
    const char *arg; /* after the operation word (within the line) */
    size_t arg_len;
    /* INFO only: */
    const char *nonce;
    bool headers, tls_required;
    int64_t max_payload;
};

/* Parse one server protocol line (without CRLF); INFO's JSON goes into a.
 * RN_EINVAL (e says why) for anything that is not a server operation. */
int nats_server_line(struct arena *a, const char *line, size_t n,
                     struct nats_line *out, struct rn_err *e);

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
