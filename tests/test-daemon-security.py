#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Attacks on migration runs through the real migbenchd, as a local user
(mbtest-lv, made here and deleted after) and as a requester would make
them: the private libvirtd, virtlogd and QEMU of a run listen on no TCP
port and on no unix socket the user can reach; destinations that would make
root run a program or open a path are refused; guest kernels come only from
the configured directory; clean-up after a restart never follows a user's
symlink and leaves /tmp alone; a worker killed with -9, and a daemon killed
with -9, leave no guest, libvirtd, tracefs instance or hugepage behind."""
import json
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_fixture import (BUILD, MIGBENCHD, Daemon, HUGE_1G, ok, diag, done, require_kvm,
                            skip_all, wait_until, workers_of)

USER = 'mbtest-lv'
GUEST = os.path.join(BUILD, 'engine', 'libvirt', 'mbguest.elf')
TRACEFS = '/sys/kernel/tracing/instances'


def nr_1g():
    with open(os.path.join(HUGE_1G, 'nr_hugepages')) as f:
        return int(f.read())


def as_user(*cmd):
    return subprocess.run(['runuser', '-u', USER, '--'] + list(cmd), capture_output=True,
                          text=True, timeout=60)


def migration(**extra):
    spec = {'kind': 'migration', 'vcpus': 2, 'memory': '1G', 'backing': 'hugetlb-1g',
            'wss': '512M', 'rate_mib_s': 64}
    spec.update(extra)
    return spec


DECOYS = set()   # processes of the test's own that name the state directory


def our_pids(state_dir):
    """Running processes of runs in state_dir: libvirtd, virtlogd, QEMU carry their directory."""
    mark = ('MIGBENCH_PRIVATE_DIR=' + state_dir + '/').encode()
    pids = {}
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        try:
            with open('/proc/%s/environ' % p, 'rb') as f:
                env = f.read().split(b'\0')
            with open('/proc/%s/comm' % p) as f:
                comm = f.read().strip()
        except OSError:
            continue
        if any(e.startswith(mark) for e in env) and alive(int(p)) and int(p) not in DECOYS:
            pids[int(p)] = comm
    return pids


def socket_inodes(pid):
    out = set()
    try:
        for fd in os.listdir('/proc/%d/fd' % pid):
            try:
                link = os.readlink('/proc/%d/fd/%s' % (pid, fd))
            except OSError:
                continue
            if link.startswith('socket:['):
                out.add(int(link[8:-1]))
    except OSError:
        pass
    return out


def listening_tcp():
    """inode -> 'address:port' of every listening TCP socket on the host."""
    out = {}
    for name in ('/proc/net/tcp', '/proc/net/tcp6'):
        with open(name) as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                if cols[3] == '0A':
                    out[int(cols[9])] = cols[1]
    return out


def listening_unix():
    """inode -> path ('' unnamed, '@...' abstract) of every listening unix socket."""
    out = {}
    with open('/proc/net/unix') as f:
        for line in f.readlines()[1:]:
            cols = line.split()
            if int(cols[3], 16) & 0x10000:	# __SO_ACCEPTCON: listening
                out[int(cols[6])] = cols[7] if len(cols) > 7 else ''
    return out


def alive(pid):
    """Running: not gone and not a zombie (this host's init may be slow to reap)."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] not in ('Z', 'X')
    except OSError:
        return False


def host_path(pid, path, state_dir):
    """Where the socket pid bound at path (in its own mount namespace) is in
    this one: the file in state_dir with the same inode; None if none is."""
    try:
        st = os.stat('/proc/%d/root%s' % (pid, path))
    except OSError:
        return None
    for top, dirs, files in os.walk(state_dir):
        for name in files + dirs:
            full = os.path.join(top, name)
            try:
                other = os.lstat(full)
            except OSError:
                continue
            if (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino):
                return full
    return None


def guests(state_dir):
    """migbench guests (pgrep -f guest=migbench-) of runs in state_dir: other
    migbenchds on this host may have theirs."""
    r = subprocess.run(['pgrep', '-f', 'guest=migbench-'], capture_output=True, text=True)
    return [int(p) for p in r.stdout.split() if int(p) in our_pids(state_dir)]


def trace_instances(worker):
    name = 'migbench-%d' % worker
    return [name] if os.path.exists(os.path.join(TRACEFS, name)) else []


def start_migration(d, label):
    """A migration that cannot converge (slower than the guest dirties), under way."""
    run = d.submit(**migration(label=label, max_bandwidth=50))
    try:
        d.wait_progress(run['id'], 'migrating', timeout=180)
    except RuntimeError:
        diag('run %s: %s' % (label, d.run(run['id'])['error']), d.log_text()[-2000:])
        raise
    return run


def check_config_refusals(tmp):
    """The administrator cannot allow a parameter that runs or opens something,
    nor keep private state where someone else could reach it."""
    def start(config):
        cfg = os.path.join(tmp, 'bad.json')
        with open(cfg, 'w') as f:
            json.dump(config, f)
        return subprocess.run([MIGBENCHD, '--data-dir', os.path.join(tmp, 'bad-data'),
                               '--listen', 'unix:' + os.path.join(tmp, 'bad.sock'),
                               '--config', cfg], capture_output=True, text=True, timeout=30)
    for name in ('command', 'socket', 'netcat', 'keyfile'):
        p = start({'destination_query_allow': ['no_verify', name]})
        ok(p.returncode == 2 and 'destination_query_allow: "%s" names a program' % name in p.stderr,
           'destination_query_allow ["%s"] is refused at start (%s)' % (name, p.stderr.strip()))
    users = os.path.join(tmp, 'users-state')
    os.mkdir(users, 0o700)
    os.chown(users, pwd.getpwnam(USER).pw_uid, -1)
    link = os.path.join(tmp, 'link-state')
    os.symlink(users, link)
    loose = os.path.join(tmp, 'loose-state')
    os.mkdir(loose)
    os.chmod(loose, 0o755)
    for path, what in ((users, "a user's directory"), (link, 'a symlink'), (loose, 'mode 0755')):
        p = start({'migration_state_dir': path})
        ok(p.returncode != 0 and 'migration_state_dir' in p.stderr,
           'migration_state_dir that is %s: migbenchd refuses to start (%s)' % (what, p.stderr.strip()))


def check_destinations(d, tmp):
    marker = os.path.join(tmp, 'evil-ran')
    evil = os.path.join(tmp, 'evil')
    with open(evil, 'w') as f:
        f.write('#!/bin/sh\ntouch %s\n' % marker)
    os.chmod(evil, 0o755)
    before = len(d.get('/api/v1/runs').json()['runs'])
    for dest, what in (('qemu+ssh://localhost/system?command=' + evil, '?command= naming a program'),
                       ('qemu+ssh://localhost/system?no_verify=1&command=' + evil, '?command= after an allowed one'),
                       ('qemu+ssh://localhost/system?socket=/run/libvirt/libvirt-sock', '?socket='),
                       ('qemu+ssh://localhost/system?netcat=' + evil, '?netcat='),
                       ('qemu+ssh://' + 'a' * 280 + '/system', 'a 300-character destination'),
                       ('qemu+ssh://localhost/system?command=' + evil + '&x=' + 'a' * 260,
                        'a long destination with ?command='),
                       ('qemu+ext:///system?command=' + evil, 'qemu+ext://'),
                       ('qemu+unix:///system?socket=/run/libvirt/libvirt-sock', 'qemu+unix://'),
                       ('qemu+ssh://-oProxyCommand=' + evil + '/system', 'an ssh option as the host')):
        r = d.post('/api/v1/runs', migration(destination=dest))
        body = r.json() if r.status == 400 else {}
        ok(r.status == 400 and body.get('field') == 'destination',
           '%s: 400 naming destination (%s)' % (what, body.get('detail')))
    time.sleep(3)
    ok(not os.path.exists(marker), 'the program named in the destination never ran')
    ok(len(d.get('/api/v1/runs').json()['runs']) == before, 'no run was created')


def check_guest_kernels(d, tmp):
    kdir = d.kernel_dir
    good = os.path.join(kdir, 'mbguest.elf')
    shutil.copy(GUEST, good)
    os.chmod(good, 0o644)
    os.symlink('/etc/shadow', os.path.join(kdir, 'shadow-link'))
    loose = os.path.join(kdir, 'everyones.elf')
    shutil.copy(GUEST, loose)
    os.chmod(loose, 0o666)
    outside = 'guest_kernel: must name a file in the guest kernel directory ' + kdir
    details = {}
    for name in ('/etc/shadow', '../../etc/shadow', '/nonexistent/vmlinuz', 'nonexistent.elf',
                 kdir + '/../../../etc/shadow', '/dev/vda', 'shadow-link', 'everyones.elf'):
        r = d.post('/api/v1/runs', migration(memory='1T', guest_kernel=name))
        body = r.json() if r.status == 400 else {}
        details[name] = body.get('detail')
        ok(r.status == 400 and body.get('field') == 'guest_kernel',
           'guest_kernel %s: 400 naming guest_kernel (%s)' % (name, body.get('detail')))
    same = [details[n] for n in ('/etc/shadow', '../../etc/shadow', '/nonexistent/vmlinuz',
                                 'nonexistent.elf', kdir + '/../../../etc/shadow', '/dev/vda')]
    ok(all(x == outside for x in same),
       'paths outside the directory, existing or not, get the same words: "%s"' % outside)
    ok('symlink' in (details['shadow-link'] or '') and '/etc/shadow' not in details['shadow-link'],
       'a symlink in the directory is refused without saying where it points')
    r = d.post('/api/v1/runs', migration(guest_initrd='/etc/shadow', guest_kernel='mbguest.elf'))
    ok(r.status == 400 and r.json().get('field') == 'guest_initrd', 'guest_initrd /etc/shadow: 400')
    run = d.submit(**migration(label='own-kernel', memory='1T', guest_kernel='mbguest.elf'))
    ok(run['spec']['guest_kernel'] == good, 'a kernel in the directory is accepted as %s' % good)
    final = d.wait_state(run['id'], ('done', 'failed'), timeout=60)
    ok(final['result'] == 'host-unavailable', 'and runs as far as the host allows (%s)' % final['error'])


def check_sockets(d):
    """During a migration: no TCP listener of a run, no unix socket the user can reach."""
    pids = our_pids(d.state_dir)
    comms = sorted(set(pids.values()))
    ok({'libvirtd', 'virtlogd'} <= set(comms) and any(c.startswith('qemu') for c in comms),
       'the run has its libvirtds, virtlogds and QEMUs (%s)' % ', '.join(comms))
    tcp, unix = listening_tcp(), listening_unix()
    mine_tcp, mine_unix = [], []
    for pid, comm in pids.items():
        for inode in socket_inodes(pid):
            if inode in tcp:
                mine_tcp.append('%s[%d] %s' % (comm, pid, tcp[inode]))
            if inode in unix:
                mine_unix.append((comm, pid, unix[inode]))
    ss = subprocess.run(['ss', '-lntpx'], capture_output=True, text=True).stdout
    ok(not mine_tcp and not any(('"%s",pid=%d' % (c, p)) in ss and ' tcp ' in l
                                for l in ss.splitlines() for p, c in pids.items()),
       'no listening TCP socket belongs to them (%s)' % mine_tcp)
    # a path a process bound in its private /run or /var/lib/libvirt is a file of the state directory
    where = [(c, p, path, host_path(p, path, d.state_dir)) for c, p, path in mine_unix]
    outside = [w for w in where if not w[3] or not w[3].startswith(d.state_dir + '/')]
    ok(mine_unix and not outside,
       'all %d of their listening unix sockets are files in the state directory (outside: %s)'
       % (len(mine_unix), outside))
    for c, p, path, real in where:
        if real != path:
            diag('%s[%d] %s is %s' % (c, p, path, real))
    mode = stat.S_IMODE(os.stat(d.state_dir).st_mode)
    ok(os.stat(d.state_dir).st_uid == 0 and mode == 0o700, 'the state directory is root\'s, 0700')
    ok(as_user('ls', d.state_dir).returncode != 0, 'the user cannot enter it')
    sockets = sorted(set(w[3] for w in where if w[3]))
    reached = []
    for path in sockets:
        uri = 'qemu+unix:///system?socket=' + path
        if as_user('virsh', '-c', uri, 'list').returncode == 0:
            reached.append(path)
    ok(not reached, 'virsh as %s fails on each of the %d sockets (reached: %s)' % (USER, len(sockets), reached))
    for path in sockets:
        if path.endswith('/libvirt-sock'):
            p = subprocess.run(['virsh', '-c', 'qemu+unix:///system?socket=' + path, 'list', '--name'],
                               capture_output=True, text=True, timeout=30)
            ok(p.returncode == 0, 'while root reaches %s (%s)' % (path, p.stdout.strip() or p.stderr.strip()))
    plant = as_user('ln', '-s', '/etc/shadow', os.path.join(d.state_dir, 'run-planted'))
    ok(plant.returncode != 0 and not os.path.lexists(os.path.join(d.state_dir, 'run-planted')),
       'the user cannot plant a symlink in the state directory')


def tracefs_mounted():
    with open('/proc/self/mounts') as f:
        return any(line.split()[1:3] == ['/sys/kernel/tracing', 'tracefs'] for line in f)


# a worker mounts tracefs for its trace when it is not: a killed one's mount is reaped too
TRACEFS_BEFORE = tracefs_mounted()


def leftovers_gone(d, before, worker):
    return (not guests(d.state_dir) and not trace_instances(worker) and not our_pids(d.state_dir) and
            nr_1g() == before and not [n for n in os.listdir(d.state_dir) if n.startswith('run-')]
            and tracefs_mounted() == TRACEFS_BEFORE)


def report_leftovers(d, before, worker):
    diag('guests %s, trace instances %s, processes %s, pool %d (was %d), dirs %s, tracefs '
         'mounted %s (was %s)'
         % (guests(d.state_dir), trace_instances(worker), our_pids(d.state_dir), nr_1g(), before,
            os.listdir(d.state_dir), tracefs_mounted(), TRACEFS_BEFORE))


def main():
    require_kvm()
    if os.geteuid() != 0 or not os.path.isdir(HUGE_1G):
        skip_all('migrations need root (private libvirtd, tracefs) and a 1GiB hugepage pool')
    for prog in ('/usr/sbin/libvirtd', '/usr/bin/qemu-system-x86_64', '/usr/bin/virsh'):
        if not os.path.exists(prog):
            skip_all('%s is not installed (scripts/deps.sh installs it)' % prog)
    subprocess.run(['userdel', USER], capture_output=True)
    if subprocess.run(['useradd', '--no-create-home', '--shell', '/bin/sh', USER]).returncode:
        skip_all('cannot create the user ' + USER)
    tmp = tempfile.mkdtemp(prefix='mbtest-sec-')
    os.chmod(tmp, 0o755)	# the user may look, not write
    user_dir = '/tmp/migbench-libvirtd-%d' % os.getpid()
    d = None
    try:
        before = nr_1g()
        check_config_refusals(tmp)

        # an old-style clean-up walked /tmp as root: a user's directory there, with a link out
        canary = os.path.join(tmp, 'canary')
        with open(canary, 'w') as f:
            f.write('keep me\n')
        ok(as_user('mkdir', user_dir).returncode == 0 and
           as_user('ln', '-s', canary, os.path.join(user_dir, 'victim')).returncode == 0,
           'the user made %s with a symlink to a root-owned canary' % user_dir)
        d = Daemon(config={'destination_query_allow': ['no_verify'],
                                  'limits': {'guest_memory_per_run': '4T',
                                             'hugepage_memory_per_run': '4T'}})
        ok(as_user('ln', '-s', canary, os.path.join(d.state_dir, 'run-x')).returncode != 0,
           'the user cannot plant a symlink in the state directory %s' % d.state_dir)
        check_destinations(d, tmp)
        check_guest_kernels(d, tmp)

        run = start_migration(d, 'attacked')
        check_sockets(d)

        # the worker dies with -9 while the daemon lives: the daemon reaps
        pids = workers_of(d.proc.pid)
        worker = pids[0] if pids else 0
        ok(len(pids) == 1 and trace_instances(worker), 'one worker, tracing QEMU (%s)'
           % trace_instances(worker))
        ok(guests(d.state_dir) != [], 'its guests run (pgrep -f guest=migbench-: %s)' % guests(d.state_dir))
        # decoys the reaper must spare: root processes naming the run's
        # directory inside another variable's value, or exactly but not
        # being a program a run starts
        entry = 'MIGBENCH_PRIVATE_DIR=%s/run-decoy/' % d.state_dir
        decoys = [subprocess.Popen(['sleep', '120'], env={'NOTE': 'x ' + entry}),
                  subprocess.Popen(['sleep', '120'], env={'MIGBENCH_PRIVATE_DIR':
                                                          entry.split('=', 1)[1]})]
        DECOYS.update(x.pid for x in decoys)
        for p in pids:
            os.kill(p, signal.SIGKILL)
        gone = wait_until(lambda: leftovers_gone(d, before, worker), 10)
        ok(all(x.poll() is None for x in decoys),
           'the reap spares root processes that only name the state directory in their '
           'environment')
        for x in decoys:
            x.kill()
            x.wait()
        if not gone:
            report_leftovers(d, before, worker)
        ok(gone, 'kill -9 of the worker: within 10 s no guest, tracefs instance or mount, '
           'private libvirtd/virtlogd or directory left, and the 1GiB pool back to %d' % before)
        final = d.wait_state(run['id'], ('done', 'failed'), timeout=30)
        ok(final['result'] == 'worker-crashed', 'the run is marked worker-crashed (%s)' % final['error'])

        # the daemon dies with -9: its worker hears it and tears down by itself
        run = start_migration(d, 'orphaned')
        pids = workers_of(d.proc.pid)
        worker = pids[0] if pids else 0
        ok(guests(d.state_dir) != [] and worker, 'a second migration is under way')
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait()
        d.log.close()
        # the worker stops the migration job, the guest and both private
        # libvirtds in turn: 15 s was once too short for that here
        gone = wait_until(lambda: not guests(d.state_dir) and not alive(worker)
                          and not our_pids(d.state_dir), 30)
        if not gone:
            report_leftovers(d, before, worker)
        ok(gone, 'kill -9 of the daemon: its worker tore down, no guest or libvirtd within 30 s')
        d2 = Daemon(data_dir=d.dir, config={'destination_query_allow': ['no_verify'],
                                  'limits': {'guest_memory_per_run': '4T',
                                             'hugepage_memory_per_run': '4T'}})
        try:
            after = d2.run(run['id'])
            ok(after['state'] == 'interrupted', 'the restart marks the run interrupted')
            clean = wait_until(lambda: leftovers_gone(d2, before, worker), 10)
            if not clean:
                report_leftovers(d2, before, worker)
            ok(clean, 'and nothing is left: no guest, instance, directory; the pool at %d' % before)
        finally:
            d2.cleanup()
        with open(canary) as f:
            ok(f.read() == 'keep me\n', 'the canary is intact')
        ok(os.path.islink(os.path.join(user_dir, 'victim')),
           'the user\'s directory in /tmp was left alone (migbench no longer touches /tmp)')
    finally:
        if d:
            d.cleanup()
        shutil.rmtree(user_dir, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
        subprocess.run(['userdel', USER], capture_output=True)
    ok(subprocess.run(['id', USER], capture_output=True).returncode != 0, 'the user %s is gone' % USER)
    done()


main()
