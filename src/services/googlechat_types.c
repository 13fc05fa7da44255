/*
 * googlechat_types.c: the card types of google.golang.org/api's chat/v1
 * at the version upstream pins (v0.227.0), as upstream's googlechat
 * service puts them on the wire (docs/services/googlechat.md).  It
 * decodes the rendered `cards` into []chat.Card and `cardsV2` into
 * []chat.GoogleAppsCardV1Card through sigs.k8s.io/yaml (YAML to JSON,
 * then encoding/json), wraps each V2 card as chat.CardWithId, and
 * json.Marshal writes them again.  So keys the types do not know are
 * dropped, keys match case-insensitively, members come in the structs'
 * order, and every empty field is left out (all are omitempty; a
 * pointer to an empty struct is not empty: `divider: {}` stays `{}`).
 *
 * The tables below follow the generated structs field for field; gotype.c
 * does the decoding and encoding.  Three kinds need care: int64 fields
 * tagged `,string` (DateTimePicker.valueMsEpoch) read and write a quoted
 * integer; float64 fields of types with their own UnmarshalJSON (Color,
 * ImageCropStyle, the legacy Image) read through gensupport.JSONFloat64;
 * the others are plain int64 numbers.
 */
#include "svc_int.h"

#include "../core/json.h"

#include <string.h>

/* Field shorthands, all omitempty: S string, B bool, I int64, IS int64
 * as a string, G float64 (JSONFloat64), SL []string, P pointer to a
 * struct, L slice of pointers. */
#define F(n, k, st, el, gt)                                                    \
    {                                                                          \
        n, k, true, st, el, NULL, gt                                           \
    }
#define S(n) F(n, GK_STR, NULL, 0, NULL)
#define B(n) F(n, GK_BOOL, NULL, 0, NULL)
#define I(n) F(n, GK_INT, NULL, 0, "int64")
#define IS(n) F(n, GK_INT_STR, NULL, 0, NULL)
#define G(n) F(n, GK_GFLOAT, NULL, 0, NULL)
#define SL(n) F(n, GK_SLICE, NULL, GK_STR, "[]string")
#define P(n, t) F(n, GK_PTR, &t, 0, NULL)
#define L(n, t) F(n, GK_SLICE, &t, GK_PTR, "[]*chat." #t)
#define STRUCT(t, ...)                                                         \
    static const struct gt_field t##_f[] = {__VA_ARGS__};                      \
    static const struct gt_struct t = {"chat." #t, t##_f,                      \
                                       sizeof t##_f / sizeof *t##_f}

/* ---- the legacy cards (chat.Card) ---- */

STRUCT(ActionParameter, S("key"), S("value"));
STRUCT(FormAction, S("actionMethodName"), L("parameters", ActionParameter));
STRUCT(OpenLink, S("url"));
STRUCT(OnClick, P("action", FormAction), P("openLink", OpenLink));
STRUCT(TextButton, P("onClick", OnClick), S("text"));
STRUCT(ImageButton, S("icon"), S("iconUrl"), S("name"), P("onClick", OnClick));
STRUCT(Button, P("imageButton", ImageButton), P("textButton", TextButton));
STRUCT(Image, G("aspectRatio"), S("imageUrl"), P("onClick", OnClick));
STRUCT(KeyValue, S("bottomLabel"), P("button", Button), S("content"),
       B("contentMultiline"), S("icon"), S("iconUrl"), P("onClick", OnClick),
       S("topLabel"));
STRUCT(TextParagraph, S("text"));
STRUCT(WidgetMarkup, L("buttons", Button), P("image", Image),
       P("keyValue", KeyValue), P("textParagraph", TextParagraph));
STRUCT(Section, S("header"), L("widgets", WidgetMarkup));
STRUCT(CardHeader, S("imageStyle"), S("imageUrl"), S("subtitle"), S("title"));
STRUCT(CardAction, S("actionLabel"), P("onClick", OnClick));
STRUCT(Card, L("cardActions", CardAction), P("header", CardHeader), S("name"),
       L("sections", Section));

/* ---- the V2 cards (chat.GoogleAppsCardV1Card and what it reaches) ---- */

/* The types are recursive (a card's OnClick may push a card; a column
 * holds widgets): these are completed below. */
static const struct gt_struct GoogleAppsCardV1Card, GoogleAppsCardV1OnClick,
    GoogleAppsCardV1Widgets;

STRUCT(Color, G("alpha"), G("blue"), G("green"), G("red"));
STRUCT(SpaceDataSource, B("defaultToCurrentSpace"));
STRUCT(ChatClientDataSourceMarkup, P("spaceDataSource", SpaceDataSource));
STRUCT(HostAppDataSourceMarkup,
       P("chatDataSource", ChatClientDataSourceMarkup));
STRUCT(GoogleAppsCardV1ActionParameter, S("key"), S("value"));
STRUCT(GoogleAppsCardV1Action, B("allWidgetsAreRequired"), S("function"),
       S("interaction"), S("loadIndicator"),
       L("parameters", GoogleAppsCardV1ActionParameter), B("persistValues"),
       SL("requiredWidgets"));
STRUCT(GoogleAppsCardV1MaterialIcon, B("fill"), I("grade"), S("name"),
       I("weight"));
STRUCT(GoogleAppsCardV1Icon, S("altText"), S("iconUrl"), S("imageType"),
       S("knownIcon"), P("materialIcon", GoogleAppsCardV1MaterialIcon));
STRUCT(GoogleAppsCardV1Button, S("altText"), P("color", Color), B("disabled"),
       P("icon", GoogleAppsCardV1Icon), P("onClick", GoogleAppsCardV1OnClick),
       S("text"), S("type"));
STRUCT(GoogleAppsCardV1OpenLink, S("onClose"), S("openAs"), S("url"));
STRUCT(GoogleAppsCardV1OverflowMenuItem, B("disabled"),
       P("onClick", GoogleAppsCardV1OnClick),
       P("startIcon", GoogleAppsCardV1Icon), S("text"));
STRUCT(GoogleAppsCardV1OverflowMenu,
       L("items", GoogleAppsCardV1OverflowMenuItem));
STRUCT(GoogleAppsCardV1ButtonList, L("buttons", GoogleAppsCardV1Button));
STRUCT(GoogleAppsCardV1CardAction, S("actionLabel"),
       P("onClick", GoogleAppsCardV1OnClick));
STRUCT(GoogleAppsCardV1CardFixedFooter,
       P("primaryButton", GoogleAppsCardV1Button),
       P("secondaryButton", GoogleAppsCardV1Button));
STRUCT(GoogleAppsCardV1CardHeader, S("imageAltText"), S("imageType"),
       S("imageUrl"), S("subtitle"), S("title"));
STRUCT(GoogleAppsCardV1TextParagraph, I("maxLines"), S("text"));
STRUCT(GoogleAppsCardV1Image, S("altText"), S("imageUrl"),
       P("onClick", GoogleAppsCardV1OnClick));
STRUCT(GoogleAppsCardV1NestedWidget,
       P("buttonList", GoogleAppsCardV1ButtonList),
       P("image", GoogleAppsCardV1Image),
       P("textParagraph", GoogleAppsCardV1TextParagraph));
STRUCT(GoogleAppsCardV1CarouselCard,
       L("footerWidgets", GoogleAppsCardV1NestedWidget),
       L("widgets", GoogleAppsCardV1NestedWidget));
STRUCT(GoogleAppsCardV1Carousel,
       L("carouselCards", GoogleAppsCardV1CarouselCard));
STRUCT(GoogleAppsCardV1Chip, S("altText"), B("disabled"), B("enabled"),
       P("icon", GoogleAppsCardV1Icon), S("label"),
       P("onClick", GoogleAppsCardV1OnClick));
STRUCT(GoogleAppsCardV1ChipList, L("chips", GoogleAppsCardV1Chip), S("layout"));
STRUCT(GoogleAppsCardV1CollapseControl,
       P("collapseButton", GoogleAppsCardV1Button),
       P("expandButton", GoogleAppsCardV1Button), S("horizontalAlignment"));
STRUCT(GoogleAppsCardV1Column, S("horizontalAlignment"),
       S("horizontalSizeStyle"), S("verticalAlignment"),
       L("widgets", GoogleAppsCardV1Widgets));
STRUCT(GoogleAppsCardV1Columns, L("columnItems", GoogleAppsCardV1Column));
STRUCT(GoogleAppsCardV1DateTimePicker, S("label"), S("name"),
       P("onChangeAction", GoogleAppsCardV1Action), I("timezoneOffsetDate"),
       S("type"), IS("valueMsEpoch"));
STRUCT(GoogleAppsCardV1SwitchControl, S("controlType"), S("name"),
       P("onChangeAction", GoogleAppsCardV1Action), B("selected"), S("value"));
STRUCT(GoogleAppsCardV1DecoratedText, S("bottomLabel"),
       P("button", GoogleAppsCardV1Button), P("endIcon", GoogleAppsCardV1Icon),
       P("icon", GoogleAppsCardV1Icon), P("onClick", GoogleAppsCardV1OnClick),
       P("startIcon", GoogleAppsCardV1Icon),
       P("switchControl", GoogleAppsCardV1SwitchControl), S("text"),
       S("topLabel"), B("wrapText"));
/* an empty struct: only whether the pointer is set shows */
static const struct gt_struct GoogleAppsCardV1Divider = {
    "chat.GoogleAppsCardV1Divider", NULL, 0};
STRUCT(GoogleAppsCardV1BorderStyle, I("cornerRadius"), P("strokeColor", Color),
       S("type"));
STRUCT(GoogleAppsCardV1ImageCropStyle, G("aspectRatio"), S("type"));
STRUCT(GoogleAppsCardV1ImageComponent, S("altText"),
       P("borderStyle", GoogleAppsCardV1BorderStyle),
       P("cropStyle", GoogleAppsCardV1ImageCropStyle), S("imageUri"));
STRUCT(GoogleAppsCardV1GridItem, S("id"),
       P("image", GoogleAppsCardV1ImageComponent), S("layout"), S("subtitle"),
       S("title"));
STRUCT(GoogleAppsCardV1Grid, P("borderStyle", GoogleAppsCardV1BorderStyle),
       I("columnCount"), L("items", GoogleAppsCardV1GridItem),
       P("onClick", GoogleAppsCardV1OnClick), S("title"));
STRUCT(GoogleAppsCardV1SelectionItem, S("bottomText"), B("selected"),
       S("startIconUri"), S("text"), S("value"));
STRUCT(GoogleAppsCardV1PlatformDataSource, S("commonDataSource"),
       P("hostAppDataSource", HostAppDataSourceMarkup));
STRUCT(GoogleAppsCardV1SelectionInput,
       P("externalDataSource", GoogleAppsCardV1Action),
       L("items", GoogleAppsCardV1SelectionItem), S("label"),
       I("multiSelectMaxSelectedItems"), I("multiSelectMinQueryLength"),
       S("name"), P("onChangeAction", GoogleAppsCardV1Action),
       P("platformDataSource", GoogleAppsCardV1PlatformDataSource), S("type"));
STRUCT(GoogleAppsCardV1SuggestionItem, S("text"));
STRUCT(GoogleAppsCardV1Suggestions, L("items", GoogleAppsCardV1SuggestionItem));
STRUCT(GoogleAppsCardV1Validation, I("characterLimit"), S("inputType"));
STRUCT(GoogleAppsCardV1TextInput,
       P("autoCompleteAction", GoogleAppsCardV1Action), S("hintText"),
       P("initialSuggestions", GoogleAppsCardV1Suggestions), S("label"),
       S("name"), P("onChangeAction", GoogleAppsCardV1Action),
       S("placeholderText"), S("type"),
       P("validation", GoogleAppsCardV1Validation), S("value"));
STRUCT(GoogleAppsCardV1Widget, P("buttonList", GoogleAppsCardV1ButtonList),
       P("carousel", GoogleAppsCardV1Carousel),
       P("chipList", GoogleAppsCardV1ChipList),
       P("columns", GoogleAppsCardV1Columns),
       P("dateTimePicker", GoogleAppsCardV1DateTimePicker),
       P("decoratedText", GoogleAppsCardV1DecoratedText),
       P("divider", GoogleAppsCardV1Divider), P("grid", GoogleAppsCardV1Grid),
       S("horizontalAlignment"), P("image", GoogleAppsCardV1Image),
       P("selectionInput", GoogleAppsCardV1SelectionInput),
       P("textInput", GoogleAppsCardV1TextInput),
       P("textParagraph", GoogleAppsCardV1TextParagraph));
STRUCT(GoogleAppsCardV1Section,
       P("collapseControl", GoogleAppsCardV1CollapseControl), B("collapsible"),
       S("header"), I("uncollapsibleWidgetsCount"),
       L("widgets", GoogleAppsCardV1Widget));

STRUCT(GoogleAppsCardV1Widgets, P("buttonList", GoogleAppsCardV1ButtonList),
       P("chipList", GoogleAppsCardV1ChipList),
       P("dateTimePicker", GoogleAppsCardV1DateTimePicker),
       P("decoratedText", GoogleAppsCardV1DecoratedText),
       P("image", GoogleAppsCardV1Image),
       P("selectionInput", GoogleAppsCardV1SelectionInput),
       P("textInput", GoogleAppsCardV1TextInput),
       P("textParagraph", GoogleAppsCardV1TextParagraph));
STRUCT(GoogleAppsCardV1OnClick, P("action", GoogleAppsCardV1Action),
       P("card", GoogleAppsCardV1Card),
       P("openDynamicLinkAction", GoogleAppsCardV1Action),
       P("openLink", GoogleAppsCardV1OpenLink),
       P("overflowMenu", GoogleAppsCardV1OverflowMenu));
STRUCT(GoogleAppsCardV1Card, L("cardActions", GoogleAppsCardV1CardAction),
       S("displayStyle"), P("fixedFooter", GoogleAppsCardV1CardFixedFooter),
       P("header", GoogleAppsCardV1CardHeader), S("name"),
       P("peekCardHeader", GoogleAppsCardV1CardHeader),
       S("sectionDividerStyle"), L("sections", GoogleAppsCardV1Section));

/* []chat.Card; v an array (the caller checked). */
int gchat_emit_cards(struct gt_ctx *x, const struct val *v)
{
    return gt_emit_list(x, &Card, v, "[]chat.Card");
}

/*
 * []chat.CardWithId: each item of v (an array) decoded as a
 * GoogleAppsCardV1Card (null: the zero card), written as {"card": ...,
 * "cardId": ids[i]} (CardWithId's order; the card pointer is never nil).
 */
int gchat_emit_cards_v2(struct gt_ctx *x, const struct val *v,
                        const char *const *ids)
{
    int rc = buf_add_char(x->b, '[');
    for (size_t i = 0; rc == RN_OK && i < val_list_len(*v); i++) {
        struct val item = val_list_at(*v, i);
        rc = buf_add_str(x->b, i ? ",{\"card\":" : "{\"card\":");
        if (rc == RN_OK)
            rc = gt_emit_struct(x, &GoogleAppsCardV1Card, &item);
        if (rc == RN_OK)
            rc = buf_add_str(x->b, ",\"cardId\":");
        if (rc == RN_OK)
            rc = json_emit_string(x->b, ids[i], strlen(ids[i]), x->flags);
        if (rc == RN_OK)
            rc = buf_add_char(x->b, '}');
    }
    return rc == RN_OK ? buf_add_char(x->b, ']') : rc;
}
