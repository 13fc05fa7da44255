/*
 * fuzz_config.c: ConfigMap loading under hostile input.
 *
 * The input is read two ways: as a manifest stream (the ConfigMap and
 * Secret documents are looked up by kind and name), and as a list of
 * entries separated by lines "%%", each "key\nvalue" (so the fuzzer can
 * reach every key kind directly).  Every snapshot built is then exercised:
 * destinations for a fixed object, each template rendered, each trigger
 * run; each Secret value must be masked whole by a mask of the Secret.
 * Nothing may crash, leak or hang; errors are expected.
 */
#include "config/config.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/mask.h"
#include "engine/engine.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES 32

static const char object_json[] =
    "{\"metadata\":{\"name\":\"r\",\"labels\":{\"app\":\"a\"},"
    "\"annotations\":{\"notifications.argoproj.io/subscribe.on-x.slack\":"
    "\"c1;c2\",\"notifications.argoproj.io/subscriptions\":"
    "\"- trigger: [on-y]\\n  destinations: [{service: w, recipients: [r]}]\""
    "}},\"status\":{\"phase\":\"Healthy\"}}";

static void exercise(struct cfg *c, struct arena *a)
{
    struct val obj, vars;
    struct eng_dests d;
    struct rn_err e;
    if (json_parse(a, object_json, sizeof object_json - 1, NULL, &obj, &e) ||
        eng_vars(c, obj, NULL, a, &vars))
        return;
    eng_destinations(c, obj, ENG_DEST_DEDUP, a, &d);
    for (size_t i = 0; i < cfg_template_count(c) && i < 8; i++) {
        const struct cfg_template *t = cfg_template_at(c, i);
        struct notif *n = eng_notif_new(a);
        struct buf b;
        if (!t || !n || eng_notif_apply(n, t, vars, a, &e) != RN_OK)
            continue;
        buf_init(&b, 1u << 20);
        eng_notif_json(n, &b);
        eng_notif_yaml(n, &b);
        buf_free(&b);
    }
    for (size_t i = 0; i < cfg_trigger_count(c) && i < 8; i++) {
        const struct cfg_trigger *t = cfg_trigger_at(c, i);
        struct eng_cond_result *r;
        size_t n;
        if (t)
            eng_conditions_run(t, vars, a, &r, &n);
    }
}

/* Every Secret value, masked on its own, is masked whole: whatever bytes
 * it holds, no part of it survives its own mask. */
static void masks(const struct cfg_data *secret)
{
    struct mask *m = mask_new();
    for (size_t i = 0; m && i < secret->n; i++)
        mask_add(m, secret->items[i].value, secret->items[i].vlen);
    for (size_t i = 0; m && i < secret->n; i++) {
        const struct cfg_entry *en = &secret->items[i];
        struct buf b;
        buf_init(&b, 0);
        if (en->vlen >= MASK_MIN_LEN &&
            mask_apply(m, &b, en->value, en->vlen, SIZE_MAX) == RN_OK &&
            strcmp(buf_str(&b), MASK_TEXT) != 0)
            abort();
        buf_free(&b);
    }
    mask_unref(m);
}

static void load(const struct cfg_data *cm, const struct cfg_data *secret)
{
    struct cfg *c;
    struct arena a;
    struct rn_err e;
    if (cfg_load(cm, secret, NULL, &c, &e) != RN_OK)
        return;
    arena_init(&a, 64u << 20);
    exercise(c, &a);
    arena_free(&a);
    cfg_unref(c);
}

/* "key\nvalue" entries separated by "\n%%\n" */
static size_t split(const char *s, size_t n, struct cfg_entry *out)
{
    size_t k = 0;
    const char *end = s + n;
    while (s < end && k < MAX_ENTRIES) {
        const char *sep = memmem(s, (size_t)(end - s), "\n%%\n", 4);
        const char *stop = sep ? sep : end;
        const char *nl = memchr(s, '\n', (size_t)(stop - s));
        out[k].key = s;
        out[k].klen = nl ? (size_t)(nl - s) : (size_t)(stop - s);
        out[k].value = nl ? nl + 1 : stop;
        out[k].vlen = (size_t)(stop - out[k].value);
        out[k].key_line = out[k].key_col = 0;
        k++;
        s = sep ? sep + 4 : end;
    }
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    struct cfg_data cm, secret;
    struct cfg_entry items[MAX_ENTRIES];
    struct rn_err e;
    const char *s = (const char *)data;
    if (size > 64 * 1024)
        return 0;
    arena_init(&a, 0);
    if (cfg_data_from_manifest(&a, s, size, "ConfigMap",
                               "argo-rollouts-notification-configmap", "in",
                               &cm, &e) == RN_OK) {
        int rs = cfg_data_from_manifest(&a, s, size, "Secret",
                                        "argo-rollouts-notification-secret",
                                        "in", &secret, &e);
        load(&cm, rs == RN_OK ? &secret : NULL);
        if (rs == RN_OK)
            masks(&secret);
    }
    struct cfg_data kv = {items, split(s, size, items), "", "", 0, 0};
    load(&kv, NULL);
    arena_free(&a);
    return 0;
}
