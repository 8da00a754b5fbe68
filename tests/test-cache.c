// SPDX-License-Identifier: MIT
/*
 * The reply cache's shared bodies: a lookup hands out the stored bytes
 * themselves, which outlive their slot for as long as a reply still sends
 * them, and are freed with the last reference, once.  Bodies of 1 MiB
 * are mmap'd by malloc, so mallinfo2's hblkhd counts exactly the bodies
 * alive.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "http/cache.h"
#include "tap.h"

#define BODY (1 << 20)

static char *body_of(char c)
{
	char *t = malloc(BODY + 1);

	if (t) {
		memset(t, c, BODY);
		t[BODY] = '\0';
	}
	return t;
}

/* the bytes of bodies alive, in whole bodies */
static long alive(size_t base)
{
	return ((long)mallinfo2().hblkhd - (long)base + BODY / 2) / (BODY + 4096);
}

static bool all(const struct cached_body *b, char c)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->text[i] != c)
			return false;
	return b->len == BODY;
}

struct reader {
	struct response_cache *c;
	unsigned long hits, wrong;
};

/* replies on other threads, reading whatever the key holds while it is replaced */
static void *read_loop(void *arg)
{
	struct reader *rd = arg;

	for (int i = 0; i < 20000; i++) {
		struct cached_body *b = cache_get(rd->c, "k", 1);

		if (!b)
			continue;
		rd->hits++;
		rd->wrong += b->len != BODY || b->text[0] != b->text[BODY - 1];
		cache_body_put(b);
	}
	return NULL;
}

int main(void)
{
	/* below mmap's threshold, every body is one mapping of its own */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	size_t base = mallinfo2().hblkhd;
	struct response_cache *c = cache_new(2);
	struct cached_body *a, *a2, *b, *held;

	if (!c)
		return 1;
	a = cache_put(c, "k", 1, body_of('a'), BODY, 7);
	tap_ok(a && all(a, 'a') && a->extra == 7 && alive(base) == 1,
	       "a stored body is handed back to its builder, with its number (%ld alive)",
	       alive(base));
	a2 = cache_get(c, "k", 1);
	tap_ok(a2 == a, "a lookup at the same generation hands out the same bytes, not a copy");
	tap_ok(!cache_get(c, "k", 2) && !cache_get(c, "other", 1),
	       "another generation or another key finds nothing");
	cache_body_put(a2);
	cache_body_put(a);
	tap_ok(alive(base) == 1, "the cache's own reference keeps the body (%ld alive)", alive(base));

	held = cache_get(c, "k", 1);
	b = cache_put(c, "k", 2, body_of('b'), BODY, 0);
	tap_ok(b && alive(base) == 2 && all(held, 'a'),
	       "replaced under its key, a body still being sent stays whole (%ld alive)",
	       alive(base));
	cache_body_put(held);
	tap_ok(alive(base) == 1, "and is freed when its last reply is done (%ld alive)",
	       alive(base));
	cache_body_put(b);

	cache_body_put(cache_put(c, "x", 1, body_of('x'), BODY, 0));
	held = cache_get(c, "x", 1);
	cache_body_put(cache_put(c, "y", 1, body_of('y'), BODY, 0));	/* evicts "k" */
	tap_ok(alive(base) == 2 && held && all(held, 'x') && !cache_get(c, "k", 2),
	       "two slots: a third key evicts the oldest (%ld alive)", alive(base));
	cache_free(c);
	tap_ok(alive(base) == 1 && all(held, 'x'),
	       "freeing the cache leaves a body still being sent (%ld alive)", alive(base));
	cache_body_put(held);
	tap_ok(alive(base) == 0, "every body is freed in the end (%ld alive)", alive(base));

	/* four replies at once, the key replaced under them 200 times */
	c = cache_new(4);
	struct reader rd[4];
	pthread_t t[4];

	for (int i = 0; i < 4; i++) {
		rd[i] = (struct reader){ c, 0, 0 };
		pthread_create(&t[i], NULL, read_loop, &rd[i]);
	}
	for (int i = 0; i < 200; i++)
		cache_body_put(cache_put(c, "k", 1, body_of((char)('a' + i % 26)), BODY, 0));
	unsigned long hits = 0, wrong = 0;

	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		hits += rd[i].hits;
		wrong += rd[i].wrong;
	}
	tap_ok(hits > 0 && !wrong,
	       "readers on four threads while the key is replaced: %lu hits, %lu torn", hits, wrong);
	cache_free(c);
	tap_ok(alive(base) == 0, "and no body is left after (%ld alive)", alive(base));
	return tap_done();
}
