/*
 * test_sandbox.c: the sandbox's parsers and its store, without a server:
 * label and field selectors, RFC 7386 merge patch and RFC 6902 JSON patch
 * (the RFCs' own examples), the protobuf envelope kubectl sends, time
 * formats, and writes and consistent pages through the store (so the
 * ASan build covers them too).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/json.h"
#include "sandbox/sandbox.h"

#include <stdio.h>
#include <string.h>

static struct val parse(struct arena *a, const char *s)
{
    struct val v;
    struct rn_err e;
    assert_int_equal(sb_parse_body(a, s, strlen(s), false, &v, &e), RN_OK);
    return v;
}

static void assert_json(struct val v, const char *want)
{
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(sb_emit(&b, v), RN_OK);
    assert_string_equal(buf_str(&b), want);
    buf_free(&b);
}

/* ---- selectors ---- */

static bool labels_match(const char *sel, const char *obj)
{
    struct arena a;
    struct sb_selector s;
    struct rn_err e;
    arena_init(&a, 0);
    assert_int_equal(sb_label_parse(&a, sel, &s, &e), RN_OK);
    bool m = sb_sel_match(&s, parse(&a, obj), SB_CONFIGMAPS);
    arena_free(&a);
    return m;
}

static void test_label_selectors(void **state)
{
    (void)state;
    const char *o = "{\"metadata\":{\"labels\":{\"env\":\"prod\","
                    "\"tier\":\"web\",\"n\":\"7\"}}}";
    assert_true(labels_match("", o));
    assert_true(labels_match("env=prod", o));
    assert_true(labels_match(" env == prod , tier ", o));
    assert_false(labels_match("env!=prod", o));
    assert_true(labels_match("env in (dev, prod)", o));
    assert_false(labels_match("env notin (prod)", o));
    assert_true(labels_match("!missing", o));
    assert_false(labels_match("!env", o));
    assert_true(labels_match("n>6,n<8", o));
    assert_true(labels_match("example.com/role notin (x)", o));
    assert_true(labels_match("app=", "{\"metadata\":{\"labels\":{\"app\":"
                                     "\"\"}}}"));

    const char *bad[] = {"env in (a",    "env in a", "=x",     "env=(x)",
                         "a b",          "env>x",    "-bad=1", "a,,b",
                         "env in (a b)", "x/y/z=1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct arena a;
        struct sb_selector s;
        struct rn_err e;
        arena_init(&a, 0);
        assert_int_not_equal(sb_label_parse(&a, bad[i], &s, &e), RN_OK);
        assert_true(e.msg[0] != '\0');
        arena_free(&a);
    }
}

static void test_field_selectors(void **state)
{
    (void)state;
    struct arena a;
    struct sb_selector s;
    struct rn_err e;
    arena_init(&a, 0);
    struct val ev = parse(&a, "{\"metadata\":{\"name\":\"a,b\"},"
                              "\"involvedObject\":{\"kind\":\"Rollout\"},"
                              "\"reportingComponent\":\"rc\"}");
    assert_int_equal(sb_field_parse(&a,
                                    "involvedObject.kind=Rollout,"
                                    "metadata.name==a\\,b",
                                    SB_EVENTS, &s, &e),
                     RN_OK);
    assert_int_equal(s.n, 2);
    assert_true(sb_sel_match(&s, ev, SB_EVENTS));
    assert_int_equal(
        sb_field_parse(&a, "source=rc,reason!=X", SB_EVENTS, &s, &e), RN_OK);
    assert_true(sb_sel_match(&s, ev, SB_EVENTS)); /* reportingComponent */
    assert_int_equal(
        sb_field_parse(&a, "involvedObject.kind=Rollout", SB_ROLLOUTS, &s, &e),
        RN_EINVAL);
    assert_string_equal(e.msg,
                        "field label not supported: involvedObject.kind");
    assert_int_not_equal(sb_field_parse(&a, "novalue", SB_EVENTS, &s, &e),
                         RN_OK);
    assert_int_not_equal(
        sb_field_parse(&a, "metadata.name=a\\q", SB_EVENTS, &s, &e), RN_OK);
    assert_int_equal(sb_field_parse(&a, "type=Opaque", SB_SECRETS, &s, &e),
                     RN_OK);
    assert_true(sb_sel_match(&s, parse(&a, "{}"), SB_SECRETS));
    arena_free(&a);
}

/* ---- patches ---- */

/* RFC 7386 appendix A: target, patch, result. */
static const char *const merge_cases[][3] = {
    {"{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
    {"{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"},
    {"{\"a\":\"b\"}", "{\"a\":null}", "{}"},
    {"{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"},
    {"{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
    {"{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"},
    {"{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}",
     "{\"a\":{\"b\":\"d\"}}"},
    {"{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"},
    {"[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]"},
    {"{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]"},
    {"{\"a\":\"foo\"}", "null", "null"},
    {"{\"a\":\"foo\"}", "\"bar\"", "\"bar\""},
    {"{\"e\":null}", "{\"a\":1}", "{\"a\":1,\"e\":null}"},
    {"[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"},
    {"{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"},
};

static void test_merge_patch(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof merge_cases / sizeof *merge_cases; i++) {
        struct arena a;
        struct val out;
        arena_init(&a, 0);
        assert_int_equal(sb_merge_patch(&a, parse(&a, merge_cases[i][0]),
                                        parse(&a, merge_cases[i][1]), &out),
                         RN_OK);
        assert_json(out, merge_cases[i][2]);
        arena_free(&a);
    }
    struct arena a;
    struct val out;
    arena_init(&a, 0);
    assert_int_equal(
        sb_strategic_patch(&a, parse(&a, "{\"data\":{\"a\":\"1\"}}"),
                           parse(&a, "{\"$patch\":\"merge\",\"data\":"
                                     "{\"$retainKeys\":[],\"b\":\"2\"}}"),
                           &out),
        RN_OK);
    assert_json(out, "{\"data\":{\"a\":\"1\",\"b\":\"2\"}}");
    arena_free(&a);
}

/* RFC 6902 appendix A (and errors): document, patch, result or NULL. */
static const char *const json_cases[][3] = {
    {"{\"foo\":\"bar\"}",
     "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":"
     "\"qux\"}]",
     "{\"baz\":\"qux\",\"foo\":\"bar\"}"},
    {"{\"foo\":[\"bar\",\"baz\"]}",
     "[{\"op\":\"add\",\"path\":\"/foo/1\","
     "\"value\":\"qux\"}]",
     "{\"foo\":[\"bar\",\"qux\",\"baz\"]}"},
    {"{\"baz\":\"qux\",\"foo\":\"bar\"}",
     "[{\"op\":\"remove\",\"path\":"
     "\"/baz\"}]",
     "{\"foo\":\"bar\"}"},
    {"{\"foo\":[\"bar\",\"qux\",\"baz\"]}",
     "[{\"op\":\"remove\",\"path\":"
     "\"/foo/1\"}]",
     "{\"foo\":[\"bar\",\"baz\"]}"},
    {"{\"baz\":\"qux\"}",
     "[{\"op\":\"replace\",\"path\":\"/baz\","
     "\"value\":\"boo\"}]",
     "{\"baz\":\"boo\"}"},
    {"{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},\"qux\":{\"corge\":"
     "\"grault\"}}",
     "[{\"op\":\"move\",\"from\":\"/foo/waldo\",\"path\":\"/qux/thud\"}]",
     "{\"foo\":{\"bar\":\"baz\"},\"qux\":{\"corge\":\"grault\",\"thud\":"
     "\"fred\"}}"},
    {"{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}",
     "[{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]",
     "{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}"},
    {"{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
     "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},{\"op\":"
     "\"test\",\"path\":\"/foo/1\",\"value\":2}]",
     "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}"},
    {"{\"baz\":\"qux\"}",
     "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":"
     "\"bar\"}]",
     NULL},
    {"{\"foo\":\"bar\"}",
     "[{\"op\":\"add\",\"path\":\"/child\",\"value\":"
     "{\"grandchild\":{}}}]",
     "{\"child\":{\"grandchild\":{}},\"foo\":\"bar\"}"},
    {"{\"foo\":\"bar\"}",
     "[{\"op\":\"add\",\"path\":\"/baz/bat\","
     "\"value\":\"qux\"}]",
     NULL},
    {"{\"/\":9,\"~1\":10}",
     "[{\"op\":\"test\",\"path\":\"/~01\","
     "\"value\":10}]",
     "{\"/\":9,\"~1\":10}"},
    {"{\"foo\":[\"bar\"]}",
     "[{\"op\":\"add\",\"path\":\"/foo/-\","
     "\"value\":[\"abc\",\"def\"]}]",
     "{\"foo\":[\"bar\",[\"abc\",\"def\"]]}"},
    {"{\"foo\":[1]}", "[{\"op\":\"add\",\"path\":\"/foo/01\",\"value\":2}]",
     NULL},
    {"{\"foo\":[1]}", "[{\"op\":\"remove\",\"path\":\"/foo/1\"}]", NULL},
    {"{\"a\":{\"b\":1}}",
     "[{\"op\":\"move\",\"from\":\"/a\",\"path\":"
     "\"/a/c\"}]",
     NULL},
    {"{\"a\":1}", "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/b\"}]",
     "{\"a\":1,\"b\":1}"},
    {"{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":[]}]", "[]"},
    {"{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"\"}]", NULL},
    {"{\"a\":1}", "[{\"op\":\"jump\",\"path\":\"/a\"}]", NULL},
    {"{\"a\":1}", "[{\"op\":\"add\",\"path\":\"a\",\"value\":1}]", NULL},
    {"{\"a\":1}", "{\"op\":\"add\"}", NULL},
};

static void test_json_patch(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof json_cases / sizeof *json_cases; i++) {
        struct arena a;
        struct val out;
        struct rn_err e;
        arena_init(&a, 0);
        int rc = sb_json_patch(&a, parse(&a, json_cases[i][0]),
                               parse(&a, json_cases[i][1]), &out, &e);
        if (json_cases[i][2]) {
            assert_int_equal(rc, RN_OK);
            assert_json(out, json_cases[i][2]);
        } else {
            assert_int_equal(rc, RN_EINVAL);
            assert_true(e.msg[0] != '\0');
        }
        arena_free(&a);
    }
}

/* Copies share subtrees: a patch that copies the root into itself again
 * and again would double the object each time.  The result is bounded in
 * size and in depth, with an error naming the operation. */
static void test_json_patch_bounds(void **state)
{
    (void)state;
    struct buf ops;
    struct arena a;
    struct val out;
    struct rn_err e;
    buf_init(&ops, 0);
    buf_add_str(&ops, "[");
    for (int i = 0; i < 40; i++)
        buf_add_fmt(&ops, "%s{\"op\":\"copy\",\"from\":\"\",\"path\":\"/c%d\"}",
                    i ? "," : "", i);
    buf_add_str(&ops, "]");
    arena_init(&a, 0);
    assert_int_equal(sb_json_patch(&a, parse(&a, "{\"x\":\"0123456789\"}"),
                                   parse(&a, buf_str(&ops)), &out, &e),
                     RN_EINVAL);
    assert_non_null(strstr(e.msg, "copy operation: the patched object would "
                                  "exceed 3145728 bytes"));
    arena_free(&a);

    /* nesting: a chain 300 deep copied into its own innermost object */
    struct buf doc;
    buf_init(&doc, 0);
    buf_reset(&ops);
    buf_add_str(&ops, "[{\"op\":\"copy\",\"from\":\"\",\"path\":\"");
    for (int i = 0; i < 300; i++) {
        buf_add_str(&doc, "{\"a\":");
        buf_add_str(&ops, "/a");
    }
    buf_add_str(&doc, "{}");
    for (int i = 0; i < 300; i++)
        buf_add_str(&doc, "}");
    buf_add_str(&ops, "/a\"}]");
    arena_init(&a, 0);
    assert_int_equal(sb_json_patch(&a, parse(&a, buf_str(&doc)),
                                   parse(&a, buf_str(&ops)), &out, &e),
                     RN_EINVAL);
    assert_non_null(strstr(e.msg, "would nest deeper than 512"));
    arena_free(&a);
    buf_free(&doc);

    /* a few copies of a small root stay fine, and emit */
    arena_init(&a, 0);
    assert_int_equal(
        sb_json_patch(&a, parse(&a, "{\"x\":1}"),
                      parse(&a,
                            "[{\"op\":\"copy\",\"from\":\"\",\"path\":\"/y\"},"
                            "{\"op\":\"copy\",\"from\":\"\",\"path\":\"/z\"}]"),
                      &out, &e),
        RN_OK);
    assert_json(out,
                "{\"x\":1,\"y\":{\"x\":1},\"z\":{\"x\":1,\"y\":{\"x\":1}}}");
    arena_free(&a);
    buf_free(&ops);
}

/* ---- protobuf ---- */

static size_t put_len(unsigned char *p, unsigned field, const void *s, size_t n)
{
    p[0] = (unsigned char)(field << 3 | 2);
    p[1] = (unsigned char)n;
    memcpy(p + 2, s, n);
    return n + 2;
}

static void test_protobuf(void **state)
{
    (void)state;
    unsigned char md[64], entry[32], cmsg[160], unk[200], body[256];
    size_t mn = put_len(md, 1, "cfg", 3);
    size_t en = put_len(entry, 1, "k", 1);
    en += put_len(entry + en, 2, "v", 1);
    mn += put_len(md + mn, 11, entry, en); /* labels */
    size_t cn = put_len(cmsg, 1, md, mn);
    cn += put_len(cmsg + cn, 2, entry, en); /* data */
    unsigned char tm[32];
    size_t tn = put_len(tm, 1, "v1", 2);
    tn += put_len(tm + tn, 2, "ConfigMap", 9);
    size_t un = put_len(unk, 1, tm, tn);
    un += put_len(unk + un, 2, cmsg, cn);
    memcpy(body, "k8s\0", 4);
    memcpy(body + 4, unk, un);

    struct arena a;
    struct val out;
    struct rn_err e;
    arena_init(&a, 0);
    assert_int_equal(
        sb_protobuf_decode(&a, SB_CONFIGMAPS, (char *)body, un + 4, &out, &e),
        RN_OK);
    assert_json(out, "{\"data\":{\"k\":\"v\"},\"metadata\":{\"labels\":"
                     "{\"k\":\"v\"},\"name\":\"cfg\"}}");
    /* the same bytes as a Secret: data is bytes, so base64 */
    assert_int_equal(
        sb_protobuf_decode(&a, SB_SECRETS, (char *)body, un + 4, &out, &e),
        RN_OK);
    assert_json(sb_get(out, "data"), "{\"k\":\"dg==\"}");
    for (size_t cut = 0; cut < un + 4; cut++)
        (void)sb_protobuf_decode(&a, SB_CONFIGMAPS, (char *)body, cut, &out,
                                 &e);
    assert_int_equal(
        sb_protobuf_decode(&a, SB_ROLLOUTS, (char *)body, un + 4, &out, &e),
        RN_EINVAL);
    body[5] = 0xff; /* a length past the end */
    assert_int_equal(
        sb_protobuf_decode(&a, SB_CONFIGMAPS, (char *)body, un + 4, &out, &e),
        RN_ESYNTAX);
    arena_free(&a);
}

static void test_times(void **state)
{
    (void)state;
    assert_true(sb_time_valid("2024-05-01T12:00:00Z", false));
    assert_true(sb_time_valid("2024-05-01T12:00:00.5+02:00", false));
    assert_true(sb_time_valid("2024-05-01T12:00:00.123456Z", true));
    assert_false(sb_time_valid("2024-05-01T12:00:00Z", true));
    assert_false(sb_time_valid("2024-05-01T12:00:00.123Z", true));
    assert_false(sb_time_valid("2024-05-01 12:00:00Z", false));
    assert_false(sb_time_valid("yesterday", false));
    struct arena a;
    arena_init(&a, 0);
    assert_string_equal(sb_time_micro(&a, 1714564805123456789ll),
                        "2024-05-01T12:00:05.123456Z");
    assert_string_equal(sb_time_str(&a, 1714564805123456789ll),
                        "2024-05-01T12:00:05Z");
    arena_free(&a);
}

/* ---- store and writes ---- */

static struct sb sb;

static int setup(void **state)
{
    (void)state;
    memset(&sb, 0, sizeof sb);
    sb.cfg.watch_timeout_s = 10;
    return sb_store_init(&sb.store, 1000, 100);
}

static int teardown(void **state)
{
    (void)state;
    sb_store_free(&sb.store);
    return 0;
}

static int write(int verb, int res, const char *name, const char *body,
                 int ptype, struct sb_status *st)
{
    struct arena a;
    struct doc *d = NULL;
    int code;
    arena_init(&a, 0);
    struct sb_wreq w = {.verb = verb,
                        .res = res,
                        .ns = "default",
                        .name = name,
                        .ptype = ptype,
                        .body = body ? parse(&a, body) : val_null()};
    sb_status_init(st);
    int rc = sb_write(&sb, &w, &d, &code, st);
    doc_unref(d);
    arena_free(&a);
    return rc;
}

static void list(const char *cont, long limit, struct buf *out, struct arena *a)
{
    struct sb_selector none = {0};
    struct sb_status st;
    struct sb_list_opts o = {.res = SB_CONFIGMAPS,
                             .ns = "default",
                             .lsel = &none,
                             .fsel = &none,
                             .limit = limit,
                             .cont = cont};
    buf_reset(out);
    sb_status_init(&st);
    sb_lock(&sb);
    assert_int_equal(sb_store_list(&sb, &o, a, out, &st), RN_OK);
    sb_unlock(&sb);
}

static void test_store_pages(void **state)
{
    (void)state;
    struct sb_status st;
    char body[128];
    for (int i = 0; i < 5; i++) {
        snprintf(body, sizeof body,
                 "{\"metadata\":{\"name\":\"c%d\"},"
                 "\"data\":{\"k\":\"v\"}}",
                 i);
        assert_int_equal(write(SB_W_CREATE, SB_CONFIGMAPS, NULL, body, 0, &st),
                         RN_OK);
    }
    assert_int_equal(sb.store.rv, 1005);
    /* no-op: no revision */
    assert_int_equal(write(SB_W_PATCH, SB_CONFIGMAPS, "c1",
                           "{\"data\":{\"k\":\"v\"}}", SB_P_MERGE, &st),
                     RN_OK);
    assert_int_equal(sb.store.rv, 1005);

    struct arena a;
    struct buf b;
    arena_init(&a, 0);
    buf_init(&b, 0);
    list(NULL, 2, &b, &a);
    struct val page = parse(&a, buf_str(&b));
    const char *cont = sb_get_str(page, "metadata", "continue");
    assert_non_null(cont);
    cont = arena_strdup(&a, cont);
    /* changes after the first page do not reach the next ones */
    assert_int_equal(write(SB_W_PATCH, SB_CONFIGMAPS, "c3",
                           "{\"data\":{\"k\":\"w\"}}", SB_P_MERGE, &st),
                     RN_OK);
    assert_int_equal(write(SB_W_DELETE, SB_CONFIGMAPS, "c2", NULL, 0, &st),
                     RN_OK);
    list(cont, 10, &b, &a);
    page = parse(&a, buf_str(&b));
    assert_string_equal(sb_get_str(page, "metadata", "resourceVersion"),
                        "1005");
    struct val items = sb_get(page, "items");
    assert_int_equal(val_list_len(items), 3);
    assert_string_equal(sb_get_str(val_list_at(items, 0), "metadata", "name"),
                        "c2");
    assert_string_equal(
        sb_get_str(sb_get(val_list_at(items, 1), "data"), "k", NULL), "v");
    assert_null(val_get_cstr(val_list_at(items, 0), "kind"));
    /* a stale precondition and a missing object */
    assert_int_equal(write(SB_W_PATCH, SB_CONFIGMAPS, "c3",
                           "{\"metadata\":{\"resourceVersion\":\"1\"}}",
                           SB_P_MERGE, &st),
                     RN_EINVAL);
    assert_int_equal(st.code, 409);
    assert_int_equal(write(SB_W_DELETE, SB_CONFIGMAPS, "c2", NULL, 0, &st),
                     RN_EINVAL);
    assert_int_equal(st.code, 404);
    sb_store_compact(&sb.store, sb.store.rv);
    struct sb_selector none = {0};
    struct sb_list_opts o = {
        .res = SB_CONFIGMAPS, .lsel = &none, .fsel = &none, .cont = cont};
    sb_status_init(&st);
    sb_lock(&sb);
    assert_int_equal(sb_store_list(&sb, &o, &a, &b, &st), RN_EINVAL);
    sb_unlock(&sb);
    assert_int_equal(st.code, 410);
    buf_free(&b);
    arena_free(&a);
}

static void test_status_json(void **state)
{
    (void)state;
    struct sb_status st;
    struct buf b;
    buf_init(&b, 0);
    sb_status_init(&st);
    sb_st_invalid(&st, SB_LEASES, "l", "spec.leaseDurationSeconds",
                  "FieldValueInvalid",
                  "Invalid value: %d: must be greater "
                  "than 0",
                  0);
    sb_st_cause(&st, "metadata.annotations", "FieldValueTooLong",
                "Too long: must have at most %d bytes", 262144);
    sb_status_json(&b, &st);
    assert_string_equal(
        buf_str(&b),
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
        "\"status\":\"Failure\",\"message\":\"Lease.coordination.k8s.io "
        "\\\"l\\\" is invalid: [spec.leaseDurationSeconds: Invalid value: 0: "
        "must be greater than 0, metadata.annotations: Too long: must have "
        "at most 262144 bytes]\",\"reason\":\"Invalid\",\"details\":{\"name\":"
        "\"l\",\"group\":\"coordination.k8s.io\",\"kind\":\"Lease\","
        "\"causes\":[{\"reason\":\"FieldValueInvalid\",\"message\":\"Invalid "
        "value: 0: must be greater than 0\",\"field\":"
        "\"spec.leaseDurationSeconds\"},{\"reason\":\"FieldValueTooLong\","
        "\"message\":\"Too long: must have at most 262144 bytes\",\"field\":"
        "\"metadata.annotations\"}]},\"code\":422}");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_label_selectors),
        cmocka_unit_test(test_field_selectors),
        cmocka_unit_test(test_merge_patch),
        cmocka_unit_test(test_json_patch),
        cmocka_unit_test(test_json_patch_bounds),
        cmocka_unit_test(test_protobuf),
        cmocka_unit_test(test_times),
        cmocka_unit_test_setup_teardown(test_store_pages, setup, teardown),
        cmocka_unit_test(test_status_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
