/*
 * test_log.c: log lines of src/core/log.c: the text and JSON formats,
 * quoting of values with spaces, quotes, newlines, control characters and
 * invalid UTF-8, the level filter, the scrubber seeing (and rewriting)
 * each whole line, and whole lines from several threads at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/log.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static FILE *out;

static int setup(void **state)
{
    (void)state;
    out = tmpfile();
    return out ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    log_setup(LOG_INFO, LOG_TEXT, NULL);
    log_set_scrubber(NULL, NULL);
    fclose(out);
    return 0;
}

/* Everything written since the last call, NUL-terminated (static). */
static const char *taken(void)
{
    static char text[1 << 20];
    long end = ftell(out);
    rewind(out);
    size_t n = fread(text, 1, (size_t)end, out);
    text[n] = '\0';
    rewind(out);
    assert_int_equal(ftruncate(fileno(out), 0), 0);
    return text;
}

/* "time=2026-01-02T03:04:05.678Z " (text) or the JSON member: checks the
 * stamp's shape and returns what follows it. */
static const char *after_time(const char *line, bool json)
{
    const char *p = json ? "{\"time\":\"" : "time=";
    assert_memory_equal(line, p, strlen(p));
    line += strlen(p);
    const char *shape = "dddd-dd-ddTdd:dd:dd.dddZ";
    for (size_t i = 0; shape[i]; i++) {
        if (shape[i] == 'd')
            assert_true(isdigit((unsigned char)line[i]));
        else
            assert_int_equal(line[i], shape[i]);
    }
    line += strlen(shape);
    return json ? line + 1 : line; /* past the closing quote */
}

static void text_format(void **state)
{
    (void)state;
    log_setup(LOG_DEBUG, LOG_TEXT, out);
    log_kv(LOG_INFO, "delivered", "service", "slack", "rollout", "ns/x", NULL);
    const char *t = taken();
    assert_string_equal(after_time(t, false),
                        " level=info msg=delivered service=slack "
                        "rollout=ns/x\n");
    log_kv(LOG_WARN, "two words", "k", NULL, "e", "", NULL);
    assert_string_equal(after_time(taken(), false),
                        " level=warn msg=\"two words\" k=\"\" e=\"\"\n");
}

static void text_quoting(void **state)
{
    (void)state;
    log_setup(LOG_DEBUG, LOG_TEXT, out);
    log_kv(LOG_ERROR, "m", "sp", "a b", "q", "say \"hi\"", "nl", "l1\nl2",
           "ctl", "\x01x\x7f", "bad", "ok\xff\xfe", "eq", "a=b", "bs", "a\\b",
           "u", "h\xc3\xa9llo", "nbsp",
           "a\xc2\xa0"
           "b",
           "tab", "\t", NULL);
    assert_string_equal(after_time(taken(), false),
                        " level=error msg=m sp=\"a b\" q=\"say \\\"hi\\\"\" "
                        "nl=\"l1\\nl2\" ctl=\"\\x01x\\x7f\" "
                        "bad=\"ok\\xff\\xfe\" eq=\"a=b\" bs=a\\b "
                        "u=h\xc3\xa9llo nbsp=\"a\\u00a0b\" tab=\"\\t\"\n");
    /* keys are quoted by the same rule */
    log_kv(LOG_INFO, "m", "a key", "v", NULL);
    assert_string_equal(after_time(taken(), false),
                        " level=info msg=m \"a key\"=v\n");
}

static void json_format(void **state)
{
    (void)state;
    log_setup(LOG_DEBUG, LOG_JSON, out);
    log_kv(LOG_DEBUG, "m", "sp", "a b", "q", "say \"hi\"", "nl", "l1\nl2",
           "ctl", "\x01", "bad", "ok\xff", "html", "<&>", "none", NULL, NULL);
    assert_string_equal(after_time(taken(), true),
                        ",\"level\":\"debug\",\"msg\":\"m\",\"sp\":\"a b\","
                        "\"q\":\"say \\\"hi\\\"\",\"nl\":\"l1\\nl2\","
                        "\"ctl\":\"\\u0001\",\"bad\":\"ok\\ufffd\","
                        "\"html\":\"<&>\",\"none\":\"\"}\n");
}

static void level_filter(void **state)
{
    (void)state;
    log_setup(LOG_WARN, LOG_TEXT, out);
    assert_false(log_enabled(LOG_INFO));
    assert_true(log_enabled(LOG_WARN));
    assert_true(log_enabled(LOG_ERROR));
    log_kv(LOG_DEBUG, "d", NULL);
    log_kv(LOG_INFO, "i", NULL);
    log_kv(LOG_WARN, "w", NULL);
    log_kv(LOG_ERROR, "e", NULL);
    const char *t = taken();
    assert_null(strstr(t, "msg=d"));
    assert_null(strstr(t, "msg=i"));
    assert_non_null(strstr(t, "level=warn msg=w\n"));
    assert_non_null(strstr(t, "level=error msg=e\n"));
    assert_int_equal(log_level_parse("debug"), LOG_DEBUG);
    assert_int_equal(log_level_parse("warning"), LOG_WARN);
    assert_int_equal(log_level_parse("warn"), LOG_WARN);
    assert_int_equal(log_level_parse("error"), LOG_ERROR);
    assert_int_equal(log_level_parse("loud"), -1);
    assert_int_equal(log_level_parse(NULL), -1);
    assert_int_equal(log_format_parse("json"), LOG_JSON);
    assert_int_equal(log_format_parse("text"), LOG_TEXT);
    assert_int_equal(log_format_parse("xml"), -1);
}

struct seen {
    char line[4096];
    size_t cap;
    int calls;
};

/* Masks "x1" (shorter than its mask, so the line grows) and records what
 * it was given. */
static void mask(void *ud, char *line, size_t cap)
{
    struct seen *s = ud;
    snprintf(s->line, sizeof s->line, "%s", line);
    s->cap = cap;
    s->calls++;
    char tmp[4096] = "";
    size_t o = 0;
    for (const char *p = line; *p && o + 6 < sizeof tmp;) {
        if (strncmp(p, "x1", 2) == 0) {
            memcpy(tmp + o, "*****", 5);
            o += 5;
            p += 2;
        } else {
            tmp[o++] = *p++;
        }
    }
    tmp[o] = '\0';
    snprintf(line, cap, "%s", tmp);
}

static void scrubber_sees_whole_line(void **state)
{
    (void)state;
    struct seen s = {0};
    log_setup(LOG_INFO, LOG_TEXT, out);
    log_set_scrubber(mask, &s);
    log_kv(LOG_INFO, "sending", "token", "x1", "url", "http://h/x1/y", NULL);
    /* each value before it is quoted (msg, token, url), then the line */
    assert_int_equal(s.calls, 4);
    /* last, the finished line (its values already scrubbed), without its
     * newline */
    assert_non_null(strstr(s.line, " level=info msg=sending token=***** "
                                   "url=http://h/*****/y"));
    assert_null(strchr(s.line, '\n'));
    assert_true(s.cap > strlen(s.line) + 6);
    const char *t = taken();
    assert_null(strstr(t, "x1"));
    assert_non_null(strstr(t, "token=***** url=http://h/*****/y\n"));
    /* JSON lines too */
    log_setup(LOG_INFO, LOG_JSON, out);
    log_kv(LOG_INFO, "m", "k", "ax1b", NULL);
    assert_non_null(strstr(taken(), "\"k\":\"a*****b\"}\n"));
    assert_int_equal(s.calls, 7);
    /* a value that quoting escapes: masked before it is escaped */
    log_setup(LOG_INFO, LOG_TEXT, out);
    log_kv(LOG_INFO, "m", "k", "\"x1\"", NULL);
    assert_non_null(strstr(taken(), "k=\"\\\"*****\\\"\"\n"));
    assert_int_equal(s.calls, 10);
    log_setup(LOG_INFO, LOG_JSON, out);
    /* filtered lines are never built, so never scrubbed */
    log_kv(LOG_DEBUG, "m", "k", "x1", NULL);
    assert_int_equal(s.calls, 10);
    log_set_scrubber(NULL, NULL);
    log_kv(LOG_INFO, "m", "k", "x1", NULL);
    assert_non_null(strstr(taken(), "\"k\":\"x1\""));
}

static void long_value_cut(void **state)
{
    (void)state;
    size_t n = 100000;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'a', n);
    big[n] = '\0';
    log_setup(LOG_INFO, LOG_TEXT, out);
    log_kv(LOG_INFO, "m", "big", big, "after", "yes", NULL);
    const char *t = taken();
    assert_non_null(strstr(t, "aaa... after=yes\n"));
    assert_true(strlen(t) < n);
    free(big);
}

static void *writer(void *ud)
{
    const char *id = ud;
    for (int i = 0; i < 300; i++)
        log_kv(LOG_INFO, "concurrent line with some length", "writer", id,
               "payload", "0123456789abcdefghijklmnopqrstuvwxyz", NULL);
    return NULL;
}

static void threads_write_whole_lines(void **state)
{
    (void)state;
    log_setup(LOG_INFO, LOG_TEXT, out);
    static const char *ids[4] = {"w0", "w1", "w2", "w3"};
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, writer, (void *)ids[i]),
                         0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    const char *t = taken();
    const char *head = " level=info msg=\"concurrent line with some "
                       "length\" writer=w";
    const char *tail = " payload=0123456789abcdefghijklmnopqrstuvwxyz";
    int lines = 0;
    for (const char *l = t, *nl; (nl = strchr(l, '\n')); l = nl + 1) {
        const char *rest = after_time(l, false);
        assert_memory_equal(rest, head, strlen(head));
        rest += strlen(head) + 1; /* the writer's digit */
        assert_int_equal((size_t)(nl - rest), strlen(tail));
        assert_memory_equal(rest, tail, strlen(tail));
        lines++;
    }
    assert_int_equal(lines, 1200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_format),
        cmocka_unit_test(text_quoting),
        cmocka_unit_test(json_format),
        cmocka_unit_test(level_filter),
        cmocka_unit_test(scrubber_sees_whole_line),
        cmocka_unit_test(long_value_cut),
        cmocka_unit_test(threads_write_whole_lines),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
