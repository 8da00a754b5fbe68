#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Kernel A/B comparison through migbenchd: reports on a fixed data set
against golden files (text: ASCII, no tabs, at most 75 columns), the
model's tests against SciPy on the same values, selectors, mismatched
specs named, bad requests, and the client; migration runs where some
did not measure a metric, which every format names with the runs'
reasons instead of leaving it out; dirty-log runs with the zap metrics
and a spread that hides changes: the headline first (getting the dirty
log where nothing clears it), then the zap paths, then the rest, each
metric with its label, the high spread in one warning, and no
dirty_log_perf_test line for a spec it cannot run, with why; and two
vCPU sweeps, compared value by value (a table per metric, a row per
value) against golden files."""
import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_fixture import Daemon, CLIENT, SCHEMA, ok, diag, done, skip_all
from stored_runs import group, run, store_groups, sweep

try:
    from scipy import stats
    import numpy as np
except ImportError:
    skip_all("Debian's python3-scipy is not installed for /usr/bin/python3 (scripts/deps.sh installs it)")

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data')
# the goldens' data set, shared with tests/test-compare-golden.c
with open(os.path.join(DATA, 'compare-runs.json')) as f:
    RUNS = json.load(f)
SPEC = RUNS['spec']
# per run: clear_dirty_log_ns for iterations 1..3, disable_dirty_log_ns
BASE, NEW = ([(r['clear_dirty_log_ns'], r['disable_dirty_log_ns']) for r in side['runs']]
             for side in RUNS['sides'])


def env(release, eager):
    return {"kernel": {"release": release, "version": "#1 SMP PREEMPT_DYNAMIC", "machine": "x86_64"},
            "hostname": "lab1", "cmdline": "ro quiet", "boot_id": release + "-boot",
            "cpu_model": "AMD EPYC 7B13", "online_cpus": 96, "mem_total_bytes": 412316860416,
            "kvm_parameters": {"kvm": {"eager_page_split": eager, "tdp_mmu": "Y"}}}


def make_db(path):
    """The goldens' runs in a store as migbenchd 2 left it (written by hand
    on purpose: the current store cannot write an old schema), which the
    daemon brings up to date when it starts."""
    con = sqlite3.connect(path)
    for f in ('001_initial.sql', '002_run_progress.sql'):
        con.executescript(open(os.path.join(SCHEMA, f)).read())
    con.execute('PRAGMA user_version = 2')  # as migbenchd 2 left it: 003 comes at start-up
    run_id, kernel_id = 0, 0

    def add(label, tags, release, eager, data, spec=SPEC):
        nonlocal run_id, kernel_id
        kernel_id += 1
        e = env(release, eager)
        con.execute("INSERT INTO kernels VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (kernel_id, release, e['kernel']['version'], e['cmdline'], e['boot_id'] + str(kernel_id),
                     'lab1', e['cpu_model'], json.dumps(e['kvm_parameters']), '2026-11-01T00:00:00.000Z'))
        for i, (clears, disable) in enumerate(data):
            run_id += 1
            con.execute("INSERT INTO runs (id, kind, spec, resolved_spec, label, tags, group_id, group_index, "
                        "state, result, kernel_id, environment, created_at, started_at, finished_at) "
                        "VALUES (?, 'dirtylog', ?, ?, ?, ?, ?, ?, 'done', 'ok', ?, ?, ?, ?, ?)",
                        (run_id, json.dumps(spec), json.dumps(spec), label, json.dumps(tags), kernel_id, i,
                         kernel_id, json.dumps(e), '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:01.000Z',
                         '2026-11-01T00:00:02.000Z'))
            rows = [(run_id, 'clear_dirty_log_ns', it + 1, 0, v) for it, v in enumerate(clears)]
            rows += [(run_id, 'dirty_pages', it + 1, 0, 262144) for it in range(3)]
            rows.append((run_id, 'disable_dirty_log_ns', 0, 0, disable))
            con.executemany("INSERT INTO samples VALUES (?, ?, ?, ?, ?)", rows)
    for side, data in zip(RUNS['sides'], (BASE, NEW)):
        add(side['label'], side['tags'], side['release'], side['eager_page_split'], data)
    add('small-a', {}, '6.12.0-rc1', 'Y', BASE[:3])
    add('small-b', {}, '6.12.0-rc1', 'Y', NEW[:3])
    add('other', {}, '6.12.0-rc1', 'Y', BASE[:3], dict(SPEC, vcpus=4, backing='hugetlb-2m'))
    con.commit()
    con.close()


# What reports lead with, per engine (engine/*/engine_*.c): a metric, and
# the one that takes its place where no row of it exists.
# the engines' report_first lists, as migbenchd says them (GET /engines);
# the fallbacks where the runs lack the metric (engine/*/engine_*.c)
LEAD = {}
FALLBACK = {'clear_dirty_log_ns': 'get_dirty_log_ns', 'qemu_clear_dirty_log_ns': 'qemu_get_dirty_log_ns'}


def read_lead(d):
    for e in d.get('/api/v1/engines').json()['engines']:
        LEAD[e['kind']] = [(m, FALLBACK.get(m)) for m in e['report_first']]


def report_order(kind, metrics, rows):
    """metrics as a report lists them: the engine's lead in order, a
    fallback where its metric has no row, then the rest by name."""
    def rank(m):
        for i, (first, fallback) in enumerate(LEAD[kind]):
            if m == first or (m == fallback and first not in rows):
                return i
        return len(LEAD[kind])
    return sorted(metrics, key=lambda m: (rank(m), m))


MIG_SPEC = {"vcpus": 2, "memory": "1G", "backing": "hugetlb-1g", "wss": "512M", "access": "sequential",
            "rate_mib_s": 64, "destination": "local", "max_bandwidth": 0, "downtime_limit_ms": 0,
            "postcopy": False, "auto_converge": False, "dirty_ring_entries": 0,
            "cancel_after_iterations": 0, "trace": True}
TRACED = ('qemu_get_dirty_log_ns', 'qemu_clear_dirty_log_ns', 'qemu_reset_dirty_rings_ns',
          'qemu_enable_dirty_log_ns', 'qemu_disable_dirty_log_ns')
TRACE_OFF = 'trace is off in the spec'
NO_TRACEFS = "not tracing QEMU's ioctls: tracefs is not mounted and cannot be"
# per run: label, trace, total ms, downtime ms (None: no sample, no reason),
# traced calls (None: not traced), and the reason it gives for each traced metric
MIGRATIONS = [('traced', True, 9800, 41, [1800, 1750, 1820], None),
              ('traced', True, 10100, None, [1790, 1830, 1760], None),
              ('traced', True, 9950, 39, [1810, 1770, 1800], None),
              ('untraced', False, 9700, 40, None, TRACE_OFF),
              ('untraced', False, 9900, 43, None, TRACE_OFF),
              ('untraced', True, 10050, 38, None, NO_TRACEFS)]


def migration_groups():
    """The MIGRATIONS, one group each."""
    groups = []
    for label, trace, total, downtime, calls, why in MIGRATIONS:
        rows = [('migration_total_ms', 0, 0, total)]
        rows += [('migration_downtime_ms', 0, 0, downtime)] if downtime is not None else []
        rows += [('qemu_clear_dirty_log_ns', 0, i, v) for i, v in enumerate(calls or [])]
        groups.append(group('migration', label, dict(MIG_SPEC, trace=trace),
                            [run(env('6.12.0-rc1', 'Y'), rows, {m: why for m in TRACED} if why else {})]))
    return groups


# a vCPU sweep on each kernel: per vcpus, per run clear_dirty_log_ns for
# iterations 1..3 and disable_dirty_log_ns
SWEEP_RUNS = {
    'base': {1: BASE[:3], 2: [([2 * v for v in c], 2 * z) for c, z in BASE[2:]]},
    'new': {1: NEW[:3], 2: [([int(1.9 * v) for v in c], z) for c, z in NEW[2:]]},
}


def sweep_groups():
    """Two sweeps of vcpus 1 and 2, one per kernel, as migbenchd stores
    them: a plain spec and the sweep's id and values on each run."""
    groups = []
    for side, release in (('base', '6.12.0-rc1'), ('new', '6.12.0-rc1+')):
        points = [({'vcpus': v}, dict(SPEC, vcpus=v)) for v in SWEEP_RUNS[side]]
        runs = [run(env(release, 'Y'), [('clear_dirty_log_ns', it + 1, 0, v) for it, v in enumerate(clears)] +
                    [('disable_dirty_log_ns', 0, 0, disable)])
                for data in SWEEP_RUNS[side].values() for clears, disable in data]
        groups.append(sweep('dirtylog', 'sweep-' + side, points, runs))
    return groups


def test_sweep(d, sweeps):
    q = {'base': 'sweep:%d' % sweeps['base'], 'new': 'sweep:%d' % sweeps['new']}
    m = compare(d, **q).json()
    rows = {(r['metric'], r['over'], r['point']['vcpus']): r for r in m['metrics']}
    ok(sorted(rows) == sorted((metric, over, v) for metric, over in
                              (('clear_dirty_log_ns', 'runs'), ('clear_dirty_log_ns', 'iterations'),
                               ('disable_dirty_log_ns', 'runs')) for v in (1, 2)),
       'a sweep of vcpus 1 and 2 on each side: each row once per value')
    good = True
    for v in (1, 2):
        per_run = {side: [float(np.median(c)) for c, _ in SWEEP_RUNS[side][v]] for side in ('base', 'new')}
        row = rows[('clear_dirty_log_ns', 'runs', v)]
        u = stats.mannwhitneyu(per_run['base'], per_run['new'], alternative='two-sided')
        want = (np.median(per_run['new']) - np.median(per_run['base'])) / np.median(per_run['base']) * 100
        good &= math.isclose(row['u_p'], u.pvalue, rel_tol=1e-9) and math.isclose(row['delta_pct'], want)
    ok(good, 'per value: U p as SciPy and the delta of the medians, on that value\'s runs only')
    check_family(m)	# one family: every value's per-run rows
    text = compare(d, format='text', **q).body.decode('ascii', 'replace')
    ok(all(len(l) <= 75 for l in text.splitlines()) and not any(l.endswith(' ') for l in text.splitlines()),
       'the sweep\'s text report: no line over 75 columns, no trailing blanks')
    for fmt, name in (('text', 'compare-sweep.txt'), ('markdown', 'compare-sweep.md'), ('csv', 'compare-sweep.csv')):
        ok(golden(name, compare(d, format=fmt, **q).body.decode()),
           'the sweep\'s %s report matches tests/data/%s' % (fmt, name))
    per_run = [r['metric'] for r in m['metrics'] if r['over'] == 'runs' and r['point'] == {'vcpus': 2}]
    ok(per_run == report_order('dirtylog', per_run, set(per_run)) and
       all(r['label'] for r in m['metrics']), 'each value\'s rows in report order, each with its label')
    ok(m['selftest'] == {'name': 'dirty_log_perf_test', 'reason': None,
                         'command': 'dirty_log_perf_test -b 512M -s anonymous_hugetlb_1gb -i 3'},
       'the dirty_log_perf_test line without the swept key, as the spec line (%s)' % m['selftest'])
    m = compare(d, base='gps-base', new='gps-new').json()
    ok(m['sweep']['keys'] == ['guest_page_size'] and
       m['selftest'] == {'name': 'dirty_log_perf_test', 'command': None,
                         'reason': "at guest_page_size=2m: guest_page_size: the selftest's guest maps its "
                                   "memory with 4KiB pages"},
       'no dirty_log_perf_test line for a sweep with a value the selftest cannot run, and which (%s)' %
       m['selftest'])
    few = [w for w in m['warnings'] if 'U test' in w or 'U-test' in w]
    ok(len(few) == 1 and few[0].startswith('with 2 base and 2 new runs the smallest possible U-test p '
                                           'is 0.333, not below 0.013 (alpha 0.05 over 4 per-run rows'),
       'too few runs at every value: one warning (%s)' % few)
    # Runs stored before guest_page_size existed lack it, and mapped their
    # memory with 2MiB pages: whichever side holds them, the key differs.
    for base, new in (('base', 'gps-new'), ('gps-base', 'patched')):
        r = compare(d, base=base, new=new)
        p = r.json()
        ok(r.status == 400 and p.get('field') == 'vary' and
           p['detail'].startswith("the runs' specs differ in guest_page_size;"),
           'base %s, new %s: a key some runs lack is a difference (%s)' % (base, new, p.get('detail')))
    ok(compare(d, base='base', new='gps-new', vary='guest_page_size').status == 200,
       'and accepted when vary names it')


def page_size_groups():
    """Runs of each side on both guest page sizes, selected by label: a
    sweep the comparison finds within each side."""
    groups = []
    for side, release, data in (('gps-base', '6.12.0-rc1', BASE), ('gps-new', '6.12.0-rc1+', NEW)):
        for size in ('4k', '2m'):
            groups.append(group('dirtylog', side, dict(SPEC, guest_page_size=size), [
                run(env(release, 'Y'), [('clear_dirty_log_ns', it + 1, 0, v) for it, v in enumerate(clears)] +
                    [('disable_dirty_log_ns', 0, 0, disable)]) for clears, disable in data[:2]]))
    return groups


def expected_missing():
    """What the comparison must say is missing, worked out from MIGRATIONS:
    per metric and side the runs without it and their reasons, for every
    metric a run measured or named."""
    sides = {'base': [r for r in MIGRATIONS if r[0] == 'traced'],
             'new': [r for r in MIGRATIONS if r[0] == 'untraced']}
    has = {'migration_total_ms': lambda r: True, 'migration_downtime_ms': lambda r: r[3] is not None,
           'qemu_clear_dirty_log_ns': lambda r: r[4] is not None}
    named = {m: (lambda r: r[5]) for m in TRACED}
    out = []
    rows = {m for m in has if all(any(has[m](r) for r in runs) for runs in sides.values())}
    for metric in report_order('migration', set(has) | set(named), rows):
        measured = has.get(metric, lambda r: False)
        anywhere = any(measured(r) for r in MIGRATIONS)
        for side, runs in sides.items():
            without = [r for r in runs if not measured(r)]
            reasons = {}
            for r in without:
                why = named[metric](r) if metric in named else None
                reasons[why or 'no samples, no reason recorded'] = reasons.get(why or 'no samples, no reason recorded', 0) + 1
            if without and (anywhere or any(metric in named and named[metric](r) for r in runs)):
                out.append({'metric': metric, 'side': side, 'runs_without': len(without), 'runs': len(runs),
                            'reasons': reasons})
    return out


# Dirty-log runs that time the zap paths, without manual protect: per run,
# get_dirty_log_ns and dirty_memory_ns for iterations 1..3, then populate,
# disable, delete_memslot and invalidate once.  dirty_memory_ns spreads on
# both sides, populate_ns on the new one and invalidate_ns on the base.
ZAP_SPEC = dict(SPEC, manual_protect=False, initially_set=False, zap=['disable', 'invalidate', 'delete'],
                invalidate='dontneed')
ZAP_RUNS = {
    'zap-base': [([410000, 415000, 409000], [800000, 1200000, 950000], 52000000, 250000, 3100000, 900000),
                 ([412000, 418000, 411000], [700000, 1100000, 1300000], 51500000, 252000, 3150000, 1400000),
                 ([409000, 414000, 416000], [900000, 850000, 1250000], 52300000, 248000, 3080000, 1100000),
                 ([413000, 410000, 412000], [1000000, 760000, 1150000], 51800000, 251000, 3120000, 700000)],
    'zap-new': [([300000, 305000, 298000], [750000, 1250000, 990000], 40000000, 249000, 1900000, 880000),
                ([302000, 299000, 304000], [820000, 1180000, 700000], 61000000, 250500, 1950000, 910000),
                ([301000, 306000, 300000], [1300000, 900000, 860000], 52000000, 248500, 1920000, 905000),
                ([303000, 297000, 302000], [690000, 1010000, 1220000], 47000000, 251500, 1880000, 895000)]}


def zap_groups():
    """The ZAP_RUNS, one group per run."""
    groups = []
    for label, runs in ZAP_RUNS.items():
        release = '6.12.0-rc1' if label == 'zap-base' else '6.12.0-rc1+'
        for gets, dirty, populate, disable, delete, invalidate in runs:
            rows = [('get_dirty_log_ns', it + 1, 0, v) for it, v in enumerate(gets)]
            rows += [('dirty_memory_ns', it + 1, 0, v) for it, v in enumerate(dirty)]
            rows += [('dirty_pages', it + 1, 0, 262144) for it in range(3)]
            rows += [(m, 0, 0, v) for m, v in (('populate_ns', populate), ('disable_dirty_log_ns', disable),
                                               ('delete_memslot_ns', delete), ('invalidate_ns', invalidate),
                                               ('memslot_metadata_bytes', 2097152))]
            groups.append(group('dirtylog', label, ZAP_SPEC, [run(env(release, 'Y'), rows)]))
    return groups


BENCH_CONFIG = re.compile(r'^[^\sA-Z]+:(\s.*)?$')


def benchstat_file(d, rid):
    """A run's benchstat export parsed by the Go benchmark format's own
    rules (golang.org/design/14313-benchmark-format): configuration lines
    'key: value' (no space or upper case in key), result lines of an even
    number of fields, at least four, the name beginning with Benchmark and
    a capital, the iterations an integer, each value a float and its unit;
    anything else is an error here (the format would ignore it)."""
    r = d.get('/api/v1/runs/%d/samples?format=benchstat' % rid)
    config, results, bad = {}, [], []
    for line in r.body.decode().splitlines():
        f = line.split()
        if not line.strip():
            continue
        if BENCH_CONFIG.match(line):
            key, _, value = line.partition(':')
            config[key] = value.strip()
        elif (len(f) >= 4 and len(f) % 2 == 0 and re.match(r'^Benchmark[A-Z]', f[0]) and
              f[1].isdigit()):
            try:
                results.append((f[0], int(f[1]), [(float(v), u) for v, u in zip(f[2::2], f[3::2])]))
            except ValueError:
                bad.append(line)
        else:
            bad.append(line)
    return r, config, results, bad


def test_benchstat(d, m):
    """Each zap run's medians as Go benchmark lines; per label, the median
    of its runs' lines (benchstat's centre) is the comparison's median."""
    files = {side: [benchstat_file(d, r['id']) for r in
                    d.get('/api/v1/runs?label=%s&limit=100' % side).json()['runs']]
             for side in ('zap-base', 'zap-new')}
    ok(all(r.status == 200 and r.content_type.startswith('text/plain') and not bad and results
           for runs in files.values() for r, _, results, bad in runs),
       'every line of every zap run\'s benchstat export parses as the format defines it (%s)' %
       [bad for runs in files.values() for _, _, _, bad in runs if bad][:1])
    r, config, results, _ = files['zap-base'][0]
    ok(config.get('label') == 'zap-base' and config.get('kernel') == '6.12.0-rc1' and
       config.get('kind') == 'dirtylog' and config.get('migbench-run', '').isdigit(),
       'its configuration lines name the run, its label, kind and kernel (%s)' % config)
    names = {name for name, _, _ in results}
    engine = [e for e in d.get('/api/v1/engines').json()['engines'] if e['kind'] == 'dirtylog'][0]
    defaults = {k['name']: k['default'] for k in engine['keys'] if 'default' in k}
    text = lambda v: ','.join(map(str, v)) if isinstance(v, list) else str(v).lower() if isinstance(v, bool) else str(v)
    want = 'BenchmarkGetDirtyLog' + ''.join('/%s=%s' % (k, text(v)) for k, v in ZAP_SPEC.items()
                                          if k not in defaults or defaults[k] != v)
    ok(want in names, 'a benchmark per metric, named by the spec keys that differ from the defaults '
       '(%s in %s)' % (want, sorted(names)[:2]))
    good = True
    for row in (r for r in m['metrics'] if r['over'] == 'runs'):
        name = 'Benchmark' + ''.join(w.capitalize() for w in
                                     re.sub(r'_(ns|ms|bytes)$', '', row['metric']).split('_'))
        for side, label in (('base', 'zap-base'), ('new', 'zap-new')):
            values = [v for _, _, results, _ in files[label] for n, _, vs in results
                      if n.split('/')[0] == name for v, _ in vs]
            good &= len(values) == row[side]['n'] and math.isclose(
                float(np.median(values)), row[side]['median'], rel_tol=1e-12)
    ok(good, 'per label and metric the median of the runs\' lines is the comparison\'s median, '
       'over the same number of runs')
    units = {n.split('/')[0]: vs[0][1] for _, _, results, _ in files['zap-base'] for n, _, vs in results}
    ok(units.get('BenchmarkGetDirtyLog') == 'ns/op' and units.get('BenchmarkMemslotMetadata') == 'B/op' and
       units.get('BenchmarkDirtyPages') == 'pages/op', 'times in ns/op, sizes in B/op, counts by what '
       'they count (%s)' % units)
    r = d.get('/api/v1/runs/%s/samples?format=xml' % files['zap-base'][0][1]['migbench-run'])
    ok(r.status == 400 and r.json()['detail'] == 'format: must be json, csv or benchstat',
       'another format is refused, naming the three')


def test_zap(d):
    m = compare(d, base='zap-base', new='zap-new', metrics='all').json()
    per_run = [r['metric'] for r in m['metrics'] if r['over'] == 'runs']
    ok(per_run == report_order('dirtylog', per_run, set(per_run)) and per_run[:4] ==
       ['get_dirty_log_ns', 'disable_dirty_log_ns', 'delete_memslot_ns', 'invalidate_ns'],
       'headline first (get dirty log where nothing clears it), disable, the zap paths, the rest '
       'by name (%s)' % ', '.join(per_run))
    order = [(r['metric'], r['over']) for r in m['metrics']]
    ok(order == sorted(order, key=lambda mo: (per_run.index(mo[0]), mo[1] != 'runs')),
       'a metric over all iterations right after it over the runs')
    ok(all(r['label'] for r in m['metrics']) and
       {r['metric']: r['label'] for r in m['metrics']}['delete_memslot_ns'] == 'delete memslot (zap all SPTEs)',
       'every row has its label')
    spread = [w for w in m['warnings'] if 'coefficient of variation' in w]
    noisy = {(r['metric'], r['over'], side) for r in m['metrics'] for side in ('base', 'new')
             if r[side]['cv'] is not None and r[side]['cv'] > 0.10}
    ok(len(spread) == 1 and len(noisy) >= 4 and
       all(metric in spread[0] for metric, _, _ in noisy),
       'the %d rows and sides with a spread over 10%% in one warning' % len(noisy))
    ok(m['selftest'] == {'name': 'dirty_log_perf_test', 'command': None,
                         'reason': 'zap: the selftest has no invalidate step'},
       'no dirty_log_perf_test line for a zap with an invalidation, and why (%s)' % m['selftest'])
    text = compare(d, base='zap-base', new='zap-new', format='text').body.decode('ascii', 'replace')
    ok(all(len(l) <= 75 for l in text.splitlines()) and not any(l.endswith(' ') for l in text.splitlines()),
       'its text report: no line over 75 columns, no trailing blanks')
    ok(golden('compare-zap.txt', text), 'text report of the zap paths matches tests/data/compare-zap.txt')
    test_benchstat(d, m)
    ok(golden('compare-zap.md', compare(d, base='zap-base', new='zap-new', format='markdown').body.decode()),
       'markdown report of the zap paths matches tests/data/compare-zap.md')


def compare(d, **q):
    return d.get('/api/v1/compare?' + urllib.parse.urlencode(q))


def golden(name, text):
    path = os.path.join(DATA, name)
    if os.environ.get('MIGBENCH_UPDATE_GOLDEN'):
        open(path, 'w').write(text)
    want = open(path).read()
    if text != want:
        diag('differs from %s:' % name, text)
    return text == want


def test_missing(d):
    # every row: the fold of what was not measured, over all it covers
    m = compare(d, base='traced', new='untraced', vary='trace', metrics='all').json()
    ok(m['selftest'] is None, 'migration runs: no kernel selftest line')
    got = [dict({k: v for k, v in e.items() if k != 'label'}, reasons={r['reason']: r['runs'] for r in e['reasons']})
           for e in m['missing']]
    ok(got == expected_missing(), 'each metric runs of a side lack, with their reasons counted, in report order')
    ok(all(e['label'] for e in m['missing']), 'each with its label')
    if got != expected_missing():
        diag(json.dumps(got), json.dumps(expected_missing()))
    rows = {(r['metric'], r['over']): r for r in m['metrics']}
    ok(not any(metric in TRACED for metric, _ in rows) and rows[('migration_downtime_ms', 'runs')]['base']['n'] == 2,
       'no row for a metric one side never measured; a partly missing one over the runs that have it')
    text = compare(d, base='traced', new='untraced', vary='trace', metrics='all',
                   format='text').body.decode('ascii', 'replace')
    ok(all(len(l) <= 75 for l in text.splitlines()) and not any(l.endswith(' ') for l in text.splitlines()),
       'its text report: no line over 75 columns, no trailing blanks')
    ok(golden('compare-missing.txt', text), 'text report with what was not measured matches '
       'tests/data/compare-missing.txt')
    ok(golden('compare-missing.md', compare(d, base='traced', new='untraced', vary='trace',
                                            metrics='all', format='markdown').body.decode()),
       'markdown report with what was not measured matches tests/data/compare-missing.md')


def test_exit_status(d, text):
    """migbench compare's exit status, for scripts and git bisect run."""
    def run(*args):
        return subprocess.run([CLIENT, '--socket', d.sock, 'compare'] + list(args), capture_output=True, text=True)
    out = run('--base', 'base', '--new', 'patched')
    ok(out.returncode == 0 and out.stdout == text and out.stderr == '',
       'the headline improved: exit 0 (%d %s)' % (out.returncode, out.stderr.strip()))
    out = run('--base', 'patched', '--new', 'base')
    ok(out.returncode == 1 and out.stdout.startswith('migbench: KVM dirty-log comparison') and
       out.stderr.startswith('migbench: clear_dirty_log_ns regressed (+'),
       'the same runs the other way round: the report, then exit 1 naming the metric (%d %s)' %
       (out.returncode, out.stderr.strip()))
    out = run('--base', 'patched', '--new', 'base', '--fail-on', 'disable_dirty_log_ns,dirty_pages',
              '--all')
    ok(out.returncode == 0, '--fail-on metrics that did not change: exit 0 (%d %s)' %
       (out.returncode, out.stderr.strip()))
    out = run('--base', 'patched', '--new', 'base', '--fail-on', 'dirty_pages')
    ok(out.returncode == 2 and out.stderr.strip() == 'migbench: --fail-on dirty_pages: the report '
       'leaves it out; add --metric dirty_pages, or --all',
       '--fail-on a metric the report leaves out: exit 2, saying how to show it (%s)' % out.stderr.strip())
    out = run('--base', 'base', '--new', 'patched', '--metric', 'dirty_pages', '--metric=disable_dirty_log_ns',
              '--fail-on', 'disable_dirty_log_ns')
    want = compare(d, base='base', new='patched', metrics='dirty_pages,disable_dirty_log_ns',
                   format='text').body.decode()
    ok(out.returncode == 0 and out.stdout == want and 'clear_dirty_log_ns  ' not in out.stdout,
       '--metric twice: the report of those rows alone, as metrics= gives it')
    out = run('--base', 'patched', '--new', 'base', '--metric', 'disable_dirty_log_ns')
    ok(out.returncode == 2 and out.stderr.strip() == 'migbench: headline metric clear_dirty_log_ns: '
       'the report leaves it out; add --metric clear_dirty_log_ns, or --all',
       'rows picked without the headline, which regressed: exit 2, not 0 (%s)' % out.stderr.strip())
    out = run('--base', 'patched', '--new', 'base', '--metric', 'disable_dirty_log_ns',
              '--fail-on', 'disable_dirty_log_ns')
    ok(out.returncode == 0, 'and with --fail-on the rows picked: exit 0 (%d %s)'
       % (out.returncode, out.stderr.strip()))
    out = run('--base', 'base', '--new', 'patched', '--all')
    ok(out.returncode == 0 and out.stdout == compare(d, base='base', new='patched', metrics='all',
                                                     format='text').body.decode(),
       '--all: every row, as metrics=all')
    out = run('--base', 'base', '--new', 'patched', '--all', '--metric', 'dirty_pages')
    ok(out.returncode == 2 and 'one or the other' in out.stderr, '--all with --metric: exit 2 (%s)'
       % out.stderr.strip())
    out = run('--base', 'base', '--new', 'patched', '--metric', 'nosuch_ns')
    ok(out.returncode == 2 and 'nosuch_ns is not a metric migbench compares' in out.stderr,
       '--metric naming no metric: exit 2, the daemon\'s reason (%s)' % out.stderr.strip())
    out = run('--base', 'patched', '--new', 'base', '--format', 'csv', '--fail-on=clear_dirty_log_ns')
    ok(out.returncode == 1 and out.stdout.startswith('metric,over'), 'in any format (%d)' % out.returncode)
    out = run('--base', 'patched', '--new', 'base', '--fail-on', 'dirty_pages', '--fail-on', 'clear_dirty_log_ns',
              '--all')
    ok(out.returncode == 1 and 'clear_dirty_log_ns regressed' in out.stderr,
       '--fail-on given twice: both lists count (%d %s)' % (out.returncode, out.stderr.strip()))
    out = run('--base', 'patched', '--new', 'base', '--fail-on', 'kvm_stat.pages_4k')
    ok(out.returncode == 2 and 'kvm_stat.pages_4k is not a metric migbench compares' in out.stderr and
       out.stdout == '', '--fail-on a name that is no compared metric: exit 2, nothing printed (%s)' %
       out.stderr.strip())
    out = run('--base', 'nothing', '--new', 'base')
    ok(out.returncode == 4 and 'no done runs match "nothing"' in out.stderr,
       'a side with no done run: exit 4 (%d %s)' % (out.returncode, out.stderr.strip()))
    out = run('--base', 'base', '--new', 'base')
    ok(out.returncode == 2 and 'shares run 1 with base' in out.stderr,
       'sides that share a run: exit 2 (%d %s)' % (out.returncode, out.stderr.strip()))


def check_selection(d):
    """The rows shown: by default the engine's report_first ones (here
    dirty_pages is left out, and said), metrics=all, or a list; Holm's
    family is the rows shown."""
    m = compare(d, base='base', new='patched').json()
    got = [(r['metric'], r['over']) for r in m['metrics']]
    ok(got == [('clear_dirty_log_ns', 'runs'), ('clear_dirty_log_ns', 'iterations'),
               ('disable_dirty_log_ns', 'runs')] and m['metrics_shown'] == 'default' and
       m['left_out'] == ['dirty_pages'] and m['family'] == 2,
       'by default the report_first rows: clear and disable, dirty_pages left out and named, '
       'a family of 2 (%s)' % got)
    text = compare(d, base='base', new='patched', format='text').body.decode()
    ok('Left out: dirty_pages (--all, or metrics=all, shows them)' in text and
       '\ndirty_pages' not in text, 'the text report says what it left out')
    one = compare(d, base='base', new='patched', metrics='dirty_pages').json()
    ok([(r['metric'], r['over']) for r in one['metrics']] == [('dirty_pages', 'runs'),
                                                             ('dirty_pages', 'iterations')] and
       one['family'] == 1 and one['metrics_shown'] == 'dirty_pages' and
       one['missing'] == [] and set(one['left_out']) == {'clear_dirty_log_ns', 'disable_dirty_log_ns'},
       'metrics=dirty_pages: its rows alone, a family of 1')
    two = compare(d, base='base', new='patched', metrics='disable_dirty_log_ns,clear_dirty_log_ns').json()
    ok([r['metric'] for r in two['metrics'] if r['over'] == 'runs'] ==
       ['clear_dirty_log_ns', 'disable_dirty_log_ns'], 'a list is shown in report order')
    for bad, why in (('nosuch_ns', 'metrics: nosuch_ns is not a metric migbench compares'),
                     ('clear_dirty_log_ns,', 'metrics: "all" or a comma-separated list of metric names'),
                     (',clear_dirty_log_ns', 'metrics: "all" or a comma-separated list of metric names'),
                     ('kvm_stat.pages_4k', 'metrics: kvm_stat.pages_4k is not a metric migbench compares'),
                     ('clear_dirty_log_ns\n', 'metrics: "all" or a comma-separated list of metric names'),
                     (','.join(['clear_dirty_log_ns'] * 65), 'metrics: at most 64 names'),
                     ('x' * 1900, 'metrics: "all" or a comma-separated list of metric names')):
        r = compare(d, base='base', new='patched', metrics=bad)
        ok(r.status == 400 and r.json().get('field') == 'metrics' and r.json().get('detail') == why,
           'metrics=%r: 400, %s' % (bad[:40], r.json().get('detail')))


def check_family(m):
    """Holm's adjustment and the detectable change of every per-run row,
    computed here from the rows' own p values and spread (SciPy's t)."""
    tested = [r for r in m['metrics'] if r['over'] == 'runs']
    k = len(tested)
    order = sorted(range(k), key=lambda i: tested[i]['u_p'])
    want, running = [None] * k, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (k - rank) * tested[i]['u_p']))
        want[i] = running
    level = m['alpha'] / k
    good = m['family'] == k
    for r, adj in zip(tested, want):
        b, n = r['base'], r['new']
        seen = None
        if b['n'] >= 2 and n['n'] >= 2 and b['median']:
            se = math.sqrt(b['stdev'] ** 2 / b['n'] + n['stdev'] ** 2 / n['n'])
            seen = 0 if se == 0 else ((stats.t.ppf(1 - level / 2, r['welch_df']) +
                                       stats.t.ppf(0.8, r['welch_df'])) * se / abs(b['median']) * 100)
        if adj < m['alpha']:
            verdict = 'changed' if r['better'] != 'lower' else \
                'improved' if n['median'] < b['median'] else 'regressed'
        elif r['u_min_p'] >= level or seen is None or seen > 5:
            verdict = 'could not tell'
        else:
            verdict = '~'
        same = math.isclose(r['p_adjusted'], adj, rel_tol=1e-12) and r['verdict'] == verdict and \
            ((seen is None and r['detectable_pct'] is None) or
             (seen is not None and math.isclose(r['detectable_pct'], seen, rel_tol=1e-6, abs_tol=1e-9)))
        if not same:
            diag(r['metric'], r['p_adjusted'], adj, r['detectable_pct'], seen, r['verdict'], verdict)
        good &= same
    ok(good, '%d per-run rows: p_adjusted is Holm\'s over the rows\' U p, detectable_pct Welch\'s t '
       'at alpha/%d with 80%% power (SciPy), the verdict from both' % (k, k))


def main():
    tmp = tempfile.mkdtemp(prefix='migbench-compare-')
    make_db(os.path.join(tmp, 'migbench.db'))
    d = Daemon(data_dir=tmp)
    try:
        read_lead(d)
        r = compare(d, base='base', new='patched', format='text')
        text = r.body.decode('ascii', errors='replace')
        ok(r.status == 200 and r.content_type.startswith('text/plain'), 'format=text is plain text')
        ok(all(len(l) <= 75 for l in text.splitlines()) and '\t' not in text and
           all(32 <= ord(c) < 127 or c == '\n' for c in text) and not any(l.endswith(' ') for l in text.splitlines()),
           'text report: ASCII, no tabs, no line over 75 columns, no trailing blanks')
        ok(golden('compare-report.txt', text), 'text report matches tests/data/compare-report.txt')
        for fmt, name in (('markdown', 'compare-report.md'), ('csv', 'compare-report.csv')):
            ok(golden(name, compare(d, base='base', new='patched', format=fmt).body.decode()),
               '%s report matches tests/data/%s' % (fmt, name))

        check_selection(d)
        m = compare(d, base='base', new='patched', metrics='all').json()
        rows = {(row['metric'], row['over']): row for row in m['metrics']}
        ok(set(rows) == {('clear_dirty_log_ns', 'runs'), ('clear_dirty_log_ns', 'iterations'),
                         ('dirty_pages', 'runs'), ('dirty_pages', 'iterations'),
                         ('disable_dirty_log_ns', 'runs')} and m['left_out'] == [],
           'metrics=all: per-iteration metrics compared over runs and over iterations, the rest '
           'over runs')
        base_runs = [float(np.median(c)) for c, _ in BASE]
        new_runs = [float(np.median(c)) for c, _ in NEW]
        row = rows[('clear_dirty_log_ns', 'runs')]
        u = stats.mannwhitneyu(base_runs, new_runs, alternative='two-sided')
        w = stats.ttest_ind(new_runs, base_runs, equal_var=False)
        ok(math.isclose(row['u_p'], u.pvalue, rel_tol=1e-9) and math.isclose(row['welch_p'], w.pvalue, rel_tol=1e-6),
           'clear_dirty_log_ns over runs: U p %.4f and Welch p %.3g as SciPy on the per-run medians' %
           (row['u_p'], row['welch_p']))
        want_delta = (np.median(new_runs) - np.median(base_runs)) / np.median(base_runs) * 100
        ok(row['verdict'] == 'improved' and math.isclose(row['delta_pct'], want_delta, rel_tol=1e-9) and
           row['delta_pct_ci'][0] < row['delta_pct'] < row['delta_pct_ci'][1] < 0,
           'clear_dirty_log_ns improved by %.1f%%, 95%% CI %s' % (row['delta_pct'], row['delta_pct_ci']))
        it = rows[('clear_dirty_log_ns', 'iterations')]
        pooled = [v for c, _ in BASE for v in c]
        ok(it['base']['n'] == 15 and math.isclose(it['base']['median'], float(np.median(pooled))) and
           all(it[k] is None for k in ('u_p', 'u_min_p', 'welch_p', 'p_adjusted', 'detectable_pct',
                                       'verdict', 'delta_pct_ci')) and it['base']['median_ci'] is None,
           'over all 15 iterations: described (median %s), no p, CI or verdict: a run\'s '
           'iterations are not independent' % it['base']['median'])
        check_family(m)
        ok(rows[('disable_dirty_log_ns', 'runs')]['verdict'] == '~' and
           rows[('dirty_pages', 'runs')]['verdict'] == '~', 'unchanged metrics are ~')
        ok(any('KVM module parameters differ between runs: kvm.eager_page_split' in w for w in m['warnings']),
           'warns that a KVM module parameter differs')
        ok(not any('KVM module parameters' in w for w in
                   compare(d, base='base', new='patched', vary='kvm.eager_page_split').json()['warnings']),
           'unless it is the parameter being varied')

        small = compare(d, base='small-a', new='small-b').json()
        ok(any(w.startswith('with 3 base and 3 new runs the smallest possible U-test p is 0.100, '
                            'not below ') for w in small['warnings']) and
           all(r['verdict'] == 'could not tell' for r in small['metrics'] if r['over'] == 'runs'),
           'n = 3 per side: warned that significance is out of reach; every row "could not tell"')
        check_family(small)

        by_ids = compare(d, base='runs:1,2,3,4,5', new='kernel:6.12.0-rc1+', metrics='all').json()
        ok(by_ids['metrics'] == m['metrics'] and by_ids['base']['runs'] == [1, 2, 3, 4, 5] and
           by_ids['new']['runs'] == [6, 7, 8, 9, 10], 'runs:1,..,5 and kernel:RELEASE select the same runs')
        by_tag = compare(d, base='label:base', new='tag:series=folio-dirty-v3').json()
        ok(by_tag['new']['runs'] == [6, 7, 8, 9, 10], 'tag:KEY=VALUE selects by tag')

        bad = compare(d, base='base', new='other')
        p = bad.json()
        ok(bad.status == 400 and p.get('field') == 'vary' and
           p['detail'] == "the runs' specs differ in vcpus, backing; compare like with like, or name "
                          "the key being varied (vary=vcpus,backing)",
           'different specs are refused, naming the keys')
        ok(compare(d, base='base', new='other', vary='vcpus,backing').status == 200,
           'and accepted when those keys are named in vary')
        for q, status, field, detail in (
                ({'new': 'patched'}, 400, 'base', 'base: name the base runs: a label, label:L, kernel:RELEASE, '
                                                  'tag:KEY=VALUE or runs:1,2,3'),
                ({'base': 'nothing', 'new': 'patched'}, 404, 'base', 'base: no done runs match "nothing"'),
                ({'base': 'base', 'new': 'runs:1,99'}, 404, 'new', 'new: run 99 does not exist'),
                ({'base': 'base', 'new': 'runs:x'}, 400, 'new', 'new: runs: wants a list of run ids such as runs:1,2,3'),
                ({'base': 'base', 'new': 'tag:oops'}, 400, 'new', 'new: tag: wants tag:KEY=VALUE'),
                ({'base': 'base', 'new': 'patched', 'alpha': '2'}, 400, 'alpha',
                 'alpha: must be a number above 0 and at most 0.5'),
                ({'base': 'base', 'new': 'patched', 'format': 'pdf'}, 400, 'format',
                 'format: must be json, text, markdown or csv'),
                ({'base': 'base', 'new': 'base'}, 400, 'new', 'new: "base" shares run 1 with base "base": '
                 'a comparison needs two groups of runs with none in common'),
                ({'base': 'runs:1,2,3', 'new': 'label:base'}, 400, 'new', 'new: "label:base" shares run 1 with '
                 'base "runs:1,2,3": a comparison needs two groups of runs with none in common')):
            r = compare(d, **q)
            p = r.json()
            ok(r.status == status and p.get('field') == field and p.get('detail') == detail,
               'bad comparison request: %d %s' % (status, detail))
            if p.get('detail') != detail:
                diag(p.get('detail'))
        out = subprocess.run([CLIENT, '--socket', d.sock, 'compare', '--base', 'base', '--new', 'patched'],
                             capture_output=True, text=True)
        ok(out.returncode == 0 and out.stdout == text, 'migbench compare prints the text report')
        out = subprocess.run([CLIENT, '--socket', d.sock, 'compare', '--format', 'csv', '--base', 'base',
                              '--new', 'patched'], capture_output=True, text=True)
        ok(out.returncode == 0 and out.stdout.startswith('metric,over,label,base_n'), 'migbench compare --format csv')
        test_exit_status(d, text)
        ok(m['missing'] == [], 'runs that measured every metric: nothing listed as missing')
        ok(m['selftest'] == {'name': 'dirty_log_perf_test',
                             'command': 'dirty_log_perf_test -v 2 -b 512M -s anonymous_hugetlb_1gb -i 3',
                             'reason': None},
           'the dirty_log_perf_test line for the spec: 2 vCPUs of 512M on 1GiB pages, 3 iterations '
           '(%s)' % m['selftest'])
        # the other data sets, through the store's own calls while no
        # daemon has it open (it would start the queued runs)
        d.cleanup()
        out = store_groups(d.db_path, migration_groups() + zap_groups() + sweep_groups() +
                           page_size_groups())
        sweeps = {'base': out[-6]['sweep_id'], 'new': out[-5]['sweep_id']}
        ok(all(o['ids'] for o in out) and None not in sweeps.values(),
           'the migration, zap, sweep and page size runs stored through the store (%d groups)' % len(out))
        d = Daemon(data_dir=tmp)
        test_missing(d)
        test_zap(d)
        test_sweep(d, sweeps)
    finally:
        d.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)	# the fixture keeps a data dir it was given
    done()


main()
