# SPDX-License-Identifier: MIT
"""What the fixture starts ends with the process that started it: QEMU and
mmdebstrap get SIGKILL when their parent dies however it dies, and SIGTERM
or SIGHUP to the parent become SystemExit, so that its finally blocks and
atexit handlers run and stop them in order."""
import contextlib
import ctypes
import os
import signal
import threading

PR_SET_PDEATHSIG = 1


def die_with_parent():
    """A preexec_fn for subprocess.Popen: SIGKILL when the thread that
    started the child ends, even by SIGKILL."""
    parent = os.getpid()

    def preexec():
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0):
            os._exit(127)
        if os.getppid() != parent:	# the parent died before prctl
            os._exit(127)
    return preexec


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


def exit_on_signals():
    """SIGTERM and SIGHUP raise SystemExit, unless the program handles them
    itself (SIGINT raises KeyboardInterrupt already)."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            if signal.getsignal(sig) == signal.SIG_DFL:
                signal.signal(sig, _exit_on_signal)
        except ValueError:	# not the main thread: the program's own affair
            pass


@contextlib.contextmanager
def signals_held():
    """SIGINT, SIGTERM and SIGHUP wait while the block runs (cleaning up must
    not be cut short by the second Ctrl-C); in other threads, nothing."""
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
