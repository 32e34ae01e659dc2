"""How many forked workers a stage may use inside one build.

Default: one per core, up to 4. ``YIKATONG_WORKERS`` overrides it; inside a daemonic process
(a Dask worker, which may not have children) or when the province build runs counties side
by side (it sets ``YIKATONG_WORKERS=1`` in its workers), a stage runs in-process.
"""

from __future__ import annotations

import multiprocessing as mp
import os

ENV = "YIKATONG_WORKERS"


def worker_count() -> int:
    if mp.current_process().daemon:
        return 1
    value = os.environ.get(ENV, "")
    if value.isdigit() and int(value) > 0:
        return int(value)
    return min(os.cpu_count() or 1, 4)
