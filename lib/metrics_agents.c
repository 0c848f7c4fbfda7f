/*
 * metrics_agents.c - agent ids mapped to dense indexes, with the team of
 * each agent and the centre of each team: the keys of the accumulators
 * and the roll-up map.
 */
#include <string.h>

#include "metrics_internal.h"

#define AGENTS_MAX 0x7fffffffu

/* One level: ids by index, an open-addressing hash of indexes, parents. */
typedef struct {
    char **ids;
    uint32_t *parent;
    size_t n, cap;
    uint32_t *slots; /* index + 1; 0 = free */
    size_t nslots;
} idlevel;

struct kpi_agents {
    idlevel lv[3];
};

kpi_status kpi_agents_new(kpi_agents **out)
{
    kpi__error_reset();
    if (!out)
        return kpi__fail(KPI_EINVAL, "kpi_agents_new: out must not be NULL");
    kpi_agents *a = kpi__calloc(1, sizeof *a);
    if (!a)
        return KPI_ENOMEM;
    *out = a;
    return KPI_OK;
}

void kpi_agents_free(kpi_agents *agents)
{
    if (!agents)
        return;
    for (int l = 0; l < 3; l++) {
        idlevel *v = &agents->lv[l];
        for (size_t i = 0; i < v->n; i++)
            kpi__free(v->ids[i]);
        kpi__free(v->ids);
        kpi__free(v->parent);
        kpi__free(v->slots);
    }
    kpi__free(agents);
}

static uint64_t hash(const char *s)
{
    return kpi__fnv1a(KPI__FNV_OFFSET, s, strlen(s));
}

/* Looks up the @len bytes at @id (not NUL-terminated: a CSV field). */
static bool lookup_n(const idlevel *v, const char *id, size_t len, uint32_t *index)
{
    if (!v->nslots)
        return false;
    for (size_t h = kpi__fnv1a(KPI__FNV_OFFSET, id, len) & (v->nslots - 1);;
         h = (h + 1) & (v->nslots - 1)) {
        uint32_t s = v->slots[h];
        if (!s)
            return false;
        const char *have = v->ids[s - 1];
        size_t k = 0; /* compare only as far as @have goes */
        while (k < len && have[k] == id[k])
            k++;
        if (k == len && have[len] == '\0') {
            *index = s - 1;
            return true;
        }
    }
}

static bool lookup(const idlevel *v, const char *id, uint32_t *index)
{
    return lookup_n(v, id, strlen(id), index);
}

bool kpi__agents_lookup(const kpi_agents *agents, const char *id, size_t len, uint32_t *index)
{
    return lookup_n(&agents->lv[KPI_LEVEL_AGENT], id, len, index);
}

static void slot_put(uint32_t *slots, size_t nslots, const char *id, uint32_t index)
{
    size_t h = hash(id) & (nslots - 1);
    while (slots[h])
        h = (h + 1) & (nslots - 1);
    slots[h] = index + 1;
}

/* Room for one more id in @v (ids, parents, and a hash at most half full). */
static bool reserve(idlevel *v)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 16;
        char **ids = kpi__reallocarray(v->ids, cap, sizeof *ids);
        if (!ids)
            return false;
        v->ids = ids;
        uint32_t *parent = kpi__reallocarray(v->parent, cap, sizeof *parent);
        if (!parent)
            return false;
        v->parent = parent;
        v->cap = cap;
    }
    if (2 * (v->n + 1) > v->nslots) {
        size_t nslots = v->nslots ? 2 * v->nslots : 32;
        uint32_t *slots = kpi__calloc(nslots, sizeof *slots);
        if (!slots)
            return false;
        for (size_t i = 0; i < v->n; i++)
            slot_put(slots, nslots, v->ids[i], (uint32_t)i);
        kpi__free(v->slots);
        v->slots = slots;
        v->nslots = nslots;
    }
    return true;
}

static kpi_status insert(idlevel *v, const char *id, uint32_t parent, uint32_t *index)
{
    if (v->n >= AGENTS_MAX)
        return kpi__fail(KPI_ELIMIT, "more than 2^31 ids in one level of the agent map");
    char *copy = kpi__strdup(id);
    if (!copy || !reserve(v)) {
        kpi__free(copy);
        return KPI_ENOMEM;
    }
    *index = (uint32_t)v->n;
    v->ids[v->n] = copy;
    v->parent[v->n] = parent;
    slot_put(v->slots, v->nslots, copy, (uint32_t)v->n);
    v->n++;
    return KPI_OK;
}

/* Finds or adds @id under @parent; KPI_EINPUT when it exists under another. */
static kpi_status find_or_add(kpi_agents *a, kpi_level l, const char *id, uint32_t parent,
                              uint32_t *index, bool *added)
{
    static const char *const what[] = {"agent", "team", "centre"};
    idlevel *v = &a->lv[l];
    *added = false;
    if (lookup(v, id, index)) {
        if (l < KPI_LEVEL_CENTRE && v->parent[*index] != parent)
            return kpi__fail(KPI_EINPUT, "%s '%s' is already in %s '%s', not '%s'", what[l], id,
                             what[l + 1], a->lv[l + 1].ids[v->parent[*index]],
                             a->lv[l + 1].ids[parent]);
        return KPI_OK;
    }
    kpi_status st = insert(v, id, parent, index);
    *added = st == KPI_OK;
    return st;
}

void kpi__agents_truncate(kpi_agents *agents, const size_t keep[3])
{
    for (int l = 0; l < 3; l++) {
        idlevel *v = &agents->lv[l];
        if (v->n <= keep[l])
            continue;
        while (v->n > keep[l])
            kpi__free(v->ids[--v->n]);
        for (size_t h = 0; h < v->nslots; h++) /* rebuild the hash without them */
            v->slots[h] = 0;
        for (size_t j = 0; j < v->n; j++)
            slot_put(v->slots, v->nslots, v->ids[j], (uint32_t)j);
    }
}

kpi_status kpi_agents_add(kpi_agents *agents, const char *agent_id, const char *team_id,
                          const char *centre_id, uint32_t *index)
{
    kpi__error_reset();
    if (!agents || !agent_id || !*agent_id)
        return kpi__fail(KPI_EINVAL, "kpi_agents_add: agents and a non-empty agent_id are needed");
    uint32_t c, t, i;
    bool added_c, added_t = false, added_a;
    kpi_status st = find_or_add(agents, KPI_LEVEL_CENTRE, centre_id ? centre_id : "", 0, &c,
                                &added_c);
    if (st != KPI_OK)
        return st;
    st = find_or_add(agents, KPI_LEVEL_TEAM, team_id ? team_id : "", c, &t, &added_t);
    if (st == KPI_OK)
        st = find_or_add(agents, KPI_LEVEL_AGENT, agent_id, t, &i, &added_a);
    if (st != KPI_OK) { /* take back what this call added: the last ids of their levels */
        size_t keep[3] = {agents->lv[0].n, agents->lv[1].n - added_t, agents->lv[2].n - added_c};
        kpi__agents_truncate(agents, keep);
        return st;
    }
    if (index)
        *index = i;
    return KPI_OK;
}

kpi_status kpi_agents_find(const kpi_agents *agents, kpi_level level, const char *id,
                           uint32_t *index)
{
    kpi__error_reset();
    if (!agents || !id || !index || level < KPI_LEVEL_AGENT || level > KPI_LEVEL_CENTRE)
        return kpi__fail(KPI_EINVAL, "kpi_agents_find: bad argument (NULL or level %d)",
                         (int)level);
    if (!lookup(&agents->lv[level], id, index))
        return kpi__fail(KPI_ENOTFOUND, "no %s '%s'",
                         level == KPI_LEVEL_AGENT ? "agent" : level == KPI_LEVEL_TEAM ? "team" : "centre", id);
    return KPI_OK;
}

size_t kpi_agents_count(const kpi_agents *agents, kpi_level level)
{
    if (!agents || level < KPI_LEVEL_AGENT || level > KPI_LEVEL_CENTRE)
        return 0;
    return agents->lv[level].n;
}

const char *kpi_agents_id(const kpi_agents *agents, kpi_level level, uint32_t index)
{
    if (!agents || level < KPI_LEVEL_AGENT || level > KPI_LEVEL_CENTRE ||
        index >= agents->lv[level].n)
        return NULL;
    return agents->lv[level].ids[index];
}

kpi_status kpi_agents_parent(const kpi_agents *agents, kpi_level level, uint32_t index,
                             uint32_t *parent)
{
    kpi__error_reset();
    if (!agents || !parent || (level != KPI_LEVEL_AGENT && level != KPI_LEVEL_TEAM))
        return kpi__fail(KPI_EINVAL, "kpi_agents_parent: level must be KPI_LEVEL_AGENT or "
                         "KPI_LEVEL_TEAM and pointers non-NULL");
    if (index >= agents->lv[level].n)
        return kpi__fail(KPI_ENOTFOUND, "no %s %u (there are %zu)",
                         level == KPI_LEVEL_AGENT ? "agent" : "team", (unsigned)index,
                         agents->lv[level].n);
    *parent = agents->lv[level].parent[index];
    return KPI_OK;
}
