/*
 * test_gotime.c: Go's time package semantics (src/core/gotime*.c,
 * tzif.c): layouts formatted and parsed in UTC, America/New_York (both
 * sides of DST), Asia/Kolkata and fixed offsets, Go's parse error texts,
 * Duration String/ParseDuration edge cases, Date normalisation, AddDate,
 * DST gaps and overlaps, the zero time, years before 1970 and after 2262,
 * POSIX TZ footers and TZif images built by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/gotime.h"
#include "core/gotime_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NS 1000000000LL

static struct arena A;
static struct buf B;

static int setup(void **state)
{
    (void)state;
    arena_init(&A, 0);
    buf_init(&B, 1 << 20);
    setenv("TZ", "UTC", 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    arena_free(&A);
    buf_free(&B);
    return 0;
}

static const struct val_time *at(int64_t unix, int32_t nsec, const char *loc)
{
    struct rn_err e;
    const struct val_time *t = gotime_in(&A, unix, nsec, loc, &e);
    assert_non_null(t);
    return t;
}

static const char *fmt(const struct val_time *t, const char *layout)
{
    buf_reset(&B);
    assert_int_equal(gotime_format(&B, t, layout, strlen(layout)), 0);
    return buf_str(&B);
}

static const char *str(const struct val_time *t)
{
    buf_reset(&B);
    assert_int_equal(gotime_string(&B, t), 0);
    return buf_str(&B);
}

static const char *dur(int64_t ns)
{
    buf_reset(&B);
    assert_int_equal(gotime_duration_string(&B, ns), 0);
    return buf_str(&B);
}

static const struct val_time *parse_ok(const char *layout, const char *v,
                                       const char *loc)
{
    struct rn_err e;
    const struct val_time *t = NULL;
    int rc =
        gotime_parse(&A, layout, strlen(layout), v, strlen(v), loc, &t, &e);
    if (rc != 0)
        fail_msg("parse %s: %s", v, e.msg);
    return t;
}

static void parse_err(const char *layout, const char *v, const char *msg)
{
    struct rn_err e;
    const struct val_time *t = NULL;
    int rc =
        gotime_parse(&A, layout, strlen(layout), v, strlen(v), NULL, &t, &e);
    assert_int_not_equal(rc, 0);
    assert_string_equal(e.msg, msg);
}

static void fmt_utc(void **state)
{
    (void)state;
    const struct val_time *t = at(1700000000, 123456789, "UTC");
    assert_string_equal(fmt(t, GOTIME_RFC3339), "2023-11-14T22:13:20Z");
    assert_string_equal(fmt(t, GOTIME_RFC3339NANO),
                        "2023-11-14T22:13:20.123456789Z");
    assert_string_equal(fmt(t, "Mon Jan _2 15:04:05 2006"),
                        "Tue Nov 14 22:13:20 2023");
    assert_string_equal(fmt(t, "Monday, 02-Jan-06 15:04:05 MST"),
                        "Tuesday, 14-Nov-23 22:13:20 UTC");
    assert_string_equal(fmt(t, "Mon, 02 Jan 2006 15:04:05 -0700"),
                        "Tue, 14 Nov 2023 22:13:20 +0000");
    assert_string_equal(fmt(t, "3:04PM"), "10:13PM");
    assert_string_equal(fmt(t, "January 2, 2006 3:04:05 pm"),
                        "November 14, 2023 10:13:20 pm");
    assert_string_equal(fmt(t, "002 __2 _2 2 02"), "318 318 14 14 14");
    assert_string_equal(fmt(t, "Z07 -07 Z070000 -07:00:00 Z0700 Z07:00"),
                        "Z +00 Z +00:00:00 Z Z");
    assert_string_equal(fmt(t, "pm PM 03 3 1 01 06 2006 4 04 5 05"),
                        "pm PM 10 10 11 11 23 2023 13 13 20 20");
    assert_string_equal(fmt(t, ".000 .999 ,000 ,999 .0 .9 .000000000000"),
                        ".123 .123 ,123 ,123 .1 .1 .123456789");
    assert_string_equal(fmt(t, "05.000000"), "20.123456");
    assert_string_equal(str(t), "2023-11-14 22:13:20.123456789 +0000 UTC");
    /* Not elements: "Janx" is literal only when a lower-case letter
     * follows; "00" is not an element; digits after .000 spoil it. */
    assert_string_equal(fmt(t, "Janet Mondays 00 .0001x"),
                        "Janet Tuesdays 00 .0011x");
    assert_string_equal(fmt(t, "Jan_2006"), "Nov_2023");
    assert_string_equal(fmt(t, ""), "");
}

static void fmt_fraction_rules(void **state)
{
    (void)state;
    const struct val_time *t = at(1700000000, 120000000, "UTC");
    assert_string_equal(fmt(t, "05.999"), "20.12");
    assert_string_equal(fmt(t, "05.000"), "20.120");
    assert_string_equal(str(t), "2023-11-14 22:13:20.12 +0000 UTC");
    t = at(1700000000, 0, "UTC");
    assert_string_equal(fmt(t, "05.999|05,999"), "20|20");
    assert_string_equal(str(t), "2023-11-14 22:13:20 +0000 UTC");
    t = at(0, 5, "UTC");
    assert_string_equal(fmt(t, ".999999999"), ".000000005");
    assert_string_equal(fmt(t, ".99"), "");
}

static void fmt_new_york(void **state)
{
    (void)state;
    const struct val_time *t = at(1700000000, 0, "America/New_York");
    assert_string_equal(str(t), "2023-11-14 17:13:20 -0500 EST");
    assert_string_equal(t->loc, "America/New_York");
    assert_string_equal(fmt(t, GOTIME_RFC3339), "2023-11-14T17:13:20-05:00");
    assert_string_equal(fmt(t, "Z0700 -07 Z07:00:00"), "-0500 -05 -05:00:00");
    t = at(1690000000, 0, "America/New_York");
    assert_string_equal(str(t), "2023-07-22 00:26:40 -0400 EDT");
    assert_string_equal(fmt(t, "Monday 002 3PM"), "Saturday 203 12AM");
    /* Far future: beyond the table, the footer rule decides. */
    t = at(4117996800, 0, "America/New_York");
    assert_string_equal(str(t), "2100-06-29 20:00:00 -0400 EDT");
    t = at(4117996800 + 180 * 86400LL, 0, "America/New_York");
    assert_string_equal(str(t), "2100-12-26 19:00:00 -0500 EST");
    /* Local mean time before 1883. */
    t = at(-5000000000LL, 0, "America/New_York");
    assert_string_equal(str(t), "1811-07-23 10:10:38 -0456 LMT");
    assert_string_equal(fmt(t, "-07:00:00 Z070000"), "-04:56:02 -045602");
}

static void fmt_other_zones(void **state)
{
    (void)state;
    const struct val_time *t = at(1700000000, 0, "Asia/Kolkata");
    assert_string_equal(str(t), "2023-11-15 03:43:20 +0530 IST");
    assert_string_equal(fmt(t, "Z07:00 -07"), "+05:30 +05");
    t = at(1700000000, 0, "Asia/Tokyo");
    assert_string_equal(fmt(t, "2006-01-02 15:04 MST"), "2023-11-15 07:13 JST");
    t = at(1700000000, 0, "Australia/Sydney");
    assert_string_equal(str(t), "2023-11-15 09:13:20 +1100 AEDT");
    t = at(1690000000, 0, "Australia/Sydney");
    assert_string_equal(str(t), "2023-07-22 14:26:40 +1000 AEST");
    t = at(0, 0, "");
    assert_string_equal(str(t), "1970-01-01 00:00:00 +0000 UTC");
}

static void zones_and_local(void **state)
{
    (void)state;
    struct rn_err e;
    assert_null(gotime_in(&A, 0, 0, "Not/AZone", &e));
    assert_int_equal(e.code, RN_ENOTFOUND);
    assert_string_equal(e.msg, "unknown time zone Not/AZone");
    assert_null(gotime_in(&A, 0, 0, "../etc/passwd", &e));
    assert_string_equal(e.msg, "time: invalid location name");
    assert_null(gotime_in(&A, 0, 0, "/etc/passwd", &e));
    assert_null(gotime_in(&A, 0, 0, "America", &e));
    assert_string_equal(e.msg, "is a directory");

    setenv("TZ", "America/New_York", 1);
    const struct val_time *t = at(1700000000, 0, "Local");
    assert_string_equal(t->loc, "America/New_York");
    assert_string_equal(str(t), "2023-11-14 17:13:20 -0500 EST");
    setenv("TZ", ":Asia/Kolkata", 1);
    assert_string_equal(str(at(1700000000, 0, "Local")),
                        "2023-11-15 03:43:20 +0530 IST");
    setenv("TZ", "", 1);
    assert_string_equal(at(0, 0, "Local")->loc, "UTC");
    setenv("TZ", "Bogus/Zone", 1);
    assert_string_equal(str(at(0, 0, "Local")),
                        "1970-01-01 00:00:00 +0000 UTC");
    unsetenv("TZ");
    assert_string_equal(at(0, 0, "Local")->loc, "UTC");
    setenv("TZ", "UTC", 1);
}

static int fixed_clock(int64_t *unix, int32_t *nsec)
{
    *unix = 1741944413;
    *nsec = 5;
    return 0;
}

static void now_hook(void **state)
{
    (void)state;
    gotime_set_clock(fixed_clock);
    const struct val_time *t = gotime_now(&A);
    assert_non_null(t);
    assert_string_equal(str(t), "2025-03-14 09:26:53.000000005 +0000 UTC");
    gotime_set_clock(NULL);
    t = gotime_now(&A);
    assert_true(t->unix > 1741944413);
}

static void parse_basic(void **state)
{
    (void)state;
    const struct val_time *t =
        parse_ok(GOTIME_RFC3339, "2025-03-14T09:26:53Z", NULL);
    assert_int_equal(t->unix, 1741944413);
    assert_string_equal(str(t), "2025-03-14 09:26:53 +0000 UTC");
    t = parse_ok(GOTIME_RFC3339, "2024-01-01T10:00:00+02:00", NULL);
    assert_string_equal(str(t), "2024-01-01 10:00:00 +0200 +0200");
    assert_true(t->fixed);
    assert_string_equal(t->loc, "");
    assert_int_equal(t->unix, 1704096000);
    t = parse_ok(GOTIME_RFC3339, "2024-01-01T10:00:00+00:00", NULL);
    assert_string_equal(str(t), "2024-01-01 10:00:00 +0000 UTC");
    t = parse_ok(GOTIME_RFC3339NANO, "2024-01-01T10:00:00.5-07:30", NULL);
    assert_string_equal(str(t), "2024-01-01 10:00:00.5 -0730 -0730");
    /* A fraction the layout does not mention is still read. */
    t = parse_ok(GOTIME_RFC3339, "2024-01-01T10:00:00.123456789Z", NULL);
    assert_int_equal(t->nsec, 123456789);
    t = parse_ok("2006-01-02", "2024-02-29", NULL);
    assert_string_equal(str(t), "2024-02-29 00:00:00 +0000 UTC");
    t = parse_ok("Jan 2, 2006 at 3:04pm (MST)", "feb 3, 2013 at 7:54pm (PST)",
                 NULL);
    assert_string_equal(str(t), "2013-02-03 19:54:00 +0000 PST");
    assert_true(t->fixed);
    t = parse_ok("2006-01-02 15:04 MST", "2023-11-15 07:13 JST", "Asia/Tokyo");
    assert_string_equal(str(t), "2023-11-15 07:13:00 +0900 JST");
    assert_int_equal(t->unix, 1700000000 - 20);
    t = parse_ok("02 Jan 06 15:04 -0700", "02 Jan 69 15:04 -0000", NULL);
    assert_string_equal(fmt(t, "2006"), "1969");
    t = parse_ok("06", "68", NULL);
    assert_string_equal(fmt(t, "2006"), "2068");
    t = parse_ok("2006 002", "2024 060", NULL);
    assert_string_equal(fmt(t, "01-02"), "02-29");
    t = parse_ok("2006  __2", "2023 5", NULL);
    assert_string_equal(fmt(t, "01-02"), "01-05");
    t = parse_ok("3:04PM", "12:30AM", NULL);
    assert_string_equal(str(t), "0000-01-01 00:30:00 +0000 UTC");
    t = parse_ok("Monday 2006-01-02 15:04:05.000",
                 "friDAY 2025-03-14 09:26:53.250", NULL);
    assert_int_equal(t->nsec, 250000000);
    t = parse_ok("2006-01-02 15:04 MST", "2023-01-01 10:00 GMT+3", NULL);
    assert_string_equal(str(t), "2023-01-01 13:00:00 +0300 GMT+3");
}

static void parse_in_location(void **state)
{
    (void)state;
    const char *l = "2006-01-02 15:04";
    const struct val_time *t =
        parse_ok(l, "2023-07-04 12:00", "America/New_York");
    assert_string_equal(str(t), "2023-07-04 12:00:00 -0400 EDT");
    t = parse_ok(GOTIME_RFC3339, "2023-07-04T12:00:00-04:00",
                 "America/New_York");
    assert_string_equal(str(t), "2023-07-04 12:00:00 -0400 EDT");
    assert_false(t->fixed);
    t = parse_ok(GOTIME_RFC3339, "2023-07-04T12:00:00-05:00",
                 "America/New_York");
    assert_string_equal(str(t), "2023-07-04 12:00:00 -0500 -0500");
    t = parse_ok("2006-01-02 15:04 MST", "2023-07-04 12:00 EST",
                 "America/New_York");
    assert_string_equal(str(t), "2023-07-04 13:00:00 -0400 EDT");
    /* Go's Parse matches offsets against Local. */
    setenv("TZ", "Asia/Kolkata", 1);
    t = parse_ok(GOTIME_RFC3339, "2023-07-04T12:00:00+05:30", NULL);
    assert_string_equal(t->loc, "Asia/Kolkata");
    assert_string_equal(str(t), "2023-07-04 12:00:00 +0530 IST");
    t = parse_ok(l, "2023-07-04 12:00", NULL);
    assert_string_equal(str(t), "2023-07-04 12:00:00 +0000 UTC");
    setenv("TZ", "UTC", 1);
}

static void parse_errors(void **state)
{
    (void)state;
    parse_err(GOTIME_RFC3339, "bad",
              "parsing time \"bad\" as \"2006-01-02T15:04:05Z07:00\": "
              "cannot parse \"bad\" as \"2006\"");
    parse_err(GOTIME_RFC3339, "2024-01-01 10:00:00Z",
              "parsing time \"2024-01-01 10:00:00Z\" as "
              "\"2006-01-02T15:04:05Z07:00\": cannot parse \" 10:00:00Z\" as "
              "\"T\"");
    parse_err(GOTIME_RFC3339, "2024-01-01T10:00:00",
              "parsing time \"2024-01-01T10:00:00\" as "
              "\"2006-01-02T15:04:05Z07:00\": cannot parse \"\" as "
              "\"Z07:00\"");
    parse_err("2006-01-02", "2024-13-01",
              "parsing time \"2024-13-01\": month out of range");
    parse_err("2006-01-02", "2024-02-30",
              "parsing time \"2024-02-30\": day out of range");
    parse_err("2006-01-02", "2024-01-01x",
              "parsing time \"2024-01-01x\": extra text: \"x\"");
    parse_err("15:04", "25:00", "parsing time \"25:00\": hour out of range");
    parse_err("15:04:05", "23:60:00",
              "parsing time \"23:60:00\": minute out of range");
    parse_err(
        "Jan", "Foo",
        "parsing time \"Foo\" as \"Jan\": cannot parse \"Foo\" as \"Jan\"");
    parse_err("2006 002", "2023 366",
              "parsing time \"2023 366\": day-of-year out of range");
    parse_err("2006-01-02 002", "2024-01-02 003",
              "parsing time \"2024-01-02 003\": day-of-year does not match "
              "day");
    parse_err("PM", "XM",
              "parsing time \"XM\" as \"PM\": cannot parse \"\" as \"PM\"");
    parse_err("2006", "h\xc3\xa9\"",
              "parsing time \"h\\xc3\\xa9\\\"\" as \"2006\": cannot parse "
              "\"h\\xc3\\xa9\\\"\" as \"2006\"");
    parse_err("01/02", "1/2",
              "parsing time \"1/2\" as \"01/02\": cannot parse \"1/2\" as "
              "\"01\"");
    parse_err(GOTIME_RFC3339, "2024-01-01T10:00:00.1234567890Z",
              "parsing time \"2024-01-01T10:00:00.1234567890Z\": fractional "
              "second out of range");
    parse_err("2006 15", "20x6 10",
              "parsing time \"20x6 10\" as \"2006 15\": cannot parse \" 10\" "
              "as \"2006\"");
    parse_err("05.000", "05.12",
              "parsing time \"05.12\" as \"05.000\": cannot parse \".12\" as "
              "\".000\"");
}

static void durations(void **state)
{
    (void)state;
    assert_string_equal(dur(0), "0s");
    assert_string_equal(dur(1), "1ns");
    assert_string_equal(dur(90), "90ns");
    assert_string_equal(dur(1500), "1.5\xc2\xb5s");
    assert_string_equal(dur(1500000), "1.5ms");
    assert_string_equal(dur(-1500000000), "-1.5s");
    assert_string_equal(dur(120 * NS), "2m0s");
    assert_string_equal(dur(3600 * NS), "1h0m0s");
    assert_string_equal(dur(1987 * NS), "33m7s");
    assert_string_equal(dur(3723 * NS + 500000000), "1h2m3.5s");
    assert_string_equal(dur(INT64_MIN), "-2562047h47m16.854775808s");
    assert_string_equal(dur(INT64_MAX), "2562047h47m16.854775807s");
    assert_int_equal(gotime_duration_round(90 * 60 * NS, 3600 * NS),
                     2 * 3600 * NS);
    assert_int_equal(gotime_duration_round(-90 * 60 * NS, 3600 * NS),
                     -2 * 3600 * NS);
    assert_int_equal(gotime_duration_round(INT64_MAX, 3600 * NS), INT64_MAX);
    assert_int_equal(gotime_duration_truncate(-90 * 60 * NS, 3600 * NS),
                     -3600 * NS);
    assert_true(gotime_duration_minutes(1987 * NS) == 33.11666666666667);
    assert_true(gotime_duration_hours(-1987 * NS) == -0.5519444444444445);
    assert_true(gotime_duration_seconds(1500000000) == 1.5);
}

static void pd_ok(const char *s, int64_t want)
{
    int64_t got = -1;
    struct rn_err e;
    int rc = gotime_parse_duration(s, strlen(s), &got, &e);
    if (rc)
        fail_msg("%s: %s", s, e.msg);
    assert_int_equal(got, want);
}

static void pd_err(const char *s, const char *msg)
{
    int64_t got = 0;
    struct rn_err e;
    assert_int_not_equal(gotime_parse_duration(s, strlen(s), &got, &e), 0);
    assert_string_equal(e.msg, msg);
}

static void parse_durations(void **state)
{
    (void)state;
    pd_ok("0", 0);
    pd_ok("-0", 0);
    pd_ok("1h30m", 5400 * NS);
    pd_ok("1.5h", 5400 * NS);
    pd_ok(".5s", NS / 2);
    pd_ok("1.s", NS);
    pd_ok("-1.5s", -1500000000);
    pd_ok("+5s", 5 * NS);
    pd_ok("1us", 1000);
    pd_ok("1\xc2\xb5s", 1000);
    pd_ok("1\xce\xbcs", 1000);
    pd_ok("2h45m10.5s1ms2ns", (2 * 3600 + 45 * 60 + 10) * NS + 501000002);
    pd_ok("9223372036854775807ns", INT64_MAX);
    pd_ok("-9223372036854775808ns", INT64_MIN);
    pd_ok("1.00000000000000000000000000000000001s", NS);
    pd_err("", "time: invalid duration \"\"");
    pd_err("x", "time: invalid duration \"x\"");
    pd_err("bad", "time: invalid duration \"bad\"");
    pd_err("-", "time: invalid duration \"-\"");
    pd_err(".s", "time: invalid duration \".s\"");
    pd_err("1", "time: missing unit in duration \"1\"");
    pd_err("1h2", "time: missing unit in duration \"1h2\"");
    pd_err("1x", "time: unknown unit \"x\" in duration \"1x\"");
    pd_err("3d", "time: unknown unit \"d\" in duration \"3d\"");
    pd_err("1\xc3\xa9", "time: unknown unit \"\\xc3\\xa9\" in duration "
                        "\"1\\xc3\\xa9\"");
    pd_err("9223372036854775808ns",
           "time: invalid duration \"9223372036854775808ns\"");
    pd_err("3000000h", "time: invalid duration \"3000000h\"");
    pd_err("99999999999999999999s",
           "time: invalid duration \"99999999999999999999s\"");
}

static void civil_and_date(void **state)
{
    (void)state;
    struct gotime_civil c;
    struct rn_err e;
    gotime_civil(at(1700000000, 7, "Asia/Kolkata"), &c);
    assert_int_equal(c.year, 2023);
    assert_int_equal(c.month, 11);
    assert_int_equal(c.day, 15);
    assert_int_equal(c.hour, 3);
    assert_int_equal(c.min, 43);
    assert_int_equal(c.sec, 20);
    assert_int_equal(c.nsec, 7);
    assert_int_equal(c.wday, 3);
    assert_int_equal(c.yday, 319);
    struct gotime_civil d = {.year = 2023,
                             .month = 14,
                             .day = 0,
                             .hour = 25,
                             .min = -1,
                             .sec = 61,
                             .nsec = -1};
    const struct val_time *t = gotime_date(&A, &d, "UTC", &e);
    assert_string_equal(str(t), "2024-02-01 01:00:00.999999999 +0000 UTC");
    /* DST gap: 02:30 does not exist on 2023-03-12 in New York. */
    struct gotime_civil gap = {
        .year = 2023, .month = 3, .day = 12, .hour = 2, .min = 30};
    t = gotime_date(&A, &gap, "America/New_York", &e);
    assert_string_equal(str(t), "2023-03-12 01:30:00 -0500 EST");
    /* Overlap: 01:30 happens twice on 2023-11-05; Go takes EDT. */
    struct gotime_civil ov = {
        .year = 2023, .month = 11, .day = 5, .hour = 1, .min = 30};
    t = gotime_date(&A, &ov, "America/New_York", &e);
    assert_string_equal(str(t), "2023-11-05 01:30:00 -0400 EDT");
    /* Past the table: the same through the footer rule. */
    gap.year = 2100;
    gap.day = 14;
    t = gotime_date(&A, &gap, "America/New_York", &e);
    assert_string_equal(str(t), "2100-03-14 01:30:00 -0500 EST");
    assert_null(gotime_date(&A, &gap, "Nope/Nope", &e));
}

static void add_date(void **state)
{
    (void)state;
    const struct val_time *t = parse_ok("2006-01-02", "2023-01-31", NULL);
    assert_string_equal(fmt(gotime_add_date(&A, t, 0, 1, 0), "2006-01-02"),
                        "2023-03-03");
    t = parse_ok("2006-01-02", "2024-01-31", NULL);
    assert_string_equal(fmt(gotime_add_date(&A, t, 0, 1, 0), "2006-01-02"),
                        "2024-03-02");
    assert_string_equal(fmt(gotime_add_date(&A, t, -1, -13, 366), "2006-01-02"),
                        "2023-01-01");
    t = parse_ok("2006-01-02 15:04", "2024-02-29 12:00", "America/New_York");
    t = gotime_add_date(&A, t, 0, 0, 30);
    assert_string_equal(str(t), "2024-03-30 12:00:00 -0400 EDT");
    t = parse_ok(GOTIME_RFC3339, "2024-01-31T10:00:00+02:00", NULL);
    t = gotime_add_date(&A, t, 1, 0, 0);
    assert_string_equal(str(t), "2025-01-31 10:00:00 +0200 +0200");
}

static void add_sub(void **state)
{
    (void)state;
    const struct val_time *t =
        parse_ok(GOTIME_RFC3339, "2025-03-14T09:26:53Z", NULL);
    const struct val_time *u =
        parse_ok(GOTIME_RFC3339, "2025-03-14T10:00:00Z", NULL);
    assert_int_equal(gotime_sub(u, t), 1987 * NS);
    assert_int_equal(gotime_sub(t, u), -1987 * NS);
    assert_int_equal(gotime_cmp(t, u), -1);
    assert_int_equal(gotime_cmp(u, t), 1);
    assert_int_equal(gotime_cmp(t, t), 0);
    assert_string_equal(str(gotime_add(&A, t, 30 * 60 * NS)),
                        "2025-03-14 09:56:53 +0000 UTC");
    assert_string_equal(str(gotime_add(&A, t, -1)),
                        "2025-03-14 09:26:52.999999999 +0000 UTC");
    /* Crossing a DST change re-reads the offset. */
    const struct val_time *ny = at(1678604400 - 1, 0, "America/New_York");
    assert_string_equal(str(ny), "2023-03-12 01:59:59 -0500 EST");
    assert_string_equal(str(gotime_add(&A, ny, NS)),
                        "2023-03-12 03:00:00 -0400 EDT");
    /* Sub saturates. */
    const struct val_time *z = gotime_zero(&A);
    const struct val_time *far = at(4102444800LL * 10, 0, "UTC");
    assert_int_equal(gotime_sub(far, z), INT64_MAX);
    assert_int_equal(gotime_sub(z, far), INT64_MIN);
    assert_string_equal(str(gotime_truncate(&A, t, 3600 * NS)),
                        "2025-03-14 09:00:00 +0000 UTC");
    assert_string_equal(str(gotime_round(&A, t, 3600 * NS)),
                        "2025-03-14 09:00:00 +0000 UTC");
    assert_string_equal(str(gotime_round(&A, t, 60 * NS)),
                        "2025-03-14 09:27:00 +0000 UTC");
    /* Truncate counts from the zero time: 7h steps are not unix-aligned. */
    assert_string_equal(
        str(gotime_truncate(&A, at(0, 0, "UTC"), 7 * 3600 * NS)),
        "1969-12-31 22:00:00 +0000 UTC");
    assert_string_equal(
        str(gotime_truncate(&A, at(1700000000, 0, "Asia/Kolkata"),
                            24 * 3600 * NS)),
        "2023-11-14 05:30:00 +0530 IST");
    int64_t y;
    int w;
    gotime_iso_week(t, &y, &w);
    assert_int_equal(y, 2025);
    assert_int_equal(w, 11);
    gotime_iso_week(parse_ok("2006-01-02", "2021-01-03", NULL), &y, &w);
    assert_int_equal(y, 2020);
    assert_int_equal(w, 53);
}

static void extremes(void **state)
{
    (void)state;
    const struct val_time *z = gotime_zero(&A);
    assert_true(gotime_is_zero(z));
    assert_string_equal(str(z), "0001-01-01 00:00:00 +0000 UTC");
    assert_string_equal(fmt(z, "Monday 002 06"), "Monday 001 01");
    const struct val_time *t = parse_ok("2006-01-02", "1900-03-01", NULL);
    assert_int_equal(t->unix, -2203891200LL);
    assert_string_equal(fmt(t, "Mon"), "Thu");
    t = parse_ok("2006-01-02", "1600-02-29", NULL);
    assert_string_equal(fmt(t, "Mon 002"), "Tue 060");
    t = parse_ok(GOTIME_RFC3339, "3000-06-15T12:00:00Z", NULL);
    assert_int_equal(t->unix, 32517979200LL);
    assert_int_equal(gotime_unix_nano(t),
                     (int64_t)(32517979200ULL * 1000000000ULL));
    t = parse_ok("2006-01-02 15:04", "2300-07-01 12:00", "America/New_York");
    assert_string_equal(str(t), "2300-07-01 12:00:00 -0400 EDT");
    struct gotime_civil c = {.year = -1, .month = 1, .day = 1};
    struct rn_err e;
    t = gotime_date(&A, &c, "UTC", &e);
    assert_string_equal(fmt(t, "2006 06"), "-0001 01");
    c.year = 12345;
    t = gotime_date(&A, &c, "UTC", &e);
    assert_string_equal(str(t), "12345-01-01 00:00:00 +0000 UTC");
    assert_string_equal(gotime_month_name(3), "March");
    assert_null(gotime_month_name(13));
    assert_string_equal(gotime_weekday_name(0), "Sunday");
}

static size_t put32(unsigned char *p, size_t o, uint32_t v)
{
    p[o] = (unsigned char)(v >> 24);
    p[o + 1] = (unsigned char)(v >> 16);
    p[o + 2] = (unsigned char)(v >> 8);
    p[o + 3] = (unsigned char)v;
    return o + 4;
}

/* A TZif header and data block: one type (EST, -5h), no transitions. */
static size_t put_block(unsigned char *p, size_t o)
{
    memcpy(p + o, "TZif2", 5);
    memset(p + o + 5, 0, 15);
    o += 20;
    o = put32(p, o, 0); /* isut */
    o = put32(p, o, 0); /* isstd */
    o = put32(p, o, 0); /* leap */
    o = put32(p, o, 0); /* time */
    o = put32(p, o, 1); /* type */
    o = put32(p, o, 4); /* char */
    o = put32(p, o, (uint32_t)-18000);
    p[o++] = 0;
    p[o++] = 0;
    memcpy(p + o, "EST", 4);
    return o + 4;
}

/* A hand-built TZif v2 image with no transitions and a footer. */
static void tzif_footer(void **state)
{
    (void)state;
    unsigned char img[256];
    size_t n = put_block(img, 0);
    n = put_block(img, n);
    static const char footer[] = "\nEST5EDT,M3.2.0,M11.1.0\n";
    memcpy(img + n, footer, sizeof footer - 1);
    n += sizeof footer - 1;
    const struct tz *z = NULL;
    struct rn_err e;
    assert_int_equal(tz_from_tzif("Test/Zone", img, n, &z, &e), 0);
    struct tz_info info;
    tz_lookup(z, 1690000000, &info);
    assert_string_equal(info.abbr, "EDT");
    assert_int_equal(info.off, -4 * 3600);
    tz_lookup(z, 1700000000, &info);
    assert_string_equal(info.abbr, "EST");
    /* Exactly at the spring change (2023-03-12 07:00 UTC). */
    tz_lookup(z, 1678604400, &info);
    assert_string_equal(info.abbr, "EDT");
    assert_int_equal(info.start, 1678604400);
    tz_lookup(z, 1678604399, &info);
    assert_string_equal(info.abbr, "EST");
    assert_int_equal(info.end, 1678604400);
    tz_lookup(z, 0, &info);
    assert_string_equal(info.abbr, "EST");
    tz_release(z);
    assert_int_not_equal(tz_from_tzif("x", img, 30, &z, &e), 0);
    assert_string_equal(e.msg, "malformed time zone information");

    struct tz_rule r;
    assert_true(tz_rule_parse("<-03>3", 6, &r));
    assert_string_equal(r.std, "-03");
    assert_int_equal(r.stdoff, -3 * 3600);
    assert_true(tz_rule_parse("AEST-10AEDT,M10.1.0,M4.1.0/3", 28, &r));
    tz_rule_eval(&r, 0, 1700000000, &info);
    assert_string_equal(info.abbr, "AEDT");
    assert_int_equal(info.off, 11 * 3600);
    tz_rule_eval(&r, 0, 1690000000, &info);
    assert_string_equal(info.abbr, "AEST");
    assert_false(tz_rule_parse("AB5", 3, &r));
    assert_false(tz_rule_parse("EST5EDT,M3.2.0", 14, &r));
}

/* $ZONEINFO is searched first; TZ may name a TZif file by path. */
static void zoneinfo_env(void **state)
{
    (void)state;
    char dir[] = "/tmp/rn_gotime_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/Test_Zone", dir);
    unsigned char img[256];
    size_t n = put_block(img, 0);
    n = put_block(img, n);
    static const char footer[] = "\nEST5EDT,M3.2.0,M11.1.0\n";
    memcpy(img + n, footer, sizeof footer - 1);
    n += sizeof footer - 1;
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(img, 1, n, f), n);
    fclose(f);
    setenv("ZONEINFO", dir, 1);
    assert_string_equal(str(at(1690000000, 0, "Test_Zone")),
                        "2023-07-22 00:26:40 -0400 EDT");
    unsetenv("ZONEINFO");
    setenv("TZ", path, 1);
    const struct val_time *t = at(1700000000, 0, "Local");
    assert_string_equal(t->loc, path);
    assert_string_equal(str(t), "2023-11-14 17:13:20 -0500 EST");
    /* Moving a time re-reads its zone by path. */
    assert_string_equal(str(gotime_add(&A, t, -120 * 86400 * NS)),
                        "2023-07-17 18:13:20 -0400 EDT");
    setenv("TZ", "UTC", 1);
    unlink(path);
    rmdir(dir);
}

/* More zones than the cache holds: the rest are loaded per call and
 * their strings copied into the arena. */
static void many_zones(void **state)
{
    (void)state;
    static const char *const names[] = {
        "Africa/Abidjan",      "Africa/Algiers",      "Africa/Bissau",
        "Africa/Cairo",        "Africa/Casablanca",   "Africa/Ceuta",
        "Africa/Johannesburg", "Africa/Juba",         "Africa/Khartoum",
        "Africa/Lagos",        "Africa/Maputo",       "Africa/Monrovia",
        "Africa/Nairobi",      "Africa/Tripoli",      "Africa/Tunis",
        "Africa/Windhoek",     "America/Adak",        "America/Anchorage",
        "America/Bogota",      "America/Caracas",     "America/Chicago",
        "America/Denver",      "America/Halifax",     "America/Havana",
        "America/Lima",        "America/Los_Angeles", "America/Mexico_City",
        "America/Phoenix",     "America/Santiago",    "America/Sao_Paulo",
        "America/St_Johns",    "America/Toronto",     "Asia/Baghdad",
        "Asia/Bangkok",        "Asia/Dhaka",          "Asia/Dubai",
        "Asia/Hong_Kong",      "Asia/Jakarta",        "Asia/Jerusalem",
        "Asia/Kabul",          "Asia/Karachi",        "Asia/Kathmandu",
        "Asia/Manila",         "Asia/Seoul",          "Asia/Shanghai",
        "Asia/Singapore",      "Asia/Tehran",         "Asia/Yangon",
        "Atlantic/Azores",     "Atlantic/Reykjavik",  "Australia/Adelaide",
        "Australia/Brisbane",  "Australia/Darwin",    "Australia/Eucla",
        "Australia/Lord_Howe", "Australia/Perth",     "Europe/Amsterdam",
        "Europe/Athens",       "Europe/Berlin",       "Europe/Dublin",
        "Europe/Helsinki",     "Europe/Istanbul",     "Europe/Lisbon",
        "Europe/London",       "Europe/Madrid",       "Europe/Moscow",
        "Europe/Paris",        "Europe/Rome",         "Europe/Warsaw",
        "Pacific/Auckland",    "Pacific/Chatham",     "Pacific/Honolulu",
        "Pacific/Kiritimati",  "Pacific/Marquesas"};
    const struct val_time *t[sizeof names / sizeof names[0]];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        t[i] = at(1700000000, 0, names[i]);
        assert_string_equal(t[i]->loc, names[i]);
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_non_null(gotime_add(&A, t[i], NS));
    assert_string_equal(str(t[sizeof names / sizeof names[0] - 1]),
                        "2023-11-14 12:43:20 -0930 -0930");
    assert_string_equal(str(t[sizeof names / sizeof names[0] - 5]),
                        "2023-11-15 11:13:20 +1300 NZDT");
    assert_string_equal(
        fmt(at(1700000000, 0, "Australia/Lord_Howe"), "MST -07:00"),
        "+11 +11:00");
    assert_string_equal(
        fmt(at(1690000000, 0, "Australia/Lord_Howe"), "MST -07:00"),
        "+1030 +10:30");
}

/* The method table both languages call (GOTIME_METHODS): lookups by
 * receiver, the first result of several, and Go's results for the
 * methods the templates and expr used to compute on their own. */
static struct val call_m(int recv, const char *name, struct val r,
                         const struct val *args)
{
    const struct gotime_method *m =
        gotime_method_find(recv, name, strlen(name));
    struct val out = val_null();
    struct rn_err e = {0};
    assert_non_null(m);
    assert_int_equal(gotime_method_call(&A, m, r, args, &out, &e), RN_OK);
    return out;
}

static void methods(void **state)
{
    (void)state;
    struct val t = val_time(
        parse_ok(GOTIME_RFC3339NANO, "2021-01-03T10:44:59.5+01:00", NULL));
    struct val hour = val_duration(3600 * 1000000000LL);
    assert_null(gotime_method_find(GOTIME_RECV_DURATION, "Year", 4));
    assert_int_equal(gotime_recv_of(val_int_t(3, GT_MONTH)), GOTIME_RECV_MONTH);
    assert_int_equal(gotime_recv_of(val_int(3)), -1);
    struct val r = call_m(GOTIME_RECV_TIME, "Round", t, &hour);
    assert_string_equal(fmt(r.u.tm, GOTIME_RFC3339),
                        "2021-01-03T11:00:00+01:00");
    r = call_m(GOTIME_RECV_TIME, "Truncate", t, &hour);
    assert_string_equal(fmt(r.u.tm, GOTIME_RFC3339),
                        "2021-01-03T10:00:00+01:00");
    /* 2021-01-03 is a Sunday of ISO week 53 of 2020 */
    assert_int_equal(call_m(GOTIME_RECV_TIME, "ISOWeek", t, NULL).u.i, 2020);
    assert_int_equal(call_m(GOTIME_RECV_TIME, "Date", t, NULL).u.i, 2021);
    assert_int_equal(call_m(GOTIME_RECV_TIME, "UnixMilli", t, NULL).u.i,
                     1609667099500LL);
    r = call_m(GOTIME_RECV_TIME, "Month", t, NULL);
    r = call_m(GOTIME_RECV_MONTH, "String", r, NULL);
    assert_string_equal(r.u.s, "January");
    r = call_m(GOTIME_RECV_WEEKDAY, "String", val_int_t(9, GT_WEEKDAY), NULL);
    assert_string_equal(r.u.s, "%!Weekday(9)");
    struct val d = val_duration(5400 * 1000000000LL + 1);
    assert_true(call_m(GOTIME_RECV_DURATION, "Hours", d, NULL).u.f > 1.5);
    r = call_m(GOTIME_RECV_DURATION, "String", d, NULL);
    assert_string_equal(r.u.s, "1h30m0.000000001s");
    r = call_m(GOTIME_RECV_TIME, "Location", t, NULL);
    assert_int_equal(gotime_recv_of(r), GOTIME_RECV_LOCATION);
    r = call_m(GOTIME_RECV_LOCATION, "String", r, NULL);
    assert_string_equal(r.u.s, "");
    assert_int_equal(gotime_methods[GOTIME_M_CLOCK].nresults, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fmt_utc),         cmocka_unit_test(fmt_fraction_rules),
        cmocka_unit_test(fmt_new_york),    cmocka_unit_test(fmt_other_zones),
        cmocka_unit_test(zones_and_local), cmocka_unit_test(now_hook),
        cmocka_unit_test(parse_basic),     cmocka_unit_test(parse_in_location),
        cmocka_unit_test(parse_errors),    cmocka_unit_test(durations),
        cmocka_unit_test(parse_durations), cmocka_unit_test(civil_and_date),
        cmocka_unit_test(add_date),        cmocka_unit_test(add_sub),
        cmocka_unit_test(extremes),        cmocka_unit_test(tzif_footer),
        cmocka_unit_test(zoneinfo_env),    cmocka_unit_test(many_zones),
        cmocka_unit_test(methods),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
