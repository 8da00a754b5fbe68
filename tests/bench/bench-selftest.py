#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""migbench-dirtylog against the kernel's own dirty_log_perf_test, on one
configuration, interleaved A B B A in rounds so that drift and other load
weigh on both alike.  Prints each run, then per metric the medians of both
sides with their spread and the ratio migbench/selftest.  A benchmark, not
a test: it prints figures.

The selftest is built from Debian's linux-source package (installed with
apt-get when missing) in a cache directory outside the project: the kernel
source is used only there.  Its guest code is built with
-mgeneral-regs-only: compiled as it is, the selftest's ucall zeroes its
struct with SSE, which an x86 instruction emulator without SSE (a host
that emulates guest code) cannot run.

Needs root (hugepages, /dev/kvm, apt-get): run as root, or as a user with
sudo, which it then calls itself.  Exit 0 with figures; 1 when a run
fails; 2 when the selftest cannot be built or the host lacks something."""
import argparse
import fcntl
import hashlib
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HUGE_1G = '/sys/kernel/mm/hugepages/hugepages-1048576kB'
GIB = 1 << 30
# What headers_install and the KVM selftests' Makefile read of the tree.
SOURCE_PARTS = ['Makefile', 'Kbuild', 'Kconfig', 'arch/Kconfig', 'arch/x86', 'include',
                'scripts', 'tools', 'usr']
SELFTEST_CFLAGS = '-mgeneral-regs-only'


class Failure(Exception):
    """Why the benchmark cannot go on, and its exit code."""

    def __init__(self, message, code=2):
        super().__init__(message)
        self.code = code


def as_root():
    """Run again through sudo unless root already (a fresh Debian has no sudo)."""
    if os.geteuid() == 0:
        return
    if shutil.which('sudo'):
        os.execvp('sudo', ['sudo', '--', sys.executable, os.path.abspath(__file__)] +
                  sys.argv[1:])
    raise Failure('needs root (hugepages, /dev/kvm, apt-get), and this machine has no '
                  'sudo: run it as root')


def run_logged(cmd, log, cwd=None):
    """Run a build step with its output in log; Failure naming the step if it fails."""
    with open(log, 'a') as f:
        f.write('$ %s\n' % ' '.join(cmd))
        f.flush()
        rc = subprocess.call(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT)
    if rc:
        with open(log) as f:
            tail = ''.join(f.readlines()[-15:])
        raise Failure('cannot build dirty_log_perf_test: "%s" failed (exit %d); the end of '
                      '%s:\n%s' % (' '.join(cmd), rc, log, tail))


def package_version(pkg):
    """The installed version of a Debian package, or None."""
    r = subprocess.run(['dpkg-query', '-W', '-f=${Status}\t${Version}', pkg],
                       capture_output=True, text=True)
    status, _, version = r.stdout.partition('\t')
    return version if r.returncode == 0 and status == 'install ok installed' else None


def install_source(pkg):
    """The package's version after installing it with apt-get if it is missing."""
    version = package_version(pkg)
    if version:
        return version
    print('installing %s with apt-get' % pkg, flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    # another apt may hold the lock for a while (an install going on)
    apt = ['apt-get', '-o', 'DPkg::Lock::Timeout=600', '-y', '-q']
    if subprocess.call(apt + ['install', '--no-install-recommends', pkg], env=env):
        subprocess.call(apt + ['update'], env=env)
        if subprocess.call(apt + ['install', '--no-install-recommends', pkg], env=env):
            raise Failure('cannot build dirty_log_perf_test: apt-get could not install %s'
                          % pkg)
    return package_version(pkg)


def source_tarball(pkg):
    r = subprocess.run(['dpkg-query', '-L', pkg], capture_output=True, text=True)
    tars = [p for p in r.stdout.split() if p.endswith('.tar.xz')]
    if not tars or not os.path.isfile(tars[0]):
        raise Failure('cannot build dirty_log_perf_test: %s holds no kernel tarball' % pkg)
    return tars[0]


def build_selftest(pkg, cache):
    """dirty_log_perf_test built from pkg's source, cached by version and flags."""
    for tool in ('make', 'gcc', 'tar', 'xz'):
        if not shutil.which(tool):
            raise Failure('cannot build dirty_log_perf_test: %s is not installed' % tool)
    version = install_source(pkg)
    key = hashlib.sha256(('%s %s %s' % (pkg, version, SELFTEST_CFLAGS)).encode()).hexdigest()
    out_dir = os.path.join(cache, '%s_%s-%s' % (pkg, version, key[:12]))
    binary = os.path.join(out_dir, 'dirty_log_perf_test')
    if os.access(binary, os.X_OK):
        return binary, version
    tarball = source_tarball(pkg)
    os.makedirs(cache, mode=0o755, exist_ok=True)
    work = tempfile.mkdtemp(prefix='build-', dir=cache)
    log = os.path.join(work, 'build.log')
    print('building dirty_log_perf_test from %s (%s) in %s' % (tarball, version, work),
          flush=True)
    top = os.path.basename(tarball)[:-len('.tar.xz')]
    run_logged(['tar', '-xJf', tarball, '-C', work] + [top + '/' + p for p in SOURCE_PARTS],
               log)
    src = os.path.join(work, top)
    run_logged(['make', '-C', src, 'headers_install'], log)
    kvm = os.path.join(src, 'tools/testing/selftests/kvm')
    # the Makefile's rule is for the path under OUTPUT, the directory itself
    run_logged(['make', '-C', kvm, '-j%d' % (os.cpu_count() or 1),
                'EXTRA_CFLAGS=' + SELFTEST_CFLAGS, os.path.join(kvm, 'dirty_log_perf_test')],
               log)
    staged = os.path.join(work, 'out')
    os.mkdir(staged)
    shutil.copy2(os.path.join(kvm, 'dirty_log_perf_test'), staged)
    shutil.copy2(log, staged)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.rename(staged, out_dir)
    # a failed build keeps its directory and log for a look; a good one only the result
    shutil.rmtree(work, ignore_errors=True)
    return binary, version


def build_migbench():
    r = subprocess.run([os.path.join(ROOT, 'scripts/build.sh')], capture_output=True,
                       text=True)
    if r.returncode:
        raise Failure('cannot build migbench:\n' + (r.stdout + r.stderr)[-2000:])
    return os.path.join(ROOT, 'build/cli/migbench-dirtylog')


class Pool:
    """The 1GiB hugepage pool raised for the session and put back after."""

    def __init__(self):
        self.previous = None

    def read(self, name):
        with open(os.path.join(HUGE_1G, name)) as f:
            return int(f.read())

    def reserve(self, pages):
        """True when pages free 1GiB pages are there; raises the pool for them."""
        if not os.path.isdir(HUGE_1G):
            return False
        nr, free = self.read('nr_hugepages'), self.read('free_hugepages')
        if free >= pages:
            return True
        self.previous = nr
        try:
            with open(os.path.join(HUGE_1G, 'nr_hugepages'), 'w') as f:
                f.write(str(nr + pages - free))
        except OSError:
            pass
        if self.read('free_hugepages') >= pages:
            return True
        self.restore()  # what the kernel found is given back at once
        return False

    def restore(self):
        if self.previous is not None:
            with open(os.path.join(HUGE_1G, 'nr_hugepages'), 'w') as f:
                f.write(str(self.previous))
            self.previous = None


def parse_size(text):
    m = re.fullmatch(r'(\d+)([KMGT]?)', text)
    if not m:
        raise argparse.ArgumentTypeError('a size such as 512M or 1G')
    return int(m.group(1)) << {'': 0, 'K': 10, 'M': 20, 'G': 30, 'T': 40}[m.group(2)]


TIME = r'(\d+\.\d+)s'
LINES = [  # both programs print these, in this format
    ('populate', re.compile(r'^Populate memory time: ' + TIME + '$')),
    ('enable', re.compile(r'^Enabling dirty logging time: ' + TIME + '$')),
    ('dirty', re.compile(r'^Iteration \d+ dirty memory time: ' + TIME + '$')),
    ('get', re.compile(r'^Iteration \d+ get dirty log time: ' + TIME + '$')),
    ('clear', re.compile(r'^Iteration \d+ clear dirty log time: ' + TIME + '$')),
    ('disable', re.compile(r'^Disabling dirty logging time: ' + TIME + '$')),
]
METRICS = [('populate', 'populate'), ('dirty', 'dirty memory, per iteration'),
           ('get', 'get dirty log, per iteration'), ('clear', 'clear dirty log, per iteration'),
           ('enable', 'enable dirty logging'), ('disable', 'disable dirty logging'),
           ('wall', 'whole run (wall)')]


def parse_output(text, iterations):
    """{metric: [seconds, ...]} from the lines both programs print."""
    values = {name: [] for name, _ in LINES}
    for line in text.splitlines():
        for name, pattern in LINES:
            m = pattern.match(line.strip())
            if m:
                values[name].append(float(m.group(1)))
    for name in ('populate', 'enable', 'disable'):
        if len(values[name]) != 1:
            return None
    if len(values['dirty']) != iterations or len(values['clear']) != iterations:
        return None
    return values


def run_once(side, cmd, iterations):
    """One run: its values and its wall time, from start to exit."""
    t0 = time.monotonic()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.monotonic() - t0
    values = parse_output(r.stdout, iterations) if r.returncode == 0 else None
    if values is None:
        raise Failure('%s failed (exit %d): %s\n%s' % (side, r.returncode, ' '.join(cmd),
                                                     r.stdout[-3000:]), 1)
    values['wall'] = [wall]
    return values


def spread(v):
    """min..max around the median, as percentages of it."""
    med = statistics.median(v)
    return '%+.0f%%..%+.0f%%' % (100 * (min(v) / med - 1), 100 * (max(v) / med - 1))


def seconds(v):
    return '%.6fs' % v if v < 0.1 else '%.3fs' % v


def report(runs, rounds):
    """Medians per side, the ratio of medians, and the ratio's range over rounds."""
    print('\n%-40s %-24s %-24s %s' % ('metric (n selftest, migbench)', 'selftest median [spread]',
                                      'migbench median [spread]', 'ratio [per round]'))
    for key, title in METRICS:
        a = [x for r in runs if r[1] == 'A' for x in r[2][key]]
        b = [x for r in runs if r[1] == 'B' for x in r[2][key]]
        if not a or not b:
            continue
        per_round = []
        for n in range(rounds):
            ra = [x for r in runs if r[0] == n and r[1] == 'A' for x in r[2][key]]
            rb = [x for r in runs if r[0] == n and r[1] == 'B' for x in r[2][key]]
            per_round.append(statistics.median(rb) / statistics.median(ra))
        ma, mb = statistics.median(a), statistics.median(b)
        print('%-40s %-24s %-24s %.2f [%.2f..%.2f]' % (
            '%s (%d, %d)' % (title, len(a), len(b)),
            '%s [%s]' % (seconds(ma), spread(a)), '%s [%s]' % (seconds(mb), spread(b)),
            mb / ma, min(per_round), max(per_round)))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--rounds', type=int, default=3, help='rounds of A B B A (3)')
    p.add_argument('--vcpus', type=int, default=2, help='vCPUs (2)')
    p.add_argument('--mem-per-vcpu', type=parse_size, default=512 << 20,
                   help='test memory per vCPU (512M)')
    p.add_argument('--iterations', type=int, default=3, help='iterations, at least 2 (3)')
    p.add_argument('--backing', choices=['auto', 'hugetlb-1g', 'anonymous'], default='auto',
                   help='auto: 1GiB hugepages when they can be reserved, else anonymous')
    p.add_argument('--source-package', default='linux-source-6.1',
                   help="Debian's kernel source package to build the selftest from")
    p.add_argument('--cache', default=os.environ.get('MIGBENCH_SELFTEST_CACHE',
                                                     '/var/cache/migbench/selftest'),
                   help='where the built selftest is kept ($MIGBENCH_SELFTEST_CACHE)')
    p.add_argument('--migbench', help='a migbench-dirtylog to use instead of building this tree')
    p.add_argument('--lock', help='a file to flock for the timing session only (not the build)')
    p.add_argument('extra', nargs='*', metavar='-- FLAG',
                   help='more migbench-dirtylog flags, after --')
    a = p.parse_args()
    if a.iterations < 2 or a.rounds < 1 or a.vcpus < 1 or a.mem_per_vcpu % 4096:
        p.error('iterations >= 2, rounds >= 1, vcpus >= 1, memory a multiple of 4KiB')
    return a


def size_text(n):
    for unit, shift in (('G', 30), ('M', 20), ('K', 10)):
        if n % (1 << shift) == 0:
            return '%d%s' % (n >> shift, unit)
    return str(n)


def session(a, selftest, migbench, pool):
    total = a.vcpus * a.mem_per_vcpu
    backing = a.backing
    if backing != 'anonymous':
        # the selftest maps one page more, to align its region to the page size
        ok = pool.reserve(-(-total // GIB) + 1)
        if not ok and backing == 'hugetlb-1g':
            raise Failure('cannot reserve %d 1GiB hugepages' % (-(-total // GIB) + 1))
        backing = 'hugetlb-1g' if ok else 'anonymous'
        if not ok:
            print('1GiB hugepages cannot be reserved here: anonymous memory', flush=True)
    size = size_text(a.mem_per_vcpu)
    cmds = {
        'A': [selftest, '-v', str(a.vcpus), '-b', size, '-i', str(a.iterations), '-s',
              'anonymous_hugetlb_1gb' if backing == 'hugetlb-1g' else 'anonymous'],
        'B': [migbench, '--vcpus', str(a.vcpus), '--mem-per-vcpu', size, '--iterations',
              str(a.iterations), '--backing', backing, '--quiet'] + a.extra,
    }
    print('A (selftest): %s\nB (migbench): %s' % (' '.join(cmds['A']), ' '.join(cmds['B'])),
          flush=True)
    runs = []
    for n in range(a.rounds):
        for side in 'ABBA':
            v = run_once('selftest' if side == 'A' else 'migbench', cmds[side], a.iterations)
            runs.append((n, side, v))
            print('round %d %s: populate %.3fs, dirty %s, clear %s, disable %s, wall %.3fs' % (
                n + 1, 'selftest' if side == 'A' else 'migbench', v['populate'][0],
                ' '.join('%.3f' % x for x in v['dirty']),
                ' '.join('%.6f' % x for x in v['clear']), seconds(v['disable'][0]),
                v['wall'][0]), flush=True)
    report(runs, a.rounds)


def main():
    a = parse_args()
    as_root()
    selftest, version = build_selftest(a.source_package, a.cache)
    migbench = a.migbench or build_migbench()
    print('kernel %s; %s %s; kvm.tdp_mmu=%s' % (
        os.uname().release, a.source_package, version,
        open('/sys/module/kvm/parameters/tdp_mmu').read().strip()
        if os.path.exists('/sys/module/kvm/parameters/tdp_mmu') else '?'), flush=True)
    lock = None
    if a.lock:
        lock = open(a.lock, 'a')
        fcntl.flock(lock, fcntl.LOCK_EX)
    pool = Pool()
    try:
        session(a, selftest, migbench, pool)
    finally:
        pool.restore()
        if lock:
            lock.close()


def on_signal(sig, frame):
    raise SystemExit(128 + sig)


if __name__ == '__main__':
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        main()
    except Failure as e:
        print('bench-selftest: %s' % e, file=sys.stderr)
        sys.exit(e.code)
    except KeyboardInterrupt:
        sys.exit(130)
