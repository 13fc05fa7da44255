/*
 * escape.c: the html, js and urlquery builtins' escapers (Go's
 * HTMLEscapeString, JSEscapeString and url.QueryEscape), byte for byte.
 */
#include "template_int.h"

#include "../core/buf.h"
#include "../core/utf8.h"

#include <stdio.h>

/* Go's HTMLEscapeString of s[0..n), appended to b; a buf status. */
int tpl_html_escape(struct buf *b, const char *s, size_t n)
{
    int rc = 0;
    size_t last = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const char *rep;
        switch (s[i]) {
        case '\0':
            rep = "\xef\xbf\xbd";
            break;
        case '"':
            rep = "&#34;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        default:
            continue;
        }
        rc = buf_add(b, s + last, i - last);
        if (!rc)
            rc = buf_add_str(b, rep);
        last = i + 1;
    }
    return rc ? rc : buf_add(b, s + last, n - last);
}

/* unicode.IsPrint for runes above ASCII, without the full tables: the
 * separators, format and control characters and private-use and
 * unassigned planes that Go does not print. */
static bool rune_printable(uint32_t r)
{
    if (r <= 0xa0 || r == 0xad || r == 0x61c || r == 0x1680 || r == 0x180e ||
        r == 0x3000 || r == 0xfeff)
        return false;
    if ((r >= 0x2000 && r <= 0x200f) || (r >= 0x2028 && r <= 0x202f) ||
        (r >= 0x205f && r <= 0x206f))
        return false;
    if ((r >= 0xd800 && r <= 0xf8ff) || (r >= 0xfff0 && r <= 0xfffb) ||
        r == 0xfffe || r == 0xffff)
        return false;
    if (r >= 0xe0000)
        return false;
    return true;
}

/* Go's JSEscapeString of s[0..n), appended to b; a buf status. */
int tpl_js_escape(struct buf *b, const char *s, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            switch (c) {
            case '\\':
                rc = buf_add_str(b, "\\\\");
                break;
            case '\'':
                rc = buf_add_str(b, "\\'");
                break;
            case '"':
                rc = buf_add_str(b, "\\\"");
                break;
            case '<':
                rc = buf_add_str(b, "\\u003C");
                break;
            case '>':
                rc = buf_add_str(b, "\\u003E");
                break;
            case '&':
                rc = buf_add_str(b, "\\u0026");
                break;
            case '=':
                rc = buf_add_str(b, "\\u003D");
                break;
            default:
                if (c < ' ')
                    rc = buf_add_fmt(b, "\\u%04X", c);
                else
                    rc = buf_add_char(b, (char)c);
            }
            i++;
            continue;
        }
        uint32_t r;
        size_t w = utf8_decode(s + i, n - i, &r);
        if (rune_printable(r))
            rc = buf_add(b, s + i, w);
        else
            rc = buf_add_fmt(b, "\\u%04X", (unsigned)r);
        i += w;
    }
    return rc;
}
