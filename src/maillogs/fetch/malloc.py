"""Keep the C allocator from hoarding freed page buffers while pages are fetched in threads.

glibc serves a large allocation (over 128 KiB) with its own ``mmap`` and
returns it to the system when freed, but after the first such free it raises
that threshold, up to 32 MiB. From then on every response body (an Infobip
page of 1,000 records is ~0.7 MB, decoded ~3 MB) comes from the worker
threads' heaps, and since lanes free their pages out of order those heaps
fragment and keep growing: exporting 1,000,000 Infobip records at 8 workers
peaked at ~300 MB instead of ~80 MB. Setting the threshold explicitly (to its
default) turns the adjustment off.
"""

from __future__ import annotations

import sys
from functools import cache

_M_MMAP_THRESHOLD = -3  # from glibc's <malloc.h>
_THRESHOLD = 128 * 1024  # glibc's default


@cache  # once per process is enough
def keep_large_buffers_returnable() -> None:
    """Pin glibc's mmap threshold (a no-op on other systems and C libraries)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process runs on
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, _THRESHOLD)
