# SPDX-License-Identifier: MIT
"""Done runs put into a store through migbenchd's own store calls
(tests/store-fixture.c): queued as a group, sweep or campaign step,
started, their environment (and so their kernel) and samples stored,
finished with the summary migbenchd computes.  For tests that need runs
of given values without running them; no test writes the runs table
itself.  No migbenchd may have the store open meanwhile: it would start
the runs while they are queued."""
import json
import os
import subprocess
import tempfile

BUILD = os.environ.get('MIGBENCH_BUILD', os.path.join(os.path.dirname(__file__), '..', 'build'))
STORE_FIXTURE = os.path.join(BUILD, 'tests', 'store-fixture')


def run(environment, samples, missing=None):
    """One done run: samples as (metric, iteration, seq, value)."""
    return {'environment': environment, 'missing': missing or {},
            'samples': [list(s) for s in samples]}


def group(kind, label, spec, runs, tags=None, step=None, request=0):
    """A group of repeat runs of one spec; of a campaign step if step is its id."""
    g = {'kind': kind, 'label': label, 'tags': tags or {}, 'spec': spec, 'runs': runs}
    if step is not None:
        g.update(campaign_step=step, campaign_request=request)
    return g


def sweep(kind, label, points, runs, tags=None):
    """A sweep: points as (point, spec); its runs split into as many blocks,
    the first block the first point's group, and so on."""
    return {'kind': kind, 'label': label, 'tags': tags or {},
            'sweep': [{'point': p, 'spec': s} for p, s in points], 'runs': runs}


def store_groups(db, groups):
    """Write the groups into the store at db; per group its run ids and sweep id."""
    with tempfile.NamedTemporaryFile('w', prefix='migbench-fixture-', suffix='.json') as f:
        json.dump(groups, f)
        f.flush()
        out = subprocess.run([STORE_FIXTURE, db, f.name], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError('store-fixture exited %d: %s' % (out.returncode, out.stderr.strip()))
    return [json.loads(line) for line in out.stdout.splitlines()]
