#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Kernel campaigns on this host, which must never be rebooted by a test:
the refusals.  Without allow_reboot a campaign is refused; with it, every
bad field is answered 400 naming it, and a good campaign is still refused
(409) because this migbenchd is not the systemd service that a kexec
would stop first, and nothing is stored.  The campaigns themselves run in
the TCG test host (tests/test-campaign.py)."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_fixture import CLIENT, MIGBENCHD, Daemon, diag, done, ok, run_tests, small_run  # noqa: E402


def bzimage(path, version):
    """An x86 boot header as the boot protocol lays it out: 'HdrS' at
    0x202, the version string's offset (from 0x200) at 0x20e."""
    data = bytearray(0x400)
    data[0x202:0x206] = b'HdrS'
    struct.pack_into('<H', data, 0x20e, 0x100)
    v = version.encode() + b'\0'
    data[0x300:0x300 + len(v)] = v
    with open(path, 'wb') as f:
        f.write(bytes(data))
    os.chmod(path, 0o644)


def kernel_dir():
    d = tempfile.mkdtemp(prefix='migbench-boot-')
    os.chmod(d, 0o755)
    bzimage(os.path.join(d, 'vmlinuz-a'), '6.1.0-99-amd64 (builder@example) #1 SMP Debian 6.1.1-1')
    bzimage(os.path.join(d, 'vmlinuz-b'), '6.12.9+deb12-amd64 (builder@example) #1 SMP Debian 6.12.9-1')
    with open(os.path.join(d, 'initrd.img'), 'wb') as f:
        f.write(b'\0' * 512)
    os.chmod(os.path.join(d, 'initrd.img'), 0o644)
    with open(os.path.join(d, 'not-a-kernel'), 'wb') as f:
        f.write(b'\x7fELF' + b'\0' * 1020)
    os.chmod(os.path.join(d, 'not-a-kernel'), 0o644)
    os.symlink('vmlinuz-a', os.path.join(d, 'vmlinuz-link'))
    with open(os.path.join(d, 'vmlinuz-open'), 'wb') as f:
        f.write(open(os.path.join(d, 'vmlinuz-a'), 'rb').read())
    os.chmod(os.path.join(d, 'vmlinuz-open'), 0o666)
    return d


def good(kdir):
    return {
        'kernels': [{'label': 'base', 'image': 'vmlinuz-a', 'initrd': 'initrd.img'},
                    {'label': 'new', 'image': os.path.join(kdir, 'vmlinuz-b'),
                     'initrd': 'initrd.img', 'cmdline': 'console=ttyS0 kvm.tdp_mmu=1',
                     'tags': {'series': 'v2'}}],
        'runs': [dict(small_run(), repeat=2)],
        'rounds': 2,
    }


def with_change(kdir, path, value):
    """good() with one field replaced (value None: removed)."""
    c = good(kdir)
    obj = c
    for p in path[:-1]:
        obj = obj[p]
    if value is None:
        del obj[path[-1]]
    else:
        obj[path[-1]] = value
    return c


def test_refused_without_allow_reboot(kdir):
    d = Daemon(config={'host_kernel_dir': kdir})
    try:
        r = d.post('/api/v1/campaigns', good(kdir))
        ok(r.status == 403 and 'allow_reboot' in r.json()['detail'],
           'a campaign without allow_reboot in the config: 403 naming it')
        ok(d.get('/api/v1/campaigns').json() == {'campaigns': []}, 'and nothing stored')
    finally:
        d.cleanup()


BAD = [
    # (what, change path, value, field, words in the detail)
    ('no kernels', ['kernels'], None, 'kernels', 'is required'),
    ('one kernel', ['kernels'], [{'label': 'a', 'image': 'vmlinuz-a'}], 'kernels', '2 to 4'),
    ('a kernel without a label', ['kernels', 0, 'label'], None, 'kernels[0].label', 'required'),
    ('a label twice', ['kernels', 1, 'label'], 'base', 'kernels[1].label', 'kernels[0] too'),
    ('a label with a space', ['kernels', 0, 'label'], 'a b', 'kernels[0].label', 'letters'),
    ('an image outside the directory', ['kernels', 0, 'image'], '/etc/passwd', 'kernels[0].image',
     'must name a file in the host kernel directory'),
    ('an image by ..', ['kernels', 0, 'image'], '../vmlinuz-a', 'kernels[0].image',
     'must name a file in the host kernel directory'),
    ('an image that is a symlink', ['kernels', 0, 'image'], 'vmlinuz-link', 'kernels[0].image',
     'is a symlink'),
    ('an image anyone can write', ['kernels', 0, 'image'], 'vmlinuz-open', 'kernels[0].image',
     'writable by root only'),
    ('an image that is no bzImage', ['kernels', 0, 'image'], 'not-a-kernel', 'kernels[0].image',
     'not an x86 kernel image'),
    ('an image that does not exist', ['kernels', 1, 'image'], 'vmlinuz-none', 'kernels[1].image',
     'must name a file in the host kernel directory'),
    ('an initrd outside the directory', ['kernels', 1, 'initrd'], '/proc/self/environ',
     'kernels[1].initrd', 'must name a file'),
    ('a command line with the token', ['kernels', 1, 'cmdline'], 'quiet migbench.step=1.1',
     'kernels[1].cmdline', 'must not hold migbench.step='),
    ('a command line with a newline', ['kernels', 1, 'cmdline'], 'quiet\ninit=/bin/sh',
     'kernels[1].cmdline', 'printable'),
    ('a command line too long', ['kernels', 1, 'cmdline'], 'x' * 1537, 'kernels[1].cmdline',
     'at most 1536'),
    ('a kernel key unknown', ['kernels', 0, 'append'], 'quiet', 'kernels[0].append', 'unknown key'),
    ('no runs', ['runs'], [], 'runs', '1 to 16'),
    ('17 run requests', ['runs'], [{'kind': 'dirtylog', 'mem_per_vcpu': '8M'}] * 17, 'runs',
     '1 to 16'),
    ('a run with a label', ['runs', 0, 'label'], 'x', 'runs[0].label', 'kernel\'s label'),
    ('a run with a target CI', ['runs', 0, 'target_ci_percent'], 5, 'runs[0].target_ci_percent',
     'fixed repeat'),
    ('a run with a bad spec key', ['runs', 0, 'vcpu'], 1, 'runs[0].vcpu', ''),
    ('a run over the memory limit', ['runs', 0, 'mem_per_vcpu'], '4096G', 'runs[0].mem_per_vcpu', ''),
    ('a run sweeping a key', ['runs', 0, 'vcpus'], [1, 2], 'runs[0].vcpus',
     "a campaign's run request takes one value per spec key: sweeps (lists) are for POST /runs"),
    ('rounds 0', ['rounds'], 0, 'rounds', '1 to 20'),
    ('rounds 21', ['rounds'], 21, 'rounds', '1 to 20'),
    ('an order unknown', ['order'], 'AABB', 'order', 'ABBA'),
    ('firmware reboots', ['reboot'], 'firmware', 'reboot', 'not supported'),
    ('a reboot unknown', ['reboot'], 'shutdown', 'reboot', 'kexec'),
    ('a key unknown', ['kernel'], 'x', 'kernel', 'unknown key'),
]


def test_bad_fields(d, kdir):
    for what, path, value, field, words in BAD:
        r = d.post('/api/v1/campaigns', with_change(kdir, path, value))
        p = r.json()
        good_reply = r.status == 400 and p.get('field') == field and words in p.get('detail', '')
        ok(good_reply, '%s: 400 naming %s' % (what, field))
        if not good_reply:
            diag(r.status, p)
    r = d.post('/api/v1/campaigns', b'{"kernels": [')
    ok(r.status == 400, 'a campaign that is not JSON: 400')


def test_not_a_service(d, kdir):
    r = d.post('/api/v1/campaigns', good(kdir))
    # this host may lack kexec, and its migbenchd is never the service
    ok(r.status == 409 and 'cannot be rebooted by migbenchd now' in r.json()['detail'],
       'a good campaign, but this host cannot be rebooted (no kexec, or migbenchd is not '
       'the systemd service a kexec stops first): 409')
    diag(r.json()['detail'])
    ok(d.get('/api/v1/campaigns').json() == {'campaigns': []}, 'nothing stored')
    for method, path in (('GET', '/api/v1/campaigns/7'), ('POST', '/api/v1/campaigns/7/abort'),
                         ('GET', '/api/v1/campaigns/7/report')):
        r = d.request(method, path, {} if method == 'POST' else None)
        ok(r.status == 404, '%s %s of no campaign: 404' % (method, path))
    r = d.post('/api/v1/runs', dict(small_run(), label='plain'))
    ok(r.status == 202, 'runs are queued as before')


def test_client(d, kdir):
    bad = with_change(kdir, ['rounds'], 0)
    p = subprocess.run([CLIENT, '--socket', d.sock, 'campaign', 'start', '-'], input=json.dumps(bad),
                       capture_output=True, text=True, timeout=30)
    ok(p.returncode == 2 and 'rounds' in p.stderr, 'migbench campaign start: the 400 said, exit 2')
    p = subprocess.run([CLIENT, '--socket', d.sock, 'campaign', 'start', '-'], input='{"kernels"',
                       capture_output=True, text=True, timeout=30)
    ok(p.returncode == 2 and '-:' in p.stderr, 'a file that is not JSON: refused before sending')
    p = subprocess.run([CLIENT, '--socket', d.sock, 'campaign', 'ls'], capture_output=True,
                       text=True, timeout=30)
    ok(p.returncode == 0 and p.stdout == 'no campaigns yet\n', 'migbench campaign ls: none, and says so')
    p = subprocess.run([CLIENT, '--socket', d.sock, 'campaign', 'show', '9'], capture_output=True,
                       text=True, timeout=30)
    ok(p.returncode == 4, 'migbench campaign show of no campaign: exit 4')
    p = subprocess.run([CLIENT, '--socket', d.sock, 'campaign', 'report', '--format', 'pdf', '9'],
                       capture_output=True, text=True, timeout=30)
    ok(p.returncode == 2 and 'format: must be json, text, markdown or csv' in p.stderr,
       'migbench campaign report passes its options as the query: the 400 said, exit 2')
    p = subprocess.run([CLIENT, '--socket', d.sock, 'campaign', 'report', '9', '--request', '0'],
                       capture_output=True, text=True, timeout=30)
    ok(p.returncode == 4 and 'there is no campaign 9' in p.stderr,
       'migbench campaign report of no campaign: exit 4')
    p = subprocess.run([CLIENT, '--socket', d.sock, 'campaign', 'report', '9', '--metric', 'nosuch_ns'],
                       capture_output=True, text=True, timeout=30)
    ok(p.returncode == 2 and 'metrics: nosuch_ns is not a metric migbench compares' in p.stderr,
       'migbench campaign report --metric is the query\'s metrics=: the 400 said, exit 2 (%s)'
       % p.stderr.strip())
    p = subprocess.run([CLIENT, '--socket', d.sock, 'campaign', 'report', '9', '--all', '--metric', 'x'],
                       capture_output=True, text=True, timeout=30)
    ok(p.returncode == 2 and 'one or the other' in p.stderr, 'and --all with --metric: exit 2')


def test_config_refusals(tmp):
    for config, words in (({'allow_reboot': 'yes'}, 'allow_reboot: must be true or false'),
                          ({'boot_attempts': 0}, 'boot_attempts: must be an integer from 1 to 10'),
                          ({'boot_attempts': 11}, 'boot_attempts: must be an integer from 1 to 10'),
                          ({'host_kernel_dir': 'boot'}, 'host_kernel_dir must be an absolute path')):
        cfg = os.path.join(tmp, 'c.json')
        with open(cfg, 'w') as f:
            json.dump(config, f)
        p = subprocess.run([MIGBENCHD, '--data-dir', tmp, '--listen', 'unix:' + tmp + '/s',
                            '--config', cfg], capture_output=True, text=True, timeout=30)
        ok(p.returncode == 2 and words in p.stderr, 'config %s: refused at start' % json.dumps(config))


def main():
    if os.geteuid() != 0:
        print('1..0 # SKIP the host kernel directory must be root\'s')
        sys.exit(77)
    kdir = kernel_dir()
    tmp = tempfile.mkdtemp(prefix='migbench-cfg-')
    try:
        test_refused_without_allow_reboot(kdir)
        d = Daemon(config={'allow_reboot': True, 'host_kernel_dir': kdir})
        run_tests(d, lambda d: test_bad_fields(d, kdir), lambda d: test_not_a_service(d, kdir),
                  lambda d: test_client(d, kdir))
        test_config_refusals(tmp)
    finally:
        shutil.rmtree(kdir, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    done()


main()
