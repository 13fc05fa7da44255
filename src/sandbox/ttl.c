/*
 * ttl.c: Event expiry.
 *
 * kube-apiserver deletes an Event a fixed time (--event-ttl, default one
 * hour) after its last write, and watchers see DELETED.  A thread sweeps
 * once a second against the virtual clock; /__emu/clock sweeps at once
 * after moving it, so tests need not wait.
 */
#include "sandbox.h"

#include "core/alloc.h"

#include <string.h>
#include <time.h>

size_t sb_ttl_sweep(struct sb *sb)
{
    int64_t ttl = (int64_t)sb->cfg.event_ttl_s * 1000000000;
    int64_t now = sb_now_ns();
    size_t n = 0;
    if (ttl <= 0)
        return 0;
    struct arena a;
    arena_init(&a, 0);
    sb_lock(sb);
    struct map *m = &sb->store.objs[SB_EVENTS];
    const char **ns = rn_malloc((map_len(m) + 1) * sizeof *ns);
    const char **name = rn_malloc((map_len(m) + 1) * sizeof *name);
    size_t i = 0, kn, k = 0;
    const char *key;
    void *v;
    while (ns && name && map_next(m, &i, &key, &kn, &v)) {
        struct sb_item *it = v;
        if (now - it->touched_ns < ttl)
            continue;
        ns[k] = arena_strdup(
            &a, sb_get_str(it->doc->root, "metadata", "namespace"));
        name[k++] =
            arena_strdup(&a, sb_get_str(it->doc->root, "metadata", "name"));
    }
    for (i = 0; i < k; i++) {
        struct sb_wreq w = {.verb = SB_W_DELETE,
                            .res = SB_EVENTS,
                            .ns = ns[i],
                            .name = name[i]};
        struct doc *d = NULL;
        struct sb_status st;
        int code;
        sb_status_init(&st);
        if (sb_write_locked(sb, &w, &a, &d, &code, &st) == RN_OK)
            n++;
        doc_unref(d);
    }
    sb_unlock(sb);
    rn_free(ns);
    rn_free(name);
    arena_free(&a);
    return n;
}

static void *ttl_main(void *arg)
{
    struct sb *sb = arg;
    pthread_mutex_lock(&sb->ttl_mu);
    while (!sb->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&sb->ttl_cond, &sb->ttl_mu, &ts);
        if (sb->stopping)
            break;
        pthread_mutex_unlock(&sb->ttl_mu);
        sb_ttl_sweep(sb);
        pthread_mutex_lock(&sb->ttl_mu);
    }
    pthread_mutex_unlock(&sb->ttl_mu);
    return NULL;
}

int sb_ttl_start(struct sb *sb)
{
    pthread_mutex_init(&sb->ttl_mu, NULL);
    pthread_cond_init(&sb->ttl_cond, NULL);
    return pthread_create(&sb->ttl_thread, NULL, ttl_main, sb) ? RN_EIO : RN_OK;
}

void sb_ttl_kick(struct sb *sb)
{
    pthread_mutex_lock(&sb->ttl_mu);
    pthread_cond_broadcast(&sb->ttl_cond);
    pthread_mutex_unlock(&sb->ttl_mu);
}

void sb_ttl_stop(struct sb *sb)
{
    sb->stopping = 1;
    sb_ttl_kick(sb);
    pthread_join(sb->ttl_thread, NULL);
    pthread_cond_destroy(&sb->ttl_cond);
    pthread_mutex_destroy(&sb->ttl_mu);
}
