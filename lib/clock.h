/* SPDX-License-Identifier: MIT */
/* The clock every timed region and every run's timeline reads. */
#ifndef MIGBENCH_CLOCK_H
#define MIGBENCH_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t mb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#endif
