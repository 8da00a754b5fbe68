// SPDX-License-Identifier: MIT
#include "vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm.h"

/* Built from workloads/guest by meson (bin2c.py). */
extern const unsigned char *const mb_guest_code;
extern const size_t mb_guest_code_size;

/* System memslot layout (guest physical == guest virtual). */
#define GDT_GPA		0x1000ULL
#define TSS_GPA		0x2000ULL
#define ARGS_GPA	0x10000ULL
#define CODE_GPA	0x100000ULL	/* matches guest/guest.ld */
#define CODE_MAX	0x100000ULL
#define PML4_GPA	0x200000ULL
#define PDPT_GPA	(PML4_GPA + 0x1000)
#define PD_GPA		(PDPT_GPA + 0x1000)
#define STACK_SIZE	0x4000ULL
#define SIZE_2M		(2ULL << 20)
#define SIZE_1G		(1ULL << 30)
#define PTES_PER_TABLE	512ULL

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)

#define SEL_CODE	0x08
#define SEL_DATA	0x10
#define SEL_TSS		0x18

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static uint64_t *gpa_ptr(struct mb_vm *vm, uint64_t gpa)
{
	return (uint64_t *)((char *)vm->sys_mem + gpa);
}

/*
 * Where the system memslot's parts go.  The page directories cover
 * [0, end of the test region) a GiB each; with 4KiB test pages a page
 * table per 2MiB of the test region follows them, then the stacks.
 */
struct layout {
	uint64_t nr_pd;
	uint64_t nr_pt;
	uint64_t pt_gpa;
	uint64_t stacks_gpa;
	uint64_t size;		/* of the system memslot */
};

static int plan_layout(unsigned int nr_vcpus, uint64_t test_pages,
		       uint64_t test_page_size, struct layout *l)
{
	uint64_t end = MB_TEST_GPA_BASE + test_pages * MB_GUEST_PAGE_SIZE;

	l->nr_pd = align_up(end, SIZE_1G) / SIZE_1G;
	l->nr_pt = test_page_size == SIZE_2M ? 0 :
		   align_up(test_pages, PTES_PER_TABLE) / PTES_PER_TABLE;
	l->pt_gpa = PD_GPA + l->nr_pd * 0x1000;
	l->stacks_gpa = l->pt_gpa + l->nr_pt * 0x1000;
	l->size = align_up(l->stacks_gpa + nr_vcpus * STACK_SIZE, SIZE_2M);
	/* 4-level paging maps 512GiB per PML4 entry, and the one used here */
	return l->nr_pd > 512 || l->size > MB_TEST_GPA_BASE ? -E2BIG : 0;
}

uint64_t mb_vm_system_bytes(unsigned int nr_vcpus, uint64_t test_pages,
			    uint64_t test_page_size)
{
	struct layout l;

	return plan_layout(nr_vcpus, test_pages, test_page_size, &l) ? 0 : l.size;
}

/*
 * Identity-map [0, nr_pd GiB) with 2MiB pages (the guest CPUID may lack
 * 1GiB ones), then, with 4KiB test pages, point the test region's
 * directory entries at page tables that map exactly its pages.
 */
static void build_page_tables(struct mb_vm *vm, const struct layout *l,
			      uint64_t test_pages)
{
	uint64_t *pml4 = gpa_ptr(vm, PML4_GPA), *pdpt = gpa_ptr(vm, PDPT_GPA);
	uint64_t *pd = gpa_ptr(vm, PD_GPA), *pt = gpa_ptr(vm, l->pt_gpa);
	uint64_t first_pde = MB_TEST_GPA_BASE / SIZE_2M;

	pml4[0] = PDPT_GPA | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < l->nr_pd; i++)
		pdpt[i] = (PD_GPA + i * 0x1000) | PTE_P | PTE_RW;
	for (uint64_t j = 0; j < l->nr_pd * PTES_PER_TABLE; j++)
		pd[j] = j * SIZE_2M | PTE_P | PTE_RW | PTE_PS;
	for (uint64_t k = 0; k < l->nr_pt; k++)
		pd[first_pde + k] = (l->pt_gpa + k * 0x1000) | PTE_P | PTE_RW;
	for (uint64_t p = 0; p < (l->nr_pt ? test_pages : 0); p++)
		pt[p] = (MB_TEST_GPA_BASE + p * MB_GUEST_PAGE_SIZE) | PTE_P | PTE_RW;
}

static void build_gdt(struct mb_vm *vm)
{
	uint64_t *gdt = gpa_ptr(vm, GDT_GPA);
	uint64_t tss = TSS_GPA, limit = 0x67;

	gdt[SEL_CODE / 8] = 0x00209a0000000000ULL;	/* 64-bit code, DPL 0 */
	gdt[SEL_DATA / 8] = 0x00cf92000000ffffULL;	/* flat data */
	gdt[SEL_TSS / 8] = limit | (tss & 0xffffff) << 16 |
			   0x8bULL << 40 | (tss >> 24 & 0xff) << 56;
	gdt[SEL_TSS / 8 + 1] = tss >> 32;
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type,
		    bool code64)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code64;
	s->db = !code64;
}

static int setup_vcpu_regs(struct mb_vm *vm, unsigned int i,
			   uint64_t stack_top)
{
	struct mb_vcpu *v = &vm->vcpus[i];
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rflags = 0x2,
		.rip = CODE_GPA,
		.rsp = stack_top - 8,	/* as if reached by a call */
		.rdi = ARGS_GPA + i * sizeof(struct mb_guest_args),
	};
	int ret;

	ret = kvm_vcpu_get_sregs(v->fd, &sregs);
	if (ret)
		return ret;
	set_seg(&sregs.cs, SEL_CODE, 0xb, true);
	set_seg(&sregs.ds, SEL_DATA, 0x3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.selector = SEL_TSS;
	sregs.tr.base = TSS_GPA;
	sregs.tr.limit = 0x67;
	sregs.tr.type = 0xb;		/* busy 64-bit TSS */
	sregs.tr.present = 1;
	sregs.gdt.base = GDT_GPA;
	sregs.gdt.limit = 5 * 8 - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;		/* any exception is a triple fault */
	sregs.cr0 = 0x80050033;		/* PG WP NE ET MP PE */
	sregs.cr3 = PML4_GPA;
	sregs.cr4 = 0x20;		/* PAE */
	sregs.efer = 0x500;		/* LMA LME */
	ret = kvm_vcpu_set_sregs(v->fd, &sregs);
	if (ret)
		return ret;
	return kvm_vcpu_set_regs(v->fd, &regs);
}

/* Which step failed, and how: "KVM_CREATE_VM: Cannot allocate memory". */
static int failed(struct mb_error *err, int ret, const char *step)
{
	return mb_error_set(err, ret, NULL, "%s: %s", step, strerror(-ret));
}

static int create_vcpu(struct mb_vm *vm, unsigned int i, struct mb_error *err)
{
	struct mb_vcpu *v = &vm->vcpus[i];
	int ret;

	ret = kvm_vcpu_create(vm->vm_fd, i);
	if (ret < 0) {
		return failed(err, ret, "KVM_CREATE_VCPU");
	}
	v->fd = ret;
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return failed(err, -errno, "mmap of struct kvm_run");
	}
	if (vm->ring_entries) {
		v->ring = mmap(NULL, vm->ring_entries *
				     sizeof(struct kvm_dirty_gfn),
			       PROT_READ | PROT_WRITE, MAP_SHARED, v->fd,
			       KVM_DIRTY_LOG_PAGE_OFFSET * getpagesize());
		if (v->ring == MAP_FAILED) {
			v->ring = NULL;
			return failed(err, -errno, "mmap of the dirty ring");
		}
	}
	ret = kvm_vcpu_set_cpuid(vm->kvm_fd, v->fd);
	if (ret) {
		return failed(err, ret, "KVM_SET_CPUID2");
	}
	return 0;
}

static void destroy_vcpus(struct mb_vm *vm)
{
	for (unsigned int i = 0; vm->vcpus && i < vm->nr_vcpus; i++) {
		struct mb_vcpu *v = &vm->vcpus[i];

		if (v->ring)
			munmap(v->ring, vm->ring_entries *
					sizeof(struct kvm_dirty_gfn));
		if (v->run)
			munmap(v->run, vm->run_size);
		if (v->fd >= 0)
			close(v->fd);
	}
	free(vm->vcpus);
	vm->vcpus = NULL;
}

static int setup_system_memory(struct mb_vm *vm, const struct layout *l,
			       uint64_t test_pages, struct mb_error *err)
{
	int ret;

	if (mb_guest_code_size > CODE_MAX) {
		return failed(err, -E2BIG, "guest code size");
	}
	vm->sys_size = l->size;
	vm->sys_mem = mmap(NULL, vm->sys_size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->sys_mem == MAP_FAILED) {
		vm->sys_mem = NULL;
		return failed(err, -errno, "mmap of guest system memory");
	}
	/*
	 * 4KiB pages only, so that KVM's huge-mapping counts (pages_2m,
	 * pages_1g) are the test memory's alone.
	 */
	madvise(vm->sys_mem, vm->sys_size, MADV_NOHUGEPAGE);
	build_gdt(vm);
	build_page_tables(vm, l, test_pages);
	memcpy(gpa_ptr(vm, CODE_GPA), mb_guest_code, mb_guest_code_size);
	vm->args = (struct mb_guest_args *)gpa_ptr(vm, ARGS_GPA);
	ret = kvm_vm_set_memslot(vm->vm_fd, MB_SYSTEM_SLOT, 0, 0, vm->sys_size,
				 vm->sys_mem);
	return ret ? failed(err, ret, "KVM_SET_USER_MEMORY_REGION (system memory)") : 0;
}

static int enable_vm_caps(struct mb_vm *vm, const struct mb_vm_config *cfg,
			  struct mb_error *err)
{
	int ret;

	if (cfg->dirty_ring_entries) {
		ret = kvm_vm_enable_cap(vm->vm_fd, cfg->dirty_ring_cap,
					cfg->dirty_ring_entries *
					sizeof(struct kvm_dirty_gfn));
		if (ret) {
			return failed(err, ret, "KVM_ENABLE_CAP(KVM_CAP_DIRTY_LOG_RING)");
		}
	}
	if (cfg->manual_protect_flags) {
		ret = kvm_vm_enable_cap(vm->vm_fd,
					KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
					cfg->manual_protect_flags);
		if (ret) {
			return failed(err, ret, "KVM_ENABLE_CAP(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2)");
		}
	}
	return 0;
}

int mb_vm_create(struct mb_vm *vm, const struct mb_vm_config *cfg,
		 struct mb_error *err)
{
	uint64_t total_pages = cfg->pages_per_vcpu * cfg->nr_vcpus;
	struct layout l;
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = -1;
	vm->nr_vcpus = cfg->nr_vcpus;
	vm->nr_slots = cfg->nr_slots;
	vm->slot_pages = total_pages / cfg->nr_slots;
	vm->slot_bytes = vm->slot_pages * MB_GUEST_PAGE_SIZE;
	vm->test_hva = cfg->test_hva;
	vm->ring_entries = cfg->dirty_ring_entries;
	if (plan_layout(cfg->nr_vcpus, total_pages, cfg->test_page_size, &l)) {
		return failed(err, -E2BIG, "test region size (over 512GiB of guest memory)");
	}

	ret = kvm_open();
	if (ret < 0) {
		failed(err, ret, "open /dev/kvm");
		goto fail;
	}
	vm->kvm_fd = ret;
	ret = kvm_vcpu_mmap_size(vm->kvm_fd);
	if (ret < 0) {
		failed(err, ret, "KVM_GET_VCPU_MMAP_SIZE");
		goto fail;
	}
	vm->run_size = ret;
	ret = kvm_vm_create(vm->kvm_fd);
	if (ret < 0) {
		failed(err, ret, "KVM_CREATE_VM");
		goto fail;
	}
	vm->vm_fd = ret;
	ret = enable_vm_caps(vm, cfg, err);
	if (ret)
		goto fail;
	ret = setup_system_memory(vm, &l, total_pages, err);
	if (ret)
		goto fail;

	vm->vcpus = calloc(vm->nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus) {
		ret = -ENOMEM;
		failed(err, ret, "vCPU table");
		goto fail;
	}
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].fd = -1;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct mb_guest_args *a = &vm->args[i];

		ret = create_vcpu(vm, i, err);
		if (ret)
			goto fail;
		ret = setup_vcpu_regs(vm, i, l.stacks_gpa + (i + 1) * STACK_SIZE);
		if (ret) {
			failed(err, ret, "KVM_SET_SREGS/KVM_SET_REGS (64-bit entry)");
			goto fail;
		}
		a->first_page = i * cfg->pages_per_vcpu;
		a->pages = cfg->pages_per_vcpu;
		a->gva_base = MB_TEST_GPA_BASE +
			      a->first_page * MB_GUEST_PAGE_SIZE;
	}

	return 0;

fail:
	mb_vm_destroy(vm);
	return ret;
}

int mb_vm_add_test_slots(struct mb_vm *vm, struct mb_error *err)
{
	for (unsigned int i = 0; i < vm->nr_slots; i++) {
		int ret = kvm_vm_set_memslot(vm->vm_fd, MB_FIRST_TEST_SLOT + i, 0,
					     mb_vm_slot_gpa(vm, i), vm->slot_bytes,
					     mb_vm_slot_hva(vm, i));

		if (ret)
			return failed(err, ret, "KVM_SET_USER_MEMORY_REGION (test memory)");
	}
	return 0;
}

void mb_vm_destroy(struct mb_vm *vm)
{
	destroy_vcpus(vm);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->sys_mem)
		munmap(vm->sys_mem, vm->sys_size);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = -1;
}
