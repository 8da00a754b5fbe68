#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""migbenchd's REST API: a run end to end on /dev/kvm, every bad request
in tests/data/bad-requests.json answered with the problem it names, the
bearer token, listing and paging, the OpenAPI document against what the
server answers, /host and /metrics."""
import datetime
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_fixture import (Daemon, MIGBENCHD, SCHEMA_VERSION, ok, diag, done, require_kvm,
                            run_tests, small_run)

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data')


def body_for(case):
    body = case.get('body')
    if body == '@HUGE@':
        return '{"label": "%s"}' % ('x' * 70000)
    if body == '@DEEP@':
        return '{"tags": ' + '[' * 20 + ']' * 20 + '}'
    if body == '@BADUTF8@':
        return b'{"label": "\xff\xfe"}'
    return body


def test_run_end_to_end(d):
    r = d.post('/api/v1/runs', small_run(label='base', tags={'base-commit': 'abc123'}, repeat=2))
    ok(r.status == 202, 'POST /runs is 202 Accepted')
    run = r.json()
    ok(r.headers.get('Location') == '/api/v1/runs/%d' % run['id'], 'Location names the run')
    ok(run['state'] == 'queued' and run['label'] == 'base' and
       run['tags'] == {'base-commit': 'abc123'} and len(run['run_ids']) == 2,
       'the reply is the queued run with its group')
    for rid in run['run_ids']:
        final = d.wait_state(rid, ('done', 'failed'))
        ok(final['state'] == 'done' and final['result'] == 'ok' and final['error'] is None,
           'run %d done on /dev/kvm (%s)' % (rid, final['error']))
    final = d.run(run['id'])
    kernel = final['kernel'] or {}
    ok(kernel.get('release') == os.uname().release and len(kernel.get('boot_id', '')) == 36,
       'the run records the kernel it ran on')
    ok(final['resolved_spec']['manual_protect'] in (True, False) and
       final['environment']['hugepages_before'] is not None, 'resolved spec and environment kept')
    summary = final['summary']
    ok(set(summary) >= {'populate_ns', 'dirty_memory_ns', 'get_dirty_log_ns', 'dirty_pages'} and
       summary['dirty_pages']['median'] == 2048 and summary['dirty_memory_ns']['n'] == 2,
       'summary statistics per metric (dirty_pages median %s)' % summary.get('dirty_pages', {}).get('median'))
    samples = d.get('/api/v1/runs/%d/samples' % run['id'])
    rows = samples.json()['samples']
    stats = [s for s in rows if s['metric'].startswith('kvm_stat.')]
    ok(samples.status == 200 and
       all(set(s) == {'metric', 'iteration', 'seq', 'value'} for s in rows if s not in stats) and
       sum(1 for s in rows if s['metric'] == 'dirty_pages') == 2, 'samples as JSON')
    # populate, enable, two iterations, disable, delete: six readings of each statistic
    pages = sorted((s for s in stats if s['metric'] == 'kvm_stat.pages_4k'),
                   key=lambda s: s['iteration'])
    ok([s['phase'] for s in pages] ==
       ['populate', 'enable', 'iteration', 'iteration', 'disable', 'delete'] and
       all(set(s) == {'metric', 'iteration', 'seq', 'phase', 'value'} for s in stats),
       "KVM's statistics stored with the phase each was read after (%d rows)" % len(stats))
    ok(stats and not [m for m in summary if m.startswith('kvm_stat.')],
       "KVM's statistics are not summarised: counts per phase have no median")
    csv = d.get('/api/v1/runs/%d/samples?format=csv' % run['id'])
    lines = csv.body.decode().splitlines()
    ok(csv.content_type.startswith('text/csv') and lines[0] == 'metric,iteration,seq,value' and
       [l.split(',') for l in lines[1:]] ==
       [[s['metric'], str(s['iteration']), str(s['seq']), str(s['value'])] for s in rows],
       'samples as CSV are the same rows')
    units = final['metric_units']
    ok(set(units) == set(summary) and units['get_dirty_log_ns'] == 'ns' and units['dirty_pages'] == '' and
       all(units[m] == 'bytes/GiB' for m in summary if m.endswith('_bytes_per_gib')),
       'metric_units gives each summarised metric its unit (%s)' % units)
    listed = {r['id']: r for r in d.get('/api/v1/runs').json()['runs']}
    spec = final['resolved_spec']
    ok(final['description'] == 'dirtylog %d x %s %s, %d iterations' %
       (spec['vcpus'], spec['mem_per_vcpu'], spec['backing'], spec['iterations']) and
       listed[run['id']]['description'] == final['description'],
       "the run's spec in its engine's words, in the run and the listing (%s)" % final['description'])
    stamp = lambda t: datetime.datetime.strptime(t, '%Y-%m-%dT%H:%M:%S.%fZ')
    row = listed[run['id']]
    ok(row['duration_s'] == round((stamp(final['finished_at']) - stamp(final['started_at'])).total_seconds(), 3)
       and row['duration_s'] > 0,
       'the listing gives its duration_s, finished_at less started_at (%s s)' % row['duration_s'])
    ok(row['headline'] == {'metric': 'clear_dirty_log_ns', 'unit': 'ns',
                           'median': final['summary']['clear_dirty_log_ns']['median']},
       "and its headline figure, the summary's median of clear_dirty_log_ns (%s)" % row['headline'])
    kernels = d.get('/api/v1/kernels').json()['kernels']
    ok(len(kernels) == 1 and kernels[0]['runs'] == 2 and kernels[0]['runs_done'] == 2,
       'GET /kernels counts the runs per kernel')
    return run['id']


def test_bad_requests(d, existing_id):
    cases = json.load(open(os.path.join(DATA, 'bad-requests.json')))
    ok(len(cases) >= 30, '%d bad requests in the table' % len(cases))
    for case in cases:
        method = case.get('method', 'POST')
        path = case.get('path', '/api/v1/runs').replace('/runs/1', '/runs/%d' % existing_id)
        if path == '@LONGURL@':
            path = '/api/v1/runs?label=' + 'a' * 3000
        headers = dict(case.get('headers', {}))
        body = body_for(case)
        if body is not None and method == 'POST' and 'Content-Type' not in headers:
            headers['Content-Type'] = 'application/json'
        if isinstance(body, dict):
            body = json.dumps(body)
        r = d.request(method, path, body, headers)
        want = case['detail'].replace('@CPUS@', str(os.cpu_count()))
        want = want.replace('/runs/1', '/runs/%d' % existing_id)
        try:
            p = json.loads(r.body)
        except ValueError:
            p = {}
        good = (r.status == case['status'] and
                r.content_type == 'application/problem+json' and
                p.get('status') == case['status'] and p.get('detail') == want and
                p.get('field') == case.get('field') and
                ('allow' not in case or r.headers.get('Allow') == case['allow']))
        ok(good, 'bad request "%s": %d %s' % (case['name'], case['status'], case.get('field', '')))
        if not good:
            diag('got %d %s %s' % (r.status, r.content_type, r.body[:300]))
    ok(d.get('/api/v1/health').status == 200, 'the daemon still answers after them all')


# aging mechanisms and what each needs of the host; one it lacks is 400
AGING_NEEDS = [('lru_gen', '/sys/kernel/mm/lru_gen/enabled', 'this kernel has no multi-gen LRU'),
               ('page_idle', '/sys/kernel/mm/page_idle/bitmap', 'this kernel has no '),
               ('reclaim', None, None),
               ('damon', None, None)]
DAMON_NR = '/sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds'


def damon_lacks():
    """What damon aging lacks here (read only: DAMON here is the
    machine's), in the words of its refusal."""
    if not os.path.exists(DAMON_NR):
        return 'this kernel has no DAMON sysfs interface'
    with open(DAMON_NR) as f:
        n = int(f.read())
    return ('%d kdamond%s exist' % (n, '' if n == 1 else 's')) if n else None


def reclaim_lacks():
    """What reclaim aging lacks here, in the words of its refusal."""
    with open('/proc/swaps') as f:
        if not any(int(l.split()[2]) > int(l.split()[3]) for l in f.readlines()[1:]):
            return 'lists no free swap'
    if not os.path.exists('/sys/fs/cgroup/cgroup.controllers'):
        return 'reclaim needs the memory controller on cgroup v2'
    return None


def test_aging_refused(d):
    """Each aging mechanism this host cannot offer is refused at POST,
    naming aging and what is missing; nothing is queued."""
    before = len(d.get('/api/v1/runs').json()['runs'])
    for how, path, missing in AGING_NEEDS:
        if path and os.path.exists(path):
            diag('aging %s: this host has %s' % (how, path))
            continue
        missing = missing or (damon_lacks() if how == 'damon' else reclaim_lacks())
        if not missing:
            diag('aging %s: this host has what it needs' % how)
            continue
        r = d.post('/api/v1/runs', {'kind': 'dirtylog', 'mem_per_vcpu': '64M', 'aging': how})
        p = r.json() if r.status == 400 else {}
        ok(r.status == 400 and p.get('field') == 'aging' and missing in p.get('detail', ''),
           'aging %s refused: %d %s' % (how, r.status, p.get('detail')))
    r = d.post('/api/v1/runs', {'kind': 'dirtylog', 'mem_per_vcpu': '64M', 'aging': 'lru_gen',
                                'backing': 'hugetlb-2m'})
    ok(r.status == 400 and r.json().get('field') == 'aging',
       'aging on hugetlb refused naming aging: %s' % r.json().get('detail'))
    ok(len(d.get('/api/v1/runs').json()['runs']) == before, 'no run stored for them')


def test_paging(d):
    ids = [d.submit(**small_run(label='page', iterations=1))['id'] for _ in range(5)]
    for rid in ids:
        d.wait_state(rid, ('done', 'failed'))
    seen, path, pages = [], '/api/v1/runs?label=page&limit=2', 0
    while path:
        r = d.get(path)
        page = r.json()
        seen += [run['id'] for run in page['runs']]
        pages += 1
        link = r.headers.get('Link')
        path = link[1:link.index('>')] if link else None
        if link:
            ok(link.endswith('rel="next"') and 'label=page' in link and 'limit=2' in link,
               'page %d links the next with the same filters' % pages)
    ok(seen == sorted(ids, reverse=True) and pages == 3,
       'paging through 5 runs 2 at a time gives each once, newest first')
    created = {i: d.run(i)['created_at'] for i in ids}
    third = created[ids[2]]
    since = [r['id'] for r in d.get('/api/v1/runs?label=page&since=' + third).json()['runs']]
    ok(since == sorted((i for i in ids if created[i] >= third), reverse=True) and ids[2] in since,
       'since=%s (a run\'s own created_at) lists that run and the later ones' % third)
    r = d.get('/api/v1/runs?label=page&limit=1&since=' + third[:10])
    link = r.headers.get('Link') or ''
    ok(len(r.json()['runs']) == 1 and 'since=%sT00%%3A00%%3A00.000Z' % third[:10] in link,
       'since a day: the next page\'s link keeps it, as a time (%s)' % link)
    ok(d.get('/api/v1/runs?since=2999-01-01T00:00').json()['runs'] == [], 'since a later time: none')
    for bad in ('2026-13-01', '2026-02-30', '26-12-01', '2026-12-01T25:00', '2026-12-01%2010:00',
                '+026-12-01', '2026-12-01T10:00:00.5Z', 'yesterday', '2026-1-1-1', '2026-12-01T-0:00',
                '2026-12-01T10:00:00.0000', '2026-12-01T10:00:00.000:', '2026-12-01T10:00:00.-99Z'):
        r = d.get('/api/v1/runs?since=' + bad)
        ok(r.status == 400 and r.json().get('field') == 'since',
           'since=%s is refused naming since: %s' % (bad, r.json().get('detail')))
    ok(all(r['label'] == 'page' for r in d.get('/api/v1/runs?label=page&state=done&kind=dirtylog&kernel=' +
                                                   os.uname().release).json()['runs']),
       'filters by label, state, kind and kernel')
    ok(d.get('/api/v1/runs?kernel=no-such-kernel').json()['runs'] == [], 'an unknown kernel lists nothing')


def test_listing_is_fresh(d):
    """GET /runs pages are cached; every change must show at once."""
    from daemon_fixture import long_run
    done_page = d.get('/api/v1/runs?label=page').body
    ok(d.get('/api/v1/runs?label=page').body == done_page,
       'a listing of finished runs is the same twice')
    ok(d.get('/api/v1/runs?label=fresh').json()['runs'] == [], 'an empty listing (now cached)')
    rid = d.submit(**long_run(label='fresh'))['id']
    listed = d.get('/api/v1/runs?label=fresh').json()['runs']
    ok([r['id'] for r in listed] == [rid], 'a new run shows in that listing at once')
    d.wait_progress(rid, 'iteration')
    run = d.get('/api/v1/runs?label=fresh').json()['runs'][0]
    ok(run['state'] == 'running' and run['progress'].startswith('iteration'),
       'the listing shows the run running with its progress')
    d.post('/api/v1/runs/%d/cancel' % rid)
    d.wait_state(rid, ('cancelled',), timeout=60)
    run = d.get('/api/v1/runs?label=fresh').json()['runs'][0]
    ok(run['state'] == 'cancelled', 'and cancelled as soon as it is')
    full = d.run(rid)
    row = ('id', 'kind', 'label', 'tags', 'description', 'state', 'result', 'error', 'progress',
           'group', 'sweep', 'created_at', 'started_at', 'finished_at')
    ok(list(run) == list(row) + ['duration_s', 'headline', 'kernel'] and
       {k: run[k] for k in row} == {k: full[k] for k in row} and
       run['kernel'] == {k: full['kernel'][k] for k in ('id', 'release')},
       "a listed run is GET /runs/{id}'s run without its specs, summary and environment, "
       "its kernel named by id and release (%s)" % sorted(run))



def test_token():
    """Over TCP a configured token is what lets a request change state."""
    token = 'sekrit-token-0123456789'
    d = Daemon(token=token)
    try:
        spec = json.dumps(small_run(iterations=1))
        h = {'Content-Type': 'application/json'}
        r = d.request('POST', '/api/v1/runs', spec, h, tcp=True, token=False)
        ok(r.status == 401 and r.headers.get('WWW-Authenticate', '').startswith('Bearer') and
           r.json()['detail'] == 'POST /api/v1/runs needs the bearer token configured in migbenchd, '
           'or the unix socket as root or a member of group migbench',
           'no token: 401 with WWW-Authenticate')
        r = d.request('POST', '/api/v1/runs', spec, dict(h, Authorization='Bearer ' + token + 'x'), tcp=True,
                      token=False)
        ok(r.status == 401, 'wrong token (one character longer): 401')
        r = d.request('POST', '/api/v1/runs', spec, dict(h, Authorization='Bearer ' + token[:-1] + 'X'), tcp=True,
                      token=False)
        ok(r.status == 401, 'wrong token (last character differs): 401')
        r = d.request('POST', '/api/v1/runs', spec, dict(h, Authorization='Basic ' + token), tcp=True, token=False)
        ok(r.status == 401, 'not a bearer token: 401')
        r = d.request('POST', '/api/v1/runs', spec, dict(h, Authorization='Bearer ' + token), tcp=True, token=False)
        ok(r.status == 202, 'right token: 202')
        rid = r.json()['id']
        ok(d.request('GET', '/api/v1/runs/%d' % rid, tcp=True, token=False).status == 200, 'reading needs no token')
        ok(d.request('POST', '/api/v1/runs/%d/cancel' % rid, tcp=True, token=False).status == 401,
           'cancel without the token: 401')
        d.wait_state(rid, ('done', 'failed'))
        ok(d.request('GET', '/api/v1/health', tcp=True, token=False).status == 200, 'the TCP listener answers too')
    finally:
        d.cleanup()


def test_listen_policy():
    tmp = Daemon()
    tmp.cleanup()
    p = subprocess.run([MIGBENCHD, '--no-config', '--data-dir', tmp.dir, '--listen', '0.0.0.0:0'],
                       capture_output=True, text=True, timeout=30)
    ok(p.returncode != 0 and 'not a loopback address; configure a token (--token-file) to listen there'
       in p.stderr, 'listening beyond loopback without a token is refused')
    os.makedirs(tmp.dir, exist_ok=True)
    tf = os.path.join(tmp.dir, 'token')
    with open(tf, 'w') as f:
        f.write('0123456789abcdef0123\n')
    os.chmod(tf, 0o644)
    p = subprocess.run([MIGBENCHD, '--no-config', '--data-dir', tmp.dir, '--token-file', tf, '--listen', 'unix:' +
                        os.path.join(tmp.dir, 's')], capture_output=True, text=True, timeout=30)
    ok(p.returncode != 0 and 'must be a regular file only its owner can read (chmod 600), mode is 644'
       in p.stderr, 'a token file others can read is refused')
    cfg = os.path.join(tmp.dir, 'config.json')
    with open(cfg, 'w') as f:
        f.write('{"listen": ["unix:/tmp/x"], "colour": "red"}')
    p = subprocess.run([MIGBENCHD, '--config', cfg], capture_output=True, text=True, timeout=30)
    ok(p.returncode == 2 and 'colour: unknown key' in p.stderr, 'an unknown config key is refused')
    with open(cfg, 'w') as f:
        f.write('{"listen": ["unix:/tmp/x", 7733]}')
    p = subprocess.run([MIGBENCHD, '--config', cfg], capture_output=True, text=True, timeout=30)
    ok(p.returncode == 2 and 'listen[1]: must be a string' in p.stderr,
       'a listen list with a number in it is refused, not cut short (%s)' % p.stderr.strip())
    p = subprocess.run([MIGBENCHD, '--config', cfg, '--no-config'], capture_output=True, text=True, timeout=30)
    ok(p.returncode == 2 and '--config and --no-config: one or the other' in p.stderr,
       '--config with --no-config is refused')
    shutil.rmtree(tmp.dir, ignore_errors=True)	# made again after the daemon's cleanup


def test_openapi(d, existing_id):
    r = d.get('/api/v1/openapi.json')
    doc = r.json()
    ok(r.status == 200 and doc['openapi'].startswith('3.'), 'GET /openapi.json is OpenAPI 3')
    for path, item in doc['paths'].items():
        for method in item:
            url = '/api/v1' + path.replace('{id}', str(existing_id))
            body = json.dumps(small_run(iterations=1)) if path == '/runs' and method == 'post' else None
            h = {'Content-Type': 'application/json'} if body else {}
            rr = d.request(method.upper(), url, body, h)
            # a campaign route answers for the id; there is no campaign of that id
            no_campaign = path.startswith('/campaigns/') and rr.status == 404 and \
                rr.json().get('detail', '').startswith('there is no campaign')
            ok(rr.status not in (404, 405) or no_campaign or
               (path == '/runs/{id}/cancel' and rr.status == 409),
               'the server answers %s %s (%d)' % (method.upper(), path, rr.status))


def test_host_and_metrics(d):
    host = d.get('/api/v1/host').json()
    ok(host['kvm_available'] is True and host['kernel']['release'] == os.uname().release and
       'KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2' in host['kvm_capabilities'] and
       '2MiB' in host['hugepages'] and 'qemu_version' in host and 'libvirt_version' in host,
       'GET /host: kernel, KVM capabilities, hugepage pools, QEMU and libvirt versions')
    m = d.get('/api/v1/metrics')
    text = m.body.decode()
    ok(m.content_type.startswith('text/plain; version=0.0.4') and
       'migbench_queue_depth ' in text and 'migbench_runs{state="done"} ' in text and
       'migbench_hugepages_free{size="2MiB"} ' in text and
       'migbench_build_info{version="0.1.0",schema="%d"} 1' % SCHEMA_VERSION in text,
       'GET /metrics in Prometheus text format')


def test_notify():
    """Type=notify: READY and STATUS once listening, STOPPING on SIGTERM."""
    import socket
    import tempfile
    tmp = tempfile.mkdtemp(prefix='migbench-notify-')
    path = os.path.join(tmp, 'notify')
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(10)
    d = Daemon(env={'NOTIFY_SOCKET': path})
    try:
        got = [s.recv(4096).decode(), s.recv(4096).decode()]
        ok(got[0] == 'STATUS=listening on unix:%s 127.0.0.1:%d' % (d.sock, d.port) and got[1] == 'READY=1',
           'sd_notify: STATUS with the addresses, then READY=1')
        d.stop()
        ok(s.recv(4096).decode() == 'STOPPING=1', 'sd_notify: STOPPING=1 on SIGTERM')
    finally:
        d.cleanup()
        s.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_engines(d):
    """GET /engines is the engines' own key table: the defaults it gives are
    the spec a request without those keys gets, and the words it allows are
    the ones the engine's parser names when it refuses a value."""
    r = d.get('/api/v1/engines')
    engines = {e['kind']: e for e in r.json()['engines']}
    ok(r.status == 200 and list(engines) == ['dirtylog', 'migration'] and
       [k for k, e in engines.items() if e['default']] == ['dirtylog'],
       'GET /engines lists both kinds, dirtylog the default')
    types = {'bool', 'uint', 'size', 'name', 'text', 'cpu_list', 'name_list'}
    ok(all(k['type'] in types and k['help'] and ('allowed' in k) == (k['type'] in ('name', 'name_list'))
           for e in engines.values() for k in e['keys']),
       'every key has a type and a help line, and the name keys their words')
    ok(engines['dirtylog']['headline'][0] == 'clear_dirty_log_ns' and
       engines['migration']['report_first'][:3] == engines['migration']['headline'],
       'each engine says what its reports lead with')
    for kind, e in engines.items():
        for k in (k for k in e['keys'] if k['type'] == 'name' and k['name'] != 'aging'):
            r = d.post('/api/v1/runs', {'kind': kind, k['name']: 'no-such-word'})
            detail = r.json().get('detail', '')
            ok(r.status == 400 and r.json().get('field') == k['name'] and
               all('"%s"' % w in detail for w in k['allowed']),
               '%s %s: a word not allowed is refused naming each allowed one (%s)' % (kind, k['name'], detail))
    keys = {k['name']: k for k in engines['dirtylog']['keys']}
    body = {n: k['default'] for n, k in keys.items() if 'default' in k}
    body.update(mem_per_vcpu='8M', iterations=1, label='engine-defaults')
    r = d.post('/api/v1/runs', body)
    run = r.json()
    ok(r.status == 202 and all(run['spec'][n] == body[n] for n in body if n != 'label') and
       not [n for n, k in keys.items() if 'default' not in k and n in run['spec']],
       'a request of the defaults GET /engines gives is accepted and stored as given (%s)' % run.get('spec'))
    d.post('/api/v1/runs/%d/cancel' % run['id'])
    d.wait_state(run['id'], ('done', 'failed', 'cancelled'))


def test_one_daemon(d):
    rid = test_run_end_to_end(d)
    test_bad_requests(d, rid)
    test_aging_refused(d)
    test_paging(d)
    test_listing_is_fresh(d)
    test_openapi(d, rid)
    test_host_and_metrics(d)
    test_engines(d)


def main():
    require_kvm()
    run_tests(Daemon(), test_one_daemon)
    test_token()
    test_listen_policy()
    test_notify()
    done()


main()
