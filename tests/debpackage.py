# SPDX-License-Identifier: MIT
"""migbench's Debian package, built from this checkout by
dpkg-buildpackage -us -uc -b and kept by the digest of its sources, so the
package test and the test host's image (which installs it) share one
build: build() returns the .deb's path (and its -dbgsym's beside it)."""
import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get('MIGBENCH_PACKAGE_CACHE', '/var/cache/migbench/package')
KEEP = 2


def source_files():
    """The checkout's files (tracked, and new ones not ignored): what the package is made of."""
    # root reads a checkout someone else owns (scripts/as-root.sh re-runs through sudo)
    out = subprocess.run(['git', '-c', 'safe.directory=' + ROOT, '-C', ROOT, 'ls-files', '-z', '--cached', '--others',
                          '--exclude-standard'], capture_output=True, check=True).stdout
    # a tracked file deleted in the work tree is not part of it
    return sorted(p for p in out.decode().split('\0') if p and os.path.lexists(os.path.join(ROOT, p)))


def digest(files):
    h = hashlib.sha256()
    for p in files:
        path = os.path.join(ROOT, p)
        h.update(p.encode() + b'\0')
        h.update(os.readlink(path).encode() if os.path.islink(path) else open(path, 'rb').read())
        h.update(b'\0%o\0' % (os.lstat(path).st_mode & 0o111))
    return h.hexdigest()[:16]


def prune():
    entries = sorted((e for e in os.listdir(CACHE) if e.startswith('deb-')),
                     key=lambda e: os.stat(os.path.join(CACHE, e)).st_mtime, reverse=True)
    for e in entries[KEEP:]:
        shutil.rmtree(os.path.join(CACHE, e), ignore_errors=True)


def build(log=lambda text: None):
    """The .deb of this checkout: built (minutes) unless its sources' build is kept."""
    files = source_files()
    key = digest(files)
    os.makedirs(CACHE, mode=0o755, exist_ok=True)
    lock = os.open(CACHE, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    fcntl.flock(lock, fcntl.LOCK_EX)	# one build at a time; the others wait for it
    try:
        entry = os.path.join(CACHE, 'deb-' + key)
        if not os.path.isdir(entry):
            log('package: building migbench %s with dpkg-buildpackage' % key)
            tmp = tempfile.mkdtemp(prefix='tmp-deb-', dir=CACHE)
            try:
                src = os.path.join(tmp, 'migbench')
                for p in files:
                    d = os.path.join(src, p)
                    os.makedirs(os.path.dirname(d), exist_ok=True)
                    shutil.copy2(os.path.join(ROOT, p), d, follow_symlinks=False)
                # the tools' temporary files inside tmp, which goes with the build
                env = dict(os.environ, DEB_BUILD_OPTIONS='nocheck parallel=%d' % (os.cpu_count() or 1),
                           TMPDIR=tmp)
                p = subprocess.run(['dpkg-buildpackage', '-us', '-uc', '-b'], cwd=src, env=env,
                                   capture_output=True, text=True)
                if p.returncode:
                    raise RuntimeError('dpkg-buildpackage failed (%d):\n%s' %
                                       (p.returncode, (p.stdout + p.stderr)[-4000:]))
                out = os.path.join(tmp, 'out')
                os.mkdir(out)
                for name in os.listdir(tmp):
                    if name.endswith(('.deb', '.ddeb', '.changes', '.buildinfo')):
                        shutil.move(os.path.join(tmp, name), out)
                os.rename(out, entry)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        os.utime(entry)
        prune()
        debs = sorted(n for n in os.listdir(entry) if n.endswith('.deb'))
        main = [n for n in debs if n.startswith('migbench_')]
        if len(main) != 1:
            raise RuntimeError('%s holds %s, not one migbench_*.deb' % (entry, debs))
        return os.path.join(entry, main[0])
    finally:
        os.close(lock)
