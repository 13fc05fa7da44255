/*
 * auth.c: bearer tokens.
 *
 * The sandbox knows a set of tokens, each naming a user; they come from
 * --token / --token-file at start and from the admin API at run time (so
 * token-rotation tests can revoke the old token while the client still
 * holds it).  Token values never leave this file: the journal and the
 * watch list record the user only.
 */
#include "sandbox.h"

#include "core/alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int sb_tokens_init(struct sb_tokens *t)
{
    pthread_mutex_init(&t->mu, NULL);
    map_init(&t->users);
    return RN_OK;
}

static void free_users(struct map *m)
{
    size_t i = 0, kn;
    const char *k;
    void *v;
    while (map_next(m, &i, &k, &kn, &v))
        rn_free(v);
    map_free(m);
}

void sb_tokens_free(struct sb_tokens *t)
{
    free_users(&t->users);
    pthread_mutex_destroy(&t->mu);
}

int sb_tokens_add(struct sb_tokens *t, const char *token, const char *user)
{
    char *u = rn_strndup(user, strlen(user));
    void *old = NULL;
    if (!u || !*token)
        return rn_free(u), RN_EINVAL;
    pthread_mutex_lock(&t->mu);
    int rc = map_put(&t->users, token, strlen(token), u, &old);
    pthread_mutex_unlock(&t->mu);
    rn_free(rc ? u : old);
    return rc;
}

bool sb_tokens_revoke(struct sb_tokens *t, const char *token)
{
    pthread_mutex_lock(&t->mu);
    void *u = map_del(&t->users, token, strlen(token));
    pthread_mutex_unlock(&t->mu);
    rn_free(u);
    return u != NULL;
}

size_t sb_tokens_count(struct sb_tokens *t)
{
    pthread_mutex_lock(&t->mu);
    size_t n = map_len(&t->users);
    pthread_mutex_unlock(&t->mu);
    return n;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* token,user[,group...] */
static int load_line(struct sb_tokens *t, char *line, int lineno,
                     const char *path, struct rn_err *e)
{
    char *s = trim(line);
    if (!*s || *s == '#')
        return RN_OK;
    char *comma = strchr(s, ',');
    if (!comma)
        return rn_errf_at(e, RN_ECONFIG, path, lineno, 1,
                          "want token,user[,group...]");
    *comma = '\0';
    char *user = comma + 1, *more = strchr(user, ',');
    if (more)
        *more = '\0';
    return sb_tokens_add(t, trim(s), trim(user));
}

int sb_tokens_load(struct sb_tokens *t, const char *path, struct rn_err *e)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int rc = RN_OK, lineno = 0;
    if (!f)
        return rn_errf(e, RN_EIO, "cannot open token file %s", path);
    while (!rc && fgets(line, sizeof line, f))
        rc = load_line(t, line, ++lineno, path, e);
    fclose(f);
    return rc;
}

bool sb_tokens_check(struct sb_tokens *t, const char *authz, char *user,
                     size_t n)
{
    if (!authz || strncasecmp(authz, "Bearer ", 7))
        return false;
    const char *tok = authz + 7;
    while (*tok == ' ')
        tok++;
    pthread_mutex_lock(&t->mu);
    const char *u = map_get(&t->users, tok, strlen(tok));
    if (u)
        snprintf(user, n, "%s", u);
    pthread_mutex_unlock(&t->mu);
    return u != NULL;
}
