/*
 * kube_fixture.h: what the kube unit tests share: a temporary directory
 * per test and files written into it.
 */
#ifndef RN_KUBE_FIXTURE_H
#define RN_KUBE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct kfix {
    char dir[256];
};

/* A fresh directory under $TMPDIR (or /tmp). */
static inline int kfix_init(struct kfix *f)
{
    const char *t = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/rn-kube-XXXXXX", t && *t ? t : "/tmp");
    return mkdtemp(f->dir) ? 0 : -1;
}

/* dir/name, in a static rotating buffer (a few at once). */
static inline const char *kfix_path(const struct kfix *f, const char *name)
{
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, 512, "%s/%s", f->dir, name);
    return b;
}

/* Write text to dir/name (creating a subdirectory first when name has
 * one level); returns the path. */
static inline const char *kfix_write(const struct kfix *f, const char *name,
                                     const char *text)
{
    const char *p = kfix_path(f, name);
    const char *slash = strchr(name, '/');
    if (slash) {
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%.*s", f->dir, (int)(slash - name), name);
        mkdir(sub, 0700);
    }
    FILE *fp = fopen(p, "w");
    if (!fp)
        return NULL;
    fputs(text, fp);
    fclose(fp);
    return p;
}

static inline void kfix_cleanup(struct kfix *f)
{
    char cmd[600];
    if (!f->dir[0] || strncmp(f->dir, "/", 1) != 0 ||
        !strstr(f->dir, "rn-kube-"))
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
}

#endif
