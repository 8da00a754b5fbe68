// SPDX-License-Identifier: MIT
#include "vmstats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "kvm.h"

static void reset(struct mb_vmstats *vs)
{
	memset(vs, 0, sizeof(*vs));
	vs->fd = -1;
}

static int read_at(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/* Keep the statistics of one value; a histogram has no single count. */
static int read_descriptors(struct mb_vmstats *vs, const struct kvm_stats_header *h,
			    struct mb_samples *samples)
{
	size_t dsize = sizeof(struct kvm_stats_desc) + h->name_size;
	char *buf = malloc(dsize * h->num_desc);
	int ret;

	vs->stat = calloc(h->num_desc, sizeof(*vs->stat));
	vs->offset = calloc(h->num_desc, sizeof(*vs->offset));
	if (!buf || !vs->stat || !vs->offset) {
		free(buf);
		return -ENOMEM;
	}
	ret = read_at(vs->fd, buf, dsize * h->num_desc, h->desc_offset);
	for (uint32_t i = 0; !ret && i < h->num_desc; i++) {
		struct kvm_stats_desc *d = (void *)(buf + i * dsize);
		char name[MB_KVM_STAT_NAME_MAX];
		int idx;

		snprintf(name, sizeof(name), "%.*s", (int)h->name_size, d->name);
		/* the data block ends after the last value of any statistic */
		if (d->offset + (size_t)d->size * sizeof(uint64_t) > vs->data_size)
			vs->data_size = d->offset + (size_t)d->size * sizeof(uint64_t);
		if (d->size != 1) {
			vs->skipped++;
			continue;
		}
		idx = mb_samples_stat(samples, name);
		if (idx < 0) {
			vs->skipped++;
			continue;
		}
		vs->stat[vs->nr] = (uint16_t)idx;
		vs->offset[vs->nr++] = d->offset;
	}
	free(buf);
	if (!ret && vs->data_size > (1 << 20))
		ret = -EPROTO;
	if (!ret)
		vs->data = malloc(vs->data_size ? vs->data_size : 1);
	return ret ? ret : vs->data ? 0 : -ENOMEM;
}

int mb_vmstats_open(struct mb_vmstats *vs, int vm_fd, struct mb_samples *samples,
		    struct mb_error *err)
{
	struct kvm_stats_header h;
	int ret;

	reset(vs);
	ret = kvm_vm_get_stats_fd(vm_fd);
	if (ret < 0)
		return mb_error_set(err, ret == -ENOTTY || ret == -EINVAL ? -EOPNOTSUPP : ret, NULL,
				    "KVM_GET_STATS_FD: %s", strerror(-ret));
	vs->fd = ret;
	ret = read_at(vs->fd, &h, sizeof(h), 0);
	if (!ret && (h.name_size == 0 || h.name_size > 4096 || h.num_desc > 4096 ||
		     h.data_offset < h.desc_offset))
		ret = -EPROTO;
	if (!ret) {
		vs->data_off = h.data_offset;
		ret = read_descriptors(vs, &h, samples);
	}
	if (ret) {
		mb_vmstats_close(vs);
		return mb_error_set(err, ret, NULL, "reading KVM's VM statistics: %s",
				    strerror(-ret));
	}
	return 0;
}

int mb_vmstats_record(struct mb_vmstats *vs, struct mb_samples *samples,
		      enum mb_phase phase)
{
	int ret;

	if (vs->fd < 0)
		return 0;
	ret = read_at(vs->fd, vs->data, vs->data_size, (off_t)vs->data_off);
	for (unsigned int i = 0; !ret && i < vs->nr; i++) {
		uint64_t v;

		memcpy(&v, (char *)vs->data + vs->offset[i], sizeof(v));
		ret = mb_samples_add_stat(samples, vs->stat[i], vs->readings, phase, v);
	}
	vs->readings++;
	return ret;
}

void mb_vmstats_close(struct mb_vmstats *vs)
{
	if (vs->fd >= 0)
		close(vs->fd);
	free(vs->stat);
	free(vs->offset);
	free(vs->data);
	reset(vs);
}
