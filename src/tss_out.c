/* tss_out.c - -w: the summary file a run writes, its parameters and its sink, as one piece. */
#include "config.h"

#include "tss_out.h"

#include <stdlib.h>

#include "atomic_out.h"
#include "sink.h"

struct tss_out {
    struct atomic_out *file;
    struct tss_params *params;
    struct sink *sink;
};

static void release(struct tss_out *w)
{
    sink_free(w->sink);
    tss_params_free(w->params);
    free(w);
}

struct tss_out *tss_out_open(const char *path, const struct engine_opts *o,
                             const struct tss_params *merged, struct ts_err *err)
{
    struct tss_out *w = calloc(1, sizeof *w);
    if (w == NULL) {
        ts_err_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    if ((w->file = atomic_out_open(path, err)) == NULL) {
        release(w);
        return NULL;
    }
    if ((w->params = tss_params_of_run(o, o->seed)) != NULL) {
        if (merged != NULL)
            tss_params_copy_exclude(w->params, merged);
        w->sink = sink_tss_new(atomic_out_file(w->file), path, tss_params_get(w->params));
    }
    if (w->sink == NULL) {
        tss_out_abort(w);
        ts_err_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    return w;
}

struct sink *tss_out_sink(const struct tss_out *w)
{
    return w->sink;
}

void tss_out_set_sizes(struct tss_out *w, const struct engine *e)
{
    struct summary_sizes z[4];
    engine_sizes(e, z);
    tss_params_set_sizes(w->params, z);
}

int tss_out_commit(struct tss_out *w, struct ts_err *err)
{
    int rc = atomic_out_commit(w->file, err);
    release(w);
    return rc;
}

void tss_out_abort(struct tss_out *w)
{
    if (w == NULL)
        return;
    atomic_out_abort(w->file);
    release(w);
}
