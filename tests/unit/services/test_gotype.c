/*
 * test_gotype.c: slack-go's types as upstream re-encodes a template's
 * attachments and blocks (gotype.c, slack_types.c): struct order, zero
 * values, omitempty, the SDK's type tables and their null and error
 * cases, rich text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "svc_fixture.h"

#include "core/limits.h"
#include "services/svc_int.h"

/* Encode JSON text through the attachments or blocks type. */
static const char *enc(const char *json, bool blocks, struct rn_err *e)
{
    struct buf b;
    struct val v;
    /* as services parse rendered JSON: whole numbers stay integers */
    if (svc_json_parse(&fx_arena, json, strlen(json), &v, e) != RN_OK)
        fail_msg("parse %s: %s", json, e->msg);
    struct gt_ctx x = {&b, e, &fx_arena, 0, 0};
    bool nonempty = true;
    buf_init(&b, RN_BUF_DEFAULT_MAX);
    int rc = blocks ? slack_emit_blocks(&x, &v, &nonempty)
                    : slack_emit_attachments(&x, &v);
    const char *out =
        rc == RN_OK ? arena_strndup(&fx_arena, buf_str(&b), b.len) : NULL;
    buf_free(&b);
    return out && !nonempty ? "(none)" : out;
}

/* enc that must succeed. */
static const char *ok(const char *json, bool blocks)
{
    struct rn_err e = {0};
    const char *s = enc(json, blocks, &e);
    if (!s)
        fail_msg("%s: %s", json, e.msg);
    return s;
}

static void attachments(void **state)
{
    (void)state;
    struct rn_err e = {0};
    assert_string_equal(ok("[]", false), "[]");
    assert_string_equal(ok("[null]", false), "[{\"blocks\":null}]");
    assert_string_equal(
        ok("[{\"TITLE\":\"t\",\"ts\":\"12.5\",\"id\":3,\"fields\":[null],"
           "\"actions\":[{\"name\":\"n\",\"options\":[{\"text\":\"o\"}]}],"
           "\"blocks\":[{\"type\":\"divider\"}]}]",
           false),
        "[{\"id\":3,\"title\":\"t\",\"fields\":[{\"title\":\"\",\"value\":\"\","
        "\"short\":false}],\"actions\":[{\"name\":\"n\",\"text\":\"\","
        "\"type\":\"\",\"options\":[{\"text\":\"o\",\"value\":\"\"}]}],"
        "\"blocks\":[{\"type\":\"divider\"}],\"ts\":12.5}]");
    assert_null(enc("{}", false, &e));
    assert_non_null(strstr(e.msg, "into Go value of type []slack.Attachment"));
    assert_null(enc("[{\"id\":1.5}]", false, &e));
    assert_non_null(strstr(e.msg, "number 1.5 into Go struct field "
                                  "Attachment.id of type int"));
}

static void blocks(void **state)
{
    (void)state;
    struct rn_err e = {0};
    assert_string_equal(enc("[]", true, &e), "(none)");
    assert_string_equal(enc("{}", true, &e), "(none)");
    assert_string_equal(enc("null", true, &e), "(none)");
    /* an accessory the SDK cannot encode is null; an input's element
     * that is not an object is dropped */
    assert_string_equal(
        enc("[{\"type\":\"section\",\"accessory\":{\"type\":\"x\"}},"
            "{\"type\":\"section\",\"accessory\":{\"type\":\"button\","
            "\"text\":{\"type\":\"plain_text\",\"text\":\"go\"}}},"
            "{\"type\":\"input\",\"element\":5},"
            "{\"type\":\"context\",\"elements\":[{\"type\":\"image\"}]}]",
            true, &e),
        "[{\"type\":\"section\",\"accessory\":null},{\"type\":\"section\","
        "\"accessory\":{\"type\":\"button\",\"text\":{\"type\":\"plain_text\","
        "\"text\":\"go\"}}},{\"type\":\"input\",\"label\":null,\"element\":"
        "null},{\"type\":\"context\",\"elements\":[{\"type\":\"image\","
        "\"image_url\":\"\",\"alt_text\":\"\"}]}]");
    assert_null(enc("[{\"type\":\"input\",\"element\":{\"type\":\"image\"}}]",
                    true, &e));
    assert_string_equal(e.msg, "unsupported block element type image");
    assert_null(enc("[{\"type\":\"context\",\"elements\":[{\"type\":\"b\"}]}]",
                    true, &e));
    assert_string_equal(e.msg, "unsupported context element type b");
    assert_null(enc("[\"x\"]", true, &e));
    assert_non_null(strstr(e.msg, "into Go value of type slack.sumtype"));
}

static void rich_text(void **state)
{
    (void)state;
    assert_string_equal(
        ok("[{\"type\":\"rich_text\",\"block_id\":\"r\",\"elements\":["
           "{\"type\":\"rich_text_section\",\"elements\":[{\"type\":\"text\","
           "\"text\":\"a\",\"style\":{\"bold\":true}},{\"type\":\"date\","
           "\"timestamp\":\"7\",\"url\":\"\"},{\"type\":\"new\",\"x\":1}]},"
           "{\"type\":\"rich_text_list\",\"style\":\"bullet\"},"
           "{\"type\":\"rich_text_preformatted\",\"border\":1},"
           "{\"type\":\"other\"}]}]",
           true),
        "[{\"type\":\"rich_text\",\"block_id\":\"r\",\"elements\":["
        "{\"type\":\"rich_text_section\",\"elements\":[{\"type\":\"text\","
        "\"text\":\"a\",\"style\":{\"bold\":true}},{\"type\":\"date\","
        "\"timestamp\":7,\"format\":\"\",\"url\":\"\"},{\"type\":\"new\","
        "\"Raw\":\"{\\\"type\\\":\\\"new\\\",\\\"x\\\":1}\"}]},"
        "{\"type\":\"rich_text_list\",\"elements\":[],\"style\":\"bullet\","
        "\"indent\":0},{\"type\":\"rich_text_preformatted\",\"elements\":[],"
        "\"border\":1},{\"Type\":\"other\",\"Raw\":\"{\\\"type\\\":"
        "\\\"other\\\"}\"}]}]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(attachments),
        cmocka_unit_test(blocks),
        cmocka_unit_test(rich_text),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
