"""Where the province's tasks run: ``sync`` (in this process, no ``distributed`` needed),
``local:N`` (a local Dask cluster of N worker processes) or ``tcp://HOST:PORT`` (a running
``dask scheduler``, its workers sharing the data and output storage with this machine).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from generator.core.errors import YikatongError
from generator.core.parallel import ENV as WORKERS_ENV
from generator.core.parallel import worker_count


class BadExecutor(YikatongError):
    pass


class Executor:
    """Runs one function over many argument tuples; results in the order given."""

    def __init__(self, spec: str, client: Any = None):
        self.spec, self.client = spec, client
        if client is None:  # one task at a time, each may fork into every core
            self.slots = 1
            self.cores = worker_count()
        else:  # one task per worker thread; a task may fork into its share of the cores
            threads = client.nthreads()
            self.slots = self.cores = max(1, sum(threads.values()))

    def map(self, fn: Callable[..., Any], jobs: Sequence[tuple[Any, ...]]) -> list[Any]:
        if self.client is None:
            return [fn(*job) for job in jobs]
        futures = [self.client.submit(fn, *job, pure=False) for job in jobs]
        return list(self.client.gather(futures))

    @contextmanager
    def dataframes(self) -> Iterator[None]:
        """dask.dataframe computations inside run on this executor."""
        import dask

        if self.client is None:
            with dask.config.set(scheduler="synchronous"):
                yield
        else:
            yield  # a distributed Client is the default scheduler while it is open


def _set_workers_env() -> None:
    os.environ[WORKERS_ENV] = "1"


@contextmanager
def open_executor(spec: str) -> Iterator[Executor]:
    if spec == "sync":
        yield Executor(spec)
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise BadExecutor("执行方式 local:N 和 tcp:// 需要 Dask 分布式调度：请安装 pip install 'yikatong[province]'。") from exc
    if spec.startswith("local:") and spec[6:].isdigit() and int(spec[6:]) > 0:
        import dask

        # the worker processes inherit YIKATONG_WORKERS=1 as they start (one core each; a task
        # sets its own share); this process keeps its own setting: the province search forks
        # into every core here while the workers run the checks
        previous = os.environ.get(WORKERS_ENV)
        os.environ[WORKERS_ENV] = "1"
        try:
            # worker processes that may fork: a lone county's build uses every core
            with dask.config.set({"distributed.worker.daemon": False}):
                cluster = LocalCluster(n_workers=int(spec[6:]), threads_per_worker=1, processes=True,
                                       dashboard_address=None, host="127.0.0.1")
        finally:
            if previous is None:
                os.environ.pop(WORKERS_ENV, None)
            else:
                os.environ[WORKERS_ENV] = previous
        with cluster, Client(cluster) as client:
            client.run(_set_workers_env)
            yield Executor(spec, client)
        return
    if spec.startswith("tcp://"):
        with Client(spec, timeout="30s") as client:
            client.run(_set_workers_env)
            yield Executor(spec, client)
        return
    raise BadExecutor(f"执行方式“{spec}”无效：应为 sync、local:N（N 为进程数）或 tcp://主机:端口。")
