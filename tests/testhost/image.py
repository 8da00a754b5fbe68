# SPDX-License-Identifier: MIT
"""The test host's disk image, built from Debian packages and cached.

Two levels, each keyed by a hash of what went into it:

- base-KEY/: the package-only root filesystem (tree/) that mkbase.sh makes
  with mmdebstrap, and its kernels' vmlinuz and initrd (boot/) for QEMU's
  -kernel.  KEY: mkbase.sh and the packages with the versions apt resolves
  for them from this machine's package lists.
- image-KEY/: image.raw, an ext4 root filesystem (base + migbench's Debian
  package installed by dpkg, tests/debpackage.py's build of this checkout +
  migbenchd's config where the package's service reads it, and a token),
  and the token beside it.  KEY: the base's key, the package, the config
  and this file.

Both live under /var/cache/migbench/testhost/ (MIGBENCH_TESTHOST_CACHE),
root's only.  prepare() holds a lock on that directory while it builds,
so tests started together build once; an Image holds a shared lock on its
entries while the process lives, and pruning (the last KEEP of each kind
stay) passes over entries someone holds."""
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
import uuid

from lifetime import die_with_parent, exit_on_signals

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import debpackage	# noqa: E402 (tests/, beside this directory)

CACHE = os.environ.get('MIGBENCH_TESTHOST_CACHE', '/var/cache/migbench/testhost')
HERE = os.path.dirname(os.path.abspath(__file__))
MKBASE = os.path.join(HERE, 'mkbase.sh')
CONFIG = os.path.join(HERE, 'migbenchd.json')
# where the config sits in the image: the packaged migbenchd.service's default
GUEST_CONFIG = '/etc/migbench/migbenchd.json'
KEEP = 2
GIB = 1 << 30
MULTIARCH = sysconfig.get_config_var('MULTIARCH') or 'x86_64-linux-gnu'
APT_LISTS = '/var/lib/apt/lists'


# The system and what the fixture itself uses: the guest agent is its
# control channel, kexec-tools kexecs in its own test.  QEMU and libvirt's
# daemons as a lab machine has them, for migration runs (their system
# units masked in mkbase.sh: migbench starts private libvirtds).
SYSTEM_PACKAGES = ['systemd', 'systemd-sysv', 'udev', 'kmod', 'initramfs-tools',
                   'qemu-guest-agent', 'procps', 'kexec-tools',
                   'qemu-system-x86', 'libvirt-daemon-system']
# The default kernel first: the one QEMU boots, and comes back to on reset.
KERNEL_PACKAGES = [r'linux-image-6\.1\.0-(\d+)-amd64-unsigned',
                   r'linux-image-6\.12\.(\d+)\+deb12-amd64-unsigned']


class Kernel:
    """A kernel in the image: vmlinuz and initrd are this machine's copies
    (for QEMU), boot_vmlinuz and boot_initrd their paths in the guest."""

    def __init__(self, base_dir, release):
        self.release = release
        self.vmlinuz = os.path.join(base_dir, 'boot', 'vmlinuz-' + release)
        self.initrd = os.path.join(base_dir, 'boot', 'initrd.img-' + release)
        self.boot_vmlinuz = '/boot/vmlinuz-' + release
        self.boot_initrd = '/boot/initrd.img-' + release

    def __repr__(self):
        return 'Kernel(%s)' % self.release


class Image:
    """A prepared image: path (image.raw, never written by a test host),
    kernels (the default first), token and token_file, config (migbenchd's,
    as in the image), guest_port (its TCP port there), build_dir, built
    (made by this prepare()) and base_built, seconds (prepare's time)."""

    def __init__(self, entry, base, manifest, build_dir, built, base_built, locks):
        self.dir = entry
        self.path = os.path.join(entry, 'image.raw')
        self.token_file = os.path.join(entry, 'token')
        with open(self.token_file) as f:
            self.token = f.read().strip()
        self.kernels = [Kernel(base, r) for r in manifest['kernels']]
        self.config = manifest['config']
        self.guest_port = guest_tcp_port(self.config)
        self.build_dir = build_dir
        self.built = built
        self.base_built = base_built
        self.seconds = None
        self._locks = locks

    @property
    def default_kernel(self):
        return self.kernels[0]

    def kernel(self, version):
        """The kernel whose release starts with version ('6.12')."""
        for k in self.kernels:
            if k.release == version or k.release.startswith(version + '.') or \
                    k.release.startswith(version + '-'):
                return k
        raise KeyError('no kernel %s in the image (%s)' % (version, self.kernels))


class PrepareError(RuntimeError):
    pass


def guest_tcp_port(config):
    """The port of migbenchd's first TCP listener that is not loopback only:
    the one QEMU forwards to."""
    listen = config.get('listen', [])
    for addr in [listen] if isinstance(listen, str) else listen:
        if addr.startswith('unix:'):
            continue
        host, _, port = addr.rpartition(':')
        if host.strip('[]') not in ('127.0.0.1', '::1', 'localhost'):
            return int(port)
    raise PrepareError('%s: migbenchd must listen on a TCP address other than loopback '
                       '(with a token) for the test host to be reached' % CONFIG)


def run(argv, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if r.returncode:
        raise PrepareError('%s: exit %d: %s' % (' '.join(argv), r.returncode,
                                                 (r.stderr or r.stdout)[-4000:]))
    return r.stdout


def newest_kernels():
    """The newest of each kernel package, as apt on this machine sees them."""
    names = run(['apt-cache', 'search', '--names-only', 'linux-image-6'])
    names = [line.split(' - ')[0] for line in names.splitlines()]
    chosen = []
    for pattern in KERNEL_PACKAGES:
        found = [(int(m.group(1)), n) for n in names for m in [re.fullmatch(pattern, n)] if m]
        if not found:
            raise PrepareError('apt knows no package like %s (apt-get update?)' % pattern)
        chosen.append(max(found)[1])
    return chosen


def runtime_packages(inst):
    """The Debian packages holding the libraries migbench's installed
    programs need, found from their NEEDED entries on this machine."""
    sonames = set()
    for dirpath, _, files in os.walk(inst):
        for name in files:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                continue
            with open(path, 'rb') as f:
                if f.read(4) != b'\x7fELF':
                    continue
            out = run(['readelf', '-d', path])
            sonames.update(re.findall(r'\(NEEDED\)\s+Shared library: \[([^\]]+)\]', out))
    # one dpkg -S for all: each reads every package's file list
    out = subprocess.run(['dpkg', '-S'] + ['*/' + n for n in sorted(sonames)],
                         capture_output=True, text=True).stdout
    packages = set()
    for soname in sorted(sonames):
        # this architecture's, not another's (libc6-i386 has a libc.so.6 too)
        owners = [line.split(':')[0] for line in out.splitlines()
                  if line.endswith('/%s/%s' % (MULTIARCH, soname))]
        if not owners:
            raise PrepareError('no Debian package on this machine holds %s, which migbench '
                               'links against' % soname)
        packages.add(owners[0])
    return sorted(packages)


def resolve(packages):
    """What apt would install for packages into an empty system, with the
    versions this machine's package lists give: the base's key.  apt takes
    seconds to work it out, so the answer is kept until the lists or the
    packages change."""
    lists = hashlib.sha256()
    for name in sorted(os.listdir(APT_LISTS)):
        st = os.stat(os.path.join(APT_LISTS, name))
        if stat.S_ISREG(st.st_mode):
            lists.update(('%s %d %d\0' % (name, st.st_size, st.st_mtime_ns)).encode())
    memo_key = digest(lists.hexdigest(), packages)
    memo = os.path.join(CACHE, 'resolved.json')
    try:
        with open(memo) as f:
            kept = json.load(f)
        if kept['key'] == memo_key:
            return kept['resolved']
    except (OSError, ValueError, KeyError):
        pass
    resolved = resolve_with_apt(packages)
    with open(memo + '.tmp', 'w') as f:
        json.dump({'key': memo_key, 'resolved': resolved}, f)
    os.rename(memo + '.tmp', memo)
    return resolved


def resolve_with_apt(packages):
    out = run(['apt-get', '-s', '-o', 'Dir::State::status=/dev/null',
               '-o', 'APT::Install-Recommends=false', 'install'] + packages,
              env=dict(os.environ, LC_ALL='C'))
    # "Inst NAME (VERSION ARCHIVE [ARCH])": the archive's label changes with
    # point releases, the package does not
    return sorted('%s %s' % m.groups() for m in re.finditer(r'^Inst (\S+) \((\S+)', out, re.M))


def digest(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b'\0')
    return h.hexdigest()[:20]


def lock_entry(entry, shared=True, wait=True):
    """A lock on a cache entry: shared while in use, exclusive to delete it."""
    fd = os.open(os.path.join(entry, '.lock'), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) |
                    (0 if wait else fcntl.LOCK_NB))
    except OSError:
        os.close(fd)
        return None
    return fd


def build_base(entry, packages, resolved, log):
    """mkbase.sh into a temp directory, renamed to entry when complete."""
    tmp = tempfile.mkdtemp(prefix='tmp-base-', dir=CACHE)
    try:
        with open(os.path.join(tmp, 'build.log'), 'w') as out:
            r = subprocess.run([MKBASE, tmp] + packages, stdout=out, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, preexec_fn=die_with_parent())
        if r.returncode:
            with open(os.path.join(tmp, 'build.log')) as f:
                raise PrepareError('mkbase.sh failed (exit %d):\n%s'
                                   % (r.returncode, f.read()[-4000:]))
        # what was installed: the archive may be newer than this machine's lists
        installed = run(['dpkg-query', '--admindir', os.path.join(tmp, 'tree', 'var/lib/dpkg'),
                         '-W', '-f', '${Package} ${Version}\n']).splitlines()
        kernels = []
        for pattern in KERNEL_PACKAGES:
            name = next(p for p in packages if re.fullmatch(pattern, p))
            kernels.append(name[len('linux-image-'):-len('-unsigned')])
        with open(os.path.join(tmp, 'manifest.json'), 'w') as f:
            json.dump({'packages': packages, 'resolved': resolved, 'kernels': kernels,
                       'installed': installed}, f, indent=1)
        os.rename(tmp, entry)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log('testhost: base built in %s' % entry)


def put(tree, path, data, mode=0o644):
    """A file in the staging tree, made anew: the tree's other files are
    hard links to the base's, which must not change."""
    dest = os.path.join(tree, path.lstrip('/'))
    os.makedirs(os.path.dirname(dest), mode=0o755, exist_ok=True)
    if os.path.lexists(dest):
        os.unlink(dest)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, 'w') as f:
        f.write(data)
    os.chmod(dest, mode)


# What dpkg and the package's scripts (systemd-sysusers, debconf, man-db's
# trigger) may write in place (dpkg.log is appended to): copied, so that the tree's hard links to the
# base's files are not written through.
WRITTEN = ['etc/group', 'etc/gshadow', 'etc/passwd', 'etc/shadow', 'var/lib/dpkg',
           'var/cache/debconf', 'var/cache/man', 'var/lib/systemd', 'var/log']


def unshare(tree, rel):
    """tree/rel (a file or a directory) made of copies, not of links to the base."""
    path = os.path.join(tree, rel)
    if not os.path.lexists(path):
        return
    copy = path + '.unshared'
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.copytree(path, copy, symlinks=True)
        shutil.rmtree(path)
    else:
        shutil.copy2(path, copy, follow_symlinks=False)
        os.unlink(path)
    os.rename(copy, path)


def install_package(tree, deb):
    """dpkg -i of the package in the tree, as a host's administrator installs it."""
    for rel in WRITTEN:
        unshare(tree, rel)
    inside = '/tmp/' + os.path.basename(deb)
    shutil.copy(deb, os.path.join(tree, inside.lstrip('/')))
    try:
        # no service starts in a chroot: deb-systemd-invoke sees no systemd running
        p = subprocess.run(['chroot', tree, 'dpkg', '-i', inside], capture_output=True, text=True,
                           env=dict(os.environ, DEBIAN_FRONTEND='noninteractive'))
        if p.returncode:
            raise PrepareError('dpkg -i %s in the image failed:\n%s' % (os.path.basename(deb),
                                                                        (p.stdout + p.stderr)[-3000:]))
    finally:
        os.unlink(os.path.join(tree, inside.lstrip('/')))


def extract(deb):
    """The package's files, unpacked into a temporary directory (for the libraries they need)."""
    inst = tempfile.mkdtemp(prefix='tmp-install-', dir=CACHE)
    run(['dpkg-deb', '-x', deb, inst])
    return inst


def build_image(entry, base, deb, config_text, config):
    """The final image: base + migbench's package + config + a new token, as ext4."""
    tmp = tempfile.mkdtemp(prefix='tmp-image-', dir=CACHE)
    try:
        tree = os.path.join(tmp, 'tree')
        # hard links: the base's 800 MB are not copied, only named again
        run(['cp', '-al', os.path.join(base, 'tree'), tree])
        install_package(tree, deb)
        wants = os.path.join(tree, 'etc/systemd/system/multi-user.target.wants/migbenchd.service')
        if not os.path.islink(wants):
            raise PrepareError('installing the package did not enable migbenchd.service')
        token = secrets.token_hex(32)
        # where the packaged service reads its configuration (a conffile, replaced)
        put(tree, GUEST_CONFIG, config_text)
        put(tree, config['token_file'], token + '\n', 0o600)
        put(tree, '/etc/machine-id', uuid.uuid4().hex + '\n', 0o444)
        size = -(-(tree_size(tree) + 2 * GIB) // GIB) * GIB
        image = os.path.join(tmp, 'image.raw')
        fd = os.open(image, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.ftruncate(fd, max(size, 4 * GIB))	# sparse
        os.close(fd)
        run(['mkfs.ext4', '-q', '-F', '-L', 'testhost-root', '-d', tree, image])
        shutil.rmtree(tree)
        put(tmp, 'token', token + '\n', 0o600)
        with open(os.path.join(base, 'manifest.json')) as f:
            kernels = json.load(f)['kernels']
        with open(os.path.join(tmp, 'manifest.json'), 'w') as f:
            json.dump({'base': os.path.basename(base), 'config': config, 'kernels': kernels},
                      f, indent=1)
        os.rename(tmp, entry)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def tree_size(top):
    total = 0
    for dirpath, _, files in os.walk(top):
        for name in files:
            total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
    return total


def remove_leftovers():
    """What a killed build left: under the cache lock nobody is building."""
    for n in os.listdir(CACHE):
        if n.startswith('tmp-'):
            shutil.rmtree(os.path.join(CACHE, n), ignore_errors=True)


def prune(log):
    """All but the newest KEEP images, and the bases they do not use beyond
    the newest KEEP; never an entry in use."""
    def entries(kind):
        found = [os.path.join(CACHE, n) for n in os.listdir(CACHE) if n.startswith(kind + '-')]
        return sorted(found, key=os.path.getmtime, reverse=True)

    images = entries('image')
    used = set()
    for e in images[:KEEP]:
        with open(os.path.join(e, 'manifest.json')) as f:
            used.add(json.load(f)['base'])
    bases = entries('base')
    doomed = images[KEEP:] + [b for b in bases[KEEP:] if os.path.basename(b) not in used]
    for e in doomed:
        fd = lock_entry(e, shared=False, wait=False)
        if fd is None:
            continue
        shutil.rmtree(e, ignore_errors=True)
        os.close(fd)
        log('testhost: pruned %s' % e)


def prepare(build_dir, log=None):
    """The image for this checkout, migbench installed from its Debian
    package (tests/debpackage.py; build_dir is only passed on to the Image):
    reused from the cache when nothing that goes into it changed, built
    otherwise (the base too when its packages changed).  Needs root; the first build takes minutes."""
    log = log or (lambda text: None)
    start = time.monotonic()
    exit_on_signals()	# a killed build leaves only a tmp- directory, removed next time
    os.makedirs(CACHE, mode=0o700, exist_ok=True)
    os.chmod(CACHE, 0o700)	# the tokens are kept here
    cache_lock = os.open(CACHE, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    fcntl.flock(cache_lock, fcntl.LOCK_EX)
    inst = None
    try:
        remove_leftovers()
        deb = debpackage.build(log)
        inst = extract(deb)
        packages = SYSTEM_PACKAGES + newest_kernels() + runtime_packages(inst)
        resolved = resolve(packages)
        with open(MKBASE, 'rb') as f:
            base_key = digest(f.read(), packages, resolved)
        base = os.path.join(CACHE, 'base-' + base_key)
        base_built = not os.path.isdir(base)
        if base_built:
            log('testhost: building the base %s (%d packages)' % (base_key, len(resolved)))
            build_base(base, packages, resolved, log)

        with open(CONFIG) as f:
            config_text = f.read()
        config = json.loads(config_text)
        guest_tcp_port(config)
        if not config.get('token_file', '').startswith('/'):
            raise PrepareError('%s: token_file must name the token\'s absolute path in the '
                               'image: migbenchd listens beyond loopback there' % CONFIG)
        with open(__file__, 'rb') as f:
            with open(deb, 'rb') as d:
                image_key = digest(base_key, hashlib.sha256(d.read()).hexdigest(), config_text, f.read())
        entry = os.path.join(CACHE, 'image-' + image_key)
        built = not os.path.isdir(entry)
        if built:
            log('testhost: building the image %s' % image_key)
            build_image(entry, base, deb, config_text, config)
        for e in (entry, base):	# newest first when pruning
            os.utime(e)
        locks = [lock_entry(entry), lock_entry(base)]
        prune(log)
        with open(os.path.join(entry, 'manifest.json')) as f:
            manifest = json.load(f)
        image = Image(entry, base, manifest, os.path.abspath(build_dir), built, base_built, locks)
    finally:
        if inst:
            shutil.rmtree(inst, ignore_errors=True)
        os.close(cache_lock)
    image.seconds = time.monotonic() - start
    return image
