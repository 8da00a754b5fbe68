#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The test host fixture (tests/testhost/): its image is prepared (built
from Debian packages the first time, reused after), it boots under QEMU
TCG into Debian's 6.1 kernel with KVM on nested paging and the TDP MMU and
1GiB pages reserved, migbenchd there completes a real dirty-log run, a
kexec into 6.12 and a QMP reset come back ready with the disk kept, and
stopping it leaves nothing behind."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'testhost'))
from daemon_fixture import BUILD, ok, diag, done, skip_all  # noqa: E402
import testhost  # noqa: E402

HUGE_1G = '/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages'
MARKER = '/var/lib/migbench-testhost-marker'


def check_requirements():
    if os.geteuid() != 0:
        skip_all('not root: the test host image is built with mmdebstrap in root mode')
    if not shutil.which('qemu-system-x86_64'):
        skip_all('qemu-system-x86_64 is not installed (scripts/deps.sh installs it)')
    accels = subprocess.run(['qemu-system-x86_64', '-accel', 'help'],
                            capture_output=True, text=True).stdout.split()
    if 'tcg' not in accels:
        skip_all('this QEMU has no TCG accelerator')


def image_state(image):
    st = os.stat(image.path)
    return (image.path, st.st_ino, st.st_size, st.st_mtime_ns)


def check_kvm(host, release):
    rc, out, err = host.exec(['uname', '-r'])
    ok(rc == 0 and out.strip() == release, 'the guest runs %s (%s)' % (release, out.strip() or err))
    rc, _, _ = host.exec(['test', '-c', '/dev/kvm'])
    ok(rc == 0, '/dev/kvm exists in the guest')
    npt = host.read_file('/sys/module/kvm_amd/parameters/npt').strip()
    ok(npt == 'Y', 'kvm_amd is loaded with nested paging (npt=%s)' % npt)
    tdp = host.read_file('/sys/module/kvm/parameters/tdp_mmu').strip()
    ok(tdp == 'Y', 'KVM uses the TDP MMU (tdp_mmu=%s)' % tdp)


def check_package(host):
    """migbench as its Debian package installed it: the package's unit with
    no drop-in, its group, and the config at its default path (which is
    what makes migbenchd listen where the test reaches it)."""
    rc, out, _ = host.exec(['dpkg-query', '-W', '-f', '${Status} ${Version}', 'migbench'])
    ok(rc == 0 and out.startswith('install ok installed '), 'the migbench package is installed (%s)' % out)
    rc, out, _ = host.exec(['systemctl', 'show', '-p', 'FragmentPath', '-p', 'DropInPaths', '-p',
                            'ExecStart', 'migbenchd.service'])
    props = dict(l.split('=', 1) for l in out.splitlines() if '=' in l)
    ok(props.get('FragmentPath') in ('/lib/systemd/system/migbenchd.service',
                                     '/usr/lib/systemd/system/migbenchd.service') and
       not props.get('DropInPaths') and 'path=/usr/bin/migbenchd ' in props.get('ExecStart', ''),
       "migbenchd.service is the package's unit, run as it is (%s)" % props)
    rc, out, _ = host.exec(['getent', 'group', 'migbench'])
    ok(rc == 0 and out.startswith('migbench:'), "the package's sysusers entry made group migbench (%s)" % out.strip())
    rc, out, _ = host.exec(['stat', '-c', '%a %U', '/var/lib/migbench'])
    ok(rc == 0 and out.strip() == '700 root', 'the data directory is root\'s alone (%s)' % out.strip())
    rc, out, _ = host.exec(['migbench', 'host', '--json'])
    ok(rc == 0 and json.loads(out)['kvm_available'] is True,
       "the packaged client reaches the packaged service on its default socket")


def check_first_boot(host, image):
    start = time.monotonic()
    host.start()
    seconds = host.wait_ready(600)
    diag('boot to migbenchd answering: %.1f s (%s)' % (seconds, image.default_kernel.release))
    ok(True, 'the test host boots and migbenchd answers through the forwarded port')
    check_kvm(host, image.default_kernel.release)
    pages = host.read_file(HUGE_1G).strip()
    meminfo = host.read_file('/proc/meminfo')
    diag(*[line for line in meminfo.splitlines() if line.startswith(('Huge', 'MemTotal'))])
    ok(pages == '2', 'two 1GiB hugepages reserved in the guest (%s)' % pages)
    rc, out, _ = host.exec(['systemctl', 'is-active', 'migbenchd.service'])
    ok(out.strip() == 'active', 'migbenchd.service is active (%s)' % out.strip())
    check_package(host)
    diag('qemu start to ready, measured outside: %.1f s' % (time.monotonic() - start))


def check_run(host):
    status, run = host.api('POST', '/api/v1/runs',
                           {'kind': 'dirtylog', 'vcpus': 1, 'mem_per_vcpu': '64M',
                            'iterations': 2, 'backing': 'anonymous', 'label': 'testhost'})
    ok(status == 202, 'POST /api/v1/runs with the token: 202 (%s)' % status)
    if status != 202:
        diag(run)
        return
    start = time.monotonic()
    while time.monotonic() - start < 300:
        status, run = host.api('GET', '/api/v1/runs/%d' % run['id'])
        if run['state'] not in ('queued', 'running'):
            break
        time.sleep(1)
    ok(run['state'] == 'done', 'the dirty-log run ends done in the guest (%s, %s, %.0f s)'
       % (run['state'], run.get('error'), time.monotonic() - start))
    status, samples = host.api('GET', '/api/v1/runs/%d/samples' % run['id'])
    clears = [s for s in (samples or {}).get('samples', []) if s['metric'] == 'clear_dirty_log_ns']
    ok(len(clears) == 2 and all(s['value'] > 0 for s in clears),
       'two clear-dirty-log samples (%s ns)' % [s['value'] for s in clears])
    ok(run.get('kernel', {}).get('release', '').startswith('6.1.0'),
       'the run records the guest kernel (%s)' % run.get('kernel', {}).get('release'))


def wait_banner(host, release, count, timeout=120):
    """getty prints a boot's banner when it is ready, which may be after
    migbenchd answers: wait for the count-th banner of that kernel."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if host.console().count(' ttyS0, Linux %s' % release) >= count:
            return True
        time.sleep(1)
    return False


def check_kexec(host, image):
    wait_banner(host, image.default_kernel.release, 1)
    new = image.kernel('6.12')
    marker = 'written before the kexec %d\n' % time.time_ns()
    host.write_file(MARKER, marker)
    rc, _, err = host.exec(['sync'])
    start = time.monotonic()
    rc, _, err = host.exec(['kexec', '-s', '-l', new.boot_vmlinuz, '--initrd=' + new.boot_initrd,
                            '--reuse-cmdline'], timeout=120)
    ok(rc == 0, 'kexec -s -l %s (%s)' % (new.release, err.strip()))
    loaded = time.monotonic()
    old = host.boot_id()
    host.spawn(['systemctl', 'kexec'])
    seconds = host.wait_reboot(old, 600)
    diag('kexec: load %.1f s, systemctl kexec to migbenchd answering %.1f s'
         % (loaded - start, seconds))
    check_kvm(host, new.release)
    ok(host.read_file(MARKER) == marker, 'the file written before the kexec is there')
    wait_banner(host, new.release, 1)
    return marker


def check_reset(host, image, marker):
    old = host.boot_id()
    host.exec(['sync'])
    host.qmp('system_reset')
    seconds = host.wait_reboot(old, 600)
    diag('QMP system_reset to migbenchd answering: %.1f s' % seconds)
    release = host.kernel_release()
    ok(release == image.default_kernel.release,
       'after a reset the guest is back in the default kernel (%s)' % release)
    ok(host.read_file(MARKER) == marker, 'the disk kept its content across kexec and reset')
    wait_banner(host, release, 2)


def check_stopped(host, pid, private_dir, port):
    host.close()
    ok(not os.path.exists('/proc/%d' % pid), 'no QEMU process is left (pid %d)' % pid)
    ok(not os.path.exists(private_dir), 'its private directory is gone')
    with socket.socket() as s:
        try:
            s.bind(('127.0.0.1', port))
            free = True
        except OSError:
            free = False
    ok(free, 'the forwarded port %d is free again' % port)


def main():
    check_requirements()
    image = testhost.prepare(BUILD, log=diag)
    diag('image %s %s in %.1f s (base %s)' % (image.path, 'built' if image.built else 'reused',
                                               image.seconds,
                                               'built' if image.base_built else 'reused'))
    ok(len(image.kernels) == 2 and image.kernels[0].release.startswith('6.1.0-') and
       image.kernels[1].release.startswith('6.12.'),
       'the image holds Debian 6.1 and 6.12 kernels (%s)' % ', '.join(
           k.release for k in image.kernels))
    ok(os.stat(image.token_file).st_mode & 0o777 == 0o600, 'the token is kept 0600 beside it')
    before = image_state(image)

    host = testhost.TestHost(image, 'testhost')
    try:
        check_first_boot(host, image)
        check_run(host)
        marker = check_kexec(host, image)
        check_reset(host, image, marker)
        banners = [line for line in host.console().splitlines() if ' ttyS0, Linux ' in line]
        diag(*banners)
        ok([b.rsplit(' ', 1)[1] for b in banners] ==
           [image.default_kernel.release, image.kernel('6.12').release,
            image.default_kernel.release],
           'the console log (%s) has the login prompt of each boot, with its kernel'
           % host.console_path)
        check_stopped(host, host.proc.pid, host.dir, host.port)
    except Exception as e:
        ok(False, 'unexpected: %r' % e)
        diag(host.console()[-4000:])
    finally:
        host.close()

    again = testhost.prepare(BUILD)
    diag('second prepare: %s in %.1f s' % ('built' if again.built else 'reused', again.seconds))
    ok(not again.built and image_state(again) == before,
       'a second prepare reuses the image unchanged by the boot (%s)' % again.path)
    done()


main()
