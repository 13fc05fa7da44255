/*
 * test_gotype.c: slack-go's types as upstream re-encodes a template's
 * attachments and blocks (gotype.c, slack_types.c): struct order, zero
 * values, omitempty, the SDK's type tables and their null and error
 * cases, rich text; Google Chat's V2 cards (googlechat_types.c) and the
 * kinds only they have (int64 `,string`, JSONFloat64, YAML's whole
 * floats).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "svc_fixture.h"

#include "core/goyaml.h"
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
    struct gt_ctx x = {&b, e, &fx_arena, 0, 0, false};
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

/* cardsV2 YAML through []chat.CardWithId (cardId "ID"); NULL with e set
 * on a decoding error. */
static const char *v2(const char *yaml, struct rn_err *e)
{
    static const char *const ids[] = {"ID", "ID", "ID"};
    struct buf b;
    struct val v;
    struct goyaml_opts yo = {1, 0, "cardsV2"};
    if (goyaml_parse(&fx_arena, yaml, strlen(yaml), &yo, &v, e) != RN_OK ||
        v.kind != VAL_ARRAY || val_list_len(v) > 3)
        fail_msg("parse %s: %s", yaml, e->msg);
    struct gt_ctx x = {&b, e, &fx_arena, 0, 0, true};
    buf_init(&b, RN_BUF_DEFAULT_MAX);
    int rc = gchat_emit_cards_v2(&x, &v, ids);
    const char *out =
        rc == RN_OK ? arena_strndup(&fx_arena, buf_str(&b), b.len) : NULL;
    buf_free(&b);
    return out;
}

#define W(widget) "- sections: [{widgets: [" widget "]}]"
#define CARD(json)                                                             \
    "[{\"card\":{\"sections\":[{\"widgets\":[" json "]}]},\"cardId\":\"ID\"}]"

static void chat_cards_v2(void **state)
{
    (void)state;
    struct rn_err e = {0};
    assert_string_equal(v2("[null, {}]", &e),
                        "[{\"card\":{},\"cardId\":\"ID\"},"
                        "{\"card\":{},\"cardId\":\"ID\"}]");
    /* int64 `,string`: quoted both ways; 0 is empty */
    assert_string_equal(
        v2(W("{dateTimePicker: {valueMsEpoch: \"-12\"}}"), &e),
        CARD("{\"dateTimePicker\":{\"valueMsEpoch\":\"-12\"}}"));
    assert_string_equal(v2(W("{dateTimePicker: {valueMsEpoch: \"0\"}}"), &e),
                        CARD("{\"dateTimePicker\":{}}"));
    assert_null(v2(W("{dateTimePicker: {valueMsEpoch: \"-\"}}"), &e));
    assert_null(v2(W("{dateTimePicker: {valueMsEpoch: 5}}"), &e));
    assert_string_equal(e.msg, "json: invalid use of ,string struct tag, "
                               "trying to unmarshal unquoted value into int64");
    assert_null(v2(W("{dateTimePicker: {valueMsEpoch: \"x1\"}}"), &e));
    assert_non_null(strstr(e.msg, "trying to unmarshal \"x1\" into int64"));
    assert_null(v2(W("{dateTimePicker: {valueMsEpoch: \"1.5\"}}"), &e));
    assert_non_null(strstr(e.msg, "cannot unmarshal number 1.5 into Go struct "
                                  "field GoogleAppsCardV1DateTimePicker."
                                  "valueMsEpoch of type int64"));
    /* JSONFloat64: numbers; three names that json.Marshal then refuses */
    assert_string_equal(
        v2(W("{buttonList: {buttons: [{color: {red: 0.25, green: 0, alpha: "
             "1}}]}}"),
           &e),
        CARD("{\"buttonList\":{\"buttons\":[{\"color\":{\"alpha\":1,"
             "\"red\":0.25}}]}}"));
    assert_null(v2(W("{buttonList: {buttons: [{color: {red: NaN}}]}}"), &e));
    assert_string_equal(e.msg, "json: unsupported value: NaN");
    assert_null(
        v2(W("{buttonList: {buttons: [{color: {red: \"-Infinity\"}}]}}"), &e));
    assert_string_equal(e.msg, "json: unsupported value: -Inf");
    assert_null(
        v2(W("{buttonList: {buttons: [{color: {red: \"red\"}}]}}"), &e));
    assert_string_equal(e.msg, "google.golang.org/api/internal: bad float "
                               "string \"red\"");
    assert_null(v2(W("{buttonList: {buttons: [{color: {red: true}}]}}"), &e));
    assert_string_equal(e.msg, "google.golang.org/api/internal: data not "
                               "float or string");
    /* int64: a whole float came through YAML as an integer; 2.5 did not */
    assert_string_equal(v2(W("{textParagraph: {maxLines: 3.0, text: t}}"), &e),
                        CARD("{\"textParagraph\":{\"maxLines\":3,"
                             "\"text\":\"t\"}}"));
    assert_null(v2(W("{textParagraph: {maxLines: 2.5}}"), &e));
    assert_non_null(strstr(e.msg, "number 2.5 into Go struct field "
                                  "GoogleAppsCardV1TextParagraph.maxLines of "
                                  "type int64"));
    /* recursion through OnClick.card and Column.widgets */
    assert_string_equal(
        v2(W("{columns: {columnItems: [{widgets: [{image: {onClick: {card: "
             "{name: inner, x: 1}}}}]}]}}"),
           &e),
        CARD("{\"columns\":{\"columnItems\":[{\"widgets\":[{\"image\":{"
             "\"onClick\":{\"card\":{\"name\":\"inner\"}}}}]}]}}"));
    assert_null(v2("[\"text\"]", &e));
    assert_string_equal(e.msg, "json: cannot unmarshal string into Go value "
                               "of type chat.GoogleAppsCardV1Card");
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
        cmocka_unit_test(chat_cards_v2),
        cmocka_unit_test(attachments),
        cmocka_unit_test(blocks),
        cmocka_unit_test(rich_text),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
