/*
 * network.c: sprig's getHostByName, a blocking resolver lookup.
 *
 * Upstream returns a random one of net.LookupHost's addresses and panics
 * (an exec error here) when there are none.  We return the first address
 * getaddrinfo gives, which is the resolver's preferred one, so a template
 * renders the same way twice.
 */
#include "sprig_int.h"

#include "../../core/err.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

/* getHostByName name: an IPv4 or IPv6 address string. */
static int f_get_host_by_name(struct tpl_fcall *c, const struct val *argv,
                              int argc, struct val *out)
{
    struct addrinfo hints, *res = NULL;
    char text[INET6_ADDRSTRLEN] = "";
    (void)argc;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (val_str_len(argv[0]) > 0 &&
        strlen(val_str_ptr(argv[0])) == val_str_len(argv[0]) &&
        getaddrinfo(val_str_ptr(argv[0]), NULL, &hints, &res) == 0) {
        for (struct addrinfo *ai = res; ai && !text[0]; ai = ai->ai_next) {
            const void *addr = NULL;
            if (ai->ai_family == AF_INET)
                addr = &((struct sockaddr_in *)ai->ai_addr)->sin_addr;
            else if (ai->ai_family == AF_INET6)
                addr = &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
            if (addr && !inet_ntop(ai->ai_family, addr, text, sizeof text))
                text[0] = '\0';
        }
        freeaddrinfo(res);
    }
    if (!text[0])
        return sprig_fail(c, "invalid argument to Intn");
    return sprig_out_str(c, text, strlen(text), out);
}

static const struct tpl_func_def network_funcs[] = {
    {"getHostByName", f_get_host_by_name, "s", NULL},
};

SPRIG_GROUP(network, network_funcs);
