/*
 * fuzz_smtp_reply.c: an SMTP server's replies (greeting, EHLO with its
 * extensions, STARTTLS, AUTH challenges, errors, multi-line replies) fed
 * to the dialogue watcher that email.c runs beside libcurl, which decides
 * STARTTLS, the AUTH mechanism, LOGIN's challenges and the error to
 * report.  The first byte sets credentials / loopback / TLS.  Nothing may
 * crash and the reported text is always a terminated string.
 */
#include "services/svc_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[512];
    if (size < 1)
        return 0;
    memset(why, 'x', sizeof why);
    email_watch_replies((const char *)data + 1, size - 1, data[0] & 7u, why,
                        sizeof why);
    if (!memchr(why, '\0', sizeof why))
        abort();
    return 0;
}
