"""Worker processes end with the process that started them, whatever kills it.

A pool's workers otherwise outlive a parent killed with SIGKILL (or by the OOM killer):
they hold files open and keep writing letters nobody will record. On Linux the kernel
kills them (PR_SET_PDEATHSIG); everywhere, a watchdog thread notices the parent is gone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 0.5


def guard_worker(parent_pid: int) -> None:
    """Pool initializer: call in the worker, with the parent's pid taken in the parent."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still holds
    if os.getppid() != parent_pid:  # the parent died before the kernel was told
        os._exit(1)
    threading.Thread(target=_watch, args=(parent_pid,), name="parent watch", daemon=True).start()


def _watch(parent_pid: int) -> None:
    while True:
        time.sleep(WATCH_SECONDS)
        if os.getppid() != parent_pid:
            os._exit(1)
