// SPDX-License-Identifier: MIT

#include "http/cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct cache_entry {
	char *key;
	uint64_t generation;
	char *text;
	size_t len;
	int64_t extra;
};

struct response_cache {
	pthread_mutex_t lock;
	unsigned int n, next;
	struct cache_entry e[];
};

struct response_cache *cache_new(unsigned int entries)
{
	struct response_cache *c = calloc(1, sizeof(*c) + entries * sizeof(c->e[0]));

	if (c) {
		pthread_mutex_init(&c->lock, NULL);
		c->n = entries;
	}
	return c;
}

static void clear_entry(struct cache_entry *e)
{
	free(e->key);
	free(e->text);
	memset(e, 0, sizeof(*e));
}

void cache_free(struct response_cache *c)
{
	if (!c)
		return;
	for (unsigned int i = 0; i < c->n; i++)
		clear_entry(&c->e[i]);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

char *cache_get(struct response_cache *c, const char *key, uint64_t generation,
		size_t *len, int64_t *extra)
{
	char *copy = NULL;

	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < c->n; i++) {
		struct cache_entry *e = &c->e[i];

		if (!e->key || e->generation != generation || strcmp(e->key, key))
			continue;
		copy = malloc(e->len);
		if (copy) {
			memcpy(copy, e->text, e->len);
			*len = e->len;
			*extra = e->extra;
		}
		break;
	}
	pthread_mutex_unlock(&c->lock);
	return copy;
}

void cache_put(struct response_cache *c, const char *key, uint64_t generation,
	       const char *text, size_t len, int64_t extra)
{
	struct cache_entry fresh = { strdup(key), generation, malloc(len), len, extra };
	struct cache_entry *slot = NULL;

	if (!fresh.key || !fresh.text) {
		clear_entry(&fresh);
		return;
	}
	memcpy(fresh.text, text, len);
	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < c->n && !slot; i++)
		if (c->e[i].key && !strcmp(c->e[i].key, key))
			slot = &c->e[i];
	if (!slot)
		slot = &c->e[c->next++ % c->n];
	clear_entry(slot);
	*slot = fresh;
	pthread_mutex_unlock(&c->lock);
}
