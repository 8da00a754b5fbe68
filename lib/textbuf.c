// SPDX-License-Identifier: MIT
#include "textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool grow(struct textbuf *b, size_t need)
{
	char *d;
	size_t cap;

	if (b->failed)
		return false;
	if (b->len + need + 1 <= b->cap)
		return true;
	cap = (b->cap + need + 1) * 2;
	d = realloc(b->data, cap);
	if (!d) {
		free(b->data);
		b->data = NULL;
		b->failed = true;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

void textbuf_append(struct textbuf *b, const char *s, size_t n)
{
	if (!grow(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void textbuf_printf(struct textbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void textbuf_json_string(struct textbuf *b, const char *s)
{
	const char *run = s;

	if (!s) {
		textbuf_append(b, "null", 4);
		return;
	}
	textbuf_append(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		textbuf_append(b, run, (size_t)(s - run));
		if (c == '"' || c == '\\')
			textbuf_printf(b, "\\%c", c);
		else
			textbuf_printf(b, "\\u%04x", c);
		run = s + 1;
	}
	textbuf_append(b, run, (size_t)(s - run));
	textbuf_append(b, "\"", 1);
}

char *textbuf_take(struct textbuf *b, size_t *len)
{
	char *d = b->failed ? NULL : b->data;

	if (!d && !b->failed)
		d = calloc(1, 1);
	*len = d ? b->len : 0;
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}
