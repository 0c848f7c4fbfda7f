/*
 * run.c - the month-end run: plan + agents + metrics + grades -> scorecards,
 * ranks, tiers and pay slips for one period.
 *
 * Every period up to the one asked for is scored, because multi-period
 * tiers ("both of the last two >= 90") and streaks ("first three months
 * running") read the history; only the asked period keeps its scorecards,
 * tiers and pay slips.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_internal.h"
#include "plan_internal.h"
#include "kpiscore/run.h"

struct agent {
    char *id, *name, *team, *centre;
    uint32_t team_index, centre_index;
};

/* One named amount of every agent ("post_salary"): a column, so a pay rule
 * reads it in constant time whatever the number of agents. */
struct field_column {
    char *name;
    kpi_money *value; /* per agent */
    uint8_t *set;     /* per agent: 1 when given */
    size_t cap;
};

struct grade {
    size_t agent;
    char *period;
    size_t input;
    kpi_input_kind kind;
    kpi_dec number;   /* NUMBER */
    int64_t count;    /* COUNT */
    char *label;      /* GRADE */
    kpi_dec *list;    /* LIST */
    size_t nlist;
};

/* Per evaluated period: what later periods and the asked period read. */
struct period_result {
    kpi_dec *total;      /* per agent */
    kpi_outcome *outcome;
    kpi_dec *rank;       /* competition rank among the assessed, 0 = not ranked */
    kpi_dec *team_rank;
    kpi_dec *pct;
};

struct kpi_run {
    const kpi_plan *plan;
    const kpi_rubric *rubric;
    struct agent *agents;
    size_t nagents, agents_cap;
    kpi_agents *ids; /* agent id -> index in agents (same order), for lookups in O(1) */
    char **teams, **centres; /* distinct ids, for group indexes */
    size_t nteams, ncentres;
    struct field_column *fields;
    size_t nfields;
    struct grade *grades;
    size_t ngrades, grades_cap;
    const kpi_metrics *metrics;
    const kpi_agents *metric_agents;
    /* evaluation */
    char **periods; /* sorted labels */
    size_t nperiods;
    size_t target;  /* evaluated period, or SIZE_MAX */
    struct period_result *results;
    size_t nresults;
    kpi_scorecard **cards;  /* per agent, the target period */
    kpi_payslip **slips;    /* per agent, or NULL */
    kpi_tiering **tierings; /* per plan tier */
    size_t *order;          /* rank order of agents */
    unsigned threads;       /* kpi_run_set_threads(): 1..64 */
};

/* ---- building ------------------------------------------------------------ */

kpi_status kpi_run_new(kpi_run **out, const kpi_plan *plan)
{
    kpi__error_reset();
    if (!out || !plan)
        return kpi__fail(KPI_EINVAL, "kpi_run_new: out and plan must not be NULL");
    if (!plan->rubric)
        return kpi__fail(KPI_EINVAL, "kpi_run_new: the plan has no \"rubric\" to score with");
    kpi_run *run = kpi__calloc(1, sizeof *run);
    if (!run)
        return KPI_ENOMEM;
    run->plan = plan;
    run->rubric = plan->rubric;
    run->target = SIZE_MAX;
    run->threads = 1;
    *out = run;
    return KPI_OK;
}

kpi_status kpi_run_set_threads(kpi_run *run, unsigned threads)
{
    kpi__error_reset();
    if (!run)
        return kpi__fail(KPI_EINVAL, "kpi_run_set_threads: run must not be NULL");
    if (threads < 1 || threads > 64)
        return kpi__fail(KPI_EINVAL, "kpi_run_set_threads: threads is %u; use 1 to 64", threads);
    run->threads = threads;
    return KPI_OK;
}

static void free_results(kpi_run *run)
{
    for (size_t i = 0; i < run->nresults; i++) {
        struct period_result *r = &run->results[i];
        kpi__free(r->total);
        kpi__free(r->outcome);
        kpi__free(r->rank);
        kpi__free(r->team_rank);
        kpi__free(r->pct);
    }
    kpi__free(run->results);
    run->results = NULL;
    run->nresults = 0;
    if (run->cards)
        for (size_t a = 0; a < run->nagents; a++)
            kpi_scorecard_free(run->cards[a]);
    if (run->slips)
        for (size_t a = 0; a < run->nagents; a++)
            kpi_payslip_free(run->slips[a]);
    if (run->tierings && run->plan->tiers)
        for (size_t t = 0; t < run->plan->tiers->count; t++)
            kpi_tiering_free(run->tierings[t]);
    kpi__free(run->cards);
    kpi__free(run->slips);
    kpi__free(run->tierings);
    kpi__free(run->order);
    run->cards = NULL;
    run->slips = NULL;
    run->tierings = NULL;
    run->order = NULL;
    for (size_t i = 0; i < run->nperiods; i++)
        kpi__free(run->periods[i]);
    kpi__free(run->periods);
    run->periods = NULL;
    run->nperiods = 0;
    run->target = SIZE_MAX;
}

void kpi_run_free(kpi_run *run)
{
    if (!run)
        return;
    free_results(run);
    for (size_t i = 0; i < run->nagents; i++) {
        struct agent *a = &run->agents[i];
        kpi__free(a->id);
        kpi__free(a->name);
        kpi__free(a->team);
        kpi__free(a->centre);
    }
    for (size_t i = 0; i < run->nteams; i++)
        kpi__free(run->teams[i]);
    for (size_t i = 0; i < run->ncentres; i++)
        kpi__free(run->centres[i]);
    for (size_t i = 0; i < run->nfields; i++) {
        kpi__free(run->fields[i].name);
        kpi__free(run->fields[i].value);
        kpi__free(run->fields[i].set);
    }
    for (size_t i = 0; i < run->ngrades; i++) {
        kpi__free(run->grades[i].period);
        kpi__free(run->grades[i].label);
        kpi__free(run->grades[i].list);
    }
    kpi__free(run->agents);
    kpi_agents_free(run->ids);
    kpi__free(run->teams);
    kpi__free(run->centres);
    kpi__free(run->fields);
    kpi__free(run->grades);
    kpi__free(run);
}

/* Index of agent @id, without touching the error record (adding 10 000
 * agents formatted 20 000 "not found" messages). */
static bool agent_at(const kpi_run *run, const char *id, size_t *index)
{
    uint32_t i;
    /* an id whose agent could not be added (no memory) maps to nagents: not found */
    if (run->ids && kpi__agents_lookup(run->ids, id, strlen(id), &i) && i < run->nagents) {
        *index = i;
        return true;
    }
    return false;
}

static kpi_status find_agent(const kpi_run *run, const char *id, size_t *index)
{
    if (agent_at(run, id, index))
        return KPI_OK;
    return kpi__fail(KPI_ENOTFOUND, "unknown agent '%s' (not in the agents list)", id);
}

/* Index of @name among the distinct @names, adding it when new. */
static kpi_status intern(char ***names, size_t *n, const char *name, uint32_t *index)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*names)[i], name) == 0) {
            *index = (uint32_t)i;
            return KPI_OK;
        }
    char *copy = kpi__strdup(name);
    char **grown = copy ? kpi__reallocarray(*names, *n + 1, sizeof *grown) : NULL;
    if (!grown) {
        kpi__free(copy);
        return KPI_ENOMEM;
    }
    grown[*n] = copy;
    *names = grown;
    *index = (uint32_t)(*n)++;
    return KPI_OK;
}

kpi_status kpi_run_add_agent(kpi_run *run, const char *id, const char *name, const char *team,
                             const char *centre)
{
    kpi__error_reset();
    if (!run || !id || !*id)
        return kpi__fail(KPI_EINVAL, "kpi_run_add_agent: run and a non-empty id are required");
    size_t existing;
    if (agent_at(run, id, &existing))
        return kpi__fail(KPI_EDUPLICATE, "agent '%s' is listed twice", id);
    uint32_t slot;
    if (!run->ids && kpi_agents_new(&run->ids) != KPI_OK)
        return KPI_ENOMEM;
    KPI__TRY(kpi_agents_add(run->ids, id, "", "", &slot)); /* slot == nagents: indexes are dense, in order */
    if (!kpi__grow((void **)&run->agents, &run->agents_cap, run->nagents, sizeof *run->agents))
        return KPI_ENOMEM;
    struct agent a = {kpi__strdup(id), kpi__strdup(name ? name : id), kpi__strdup(team ? team : ""),
                      kpi__strdup(centre ? centre : ""), 0, 0};
    kpi_status st = (a.id && a.name && a.team && a.centre) ? KPI_OK : KPI_ENOMEM;
    if (st == KPI_OK)
        st = intern(&run->teams, &run->nteams, a.team, &a.team_index);
    if (st == KPI_OK)
        st = intern(&run->centres, &run->ncentres, a.centre, &a.centre_index);
    if (st != KPI_OK) {
        kpi__free(a.id);
        kpi__free(a.name);
        kpi__free(a.team);
        kpi__free(a.centre);
        return st;
    }
    run->agents[run->nagents++] = a;
    return KPI_OK;
}

kpi_status kpi_run_set_field(kpi_run *run, const char *agent_id, const char *field, kpi_money value)
{
    kpi__error_reset();
    if (!run || !agent_id || !field || !*field)
        return kpi__fail(KPI_EINVAL, "kpi_run_set_field: run, agent id and field are required");
    size_t agent = 0;
    KPI__TRY(find_agent(run, agent_id, &agent));
    struct field_column *col = NULL;
    for (size_t i = 0; i < run->nfields && !col; i++)
        if (strcmp(run->fields[i].name, field) == 0)
            col = &run->fields[i];
    if (!col) {
        char *name = kpi__strdup(field);
        struct field_column *grown = name ? kpi__reallocarray(run->fields, run->nfields + 1, sizeof *grown) : NULL;
        if (!grown) {
            kpi__free(name);
            return KPI_ENOMEM;
        }
        run->fields = grown;
        col = &run->fields[run->nfields++];
        *col = (struct field_column){name, NULL, NULL, 0};
    }
    if (agent >= col->cap) {
        size_t cap = run->agents_cap > agent ? run->agents_cap : agent + 1;
        kpi_money *v = kpi__reallocarray(col->value, cap, sizeof *v);
        if (!v)
            return KPI_ENOMEM;
        col->value = v;
        uint8_t *set = kpi__reallocarray(col->set, cap, 1);
        if (!set)
            return KPI_ENOMEM;
        memset(set + col->cap, 0, cap - col->cap);
        col->set = set;
        col->cap = cap;
    }
    col->value[agent] = value;
    col->set[agent] = 1;
    return KPI_OK;
}

kpi_status kpi_run_set_metrics(kpi_run *run, const kpi_metrics *metrics, const kpi_agents *agents)
{
    kpi__error_reset();
    if (!run || !metrics || !agents)
        return kpi__fail(KPI_EINVAL, "kpi_run_set_metrics: run, metrics and agents are required");
    /* every metric the plan reads must exist, with the plan's definition */
    const struct kpi__plan_metrics *pm = run->plan->metrics;
    for (size_t i = 0; i < pm->nsources; i++) {
        size_t mine, theirs;
        if (kpi_metric_registry_find(pm->registry, pm->sources[i].metric, &mine) != KPI_OK ||
            kpi_metric_registry_find(kpi_metrics_registry(metrics), pm->sources[i].metric, &theirs) != KPI_OK) {
            kpi__error_reset();
            return kpi__fail(KPI_EMISMATCH, "the metrics have no metric '%s', which input '%s' reads: "
                             "accumulate with the plan's registry", pm->sources[i].metric,
                             pm->sources[i].input);
        }
    }
    run->metrics = metrics;
    run->metric_agents = agents;
    return KPI_OK;
}

/* A list such as "88;92;79" (';' or '|' between numbers); a bad number's
 * column counts from the start of the whole text. */
static kpi_status parse_list(const char *text, kpi_dec **out, size_t *n)
{
    size_t cap = 1;
    for (const char *p = text; *p; p++)
        cap += *p == ';' || *p == '|';
    kpi_dec *v = kpi__reallocarray(NULL, cap, sizeof *v);
    if (!v)
        return KPI_ENOMEM;
    size_t count = 0;
    const char *start = text;
    for (const char *p = text;; p++) {
        if (*p && *p != ';' && *p != '|')
            continue;
        if (p > start || *p) {
            kpi_status st = kpi_dec_parse(start, (size_t)(p - start), &v[count]);
            if (st != KPI_OK) {
                char msg[512];
                long column = kpi__utf8_count(text, (size_t)(start - text)) +
                              kpi_error_column(kpi_error_last());
                snprintf(msg, sizeof msg, "%s", kpi_error_message(kpi_error_last()));
                kpi__error_reset();
                kpi__fail(st, "item %zu of the list: %s", count + 1, msg);
                kpi__error_set_position(0, column, (long long)(start - text));
                kpi__free(v);
                return st;
            }
            count++;
        }
        if (!*p)
            break;
        start = p + 1;
    }
    *out = v;
    *n = count;
    return KPI_OK;
}

kpi_status kpi_run_set_input(kpi_run *run, const char *agent_id, const char *period, const char *input,
                             const char *text)
{
    kpi__error_reset();
    if (!run || !agent_id || !period || !*period || !input || !text)
        return kpi__fail(KPI_EINVAL, "kpi_run_set_input: run, agent id, period, input and text are required");
    size_t agent = 0, index = SIZE_MAX;
    KPI__TRY(find_agent(run, agent_id, &agent));
    size_t ninputs = kpi_rubric_input_count(run->rubric);
    kpi_input_kind kind = KPI_INPUT_NUMBER;
    for (size_t i = 0; i < ninputs && index == SIZE_MAX; i++) {
        const char *name;
        kpi_rubric_input(run->rubric, i, &name, &kind, NULL);
        if (strcmp(name, input) == 0)
            index = i;
    }
    if (index == SIZE_MAX)
        return kpi__fail(KPI_ENOTFOUND, "the plan declares no input '%s'", input);
    struct grade g = {agent, NULL, index, kind, 0, 0, NULL, NULL, 0};
    kpi_status st = KPI_OK;
    switch (kind) {
    case KPI_INPUT_NUMBER:
        st = kpi_dec_parse(text, KPI_NTS, &g.number);
        break;
    case KPI_INPUT_COUNT: {
        kpi_dec d;
        st = kpi_dec_parse(text, KPI_NTS, &d);
        if (st == KPI_OK && (d < 0 || d % KPI_DEC_ONE != 0))
            st = kpi__fail(KPI_ERANGE, "input '%s' counts events: a whole number >= 0, not '%s'", input, text);
        g.count = d / KPI_DEC_ONE;
        break;
    }
    case KPI_INPUT_GRADE:
        st = (g.label = kpi__strdup(text)) ? KPI_OK : KPI_ENOMEM;
        break;
    default:
        st = parse_list(text, &g.list, &g.nlist);
        break;
    }
    if (st == KPI_OK && !(g.period = kpi__strdup(period)))
        st = KPI_ENOMEM;
    if (st == KPI_OK && !kpi__grow((void **)&run->grades, &run->grades_cap, run->ngrades, sizeof *run->grades))
        st = KPI_ENOMEM;
    if (st != KPI_OK) {
        kpi__free(g.period);
        kpi__free(g.label);
        kpi__free(g.list);
        return st;
    }
    /* a later value for the same agent, period and input replaces the
     * earlier: the evaluation's index is built in order (context_init) */
    run->grades[run->ngrades++] = g;
    return KPI_OK;
}

/* ---- evaluation ------------------------------------------------------------ */

/* Lookups built once per evaluation. */
struct context {
    size_t ninputs;
    size_t nagents;
    size_t *metric_of_input; /* per input: metric index, or SIZE_MAX */
    size_t *metrics_period;  /* per run period: the accumulator's period, or SIZE_MAX */
    uint32_t *metrics_agent; /* per agent: the accumulator's agent, or UINT32_MAX */
    const struct grade **grade_at; /* [period][agent][input] */
    kpi_inputs *inputs;
};

static void context_free(struct context *c)
{
    kpi__free(c->metric_of_input);
    kpi__free(c->metrics_period);
    kpi__free(c->metrics_agent);
    kpi__free((void *)c->grade_at);
    kpi_inputs_free(c->inputs);
}

static int compare_labels(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The run's periods: every period of the metrics and of the grades, in order. */
static kpi_status collect_periods(kpi_run *run)
{
    size_t nm = run->metrics ? kpi_metrics_period_count(run->metrics) : 0;
    char **labels = kpi__calloc(nm + run->ngrades + 1, sizeof *labels);
    if (!labels)
        return KPI_ENOMEM;
    size_t n = 0;
    kpi_status st = KPI_OK;
    for (size_t i = 0; i < nm && st == KPI_OK; i++) {
        char buf[32];
        kpi_metrics_period_label(run->metrics, i, buf, sizeof buf);
        if (!(labels[n++] = kpi__strdup(buf)))
            st = KPI_ENOMEM;
    }
    for (size_t i = 0; i < run->ngrades && st == KPI_OK; i++)
        if (!(labels[n++] = kpi__strdup(run->grades[i].period)))
            st = KPI_ENOMEM;
    if (st == KPI_OK) {
        qsort(labels, n, sizeof *labels, compare_labels);
        size_t unique = 0;
        for (size_t i = 0; i < n; i++) {
            if (unique && strcmp(labels[unique - 1], labels[i]) == 0)
                kpi__free(labels[i]);
            else
                labels[unique++] = labels[i];
        }
        n = unique;
    } else {
        for (size_t i = 0; i < n; i++)
            kpi__free(labels[i]);
        kpi__free(labels);
        return st;
    }
    run->periods = labels;
    run->nperiods = n;
    return KPI_OK;
}

static kpi_status context_init(kpi_run *run, struct context *c)
{
    const struct kpi__plan_metrics *pm = run->plan->metrics;
    c->ninputs = kpi_rubric_input_count(run->rubric);
    c->nagents = run->nagents;
    size_t cells = run->nperiods * run->nagents * c->ninputs;
    c->metric_of_input = kpi__reallocarray(NULL, c->ninputs + 1, sizeof *c->metric_of_input);
    c->metrics_period = kpi__reallocarray(NULL, run->nperiods + 1, sizeof *c->metrics_period);
    c->metrics_agent = kpi__reallocarray(NULL, run->nagents + 1, sizeof *c->metrics_agent);
    c->grade_at = kpi__calloc(cells + 1, sizeof *c->grade_at);
    if (!c->metric_of_input || !c->metrics_period || !c->metrics_agent || !c->grade_at)
        return KPI_ENOMEM;
    KPI__TRY(kpi_inputs_new(&c->inputs));
    for (size_t i = 0; i < c->ninputs; i++) {
        const char *name;
        kpi_rubric_input(run->rubric, i, &name, NULL, NULL);
        c->metric_of_input[i] = SIZE_MAX;
        for (size_t s = 0; run->metrics && s < pm->nsources; s++)
            if (strcmp(pm->sources[s].input, name) == 0)
                kpi_metric_registry_find(kpi_metrics_registry(run->metrics), pm->sources[s].metric,
                                         &c->metric_of_input[i]);
    }
    size_t nm = run->metrics ? kpi_metrics_period_count(run->metrics) : 0;
    for (size_t p = 0; p < run->nperiods; p++) {
        c->metrics_period[p] = SIZE_MAX;
        for (size_t m = 0; m < nm; m++) {
            char buf[32];
            kpi_metrics_period_label(run->metrics, m, buf, sizeof buf);
            if (strcmp(buf, run->periods[p]) == 0)
                c->metrics_period[p] = m;
        }
    }
    for (size_t a = 0; a < run->nagents; a++) {
        uint32_t idx = UINT32_MAX;
        if (run->metric_agents &&
            kpi_agents_find(run->metric_agents, KPI_LEVEL_AGENT, run->agents[a].id, &idx) != KPI_OK)
            idx = UINT32_MAX;
        c->metrics_agent[a] = idx;
    }
    kpi__error_reset(); /* lookups that found nothing are not failures */
    for (size_t g = 0; g < run->ngrades; g++) {
        const struct grade *gr = &run->grades[g];
        const char **hit = bsearch(&gr->period, run->periods, run->nperiods, sizeof *run->periods,
                                   compare_labels);
        size_t p = (size_t)((char **)hit - run->periods);
        c->grade_at[(p * run->nagents + gr->agent) * c->ninputs + gr->input] = gr;
    }
    return KPI_OK;
}

/* Fills @in with the scoring inputs of agent @a in period @p. */
static kpi_status set_inputs(const kpi_run *run, const struct context *c, kpi_inputs *in, size_t p,
                             size_t a)
{
    kpi_inputs_clear(in);
    for (size_t i = 0; i < c->ninputs; i++) {
        const char *name;
        kpi_rubric_input(run->rubric, i, &name, NULL, NULL);
        if (c->metric_of_input[i] != SIZE_MAX) {
            kpi_dec v;
            kpi_status st = KPI_ENA;
            if (c->metrics_period[p] != SIZE_MAX && c->metrics_agent[a] != UINT32_MAX)
                st = kpi_metrics_value(run->metrics, c->metrics_agent[a], c->metrics_period[p],
                                       c->metric_of_input[i], &v);
            if (st == KPI_OK)
                KPI__TRY(kpi_inputs_set_number(in, name, v));
            else if (st == KPI_ENA)
                KPI__TRY(kpi_inputs_set_na(in, name));
            else
                return st;
            continue;
        }
        const struct grade *g = c->grade_at[(p * run->nagents + a) * c->ninputs + i];
        if (!g)
            continue;
        switch (g->kind) {
        case KPI_INPUT_NUMBER: KPI__TRY(kpi_inputs_set_number(in, name, g->number)); break;
        case KPI_INPUT_COUNT: KPI__TRY(kpi_inputs_set_count(in, name, g->count)); break;
        case KPI_INPUT_GRADE: KPI__TRY(kpi_inputs_set_label(in, name, g->label)); break;
        default: KPI__TRY(kpi_inputs_set_list(in, name, g->list, g->nlist)); break;
        }
    }
    return KPI_OK;
}

static kpi_status alloc_result(struct period_result *r, size_t n)
{
    r->total = kpi__calloc(n + 1, sizeof *r->total);
    r->outcome = kpi__calloc(n + 1, sizeof *r->outcome);
    r->rank = kpi__calloc(n + 1, sizeof *r->rank);
    r->team_rank = kpi__calloc(n + 1, sizeof *r->team_rank);
    r->pct = kpi__calloc(n + 1, sizeof *r->pct);
    return r->total && r->outcome && r->rank && r->team_rank && r->pct ? KPI_OK : KPI_ENOMEM;
}

/* A share of the agents of one period, scored by one thread. */
struct score_share {
    kpi_run *run;
    const struct context *c;
    size_t p, from, to;   /* agents [from, to) of period p */
    kpi_inputs *inputs;   /* the share's own */
    uint8_t *eligible;
    uint32_t *team;
    size_t failed;        /* the agent that failed, or to */
    kpi_status st;
    char message[512];    /* its error's message (errors are per thread) */
};

/* Scores the share's agents, stopping at the first that fails. */
static void *score_agents(void *arg)
{
    struct score_share *sh = arg;
    kpi_run *run = sh->run;
    struct period_result *r = &run->results[sh->p];
    sh->failed = sh->to;
    sh->st = KPI_OK;
    for (size_t a = sh->from; a < sh->to; a++) {
        kpi_scorecard *card = NULL;
        kpi_status st = set_inputs(run, sh->c, sh->inputs, sh->p, a);
        if (st == KPI_OK)
            st = kpi_rubric_score(&card, run->rubric, sh->inputs);
        if (st != KPI_OK) {
            snprintf(sh->message, sizeof sh->message, "%s", kpi_error_message(kpi_error_last()));
            sh->st = st;
            sh->failed = a;
            break;
        }
        r->total[a] = kpi_scorecard_total(card);
        r->outcome[a] = kpi_scorecard_outcome(card);
        sh->eligible[a] = r->outcome[a] != KPI_OUTCOME_NOT_ASSESSED;
        sh->team[a] = run->agents[a].team_index;
        if (sh->p == run->target)
            run->cards[a] = card;
        else
            kpi_scorecard_free(card);
    }
    return NULL;
}

/* Agents a scoring thread takes at least: fewer are not worth a thread. */
#define SCORE_SHARE 512

/*
 * Scores every agent of period @p, on up to run->threads threads (shares
 * of consecutive agents, the first on the calling thread). A failure is
 * the first failing agent's, whatever the threads.
 */
static kpi_status score_all(kpi_run *run, const struct context *c, size_t p, uint8_t *eligible,
                            uint32_t *team)
{
    const size_t n = run->nagents;
    unsigned nshares = n / SCORE_SHARE > 1 ? (unsigned)(n / SCORE_SHARE) : 1;
    nshares = nshares < run->threads ? nshares : run->threads;
    struct score_share sh[KPI__PARALLEL_MAX];
    kpi_status st = KPI_OK;
    unsigned t = 0;
    for (; t < nshares; t++) {
        sh[t] = (struct score_share){run, c, p, n * t / nshares, n * (t + 1) / nshares,
                                     t ? NULL : c->inputs, eligible, team, 0, KPI_OK, ""};
        if (t && (st = kpi_inputs_new(&sh[t].inputs)) != KPI_OK)
            break;
    }
    if (st == KPI_OK)
        kpi__parallel(sh, sizeof *sh, nshares, score_agents);
    for (unsigned u = 0; st == KPI_OK && u < nshares; u++)
        if (sh[u].st != KPI_OK) {
            kpi__error_reset();
            st = kpi__fail(sh[u].st, "agent %s, period %s: %s", run->agents[sh[u].failed].id,
                           run->periods[p], sh[u].message);
        }
    for (unsigned u = 1; u < t; u++)
        kpi_inputs_free(sh[u].inputs);
    return st;
}

static kpi_status score_period(kpi_run *run, struct context *c, size_t p)
{
    struct period_result *r = &run->results[p];
    KPI__TRY(alloc_result(r, run->nagents));
    uint8_t *eligible = kpi__calloc(run->nagents + 1, 1);
    uint32_t *team = kpi__calloc(run->nagents + 1, sizeof *team);
    if (!eligible || !team) {
        kpi__free(eligible);
        kpi__free(team);
        return KPI_ENOMEM;
    }
    kpi_status st = score_all(run, c, p, eligible, team);
    kpi_rank_options opt = KPI_RANK_OPTIONS_INIT;
    opt.eligible = eligible;
    if (st == KPI_OK)
        st = kpi_rank(r->rank, r->pct, NULL, r->total, run->nagents, &opt);
    opt.group = team;
    if (st == KPI_OK)
        st = kpi_rank(r->team_rank, NULL, NULL, r->total, run->nagents, &opt);
    kpi__free(eligible);
    kpi__free(team);
    return st;
}

/* Group index of each agent for a scope: 0 for all, else team or centre. */
static uint32_t scope_group(const kpi_run *run, size_t a, enum kpi__tier_scope scope)
{
    switch (scope) {
    case KPI__SCOPE_TEAM: return run->agents[a].team_index;
    case KPI__SCOPE_CENTRE: return run->agents[a].centre_index;
    default: return 0;
    }
}

static kpi_status classify(kpi_run *run, const struct kpi__plan_tier *def, kpi_tiering **out)
{
    size_t n = run->nagents, t = run->target;
    size_t k = def->periods > 1 ? def->periods : 1;
    kpi_dec *value = kpi__calloc(n + 1, sizeof *value);
    uint8_t *eligible = kpi__calloc(n + 1, 1);
    uint32_t *group = kpi__calloc(n + 1, sizeof *group);
    kpi_dec *history = k > 1 ? kpi__calloc(n * k + 1, sizeof *history) : NULL;
    kpi_status st = value && eligible && group && (k == 1 || history) ? KPI_OK : KPI_ENOMEM;
    for (size_t a = 0; a < n && st == KPI_OK; a++) {
        eligible[a] = run->results[t].outcome[a] != KPI_OUTCOME_NOT_ASSESSED;
        /* "both of the last two": an agent needs k assessed periods */
        if (k > t + 1)
            eligible[a] = 0;
        for (size_t j = 0; j < k && eligible[a] && k > 1; j++) {
            size_t p = t + 1 - k + j;
            eligible[a] = run->results[p].outcome[a] != KPI_OUTCOME_NOT_ASSESSED;
            history[a * k + j] = run->results[p].total[a];
        }
        if (def->gate && eligible[a] && run->cards[a]) {
            int passed = 0;
            if (kpi_scorecard_gate(run->cards[a], def->gate, &passed) != KPI_OK)
                st = KPI_ENOTFOUND;
            eligible[a] = passed != 0;
        }
        group[a] = scope_group(run, a, def->scope);
        value[a] = run->results[t].total[a];
    }
    if (st == KPI_OK && k > 1)
        st = kpi_periods_reduce(value, history, n, k, k, def->how, KPI_ROUND_HALF_UP);
    kpi_rank_options opt = def->rank;
    opt.eligible = eligible;
    opt.group = def->scope == KPI__SCOPE_ALL ? NULL : group;
    if (st == KPI_OK)
        st = def->kind == KPI__TIERS_TABLE ? kpi_tier_table_apply(out, def->table, value, n, &opt)
                                           : kpi_forced_apply(out, def->forced, value, n, &opt);
    kpi__free(value);
    kpi__free(eligible);
    kpi__free(group);
    kpi__free(history);
    return st;
}

/* A figure pay rules read by name, in its natural unit (yuan for money). */
static kpi_status figure(kpi_run *run, struct context *c, size_t a, const char *name, kpi_dec *out)
{
    size_t t = run->target;
    if (strcmp(name, "score") == 0) {
        *out = run->results[t].total[a];
        return KPI_OK;
    }
    for (size_t i = 0; i < run->nfields; i++) {
        const struct field_column *col = &run->fields[i];
        if (strcmp(col->name, name) == 0)
            return a < col->cap && col->set[a] ? kpi_money_to_dec(col->value[a], out) : KPI_ENA;
    }
    for (size_t i = 0; i < c->ninputs; i++) {
        const char *input;
        kpi_input_kind kind;
        kpi_rubric_input(run->rubric, i, &input, &kind, NULL);
        if (strcmp(input, name) != 0)
            continue;
        if (c->metric_of_input[i] != SIZE_MAX)
            break; /* read it as the metric below */
        const struct grade *g = c->grade_at[(t * run->nagents + a) * c->ninputs + i];
        if (!g)
            return KPI_ENA;
        if (kind == KPI_INPUT_NUMBER) {
            *out = g->number;
            return KPI_OK;
        }
        if (kind == KPI_INPUT_COUNT)
            return kpi_dec_from_int(g->count, out);
        return kpi__fail(KPI_EPLAN, "pay reads input '%s', which is not a number or a count", name);
    }
    size_t metric;
    const char *metric_id = name;
    for (size_t s = 0; s < run->plan->metrics->nsources; s++)
        if (strcmp(run->plan->metrics->sources[s].input, name) == 0)
            metric_id = run->plan->metrics->sources[s].metric;
    if (!run->metrics || kpi_metric_registry_find(kpi_metrics_registry(run->metrics), metric_id, &metric) != KPI_OK) {
        kpi__error_reset();
        return KPI_ENA; /* no events: nothing to pay on */
    }
    if (c->metrics_period[t] == SIZE_MAX || c->metrics_agent[a] == UINT32_MAX)
        return KPI_ENA;
    return kpi_metrics_value(run->metrics, c->metrics_agent[a], c->metrics_period[t], metric, out);
}

/* A money figure in fen; not available counts as nothing. */
static kpi_status money_figure(kpi_run *run, struct context *c, size_t a, const char *name,
                               const struct kpi__plan_pay_item *item, kpi_money *out)
{
    kpi_dec v;
    kpi_status st = figure(run, c, a, name, &v);
    if (st == KPI_ENA) {
        kpi__error_reset();
        *out = 0;
        return KPI_OK;
    }
    KPI__TRY(st);
    return kpi_money_from_dec(v, item->rounding, out);
}

static kpi_status pay_pool(kpi_run *run, struct context *c, const struct kpi__plan_pay_item *item)
{
    size_t n = run->nagents;
    kpi_money *basis = kpi__calloc(n + 1, sizeof *basis);
    int64_t *weights = kpi__calloc(n + 1, sizeof *weights);
    int64_t *keys = kpi__calloc(n + 1, sizeof *keys);
    kpi_money *parts = kpi__calloc(n + 1, sizeof *parts);
    kpi_pay_why *whys = kpi__calloc(n + 1, sizeof *whys);
    size_t *members = kpi__calloc(n + 1, sizeof *members);
    kpi_status st = basis && weights && keys && parts && whys && members ? KPI_OK : KPI_ENOMEM;
    for (size_t a = 0; a < n && st == KPI_OK; a++)
        st = money_figure(run, c, a, item->basis, item, &basis[a]);
    /* one pool per group of the scope, shared among the group's members */
    size_t ngroups = item->scope == KPI__SCOPE_TEAM ? run->nteams
                     : item->scope == KPI__SCOPE_CENTRE ? run->ncentres : 1;
    for (uint32_t grp = 0; grp < ngroups && st == KPI_OK; grp++) {
        size_t m = 0;
        kpi_money sum = 0, pool;
        for (size_t a = 0; a < n && st == KPI_OK; a++) {
            if (scope_group(run, a, item->scope) != grp)
                continue;
            st = kpi_money_add(sum, basis[a], &sum);
            members[m] = a;
            keys[m] = (int64_t)a;
            weights[m] = 1;
            if (item->split == KPI__SPLIT_WEIGHT && st == KPI_OK) {
                kpi_dec w;
                kpi_status ws = figure(run, c, a, item->weight, &w);
                if (ws == KPI_ENA) {
                    kpi__error_reset();
                    w = 0;
                } else if (ws != KPI_OK)
                    st = ws;
                weights[m] = w;
            }
            m++;
        }
        if (st != KPI_OK || m == 0)
            continue;
        kpi_pay_why pool_why = KPI_PAY_WHY_INIT;
        st = kpi_pool_amount(sum, item->rate, item->rounding, &pool, &pool_why);
        if (st == KPI_OK) {
            for (size_t i = 0; i < m; i++)
                whys[i] = (kpi_pay_why)KPI_PAY_WHY_INIT;
            st = kpi_pool_split(pool, weights, keys, m, parts, whys);
        }
        for (size_t i = 0; i < m && st == KPI_OK; i++)
            st = kpi_payslip_add(run->slips[members[i]], item->label, &whys[i]);
    }
    kpi__free(basis);
    kpi__free(weights);
    kpi__free(keys);
    kpi__free(parts);
    kpi__free(whys);
    kpi__free(members);
    return st;
}

static kpi_status pay_streak(kpi_run *run, const struct kpi__plan_pay_item *item)
{
    size_t n = run->nagents, np = run->target + 1;
    uint8_t *cond = kpi__calloc(n * np + 1, 1);
    uint8_t *flag = kpi__calloc(n + 1, 1);
    kpi_status st = cond && flag ? KPI_OK : KPI_ENOMEM;
    for (size_t a = 0; a < n && st == KPI_OK; a++)
        for (size_t p = 0; p < np; p++) {
            const struct period_result *r = &run->results[p];
            if (item->streak_on == KPI__STREAK_FAIL) {
                cond[a * np + p] = r->outcome[a] == KPI_OUTCOME_FAIL;
            } else {
                kpi_dec rank = item->scope == KPI__SCOPE_TEAM ? r->team_rank[a] : r->rank[a];
                cond[a * np + p] = rank > 0 && rank <= KPI_DEC_INT(item->rank);
            }
        }
    if (st == KPI_OK)
        st = kpi_streaks(NULL, flag, cond, n, np, item->length, item->fire);
    for (size_t a = 0; a < n && st == KPI_OK; a++)
        if (flag[a] && item->amount != 0)
            st = kpi_payslip_add_amount(run->slips[a], item->label, item->amount);
    kpi__free(cond);
    kpi__free(flag);
    return st;
}

static kpi_status pay_item(kpi_run *run, struct context *c, const struct kpi__plan_pay_item *item)
{
    if (item->kind == KPI__PAY_POOL)
        return pay_pool(run, c, item);
    if (item->kind == KPI__PAY_STREAK)
        return pay_streak(run, item);
    for (size_t a = 0; a < run->nagents; a++) {
        kpi_payslip *slip = run->slips[a];
        kpi_pay_why why = KPI_PAY_WHY_INIT;
        kpi_money v;
        kpi_dec d;
        kpi_status st = KPI_OK;
        switch (item->kind) {
        case KPI__PAY_AMOUNT:
            st = kpi_payslip_add_amount(slip, item->label, item->amount);
            break;
        case KPI__PAY_AGENT_FIELD:
            st = figure(run, c, a, item->field, &d);
            if (st == KPI_ENA || st == KPI_ENOTFOUND) {
                kpi__error_reset();
                st = kpi__fail(KPI_ENOTFOUND, "agent %s has no '%s' for pay line '%s'", run->agents[a].id,
                               item->field, item->label);
            }
            if (st == KPI_OK)
                st = kpi_money_from_dec(d, item->rounding, &v);
            if (st == KPI_OK)
                st = kpi_payslip_add_amount(slip, item->label, v);
            break;
        case KPI__PAY_SCHEDULE:
            if (item->schedule_def.basis == KPI_BASIS_RATIO) {
                kpi_money amount = 0;
                st = figure(run, c, a, item->basis, &d);
                if (st == KPI_ENA) { /* no ratio (no target): no line */
                    kpi__error_reset();
                    continue;
                }
                if (st == KPI_OK && item->ratio_of)
                    st = money_figure(run, c, a, item->ratio_of, item, &amount);
                if (st == KPI_OK)
                    st = kpi_schedule_eval_ratio(item->schedule, d, amount, &v, &why);
            } else {
                st = money_figure(run, c, a, item->basis, item, &v);
                if (st == KPI_OK)
                    st = kpi_schedule_eval(item->schedule, v, &v, &why);
            }
            if (st == KPI_OK)
                st = kpi_payslip_add(slip, item->label, &why);
            break;
        case KPI__PAY_SCORE_BONUS:
            if (run->results[run->target].outcome[a] == KPI_OUTCOME_NOT_ASSESSED)
                continue;
            st = kpi_score_bonus(&item->bonus, run->results[run->target].total[a], &v, &why);
            if (st == KPI_OK)
                st = kpi_payslip_add(slip, item->label, &why);
            break;
        case KPI__PAY_FINE:
            st = figure(run, c, a, item->count, &d);
            if (st == KPI_ENA) {
                kpi__error_reset();
                continue;
            }
            if (st == KPI_OK && (d < 0 || d % KPI_DEC_ONE))
                st = kpi__fail(KPI_EINPUT, "agent %s: '%s' must be a whole count for fines", run->agents[a].id,
                               item->count);
            if (st == KPI_OK && d == 0)
                continue;
            if (st == KPI_OK)
                st = kpi_fine_total(item->steps, item->nsteps, item->past, (uint64_t)(d / KPI_DEC_ONE), &v, &why);
            if (st == KPI_OK)
                st = kpi_payslip_add(slip, item->label, &why);
            break;
        default:
            break;
        }
        if (st != KPI_OK) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", kpi_error_message(kpi_error_last()));
            kpi__error_reset();
            return kpi__fail(st, "pay line '%s', agent %s: %s", item->label, run->agents[a].id, msg);
        }
    }
    return KPI_OK;
}

/* Rank order: ranked agents best first, then the unranked, each in input order
 * (a stable insertion sort: no comparator needs the run through a global). */
struct keyed {
    kpi_dec key;
    size_t index;
};

static int keyed_cmp(const void *x, const void *y)
{
    const struct keyed *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

static kpi_status order_agents(kpi_run *run)
{
    run->order = kpi__reallocarray(NULL, run->nagents + 1, sizeof *run->order);
    if (!run->order)
        return KPI_ENOMEM;
    for (size_t a = 0; a < run->nagents; a++)
        run->order[a] = a;
    /* rank order, the unranked (rank 0) last, ties in the order added: a
       stable sort, as qsort is not, by (rank, index) */
    const kpi_dec *rank = run->results[run->target].rank;
    struct keyed *k = kpi__reallocarray(NULL, run->nagents + 1, sizeof *k);
    if (!k)
        return KPI_ENOMEM;
    for (size_t a = 0; a < run->nagents; a++)
        k[a] = (struct keyed){rank[a] ? rank[a] : INT64_MAX, a};
    qsort(k, run->nagents, sizeof *k, keyed_cmp);
    for (size_t a = 0; a < run->nagents; a++)
        run->order[a] = k[a].index;
    kpi__free(k);
    return KPI_OK;
}

static kpi_status evaluate(kpi_run *run, const char *period, struct context *c)
{
    KPI__TRY(collect_periods(run));
    size_t t = SIZE_MAX;
    for (size_t p = 0; p < run->nperiods; p++)
        if (period ? strcmp(run->periods[p], period) == 0 : p + 1 == run->nperiods)
            t = p;
    if (t == SIZE_MAX && !period)
        return kpi__fail(KPI_ENOTFOUND, "no events and no grades: no period to evaluate");
    if (t == SIZE_MAX)
        return kpi__fail(KPI_ENOTFOUND, "no data for period '%s' (the run has %zu period%s%s%s)", period,
                         run->nperiods, run->nperiods == 1 ? "" : "s", run->nperiods ? ", the last " : "",
                         run->nperiods ? run->periods[run->nperiods - 1] : "");
    run->target = t;
    KPI__TRY(context_init(run, c));
    size_t ntiers = run->plan->tiers ? run->plan->tiers->count : 0;
    run->results = kpi__calloc(t + 1, sizeof *run->results);
    run->cards = kpi__calloc(run->nagents + 1, sizeof *run->cards);
    run->tierings = kpi__calloc(ntiers + 1, sizeof *run->tierings);
    if (!run->results || !run->cards || !run->tierings)
        return KPI_ENOMEM;
    run->nresults = t + 1;
    for (size_t p = 0; p <= t; p++)
        KPI__TRY(score_period(run, c, p));
    for (size_t i = 0; i < ntiers; i++)
        KPI__TRY(classify(run, &run->plan->tiers->items[i], &run->tierings[i]));
    if (run->plan->pay) {
        run->slips = kpi__calloc(run->nagents + 1, sizeof *run->slips);
        if (!run->slips)
            return KPI_ENOMEM;
        for (size_t a = 0; a < run->nagents; a++)
            KPI__TRY(kpi_payslip_new(&run->slips[a]));
        for (size_t i = 0; i < run->plan->pay->count; i++)
            KPI__TRY(pay_item(run, c, &run->plan->pay->items[i]));
    }
    return order_agents(run);
}

kpi_status kpi_run_evaluate(kpi_run *run, const char *period)
{
    kpi__error_reset();
    if (!run)
        return kpi__fail(KPI_EINVAL, "kpi_run_evaluate: run must not be NULL");
    free_results(run);
    struct context c = {0};
    kpi_status st = evaluate(run, period, &c);
    context_free(&c);
    if (st != KPI_OK)
        free_results(run);
    return st;
}

/* ---- results ----------------------------------------------------------------- */

size_t kpi_run_period_count(const kpi_run *run)
{
    return run ? run->nperiods : 0;
}

const char *kpi_run_period(const kpi_run *run, size_t i)
{
    return run && i < run->nperiods ? run->periods[i] : NULL;
}

const char *kpi_run_evaluated_period(const kpi_run *run)
{
    return run && run->target != SIZE_MAX ? run->periods[run->target] : NULL;
}

size_t kpi_run_count(const kpi_run *run)
{
    return run && run->target != SIZE_MAX ? run->nagents : 0;
}

kpi_status kpi_run_row_get(const kpi_run *run, size_t i, kpi_run_row *row)
{
    kpi__error_reset();
    if (!run || !row || row->size < sizeof *row || run->target == SIZE_MAX)
        return kpi__fail(KPI_EINVAL, "kpi_run_row_get: an evaluated run and a row set with KPI_RUN_ROW_INIT are needed");
    if (i >= run->nagents)
        return kpi__fail(KPI_ERANGE, "row %zu of %zu", i, run->nagents);
    size_t a = run->order[i];
    const struct period_result *r = &run->results[run->target];
    kpi_money pay = 0;
    if (run->slips)
        KPI__TRY(kpi_payslip_total(run->slips[a], &pay));
    *row = (kpi_run_row){sizeof *row, a, run->agents[a].id, run->agents[a].name, run->agents[a].team,
                         run->agents[a].centre, r->outcome[a], r->total[a], r->rank[a], r->team_rank[a],
                         r->pct[a], pay};
    return KPI_OK;
}

const kpi_scorecard *kpi_run_scorecard(const kpi_run *run, size_t agent)
{
    return run && run->cards && agent < run->nagents ? run->cards[agent] : NULL;
}

const kpi_payslip *kpi_run_payslip(const kpi_run *run, size_t agent)
{
    return run && run->slips && agent < run->nagents ? run->slips[agent] : NULL;
}

size_t kpi_run_tier_count(const kpi_run *run)
{
    return run && run->plan->tiers ? run->plan->tiers->count : 0;
}

const char *kpi_run_tier_name(const kpi_run *run, size_t t)
{
    return t < kpi_run_tier_count(run) ? run->plan->tiers->items[t].label : NULL;
}

kpi_status kpi_run_tier(const kpi_run *run, size_t t, size_t agent, kpi_tier_row *row)
{
    kpi__error_reset();
    if (!run || !row || !run->tierings)
        return kpi__fail(KPI_EINVAL, "kpi_run_tier: an evaluated run and a row are needed");
    if (t >= kpi_run_tier_count(run) || agent >= run->nagents)
        return kpi__fail(KPI_ERANGE, "classification %zu, agent %zu: out of range", t, agent);
    return kpi_tiering_row(run->tierings[t], agent, row);
}

const kpi_tier_table *kpi_run_tier_table(const kpi_run *run, size_t t)
{
    return t < kpi_run_tier_count(run) ? run->plan->tiers->items[t].table : NULL;
}

/* snprintf into a growing position of @buf */
struct text {
    char *buf;
    size_t size, len;
};

static void put_text(struct text *o, const char *s, size_t n)
{
    if (o->len < o->size) {
        size_t room = o->size - o->len - 1;
        memcpy(o->buf + o->len, s, n < room ? n : room);
        o->buf[o->len + (n < room ? n : room)] = '\0';
    }
    o->len += n;
}

/* Appends what a snprintf-style writer produces (measured first). */
static void put_written(struct text *o, size_t (*write)(const void *, size_t, char *, size_t),
                        const void *obj, size_t index)
{
    size_t n = write(obj, index, NULL, 0);
    char *tmp = kpi__malloc(n + 1);
    if (!tmp)
        return;
    write(obj, index, tmp, n + 1);
    put_text(o, tmp, n);
    kpi__free(tmp);
}

static size_t write_card(const void *card, size_t unused, char *buf, size_t size)
{
    (void)unused;
    return kpi_scorecard_explain(card, buf, size);
}

static size_t write_slip(const void *slip, size_t unused, char *buf, size_t size)
{
    (void)unused;
    return kpi_payslip_explain(slip, buf, size);
}

static size_t write_tier(const void *tiering, size_t i, char *buf, size_t size)
{
    return kpi_tiering_explain(tiering, i, buf, size);
}

size_t kpi_run_explain(const kpi_run *run, size_t agent, char *buf, size_t size)
{
    struct text o = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    if (!run || run->target == SIZE_MAX || agent >= run->nagents)
        return 0;
    const struct agent *a = &run->agents[agent];
    char line[512];
    int n = snprintf(line, sizeof line, "%s %s%s%s%s · %s\n", a->id, a->name, a->team[0] ? " (" : "", a->team,
                     a->team[0] ? ")" : "", run->periods[run->target]);
    put_text(&o, line, (size_t)n);
    put_written(&o, write_card, run->cards[agent], 0);
    for (size_t t = 0; t < kpi_run_tier_count(run); t++) {
        n = snprintf(line, sizeof line, "%s: ", run->plan->tiers->items[t].label);
        put_text(&o, line, (size_t)n);
        put_written(&o, write_tier, run->tierings[t], agent);
        put_text(&o, "\n", 1);
    }
    if (run->slips)
        put_written(&o, write_slip, run->slips[agent], 0);
    return o.len;
}
