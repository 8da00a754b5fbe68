#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The migration guest (engine/libvirt/mbguest) alone under QEMU with KVM: it
boots, starts every vCPU, dirties what it was told to at the rate it was
told to (as QEMU's own dirty-rate measurement sees it), reports progress
on its serial console, and refuses bad settings with a clear message."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_fixture import BUILD, ok, diag, done, require_kvm, skip_all

GUEST = os.path.join(BUILD, 'engine', 'libvirt', 'mbguest.elf')
QEMU = shutil.which('qemu-system-x86_64')


class Guest:
    def __init__(self, cmdline, smp=2, mem=1024):
        self.dir = tempfile.mkdtemp(prefix='mbguest-')
        self.serial = os.path.join(self.dir, 'serial.log')
        self.qmp_path = os.path.join(self.dir, 'qmp.sock')
        # this host's QEMU 7.2 needs arch-capabilities off with -cpu host
        self.proc = subprocess.Popen(
            [QEMU, '-accel', 'kvm', '-cpu', 'host,-arch-capabilities', '-m', str(mem),
             '-smp', str(smp), '-kernel', GUEST, '-append', cmdline, '-display', 'none',
             '-nodefaults', '-no-reboot', '-serial', 'file:' + self.serial,
             '-qmp', 'unix:%s,server=on,wait=off' % self.qmp_path],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def console(self):
        try:
            return open(self.serial).read()
        except OSError:
            return ''

    def wait_console(self, text, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            if text in self.console():
                return True
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        return False

    def passes(self):
        """Each vCPU's passes over its slice, from the last progress line."""
        lines = [l for l in self.console().splitlines() if l.startswith('mbguest: t=')]
        return [int(x) for x in lines[-1].split('passes')[1].split()] if lines else []

    def wait_passes(self, n, timeout=60):
        end = time.time() + timeout
        while time.time() < end and self.proc.poll() is None:
            counts = self.passes()
            if counts and min(counts) >= n:
                return True
            time.sleep(0.2)
        return False

    def qmp(self, *commands):
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.qmp_path)
        f = s.makefile('rw')
        f.readline()	# greeting
        replies = []
        for cmd in (('qmp_capabilities', {}),) + commands:
            f.write(json.dumps({'execute': cmd[0], 'arguments': cmd[1]}) + '\n')
            f.flush()
            while True:
                r = json.loads(f.readline())
                if 'event' not in r:
                    replies.append(r)
                    break
        s.close()
        return replies[1:]

    def dirty_rate(self, seconds=2):
        """MB/s, as QEMU's page-sampling dirty-rate measurement sees it."""
        self.qmp(('calc-dirty-rate', {'calc-time': seconds}))
        end = time.time() + seconds + 20
        while time.time() < end:
            r = self.qmp(('query-dirty-rate', {}))[0]['return']
            if r.get('status') == 'measured':
                return r['dirty-rate']
            time.sleep(0.3)
        return None

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def main():
    require_kvm()
    if not QEMU:
        skip_all('qemu-system-x86_64 is not installed (scripts/deps.sh installs it)')
    if not os.path.exists(GUEST):
        skip_all('the guest was not built')

    g = Guest('wss=768M cpus=2 rate_mib_s=64 access=sequential')
    try:
        ok(g.wait_console('mbguest: 2 cpus dirtying 768 MiB sequentially at 64 MiB/s'),
           'the guest boots, starts both vCPUs and says what it dirties')
        rate = g.dirty_rate()
        ok(rate is not None and 64 * 0.6 <= rate <= 64 * 1.6,
           'QEMU measures the capped guest at about 64 MB/s (%s)' % rate)
        ok(g.wait_console('mbguest: t=3s'), 'progress on the serial console every second')
        last = [l for l in g.console().splitlines() if l.startswith('mbguest: t=')][-1]
        diag(last)
    finally:
        g.stop()

    g = Guest('wss=768M cpus=2 access=random')
    try:
        ok(g.wait_console('mbguest: 2 cpus dirtying 768 MiB randomly at full MiB/s'),
           'random access without a rate cap')
        # Until the guest has touched most of its memory, its rate is the
        # host's fault-in rate (slow under a nested shadow MMU), not its own:
        # three random passes leave 5% of a slice untouched.
        ok(g.wait_passes(3), 'both vCPUs made three passes before the measurement (%s)'
           % g.passes())
        fast = g.dirty_rate()
        ok(fast is not None and rate is not None and fast > 1.2 * rate,
           'uncapped, QEMU measures more (%s MB/s against %s)' % (fast, rate))
    finally:
        g.stop()

    for cmdline, smp, mem, want in (
            ('wss=256M cpus=3', 2, 1024, 'mbguest: error: only 2 of 3 CPUs started; this host cannot start the others'),
            ('wss=2G cpus=1', 1, 1024, 'mbguest: error: wss: larger than the RAM above 16MiB'),
            ('wss=12Q', 1, 512, 'mbguest: error: wss: a size such as 512M, at most 3G')):
        g = Guest(cmdline, smp=smp, mem=mem)
        try:
            ok(g.wait_console(want, timeout=20), '"%s" with %d vCPUs: %s' % (cmdline, smp, want))
        finally:
            g.stop()
    done()


main()
