#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""meson install, as a host's administrator runs it, into a staging
directory: the programs, the worker, the unit with its sysusers and
tmpfiles entries, the example configuration (kept where one exists), the
man pages (rendered by man with no warning, each naming every option its
program's --help prints) and bash completion (loaded by bash, completing
commands and options); the installed migbenchd reads the installed
configuration and answers."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_fixture import BUILD, ok, diag, done, skip_all  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def options():
    out = subprocess.run(['meson', 'introspect', '--buildoptions', BUILD], capture_output=True,
                         text=True, check=True).stdout
    return {o['name']: o['value'] for o in json.loads(out)}


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, **kw)


def long_options(text):
    return set(re.findall(r'(?<![\w-])--[a-z][a-z0-9-]*', text))


def helps(prefix, bindir):
    """Each program's --help text, and migbench's of every command."""
    client = os.path.join(bindir, 'migbench')
    top = run([client, '--help']).stdout
    texts = {'migbench': [top]}
    for cmd in re.findall(r'^  ([a-z]+) ', top, re.M):
        texts['migbench'].append(run([client, cmd, '--help']).stdout)
    texts['migbench-dirtylog'] = [run([os.path.join(bindir, 'migbench-dirtylog'), '--help']).stdout]
    texts['migbenchd'] = [run([os.path.join(bindir, 'migbenchd'), '--help']).stdout]
    return texts


def page_text(path):
    """A page's roff with its escapes undone: the options as they read."""
    with open(path, errors='replace') as f:
        text = f.read().replace('\\-', '-').replace('\\&', '').replace('\\(en', '-')
    return re.sub(r'\\f[BIRP]', '', text)


def main():
    if os.geteuid() != 0:
        skip_all('meson install of the unit and the sysusers entry is checked as root')
    opts = options()
    prefix = opts['prefix']
    dest = tempfile.mkdtemp(prefix='migbench-install-')
    try:
        p = run(['meson', 'install', '-C', BUILD, '--no-rebuild', '--quiet', '--destdir', dest])
        ok(p.returncode == 0, 'meson install --destdir (%s)' % (p.stderr.strip()[-300:] or 'ok'))
        at = lambda *parts: os.path.join(dest, *[x.lstrip('/') for x in parts])
        bindir = at(prefix, opts['bindir'])
        config = at('/etc/migbench/migbenchd.json')
        want = [os.path.join(bindir, n) for n in ('migbench', 'migbench-dirtylog', 'migbenchd')] + [
            at(prefix, opts['libexecdir'], 'migbench', 'migbench-worker'),
            at(prefix, 'lib/systemd/system/migbenchd.service'),
            at(prefix, 'lib/sysusers.d/migbench.conf'), at(prefix, 'lib/tmpfiles.d/migbench.conf'),
            config, at(prefix, opts['datadir'], 'bash-completion/completions/migbench')]
        ok(all(os.path.exists(f) for f in want), 'the programs, the worker, the unit, sysusers and tmpfiles '
           'entries, the configuration and bash completion are installed (%s missing)' %
           [os.path.relpath(f, dest) for f in want if not os.path.exists(f)])
        ok(os.path.isfile(config) and not os.path.exists(at(prefix, 'etc')),
           'the configuration goes to /etc/migbench/migbenchd.json, whatever the prefix (%s)' % prefix)
        unit = open(at(prefix, 'lib/systemd/system/migbenchd.service')).read()
        ok(re.search(r'^ExecStart=%s/migbenchd$' % re.escape(os.path.join(prefix, opts['bindir'])), unit, re.M),
           "the unit runs the installed migbenchd, with no --config: it reads the default")
        ok(open(at(prefix, 'lib/sysusers.d/migbench.conf')).read().split('\n')[-2].split() == ['g', 'migbench', '-', '-'],
           'sysusers.d makes group migbench')
        tmpfiles = [l.split() for l in open(at(prefix, 'lib/tmpfiles.d/migbench.conf')) if l[0] not in '#\n']
        ok(['d', '/var/lib/migbench', '0700', 'root', 'root', '-'] in tmpfiles, 'tmpfiles.d makes the data directory, root\'s alone')

        # the installed daemon with the installed configuration
        work = tempfile.mkdtemp(prefix='migbench-installed-')
        try:
            sock = os.path.join(work, 's.sock')
            d = subprocess.Popen([os.path.join(bindir, 'migbenchd'), '--config', config, '--data-dir', work,
                                  '--listen', 'unix:' + sock, '--worker', os.path.join(BUILD, 'worker', 'migbench-worker')],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            answer = None
            for _ in range(100):
                r = run([os.path.join(bindir, 'migbench'), '--socket', sock, 'host', '--json'])
                if r.returncode == 0:
                    answer = json.loads(r.stdout)
                    break
                if d.poll() is not None:
                    break
                time.sleep(0.1)
            ok(answer is not None and answer['status'] == 'ok',
               'the installed migbenchd starts with the installed configuration and answers the installed client')
            d.terminate()
            _, err = d.communicate(timeout=60)
            if answer is None:
                diag(err)
        finally:
            shutil.rmtree(work, ignore_errors=True)

        # an edited configuration survives the next install
        with open(config, 'w') as f:
            f.write('{"allow_reboot": true}\n')
        p = run(['meson', 'install', '-C', BUILD, '--no-rebuild', '--destdir', dest])
        ok(p.returncode == 0 and open(config).read() == '{"allow_reboot": true}\n',
           'installing again keeps the host\'s configuration')

        # the man pages
        man = at(prefix, opts['mandir'])
        pages = {'migbench': 'man1/migbench.1', 'migbench-dirtylog': 'man1/migbench-dirtylog.1',
                 'migbenchd': 'man8/migbenchd.8', 'migbenchd.json': 'man5/migbenchd.json.5'}
        texts = helps(prefix, bindir)
        for name, rel in pages.items():
            path = os.path.join(man, rel)
            if not ok(os.path.exists(path), '%s is installed' % rel):
                continue
            r = run(['man', '--warnings', '-l', path], env=dict(os.environ, MANWIDTH='80', LC_ALL='C.UTF-8'))
            ok(r.returncode == 0 and not r.stderr and r.stdout.count('\n') > 20,
               'man -l %s renders with no warning (%d lines; %s)' % (rel, r.stdout.count('\n'), r.stderr.strip()[:300]))
            if name in texts:
                flags = set().union(*(long_options(t) for t in texts[name]))
                missing = sorted(flags - long_options(page_text(path)))
                ok(flags and not missing, '%s names every option of %s --help%s (%d; missing %s)' %
                   (rel, name, ' and of each command' if name == 'migbench' else '', len(flags), missing))
        keys = set(re.findall(r'"([a-z_]+)"', open(os.path.join(ROOT, 'man', 'migbenchd.json.example')).read()))
        text = page_text(os.path.join(man, pages['migbenchd.json']))
        ok(keys and all(k in text for k in keys), 'migbenchd.json(5) documents every key of the example (%d)' % len(keys))

        # bash completion, as bash loads it
        comp = at(prefix, opts['datadir'], 'bash-completion/completions/migbench')
        def complete(line):
            """COMPREPLY for the line with the cursor at its end, its words split as bash splits them."""
            script = ('source %s; COMP_LINE="$1"; COMP_POINT=${#1}; COMP_WORDBREAKS=$\' \\t\\n"\\\'><=;|&(:\'; '
                      'read -ra COMP_WORDS <<<"$(sed "s/\\([=:]\\)/ \\1 /g" <<<"$1")"; '
                      '[[ $1 == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
                      '_migbench; printf "%%s\\n" "${COMPREPLY[@]}"' % comp)
            r = run(['bash', '-c', script, 'complete', line],
                    env=dict(os.environ, PATH=bindir + ':' + os.environ['PATH']))
            return sorted(r.stdout.split())
        cases = {'migbench l': ['ls'], 'migbench ls --s': ['--since', '--state', '--sweep'],
                 'migbench campaign r': ['report'], 'migbench help sh': ['show'],
                 'migbench --url http://127.0.0.1:7733 l': ['ls'],
                 'migbench --socket=/run/migbench/migbenchd.sock ls --st': ['--state'],
                 'migbench --token-file /etc/migbench/token compare --fa': ['--fail-on']}
        got = {line: complete(line) for line in cases}
        ok(got == cases, 'bash completes commands, subcommands and each command\'s options, after --url '
           'http://HOST:PORT and --socket=PATH too (%s)' % {k: v for k, v in got.items() if v != cases[k]})
        ok(os.readlink(at(prefix, opts['datadir'], 'bash-completion/completions/migbench-dirtylog')) == 'migbench',
           'and migbench-dirtylog by the same file')
    finally:
        shutil.rmtree(dest, ignore_errors=True)
    done()


main()
