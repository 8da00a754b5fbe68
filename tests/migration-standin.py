#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A stand-in for migbench-worker that speaks the worker protocol for a
"migration" run without running one: it emits the samples a migration
records, phases, iteration starts and the guest's progress per vCPU
among them, from a simple model of the run (seeded by the run's spec, so
two runs differ), and names the traced metrics missing when trace is
off, as the engine does.  The browser test uses it to check the run view
draws such a run, which the engine does not record yet, and the client
test to follow a migration without starting one.  A spec with wss 0
gets only what the engine recorded before it had phases: the job
statistics and the final figures.  Never installed."""
import json
import os
import random
import sys


def environment():
    u = os.uname()
    return {'kernel': {'release': u.release, 'version': u.version, 'machine': u.machine},
            'hostname': u.nodename, 'cmdline': '', 'boot_id': 'stand-in', 'cpu_model': 'stand-in',
            'online_cpus': os.cpu_count(), 'mem_total_bytes': 0, 'kvm_parameters': {}}


def samples(spec, rng):
    """(metric, iteration, seq, value) rows of one modelled migration."""
    rows = []
    vcpus = spec['vcpus']
    dest_start = rng.randrange(150, 400)
    iterations = rng.randrange(3, 6)
    starts = [dest_start]
    for _ in range(iterations - 1):     # each iteration shorter than the last
        starts.append(starts[-1] + max(100, (3000 - (starts[-1] - dest_start)) // 2 + rng.randrange(0, 200)))
    switch = starts[-1] + rng.randrange(200, 500)
    postcopy = rng.randrange(300, 800) if spec.get('postcopy') else 0
    total = switch + postcopy + rng.randrange(20, 80)
    rows += [('migration_total_ms', 0, 0, total), ('migration_setup_ms', 0, 0, dest_start // 2),
             ('migration_downtime_ms', 0, 0, total - switch - postcopy), ('migration_iterations', 0, 0, iterations)]
    phases = spec.get('wss') not in (0, '0')
    memory = 256 << 20
    for seq, t in enumerate(range(100, total, 100)):
        it = sum(1 for s in starts if s <= t)
        remaining = memory if it == 0 else memory * (iterations - it + 1) // (iterations + 1)
        for metric, value in (('job_t_ms', t), ('job_memory_remaining_bytes', remaining),
                              ('job_memory_processed_bytes', memory - remaining),
                              ('job_dirty_rate_pps', rng.randrange(1000, 20000)), ('job_bps', 100 << 20)):
            rows.append((metric, it, seq, value))
    if not phases:
        return sorted(rows)
    for i, t in enumerate(starts):
        rows.append(('migration_iteration_t_ms', i + 1, 0, t))
    rows += [('migration_dest_start_ms', 0, 0, dest_start), ('migration_precopy_ms', 0, 0, switch - dest_start)]
    if postcopy:
        rows.append(('migration_postcopy_ms', 0, 0, postcopy))
    # each vCPU writes at its share of the rate, and stands still from the switch-over
    rate = (spec.get('rate_mib_s') or 64) * 1024 // vcpus
    stalls = [0] * vcpus
    for w, end in enumerate(range(10, total + 10, 10)):
        rows.append(('guest_t_ms', 0, w, end))
        for v in range(vcpus):
            stopped = switch <= end < switch + postcopy // 2 + 40 + 10 * v
            rows.append(('guest_write_rate_kib_s', v, w, 0 if stopped else rate + rng.randrange(-rate // 10, rate // 10)))
            stalls[v] += 10 if stopped else 0
    rows.append(('guest_stall_ms', 0, 0, max(stalls)))
    return sorted(rows)


def main():
    req = json.load(sys.stdin)
    spec = req['spec']
    rng = random.Random(json.dumps(spec, sort_keys=True))
    missing = {}
    if not spec.get('trace', True):
        missing = {m: 'trace is off in the spec' for m in (
            'qemu_get_dirty_log_ns', 'qemu_clear_dirty_log_ns', 'qemu_reset_dirty_rings_ns',
            'qemu_enable_dirty_log_ns', 'qemu_disable_dirty_log_ns')}
    print('R ' + json.dumps({'spec': spec, 'environment': environment(), 'missing': missing}))
    for row in samples(spec, rng):
        print('S %s %d %d %d' % row)
    print('X ok ')


main()
