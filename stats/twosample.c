// SPDX-License-Identifier: MIT
#include "stats.h"
#include "twosample.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Beyond this many U values, the exact distribution is not tabulated. */
#define EXACT_MAX_CELLS 200000

double mb_norm_sf(double z)
{
	return 0.5 * erfc(z / sqrt(2.0));
}

/* Regularized incomplete beta I_x(a, b), continued fraction (Lentz). */
static double betacf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0), h;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1.0 / d;
	h = d;
	for (int m = 1; m <= 300; m++) {
		double m2 = 2.0 * m, aa, del;

		aa = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
		d = 1.0 + aa * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1.0 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1.0 / d;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
		d = 1.0 + aa * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1.0 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < 1e-15)
			break;
	}
	return h;
}

static double inc_beta(double a, double b, double x)
{
	double front;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
		    b * log1p(-x));
	if (x < (a + 1.0) / (a + b + 2.0))
		return front * betacf(a, b, x) / a;
	return 1.0 - front * betacf(b, a, 1.0 - x) / b;
}

double mb_student_t_sf(double t, double df)
{
	double tail = 0.5 * inc_beta(df / 2.0, 0.5, df / (df + t * t));

	return t >= 0 ? tail : 1.0 - tail;
}

double mb_student_t_quantile(double p, double df)
{
	double lo = -1e3, hi = 1e3;

	/* P(T <= q) = p; monotone, so bisection is enough */
	for (int i = 0; i < 200; i++) {
		double mid = 0.5 * (lo + hi);

		if (1.0 - mb_student_t_sf(mid, df) < p)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

/*
 * Counts of each U value under the null for sizes m, n (m + n choose m in
 * all), as doubles: the coefficients of the Gaussian binomial.  NULL when
 * too large to tabulate.
 */
static double *u_distribution(size_t m, size_t n)
{
	size_t umax = m * n, width = umax + 1;
	double *prev, *cur, *row;

	if ((m + 1) * width > EXACT_MAX_CELLS)
		return NULL;
	/* f[j][u]: ways with j of the first sample among the items so far */
	prev = calloc((m + 1) * width, sizeof(double));
	cur = calloc((m + 1) * width, sizeof(double));
	if (!prev || !cur) {
		free(prev);
		free(cur);
		return NULL;
	}
	prev[0] = 1.0;
	/*
	 * Place the pooled items in increasing order.  A first-sample item
	 * placed now is above every second-sample item already placed, so it
	 * adds that many pairs to U; a second-sample item adds none.
	 */
	for (size_t item = 1; item <= m + n; item++) {
		memset(cur, 0, (m + 1) * width * sizeof(double));
		for (size_t j = 0; j <= m && j <= item; j++) {
			size_t others = item - j;	/* second-sample items so far */

			if (others > n)
				continue;
			for (size_t u = 0; u < width; u++) {
				double v = 0;

				if (others >= 1)	/* this item from the second sample */
					v += prev[j * width + u];
				if (j >= 1 && u >= others)	/* from the first */
					v += prev[(j - 1) * width + u - others];
				cur[j * width + u] = v;
			}
		}
		row = prev;
		prev = cur;
		cur = row;
	}
	row = malloc(width * sizeof(double));
	if (row)
		memcpy(row, prev + m * width, width * sizeof(double));
	free(prev);
	free(cur);
	return row;
}

/* Midranks of x then y in the pooled sample; sum of x's ranks; ties term. */
static double rank_sum(const double *x, size_t nx, const double *y, size_t ny,
		       double *tie_term, bool *ties)
{
	size_t n = nx + ny, i = 0;
	struct item { double v; int from_x; } *all = malloc(n * sizeof(*all));
	double rx = 0;

	*tie_term = 0;
	*ties = false;
	if (!all)
		return NAN;
	for (size_t k = 0; k < nx; k++)
		all[k] = (struct item){ x[k], 1 };
	for (size_t k = 0; k < ny; k++)
		all[nx + k] = (struct item){ y[k], 0 };
	qsort(all, n, sizeof(*all), mb_cmp_double);	/* v is the first member */
	while (i < n) {
		size_t j = i;

		while (j + 1 < n && all[j + 1].v == all[i].v)
			j++;
		double rank = (double)(i + j + 2) / 2.0, t = (double)(j - i + 1);

		if (t > 1) {
			*ties = true;
			*tie_term += t * t * t - t;
		}
		for (size_t k = i; k <= j; k++)
			if (all[k].from_x)
				rx += rank;
		i = j + 1;
	}
	free(all);
	return rx;
}

int mb_mann_whitney(const double *x, size_t nx, const double *y, size_t ny,
		    struct mb_utest *out)
{
	double tie_term, rx, u1, u2, u, n = (double)(nx + ny);
	double *dist = NULL;
	bool ties;

	if (!nx || !ny)
		return -EINVAL;
	rx = rank_sum(x, nx, y, ny, &tie_term, &ties);
	if (isnan(rx))
		return -ENOMEM;
	u1 = rx - (double)nx * (double)(nx + 1) / 2.0;
	u2 = (double)nx * (double)ny - u1;
	u = u1 > u2 ? u1 : u2;
	out->u = u1;
	out->exact = false;
	out->min_p = NAN;
	dist = u_distribution(nx, ny);
	if (dist) {
		double total = 0, extreme;

		for (size_t k = 0; k <= nx * ny; k++)
			total += dist[k];
		extreme = dist[nx * ny];	/* only one arrangement is most extreme */
		out->min_p = fmin(1.0, 2.0 * extreme / total);
		if (!(nx > 8 && ny > 8) && !ties) {
			double tail = 0;

			for (size_t k = (size_t)u; k <= nx * ny; k++)
				tail += dist[k];
			out->p = fmin(1.0, 2.0 * tail / total);
			out->exact = true;
		}
	}
	free(dist);
	if (!out->exact) {
		double mu = (double)nx * (double)ny / 2.0;
		double s = sqrt((double)nx * (double)ny / 12.0 *
				((n + 1.0) - tie_term / (n * (n - 1.0))));

		out->p = s > 0 ? fmin(1.0, 2.0 * mb_norm_sf((u - mu - 0.5) / s)) : 1.0;
	}
	return 0;
}

static void mean_var(const double *v, size_t n, double *mean, double *var)
{
	double sum = 0, sq = 0;

	for (size_t i = 0; i < n; i++)
		sum += v[i];
	*mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		sq += (v[i] - *mean) * (v[i] - *mean);
	*var = n > 1 ? sq / (double)(n - 1) : NAN;
}

int mb_welch_t(const double *x, size_t nx, const double *y, size_t ny,
	       struct mb_welch *out)
{
	double mx, vx, my, vy, ax, ay, se, q;

	if (!nx || !ny)
		return -EINVAL;
	mean_var(x, nx, &mx, &vx);
	mean_var(y, ny, &my, &vy);
	out->diff = my - mx;
	out->t = out->df = out->p = out->diff_lo = out->diff_hi = NAN;
	if (nx < 2 || ny < 2)
		return 0;
	ax = vx / (double)nx;
	ay = vy / (double)ny;
	se = sqrt(ax + ay);
	if (se == 0)
		return 0;
	out->t = out->diff / se;
	out->df = (ax + ay) * (ax + ay) /
		  (ax * ax / (double)(nx - 1) + ay * ay / (double)(ny - 1));
	out->p = fmin(1.0, 2.0 * mb_student_t_sf(fabs(out->t), out->df));
	q = mb_student_t_quantile(0.975, out->df);
	out->diff_lo = out->diff - q * se;
	out->diff_hi = out->diff + q * se;
	return 0;
}

/* P(B <= k) for B ~ Binomial(n, 1/2), in logs to stay finite. */
static double binom_cdf_half(size_t k, size_t n)
{
	double sum = 0;

	for (size_t i = 0; i <= k; i++)
		sum += exp(lgamma((double)n + 1) - lgamma((double)i + 1) -
			   lgamma((double)(n - i) + 1) - (double)n * log(2.0));
	return sum;
}

bool mb_median_ci(const double *sorted, size_t n, double level, double *lo,
		  double *hi)
{
	double alpha = 1.0 - level;
	size_t k = 0;

	*lo = *hi = NAN;
	/* the largest k with P(B <= k - 1) <= alpha / 2: CI [x(k), x(n-k+1)] */
	while (k + 1 <= n / 2 && binom_cdf_half(k, n) <= alpha / 2.0)
		k++;
	if (k == 0)
		return false;
	*lo = sorted[k - 1];
	*hi = sorted[n - k];
	return true;
}

bool mb_shift_ci(const double *x, size_t nx, const double *y, size_t ny,
		 double level, double *estimate, double *lo, double *hi)
{
	size_t m = nx * ny, k = 0;
	double alpha = 1.0 - level, *d = malloc((m ? m : 1) * sizeof(double));
	double *dist;

	*estimate = *lo = *hi = NAN;
	if (!d || !m) {
		free(d);
		return false;
	}
	for (size_t i = 0; i < nx; i++)
		for (size_t j = 0; j < ny; j++)
			d[i * ny + j] = y[j] - x[i];
	mb_sort_doubles(d, m);
	*estimate = m % 2 ? d[m / 2] : 0.5 * (d[m / 2 - 1] + d[m / 2]);
	/* k: the largest count with P(U <= k - 1) <= alpha / 2 */
	dist = u_distribution(nx, ny);
	if (dist) {
		double total = 0, cum = 0;

		for (size_t u = 0; u <= m; u++)
			total += dist[u];
		for (k = 0; k < m; k++) {
			cum += dist[k];
			if (cum / total > alpha / 2.0)
				break;
		}
		free(dist);
	} else {
		double z = 1.959963984540054, nn = (double)(nx + ny);
		double c = (double)m / 2.0 - z * sqrt((double)m * (nn + 1.0) / 12.0);

		k = c > 0 ? (size_t)c : 0;
	}
	if (k == 0 || k > m / 2) {
		free(d);
		return false;
	}
	*lo = d[k - 1];
	*hi = d[m - k];
	free(d);
	return true;
}
