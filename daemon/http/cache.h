/* SPDX-License-Identifier: MIT */
/*
 * Recent responses, by request key, valid while the store generation they
 * were built at is current.  Listing runs is read far more often than
 * runs change (dashboards poll it), so most requests become a copy.
 */
#ifndef MIGBENCH_CACHE_H
#define MIGBENCH_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct response_cache;

struct response_cache *cache_new(unsigned int entries);
void cache_free(struct response_cache *c);
/*
 * A malloc'd copy of the text stored under key at generation, with its
 * extra number (a cursor), or NULL.
 */
char *cache_get(struct response_cache *c, const char *key, uint64_t generation,
		size_t *len, int64_t *extra);
/* Keep a copy of text; generation must be read before text was built. */
void cache_put(struct response_cache *c, const char *key, uint64_t generation,
	       const char *text, size_t len, int64_t extra);

#endif
