/* test_error.c - status names, the per-thread error record, versions and the allocator hook. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "internal.h"

static void test_status_strings(void **state)
{
    (void)state;
    assert_string_equal(kpi_status_str(KPI_OK), "success");
    assert_string_equal(kpi_status_str(KPI_EPARSE), "parse error");
    assert_string_equal(kpi_status_str(KPI_EOVERFLOW), "arithmetic overflow");
    assert_string_equal(kpi_status_str(-9999), "unknown error");
    /* every defined code has its own name */
    for (kpi_status a = KPI_EINPUT; a <= KPI_OK; a++)
        for (kpi_status b = a + 1; b <= KPI_OK; b++)
            assert_string_not_equal(kpi_status_str(a), kpi_status_str(b));
}

static void test_record_fields_and_text(void **state)
{
    (void)state;
    kpi_dec v;
    assert_int_equal(kpi_dec_parse("12x", KPI_NTS, &v), KPI_EPARSE);
    const kpi_error *e = kpi_error_last();
    assert_int_equal(kpi_error_code(e), KPI_EPARSE);
    assert_int_equal(kpi_error_column(e), 3);
    assert_int_equal(kpi_error_line(e), 0);
    assert_true(kpi_error_offset(e) == 2);
    assert_string_equal(kpi_error_path(e), "");
    assert_string_equal(kpi_error_text(e), "3: '12x': unexpected character 'x' in a number");

    /* a module fills source, line and path; the text reads like a compiler's */
    kpi__error_reset();
    kpi__fail(KPI_EPLAN, "band 2 starts at 80 but band 1 ends at 79.5");
    kpi__error_set_path("rubric.items[3].bands[1].max");
    kpi__error_set_position(12, 7, 300);
    kpi__error_set_source("plan.json");
    assert_string_equal(kpi_error_text(kpi_error_last()),
                        "plan.json:12:7: rubric.items[3].bands[1].max: band 2 starts at 80 "
                        "but band 1 ends at 79.5");
    /* the first failure and the first location win */
    kpi__fail(KPI_ENOMEM, "later");
    kpi__error_set_path("other");
    kpi__error_set_position(99, 1, 1);
    assert_int_equal(kpi_error_code(kpi_error_last()), KPI_EPLAN);
    assert_string_equal(kpi_error_path(kpi_error_last()), "rubric.items[3].bands[1].max");
    assert_int_equal(kpi_error_line(kpi_error_last()), 12);
    /* a successful call starts a clean record */
    assert_int_equal(kpi_dec_parse("1", KPI_NTS, &v), KPI_OK);
    assert_int_equal(kpi_error_code(kpi_error_last()), KPI_OK);
    assert_string_equal(kpi_error_text(kpi_error_last()), "");
    /* locations without a failure are ignored */
    kpi__error_set_source("x");
    assert_string_equal(kpi_error_source(kpi_error_last()), "");
    /* NULL is tolerated by the getters */
    assert_int_equal(kpi_error_code(NULL), KPI_EINVAL);
    assert_string_equal(kpi_error_message(NULL), "");
}

static void test_long_message_is_cut_on_character(void **state)
{
    (void)state;
    char big[2000];
    size_t n = 0;
    while (n + 3 < sizeof big - 1) { /* "分" is three bytes */
        memcpy(big + n, "\xE5\x88\x86", 3);
        n += 3;
    }
    big[n] = '\0';
    kpi__error_reset();
    kpi__fail(KPI_EINPUT, "%s", big);
    const char *m = kpi_error_message(kpi_error_last());
    size_t len = strlen(m);
    assert_true(len > 400 && len < 512);
    assert_int_equal(len % 3, 0); /* whole characters only */
    kpi_error_clear();
    assert_int_equal(kpi_error_code(kpi_error_last()), KPI_OK);
}

static void *fail_in_thread(void *arg)
{
    (void)arg;
    kpi_money m;
    kpi_money_parse("oops", KPI_NTS, &m);
    return (void *)(intptr_t)kpi_error_code(kpi_error_last());
}

static void test_record_is_per_thread(void **state)
{
    (void)state;
    kpi_dec v;
    assert_int_equal(kpi_dec_parse("1e999999", KPI_NTS, &v), KPI_EOVERFLOW);
    pthread_t t;
    void *code;
    assert_int_equal(pthread_create(&t, NULL, fail_in_thread, NULL), 0);
    assert_int_equal(pthread_join(t, &code), 0);
    assert_int_equal((intptr_t)code, KPI_EPARSE);
    assert_int_equal(kpi_error_code(kpi_error_last()), KPI_EOVERFLOW);
}

static void test_versions(void **state)
{
    (void)state;
    assert_string_equal(kpi_version(), KPI_VERSION_STRING);
    assert_int_equal(KPI_VERSION_HEX, (KPI_VERSION_MAJOR << 16) | (KPI_VERSION_MINOR << 8) | KPI_VERSION_PATCH);
    assert_int_equal(kpi_check_version(KPI_VERSION_MAJOR, KPI_VERSION_MINOR), KPI_OK);
    assert_int_equal(kpi_check_version(KPI_VERSION_MAJOR, 0), KPI_OK);
    assert_int_equal(kpi_check_version(KPI_VERSION_MAJOR, KPI_VERSION_MINOR + 1), KPI_EVERSION);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), KPI_VERSION_STRING));
    assert_int_equal(kpi_check_version(KPI_VERSION_MAJOR + 1, 0), KPI_EVERSION);
    assert_int_equal(kpi_check_version(KPI_VERSION_MAJOR - 1, 0), KPI_EVERSION);
}

struct counting {
    int allocations;
    int frees;
    int fail_at; /* 1-based; 0 = never */
};

static void *count_malloc(size_t size, void *user)
{
    struct counting *c = user;
    if (++c->allocations == c->fail_at)
        return NULL;
    return malloc(size);
}

static void *count_realloc(void *p, size_t size, void *user)
{
    struct counting *c = user;
    if (++c->allocations == c->fail_at)
        return NULL;
    return realloc(p, size);
}

static void count_free(void *p, void *user)
{
    struct counting *c = user;
    if (p)
        c->frees++;
    free(p);
}

static void test_allocator_hook(void **state)
{
    (void)state;
    struct counting c = {0, 0, 0};
    assert_int_equal(kpi_set_allocator(count_malloc, NULL, count_free, &c), KPI_EINVAL);
    assert_int_equal(kpi_set_allocator(count_malloc, count_realloc, count_free, &c), KPI_OK);
    char *s = kpi__strdup("提成");
    assert_non_null(s);
    assert_string_equal(s, "提成");
    s = kpi__reallocarray(s, 4, 8);
    assert_non_null(s);
    kpi__free(s);
    assert_int_equal(c.allocations, 2);
    assert_int_equal(c.frees, 1);

    c.fail_at = c.allocations + 1;
    kpi__error_reset();
    assert_null(kpi__malloc(100));
    assert_int_equal(kpi_error_code(kpi_error_last()), KPI_ENOMEM);
    assert_non_null(strstr(kpi_error_message(kpi_error_last()), "100 bytes"));
    /* a size that overflows is refused before reaching the allocator */
    kpi__error_reset();
    int before = c.allocations;
    assert_null(kpi__calloc(SIZE_MAX / 2, 4));
    assert_int_equal(c.allocations, before);
    assert_int_equal(kpi_error_code(kpi_error_last()), KPI_ENOMEM);
    assert_int_equal(kpi_set_allocator(NULL, NULL, NULL, NULL), KPI_OK);
    kpi__free(kpi__malloc(1));
    assert_int_equal(c.allocations, before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_strings),
        cmocka_unit_test(test_record_fields_and_text),
        cmocka_unit_test(test_long_message_is_cut_on_character),
        cmocka_unit_test(test_record_is_per_thread),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_allocator_hook),
    };
    return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
