/*
 * ctl_obs_driver.c: the controller's metrics server with the families the
 * controller declares (upstream's notification_send_* and the delivery
 * queue's rnotify_delivery_*), for tests/controller/test_exposition.py.
 * Fills a few series (one with a label value that needs escaping),
 * serves on 127.0.0.1:0, prints "PORT <n>", and stops cleanly when its
 * standard input closes.
 */
#include "controller/controller_int.h"
#include "kube/kube.h"

#include <stdio.h>

static const char *const ev_labels[] = {"namespace", "name", "type", "reason"};
static const char *const h_labels[] = {"namespace", "name"};
static const double h_buckets[] = {0.01, 0.15, 0.25, 0.5, 1};

static void no_done(void *ud, struct ctl_item *it, bool ok,
                    const struct svc_result *r)
{
    (void)ud;
    (void)ok;
    (void)r;
    ctl_item_free(it);
}

static void fill(struct ctl_metrics *m)
{
    int ok = ctl_metric_family(m, "notification_send_success",
                               "Number of successful notification sends",
                               CTL_COUNTER, ev_labels, 4, NULL, 0);
    int err = ctl_metric_family(m, "notification_send_error",
                                "Number of failed notification sends",
                                CTL_COUNTER, ev_labels, 4, NULL, 0);
    int h = ctl_metric_family(m, "notification_send",
                              "Notification send performance.", CTL_HISTOGRAM,
                              h_labels, 2, h_buckets, 5);
    const char *a[] = {"prod", "web", "Normal", "RolloutCompleted"};
    const char *b[] = {"dev", "we\"ird\\na\nme", "Warning", "RolloutAborted"};
    const char *ha[] = {"prod", "web"};
    ctl_metric_add(m, ok, a, 2);
    ctl_metric_add(m, err, b, 1);
    ctl_metric_observe(m, h, ha, 0.005);
    ctl_metric_observe(m, h, ha, 0.3);
    ctl_metric_observe(m, h, ha, 7);
}

int main(void)
{
    struct kube_loop *l = NULL;
    struct ctl_metrics *m = NULL;
    struct ctl_dq *q = NULL;
    struct ctl_httpd *s = NULL;
    struct ctl_health hl = {1, 0, NULL, "waiting for caches"};
    struct rn_err e = {0};
    struct ctl_dq_opts o = {0};
    if (kube_loop_new(&l) || ctl_metrics_new(&m))
        return 1;
    o.m = m;
    if (ctl_dq_new(l, &o, no_done, NULL, &q) != RN_OK)
        return 1;
    fill(m);
    if (ctl_httpd_start("127.0.0.1:0", m, &hl, &s, &e) != RN_OK) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    printf("PORT %d\n", ctl_httpd_port(s));
    fflush(stdout);
    while (getchar() != EOF)
        ;
    ctl_httpd_stop(s);
    ctl_dq_free(q);
    kube_loop_free(l);
    ctl_metrics_free(m);
    return 0;
}
