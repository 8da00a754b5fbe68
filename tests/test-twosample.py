#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The library's two-sample statistics against independent ones, on the
fixed data sets of tests/data/twosample.json (ties, n = 1..3, identical
samples, an outlier): the Mann-Whitney U test and Welch's t test against
SciPy, n/min/max/mean/stdev against Debian's ministat, quantiles against
numpy, and the order-statistic CIs against definitions written out here."""
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_fixture import BUILD, ok, diag, done, skip_all

try:
    import numpy as np
    from scipy import stats
except ImportError:
    skip_all("Debian's python3-scipy is not installed for /usr/bin/python3 (scripts/deps.sh installs it)")

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'twosample.json')


def close(a, b, rel=1e-7):
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        return (a is None) == (b is None or math.isnan(b))
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-9)


def ministat(x, y):
    """n, min, max, avg, stddev per set from ministat's table."""
    rows = []
    with tempfile.TemporaryDirectory() as d:
        files = []
        for name, v in (('x', x), ('y', y)):
            path = os.path.join(d, name)
            with open(path, 'w') as f:
                f.write('\n'.join(repr(float(a)) for a in v) + '\n')
            files.append(path)
        out = subprocess.run(['ministat', '-n'] + files, capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 7 and parts[0] in ('x', '+', '*'):
            n, mn, mx, _med, avg, sd = parts[1:7]
            rows.append((int(n), float(mn), float(mx), float(avg), float(sd)))
    return rows


def u_null(nx, ny):
    """The exact null distribution of U by enumeration."""
    counts = {}
    for pos in itertools.combinations(range(nx + ny), nx):
        u = sum(p - i for i, p in enumerate(pos))  # y-items below each x
        counts[u] = counts.get(u, 0) + 1
    return counts, math.comb(nx + ny, nx)


def median_ci(v):
    """Order statistics (x_(k), x_(n-k+1)) with P(B <= k-1) <= 2.5%."""
    n, k = len(v), 0
    while k + 1 <= n // 2 and sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n <= 0.025:
        k += 1
    return None if k == 0 else (sorted(v)[k - 1], sorted(v)[n - k])


def shift_ci(x, y):
    d = sorted(b - a for a in x for b in y)
    m = len(d)
    if len(x) + len(y) <= 16:
        counts, total = u_null(len(x), len(y))
        k, cum = 0, 0
        while k < m:
            cum += counts.get(k, 0)
            if cum / total > 0.025:
                break
            k += 1
    else:
        k = int(m / 2 - 1.959963984540054 * math.sqrt(m * (len(x) + len(y) + 1) / 12))
    return None if k < 1 or k > m // 2 else (d[k - 1], d[m - k])


def main():
    sets = json.load(open(DATA))
    have_ministat = subprocess.run(['which', 'ministat'], capture_output=True).returncode == 0
    if not have_ministat:
        skip_all('ministat is not installed (scripts/deps.sh installs it)')
    got = json.loads(subprocess.run([os.path.join(BUILD, 'tests', 'twosample-dump'), DATA],
                                    capture_output=True, text=True, check=True).stdout)
    for s, g in zip(sets, got):
        x, y, name = s['x'], s['y'], s['name']
        for side, v in (('x', x), ('y', y)):
            r = g[side]
            ok(r['n'] == len(v) and close(r['min'], min(v)) and close(r['max'], max(v)) and
               close(r['mean'], float(np.mean(v))) and close(r['median'], float(np.median(v))) and
               close(r['p95'], float(np.percentile(v, 95))) and close(r['p99'], float(np.percentile(v, 99))) and
               close(r['stdev'], float(np.std(v, ddof=1)) if len(v) > 1 else None),
               '%s, %s: n/min/max/mean/median/p95/p99/stdev as numpy' % (name, side))
            want = median_ci(v)
            ok((want is None and 'median_ci_lo' not in r) or
               (want is not None and close(r.get('median_ci_lo'), want[0]) and close(r.get('median_ci_hi'), want[1])),
               '%s, %s: 95%% CI of the median %s' % (name, side, want))
        if len(x) >= 3 and len(y) >= 3:	# ministat's own minimum
            ms = ministat(x, y)
            ok(len(ms) == 2 and all(m[0] == g[sd]['n'] and close(m[1], g[sd]['min'], 1e-6) and
                                    close(m[2], g[sd]['max'], 1e-6) and close(m[3], g[sd]['mean'], 1e-6) and
                                    close(m[4], g[sd]['stdev'], 1e-5)
                                    for m, sd in zip(ms, ('x', 'y'))),
               '%s: n/min/max/avg/stddev as ministat' % name)
        u = stats.mannwhitneyu(x, y, alternative='two-sided', method='auto')
        ok(close(g['u'], float(u.statistic)) and close(g['u_p'], float(u.pvalue), 1e-6),
           '%s: Mann-Whitney U %s p %.4g as SciPy (U %s p %.4g, %s)' %
           (name, g['u'], g['u_p'], u.statistic, u.pvalue, 'exact' if g['u_exact'] else 'normal'))
        if len(x) + len(y) <= 16:
            counts, total = u_null(len(x), len(y))
            ok(close(g['u_min_p'], min(1.0, 2 * counts[len(x) * len(y)] / total)),
               '%s: smallest possible p %.4g' % (name, g['u_min_p']))
        if len(x) > 1 and len(y) > 1 and (np.var(x) > 0 or np.var(y) > 0):
            w = stats.ttest_ind(y, x, equal_var=False)
            vx, vy = np.var(x, ddof=1) / len(x), np.var(y, ddof=1) / len(y)
            df = (vx + vy) ** 2 / (vx ** 2 / (len(x) - 1) + vy ** 2 / (len(y) - 1))
            half = stats.t.ppf(0.975, df) * math.sqrt(vx + vy)
            diff = float(np.mean(y) - np.mean(x))
            ok(close(g['welch_t'], float(w.statistic)) and close(g['welch_p'], float(w.pvalue), 1e-6) and
               close(g['welch_df'], float(df)) and close(g['welch_diff_lo'], diff - half, 1e-6) and
               close(g['welch_diff_hi'], diff + half, 1e-6),
               "%s: Welch's t %.4g p %.4g and the CI of the difference as SciPy" % (name, g['welch_t'], g['welch_p']))
        else:
            ok(g['welch_p'] is None, "%s: Welch's t undefined (n < 2 or no variance)" % name)
        want = shift_ci(x, y)
        hl = float(np.median([b - a for a in x for b in y]))
        ok(close(g['shift'], hl) and ((want is None and 'shift_lo' not in g) or
                                      (want is not None and close(g.get('shift_lo'), want[0]) and
                                       close(g.get('shift_hi'), want[1]))),
           '%s: Hodges-Lehmann shift %s, Moses CI %s' % (name, g['shift'], want))
    done()


main()
