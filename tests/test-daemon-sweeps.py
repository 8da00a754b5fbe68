#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Sweeps through the real migbenchd, with real dirty-log runs on /dev/kvm:
a request with "vcpus": [1, 2] (and the client's --vcpus 1,2) makes one
group per value, interleaved with each other and with the other sweep's;
each run stores a plain spec and its sweep and value, and ran with that
many vCPUs (its dirty pages say so); the comparison of two sweeps has a
row per value (JSON, text, markdown, CSV, the client), its medians those
of the runs' own samples; bad sweeps are answered 400 naming the field and
the value's index, and the limits count every run and every value."""
import csv as csvmod
import io
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_fixture import CLIENT, Daemon, diag, done, long_run, ok, require_kvm, run_tests  # noqa: E402

SWEEP = {'vcpus': [1, 2], 'mem_per_vcpu': '64M', 'iterations': 1, 'repeat': 2}
PAGES_PER_VCPU = 64 * 1024 * 1024 // 4096
# a run over 256M of guest memory is refused; 40 runs may wait
LIMITS = {'guest_memory_per_run': '256M', 'queued_runs': 40}


def compare(d, **q):
    return d.get('/api/v1/compare?' + urllib.parse.urlencode(q))


def fmt_value(unit, v):
    """A figure in the unit the API gives its row, as the text report writes it (lib/units.c)."""
    if v is None:
        return '-'
    per = ''
    if unit in ('bytes', 'bytes/GiB'):
        units = ((1 << 30, 'GiB'), (1 << 20, 'MiB'), (1 << 10, 'KiB'), (1, 'B'))
        per = '/GiB' if unit == 'bytes/GiB' else ''
    elif unit in ('ns', 'ms'):
        units = ((1e9, 's'), (1e6, 'ms'), (1e3, 'us'), (1, 'ns'))
        v = v * 1e6 if unit == 'ms' else v
    elif unit in ('MiB/s', 'KiB/s'):
        units = ((1024, 'GiB/s'), (1, 'MiB/s'), (1 / 1024, 'KiB/s'))
        v = v / 1024 if unit == 'KiB/s' else v
    else:
        return '%.0f' % v
    for scale, name in units:
        if abs(v) >= scale or scale == units[-1][0]:
            x = v / scale
            return ('%.0f' if abs(x) >= 100 else '%.1f' if abs(x) >= 10 else '%.2f') % x + name + per


def fmt_p(p):
    return '-' if p is None else '<0.001' if p < 0.001 else '%.3f' % p


def cli(d, *args):
    return subprocess.run([CLIENT, '--socket', d.sock] + list(args), capture_output=True,
                          text=True, timeout=60)


def submit_both(d):
    """The base sweep through the API and the new one through the client,
    both queued behind a run that holds the queue; the runs of each by value."""
    blocker = d.submit(**long_run(label='sweep-blocker'))['id']
    d.wait_state(blocker, ('running',))
    base = d.submit(label='sweep-base', **SWEEP)
    p = cli(d, 'run', '--vcpus', '1,2', '--mem-per-vcpu', '64M', '--iterations', '1',
            '--repeat', '2', '--label', 'sweep-new')
    lines = p.stdout.splitlines()
    ok(p.returncode == 0 and len(lines) == 4 and
       [l.split(' (')[1] for l in lines] == ['vcpus=1)', 'vcpus=1)', 'vcpus=2)', 'vcpus=2)'],
       'migbench run --vcpus 1,2 --repeat 2 queues 4 runs, each named with its value: %s' % lines)
    new_ids = [int(l.split()[2]) for l in lines]
    d.post('/api/v1/runs/%d/cancel' % blocker)
    groups = base['sweep_groups']
    ok([g['point'] for g in groups] == [{'vcpus': 1}, {'vcpus': 2}] and
       [len(g['run_ids']) for g in groups] == [2, 2] and
       base['run_ids'] == groups[0]['run_ids'] + groups[1]['run_ids'],
       'POST /runs with "vcpus": [1, 2] and repeat 2: a group of 2 runs per value')
    return ({1: groups[0]['run_ids'], 2: groups[1]['run_ids']},
            {1: new_ids[:2], 2: new_ids[2:]})


def check_groups(d, base, new):
    runs = {i: d.wait_state(i, ('done', 'failed', 'cancelled'), timeout=300)
            for side in (base, new) for ids in side.values() for i in ids}
    ok(all(r['state'] == 'done' for r in runs.values()),
       'all 8 runs done (%s)' % ', '.join('%d %s %s' % (i, r['state'], r['error'] or '')
                                          for i, r in runs.items()))
    for name, side in (('base', base), ('new', new)):
        sweep_ids = {runs[i]['sweep']['id'] for ids in side.values() for i in ids}
        ok(len(sweep_ids) == 1 and
           all(runs[i]['sweep'] == {'id': min(sweep_ids), 'keys': ['vcpus'], 'point': {'vcpus': v}}
               for v, ids in side.items() for i in ids),
           '%s: every run names its sweep, the swept key and its value' % name)
        group_ids = [{runs[i]['group']['id'] for i in ids} for ids in side.values()]
        ok(all(len(g) == 1 for g in group_ids) and group_ids[0] != group_ids[1] and
           all(sorted(runs[i]['group']['index'] for i in ids) == [0, 1] for ids in side.values()),
           '%s: one group per value, its runs numbered 0 and 1' % name)
        listed = d.get('/api/v1/runs?sweep=%d' % min(sweep_ids)).json()['runs']
        ok(sorted(r['id'] for r in listed) == sorted(i for ids in side.values() for i in ids),
           '%s: GET /runs?sweep=%d lists the sweep\'s runs' % (name, min(sweep_ids)))
    ok(runs[base[1][0]]['sweep']['id'] != runs[new[1][0]]['sweep']['id'], 'two requests, two sweeps')
    order = [(runs[i]['label'], runs[i]['sweep']['point']['vcpus'])
             for i in sorted(runs, key=lambda i: runs[i]['started_at'])]
    want = [('sweep-base', 1), ('sweep-base', 2), ('sweep-new', 1), ('sweep-new', 2)] * 2
    ok(order == want, 'the groups ran interleaved, value by value and sweep by sweep: %s' %
       ' '.join('%s/%d' % (l[6:], v) for l, v in order))
    return runs


def check_specs(d, runs):
    con = sqlite3.connect('file:%s?mode=ro' % d.db_path, uri=True, timeout=30)
    rows = {i: (json.loads(spec), sweep, json.loads(point)) for i, spec, sweep, point in
            con.execute('SELECT id, spec, sweep_id, sweep_point FROM runs WHERE sweep_id IS NOT NULL')}
    con.close()
    ok(sorted(rows) == sorted(runs), 'the store links exactly the 8 sweep runs to their sweeps')
    # zap's own value is a list of steps: one value, not a sweep
    plain = all(not isinstance(v, (list, dict)) or (k == 'zap' and all(isinstance(x, str) for x in v))
                for spec, _, _ in rows.values() for k, v in spec.items())
    ok(plain and all(spec['vcpus'] == point['vcpus'] == runs[i]['sweep']['point']['vcpus'] and
                     spec['mem_per_vcpu'] == '64M' and spec['iterations'] == 1
                     for i, (spec, _, point) in rows.items()),
       'each stored spec is plain: one value per key, vcpus its own value')
    first = rows[min(rows)][0]
    ok(all({k: v for k, v in spec.items() if k != 'vcpus'} == {k: v for k, v in first.items() if k != 'vcpus'}
           for spec, _, _ in rows.values()), 'and the specs differ in vcpus only')
    ran = {}
    for i, r in runs.items():
        samples = d.get('/api/v1/runs/%d/samples' % i).json()['samples']
        ran[i] = [s['value'] for s in samples if s['metric'] == 'dirty_pages']
    ok(all(ran[i] == [PAGES_PER_VCPU * r['sweep']['point']['vcpus']] and
           r['resolved_spec']['vcpus'] == r['sweep']['point']['vcpus'] for i, r in runs.items()),
       'each run ran with its value: %d dirty pages per vCPU' % PAGES_PER_VCPU)
    p = cli(d, 'show', str(min(runs)))
    ok(p.returncode == 0 and '  sweep %d: ' % runs[min(runs)]['sweep']['id'] in p.stdout,
       'migbench show names the run\'s sweep')


def run_medians(d, ids):
    """metric -> the median of each run's samples, from the samples themselves."""
    out = {}
    for i in ids:
        by = {}
        for s in d.get('/api/v1/runs/%d/samples' % i).json()['samples']:
            by.setdefault(s['metric'], []).append(s['value'])
        for metric, values in by.items():
            out.setdefault(metric, []).append(statistics.median(values))
    return out


def check_model(d, runs, base, new):
    sweep_of = {side: runs[ids[1][0]]['sweep']['id'] for side, ids in (('base', base), ('new', new))}
    r = compare(d, base='sweep:%d' % sweep_of['base'], new='sweep:%d' % sweep_of['new'])
    ok(r.status == 200, 'GET /compare?base=sweep:%d&new=sweep:%d' % (sweep_of['base'], sweep_of['new']))
    m = r.json()
    ok(m['sweep']['keys'] == ['vcpus'] and
       [(p['values'], p['base'], p['new']) for p in m['sweep']['points']] ==
       [({'vcpus': v}, base[v], new[v]) for v in (1, 2)],
       'the model names the swept key and, per value, the runs of each side')
    ok(m['spec']['vcpus'] == [1, 2] and m['command'].startswith('migbench-dirtylog') and
       '--vcpus' not in m['command'], 'its spec has the swept values as a list; the command line the rest')
    tables = {}
    for row in m['metrics']:
        tables.setdefault((row['metric'], row['over']), []).append(row)
    medians = {side: {v: run_medians(d, ids[v]) for v in (1, 2)} for side, ids in (('base', base), ('new', new))}
    ok(len(tables) >= 3 and all([row['point'] for row in rows] == [{'vcpus': 1}, {'vcpus': 2}]
                                for rows in tables.values()),
       'one row per value of vcpus for each metric: %s' % ', '.join('%s/%s' % k for k in tables))
    wrong = []
    for (metric, over), rows in tables.items():
        if over != 'runs':
            continue
        for row in rows:
            v = row['point']['vcpus']
            for side in ('base', 'new'):
                got, want = row[side], medians[side][v][metric]
                if got['n'] != 2 or abs(got['median'] - statistics.median(want)) > 1e-6 * max(1, abs(got['median'])):
                    wrong.append((metric, v, side, got['n'], got['median'], want))
    ok(not wrong, 'each row\'s medians are those of its own runs\' samples, 2 runs a side')
    if wrong:
        diag(wrong)
    few = [w for w in m['warnings'] if 'U test' in w or 'U-test' in w]
    ok(len(few) == 1 and '2 base and 2 new runs' in few[0] and 'smallest possible U-test p is 0.333' in few[0],
       'warned once that 2 runs a side cannot reach significance, at every value (%s)' % few)
    per_run = [r['metric'] for r in m['metrics'] if r['over'] == 'runs' and r['point'] == {'vcpus': 1}]
    ok(per_run[:2] in (['clear_dirty_log_ns', 'disable_dirty_log_ns'], ['get_dirty_log_ns', 'disable_dirty_log_ns'])
       and all(r['label'] for r in m['metrics']),
       'each value\'s rows headline first, each with its label (%s)' % ', '.join(per_run))
    by_label = compare(d, base='sweep-base', new='sweep-new').json()
    by_ids = compare(d, base='runs:' + ','.join(str(i) for v in (1, 2) for i in base[v]),
                     new='runs:' + ','.join(str(i) for v in (1, 2) for i in new[v])).json()
    ok(by_label['metrics'] == m['metrics'] and by_ids['metrics'] == m['metrics'],
       'runs selected by label or by id across the two values compare the same way')
    return m, sweep_of


def check_partial(d, base, new, sweep_of):
    m = compare(d, base='sweep:%d' % sweep_of['base'], new='runs:%d,%d' % tuple(new[1])).json()
    ok({json.dumps(r['point']) for r in m['metrics']} == {'{"vcpus": 1}'} and
       'vcpus=2: only the base side has runs there; not compared' in m['warnings'],
       'a value one side lacks: no row, and a warning naming it')
    m = compare(d, base='sweep:%d' % sweep_of['base'], new='sweep:%d' % sweep_of['new'], vary='vcpus').json()
    ok('sweep' not in m and all('point' not in r for r in m['metrics']) and
       m['metrics'][0]['base']['n'] == 4, 'vary=vcpus pools the values instead (4 runs a side)')
    r = compare(d, base='runs:%d,%d' % tuple(base[1]), new='runs:%d,%d' % tuple(new[2]))
    ok(r.status == 400 and r.json()['field'] == 'vary' and 'differ in vcpus' in r.json()['detail'],
       'sides that differ in vcpus, each with one value, are still refused')


def check_reports(d, m, sweep_of):
    q = {'base': 'sweep:%d' % sweep_of['base'], 'new': 'sweep:%d' % sweep_of['new']}
    text = compare(d, format='text', **q).body.decode('ascii')
    lines = text.splitlines()
    long = [l for l in lines if len(l) > 75 or l.endswith(' ')]
    ok(not long and '\t' not in text, 'text: ASCII, no tabs, no line over 75 columns, no trailing '
       'blanks %s' % (long or ''))
    ok('sweep: vcpus 1, 2' in lines, 'text: the sweep\'s line names the key and its values')
    want = []
    last = None
    for row in m['metrics']:
        if (row['metric'], row['over']) != last:
            last = (row['metric'], row['over'])
            title = 'one value per run' if row['over'] == 'runs' else 'all iterations'
            name = ['%s (%s), %s' % (row['metric'], row['label'], title)]
            if len(name[0]) > 75:	# the label on a line of its own
                name = ['%s, %s' % (row['metric'], title), '  ' + row['label']]
            want += [''] + name + ['%-19s %9s %9s %8s %7s' % ('vcpus', 'base', 'new', 'delta', 'p')]
        delta = '-' if row['delta_pct'] is None else '%+.1f%%' % row['delta_pct']
        # p: Holm-adjusted; a row over iterations is described, with no p or verdict
        want.append(('%-19.19s %9s %9s %8s %7s %s' % (
            row['point']['vcpus'], fmt_value(row['unit'], row['base']['median']),
            fmt_value(row['unit'], row['new']['median']), delta, fmt_p(row['p_adjusted']),
            row['verdict'] or '')).rstrip())
    start = lines.index('sweep: vcpus 1, 2') + 1
    got = lines[start:start + len(want)]
    ok(got == want, 'text: a table per metric, "vcpus base new delta p", a row per value '
       'with the JSON\'s medians')
    if got != want:
        diag('\n'.join(got), '---', '\n'.join(want))
    p = cli(d, 'compare', '--base', q['base'], '--new', q['new'])
    # 1 when the headline regressed at some value: these are real runs
    regressed = any(r['over'] == 'runs' and r['verdict'] == 'regressed' and
                    r['metric'] in ('clear_dirty_log_ns', 'disable_dirty_log_ns', 'mark_idle_ns')
                    for r in m['metrics'])
    ok(p.returncode == (1 if regressed else 0) and p.stdout == text,
       'migbench compare prints the same text, and exits %d as its headline rows say' % p.returncode)
    md = compare(d, format='markdown', **q).body.decode()
    ok(md.count('| vcpus | base median | new median |') == len({(r['metric'], r['over']) for r in m['metrics']}),
       'markdown: a table per metric with a vcpus column')
    csv = list(csvmod.reader(io.StringIO(compare(d, format='csv', **q).body.decode())))
    ok(csv[0][:5] == ['metric', 'over', 'label', 'vcpus', 'base_n'] and len(csv) == 1 + len(m['metrics']) and
       [l[3] for l in csv[1:]] == [str(r['point']['vcpus']) for r in m['metrics']],
       'csv: a vcpus column after metric, over and label, a line per row')


def test_runs(d):
    base, new = submit_both(d)
    runs = check_groups(d, base, new)
    check_specs(d, runs)
    m, sweep_of = check_model(d, runs, base, new)
    check_partial(d, base, new, sweep_of)
    check_reports(d, m, sweep_of)


BAD = [
    # (what, request, field, how the detail is checked: 'is', 'starts' or 'ends', text)
    ('an empty list', {'vcpus': []}, 'vcpus', 'is',
     'vcpus: an empty list sweeps nothing: give one value, or a list of the values to sweep'),
    ('a value twice', {'vcpus': [1, 2, 1]}, 'vcpus[2]', 'is',
     'vcpus[2]: repeats vcpus[0] (1): a sweep takes each value once'),
    ('a value twice once resolved', {'mem_per_vcpu': ['64M', 67108864]}, 'mem_per_vcpu[1]', 'is',
     'mem_per_vcpu[1]: is mem_per_vcpu[0] again once resolved (64M): a sweep takes each value once'),
    ('too many combinations', {'vcpus': [1, 2], 'iterations': list(range(1, 34))}, 'iterations', 'is',
     'iterations: the sweep would make 66 combinations (2 vcpus x 33 iterations), more than 64: '
     'sweep fewer values'),
    ('a list too long to compare', {'seed': list(range(10000))}, 'seed', 'is',
     'seed: a sweep takes at most 64 values, got 10000'),
    ('a bad value in a list', {'vcpus': [1, 0]}, 'vcpus[1]', 'is',
     'vcpus[1]: must be between 1 and 512, got 0'),
    ('a bad name in a list', {'backing': ['anonymous', 'hugetlb-3m']}, 'backing[1]', 'starts',
     'backing[1]: '),
    ('a value of the wrong type in a list', {'iterations': [1, '2']}, 'iterations[1]', 'starts',
     'iterations[1]: '),
    ('a CPU list swept with a number', {'pin': [[0], 1]}, 'pin[1]', 'is',
     'pin[1]: a sweep of pin is a list of its lists, such as [[0, 1], [2, 3]]'),
    ('zap steps swept with a name', {'zap': [['delete'], 'disable']}, 'zap[1]', 'is',
     'zap[1]: a sweep of zap is a list of its lists, such as [[0, 1], [2, 3]]'),
    ('a list on repeat', {'repeat': [1, 2]}, 'repeat', 'is',
     'repeat: cannot be swept: lists sweep the spec keys of the run\'s kind; one request has one repeat'),
    ('a list on label', {'label': ['a', 'b']}, 'label', 'starts', 'label: cannot be swept: '),
    ('a list on kind', {'kind': ['dirtylog', 'migration']}, 'kind', 'starts', 'kind: cannot be swept: '),
    ('a list on target_ci_percent', {'target_ci_percent': [5, 10]}, 'target_ci_percent', 'starts',
     'target_ci_percent: cannot be swept: '),
    ('a list on an unknown key', {'vcpu': [1, 2]}, 'vcpu', 'starts', 'vcpu: '),
    ('a combination the spec refuses', {'vcpus': [1, 2], 'pin': [0]}, 'pin', 'ends',
     '(in the sweep\'s combination vcpus=2)'),
    ('a value over the memory limit', {'mem_per_vcpu': ['64M', '512M']}, 'mem_per_vcpu[1]', 'is',
     'mem_per_vcpu[1]: the run\'s guests would have 516M of memory, over the limit '
     'guest_memory_per_run = 256M'),
    ('a combination over the memory limit', {'vcpus': [1, 2], 'mem_per_vcpu': '192M'}, 'mem_per_vcpu',
     'ends', 'over the limit guest_memory_per_run = 256M (in the sweep\'s combination vcpus=2)'),
]


def test_bad(d):
    before = len(d.get('/api/v1/runs?limit=500').json()['runs'])
    for what, body, field, how, text in BAD:
        # the request's keys in this order (the combinations are counted in it), then the defaults
        r = d.post('/api/v1/runs', dict(body, **{k: v for k, v in (('mem_per_vcpu', '64M'),
                                                                    ('iterations', 1)) if k not in body}))
        p = r.json()
        detail = p.get('detail', '')
        good = r.status == 400 and p.get('field') == field and \
            {'is': detail == text, 'starts': detail.startswith(text), 'ends': detail.endswith(text)}[how]
        ok(good, 'bad sweep, %s: 400 naming %s' % (what, field))
        if not good:
            diag(r.status, p)
    r = d.post('/api/v1/runs', {'vcpus': [1, 2], 'mem_per_vcpu': '64M', 'repeat': 21})
    ok(r.status == 429 and r.headers.get('Retry-After') and
       '42 more would pass the limit queued_runs = 40' in r.json()['detail'],
       'a sweep of 2 values x repeat 21 counts 42 runs against queued_runs 40: 429')
    p = cli(d, 'run', '--vcpus', '1,,2')
    ok(p.returncode == 2 and 'vcpus: a sweep is values separated by commas' in p.stderr,
       'migbench run --vcpus 1,,2: refused before sending, exit 2')
    p = cli(d, 'run', '--vcpus', '1,3', '--mem-per-vcpu', '64M')
    ok(p.returncode == 2 and 'vcpus[1]: must be between 1 and' in p.stderr,
       'migbench run --vcpus 1,3: the daemon\'s 400 naming vcpus[1], exit 2')
    ok(len(d.get('/api/v1/runs?limit=500').json()['runs']) == before, 'nothing stored for any of them')


def main():
    require_kvm()
    if (os.cpu_count() or 1) < 2:
        print('1..0 # SKIP a sweep of 1 and 2 vCPUs needs 2 CPUs')
        sys.exit(77)
    run_tests(Daemon(config={'limits': LIMITS}), test_bad, test_runs)
    done()


main()
