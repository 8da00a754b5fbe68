#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Who may change migbenchd's state, attacked for real: an unprivileged
user made for the test (mbtest-http) POSTs over TCP and over the unix
socket, before and after it joins the group migbench; root over the
socket; the bearer token.  Then what a browser page could do: forged Host
headers (DNS rebinding), cross-origin POSTs, form and text bodies.  And
the modes of the socket, its directory, the data directory and the
database."""
import grp
import json
import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_fixture import Daemon, MIGBENCHD, ok, diag, done, skip_all, small_run

USER = 'mbtest-http'
GROUP = 'migbench'
PYTHON = '/usr/bin/python3'	# the test's own may sit under /root, out of the user's reach

# Run as the test user: one request, the answer as JSON on stdout.
CHILD = r'''
import http.client, json, socket, sys
a = json.loads(sys.argv[1])
class Unix(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(a['sock'])
c = (http.client.HTTPConnection('127.0.0.1', a['port'], timeout=30) if a['tcp']
     else Unix('localhost', timeout=30))
c.request(a['method'], a['path'], body=a['body'], headers=a['headers'])
r = c.getresponse()
print(json.dumps({'status': r.status, 'type': r.getheader('Content-Type', ''),
                  'body': r.read().decode()}))
'''


def run(*cmd):
    subprocess.run(cmd, check=True, capture_output=True)


class TestUser:
    """The user, and the group migbench when the test had to make it."""

    def __init__(self):
        subprocess.run(['userdel', USER], capture_output=True)	# left by a killed run
        run('useradd', '--system', '--user-group', '--no-create-home',
            '--shell', '/usr/sbin/nologin', USER)
        self.pw = pwd.getpwnam(USER)
        self.made_group = False

    def join(self):
        try:
            grp.getgrnam(GROUP)
        except KeyError:
            run('groupadd', '--system', GROUP)
            self.made_group = True
        run('usermod', '-a', '-G', GROUP, USER)

    def leave(self):
        run('gpasswd', '-d', USER, GROUP)

    def remove(self):
        subprocess.run(['userdel', USER], capture_output=True)
        if self.made_group:	# a group that was there before stays
            subprocess.run(['groupdel', GROUP], capture_output=True)

    def request(self, d, method, path, body=None, tcp=False, headers=None):
        h = dict(headers or {})
        if method == 'POST':
            h.setdefault('Content-Type', 'application/json')
        if isinstance(body, dict):
            body = json.dumps(body)
        args = json.dumps({'sock': d.sock, 'port': d.port, 'tcp': tcp, 'method': method,
                           'path': path, 'body': body, 'headers': h})
        p = subprocess.run([PYTHON, '-c', CHILD, args], capture_output=True, text=True,
                           timeout=60, user=self.pw.pw_uid, group=self.pw.pw_gid,
                           extra_groups=[], cwd='/')
        if p.returncode:
            diag(p.stderr)
            return {'status': 0, 'type': '', 'body': p.stderr}
        return json.loads(p.stdout)


def detail(r):
    try:
        return json.loads(r['body'] if isinstance(r, dict) else r.body).get('detail', '')
    except ValueError:
        return ''


def sock_dir():
    """A directory the test user can reach, as /run/migbench is: 0755 root."""
    path = tempfile.mkdtemp(prefix='migbench-sock-')
    os.chmod(path, 0o755)
    return path


def test_user_without_token(u, d):
    r = u.request(d, 'GET', '/api/v1/health', tcp=True)
    ok(r['status'] == 200, 'the user reads over TCP')
    r = u.request(d, 'POST', '/api/v1/runs', small_run(iterations=1), tcp=True)
    ok(r['status'] == 403 and r['type'] == 'application/problem+json' and
       'use the unix socket as root or a member of group migbench' in detail(r) and
       '--token-file' in detail(r),
       'the user POSTs over TCP with no token configured: 403 saying how to get access (%d)' % r['status'])
    r = u.request(d, 'GET', '/api/v1/runs')
    ok(r['status'] == 200, 'the user reads over the socket (mode 0666)')
    r = u.request(d, 'POST', '/api/v1/runs', small_run(iterations=1))
    ok(r['status'] == 403 and detail(r).startswith('uid %d may not POST /api/v1/runs' % u.pw.pw_uid),
       'the user outside group migbench POSTs over the socket: 403 (%d %s)' % (r['status'], detail(r)))
    ok(d.get('/api/v1/runs').json()['runs'] == [], 'and no run was made')
    r = d.post('/api/v1/runs', small_run(iterations=1, label='root'))
    ok(r.status == 202, 'root over the socket: 202')
    u.join()
    r = u.request(d, 'POST', '/api/v1/runs', small_run(iterations=1, label='member'))
    ok(r['status'] == 202, 'after joining group migbench the user POSTs over the socket: 202 (%d %s)'
       % (r['status'], detail(r)))
    rid = json.loads(r['body']).get('id', 0) if r['status'] == 202 else 0
    r = u.request(d, 'POST', '/api/v1/runs/%d/cancel' % rid, tcp=True)
    ok(r['status'] == 403, 'but still not over TCP: 403')
    r = u.request(d, 'POST', '/api/v1/runs/%d/cancel' % rid)
    ok(r['status'] in (200, 202, 409), 'and cancels its run over the socket (%d)' % r['status'])
    u.leave()
    r = u.request(d, 'POST', '/api/v1/runs', small_run(iterations=1))
    ok(r['status'] == 403, 'once out of the group again: 403 (membership read per request)')


def test_user_with_token(u):
    token = 'access-token-0123456789'
    d = Daemon(token=token, sock_dir=sock_dir())
    try:
        r = u.request(d, 'POST', '/api/v1/runs', small_run(iterations=1), tcp=True)
        ok(r['status'] == 401 and 'needs the bearer token' in detail(r), 'the user over TCP without the token: 401')
        r = u.request(d, 'POST', '/api/v1/runs', small_run(iterations=1), tcp=True,
                      headers={'Authorization': 'Bearer ' + token})
        ok(r['status'] == 202, 'the user over TCP with the token: 202 (%d)' % r['status'])
        r = u.request(d, 'POST', '/api/v1/runs', small_run(iterations=1))
        ok(r['status'] == 401, 'the user over the socket, outside the group, without the token: 401')
        r = u.request(d, 'POST', '/api/v1/runs', small_run(iterations=1), tcp=True,
                      headers={'Authorization': 'Bearer ' + token, 'Origin': 'http://evil.example'})
        ok(r['status'] == 403, 'the token from another web origin: 403')
    finally:
        d.cleanup()
        shutil.rmtree(os.path.dirname(d.sock), ignore_errors=True)


def raw(d, data):
    with socket.create_connection(('127.0.0.1', d.port), timeout=10) as s:
        s.sendall(data)
        return s.recv(65536).decode(errors='replace')


def test_browser(d):
    port = d.port
    for host in ('evil.example', 'attacker.com:%d' % port, '127.0.0.1:%d' % (port + 1), '127.0.0.1',
                 'localhost.evil.example:%d' % port):
        r = d.get('/api/v1/runs', tcp=True, headers={'Host': host})
        ok(r.status == 421 and r.content_type == 'application/problem+json' and
           r.json()['title'] == 'Misdirected Request', 'GET with Host %s: 421' % host)
    r = d.get('/', tcp=True, headers={'Host': 'attacker.com:%d' % port})
    ok(r.status == 421, 'the dashboards too: 421 for a rebinding Host')
    r = d.get('/api/v1/health', headers={'Host': 'evil.example'})
    ok(r.status == 421, 'a foreign Host on the unix socket: 421')
    ok(raw(d, b'GET /api/v1/health HTTP/1.0\r\n\r\n').startswith('HTTP/1.1 421'), 'no Host over TCP: 421')
    for host in ('localhost:%d' % port, 'localhost', '127.0.0.1:%d' % port, 'LOCALHOST:%d' % port,
                 'bench.example.org:%d' % port, 'bench.example.org'):
        r = d.get('/api/v1/health', tcp=True, headers={'Host': host})
        ok(r.status == 200, 'Host %s: 200' % host)
    rid = d.post('/api/v1/runs', small_run(iterations=1, label='browser')).json()['id']
    cancel = '/api/v1/runs/%d/cancel' % rid
    for h, what in (({'Origin': 'http://evil.example'}, 'Origin http://evil.example'),
                    ({'Origin': 'null'}, 'Origin null'),
                    ({'Origin': 'http://localhost:%d' % (port + 1)}, 'Origin on another port'),
                    ({'Sec-Fetch-Site': 'cross-site'}, 'Sec-Fetch-Site cross-site')):
        r = d.post(cancel, headers=h)
        ok(r.status == 403 and 'another web origin' in r.json()['detail'], 'root POST with %s: 403' % what)
        r = d.post('/api/v1/runs', small_run(), headers=h)
        ok(r.status == 403, 'POST /runs with %s: 403' % what)
    r = d.post(cancel, headers={'Origin': 'http://localhost'})
    ok(r.status in (200, 202, 409), 'same-origin POST (Origin = Host): accepted (%d)' % r.status)
    r = d.post(cancel, headers={'Content-Type': 'text/plain'})
    ok(r.status == 415 and r.json()['detail'] == 'send POST %s as Content-Type: application/json' % cancel,
       'text/plain cancel: 415')
    r = d.post(cancel, '', headers={'Content-Type': 'application/x-www-form-urlencoded'})
    ok(r.status == 415, 'form-encoded cancel: 415')
    r = d.post('/api/v1/runs', 'vcpus=1&label=form', headers={'Content-Type': 'application/x-www-form-urlencoded'})
    ok(r.status == 415, 'form-encoded POST /runs: 415')
    r = d.post('/api/v1/runs', 'x', headers={'Content-Type': 'multipart/form-data; boundary=x'})
    ok(r.status == 415, 'multipart POST /runs: 415')
    for body in (None, '{}'):
        r = d.post(cancel, body)
        ok(r.status in (200, 202, 409), 'cancel with %s and application/json: accepted (%d)'
           % ('an empty body' if body is None else body, r.status))
    r = d.post(cancel, '{"now": true}')
    ok(r.status == 400 and r.json()['detail'] == 'cancel takes no request body, or {}', 'cancel with a body: 400')


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_modes(d):
    ok(mode(d.sock) == 0o666 and stat.S_ISSOCK(os.lstat(d.sock).st_mode), 'the socket is 0666 (%o)' % mode(d.sock))
    ok(mode(d.dir) == 0o700, 'the data directory is 0700 (%o)' % mode(d.dir))
    files = [f for f in ('migbench.db', 'migbench.db-wal', 'migbench.db-shm')
             if os.path.exists(os.path.join(d.dir, f))]
    modes = {f: mode(os.path.join(d.dir, f)) for f in files}
    ok(len(files) == 3 and all(m == 0o600 for m in modes.values()),
       'the database and its WAL files are 0600 (%s)' % modes)


def test_old_modes():
    """What an earlier migbenchd left world-readable is narrowed at start."""
    data = tempfile.mkdtemp(prefix='migbench-old-')
    os.chmod(data, 0o755)
    db = os.path.join(data, 'migbench.db')
    open(db, 'w').close()
    os.chmod(db, 0o644)
    d = Daemon(data_dir=data)
    try:
        ok(mode(data) == 0o700 and mode(db) == 0o600, 'an old 0755 data dir and 0644 database become 0700 and 0600 '
           '(%o, %o)' % (mode(data), mode(db)))
    finally:
        d.cleanup()
        shutil.rmtree(data, ignore_errors=True)


def test_socket_dir_refused():
    data = tempfile.mkdtemp(prefix='migbench-data-')
    for name, prepare in (('writable by others (0777)', lambda p: (os.mkdir(p), os.chmod(p, 0o777))),
                          ('group-writable (0775)', lambda p: (os.mkdir(p), os.chmod(p, 0o775))),
                          ('a symlink', lambda p: os.symlink(data, p))):
        parent = tempfile.mkdtemp(prefix='migbench-parent-')
        sdir = os.path.join(parent, 'run')
        prepare(sdir)
        p = subprocess.run([MIGBENCHD, '--no-config', '--data-dir', data, '--listen', 'unix:' + os.path.join(sdir, 'sock')],
                           capture_output=True, text=True, timeout=30)
        ok(p.returncode != 0 and 'writable by nobody else' in p.stderr and
           not os.path.exists(os.path.join(sdir, 'sock')),
           'a socket directory %s: migbenchd refuses to start' % name)
        shutil.rmtree(parent, ignore_errors=True)
    shutil.rmtree(data, ignore_errors=True)


def main():
    if os.geteuid() != 0:
        skip_all('not root: the test makes a user and a group (useradd, groupadd)')
    config_dir = tempfile.mkdtemp(prefix='migbench-config-')
    config = os.path.join(config_dir, 'config.json')
    with open(config, 'w') as f:
        json.dump({'host_names': ['bench.example.org']}, f)
    u = TestUser()
    d = None
    try:
        d = Daemon('--config', config, sock_dir=sock_dir())
        test_modes(d)
        test_user_without_token(u, d)
        test_browser(d)
        test_user_with_token(u)
        test_old_modes()
        test_socket_dir_refused()
    except Exception as e:
        ok(False, 'unexpected: %r' % e)
        if d:
            diag(d.log_text())
    finally:
        if d:
            d.cleanup()
            shutil.rmtree(os.path.dirname(d.sock), ignore_errors=True)
        u.remove()
        shutil.rmtree(config_dir, ignore_errors=True)
    ok(subprocess.run(['id', USER], capture_output=True).returncode != 0, 'the test user is gone')
    done()


main()
