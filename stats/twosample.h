/* SPDX-License-Identifier: MIT */
/*
 * Two-sample statistics for comparing kernels: the Mann-Whitney U test
 * (small samples, unknown distribution), Welch's t test, distribution-free
 * confidence intervals of a median and of a shift in location.
 *
 * The U test follows SciPy's conventions so results can be checked
 * against it: exact null distribution unless both samples have more than
 * 8 values or there are ties, else the normal approximation with tie and
 * continuity corrections; two-sided p = 2 x one tail, at most 1.
 */
#ifndef MIGBENCH_TWOSAMPLE_H
#define MIGBENCH_TWOSAMPLE_H

#include <stdbool.h>
#include <stddef.h>

struct mb_utest {
	double u;		/* U of the first sample */
	double p;		/* two-sided */
	bool exact;
	double min_p;		/* smallest p these sizes can give (exact) */
};

/* x and y are not modified.  -EINVAL when either is empty. */
int mb_mann_whitney(const double *x, size_t nx, const double *y, size_t ny,
		    struct mb_utest *out);

struct mb_welch {
	double t, df, p;	/* NAN when undefined (n < 2, no variance) */
	double diff;		/* mean(y) - mean(x) */
	double diff_lo, diff_hi;	/* 95% CI of diff */
};

int mb_welch_t(const double *x, size_t nx, const double *y, size_t ny,
	       struct mb_welch *out);

/*
 * Distribution-free CI of the median from order statistics (the binomial
 * method): false when n is too small for the level (n < 6 at 95%).
 */
bool mb_median_ci(const double *sorted, size_t n, double level, double *lo,
		  double *hi);

/*
 * Hodges-Lehmann estimate of the shift y - x and Moses' CI, the interval
 * that goes with the U test; false (CI NAN) when the sizes are too small.
 */
bool mb_shift_ci(const double *x, size_t nx, const double *y, size_t ny,
		 double level, double *estimate, double *lo, double *hi);

/* Helpers, exposed for the tests. */
double mb_norm_sf(double z);
double mb_student_t_sf(double t, double df);	/* P(T > t) */
double mb_student_t_quantile(double p, double df);

#endif
