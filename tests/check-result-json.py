#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check migbench-dirtylog --json output: its shape, the metric names, and
the summary statistics recomputed here from the samples, independently of
the C code.  Usage: check-result-json.py RESULT.json EXPECTED_SPEC.json"""
import json
import math
import statistics
import sys

METRICS = {
    'populate_ns', 'enable_dirty_log_ns', 'dirty_memory_ns',
    'get_dirty_log_ns', 'clear_dirty_log_ns', 'clear_dirty_log_call_ns',
    'disable_dirty_log_ns', 'dirty_ring_harvest_ns', 'dirty_ring_reset_ns',
    'dirty_pages', 'delete_memslot_ns', 'invalidate_ns',
    'kvm_unmap_hva_range_calls', 'kvm_unmap_hva_range_pages',
    'mark_idle_ns', 'access_idle_ns', 'idle_pages', 'kvm_aging_calls', 'kvm_aged_pages',
    'kvm_test_age_calls', 'reclaim_scanned_pages', 'reclaim_evicted_pages',
    'reclaim_activated_pages', 'reclaim_deactivated_pages',
    'memslot_metadata_bytes', 'memslot_metadata_bytes_per_gib',
    'dirty_bitmap_bytes', 'dirty_bitmap_bytes_per_gib',
}
# KVM's statistics: kvm_stat.<name>, read after each phase (seq), not summarised
KVM_STAT = 'kvm_stat.'
PHASES = ['populate', 'enable', 'iteration', 'disable', 'touch', 'invalidate', 'delete']
ENV_KEYS = {
    'kernel', 'cmdline', 'boot_id', 'cpu_model', 'online_cpus',
    'mem_total_bytes', 'kvm_parameters', 'clocksource', 'kvm_capabilities',
    'kvm_capabilities_enabled',
    'hugepages_before', 'hugepages_after', 'backing_huge_bytes',
}
problems = []


def check(cond, what):
    if not cond:
        problems.append(what)


def quantile(sorted_values, q):
    pos = q * (len(sorted_values) - 1)
    lo = int(pos)
    if lo + 1 >= len(sorted_values):
        return sorted_values[-1]
    return sorted_values[lo] + (pos - lo) * (sorted_values[lo + 1] - sorted_values[lo])


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


result = json.load(open(sys.argv[1]), parse_constant=lambda c: problems.append('non-finite ' + c))
want_spec = json.load(open(sys.argv[2]))

# "missing" only when the run names metrics it did not measure
check(set(result) - {'missing'} == {'spec', 'environment', 'samples', 'summary'},
      'top-level keys: %s' % sorted(result))
missing = result.get('missing', {})
check(isinstance(missing, dict) and all(m in METRICS and isinstance(why, str) and why
                                        for m, why in missing.items()),
      'missing names known metrics, each with a reason: %r' % missing)
for key, value in want_spec.items():
    check(result['spec'].get(key) == value,
          'spec.%s is %r, expected %r' % (key, result['spec'].get(key), value))
env = result['environment']
check(ENV_KEYS <= set(env), 'environment lacks %s' % sorted(ENV_KEYS - set(env)))
check(isinstance(env['kernel'].get('release'), str) and env['kernel']['release'],
      'environment.kernel.release')
check(len(env.get('boot_id', '')) == 36, 'environment.boot_id')
with open('/sys/devices/system/clocksource/clocksource0/current_clocksource') as f:
    source = f.read().strip()
check(env['clocksource'] == source, 'environment.clocksource is %r, the host\'s is %r'
      % (env['clocksource'], source))
check('kvm' in env['kvm_parameters'], 'environment.kvm_parameters has no kvm module')
if result['spec'].get('manual_protect'):
    check(env['kvm_capabilities_enabled'].get('KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2', 0) & 1,
          'manual protect run without KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 enabled')

by_metric = {}
readings = {}	# reading number: {phase}, from every kvm_stat row
for s in result['samples']:
    stat = s['metric'].startswith(KVM_STAT)
    check(set(s) == {'metric', 'iteration', 'seq', 'value'} | ({'phase'} if stat else set()),
          'sample keys %s' % sorted(s))
    check(s['metric'] in METRICS or stat and s['metric'][len(KVM_STAT):].replace('_', 'a').isalnum(),
          'unknown metric %s' % s['metric'])
    check(all(isinstance(s[k], int) and s[k] >= 0 for k in ('iteration', 'seq', 'value')),
          'sample %r' % s)
    if stat:
        check(s['seq'] < len(PHASES) and s.get('phase') == PHASES[s['seq']],
              '%s: phase %r for seq %d' % (s['metric'], s.get('phase'), s['seq']))
        readings.setdefault(s['iteration'], set()).add(s.get('phase'))
    else:
        by_metric.setdefault(s['metric'], []).append(s['value'])

# one reading after populate, enabling, each iteration and each zap step, in time order
if 'kvm_stat_missing' in env:
    check(not readings and 'huge_mappings' not in env, 'kvm_stat samples although %s' % env['kvm_stat_missing'])
else:
    want = ['populate', 'enable'] + ['iteration'] * result['spec']['iterations'] + result['spec']['zap']
    got = [readings[r] for r in sorted(readings)]
    check(sorted(readings) == list(range(len(want))) and got == [{p} for p in want],
          'kvm_stat readings %r, expected one each after %r' % (got, want))
    check(isinstance(env.get('huge_mappings', {}).get('statement'), str) and env['huge_mappings']['statement'],
          'environment.huge_mappings has a statement: %r' % env.get('huge_mappings'))

check(not set(missing) & set(by_metric), 'metrics named missing have no samples: %s'
      % sorted(set(missing) & set(by_metric)))
check(set(result['summary']) == set(by_metric),
      'summary metrics %s differ from sampled %s' % (sorted(result['summary']), sorted(by_metric)))
for metric, values in by_metric.items():
    got = result['summary'].get(metric, {})
    v = sorted(values)
    want = {
        'n': len(v), 'min': v[0], 'max': v[-1],
        'median': statistics.median(v), 'mean': statistics.fmean(v),
        'p95': quantile(v, 0.95),
        'stdev': statistics.stdev(v) if len(v) > 1 else None,
    }
    check(set(got) == set(want), '%s summary keys %s' % (metric, sorted(got)))
    for k, w in want.items():
        g = got.get(k)
        if w is None or g is None:
            check(g is None and w is None, '%s.%s is %r, expected %r' % (metric, k, g, w))
        else:
            check(close(g, w), '%s.%s is %r, expected %r' % (metric, k, g, w))

pages = want_spec.get('vcpus', 1) * 0
if want_spec.get('write_percent') == 100 and 'mem_per_vcpu' in want_spec:
    mem = want_spec['mem_per_vcpu']
    per_vcpu = int(mem[:-1]) << {'K': 10, 'M': 20, 'G': 30}[mem[-1]]
    pages = want_spec.get('vcpus', 1) * per_vcpu // 4096
    check(by_metric.get('dirty_pages') == [pages] * want_spec['iterations'],
          'dirty_pages %r, expected %d each' % (by_metric.get('dirty_pages'), pages))

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
