#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""migbench's Debian package, as dpkg-buildpackage -us -uc -b builds it
from this checkout (tests/debpackage.py; the test host's image installs
the same build): the .deb and its -dbgsym, the files a host gets, the
configuration as a conffile, maintainer scripts that make group migbench
and the directories and enable the service, and no lintian error."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_fixture import ok, diag, done, skip_all  # noqa: E402
import debpackage  # noqa: E402


def run(argv, env=None):
    return subprocess.run(argv, capture_output=True, text=True, timeout=600, env=env)


def main():
    if os.geteuid() != 0:
        skip_all('the package is built into /var/cache/migbench, root\'s')
    for tool in ('dpkg-buildpackage', 'lintian', 'dh'):
        if run(['sh', '-c', 'command -v ' + tool]).returncode:
            skip_all('%s is not installed (scripts/deps.sh installs it)' % tool)
    try:
        deb = debpackage.build(diag)
    except RuntimeError as e:
        ok(False, 'dpkg-buildpackage -us -uc -b builds the package')
        diag(str(e))
        done()
    out = os.path.dirname(deb)
    names = sorted(os.listdir(out))
    ok(re.fullmatch(r'migbench_[0-9.]+_amd64\.deb', os.path.basename(deb)) and
       any(re.fullmatch(r'migbench-dbgsym_[0-9.]+_amd64\.d?deb', n) for n in names),
       'dpkg-buildpackage -us -uc -b builds migbench_*.deb and its -dbgsym (%s)' % names)
    # "lrwxrwxrwx root/root 0 date ./path -> target": the path, not the target
    files = set(l.split(' -> ')[0].split()[-1].lstrip('.') for l in run(['dpkg-deb', '-c', deb]).stdout.splitlines())
    want = ['/usr/bin/migbench', '/usr/bin/migbench-dirtylog', '/usr/bin/migbenchd',
            '/usr/libexec/migbench/migbench-worker', '/lib/systemd/system/migbenchd.service',
            '/usr/lib/sysusers.d/migbench.conf', '/usr/libexec/migbench/mbguest.elf', '/usr/lib/tmpfiles.d/migbench.conf',
            '/etc/migbench/migbenchd.json', '/usr/share/man/man1/migbench.1.gz',
            '/usr/share/man/man1/migbench-dirtylog.1.gz', '/usr/share/man/man8/migbenchd.8.gz',
            '/usr/share/man/man5/migbenchd.json.5.gz', '/usr/share/bash-completion/completions/migbench',
            '/usr/share/doc/migbench/copyright']
    ok(all(f in files for f in want), 'the package holds the programs, the worker, the unit, sysusers '
       'and tmpfiles entries, the configuration, the man pages and completion (missing %s)' %
       [f for f in want if f not in files])
    ok(not any(f.startswith(('/usr/local', '/usr/share/migbench/tests', '/usr/include')) for f in files),
       'and nothing of a local install, the tests or headers')
    control = tempfile.mkdtemp(prefix='migbench-control-')
    conffiles = run(['dpkg-deb', '-e', deb, os.path.join(control, 'DEBIAN')])
    control = os.path.join(control, 'DEBIAN')
    try:
        read = lambda n: open(os.path.join(control, n)).read() if os.path.exists(os.path.join(control, n)) else ''
        ok(conffiles.returncode == 0 and '/etc/migbench/migbenchd.json' in read('conffiles').split(),
           'the configuration is a conffile: an edited one survives an upgrade')
        postinst = read('postinst')
        ok('systemd-sysusers' in postinst and 'migbench.conf' in postinst and 'systemd-tmpfiles' in postinst and
           'deb-systemd-helper' in postinst and 'migbenchd.service' in postinst,
           'postinst makes group migbench and the directories, then enables and starts migbenchd.service')
        fields = read('control')
        depends = re.search(r'^Depends: (.*)$', fields, re.M)
        ok(depends and all(lib in depends.group(1) for lib in ('libjson-c5', 'libsqlite3-0', 'libmicrohttpd12',
                                                              'libvirt0')),
           'it depends on the libraries it links (%s)' % (depends.group(1) if depends else fields))
    finally:
        shutil.rmtree(os.path.dirname(control), ignore_errors=True)
    changes = [n for n in names if n.endswith('.changes')]
    # lintian leaves its ELF caches (mldbm-elf-*) in TMPDIR: a directory of its own, removed
    scratch = tempfile.mkdtemp(prefix='migbench-lintian-')
    try:
        r = run(['lintian', '--fail-on', 'error', os.path.join(out, changes[0]) if changes else deb],
                env=dict(os.environ, TMPDIR=scratch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    tags = [l for l in r.stdout.splitlines() if l[:2] in ('E:', 'W:')]
    diag(*(tags or ['lintian: no error or warning']))
    ok(r.returncode == 0 and not [t for t in tags if t.startswith('E:')],
       'lintian reports no error (%d warnings)' % len([t for t in tags if t.startswith('W:')]))
    done()


main()
