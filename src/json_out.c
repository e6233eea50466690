/* json_out.c - a streaming JSON writer with escaping (see json_out.h). */
#include "config.h"

#include "json_out.h"

#include <math.h>
#include <string.h>

void jw_init(struct jw *w, FILE *f)
{
    w->f = f;
    w->depth = 0;
    w->has_items[0] = false;
}

static void put_escaped(FILE *f, const char *s, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);
        } else if (c == '\n') {
            fputs("\\n", f);
        } else if (c == '\t') {
            fputs("\\t", f);
        } else if (c < 0x20 || c >= 0x7f) {
            fprintf(f, "\\u%04x", c);
        } else {
            fputc(c, f);
        }
    }
    fputc('"', f);
}

/* Separator and key before a value. */
static void prefix(struct jw *w, const char *key)
{
    if (w->has_items[w->depth])
        fputc(',', w->f);
    w->has_items[w->depth] = true;
    if (key != NULL) {
        put_escaped(w->f, key, strlen(key));
        fputc(':', w->f);
    }
}

static void open_level(struct jw *w, const char *key, char c)
{
    prefix(w, key);
    fputc(c, w->f);
    if (w->depth + 1 < JW_MAX_DEPTH)
        w->depth++;
    w->has_items[w->depth] = false;
}

void jw_begin_object(struct jw *w, const char *key)
{
    open_level(w, key, '{');
}

void jw_end_object(struct jw *w)
{
    fputc('}', w->f);
    if (w->depth > 0)
        w->depth--;
    if (w->depth == 0)
        fputc('\n', w->f);
}

void jw_begin_array(struct jw *w, const char *key)
{
    open_level(w, key, '[');
}

void jw_end_array(struct jw *w)
{
    fputc(']', w->f);
    if (w->depth > 0)
        w->depth--;
}

void jw_string(struct jw *w, const char *key, const char *s, size_t len)
{
    prefix(w, key);
    put_escaped(w->f, s ? s : "", s ? len : 0);
}

void jw_cstring(struct jw *w, const char *key, const char *s)
{
    jw_string(w, key, s, s ? strlen(s) : 0);
}

void jw_double(struct jw *w, const char *key, double v)
{
    prefix(w, key);
    if (!isfinite(v))
        fputs("null", w->f);
    else if (v == floor(v) && fabs(v) < 9e15)
        fprintf(w->f, "%.0f", v);
    else
        fprintf(w->f, "%.17g", v);
}

void jw_u64(struct jw *w, const char *key, uint64_t v)
{
    prefix(w, key);
    fprintf(w->f, "%llu", (unsigned long long)v);
}

void jw_bool(struct jw *w, const char *key, bool v)
{
    prefix(w, key);
    fputs(v ? "true" : "false", w->f);
}

void jw_null(struct jw *w, const char *key)
{
    prefix(w, key);
    fputs("null", w->f);
}
