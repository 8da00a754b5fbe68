# SPDX-License-Identifier: MIT
"""The real migbenchd for tests: started in a temp directory on a unix
socket (and a free loopback port), talked to over HTTP, stopped after.
Output is TAP, like the C tests."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get('MIGBENCH_BUILD', os.path.join(os.path.dirname(__file__), '..', 'build'))
MIGBENCHD = os.path.join(BUILD, 'daemon', 'migbenchd')
CLIENT = os.path.join(BUILD, 'cli', 'migbench')
BENCH_WORKER = os.path.join(BUILD, 'tests', 'bench', 'bench-worker')
MIGRATION_STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'migration-standin.py')
SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'schema')
# the schema version this migbenchd brings a database to: one per migration
SCHEMA_VERSION = len([f for f in os.listdir(SCHEMA) if f.endswith('.sql')])
HUGE_1G = '/sys/kernel/mm/hugepages/hugepages-1048576kB'

_count = 0
_failed = 0


def ok(cond, what):
    global _count, _failed
    _count += 1
    print('%sok %d - %s' % ('' if cond else 'not ', _count, what), flush=True)
    if not cond:
        _failed += 1
    return cond


def skip(why):
    global _count
    _count += 1
    print('ok %d # SKIP %s' % (_count, why), flush=True)


def diag(*lines):
    for text in lines:
        for line in str(text).splitlines():
            print('# ' + line, flush=True)


def skip_all(why):
    print('1..0 # SKIP ' + why)
    sys.exit(77)


def done():
    print('1..%d' % _count)
    sys.exit(1 if _failed else 0)


def require_kvm():
    try:
        os.close(os.open('/dev/kvm', os.O_RDWR))
    except OSError as e:
        skip_all('/dev/kvm: %s' % e.strerror)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=30):
        super().__init__('localhost', timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    @property
    def content_type(self):
        return self.headers.get('Content-Type', '')


class Daemon:
    """migbenchd in a temp dir; args are extra flags, config extra config-file keys.
    Migration runs keep their private state in the temp dir too (state/).
    wrap: a command that runs the rest of its arguments, for a daemon in
    namespaces of the test's (it must exec, so the daemon keeps its pid)."""

    def __init__(self, *args, token=None, data_dir=None, db=None, env=None, sock_dir=None,
                 config=None, wrap=None):
        self.dir = data_dir or tempfile.mkdtemp(prefix='migbench-test-')
        self.own_dir = data_dir is None
        # the data dir is private (0700): a socket others must reach goes in sock_dir
        self.sock = os.path.join(sock_dir or self.dir, 'migbenchd.sock')
        self.port = free_port()
        self.token = token
        cmd = [MIGBENCHD, '--data-dir', self.dir, '--listen', 'unix:' + self.sock,
               '--listen', '127.0.0.1:%d' % self.port]
        if db:
            cmd += ['--db', db]
        self.state_dir = os.path.join(self.dir, 'state')
        self.kernel_dir = os.path.join(self.dir, 'guest-kernels')
        self.config = os.path.join(self.dir, 'migbenchd.json')
        with open(self.config, 'w') as f:
            json.dump(dict({'migration_state_dir': self.state_dir}, **(config or {})), f)
        cmd += ['--config', self.config]
        if token:
            tf = os.path.join(self.dir, 'token')
            with open(tf, 'w') as f:
                f.write(token + '\n')
            os.chmod(tf, 0o600)
            cmd += ['--token-file', tf]
        self.log = open(os.path.join(self.dir, 'migbenchd.log'), 'ab')
        self.proc = subprocess.Popen(list(wrap or []) + cmd + list(args), stdout=self.log,
                                     stderr=self.log,
                                     env=dict(os.environ, **(env or {})))
        self.wait_ready()

    def wait_ready(self, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError('migbenchd exited %d: %s' % (self.proc.returncode, self.log_text()))
            try:
                if self.request('GET', '/api/v1/health').status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError('migbenchd did not answer: ' + self.log_text())

    def log_text(self):
        with open(os.path.join(self.dir, 'migbenchd.log')) as f:
            return f.read()

    @property
    def db_path(self):
        return os.path.join(self.dir, 'migbench.db')

    def request(self, method, path, body=None, headers=None, tcp=False, token=True):
        h = dict(headers or {})
        if token and self.token and 'Authorization' not in h:
            h['Authorization'] = 'Bearer ' + self.token
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if method == 'POST':
            h.setdefault('Content-Type', 'application/json')    # migbenchd takes no other
        conn = (http.client.HTTPConnection('127.0.0.1', self.port, timeout=30) if tcp
                else UnixConnection(self.sock))
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            return Reply(r.status, dict(r.getheaders()), r.read())
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request('GET', path, **kw)

    def post(self, path, body=None, **kw):
        return self.request('POST', path, body, **kw)

    def submit(self, **spec):
        r = self.post('/api/v1/runs', spec)
        if r.status != 202:
            raise RuntimeError('POST /runs: %d %s' % (r.status, r.body))
        return r.json()

    def run(self, run_id):
        return self.get('/api/v1/runs/%d' % run_id).json()

    def wait_state(self, run_id, states, timeout=120):
        end = time.time() + timeout
        while time.time() < end:
            run = self.run(run_id)
            if run['state'] in states:
                return run
            time.sleep(0.1)
        raise RuntimeError('run %d stuck in %s' % (run_id, run['state']))

    def wait_progress(self, run_id, prefix, timeout=120):
        end = time.time() + timeout
        while time.time() < end:
            run = self.run(run_id)
            if (run.get('progress') or '').startswith(prefix):
                return run
            if run['state'] not in ('queued', 'running'):
                raise RuntimeError('run %d ended %s (%s: %s) before "%s"' %
                                   (run_id, run['state'], run.get('result'), run.get('error'), prefix))
            time.sleep(0.05)
        raise RuntimeError('run %d never reported "%s"' % (run_id, prefix))

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def cleanup(self):
        self.stop()
        self.log.close()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)


def run_tests(d, *tests):
    """Each test(d) in turn; one that raises fails with the daemon's log.
    The daemon is stopped and its directory removed in any case."""
    try:
        for test in tests:
            test(d)
    except Exception as e:
        ok(False, 'unexpected: %r' % e)
        diag(d.log_text())
    finally:
        d.cleanup()


def small_run(**extra):
    spec = {'vcpus': 1, 'mem_per_vcpu': '8M', 'iterations': 2}
    spec.update(extra)
    return spec


def long_run(**extra):
    """A run that keeps going until cancelled (several minutes at most)."""
    spec = {'vcpus': 1, 'mem_per_vcpu': '32M', 'iterations': 100000}
    spec.update(extra)
    return spec


def worker_pids():
    out = subprocess.run(['pgrep', '-x', 'migbench-worker'], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def workers_of(daemon_pid):
    """The migbench-worker processes whose parent is daemon_pid: other
    daemons on this host may have theirs."""
    out = []
    for p in os.listdir('/proc'):
        try:
            with open('/proc/%s/stat' % p) as f:
                stat_line = f.read()
        except OSError:
            continue
        comm = stat_line[stat_line.index('(') + 1:stat_line.rindex(')')]
        if comm == 'migbench-worker' and int(stat_line[stat_line.rindex(')') + 2:].split()[1]) == daemon_pid:
            out.append(int(p))
    return out


def wait_until(cond, seconds):
    """Poll cond every 0.2 s for up to seconds; its last answer."""
    end = time.time() + seconds
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.2)
    return cond()
