#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A second KVM host for tests and benchmarks: Debian bookworm with a stock
Debian kernel under QEMU TCG (-cpu max: AMD with svm and npt emulated, so
the guest's KVM runs kvm_amd with nested paging and the TDP MMU), with
migbench installed and migbenchd running, reached through QEMU's user
network on a forwarded loopback port.  Unlike this machine it can be
rebooted, kexec'd and reset by a test.

    import testhost
    image = testhost.prepare(build_dir)      # cached; built when inputs change
    with testhost.TestHost(image, 'my-test') as host:
        host.start()
        host.wait_ready(600)
        rc, out, err = host.exec(['uname', '-r'])
        status, run = host.api('POST', '/api/v1/runs', {'kind': 'dirtylog'})

Each start() boots from a copy-on-write overlay of the cached image in a
private directory, so the image is never written and every test starts
from the same disk; with keep_disk=True the overlay also outlives stop()
until close().  Within one QEMU process the disk persists anyway: across
guest reboots, kexec and QMP system_reset, all of which come back through
QEMU's reset in the default kernel (no -no-reboot), as campaigns need.

QEMU dies with the process that started it (PR_SET_PDEATHSIG), and is
stopped on exit, SIGTERM and SIGHUP.

Run as a program it boots the image by hand (see --help)."""
import argparse
import atexit
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import weakref

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from daemon_fixture import free_port  # noqa: E402
from channels import QMP, GuestAgent, ChannelError, AgentError  # noqa: E402
from image import prepare, Image, Kernel, PrepareError  # noqa: E402
from lifetime import die_with_parent, exit_on_signals, signals_held  # noqa: E402

__all__ = ['prepare', 'Image', 'Kernel', 'PrepareError', 'TestHost', 'ChannelError',
           'AgentError']

QEMU = shutil.which('qemu-system-x86_64') or '/usr/bin/qemu-system-x86_64'
# panic=5: a panic comes back in the default kernel.  hugepagesz/hugepages:
# 1GiB pages exist inside for hugetlb-1g runs, two for a local migration's
# two ends (a 1GiB page is seldom found free once the host has run a while).  loglevel=4 keeps the
# kernel's warnings on the console log; systemd's status lines are noise.
# tsc=reliable: a lab machine's TSC is invariant, and TCG's is too (every
# vCPU reads the one host TSC), but the CPU model does not say so, and an
# AMD model with two CPUs and no invariant-TSC bit is marked "TSCs
# unsynchronized" at boot and runs on the HPET.  KVM on such a host does
# not keep its guests' TSC steady, and the migration guest paces its
# writes by its TSC: it wrote 6 or 10 MiB/s for 8, or stayed silent.
CMDLINE = ('console=ttyS0 root=/dev/vda rw panic=5 hugepagesz=1G hugepages=2 '
           'loglevel=4 systemd.show_status=0 tsc=reliable')

DIR_PREFIX = 'migbench-testhost-'

_live = weakref.WeakSet()


def _stop_all():
    for host in list(_live):
        host.close()


atexit.register(_stop_all)


def remove_orphans():
    """Private directories of test hosts whose process was killed (SIGKILL
    leaves no time to remove them; QEMU died with it)."""
    top = tempfile.gettempdir()
    for name in os.listdir(top):
        path = os.path.join(top, name)
        if not name.startswith(DIR_PREFIX) or os.lstat(path).st_uid != os.geteuid() or \
                not os.path.isdir(path) or os.path.islink(path):
            continue
        try:
            with open(os.path.join(path, 'owner')) as f:
                owner = int(f.read())
        except (OSError, ValueError):
            continue
        if not os.path.exists('/proc/%d' % owner):
            shutil.rmtree(path, ignore_errors=True)


def qemu_opt(value):
    """A value inside a QEMU option list, where a comma is written twice."""
    return value.replace(',', ',,')


def port_is_free(port):
    with socket.socket() as s:
        try:
            s.bind(('127.0.0.1', port))
        except OSError:
            return False
    return True


class TestHost:
    """One QEMU process at a time running image.  name names its logs:
    BUILD/meson-logs/testhost/NAME-console.log (the serial console, every
    boot of this TestHost) and NAME-qemu.log (QEMU's own messages)."""

    def __init__(self, image, name, kernel=None, memory_mb=5120, cpus=2, cmdline_extra='',
                 keep_disk=False, port=None):
        self.image = image
        self.name = name
        self.kernel = kernel or image.default_kernel
        self.memory_mb = memory_mb
        self.cpus = cpus
        self.cmdline = CMDLINE + (' ' + cmdline_extra if cmdline_extra else '')
        self.keep_disk = keep_disk
        self.wanted_port = port
        logs = os.path.join(image.build_dir, 'meson-logs', 'testhost')
        os.makedirs(logs, exist_ok=True)
        self.console_path = os.path.join(logs, name + '-console.log')
        self.qemu_log_path = os.path.join(logs, name + '-qemu.log')
        for path in (self.console_path, self.qemu_log_path):
            open(path, 'w').close()
        self.dir = None
        self.proc = None
        self.port = None
        self.agent = None
        self.started_at = None

    # -- the QEMU process

    def start(self):
        """Boot QEMU; returns at once (see wait_ready).  QEMU dies with the
        thread that starts it: call from the main thread, or one that lives
        as long as the test host."""
        if self.proc:
            raise RuntimeError('test host %s already started' % self.name)
        exit_on_signals()
        if self.dir is None:
            remove_orphans()
            self.dir = tempfile.mkdtemp(prefix=DIR_PREFIX)	# 0700
            with open(os.path.join(self.dir, 'owner'), 'w') as f:
                f.write('%d\n' % os.getpid())
        overlay = os.path.join(self.dir, 'disk.qcow2')
        if not (self.keep_disk and os.path.exists(overlay)):
            if os.path.exists(overlay):
                os.unlink(overlay)
            subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', self.image.path,
                            '-F', 'raw', overlay], check=True)
        for _ in range(5):
            self.port = self.wanted_port or free_port()
            if self._launch(overlay):
                break
            # the port may have been taken between free_port() and QEMU
            if self.wanted_port or 'host forwarding' not in self.qemu_log():
                break
        if not self.proc:
            raise RuntimeError('QEMU did not start: ' + self.qemu_log()[-2000:])
        self.agent = GuestAgent(os.path.join(self.dir, 'qga.sock'))
        _live.add(self)

    def _launch(self, overlay):
        qmp = os.path.join(self.dir, 'qmp.sock')
        for path in (qmp, os.path.join(self.dir, 'qga.sock')):
            if os.path.exists(path):
                os.unlink(path)
        # thread=single: one thread runs every vCPU in turn.  With a thread
        # per vCPU, code one vCPU patches (a kernel's int3-based text
        # patching) could still run stale on another: 6.12 oopsed on a
        # leftover int3 in __schedule mid-campaign and reset.
        argv = [QEMU, '-machine', 'q35', '-accel', 'tcg,thread=single', '-cpu', 'max', '-smp', str(self.cpus),
                '-m', str(self.memory_mb), '-nographic', '-nodefaults',
                '-kernel', self.kernel.vmlinuz, '-initrd', self.kernel.initrd,
                '-append', self.cmdline,
                '-chardev', 'file,id=console,path=%s,append=on' % qemu_opt(self.console_path),
                '-serial', 'chardev:console',
                '-drive', 'file=%s,format=qcow2,if=virtio' % qemu_opt(overlay),
                '-netdev', 'user,id=net0,hostfwd=tcp:127.0.0.1:%d-:%d' % (
                    self.port, self.image.guest_port),
                '-device', 'virtio-net-pci,netdev=net0,romfile=',  # no iPXE: -kernel boots
                '-device', 'virtio-rng-pci',
                '-device', 'virtio-serial-pci',
                '-chardev', 'socket,id=qga,path=%s,server=on,wait=off'
                % qemu_opt(os.path.join(self.dir, 'qga.sock')),
                '-device', 'virtserialport,chardev=qga,name=org.qemu.guest_agent.0',
                '-qmp', 'unix:%s,server=on,wait=off' % qemu_opt(qmp)]
        with open(self.qemu_log_path, 'a') as log:
            log.write('# %s\n' % ' '.join(argv))
            log.flush()
            # a session of its own: a Ctrl-C meant for the test must not
            # stop QEMU before the test has stopped it in order
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         preexec_fn=die_with_parent(), start_new_session=True)
        self.started_at = time.monotonic()
        end = time.monotonic() + 30
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                self.proc = None
                return False
            if os.path.exists(qmp):
                return True
            time.sleep(0.02)
        return True

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=20):
        """QEMU ends (asked to quit, so the overlay is written out; killed
        if it does not).  The private directory goes too unless keep_disk."""
        with signals_held():
            if self.agent:
                self.agent.close()
            if self.proc:
                if self.proc.poll() is None:
                    try:
                        self.qmp('quit', timeout=5)
                    except (OSError, ChannelError, ValueError):
                        pass
                    try:
                        self.proc.wait(timeout)
                    except subprocess.TimeoutExpired:
                        self.proc.kill()
                        self.proc.wait()
                self.proc = None
            if not self.keep_disk:
                self._remove_dir()

    def shutdown(self, timeout=300):
        """The guest powers off (QEMU then exits), then stop()."""
        if self.alive():
            try:
                self.agent.call('guest-shutdown', {'mode': 'powerdown'}, timeout=10)
            except (OSError, ChannelError):
                pass	# the agent often goes before it answers
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        self.stop()

    def close(self):
        """stop(), and the private directory removed in any case."""
        with signals_held():
            self.stop()
            self._remove_dir()
            _live.discard(self)

    def _remove_dir(self):
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- logs

    def console(self):
        with open(self.console_path, errors='replace') as f:
            return f.read()

    def qemu_log(self):
        with open(self.qemu_log_path, errors='replace') as f:
            return f.read()

    def _not_ready(self, why):
        return '%s; the console ends:\n%s' % (why, self.console()[-3000:])

    # -- readiness and reboots

    def _poll(self, timeout, failure, probe):
        """probe(seconds it may take) every 0.5 s until it returns true,
        while QEMU runs; its errors count as "not yet"."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive():
                raise RuntimeError(self._not_ready('QEMU exited: ' + self.qemu_log()[-1000:]))
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(self._not_ready('test host %s: %s in %d s'
                                                   % (self.name, failure, timeout)))
            try:
                if probe(min(5, left)):
                    return
            except (OSError, ChannelError, http.client.HTTPException):
                pass
            time.sleep(0.5)

    def wait_ready(self, timeout=600):
        """Until the guest agent answers and migbenchd's /health answers
        through the forwarded port; the seconds since QEMU started.
        TimeoutError (with the console's end) if not by timeout."""
        def ready(seconds):
            self.agent.ping(timeout=seconds)
            return self.api('GET', '/api/v1/health', timeout=seconds)[0] == 200

        self._poll(timeout, 'not ready', ready)
        return time.monotonic() - self.started_at

    def boot_id(self, timeout=10):
        return self.read_file('/proc/sys/kernel/random/boot_id', timeout=timeout).strip()

    def wait_reboot(self, old_boot_id, timeout=600):
        """Until the guest runs a boot other than old_boot_id and is ready;
        the seconds it took."""
        start = time.monotonic()
        self._poll(timeout, 'no new boot',
                   lambda seconds: self.boot_id(timeout=seconds) != old_boot_id)
        self.wait_ready(max(1, start + timeout - time.monotonic()))
        return time.monotonic() - start

    # -- the guest

    def exec(self, argv, timeout=60, input_data=None, env=None):
        """argv run in the guest through the agent, never through a shell:
        (exit code, stdout, stderr) as text."""
        rc, out, err = self.agent.exec(argv, timeout=timeout, input_data=input_data, env=env)
        return rc, out.decode(errors='replace'), err.decode(errors='replace')

    def spawn(self, argv):
        """argv started in the guest without waiting (systemctl kexec); its pid."""
        return self.agent.exec(argv, wait=False)

    def read_file(self, path, timeout=30, binary=False):
        data = self.agent.read_file(path, timeout=timeout)
        return data if binary else data.decode(errors='replace')

    def write_file(self, path, data, timeout=30):
        self.agent.write_file(path, data.encode() if isinstance(data, str) else data,
                              timeout=timeout)

    def kernel_release(self):
        return self.read_file('/proc/sys/kernel/osrelease').strip()

    def qmp(self, command, timeout=30, **arguments):
        return QMP(os.path.join(self.dir, 'qmp.sock'))(command, timeout=timeout, **arguments)

    def api(self, method, path, body=None, timeout=30):
        """migbenchd's REST API in the guest through the forwarded port,
        with the token and the Host header it answers for: (status, JSON
        body, the text of one that is not JSON, or None)."""
        headers = {'Host': 'localhost:%d' % self.image.guest_port,
                   'Authorization': 'Bearer ' + self.image.token}
        if body is not None:
            body = json.dumps(body)
            headers['Content-Type'] = 'application/json'
        elif method == 'POST':
            headers['Content-Type'] = 'application/json'
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
        finally:
            conn.close()
        try:
            return r.status, json.loads(data) if data else None
        except ValueError:	# a report in text, markdown or csv
            return r.status, data.decode('utf-8', 'replace')


def say(text):
    print(text, flush=True)


def main():
    p = argparse.ArgumentParser(
        description='Boot the test host by hand: prepare the image for a build directory, '
                    'start it and wait until migbenchd answers, then keep it running until '
                    'Ctrl-C.  Needs root.')
    p.add_argument('--build', default=os.environ.get('MIGBENCH_BUILD', 'build'),
                   help='the build directory to install migbench from (default: build)')
    p.add_argument('--kernel', help='boot this kernel (a release prefix, e.g. 6.12); '
                   'a reset still comes back in it')
    p.add_argument('--port', type=int, help="this machine's loopback port for migbenchd "
                   "(default: the guest's own port when free, so that `migbench --url` works)")
    p.add_argument('--memory', type=int, default=5120, help='MiB (default 5120: 3 GiB beside '
                   'the two 1GiB pages reserved at boot)')
    p.add_argument('--cpus', type=int, default=2)
    p.add_argument('--name', default='manual')
    args = p.parse_args()
    image = prepare(args.build, log=say)
    say('image %s (%s in %.1f s)' % (image.path, 'built' if image.built else 'reused',
                                     image.seconds))
    port = args.port
    if port is None and port_is_free(image.guest_port):
        port = image.guest_port
    host = TestHost(image, args.name, kernel=image.kernel(args.kernel) if args.kernel else None,
                    memory_mb=args.memory, cpus=args.cpus, port=port)
    with host:
        host.start()
        say('booting %s; console: %s' % (host.kernel.release, host.console_path))
        say('ready in %.1f s' % host.wait_ready())
        say('migbenchd: http://127.0.0.1:%d (Host: localhost:%d), token in %s'
            % (host.port, image.guest_port, image.token_file))
        if host.port == image.guest_port:
            say('  %s/cli/migbench --url http://127.0.0.1:%d --token-file %s host'
                % (image.build_dir, host.port, image.token_file))
        say('QMP: %s; Ctrl-C stops it' % os.path.join(host.dir, 'qmp.sock'))
        try:
            while host.alive():
                time.sleep(1)
        except KeyboardInterrupt:
            pass


if __name__ == '__main__':
    main()
