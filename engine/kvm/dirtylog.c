// SPDX-License-Identifier: MIT
/*
 * The direct dirty-log engine's main thread: prepare, then the phases of
 * dirty_log_perf_test (populate, enable dirty logging, iterations of
 * dirty / get / clear, disable dirty logging), then clean up.  Each timed
 * region holds one ioctl (or one ring harvest) and its two clock reads;
 * checks and bookkeeping happen between them.
 */
#include "dirtylog.h"

#include <sched.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aging.h"
#include "aging_run.h"
#include "dirtylog_run.h"
#include "dirtylog_vcpu.h"
#include "clock.h"
#include "hostinfo.h"
#include "hugemap.h"
#include "kvm.h"
#include "memslot_cost.h"
#include "zap.h"

static void env_add(struct dirtylog_run *e, const char *key, struct json_object *v)
{
	json_object_object_add(e->res->environment, key, v);
}

/* Settle the auto options against what this kernel supports. */
static enum mb_run_status resolve_caps(struct dirtylog_run *e, uint32_t *ring_cap,
				       uint64_t *manual_flags)
{
	struct mb_spec *s = &e->spec;
	struct mb_kvm_caps caps;
	int ret = kvm_read_caps(&caps), manual, ring, ring_acq, slots;

	if (ret < 0)
		return dirtylog_fail(e, MB_RUN_UNAVAILABLE, "cannot open /dev/kvm: %s",
			    strerror(-ret));
	env_add(e, "kvm_capabilities", mb_kvm_caps_json(&caps));
	manual = caps.manual_dirty_log_protect2;
	ring = caps.dirty_log_ring;
	ring_acq = caps.dirty_log_ring_acq_rel;
	slots = caps.nr_memslots;

	if (slots > 0 && s->memslots + 1 > (unsigned int)slots)
		return dirtylog_fail(e, MB_RUN_UNAVAILABLE,
			    "memslots: this kernel allows %d memslots, %u needed (one for the guest's own memory)",
			    slots, s->memslots + 1);
	if (s->dirty_ring_entries) {
		int max = ring > 0 ? ring : ring_acq;

		*ring_cap = ring > 0 ? KVM_CAP_DIRTY_LOG_RING :
				       KVM_CAP_DIRTY_LOG_RING_ACQ_REL;
		if (max <= 0)
			return dirtylog_fail(e, MB_RUN_UNAVAILABLE,
				    "dirty_ring_entries: this kernel has no KVM_CAP_DIRTY_LOG_RING");
		if (s->dirty_ring_entries * sizeof(struct kvm_dirty_gfn) >
		    (uint64_t)max)
			return dirtylog_fail(e, MB_RUN_UNAVAILABLE,
				    "dirty_ring_entries: at most %zu on this kernel",
				    max / sizeof(struct kvm_dirty_gfn));
		s->manual_protect = MB_FALSE;
		s->initially_set = MB_FALSE;
		e->ring = true;
		return MB_RUN_OK;
	}
	if (s->aging != MB_AGING_NONE) {	/* dirty logging stays off */
		s->manual_protect = MB_FALSE;
		s->initially_set = MB_FALSE;
		return MB_RUN_OK;
	}
	if (s->manual_protect == MB_TRUE &&
	    !(manual & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE))
		return dirtylog_fail(e, MB_RUN_UNAVAILABLE,
			    "manual_protect: this kernel has no KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2");
	if (s->manual_protect == MB_AUTO)
		s->manual_protect = (manual & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE) ?
				    MB_TRUE : MB_FALSE;
	if (s->initially_set == MB_TRUE &&
	    !(manual & KVM_DIRTY_LOG_INITIALLY_SET))
		return dirtylog_fail(e, MB_RUN_UNAVAILABLE,
			    "initially_set: this kernel has no KVM_DIRTY_LOG_INITIALLY_SET");
	if (s->initially_set == MB_AUTO)
		s->initially_set = s->manual_protect &&
				   (manual & KVM_DIRTY_LOG_INITIALLY_SET) ?
				   MB_TRUE : MB_FALSE;
	if (s->initially_set == MB_TRUE && s->manual_protect != MB_TRUE)
		return dirtylog_fail(e, MB_RUN_BAD_SPEC, "initially_set: needs manual_protect");
	if (s->clear_chunk_pages && s->manual_protect != MB_TRUE)
		return dirtylog_fail(e, MB_RUN_BAD_SPEC,
			    "clear_chunk_pages: needs manual_protect (KVM_CLEAR_DIRTY_LOG)");
	if (s->manual_protect == MB_TRUE)
		*manual_flags = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
				(s->initially_set == MB_TRUE ?
				 KVM_DIRTY_LOG_INITIALLY_SET : 0);
	return MB_RUN_OK;
}

/* What this run turned on, with the argument it passed. */
static struct json_object *enabled_caps_json(uint32_t ring_cap,
					     uint32_t ring_entries,
					     uint64_t manual_flags)
{
	struct json_object *obj = json_object_new_object();

	if (ring_entries)
		json_object_object_add(obj, ring_cap == KVM_CAP_DIRTY_LOG_RING ?
					    "KVM_CAP_DIRTY_LOG_RING" :
					    "KVM_CAP_DIRTY_LOG_RING_ACQ_REL",
				       json_object_new_int64(ring_entries *
							     sizeof(struct kvm_dirty_gfn)));
	if (manual_flags)
		json_object_object_add(obj, "KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2",
				       json_object_new_int64((int64_t)manual_flags));
	return obj;
}

static uint64_t clear_calls_per_iteration(const struct dirtylog_run *e)
{
	uint64_t chunk = e->spec.clear_chunk_pages;

	if (!chunk)
		return e->vm.nr_slots;
	return e->vm.nr_slots * ((e->vm.slot_pages + chunk - 1) / chunk);
}

static int alloc_run_state(struct dirtylog_run *e)
{
	uint64_t calls = clear_calls_per_iteration(e);

	e->threads = calloc(e->spec.vcpus, sizeof(*e->threads));
	e->bitmaps = calloc(e->spec.memslots, sizeof(*e->bitmaps));
	e->call_ns = calloc(calls, sizeof(*e->call_ns));
	if (!e->threads || !e->bitmaps || !e->call_ns)
		return -ENOMEM;
	for (unsigned int i = 0; i < e->spec.memslots; i++) {
		e->bitmaps[i] = calloc(e->vm.slot_pages / 64, sizeof(uint64_t));
		if (!e->bitmaps[i])
			return -ENOMEM;
	}
	for (unsigned int i = 0; i < e->spec.vcpus; i++) {
		struct vcpu_thread *t = &e->threads[i];

		t->e = e;
		t->index = i;
		t->run_ns = calloc(e->nr_passes, sizeof(uint64_t));
		t->harvest_ns = calloc(e->nr_passes, sizeof(uint64_t));
		t->reset_ns = calloc(e->nr_passes, sizeof(uint64_t));
		t->written = calloc(e->nr_passes, sizeof(uint64_t));
		if (!t->run_ns || !t->harvest_ns || !t->reset_ns || !t->written)
			return -ENOMEM;
	}
	/*
	 * populate, enable, disable, delete, invalidate and its two notifier
	 * counts, the four memory figures, 6 per iteration + the clear calls
	 * (or an aging run's 6), and each kvm_stat reading: populate, enable,
	 * each iteration, each zap step
	 */
	return mb_samples_reserve(&e->res->samples,
				  11 + e->spec.iterations * (6 + calls) +
				  (uint64_t)e->vmstats.nr * (2 + e->spec.iterations + e->spec.nr_zap));
}

/* Without KVM_GET_STATS_FD a run goes on, saying why it has no kvm_stat. */
static void open_vmstats(struct dirtylog_run *e)
{
	struct mb_error err = { 0 };

	if (mb_vmstats_open(&e->vmstats, e->vm.vm_fd, &e->res->samples, &err))
		env_add(e, "kvm_stat_missing", json_object_new_string(err.message));
	else if (e->vmstats.skipped)
		env_add(e, "kvm_stat_skipped", json_object_new_int64(e->vmstats.skipped));
}

static enum mb_run_status prepare(struct dirtylog_run *e)
{
	uint64_t bytes = mb_spec_total_pages(&e->spec) * MB_GUEST_PAGE_SIZE;
	long need = mb_backing_hugepages_needed(e->spec.backing, bytes);
	struct mb_vm_config cfg = {
		.nr_vcpus = e->spec.vcpus,
		.pages_per_vcpu = e->spec.mem_per_vcpu / MB_GUEST_PAGE_SIZE,
		.nr_slots = e->spec.memslots,
		.test_page_size = mb_spec_guest_page_bytes(&e->spec),
		.dirty_ring_entries = (uint32_t)e->spec.dirty_ring_entries,
	};
	enum mb_run_status status;
	struct mb_error err = { 0 };
	int ret;

	status = resolve_caps(e, &cfg.dirty_ring_cap, &cfg.manual_protect_flags);
	if (status)
		return status;
	/* before the test memory exists: its pages are charged where it faults */
	if (e->spec.aging != MB_AGING_NONE &&
	    mb_aging_open(&e->aging, e->spec.aging, e->spec.backing, bytes, &err))
		return dirtylog_fail(e, MB_RUN_FAILED, "aging: %s", err.message);
	env_add(e, "kvm_capabilities_enabled",
		enabled_caps_json(cfg.dirty_ring_cap, cfg.dirty_ring_entries,
				  cfg.manual_protect_flags));
	if (need && e->opts->reserve_hugepages) {
		ret = mb_hugepages_reserve(mb_backing_page_size(e->spec.backing),
					   need, &e->resv, &err);
		if (ret)
			return dirtylog_fail(e, MB_RUN_UNAVAILABLE, "%s", err.message);
	}
	ret = mb_backing_alloc(&e->mem, e->spec.backing, bytes, &err);
	if (ret)
		return dirtylog_fail(e, ret == -ENOSPC || ret == -EOPNOTSUPP ?
			       MB_RUN_UNAVAILABLE : MB_RUN_FAILED, "%s", err.message);
	cfg.test_hva = e->mem.hva;
	ret = mb_vm_create(&e->vm, &cfg, &err);
	if (ret)
		return dirtylog_fail(e, ret == -ENOENT || ret == -EACCES ?
			       MB_RUN_UNAVAILABLE : MB_RUN_FAILED,
			    "creating the guest: %s", err.message);
	status = memslot_cost_create(e);
	if (status)
		return status;
	open_vmstats(e);
	for (unsigned int i = 0; i < e->spec.vcpus; i++) {
		e->vm.args[i].seed = e->spec.seed;
		e->vm.args[i].pattern_loop = e->ring;
	}
	if (alloc_run_state(e))
		return dirtylog_fail(e, MB_RUN_FAILED, "out of memory for run state");
	if (e->spec.nr_pin == e->spec.vcpus + 1) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(e->spec.pin[e->spec.vcpus], &set);
		sched_getaffinity(0, sizeof(e->main_affinity), &e->main_affinity);
		if (sched_setaffinity(0, sizeof(set), &set))
			return dirtylog_fail(e, MB_RUN_FAILED, "pin: main thread to CPU %d: %s",
				    e->spec.pin[e->spec.vcpus], strerror(errno));
		e->main_pinned = true;
	}
	ret = vcpu_threads_start(e);
	if (ret)
		return dirtylog_fail(e, MB_RUN_FAILED, "starting vCPU threads: %s",
			    strerror(-ret));
	return MB_RUN_OK;
}

static enum mb_run_status get_dirty_log(struct dirtylog_run *e, uint32_t it)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < e->vm.nr_slots; i++) {
		uint64_t t0, t1;
		int ret;

		t0 = mb_now_ns();
		ret = kvm_vm_get_dirty_log(e->vm.vm_fd, MB_FIRST_TEST_SLOT + i,
					   e->bitmaps[i]);
		t1 = mb_now_ns();
		if (ret)
			return dirtylog_fail(e, MB_RUN_FAILED,
				    "KVM_GET_DIRTY_LOG on memslot %u: %s",
				    MB_FIRST_TEST_SLOT + i, strerror(-ret));
		total += t1 - t0;
	}
	mb_samples_add(&e->res->samples, MB_GET_DIRTY_LOG_NS, it, 0, total);
	return MB_RUN_OK;
}

/* Clear exactly what KVM_GET_DIRTY_LOG reported, in chunks if asked. */
static enum mb_run_status clear_dirty_log(struct dirtylog_run *e, uint32_t it)
{
	uint64_t chunk = e->spec.clear_chunk_pages ? e->spec.clear_chunk_pages :
						    e->vm.slot_pages;
	uint64_t total = 0, calls = 0;

	for (unsigned int i = 0; i < e->vm.nr_slots; i++) {
		for (uint64_t first = 0; first < e->vm.slot_pages; first += chunk) {
			uint64_t n = e->vm.slot_pages - first < chunk ?
				     e->vm.slot_pages - first : chunk;
			uint64_t *bits = e->bitmaps[i] + first / 64;
			uint64_t t0, t1;
			int ret;

			t0 = mb_now_ns();
			ret = kvm_vm_clear_dirty_log(e->vm.vm_fd,
						     MB_FIRST_TEST_SLOT + i,
						     first, (uint32_t)n, bits);
			t1 = mb_now_ns();
			if (ret)
				return dirtylog_fail(e, MB_RUN_FAILED,
					    "KVM_CLEAR_DIRTY_LOG on memslot %u pages %llu+%llu: %s",
					    MB_FIRST_TEST_SLOT + i,
					    (unsigned long long)first,
					    (unsigned long long)n, strerror(-ret));
			e->call_ns[calls++] = t1 - t0;
		}
	}
	for (uint64_t c = 0; c < calls; c++) {
		mb_samples_add(&e->res->samples, MB_CLEAR_DIRTY_LOG_CALL_NS, it,
			       (uint32_t)c, e->call_ns[c]);
		total += e->call_ns[c];
	}
	mb_samples_add(&e->res->samples, MB_CLEAR_DIRTY_LOG_NS, it, 0, total);
	return MB_RUN_OK;
}

/*
 * Harvest what the vCPUs left in their rings and reset them.  The times
 * of the ring-full harvests the vCPU threads did during the pass are
 * added in, so the metric covers all ring work of the iteration.
 */
static enum mb_run_status collect_dirty_rings(struct dirtylog_run *e, uint32_t it)
{
	uint64_t harvest = 0, reset = 0, t0, t1, t2;
	int ret;

	t0 = mb_now_ns();
	for (unsigned int i = 0; i < e->spec.vcpus; i++)
		vcpu_harvest_ring(e, &e->vm.vcpus[i]);
	t1 = mb_now_ns();
	ret = kvm_vm_reset_dirty_rings(e->vm.vm_fd);
	t2 = mb_now_ns();
	if (ret < 0)
		return dirtylog_fail(e, MB_RUN_FAILED, "KVM_RESET_DIRTY_RINGS: %s",
			    strerror(-ret));
	harvest = t1 - t0;
	reset = t2 - t1;
	for (unsigned int i = 0; i < e->spec.vcpus; i++) {
		harvest += e->threads[i].harvest_ns[it];
		reset += e->threads[i].reset_ns[it];
	}
	mb_samples_add(&e->res->samples, MB_DIRTY_RING_HARVEST_NS, it, 0, harvest);
	mb_samples_add(&e->res->samples, MB_DIRTY_RING_RESET_NS, it, 0, reset);
	return MB_RUN_OK;
}

/* The dirty log must name exactly the pages the guest wrote. */
static enum mb_run_status check_dirty_log(struct dirtylog_run *e, uint32_t it)
{
	bool expect_all = it == 1 && e->spec.initially_set == MB_TRUE;
	struct mb_dirty_check c = { 0 };
	uint64_t written = 0;

	for (unsigned int i = 0; i < e->vm.nr_slots; i++)
		mb_dirty_check_slot(e->bitmaps[i], i * e->vm.slot_pages,
				    e->vm.slot_pages, e->spec.seed, it,
				    e->spec.write_percent, expect_all, &c);
	for (unsigned int i = 0; i < e->spec.vcpus; i++)
		written += e->threads[i].written[it];
	mb_samples_add(&e->res->samples, MB_DIRTY_PAGES, it, 0, c.reported);
	if (c.missing || c.extra)
		return dirtylog_fail(e, MB_RUN_FAILED,
			    "dirty log wrong in iteration %u: %llu pages reported dirty, "
			    "%llu written pages not reported, %llu reported pages not written "
			    "(guest wrote %llu)",
			    it, (unsigned long long)c.reported,
			    (unsigned long long)c.missing,
			    (unsigned long long)c.extra,
			    (unsigned long long)written);
	if (!expect_all && written != c.reported)
		return dirtylog_fail(e, MB_RUN_FAILED,
			    "iteration %u: guest wrote %llu pages, dirty log has %llu",
			    it, (unsigned long long)written,
			    (unsigned long long)c.reported);
	return MB_RUN_OK;
}

static enum mb_run_status run_iteration(struct dirtylog_run *e, uint32_t it)
{
	enum mb_run_status status;

	if (e->ring)
		for (unsigned int i = 0; i < e->vm.nr_slots; i++)
			memset(e->bitmaps[i], 0, e->vm.slot_pages / 8);
	status = vcpu_run_pass(e, it);
	if (status)
		return status;
	mb_samples_add(&e->res->samples, MB_DIRTY_MEMORY_NS, it, 0,
		       vcpu_slowest_run_ns(e, it));
	if (e->ring) {
		status = collect_dirty_rings(e, it);
	} else {
		status = get_dirty_log(e, it);
		if (!status && e->spec.manual_protect == MB_TRUE)
			status = clear_dirty_log(e, it);
	}
	return status ? status : check_dirty_log(e, it);
}

static enum mb_run_status check_thp(struct dirtylog_run *e)
{
	uint64_t huge = mb_backing_huge_bytes(&e->mem);

	env_add(e, "backing_huge_bytes", json_object_new_uint64(huge));
	if (e->spec.backing == MB_BACKING_THP && !huge)
		return dirtylog_fail(e, MB_RUN_UNAVAILABLE,
			    "backing thp: the kernel gave no transparent hugepages to the guest memory");
	return MB_RUN_OK;
}

static enum mb_run_status run_phases(struct dirtylog_run *e)
{
	uint32_t last = e->spec.iterations;
	enum mb_run_status status;

	status = vcpu_run_pass(e, 0);
	if (status)
		return status;
	mb_samples_add(&e->res->samples, MB_POPULATE_NS, 0, 0,
		       vcpu_slowest_run_ns(e, 0));
	dirtylog_record_stats(e, MB_PHASE_POPULATE);
	status = check_thp(e);
	if (status)
		return status;
	dirtylog_progress(e, "populated %llu pages",
		 (unsigned long long)mb_spec_total_pages(&e->spec));

	if (e->spec.aging != MB_AGING_NONE) {
		status = aging_run(e);
		return status ? status : zap_run(e);
	}
	status = memslot_cost_enable(e);
	if (status)
		return status;
	dirtylog_record_stats(e, MB_PHASE_ENABLE);

	for (uint32_t it = 1; it <= last; it++) {
		status = run_iteration(e, it);
		if (status)
			return status;
		dirtylog_record_stats(e, MB_PHASE_ITERATION);
		dirtylog_progress(e, "iteration %u/%u done", it, last);
	}
	return zap_run(e);
}

static void cleanup(struct dirtylog_run *e)
{
	vcpu_threads_stop(e);
	mb_vmstats_close(&e->vmstats);
	mb_kmem_close(&e->kmem);
	mb_vm_destroy(&e->vm);
	mb_backing_free(&e->mem);
	mb_aging_close(&e->aging);
	mb_hugepages_release(&e->resv);
	if (e->main_pinned)
		sched_setaffinity(0, sizeof(e->main_affinity), &e->main_affinity);
	for (unsigned int i = 0; e->threads && i < e->spec.vcpus; i++) {
		free(e->threads[i].run_ns);
		free(e->threads[i].harvest_ns);
		free(e->threads[i].reset_ns);
		free(e->threads[i].written);
	}
	free(e->threads);
	for (unsigned int i = 0; e->bitmaps && i < e->spec.memslots; i++)
		free(e->bitmaps[i]);
	free(e->bitmaps);
	free(e->call_ns);
	pthread_cond_destroy(&e->cond);
	pthread_mutex_destroy(&e->lock);
}

enum mb_run_status mb_dirtylog_run(struct mb_spec *spec,
				   const struct mb_run_opts *opts,
				   struct mb_run_result *res)
{
	struct dirtylog_run e = {
		.spec = *spec,
		.opts = opts,
		.res = res,
		/* populate, the iterations, the disable pass, the touch pass */
		.nr_passes = spec->iterations + 3,
		.touch_pass = spec->iterations + 1 + spec->vcpus_run_during_disable,
	};
	enum mb_run_status status;

	memset(res, 0, sizeof(*res));
	res->environment = mb_hostinfo_json();
	json_object_object_add(res->environment, "hugepages_before",
			       mb_hugepages_to_json());
	pthread_mutex_init(&e.lock, NULL);
	pthread_cond_init(&e.cond, NULL);
	e.vm.kvm_fd = e.vm.vm_fd = -1;
	e.mem.memfd = -1;
	e.vmstats.fd = -1;
	mb_kmem_init(&e.kmem);
	mb_aging_init(&e.aging);

	status = prepare(&e);
	if (!status)
		status = run_phases(&e);
	if (status == MB_RUN_INTERRUPTED && !res->error.message[0])
		snprintf(res->error.message, sizeof(res->error.message), "interrupted");
	if (e.vmstats.readings)
		env_add(&e, "huge_mappings", mb_huge_mappings_json(&e.spec, &res->samples));
	cleanup(&e);
	json_object_object_add(res->environment, "hugepages_after",
			       mb_hugepages_to_json());
	*spec = e.spec;
	res->spec = mb_spec_to_json(spec);
	return status;
}
