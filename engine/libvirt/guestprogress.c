// SPDX-License-Identifier: MIT
#include "guestprogress.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#include "qemulog.h"

#define PROGRESS_MAGIC	0x4742504du	/* mbguest/main.c */
#define MAX_READINGS	(3600u * 1000u / MB_PROGRESS_PERIOD_MS)	/* an hour */
#define PAGE_KIB	4u

/* Find the QEMU and where the block is in it; 0 once it can be read. */
static int open_source(struct mb_progress_source *s, uint64_t gpa)
{
	char path[64];
	long pid = 0;
	FILE *f;

	if (s->fd >= 0)
		return 0;
	if (!s->pidfile[0])
		return -ENOENT;
	f = fopen(s->pidfile, "re");
	if (!f)
		return -errno;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	s->hva = mb_qemulog_hva(s->log, gpa);
	if (pid <= 0 || !s->hva)
		return -EAGAIN;
	snprintf(path, sizeof(path), "/proc/%ld/mem", pid);
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	return s->fd < 0 ? -errno : 0;
}

/* The block as one QEMU holds it: false while it holds no copy yet. */
static bool read_source(struct mb_progress_source *s, unsigned int cpus, uint64_t *pages)
{
	struct { uint32_t magic, cpus; uint64_t pages[MB_PROGRESS_MAX_CPUS]; } b;
	size_t len = 8 + 8 * (size_t)cpus;

	if (s->fd < 0 || pread(s->fd, &b, len, (off_t)s->hva) != (ssize_t)len ||
	    b.magic != PROGRESS_MAGIC || b.cpus != cpus)
		return false;
	memcpy(pages, b.pages, 8 * (size_t)cpus);
	return true;
}

static void record(struct mb_guest_progress *p, uint64_t t, const uint64_t *pages)
{
	pthread_mutex_lock(&p->lock);
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4096;
		uint64_t *t_ns = cap <= MAX_READINGS ? realloc(p->t_ns, cap * sizeof(*t_ns)) : NULL;
		uint64_t *pg = t_ns ? realloc(p->pages, cap * p->cpus * sizeof(*pg)) : NULL;

		if (t_ns)
			p->t_ns = t_ns;
		if (!pg) {
			p->full = true;
			pthread_mutex_unlock(&p->lock);
			return;
		}
		p->pages = pg;
		p->cap = cap;
	}
	p->t_ns[p->n] = t;
	memcpy(&p->pages[p->n * p->cpus], pages, p->cpus * sizeof(*pages));
	p->n++;
	pthread_mutex_unlock(&p->lock);
}

static void *reader_main(void *arg)
{
	struct mb_guest_progress *p = arg;
	struct timespec next;
	unsigned int tick = 0;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!p->stop) {
		uint64_t best[MB_PROGRESS_MAX_CPUS] = { 0 }, got[MB_PROGRESS_MAX_CPUS], t;
		bool any = false;

		/* the destination appears during the migration: look every 100 ms */
		if (p->src[1].fd < 0 && tick++ % 10 == 0)
			open_source(&p->src[1], p->gpa);
		t = mb_now_ns();
		for (int i = 0; i < 2; i++)
			if (read_source(&p->src[i], p->cpus, got)) {
				any = true;
				for (unsigned int c = 0; c < p->cpus; c++)
					best[c] = got[c] > best[c] ? got[c] : best[c];
			}
		if (any && !p->full)
			record(p, t, best);
		next.tv_nsec += MB_PROGRESS_PERIOD_MS * 1000000L;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	return NULL;
}

int mb_guest_progress_start(struct mb_guest_progress *p, unsigned int cpus, uint64_t gpa,
			    const char *src_pidfile, const char *src_log,
			    const char *dst_pidfile, const char *dst_log,
			    char *err, size_t err_len)
{
	uint64_t probe[MB_PROGRESS_MAX_CPUS];
	int ret;

	memset(p, 0, sizeof(*p));
	p->src[0].fd = p->src[1].fd = -1;
	if (cpus < 1 || cpus > MB_PROGRESS_MAX_CPUS) {
		snprintf(err, err_len, "%u vCPUs: the progress block holds 1 to %d", cpus,
			 MB_PROGRESS_MAX_CPUS);
		return -EINVAL;
	}
	p->cpus = cpus;
	p->gpa = gpa;
	snprintf(p->src[0].pidfile, sizeof(p->src[0].pidfile), "%s", src_pidfile);
	snprintf(p->src[0].log, sizeof(p->src[0].log), "%s", src_log);
	if (dst_pidfile && dst_log) {
		snprintf(p->src[1].pidfile, sizeof(p->src[1].pidfile), "%s", dst_pidfile);
		snprintf(p->src[1].log, sizeof(p->src[1].log), "%s", dst_log);
	}
	ret = open_source(&p->src[0], gpa);
	if (!ret && !read_source(&p->src[0], cpus, probe))
		ret = -EIO;
	if (ret) {
		snprintf(err, err_len, "the guest's progress block at 0x%llx cannot be read in the "
			 "source QEMU: %s", (unsigned long long)gpa,
			 ret == -EAGAIN ? "QEMU's log names no memslot holding it" :
			 ret == -EIO ? "no progress block there" : strerror(-ret));
		mb_guest_progress_free(p);
		return ret;
	}
	pthread_mutex_init(&p->lock, NULL);
	if (pthread_create(&p->thread, NULL, reader_main, p)) {
		snprintf(err, err_len, "cannot start the progress reader");
		pthread_mutex_destroy(&p->lock);
		mb_guest_progress_free(p);
		return -EAGAIN;
	}
	p->running = true;
	return 0;
}

void mb_guest_progress_stop(struct mb_guest_progress *p)
{
	if (!p->running)
		return;
	p->stop = true;
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->lock);
	p->running = false;
}

void mb_guest_progress_free(struct mb_guest_progress *p)
{
	mb_guest_progress_stop(p);
	for (int i = 0; i < 2; i++)
		if (p->src[i].fd >= 0) {
			close(p->src[i].fd);
			p->src[i].fd = -1;
		}
	free(p->t_ns);
	free(p->pages);
	p->t_ns = p->pages = NULL;
	p->n = p->cap = 0;
}

static uint64_t total(const struct mb_guest_progress *p, size_t i)
{
	uint64_t sum = 0;

	for (unsigned int c = 0; c < p->cpus; c++)
		sum += p->pages[i * p->cpus + c];
	return sum;
}

int mb_guest_progress_rate(struct mb_guest_progress *p, uint64_t from_ns, uint64_t to_ns,
			   double *mib_s)
{
	int ret = -ENODATA;
	size_t a, b;

	/* asked while the reader runs: it may move the readings meanwhile */
	pthread_mutex_lock(&p->lock);
	a = b = p->n;
	for (size_t i = 0; i < p->n; i++) {
		if (a == p->n && p->t_ns[i] >= from_ns)
			a = i;
		if (p->t_ns[i] <= to_ns)
			b = i;
	}
	if (a < p->n && b < p->n && b > a && p->t_ns[b] > p->t_ns[a]) {
		*mib_s = (double)(total(p, b) - total(p, a)) * PAGE_KIB / 1024.0 /
			 ((double)(p->t_ns[b] - p->t_ns[a]) / 1e9);
		ret = 0;
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

int mb_guest_progress_stall(const struct mb_guest_progress *p, uint64_t from_ns, uint64_t to_ns,
			    uint64_t *ms)
{
	uint64_t longest = 0;
	size_t readings = 0;

	for (unsigned int c = 0; c < p->cpus; c++) {
		size_t since = p->n;	/* first reading with the current count */

		for (size_t i = 0; i < p->n; i++) {
			if (p->t_ns[i] < from_ns || p->t_ns[i] > to_ns)
				continue;
			readings += c == 0;
			if (since == p->n || p->pages[i * p->cpus + c] != p->pages[since * p->cpus + c])
				since = i;
			else if (p->t_ns[i] - p->t_ns[since] > longest)
				longest = p->t_ns[i] - p->t_ns[since];
		}
	}
	if (readings < 2)
		return -ENODATA;
	*ms = longest / 1000000;
	return 0;
}

void mb_guest_progress_samples(const struct mb_guest_progress *p, uint64_t t0_ns, uint64_t to_ns,
			       struct mb_samples *out)
{
	uint32_t seq = 0;

	for (size_t i = 1; i < p->n; i++) {
		uint64_t dt = p->t_ns[i] - p->t_ns[i - 1];

		if (p->t_ns[i] < t0_ns || p->t_ns[i] > to_ns || !dt)
			continue;
		mb_samples_add(out, MB_GUEST_T_MS, 0, seq, (p->t_ns[i] - t0_ns) / 1000000);
		for (unsigned int c = 0; c < p->cpus; c++) {
			uint64_t now = p->pages[i * p->cpus + c], before = p->pages[(i - 1) * p->cpus + c];
			uint64_t d = now > before ? now - before : 0;

			mb_samples_add(out, MB_GUEST_WRITE_RATE_KIB_S, c, seq,
				       d * PAGE_KIB * 1000000000ULL / dt);
		}
		seq++;
	}
}
