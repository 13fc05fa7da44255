/*
 * fuzz_nats_line.c: the lines a NATS server sends (INFO with its JSON,
 * PING, PONG, +OK, -ERR and anything else), one per input line, through
 * the parser nats.c's dialogue uses.  Nothing may crash; an INFO that
 * parses yields a nonce inside the arena and a non-negative or absent
 * max_payload is taken as given.
 */
#include "core/arena.h"
#include "core/err.h"
#include "services/svc_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    struct arena a;
    arena_init(&a, 0);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        size_t k = n && p[n - 1] == '\r' ? n - 1 : n;
        char *line = arena_strndup(&a, p, k);
        struct nats_line l;
        struct rn_err e = {0};
        if (line && nats_server_line(&a, line, k, &l, &e) == RN_OK) {
            if (l.arg < line || l.arg + l.arg_len > line + k)
                abort();
            if (l.op == NATS_OP_INFO && !l.nonce)
                abort();
        }
        p += n + 1;
    }
    arena_free(&a);
    return 0;
}
