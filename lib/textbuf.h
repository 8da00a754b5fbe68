/* SPDX-License-Identifier: MIT */
/* A growing text buffer, for responses built without a JSON tree. */
#ifndef MIGBENCH_TEXTBUF_H
#define MIGBENCH_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>

struct textbuf {
	char *data;		/* NUL-terminated */
	size_t len, cap;
	bool failed;		/* out of memory: data is NULL */
};

void textbuf_printf(struct textbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void textbuf_append(struct textbuf *b, const char *s, size_t n);
/* s as a JSON string with quotes, or null when s is NULL. */
void textbuf_json_string(struct textbuf *b, const char *s);
/* Hand over the text; NULL (and nothing to free) if anything failed. */
char *textbuf_take(struct textbuf *b, size_t *len);

#endif
