/*
 * fuzz_json.c - the plan JSON reader on arbitrary bytes: parsing, the
 * position index, exact number reads and path location must never crash.
 */
#include <stdint.h>
#include <stdlib.h>

#include "json_internal.h"
#include "lint_internal.h"

static void visit(kpi__json *doc, json_t *node, int depth)
{
    long line, column;
    kpi__json_position(doc, node, &line, &column);
    if (depth > 8)
        return;
    if (json_is_object(node)) {
        const char *key;
        json_t *child;
        json_object_foreach(node, key, child) {
            kpi_dec d;
            kpi_error_clear();
            kpi__json_get_dec(doc, node, key, false, &d, NULL);
            kpi__json_push_key(doc, key);
            visit(doc, child, depth + 1);
            kpi__json_pop(doc);
        }
    } else if (json_is_array(node)) {
        size_t i;
        json_t *child;
        json_array_foreach(node, i, child) {
            kpi__json_push_index(doc, i);
            visit(doc, child, depth + 1);
            kpi__json_pop(doc);
        }
    }
    kpi_error_clear();
    kpi__json_fail(doc, node, KPI_EPLAN, "probe");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kpi__json *doc = NULL;
    if (kpi__json_parse(&doc, (const char *)data, size, "fuzz.json") != KPI_OK)
        return 0;
    visit(doc, kpi__json_root(doc), 0);
    kpi_lint *lint = NULL;
    if (kpi_lint_new(&lint) == KPI_OK) {
        kpi__lint_add(lint, KPI_LINT_NOTE, "probe", "a.b[0][\"c.d\"].e", "probe");
        kpi__lint_add(lint, KPI_LINT_NOTE, "probe", "[3].x", "probe");
        kpi__json_locate_lint(doc, lint, 0);
        kpi_lint_free(lint);
    }
    kpi__json_free(doc);
    return 0;
}
