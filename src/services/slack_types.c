/*
 * slack_types.c: slack-go v0.16.0's attachment and Block Kit types, as
 * upstream's slack service puts them on the wire: it unmarshals the
 * rendered `attachments` and `blocks` into []slack.Attachment and
 * slack.Blocks, and the SDK marshals them into the form.  So unknown keys
 * are dropped, every attachment field gets `"short": false`, every
 * attachment gets `"blocks": null`, and blocks and their elements are
 * chosen by their "type" with the SDK's tables (an unknown block type
 * keeps only type and block_id; an unknown element type is an error where
 * the SDK's decoder errs, and null where its accessory encoder has no
 * case).  The struct tables follow the SDK's declarations, field for
 * field (gotype.c does the decoding and encoding); the functions are the
 * SDK's own UnmarshalJSON/MarshalJSON rules.
 */
#include "svc_int.h"

#include "../core/json.h"

#include <string.h>

/* Field shorthands: S string, B bool, I int (O: omitempty), P pointer to
 * a struct, L slice of pointers, V slice of values, C custom. */
#define F(n, k, o, st, el, fn, gt)                                             \
    {                                                                          \
        n, k, o, st, el, fn, gt                                                \
    }
#define S(n) F(n, GK_STR, false, NULL, 0, NULL, NULL)
#define SO(n) F(n, GK_STR, true, NULL, 0, NULL, NULL)
#define PSO(n) F(n, GK_PTR_STR, true, NULL, 0, NULL, NULL)
#define B(n) F(n, GK_BOOL, false, NULL, 0, NULL, NULL)
#define BO(n) F(n, GK_BOOL, true, NULL, 0, NULL, NULL)
#define I(n) F(n, GK_INT, false, NULL, 0, NULL, NULL)
#define IO(n) F(n, GK_INT, true, NULL, 0, NULL, NULL)
#define PIO(n) F(n, GK_PTR_INT, true, NULL, 0, NULL, NULL)
#define NUMO(n) F(n, GK_NUM, true, NULL, 0, NULL, NULL)
#define JT(n) F(n, GK_JTIME, false, NULL, 0, NULL, NULL)
#define P(n, t) F(n, GK_PTR, false, &t, 0, NULL, NULL)
#define PO(n, t) F(n, GK_PTR, true, &t, 0, NULL, NULL)
#define L(n, t) F(n, GK_SLICE, false, &t, GK_PTR, NULL, "[]*slack." #t)
#define LO(n, t) F(n, GK_SLICE, true, &t, GK_PTR, NULL, "[]*slack." #t)
#define V(n, t) F(n, GK_SLICE, false, &t, GK_STRUCT, NULL, "[]slack." #t)
#define VO(n, t) F(n, GK_SLICE, true, &t, GK_STRUCT, NULL, "[]slack." #t)
#define STRSO(n) F(n, GK_SLICE, true, NULL, GK_STR, NULL, "[]string")
#define C(n, f) F(n, GK_CUSTOM, false, NULL, 0, f, NULL)
#define CO(n, f) F(n, GK_CUSTOM, true, NULL, 0, f, NULL)
#define STRUCT(t, ...)                                                         \
    static const struct gt_field t##_f[] = {__VA_ARGS__};                      \
    static const struct gt_struct t = {"slack." #t, t##_f,                     \
                                       sizeof t##_f / sizeof *t##_f}

static gt_custom_fn block_list, block_elements, context_elements, accessory,
    input_element, rich_text_ptr, section_elements, rich_elements;

/* ---- objects ---- */

STRUCT(TextBlockObject, S("type"), S("text"), BO("emoji"), BO("verbatim"));
STRUCT(ConfirmationBlockObject, P("title", TextBlockObject),
       P("text", TextBlockObject), P("confirm", TextBlockObject),
       PO("deny", TextBlockObject), SO("style"));
STRUCT(OptionBlockObject, P("text", TextBlockObject), S("value"),
       PO("description", TextBlockObject), SO("url"));
STRUCT(OptionGroupBlockObject, PO("label", TextBlockObject),
       L("options", OptionBlockObject));
STRUCT(DispatchActionConfig, STRSO("trigger_actions_on"));
STRUCT(SelectBlockElementFilter, STRSO("include"),
       BO("exclude_external_shared_channels"), BO("exclude_bot_users"));
STRUCT(SlackFileObject, SO("id"), SO("url"));

/* ---- block elements ---- */

STRUCT(ImageBlockElement, S("type"), S("image_url"), S("alt_text"));
STRUCT(ButtonBlockElement, SO("type"), P("text", TextBlockObject),
       SO("action_id"), SO("url"), SO("value"),
       PO("confirm", ConfirmationBlockObject), SO("style"));
STRUCT(OverflowBlockElement, S("type"), SO("action_id"),
       L("options", OptionBlockObject), PO("confirm", ConfirmationBlockObject));
STRUCT(DatePickerBlockElement, S("type"), SO("action_id"),
       PO("placeholder", TextBlockObject), SO("initial_date"),
       PO("confirm", ConfirmationBlockObject));
STRUCT(TimePickerBlockElement, S("type"), SO("action_id"),
       PO("placeholder", TextBlockObject), SO("initial_time"),
       PO("confirm", ConfirmationBlockObject));
STRUCT(DateTimePickerBlockElement, S("type"), SO("action_id"),
       IO("initial_date_time"), PO("confirm", ConfirmationBlockObject));
STRUCT(EmailTextInputBlockElement, S("type"), SO("action_id"),
       PO("placeholder", TextBlockObject), SO("initial_value"),
       PO("dispatch_action_config", DispatchActionConfig), BO("focus_on_load"));
STRUCT(URLTextInputBlockElement, S("type"), SO("action_id"),
       PO("placeholder", TextBlockObject), SO("initial_value"),
       PO("dispatch_action_config", DispatchActionConfig), BO("focus_on_load"));
STRUCT(PlainTextInputBlockElement, S("type"), SO("action_id"),
       PO("placeholder", TextBlockObject), SO("initial_value"), BO("multiline"),
       IO("min_length"), IO("max_length"),
       PO("dispatch_action_config", DispatchActionConfig));
STRUCT(RichTextInputBlockElement, S("type"), SO("action_id"),
       PO("placeholder", TextBlockObject), CO("initial_value", rich_text_ptr),
       PO("dispatch_action_config", DispatchActionConfig), BO("focus_on_load"));
STRUCT(CheckboxGroupsBlockElement, S("type"), SO("action_id"),
       L("options", OptionBlockObject),
       LO("initial_options", OptionBlockObject),
       PO("confirm", ConfirmationBlockObject));
STRUCT(RadioButtonsBlockElement, S("type"), SO("action_id"),
       L("options", OptionBlockObject), PO("initial_option", OptionBlockObject),
       PO("confirm", ConfirmationBlockObject));
STRUCT(SelectBlockElement, SO("type"), PO("placeholder", TextBlockObject),
       SO("action_id"), LO("options", OptionBlockObject),
       LO("option_groups", OptionGroupBlockObject),
       PO("initial_option", OptionBlockObject), SO("initial_user"),
       SO("initial_conversation"), SO("initial_channel"),
       BO("default_to_current_conversation"), BO("response_url_enabled"),
       PO("filter", SelectBlockElementFilter), PIO("min_query_length"),
       PO("confirm", ConfirmationBlockObject));
STRUCT(MultiSelectBlockElement, SO("type"), PO("placeholder", TextBlockObject),
       SO("action_id"), LO("options", OptionBlockObject),
       LO("option_groups", OptionGroupBlockObject),
       LO("initial_options", OptionBlockObject), STRSO("initial_users"),
       STRSO("initial_conversations"), STRSO("initial_channels"),
       PIO("min_query_length"), PIO("max_selected_items"),
       PO("confirm", ConfirmationBlockObject));
STRUCT(NumberInputBlockElement, S("type"), B("is_decimal_allowed"),
       SO("action_id"), PO("placeholder", TextBlockObject), SO("initial_value"),
       SO("min_value"), SO("max_value"),
       PO("dispatch_action_config", DispatchActionConfig));
STRUCT(FileInputBlockElement, S("type"), SO("action_id"), STRSO("filetypes"),
       IO("max_files"));
/* only decoded (an unknown accessory encodes as null) */
STRUCT(UnknownBlockElement, S("type"), C("Elements", block_elements));

/* ---- blocks ---- */

STRUCT(ActionBlock, S("type"), SO("block_id"), C("elements", block_elements));
STRUCT(ContextBlock, S("type"), SO("block_id"),
       C("elements", context_elements));
STRUCT(DividerBlock, S("type"), SO("block_id"));
STRUCT(FileBlock, S("type"), SO("block_id"), S("external_id"), S("source"));
STRUCT(HeaderBlock, S("type"), PO("text", TextBlockObject), SO("block_id"));
STRUCT(ImageBlock, S("type"), SO("image_url"), S("alt_text"), SO("block_id"),
       PO("title", TextBlockObject), PO("slack_file", SlackFileObject));
STRUCT(InputBlock, S("type"), SO("block_id"), P("label", TextBlockObject),
       C("element", input_element), PO("hint", TextBlockObject), BO("optional"),
       BO("dispatch_action"));
STRUCT(SectionBlock, S("type"), PO("text", TextBlockObject), SO("block_id"),
       LO("fields", TextBlockObject), CO("accessory", accessory), BO("expand"));
STRUCT(CallBlock, S("type"), SO("block_id"), S("call_id"));
STRUCT(VideoBlock, S("type"), S("video_url"), S("thumbnail_url"), S("alt_text"),
       P("title", TextBlockObject), SO("block_id"), SO("title_url"),
       SO("author_name"), SO("provider_name"), SO("provider_icon_url"),
       PO("description", TextBlockObject));
STRUCT(UnknownBlock, S("type"), SO("block_id"));

/* ---- rich text ---- */

STRUCT(RichTextSectionTextStyle, BO("bold"), BO("italic"), BO("strike"),
       BO("code"));
STRUCT(RichTextSectionTextElement, S("type"), S("text"),
       PO("style", RichTextSectionTextStyle));
STRUCT(RichTextSectionChannelElement, S("type"), S("channel_id"),
       PO("style", RichTextSectionTextStyle));
STRUCT(RichTextSectionUserElement, S("type"), S("user_id"),
       PO("style", RichTextSectionTextStyle));
STRUCT(RichTextSectionEmojiElement, S("type"), S("name"), IO("skin_tone"),
       SO("unicode"), PO("style", RichTextSectionTextStyle));
STRUCT(RichTextSectionLinkElement, S("type"), S("url"), S("text"),
       PO("style", RichTextSectionTextStyle));
STRUCT(RichTextSectionTeamElement, S("type"), S("team_id"),
       PO("style", RichTextSectionTextStyle));
STRUCT(RichTextSectionUserGroupElement, S("type"), S("usergroup_id"));
STRUCT(RichTextSectionDateElement, S("type"), JT("timestamp"), S("format"),
       PSO("url"), PSO("fallback"));
STRUCT(RichTextSectionBroadcastElement, S("type"), S("range"));
STRUCT(RichTextSectionColorElement, S("type"), S("value"));

/* ---- attachments ---- */

STRUCT(AttachmentField, S("title"), S("value"), B("short"));
STRUCT(ConfirmationField, SO("title"), S("text"), SO("ok_text"),
       SO("dismiss_text"));
STRUCT(AttachmentActionOption, S("text"), S("value"), SO("description"));
STRUCT(AttachmentActionOptionGroup, S("text"),
       V("options", AttachmentActionOption));
STRUCT(AttachmentAction, S("name"), S("text"), SO("style"), S("type"),
       SO("value"), SO("data_source"), IO("min_query_length"),
       VO("options", AttachmentActionOption),
       VO("selected_options", AttachmentActionOption),
       VO("option_groups", AttachmentActionOptionGroup),
       PO("confirm", ConfirmationField), SO("url"));
STRUCT(Attachment, SO("color"), SO("fallback"), SO("callback_id"), IO("id"),
       SO("author_id"), SO("author_name"), SO("author_subname"),
       SO("author_link"), SO("author_icon"), SO("title"), SO("title_link"),
       SO("pretext"), SO("text"), SO("image_url"), SO("thumb_url"),
       SO("service_name"), SO("service_icon"), SO("from_url"),
       SO("original_url"), VO("fields", AttachmentField),
       VO("actions", AttachmentAction), STRSO("mrkdwn_in"),
       C("blocks", block_list), SO("footer"), SO("footer_icon"), NUMO("ts"));

/* ---- the SDK's dispatch on "type" ---- */

struct by_type {
    const char *type;
    const struct gt_struct *st; /* NULL: a custom rule (see callers) */
};

/* sumtype: the "type" of a raw element, "" when absent or null.
 * RN_EINVAL as Go's decoder when the element or its type is the wrong
 * kind of JSON. */
static int sum_type(struct gt_ctx *x, const struct val *v, const char **out)
{
    *out = "";
    if (!v || v->kind == VAL_NULL)
        return RN_OK;
    if (v->kind != VAL_OBJECT)
        return gt_type_error(x, *v, "slack.sumtype", NULL, "slack.sumtype");
    const struct val *t = gt_lookup(*v, "type");
    if (t && t->kind != VAL_STRING && t->kind != VAL_NULL)
        return gt_type_error(x, *t, "sumtype", "type", "string");
    *out = t && t->kind == VAL_STRING ? t->u.s : "";
    return RN_OK;
}

static const struct gt_struct *find(const struct by_type *tab, size_t n,
                                    const char *type)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(tab[i].type, type) == 0)
            return tab[i].st;
    return NULL;
}

#define NTAB(t) (sizeof t / sizeof *t)

/* A list of raw elements each emitted by one (the SDK's decoders go over
 * []json.RawMessage: anything but an array or null is an error).  *n
 * counts the elements. */
static int each(struct gt_ctx *x, const struct val *v, gt_custom_fn *one,
                size_t *n)
{
    *n = 0;
    if (!v || v->kind == VAL_NULL)
        return RN_OK;
    if (v->kind != VAL_ARRAY)
        return gt_type_error(x, *v, NULL, NULL, "[]json.RawMessage");
    *n = val_list_len(*v);
    return gt_emit_array(x, *v, one, NULL);
}

/* A list that encodes as null when it decoded to nothing (the SDK
 * appends to a nil slice, so [] and {} and null all give null). */
static int list_or_null(struct gt_ctx *x, const struct val *v,
                        int (*one)(struct gt_ctx *, const struct val *))
{
    size_t mark = x->b->len, n = 0;
    bool obj = v && v->kind == VAL_OBJECT && val_obj_len(*v) == 0;
    int rc = obj ? RN_OK : each(x, v, one, &n);
    if (rc == RN_OK && n == 0) {
        buf_truncate(x->b, mark);
        rc = buf_add_str(x->b, "null");
    }
    return rc;
}

/* ---- blocks ---- */

static const struct by_type blocks[] = {
    {"actions", &ActionBlock},  {"context", &ContextBlock},
    {"divider", &DividerBlock}, {"file", &FileBlock},
    {"header", &HeaderBlock},   {"image", &ImageBlock},
    {"input", &InputBlock},     {"rich_text", NULL},
    {"rich_text_input", NULL},  {"section", &SectionBlock},
    {"call", &CallBlock},       {"video", &VideoBlock},
};

static int rich_text_block(struct gt_ctx *x, const struct val *v);

static int one_block(struct gt_ctx *x, const struct val *v)
{
    const char *t;
    int rc = sum_type(x, v, &t);
    if (rc != RN_OK)
        return rc;
    if (strcmp(t, "rich_text") == 0 || strcmp(t, "rich_text_input") == 0)
        return rich_text_block(x, v);
    const struct gt_struct *st = find(blocks, NTAB(blocks), t);
    return gt_emit_struct(x, st ? st : &UnknownBlock, v);
}

/* slack.Blocks: UnmarshalJSON over []json.RawMessage ("{}" is empty),
 * MarshalJSON of the block set (null when empty). */
static int block_list(struct gt_ctx *x, const struct val *v)
{
    return list_or_null(x, v, one_block);
}

/* The form's `blocks`: *nonempty false when there is none to send. */
int slack_emit_blocks(struct gt_ctx *x, const struct val *v, bool *nonempty)
{
    size_t mark = x->b->len;
    int rc = block_list(x, v);
    *nonempty = rc == RN_OK && strcmp(buf_str(x->b) + mark, "null") != 0;
    return rc;
}

/* The form's `attachments`: []slack.Attachment. */
int slack_emit_attachments(struct gt_ctx *x, const struct val *v)
{
    return gt_emit_list(x, &Attachment, v, "[]slack.Attachment");
}

/* ---- block elements ---- */

/* The select element types, shared by the SDK's three tables. */
#define SELECTS                                                                \
    {"static_select", &SelectBlockElement},                                    \
        {"external_select", &SelectBlockElement},                              \
        {"users_select", &SelectBlockElement},                                 \
        {"conversations_select", &SelectBlockElement},                         \
    {                                                                          \
        "channels_select", &SelectBlockElement                                 \
    }
#define MULTI_SELECTS                                                          \
    {"multi_static_select", &MultiSelectBlockElement},                         \
        {"multi_external_select", &MultiSelectBlockElement},                   \
        {"multi_users_select", &MultiSelectBlockElement},                      \
        {"multi_conversations_select", &MultiSelectBlockElement},              \
    {                                                                          \
        "multi_channels_select", &MultiSelectBlockElement                      \
    }

/* BlockElements.UnmarshalJSON's table (no multi-selects, no file input). */
static const struct by_type elements[] = {
    {"image", &ImageBlockElement},
    {"button", &ButtonBlockElement},
    {"overflow", &OverflowBlockElement},
    {"datepicker", &DatePickerBlockElement},
    {"timepicker", &TimePickerBlockElement},
    {"datetimepicker", &DateTimePickerBlockElement},
    {"plain_text_input", &PlainTextInputBlockElement},
    {"rich_text_input", &RichTextInputBlockElement},
    {"email_text_input", &EmailTextInputBlockElement},
    {"url_text_input", &URLTextInputBlockElement},
    {"checkboxes", &CheckboxGroupsBlockElement},
    {"radio_buttons", &RadioButtonsBlockElement},
    SELECTS,
    {"number_input", &NumberInputBlockElement},
};

static int unsupported(struct gt_ctx *x, const char *what, const char *t)
{
    return rn_errf(x->e, RN_EINVAL, "unsupported %s type %s", what, t);
}

static int one_element(struct gt_ctx *x, const struct val *v)
{
    const char *t;
    int rc = sum_type(x, v, &t);
    const struct gt_struct *st = find(elements, NTAB(elements), t);
    if (rc != RN_OK)
        return rc;
    return st ? gt_emit_struct(x, st, v) : unsupported(x, "block element", t);
}

/* *BlockElements: null when absent, null or empty. */
static int block_elements(struct gt_ctx *x, const struct val *v)
{
    return list_or_null(x, v, one_element);
}

/* ContextElements: text objects and images only. */
static int one_context(struct gt_ctx *x, const struct val *v)
{
    const char *t;
    int rc = sum_type(x, v, &t);
    if (rc != RN_OK)
        return rc;
    if (strcmp(t, "plain_text") == 0 || strcmp(t, "mrkdwn") == 0)
        return gt_emit_struct(x, &TextBlockObject, v);
    if (strcmp(t, "image") == 0)
        return gt_emit_struct(x, &ImageBlockElement, v);
    return unsupported(x, "context element", t);
}

static int context_elements(struct gt_ctx *x, const struct val *v)
{
    return list_or_null(x, v, one_context);
}

/* Accessory: decoded by its table; encoded by toBlockElement, which has
 * no case for rich_text_input or unknown elements (they become null). */
static const struct by_type accessories[] = {
    {"image", &ImageBlockElement},
    {"button", &ButtonBlockElement},
    {"overflow", &OverflowBlockElement},
    {"datepicker", &DatePickerBlockElement},
    {"timepicker", &TimePickerBlockElement},
    {"plain_text_input", &PlainTextInputBlockElement},
    {"radio_buttons", &RadioButtonsBlockElement},
    SELECTS,
    MULTI_SELECTS,
    {"checkboxes", &CheckboxGroupsBlockElement},
};

static int accessory(struct gt_ctx *x, const struct val *v)
{
    const char *t;
    int rc = sum_type(x, v, &t);
    const struct gt_struct *st = find(accessories, NTAB(accessories), t);
    if (rc != RN_OK || st)
        return rc != RN_OK ? rc : gt_emit_struct(x, st, v);
    /* decoded (errors count), then written as null */
    size_t mark = x->b->len;
    rc = gt_emit_struct(x,
                        strcmp(t, "rich_text_input") == 0
                            ? &RichTextInputBlockElement
                            : &UnknownBlockElement,
                        v);
    buf_truncate(x->b, mark);
    return rc == RN_OK ? buf_add_str(x->b, "null") : rc;
}

/* InputBlock's element: InputBlock.UnmarshalJSON ignores an element that
 * is absent or not an object, and errs on an unknown type. */
static const struct by_type inputs[] = {
    {"datepicker", &DatePickerBlockElement},
    {"timepicker", &TimePickerBlockElement},
    {"datetimepicker", &DateTimePickerBlockElement},
    {"plain_text_input", &PlainTextInputBlockElement},
    {"rich_text_input", &RichTextInputBlockElement},
    {"email_text_input", &EmailTextInputBlockElement},
    {"url_text_input", &URLTextInputBlockElement},
    SELECTS,
    MULTI_SELECTS,
    {"checkboxes", &CheckboxGroupsBlockElement},
    {"overflow", &OverflowBlockElement},
    {"radio_buttons", &RadioButtonsBlockElement},
    {"number_input", &NumberInputBlockElement},
    {"file_input", &FileInputBlockElement},
};

static int input_element(struct gt_ctx *x, const struct val *v)
{
    if (!v || (v->kind != VAL_OBJECT && v->kind != VAL_NULL))
        return buf_add_str(x->b, "null");
    const char *t = "";
    const struct val *tv = gt_lookup(*v, "type");
    if (tv && tv->kind != VAL_STRING && tv->kind != VAL_NULL)
        return buf_add_str(x->b, "null"); /* sumtype fails: ignored */
    t = tv && tv->kind == VAL_STRING ? tv->u.s : "";
    const struct gt_struct *st = find(inputs, NTAB(inputs), t);
    return st ? gt_emit_struct(x, st, v) : unsupported(x, "block element", t);
}

/* ---- rich text ---- */

/* An element of no known type: {"Type": t, "Raw": <its JSON>} (the SDK's
 * unknown element structs; Raw is the element's text, which rnotify
 * re-encodes from the parsed value). */
static int raw_unknown(struct gt_ctx *x, const struct val *v, const char *t,
                       const char *type_key)
{
    const char *raw = svc_json_text(x->a, *v);
    int rc = buf_add_fmt(x->b, "{\"%s\":", type_key);
    if (rc == RN_OK)
        rc = json_emit_string(x->b, t, strlen(t), x->flags);
    if (rc == RN_OK)
        rc = buf_add_str(x->b, ",\"Raw\":");
    if (rc == RN_OK)
        rc = raw ? json_emit_string(x->b, raw, strlen(raw), x->flags)
                 : RN_ENOMEM;
    return rc == RN_OK ? buf_add_char(x->b, '}') : rc;
}

static const struct by_type section_elems[] = {
    {"text", &RichTextSectionTextElement},
    {"channel", &RichTextSectionChannelElement},
    {"user", &RichTextSectionUserElement},
    {"emoji", &RichTextSectionEmojiElement},
    {"link", &RichTextSectionLinkElement},
    {"team", &RichTextSectionTeamElement},
    {"usergroup", &RichTextSectionUserGroupElement},
    {"date", &RichTextSectionDateElement},
    {"broadcast", &RichTextSectionBroadcastElement},
    {"color", &RichTextSectionColorElement},
};

static int one_section_elem(struct gt_ctx *x, const struct val *v)
{
    const char *t;
    int rc = sum_type(x, v, &t);
    const struct gt_struct *st = find(section_elems, NTAB(section_elems), t);
    if (rc != RN_OK)
        return rc;
    return st ? gt_emit_struct(x, st, v) : raw_unknown(x, v, t, "type");
}

/* The SDK makes these lists with make(): [] when empty, never null. */
static int list_always(struct gt_ctx *x, const struct val *v,
                       int (*one)(struct gt_ctx *, const struct val *))
{
    size_t n;
    const struct val *l = v ? gt_lookup(*v, "elements") : NULL;
    if (!l || l->kind == VAL_NULL)
        return buf_add_str(x->b, "[]");
    return each(x, l, one, &n);
}

static int section_elements(struct gt_ctx *x, const struct val *v)
{
    return list_always(x, v, one_section_elem);
}

/* {"type": fixed, "elements": [...]} and the preformatted border. */
static int rich_section(struct gt_ctx *x, const struct val *v, const char *type,
                        bool border)
{
    int rc = buf_add_fmt(x->b, "{\"type\":\"%s\",\"elements\":", type);
    if (rc == RN_OK)
        rc = section_elements(x, v);
    if (rc == RN_OK && border) {
        const struct val *b = gt_lookup(*v, "border");
        if (b && b->kind != VAL_INT && b->kind != VAL_NULL)
            return gt_type_error(x, *b, "RichTextPreformatted", "border",
                                 "int");
        rc = buf_add_fmt(x->b, ",\"border\":%lld",
                         b && b->kind == VAL_INT ? (long long)b->u.i : 0LL);
    }
    return rc == RN_OK ? buf_add_char(x->b, '}') : rc;
}

static int rich_list(struct gt_ctx *x, const struct val *v)
{
    const struct val *st = gt_lookup(*v, "style");
    const struct val *in = gt_lookup(*v, "indent");
    if (st && st->kind != VAL_STRING && st->kind != VAL_NULL)
        return gt_type_error(x, *st, "RichTextList", "style", "string");
    if (in && in->kind != VAL_INT && in->kind != VAL_NULL)
        return gt_type_error(x, *in, "RichTextList", "indent", "int");
    int rc = buf_add_str(x->b, "{\"type\":\"rich_text_list\",\"elements\":");
    if (rc == RN_OK)
        rc = rich_elements(x, v);
    if (rc == RN_OK)
        rc = buf_add_str(x->b, ",\"style\":");
    if (rc == RN_OK)
        rc = st && st->kind == VAL_STRING
                 ? json_emit_string(x->b, st->u.s, st->len, x->flags)
                 : buf_add_str(x->b, "\"\"");
    if (rc == RN_OK)
        rc = buf_add_fmt(x->b, ",\"indent\":%lld}",
                         in && in->kind == VAL_INT ? (long long)in->u.i : 0LL);
    return rc;
}

static int one_rich_elem(struct gt_ctx *x, const struct val *v)
{
    const char *t;
    int rc = sum_type(x, v, &t);
    if (rc != RN_OK)
        return rc;
    if (strcmp(t, "rich_text_section") == 0)
        return rich_section(x, v, t, false);
    if (strcmp(t, "rich_text_quote") == 0)
        return rich_section(x, v, t, false);
    if (strcmp(t, "rich_text_preformatted") == 0)
        return rich_section(x, v, t, true);
    if (strcmp(t, "rich_text_list") == 0)
        return rich_list(x, v);
    return raw_unknown(x, v, t, "Type");
}

static int rich_elements(struct gt_ctx *x, const struct val *v)
{
    return list_always(x, v, one_rich_elem);
}

/* RichTextBlock: type and block_id as given, elements always a list
 * ("{}" decodes to the zero block). */
static int rich_text_block(struct gt_ctx *x, const struct val *v)
{
    if (v && v->kind == VAL_OBJECT && val_obj_len(*v) == 0)
        return buf_add_str(x->b, "{\"type\":\"\",\"elements\":null}");
    const struct val *t = gt_lookup(*v, "type");
    const struct val *id = gt_lookup(*v, "block_id");
    if (id && id->kind != VAL_STRING && id->kind != VAL_NULL)
        return gt_type_error(x, *id, "RichTextBlock", "block_id", "string");
    int rc = buf_add_str(x->b, "{\"type\":");
    if (rc == RN_OK)
        rc = t && t->kind == VAL_STRING
                 ? json_emit_string(x->b, t->u.s, t->len, x->flags)
                 : buf_add_str(x->b, "\"\"");
    if (rc == RN_OK && id && id->kind == VAL_STRING && id->len) {
        rc = buf_add_str(x->b, ",\"block_id\":");
        if (rc == RN_OK)
            rc = json_emit_string(x->b, id->u.s, id->len, x->flags);
    }
    if (rc == RN_OK)
        rc = buf_add_str(x->b, ",\"elements\":");
    if (rc == RN_OK)
        rc = rich_elements(x, v);
    return rc == RN_OK ? buf_add_char(x->b, '}') : rc;
}

/* *RichTextBlock (a rich text input's initial value). */
static int rich_text_ptr(struct gt_ctx *x, const struct val *v)
{
    if (!v || v->kind == VAL_NULL)
        return buf_add_str(x->b, "null");
    if (v->kind != VAL_OBJECT)
        return gt_type_error(x, *v, NULL, NULL, "slack.RichTextBlock");
    return rich_text_block(x, v);
}
