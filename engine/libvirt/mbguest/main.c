// SPDX-License-Identifier: MIT
/*
 * The migration guest: dirties a working set on every vCPU at a chosen
 * rate and reports progress on COM1, so a live migration has work to copy.
 * Command line (multiboot): wss=SIZE access=sequential|random
 * rate_mib_s=N (0 = as fast as it can) cpus=N.  Runs with paging off: the
 * working set starts at 16MiB and must fit below the end of RAM and 4GiB.
 *
 * Each vCPU also counts the pages it has written in a progress block whose
 * address the guest prints on its console ("progress at 0x..."): the host
 * reads the counts out of QEMU's memory with its own clock, which keeps
 * running while the guest is stopped (the guest's TSC does not).
 */
#include <stdint.h>

#define WSS_BASE	(16u << 20)
#define PAGE		4096u
#define CHUNK_PAGES	64u		/* pages between rate checks */
#define MAX_CPUS	64
#define TRAMPOLINE	0x8000u
#define LAPIC		0xFEE00000u
#define COM1		0x3f8

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
};

struct config {
	uint32_t wss;			/* bytes */
	uint32_t rate_mib_s;
	uint32_t cpus;
	int random;
};

extern char ap_trampoline[], ap_trampoline_end[];
extern volatile uint32_t ap_next;

/* Read by the host: the layout is part of the guest's interface. */
#define PROGRESS_MAGIC	0x4742504du	/* "MPBG" */
struct progress {
	uint32_t magic;
	uint32_t cpus;
	volatile uint64_t pages[MAX_CPUS];	/* pages written, per vCPU */
};

static struct config cfg;
static struct progress progress __attribute__((aligned(4096)));
static uint64_t tsc_per_ms;
static volatile uint32_t started;		/* CPUs running their loop */
static volatile uint32_t go;
static volatile uint64_t passes[MAX_CPUS];	/* full passes over the slice */

void mbg_main(struct mb_info *mbi);
void mbg_ap_main(uint32_t index);

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* n / d without libgcc: 64-bit by 32-bit with two divl. */
static uint64_t div64(uint64_t n, uint32_t d)
{
	uint32_t hi = (uint32_t)(n >> 32), lo = (uint32_t)n, qhi = hi / d, r = hi % d, qlo;

	__asm__("divl %4" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), "rm"(d));
	return (uint64_t)qhi << 32 | qlo;
}

static void serial_init(void)
{
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x80);
	outb(COM1 + 0, 0x01);		/* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);		/* 8N1 */
	outb(COM1 + 2, 0xc7);
}

static void putc_serial(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (uint8_t)c);
}

static void puts_serial(const char *s)
{
	for (; *s; s++)
		putc_serial(*s);
}

static void put_u64(uint64_t v)
{
	char buf[24];
	int i = 0;

	do {
		buf[i++] = (char)('0' + (char)(v - div64(v, 10) * 10));
		v = div64(v, 10);
	} while (v);
	while (i)
		putc_serial(buf[--i]);
}

static void halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void fail(const char *msg)
{
	puts_serial("mbguest: error: ");
	puts_serial(msg);
	puts_serial("\n");
	halt();
}

static int word_is(const char *s, const char *word)
{
	while (*word)
		if (*s++ != *word++)
			return 0;
	return 1;
}

/* A number with an optional K/M/G suffix; *ok = 0 when malformed. */
static uint64_t parse_size(const char **p, int *ok)
{
	uint64_t v = 0;
	int digits = 0;

	for (; **p >= '0' && **p <= '9'; (*p)++, digits++)
		v = v * 10 + (uint64_t)(**p - '0');
	if (**p == 'K' || **p == 'k')
		v <<= 10, (*p)++;
	else if (**p == 'M' || **p == 'm')
		v <<= 20, (*p)++;
	else if (**p == 'G' || **p == 'g')
		v <<= 30, (*p)++;
	*ok = digits > 0 && (**p == ' ' || **p == '\0');
	return v;
}

static void parse_cmdline(const char *s, uint32_t ram_end)
{
	cfg.wss = 0;
	cfg.cpus = 1;
	while (s && *s) {
		const char *word = s;
		uint64_t v;
		int ok = 1;

		if (word_is(s, "wss=")) {
			s += 4;
			v = parse_size(&s, &ok);
			if (!ok || v == 0 || v > 0xC0000000u)
				fail("wss: a size such as 512M, at most 3G");
			cfg.wss = (uint32_t)v;
		} else if (word_is(s, "rate_mib_s=")) {
			s += 11;
			v = parse_size(&s, &ok);
			if (!ok || v > 1000000)
				fail("rate_mib_s: a number of MiB/s, 0 for no limit");
			cfg.rate_mib_s = (uint32_t)v;
		} else if (word_is(s, "cpus=")) {
			s += 5;
			v = parse_size(&s, &ok);
			if (!ok || v < 1 || v > MAX_CPUS)
				fail("cpus: 1 to 64");
			cfg.cpus = (uint32_t)v;
		} else if (word_is(s, "access=random")) {
			s += 13;
			cfg.random = 1;
		} else if (word_is(s, "access=sequential")) {
			s += 17;
		}
		while (*s && *s != ' ')	/* skip a word we do not know */
			s++;
		while (*s == ' ')
			s++;
		(void)word;
	}
	if (!cfg.wss)	/* default: most of RAM */
		cfg.wss = (ram_end - WSS_BASE) & ~((1u << 20) - 1);
	if (ram_end <= WSS_BASE || cfg.wss > ram_end - WSS_BASE)
		fail("wss: larger than the RAM above 16MiB");
}

/*
 * TSC ticks per millisecond, against the PIT (channel 2, 50ms one-shot),
 * the median of five: nested, each PIT read is an exit to the host's
 * emulation, and one descheduled at the start or end of a window skews it.
 */
#define CALIBRATIONS	5
static void calibrate_tsc(void)
{
	uint16_t count = 59659;		/* 1193182 Hz x 50ms */
	uint64_t t[CALIBRATIONS];

	outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
	for (int i = 0; i < CALIBRATIONS; i++) {
		uint64_t t0;

		outb(0x43, 0xb0);		/* channel 2, lo/hi, mode 0 */
		outb(0x42, (uint8_t)count);
		outb(0x42, (uint8_t)(count >> 8));
		t0 = rdtsc();
		while (!(inb(0x61) & 0x20))
			;
		t[i] = rdtsc() - t0;
		for (int j = i; j > 0 && t[j] < t[j - 1]; j--) {
			uint64_t x = t[j];

			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	}
	tsc_per_ms = div64(t[CALIBRATIONS / 2], 50);
	if (!tsc_per_ms)
		fail("the TSC does not advance");
}

static void delay_ms(uint32_t ms)
{
	uint64_t end = rdtsc() + tsc_per_ms * ms;

	while (rdtsc() < end)
		__asm__ volatile("pause");
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(LAPIC + reg) = v;
}

/* INIT, then SIPI twice, to every other CPU (xAPIC, shorthand). */
static void start_aps(void)
{
	uint32_t n = (uint32_t)(ap_trampoline_end - ap_trampoline);
	uint64_t deadline;

	for (uint32_t i = 0; i < n; i++)
		((volatile char *)TRAMPOLINE)[i] = ap_trampoline[i];
	lapic_write(0xF0, 0x1FF);		/* software-enable the local APIC */
	lapic_write(0x310, 0);
	lapic_write(0x300, 0x000C4500);	/* INIT, all excluding self */
	delay_ms(10);
	for (int i = 0; i < 2; i++) {
		lapic_write(0x310, 0);
		lapic_write(0x300, 0x000C4600 | (TRAMPOLINE >> 12));
		delay_ms(1);
	}
	deadline = rdtsc() + tsc_per_ms * 2000;
	while (ap_next + 1 < cfg.cpus && rdtsc() < deadline)
		__asm__ volatile("pause");
	if (ap_next + 1 < cfg.cpus) {
		puts_serial("mbguest: error: only ");
		put_u64(ap_next + 1);
		puts_serial(" of ");
		put_u64(cfg.cpus);
		puts_serial(" CPUs started; this host cannot start the others\n");
		halt();
	}
}

static void report(uint64_t seconds);

/* Dirty this CPU's slice page by page, paced to its share of the rate. */
static void dirty_loop(uint32_t index)
{
	uint32_t slice = cfg.wss / cfg.cpus / PAGE;
	uint32_t base = WSS_BASE + index * slice * PAGE, lcg = 12345u + index;
	uint64_t start = rdtsc(), bytes = 0, ticks_per_chunk = 0, seconds = 0;

	if (cfg.rate_mib_s)	/* this CPU's share: chunk bytes / (rate / cpus) */
		ticks_per_chunk = div64(tsc_per_ms * 1000 * CHUNK_PAGES * PAGE * cfg.cpus,
					cfg.rate_mib_s << 20 >> 10) >> 10;
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	while (!go)
		__asm__ volatile("pause");
	for (;;) {
		for (uint32_t i = 0; i < slice; i++) {
			uint32_t page = i;

			if (cfg.random) {
				lcg = lcg * 1664525u + 1013904223u;
				page = lcg % slice;
			}
			*(volatile uint64_t *)(base + page * PAGE) = bytes;
			bytes += PAGE;
			progress.pages[index]++;
			if ((i + 1) % CHUNK_PAGES)
				continue;
			if (index == 0 && rdtsc() - start >= (seconds + 1) * tsc_per_ms * 1000)
				report(++seconds);
			if (ticks_per_chunk) {
				uint64_t due = start + div64(bytes, CHUNK_PAGES * PAGE) * ticks_per_chunk;

				while (rdtsc() < due)
					__asm__ volatile("pause");
			}
		}
		passes[index]++;
	}
}

void mbg_ap_main(uint32_t index)
{
	dirty_loop(index);
}

/* Progress, from CPU 0 once a second: each CPU's passes over its slice. */
static void report(uint64_t seconds)
{
	puts_serial("mbguest: t=");
	put_u64(seconds);
	puts_serial("s passes");
	for (uint32_t c = 0; c < cfg.cpus; c++) {
		putc_serial(' ');
		put_u64(passes[c]);
	}
	puts_serial("\n");
}

void mbg_main(struct mb_info *mbi)
{
	uint32_t ram_end = (1u << 20) + mbi->mem_upper * 1024u;

	serial_init();
	puts_serial("mbguest: booted\n");
	if (!(mbi->flags & 1))
		fail("the loader gave no memory size");
	parse_cmdline(mbi->flags & 4 ? (const char *)mbi->cmdline : "", ram_end);
	calibrate_tsc();
	progress.cpus = cfg.cpus;
	progress.magic = PROGRESS_MAGIC;
	if (cfg.cpus > 1)
		start_aps();
	puts_serial("mbguest: progress at 0x");
	for (int shift = 28; shift >= 0; shift -= 4)
		putc_serial("0123456789abcdef"[((uint32_t)&progress >> shift) & 0xf]);
	puts_serial("\n");
	puts_serial("mbguest: ");
	put_u64(cfg.cpus);
	puts_serial(" cpus dirtying ");
	put_u64(cfg.wss >> 20);
	puts_serial(" MiB ");
	puts_serial(cfg.random ? "randomly" : "sequentially");
	puts_serial(" at ");
	if (cfg.rate_mib_s)
		put_u64(cfg.rate_mib_s);
	else
		puts_serial("full");
	puts_serial(" MiB/s; tsc ");
	put_u64(tsc_per_ms);
	puts_serial("/ms\n");
	go = 1;
	dirty_loop(0);	/* the BSP dirties slice 0 and reports */
}
