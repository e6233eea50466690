/*
 * json_out.h - a small streaming JSON writer (no allocation, depth <= 32).
 *
 * Values are written as they come, so a document can be streamed while the
 * input is read (intervals as they close). Strings are escaped completely:
 * quotes, backslashes, control bytes and bytes >= 0x80 (as \u00XX, the
 * byte read as Latin-1), so attacker-controlled names cannot break the
 * document.
 */
#ifndef TS_JSON_OUT_H
#define TS_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 32

struct jw {
    FILE *f;
    int depth;
    bool has_items[JW_MAX_DEPTH];
};

void jw_init(struct jw *w, FILE *f);
/* key is NULL inside arrays and at the top level. */
void jw_begin_object(struct jw *w, const char *key);
void jw_end_object(struct jw *w);
void jw_begin_array(struct jw *w, const char *key);
void jw_end_array(struct jw *w);
void jw_string(struct jw *w, const char *key, const char *s, size_t len);
void jw_cstring(struct jw *w, const char *key, const char *s);
void jw_double(struct jw *w, const char *key, double v); /* null when not finite */
void jw_u64(struct jw *w, const char *key, uint64_t v);
void jw_bool(struct jw *w, const char *key, bool v);
void jw_null(struct jw *w, const char *key);

#endif
