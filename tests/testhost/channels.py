# SPDX-License-Identifier: MIT
"""The test host's two control channels, each a unix socket of QEMU's:
QMP (the machine: reset, quit) and the guest agent (the system inside:
run a program, read a file).  Both speak JSON, one object a line."""
import base64
import json
import random
import socket
import time


class ChannelError(RuntimeError):
    pass


class AgentError(ChannelError):
    """The guest agent answered with an error: the channel is fine."""


class QMP:
    """One connection per command: QEMU takes one QMP client at a time, and
    a connection held between commands would fill with events."""

    def __init__(self, path):
        self.path = path

    def __call__(self, command, timeout=30, **arguments):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        s.settimeout(timeout)
        try:
            s.connect(self.path)
            f = s.makefile('rw')
            json.loads(f.readline())	# the greeting
            for cmd, args in (('qmp_capabilities', {}), (command, arguments)):
                f.write(json.dumps({'execute': cmd, 'arguments': args}) + '\n')
                f.flush()
                while True:
                    line = f.readline()
                    if not line:
                        raise ChannelError('QMP %s: QEMU closed the connection' % cmd)
                    reply = json.loads(line)
                    if 'event' not in reply:
                        break
                if 'error' in reply:
                    raise ChannelError('QMP %s: %s' % (cmd, reply['error'].get('desc')))
            return reply.get('return')
        finally:
            s.close()


class GuestAgent:
    """qemu-guest-agent on its virtio-serial port.  QEMU's end of the port
    stays while the guest reboots, kexecs or is reset, but the agent there
    restarts, and requests written while none ran reach the next one.  So
    every connection starts in sync (guest-sync-delimited with a random id,
    everything before its answer discarded), and any failure drops the
    connection: the next call connects again and syncs."""

    def __init__(self, path):
        self.path = path
        self.sock = None
        self.buf = b''

    def close(self):
        if self.sock:
            self.sock.close()
        self.sock = None
        self.buf = b''

    def _send(self, command, arguments=None):
        msg = {'execute': command}
        if arguments is not None:
            msg['arguments'] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b'\n')

    def _read_line(self, deadline):
        while b'\n' not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError('no answer from the guest agent')
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                raise ChannelError('the guest agent channel closed')
            self.buf += data
        line, _, self.buf = self.buf.partition(b'\n')
        return line

    def _sync(self, deadline):
        sync_id = random.randrange(1, 1 << 31)
        # 0xff first: an agent in the middle of a garbled request drops it
        self.sock.sendall(b'\xff')
        self._send('guest-sync-delimited', {'id': sync_id})
        while True:
            line = self._read_line(deadline)
            # its answer starts with 0xff; what came before is stale
            start = line.rfind(b'\xff')
            if start < 0:
                continue
            try:
                if json.loads(line[start + 1:]).get('return') == sync_id:
                    return
            except ValueError:
                pass

    def call(self, command, arguments=None, timeout=30):
        """One command's 'return'; AgentError with the agent's error."""
        deadline = time.monotonic() + timeout
        try:
            if self.sock is None:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
                self.sock.settimeout(timeout)
                self.sock.connect(self.path)
                self._sync(deadline)
            self._send(command, arguments)
            while True:
                try:
                    reply = json.loads(self._read_line(deadline))
                except ValueError:
                    continue
                if 'error' in reply:
                    raise AgentError('guest agent %s: %s' % (command, reply['error'].get('desc')))
                if 'return' in reply:
                    return reply['return']
        except AgentError:
            raise
        except (OSError, ChannelError):
            # a timeout (an OSError too) or a closed channel: the guest may
            # be rebooting; the next call starts afresh
            self.close()
            raise

    def ping(self, timeout=5):
        self.call('guest-ping', timeout=timeout)

    def exec(self, argv, timeout=60, input_data=None, env=None, wait=True):
        """argv run in the guest (no shell): (exit code, stdout, stderr) as
        bytes, or with wait False the pid at once.  A program killed by a
        signal gives -signal."""
        args = {'path': argv[0], 'arg': list(argv[1:]), 'capture-output': wait}
        if input_data is not None:
            args['input-data'] = base64.b64encode(input_data).decode()
        if env is not None:
            args['env'] = ['%s=%s' % kv for kv in env.items()]
        pid = self.call('guest-exec', args, timeout=min(timeout, 30))['pid']
        if not wait:
            return pid
        deadline = time.monotonic() + timeout
        pause = 0.05
        while True:
            status = self.call('guest-exec-status', {'pid': pid},
                               timeout=max(1, min(30, deadline - time.monotonic())))
            if status['exited']:
                break
            if time.monotonic() > deadline:
                raise TimeoutError('%s: still running after %d s' % (argv, timeout))
            time.sleep(pause)
            pause = min(pause * 2, 1)
        rc = status.get('exitcode', -status.get('signal', 0))
        return (rc, base64.b64decode(status.get('out-data', '')),
                base64.b64decode(status.get('err-data', '')))

    def read_file(self, path, timeout=30):
        handle = self.call('guest-file-open', {'path': path, 'mode': 'r'}, timeout=timeout)
        data = b''
        try:
            while True:
                chunk = self.call('guest-file-read', {'handle': handle, 'count': 1 << 20},
                                  timeout=timeout)
                data += base64.b64decode(chunk['buf-b64'])
                if chunk['eof'] or not chunk['count']:
                    return data
        finally:
            self.call('guest-file-close', {'handle': handle}, timeout=timeout)

    def write_file(self, path, data, timeout=30):
        handle = self.call('guest-file-open', {'path': path, 'mode': 'w'}, timeout=timeout)
        try:
            self.call('guest-file-write', {'handle': handle,
                                           'buf-b64': base64.b64encode(data).decode()},
                      timeout=timeout)
            self.call('guest-file-flush', {'handle': handle}, timeout=timeout)
        finally:
            self.call('guest-file-close', {'handle': handle}, timeout=timeout)
