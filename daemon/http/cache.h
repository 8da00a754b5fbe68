/* SPDX-License-Identifier: MIT */
/*
 * Recent responses, by request key, valid while the store generation they
 * were built at is current.  Listing runs is read far more often than
 * runs change (dashboards poll it), so most requests become a lookup: the
 * bytes are shared by reference with every reply sending them, not copied.
 */
#ifndef MIGBENCH_CACHE_H
#define MIGBENCH_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct response_cache;

/* Bytes held by the cache and by the replies still sending them. */
struct cached_body {
	const char *text;
	size_t len;
	int64_t extra;	/* a number kept with them (a cursor) */
};

struct response_cache *cache_new(unsigned int entries);
void cache_free(struct response_cache *c);
/* A reference to what is stored under key at generation, or NULL. */
struct cached_body *cache_get(struct response_cache *c, const char *key, uint64_t generation);
/*
 * Keep text (malloc'd; taken in any case), stored under key at generation,
 * which must be read before text was built.  Returns a reference to it,
 * or NULL when out of memory (text is freed then).
 */
struct cached_body *cache_put(struct response_cache *c, const char *key, uint64_t generation,
			      char *text, size_t len, int64_t extra);
/* Drop a reference; a void * so that a reply can call it when sent. */
void cache_body_put(void *body);

#endif
