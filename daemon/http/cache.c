// SPDX-License-Identifier: MIT

#include "http/cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* body first: a struct cached_body * is a struct shared_body * */
struct shared_body {
	struct cached_body body;
	unsigned int refs;	/* the cache's slot and each reply; atomic */
};

struct cache_entry {
	char *key;
	uint64_t generation;
	struct shared_body *shared;
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

void cache_body_put(void *body)
{
	struct shared_body *s = body;

	if (s && __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free((char *)s->body.text);
		free(s);
	}
}

static struct cached_body *get_ref(struct shared_body *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	return &s->body;
}

static void clear_entry(struct cache_entry *e)
{
	free(e->key);
	cache_body_put(e->shared);
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

struct cached_body *cache_get(struct response_cache *c, const char *key, uint64_t generation)
{
	struct cached_body *found = NULL;

	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < c->n; i++) {
		struct cache_entry *e = &c->e[i];

		if (e->key && e->generation == generation && !strcmp(e->key, key)) {
			found = get_ref(e->shared);
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

struct cached_body *cache_put(struct response_cache *c, const char *key, uint64_t generation,
			      char *text, size_t len, int64_t extra)
{
	struct shared_body *s = malloc(sizeof(*s));
	struct cache_entry fresh = { strdup(key), generation, s };
	struct cache_entry *slot = NULL;
	struct cached_body *ref;

	if (!s) {
		free(fresh.key);
		free(text);
		return NULL;
	}
	*s = (struct shared_body){ { text, len, extra }, 1 };	/* the caller's */
	ref = &s->body;
	if (!fresh.key)	/* served, not kept */
		return ref;
	get_ref(s);	/* the slot's */
	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < c->n && !slot; i++)
		if (c->e[i].key && !strcmp(c->e[i].key, key))
			slot = &c->e[i];
	if (!slot)
		slot = &c->e[c->next++ % c->n];
	clear_entry(slot);	/* replies still sending the old bytes keep them */
	*slot = fresh;
	pthread_mutex_unlock(&c->lock);
	return ref;
}
