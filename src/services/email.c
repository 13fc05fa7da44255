/*
 * email.c: `service.email[.<name>]` (docs/services/email.md): the message,
 * the envelope, and the connection that smtp.c's dialogue runs over.
 *
 * The message is built by a pure function (email_message) that writes the
 * bytes upstream's mail library puts after DATA: `Mime-Version`, `Date`
 * (RFC 1123 with a numeric zone), `From`, `To` (every recipient, folded
 * at 76 columns), `Subject`, each value RFC 2047 Q-encoded when it is not
 * printable ASCII, then one text/plain or text/html part in
 * quoted-printable with CRLF line ends.  Upstream writes the headers from
 * a Go map, so their order changes from one mail to the next; rnotify
 * always uses the order above.  No Message-ID is added (upstream adds
 * none; the server may).
 *
 * The envelope follows upstream too: the sender and the recipients are
 * the addresses parsed out of the (encoded) From and To values with the
 * rules of Go's net/mail (a subset: no groups), recipients deduplicated.
 * The connection (conn.c): every address of the host tried as Go's
 * dialer tries them, implicit TLS only when the port is 465 and both
 * username and password are set (an upstream quirk), every wait bounded
 * by the delivery's deadline; smtp.c speaks the dialogue over it.
 *
 * Failures: connection problems and 4xx replies may pass (retryable);
 * 5xx replies, certificate errors and bad addresses are permanent.  The
 * password is an option marked secret, so no message shows it.
 */
#include "svc_int.h"

#include "../core/alloc.h"
#include "../core/codec.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct email_opts {
    const char *host;
    int64_t port;
    const char *username, *password, *from;
    bool html, insecure;
};

#define O(f) offsetof(struct email_opts, f)
static const struct svc_opt email_opts[] = {
    {"host", SVC_O_STR, 0, O(host)},
    {"port", SVC_O_INT, 0, O(port)},
    {"username", SVC_O_STR, 0, O(username)},
    {"password", SVC_O_STR, SVC_OF_SECRET, O(password)},
    {"from", SVC_O_STR, 0, O(from)},
    {"html", SVC_O_BOOL, 0, O(html)},
    {"insecure_skip_verify", SVC_O_BOOL, 0, O(insecure)},
};
#undef O

/* ---- encoding ---- */

/* Byte length of the rune at s as Go's utf8.DecodeRune counts it (1 for
 * an invalid sequence). */
static size_t go_rune_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4;
    else
        return 1;
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (n < len || s[1] < lo || s[1] > hi)
        return 1;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 1;
    return len;
}

static bool needs_encoding(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < ' ' || c > '~') && c != '\t')
            return true;
    }
    return false;
}

static bool q_plain(unsigned char c)
{
    return c >= ' ' && c <= '~' && c != '=' && c != '?' && c != '_';
}

static const char hexdig[] = "0123456789ABCDEF";

/*
 * Go's mime.QEncoding.Encode("UTF-8", s): s itself when it is printable
 * ASCII (tabs allowed), else encoded-words of at most 75 bytes separated
 * by a space, never splitting a UTF-8 sequence.
 */
int email_qencode(struct buf *b, const char *s, size_t n)
{
    static const char open[] = "=?UTF-8?q?";
    const size_t max_content = 75 - (sizeof open - 1) - 2;
    if (!needs_encoding(s, n))
        return n ? buf_add(b, s, n) : RN_OK;
    int rc = buf_add_str(b, open);
    size_t cur = 0, rl;
    for (size_t i = 0; rc == RN_OK && i < n; i += rl) {
        unsigned char c = (unsigned char)s[i];
        size_t enc;
        if (q_plain(c)) {
            rl = enc = 1;
        } else {
            rl = go_rune_len((const unsigned char *)s + i, n - i);
            enc = 3 * rl;
        }
        if (cur + enc > max_content) {
            rc = buf_add_str(b, "?= ");
            if (rc == RN_OK)
                rc = buf_add_str(b, open);
            cur = 0;
        }
        for (size_t k = 0; rc == RN_OK && k < rl; k++) {
            unsigned char d = (unsigned char)s[i + k];
            char t[3] = {'=', hexdig[d >> 4], hexdig[d & 15]};
            if (d == ' ')
                rc = buf_add_char(b, '_');
            else if (d >= '!' && d <= '~' && q_plain(d))
                rc = buf_add_char(b, (char)d);
            else
                rc = buf_add(b, t, 3);
        }
        cur += enc;
    }
    return rc == RN_OK ? buf_add_str(b, "?=") : rc;
}

/* ---- header lines (folded as upstream's writer folds them) ---- */

/* One fold of s (length n > left) that should fit in `left` columns
 * (left may be 0 or -1 after a ", "): the part written is added to b;
 * returns how many bytes of s were consumed. */
static size_t fold_once(struct buf *b, const char *s, size_t n, long left,
                        int *rc)
{
    const char *nl = memchr(s, '\n', n);
    if (nl && (long)(nl - s) < left) {
        *rc = buf_add(b, s, (size_t)(nl - s) + 1);
        return (size_t)(nl - s) + 1;
    }
    for (long i = left - 1; i >= 0; i--) {
        if (s[i] == ' ') {
            *rc = buf_add(b, s, (size_t)i);
            if (*rc == RN_OK)
                *rc = buf_add_str(b, "\r\n ");
            return (size_t)i + 1;
        }
    }
    for (size_t i = 75; i < n; i++) {
        if (s[i] == ' ' || s[i] == '\n') {
            bool sp = s[i] == ' ';
            *rc = buf_add(b, s, sp ? i : i + 1);
            if (*rc == RN_OK && sp)
                *rc = buf_add_str(b, "\r\n ");
            return i + 1;
        }
    }
    *rc = buf_add(b, s, n);
    return n;
}

/* `Key: v1, v2\r\n` with upstream's folding at 76 columns. */
static int write_header(struct buf *b, const char *k, const char *const *v,
                        size_t nv)
{
    int rc = buf_add_str(b, k);
    if (rc == RN_OK)
        rc = buf_add_str(b, nv ? ": " : ":\r\n");
    if (rc != RN_OK || nv == 0)
        return rc;
    long left = 76 - (long)strlen(k) - 2;
    for (size_t i = 0; rc == RN_OK && i < nv; i++) {
        const char *s = v[i];
        size_t n = strlen(s);
        if (left < 1) {
            rc = buf_add_str(b, i == 0 ? "\r\n " : ",\r\n ");
            left = 75;
        } else if (i != 0) {
            rc = buf_add_str(b, ", ");
            left -= 2;
        }
        while (rc == RN_OK && (long)n > left) {
            size_t used = fold_once(b, s, n, left, &rc);
            s += used;
            n -= used;
            left = 75;
        }
        if (rc == RN_OK)
            rc = buf_add(b, s, n);
        size_t j = n;
        while (j > 0 && s[j - 1] != '\n')
            j--;
        left = j ? 75 - (long)(n - j) : left - (long)n;
    }
    return rc == RN_OK ? buf_add_str(b, "\r\n") : rc;
}

/* ---- quoted-printable body (Go's mime/quotedprintable.Writer) ---- */

#define QP_MAX 76

struct qp {
    struct buf *b;
    char line[QP_MAX + 2];
    size_t i;
    bool cr;
    int rc;
};

static void qp_flush(struct qp *q)
{
    if (q->rc == RN_OK && q->i)
        q->rc = buf_add(q->b, q->line, q->i);
    q->i = 0;
}

static void qp_crlf(struct qp *q)
{
    q->line[q->i++] = '\r';
    q->line[q->i++] = '\n';
    qp_flush(q);
}

static void qp_soft_break(struct qp *q)
{
    q->line[q->i++] = '=';
    qp_crlf(q);
}

static void qp_encode(struct qp *q, unsigned char c)
{
    if (QP_MAX - 1 - q->i < 3)
        qp_soft_break(q);
    q->line[q->i++] = '=';
    q->line[q->i++] = hexdig[c >> 4];
    q->line[q->i++] = hexdig[c & 15];
}

/* A trailing space or tab before a line end is encoded. */
static void qp_check_last(struct qp *q)
{
    if (q->i == 0)
        return;
    unsigned char c = (unsigned char)q->line[q->i - 1];
    if (c == ' ' || c == '\t') {
        q->i--;
        qp_encode(q, c);
    }
}

/* A byte that goes out literally (or a line end). */
static void qp_literal(struct qp *q, unsigned char c)
{
    if (c == '\n' || c == '\r') {
        if (q->cr && c == '\n') {
            q->cr = false;
            return;
        }
        if (c == '\r')
            q->cr = true;
        qp_check_last(q);
        qp_crlf(q);
        return;
    }
    if (q->i == QP_MAX - 1)
        qp_soft_break(q);
    q->line[q->i++] = (char)c;
    q->cr = false;
}

static int qp_write(struct buf *b, const char *s, size_t n)
{
    struct qp q = {b, {0}, 0, false, RN_OK};
    for (size_t k = 0; k < n && q.rc == RN_OK; k++) {
        unsigned char c = (unsigned char)s[k];
        if ((c >= '!' && c <= '~' && c != '=') || c == ' ' || c == '\t' ||
            c == '\n' || c == '\r')
            qp_literal(&q, c);
        else
            qp_encode(&q, c);
    }
    qp_check_last(&q);
    qp_flush(&q);
    return q.rc;
}

/* ---- the message ---- */

/* Go's time.RFC1123Z: "Mon, 02 Jan 2006 15:04:05 -0700". */
int email_format_date(char *out, size_t cap, int64_t t, int32_t zone)
{
    static const char days[] = "SunMonTueWedThuFriSat";
    static const char mons[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    time_t local = (time_t)(t + zone);
    struct tm tm;
    if (!gmtime_r(&local, &tm))
        return RN_EINVAL;
    int32_t az = zone < 0 ? -zone : zone;
    int n =
        snprintf(out, cap, "%.3s, %02d %.3s %04d %02d:%02d:%02d %c%02d%02d",
                 days + 3 * tm.tm_wday, tm.tm_mday, mons + 3 * tm.tm_mon,
                 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 zone < 0 ? '-' : '+', (int)(az / 3600), (int)(az / 60 % 60));
    return n > 0 && (size_t)n < cap ? RN_OK : RN_EINVAL;
}

/* One header whose values are Q-encoded first. */
static int encoded_header(struct buf *b, const char *k, const char *const *v,
                          size_t nv)
{
    struct buf tmp;
    size_t *off = rn_malloc((nv ? nv : 1) * sizeof *off);
    const char **vals = rn_malloc((nv ? nv : 1) * sizeof *vals);
    int rc = off && vals ? RN_OK : RN_ENOMEM;
    buf_init(&tmp, b->max);
    /* every encoded value into tmp, NUL-terminated */
    for (size_t i = 0; rc == RN_OK && i < nv; i++) {
        off[i] = tmp.len;
        rc = email_qencode(&tmp, v[i], strlen(v[i]));
        if (rc == RN_OK)
            rc = buf_add_char(&tmp, '\0');
    }
    for (size_t i = 0; rc == RN_OK && i < nv; i++)
        vals[i] = tmp.ptr + off[i];
    if (rc == RN_OK)
        rc = write_header(b, k, vals, nv);
    rn_free(off);
    rn_free((void *)vals);
    buf_free(&tmp);
    return rc;
}

/*
 * The bytes of m as sent after DATA (before dot-stuffing, which libcurl
 * does): headers, a blank line, the quoted-printable body.
 */
int email_message(struct buf *b, const struct email_msg *m)
{
    char date[64];
    const char *dv[1] = {date};
    int rc = email_format_date(date, sizeof date, m->date, m->zone);
    if (rc == RN_OK)
        rc = buf_add_str(b, "Mime-Version: 1.0\r\n");
    if (rc == RN_OK)
        rc = write_header(b, "Date", dv, 1);
    if (rc == RN_OK && m->message_id) {
        const char *mv[1] = {m->message_id};
        rc = write_header(b, "Message-ID", mv, 1);
    }
    if (rc == RN_OK)
        rc = encoded_header(b, "From", &m->from, 1);
    if (rc == RN_OK)
        rc = encoded_header(b, "To", m->to, m->nto);
    if (rc == RN_OK)
        rc = encoded_header(b, "Subject", &m->subject, 1);
    const char *ct[1] = {m->html ? "text/html; charset=UTF-8"
                                 : "text/plain; charset=UTF-8"};
    const char *cte[1] = {"quoted-printable"};
    if (rc == RN_OK)
        rc = write_header(b, "Content-Type", ct, 1);
    if (rc == RN_OK)
        rc = write_header(b, "Content-Transfer-Encoding", cte, 1);
    if (rc == RN_OK)
        rc = buf_add_str(b, "\r\n");
    if (rc == RN_OK)
        rc = qp_write(b, m->body, strlen(m->body));
    return rc;
}

/* ---- addresses (Go's net/mail.ParseAddress, without groups) ---- */

struct ap {
    const char *s;
    size_t n, i;
    struct buf *out;
    const char *err;
    char msg[160]; /* formatted errors; err points here */
};

static bool ap_empty(const struct ap *p)
{
    return p->i >= p->n;
}

static void ap_skip_space(struct ap *p)
{
    while (!ap_empty(p) && (p->s[p->i] == ' ' || p->s[p->i] == '\t'))
        p->i++;
}

/* Skip spaces and (nested) comments; false on an unclosed comment. */
static bool ap_skip_cfws(struct ap *p)
{
    ap_skip_space(p);
    while (!ap_empty(p) && p->s[p->i] == '(') {
        int depth = 0;
        do {
            char c = p->s[p->i++];
            if (c == '\\' && !ap_empty(p))
                p->i++;
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
        } while (depth > 0 && !ap_empty(p));
        if (depth > 0)
            return false;
        ap_skip_space(p);
    }
    return true;
}

static bool is_atext(unsigned char c, bool dot)
{
    if (c == '.')
        return dot;
    if (strchr("()<>[]:;@\\,\"", c) && c)
        return false;
    return (c >= '!' && c <= '~') || c >= 0x80;
}

static bool has_double_dot(const char *a, size_t n)
{
    for (size_t k = 1; k < n; k++)
        if (a[k] == '.' && a[k - 1] == '.')
            return true;
    return false;
}

/* An atom (dot-atom when dot); strict rejects dots at the ends and "..". */
static int ap_atom(struct ap *p, bool dot, bool strict, size_t *start,
                   size_t *len)
{
    size_t i = p->i;
    while (i < p->n) {
        const unsigned char *u = (const unsigned char *)p->s + i;
        size_t rl = go_rune_len(u, p->n - i);
        if (rl == 1 && *u >= 0x80) {
            p->err = "mail: invalid utf-8 in address";
            return RN_EINVAL;
        }
        if (!is_atext(*u, dot))
            break;
        i += rl;
    }
    if (i == p->i) {
        p->err = "mail: invalid string";
        return RN_EINVAL;
    }
    const char *a = p->s + p->i;
    size_t n = i - p->i;
    if (strict && a[0] == '.')
        p->err = "mail: leading dot in atom";
    else if (strict && has_double_dot(a, n))
        p->err = "mail: double dot in atom";
    else if (strict && a[n - 1] == '.')
        p->err = "mail: trailing dot in atom";
    if (strict && p->err)
        return RN_EINVAL;
    *start = p->i;
    *len = n;
    p->i = i;
    return RN_OK;
}

/* A quoted string; its unescaped text is appended to p->out when keep. */
static int ap_quoted(struct ap *p, bool keep, size_t *len)
{
    size_t n = 0;
    p->i++; /* the opening quote */
    for (;;) {
        if (ap_empty(p)) {
            p->err = "mail: unclosed quoted-string";
            return RN_EINVAL;
        }
        unsigned char c = (unsigned char)p->s[p->i++];
        if (c == '"')
            break;
        if (c == '\\') {
            if (ap_empty(p)) {
                p->err = "mail: unclosed quoted-string";
                return RN_EINVAL;
            }
            c = (unsigned char)p->s[p->i++];
        }
        if (c < ' ' && c != '\t') {
            p->err = "mail: bad character in quoted-string";
            return RN_EINVAL;
        }
        if (keep && buf_add_char(p->out, (char)c) != RN_OK)
            return RN_ENOMEM;
        n++;
    }
    *len = n;
    return RN_OK;
}

/* addr-spec into p->out; on failure p (and p->out) are restored. */
static int ap_addr_spec(struct ap *p)
{
    size_t save = p->i, olen = p->out->len, st, n;
    int rc = RN_OK;
    ap_skip_space(p);
    if (ap_empty(p)) {
        p->err = "mail: no addr-spec";
        rc = RN_EINVAL;
    } else if (p->s[p->i] == '"') {
        rc = ap_quoted(p, true, &n);
        if (rc == RN_OK && n == 0) {
            p->err = "mail: empty quoted-string in addr-spec";
            rc = RN_EINVAL;
        }
    } else if ((rc = ap_atom(p, true, true, &st, &n)) == RN_OK) {
        rc = buf_add(p->out, p->s + st, n);
    }
    if (rc == RN_OK && (ap_empty(p) || p->s[p->i] != '@')) {
        p->err = "mail: missing @ in addr-spec";
        rc = RN_EINVAL;
    }
    if (rc == RN_OK) {
        p->i++;
        ap_skip_space(p);
        rc = buf_add_char(p->out, '@');
    }
    if (rc == RN_OK && ap_empty(p)) {
        p->err = "mail: no domain in addr-spec";
        rc = RN_EINVAL;
    }
    if (rc == RN_OK && p->s[p->i] == '[') {
        const char *end = memchr(p->s + p->i, ']', p->n - p->i);
        st = p->i;
        if (!end) {
            p->err = "mail: unclosed domain-literal";
            rc = RN_EINVAL;
        } else {
            p->i = (size_t)(end - p->s) + 1;
            rc = buf_add(p->out, p->s + st, p->i - st);
        }
    } else if (rc == RN_OK && (rc = ap_atom(p, true, true, &st, &n)) == RN_OK) {
        rc = buf_add(p->out, p->s + st, n);
    }
    if (rc != RN_OK) {
        p->i = save;
        buf_truncate(p->out, olen);
    }
    return rc;
}

/* display-name: one or more words (atoms or quoted strings). */
static int ap_phrase(struct ap *p)
{
    size_t words = 0, st, n;
    for (;;) {
        if (words > 0 && !ap_skip_cfws(p)) {
            p->err = "mail: misformatted parenthetical comment";
            return RN_EINVAL;
        }
        ap_skip_space(p);
        if (ap_empty(p))
            break;
        const char *err = p->err;
        int rc = p->s[p->i] == '"' ? ap_quoted(p, false, &n)
                                   : ap_atom(p, true, false, &st, &n);
        if (rc == RN_ENOMEM)
            return rc;
        if (rc != RN_OK) {
            if (words > 0)
                p->err = err;
            break;
        }
        words++;
    }
    if (words == 0) {
        char why[sizeof p->msg];
        snprintf(why, sizeof why, "%s",
                 p->err ? p->err : "mail: invalid string");
        snprintf(p->msg, sizeof p->msg, "mail: missing word in phrase: %s",
                 why);
        p->err = p->msg;
        return RN_EINVAL;
    }
    return RN_OK;
}

/* name-addr after a failed addr-spec: [phrase] "<" addr-spec ">". */
static int ap_name_addr(struct ap *p)
{
    p->err = NULL;
    if (p->s[p->i] != '<') {
        size_t st = p->i;
        int rc = ap_phrase(p);
        if (rc != RN_OK)
            return rc;
        ap_skip_space(p);
        if (ap_empty(p) || p->s[p->i] != '<') {
            bool atext = true;
            for (size_t k = st; k < p->i; k++)
                atext = atext && (is_atext((unsigned char)p->s[k], true) ||
                                  p->s[k] == ' ');
            atext = atext && !memchr(p->s + st, ' ', p->i - st);
            p->err =
                atext ? "mail: missing @ in addr-spec" : "mail: no angle-addr";
            return RN_EINVAL;
        }
    }
    p->i++;
    int rc = ap_addr_spec(p);
    if (rc != RN_OK)
        return rc;
    if (ap_empty(p) || p->s[p->i] != '>') {
        p->err = "mail: unclosed angle-addr";
        return RN_EINVAL;
    }
    p->i++;
    return RN_OK;
}

/*
 * The address of one RFC 5322 mailbox, as Go's mail.ParseAddress reads
 * it ("a@b", "Name <a@b>", "\"Q\" <a@b>", "a@b (Name)"): appended to addr.
 * RN_EINVAL with Go's text in err (cap bytes) on a malformed field.
 */
int email_parse_address(const char *field, struct buf *addr, char *err,
                        size_t cap)
{
    struct ap p = {field, strlen(field), 0, addr, NULL, {0}};
    int rc = RN_OK;
    ap_skip_space(&p);
    if (ap_empty(&p)) {
        p.err = "mail: no address";
        rc = RN_EINVAL;
    }
    if (rc == RN_OK)
        rc = ap_addr_spec(&p);
    if (rc == RN_OK) {
        ap_skip_space(&p);
        if (!ap_empty(&p) && p.s[p.i] == '(' && !ap_skip_cfws(&p))
            p.err = "mail: misformatted parenthetical comment", rc = RN_EINVAL;
    } else if (rc != RN_ENOMEM && !ap_empty(&p)) {
        rc = ap_name_addr(&p);
    }
    if (rc == RN_OK && !ap_skip_cfws(&p)) {
        p.err = "mail: misformatted parenthetical comment";
        rc = RN_EINVAL;
    }
    if (rc == RN_OK && !ap_empty(&p)) {
        snprintf(p.msg, sizeof p.msg,
                 "mail: expected single address, got \"%.100s\"", p.s + p.i);
        p.err = p.msg;
        rc = RN_EINVAL;
    }
    if (rc != RN_OK)
        snprintf(err, cap, "%s", rc == RN_ENOMEM ? "out of memory" : p.err);
    return rc;
}

/* ---- recipients ---- */

/*
 * The recipient string split on ',' with spaces trimmed from each part
 * (upstream trims only ' '); an empty string gives one empty recipient.
 */
int email_recipients(struct arena *a, const char *rcpt, const char ***out,
                     size_t *n)
{
    size_t cnt = 1;
    for (const char *p = rcpt; *p; p++)
        cnt += *p == ',';
    const char **l = arena_alloc(a, cnt * sizeof *l);
    if (!l)
        return RN_ENOMEM;
    const char *p = rcpt;
    for (size_t i = 0; i < cnt; i++) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *s = p;
        while (len > 0 && *s == ' ')
            s++, len--;
        while (len > 0 && s[len - 1] == ' ')
            len--;
        l[i] = arena_strndup(a, s, len);
        if (!l[i])
            return RN_ENOMEM;
        p = end ? end + 1 : p + len;
    }
    *out = l;
    *n = cnt;
    return RN_OK;
}

/* The envelope: the sender and the recipients, deduplicated, as the
 * addresses go into MAIL FROM:<...> and RCPT TO:<...>. */
struct envelope {
    const char *from;
    const char **rcpt;
    size_t nrcpt;
};

/* Parse one encoded header value into its address; Go's error text on
 * failure. */
static int envelope_addr(struct arena *a, const char *field, const char **out,
                         struct rn_err *e)
{
    struct buf enc, addr;
    char why[160];
    buf_init(&enc, 1u << 20);
    buf_init(&addr, 1u << 20);
    int rc = email_qencode(&enc, field, strlen(field));
    if (rc == RN_OK)
        rc = email_parse_address(buf_str(&enc), &addr, why, sizeof why);
    if (rc == RN_OK)
        *out = arena_strndup(a, addr.len ? addr.ptr : "", addr.len);
    if (rc == RN_OK && !*out)
        rc = RN_ENOMEM;
    if (rc == RN_EINVAL)
        rn_errf(e, rc,
                "gomail: could not send email 1: gomail: invalid address "
                "\"%.120s\": %s",
                buf_str(&enc), why);
    else if (rc != RN_OK)
        rn_errf(e, rc, "out of memory");
    buf_free(&enc);
    buf_free(&addr);
    return rc;
}

static int envelope_build(struct arena *a, const char *from,
                          const char *const *to, size_t nto,
                          struct envelope *env, struct rn_err *e)
{
    env->rcpt = arena_alloc(a, (nto ? nto : 1) * sizeof *env->rcpt);
    env->nrcpt = 0;
    int rc = env->rcpt ? envelope_addr(a, from, &env->from, e) : RN_ENOMEM;
    for (size_t i = 0; rc == RN_OK && i < nto; i++) {
        const char *addr;
        rc = envelope_addr(a, to[i], &addr, e);
        bool dup = false;
        for (size_t k = 0; rc == RN_OK && k < env->nrcpt; k++)
            dup = dup || strcmp(env->rcpt[k], addr) == 0;
        if (rc == RN_OK && !dup)
            env->rcpt[env->nrcpt++] = addr;
    }
    if (rc == RN_ENOMEM && e && !e->code)
        rn_errf(e, rc, "out of memory");
    return rc;
}

/* ---- the connection under the dialogue (smtp.c) ---- */

struct link {
    struct svc_conn conn;
    struct svc_tls tls;
};

static int link_read(void *ud, char *buf, size_t cap, size_t *got,
                     struct rn_err *e)
{
    struct link *l = ud;
    return svc_conn_read(&l->conn, buf, cap, got, e);
}

static int link_write(void *ud, const char *p, size_t n, struct rn_err *e)
{
    struct link *l = ud;
    return svc_conn_write(&l->conn, p, n, e);
}

static int link_starttls(void *ud, bool *permanent, struct rn_err *e)
{
    struct link *l = ud;
    return svc_conn_tls(&l->conn, &l->tls, permanent, e);
}

/* The send is decided: QUIT's reply gets at most ms more. */
static void link_linger(void *ud, int ms)
{
    struct link *l = ud;
    int64_t until = svc_now_ms() + ms;
    if (!l->conn.deadline_ms || until < l->conn.deadline_ms)
        l->conn.deadline_ms = until;
}

/*
 * Connect (every address, 10 s as upstream's dialer, never past the
 * deadline), implicit TLS when upstream would use it (port 465 with both
 * credentials), then the dialogue.  Every wait ends by the delivery's
 * deadline, or by the whole-send limit (svc_opts.timeout_ms) when that
 * comes first.
 */
static int smtp_deliver(const struct email_opts *o, const struct svc_opts *so,
                        const struct svc_call *c, const struct envelope *env,
                        const struct buf *msg, bool *retryable,
                        struct rn_err *e)
{
    bool auth = *o->username && *o->password;
    char port[24];
    char why[sizeof e->msg];
    bool refused, bad = false;
    int64_t until = svc_now_ms() + so->timeout_ms;
    if (c->deadline_ms && c->deadline_ms < until)
        until = c->deadline_ms;
    snprintf(port, sizeof port, "%" PRId64, o->port);
    struct svc_dial d = {o->host, port, (int)so->connect_timeout_ms, until,
                         SVC_DIAL_GO};
    struct link l = {.tls = {o->host, so->ca_file, o->insecure}};
    *retryable = true;
    if (svc_conn_dial(&l.conn, &d, why, sizeof why, &refused) != RN_OK)
        return rn_errf(e, RN_EIO, "%s", why);
    l.conn.deadline_ms = until;
    int rc =
        o->port == 465 && auth ? svc_conn_tls(&l.conn, &l.tls, &bad, e) : RN_OK;
    *retryable = !bad;
    struct smtp_io io = {&l, link_read, link_write, link_starttls, link_linger};
    struct smtp_mail m = {
        o->host,   o->username, o->password, o->port == 465 && auth,
        env->from, env->rcpt,   env->nrcpt,  msg->len ? msg->ptr : "",
        msg->len};
    if (rc == RN_OK)
        rc = smtp_send_mail(&io, &m, retryable, e);
    svc_conn_close(&l.conn);
    return rc;
}

/* The send hook: render, address, deliver. */
static int email_send(const void *state, struct svc_call *c, bool *retryable,
                      struct rn_err *e)
{
    const struct email_opts *o = state;
    struct svc_opts so;
    struct email_msg m;
    struct envelope env = {NULL, NULL, 0};
    struct buf msg;
    const char **to;
    size_t nto;
    time_t now = time(NULL);
    struct tm tm;
    memset(&m, 0, sizeof m);
    *retryable = false;
    svc_opts_default(&so);
    int rc = email_recipients(c->a, c->recipient, &to, &nto);
    if (rc != RN_OK)
        return rn_errf(e, rc, "out of memory");
    m.from = o->from;
    m.to = to;
    m.nto = nto;
    m.subject = svc_field(c->root, "email", "subject");
    m.body = svc_field(c->root, "email", "body");
    if (!*m.body)
        m.body = svc_message(c->root);
    m.html = o->html;
    m.date = (int64_t)now;
    m.zone = localtime_r(&now, &tm) ? (int32_t)tm.tm_gmtoff : 0;
    if (!*o->host || o->port == 0)
        return rn_errf(e, RN_ECONFIG,
                       "dial tcp %s:%" PRId64 ": the email service needs "
                       "host and port",
                       o->host, o->port);
    rc = envelope_build(c->a, o->from, to, nto, &env, e);
    buf_init(&msg, 64u << 20);
    if (rc == RN_OK && email_message(&msg, &m) != RN_OK)
        rc = rn_errf(e, RN_ENOMEM, "the message is too large");
    if (rc == RN_OK)
        rc = smtp_deliver(o, &so, c, &env, &msg, retryable, e);
    buf_free(&msg);
    return rc;
}

static int email_configure(void *state, struct arena *a, struct rn_err *e)
{
    struct email_opts *o = state;
    (void)a;
    if (o->port < 0 || o->port > 65535)
        return rn_errf(e, RN_ECONFIG, "email: port %" PRId64 " is out of range",
                       o->port);
    return RN_OK;
}

/* Email has no HTTP request; svc_build() explains that. */
static int email_build(const void *state, struct svc_call *c,
                       struct http_req *out, struct rn_err *e)
{
    (void)state;
    (void)c;
    memset(out, 0, sizeof *out);
    return rn_errf(e, RN_EINVAL, "email is sent over SMTP, not HTTP");
}

const struct svc_type svc_email = {
    .name = "email",
    .opts = email_opts,
    .nopts = sizeof email_opts / sizeof *email_opts,
    .opts_size = sizeof(struct email_opts),
    .configure = email_configure,
    .build = email_build,
    .send = email_send,
};
