"""Where the province's tasks run: ``sync`` (in this process, no ``distributed`` needed),
``local:N`` (a local Dask cluster of N worker processes) or ``tcp://HOST:PORT`` (a running
``dask scheduler``, its workers sharing the data and output storage with this machine).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from generator.core.errors import YikatongError
from generator.core.parallel import ENV as WORKERS_ENV
from generator.core.parallel import worker_count

# The local cluster's workers: processes that may fork (a lone county's build uses every core),
# and none of the diagnostics that sample a busy worker (the statistical profiler walks the
# running task's stack every 10 ms; the system monitor polls the process twice a second):
# a county build is CPU-bound Python, and they cost it CPU for figures nobody reads here.
WORKER_CONFIG = {
    "distributed.worker.daemon": False,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "5s",
}


log = logging.getLogger(__name__)


class BadExecutor(YikatongError):
    pass


class _Done:
    """A job ``sync`` ran as it was submitted."""

    def __init__(self, value: Any):
        self.value = value

    def done(self) -> bool:
        return True


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

    def map(self, fn: Callable[..., Any], jobs: Sequence[tuple[Any, ...]],
            preload: tuple[str, ...] = ()) -> list[Any]:
        """`fn(*job)` for every job, results in order. On a cluster each call runs in a child
        process the worker forks (``forked_call``), after importing the `preload` modules
        there once."""
        return self.gather([self.submit(fn, job, preload) for job in jobs])

    def submit(self, fn: Callable[..., Any], job: tuple[Any, ...], preload: tuple[str, ...] = (),
               warm: tuple[Callable[..., Any], tuple[Any, ...]] | None = None) -> Any:
        """Start `fn(*job)`: here and now (``sync``: the returned handle is done), or on a
        worker, in a forked child (``forked_call``); `warm` (function, arguments) runs in
        the worker first, so that every child inherits what it loads."""
        if self.client is None:
            return _Done(fn(*job))
        return self.client.submit(forked_call, preload, fn, *job, warm=warm, pure=False)

    def gather(self, handles: Sequence[Any]) -> list[Any]:
        if self.client is None:
            return [h.value for h in handles]
        return list(self.client.gather(list(handles)))

    def wait(self, handles: Sequence[Any], timeout: float) -> None:
        """Until one of `handles` is done, or `timeout` seconds."""
        if self.client is None or not handles:
            return
        from distributed import wait

        try:
            wait(list(handles), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            pass

    def settle(self, handles: Sequence[Any]) -> None:
        """Cancel what has not started and wait for the rest to end, whatever its outcome
        (a build that failed removes the folders its tasks write into)."""
        if self.client is None or not handles:
            return
        from distributed import wait

        self.client.cancel([h for h in handles if not h.done() and h.status == "pending"])
        try:
            wait(list(handles), timeout=300)
        except Exception:  # their errors are not this build's to report
            log.debug("province tasks did not settle", exc_info=True)

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
    # Dask's own log lines (English, its internals; a task's error with its traceback) are
    # not for the clerk at the console: a task's failure reaches this process and is reported
    # in Chinese by the build; Dask's errors stay visible
    logging.getLogger("distributed").setLevel(logging.ERROR)
    if spec.startswith("local:") and spec[6:].isdigit() and int(spec[6:]) > 0:
        import dask

        # the worker processes inherit YIKATONG_WORKERS=1 as they start (one core each; a task
        # sets its own share); this process keeps its own setting: the province search forks
        # into every core here while the workers run the checks
        previous = os.environ.get(WORKERS_ENV)
        os.environ[WORKERS_ENV] = "1"
        try:
            # worker processes that may fork: a lone county's build uses every core
            with dask.config.set(WORKER_CONFIG):
                cluster = LocalCluster(n_workers=int(spec[6:]), threads_per_worker=1, processes=True,
                                       dashboard_address=None, host="127.0.0.1", silence_logs=logging.CRITICAL)
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


def forked_call(preload: tuple[str, ...], fn: Callable[..., Any], *args: Any,
                warm: tuple[Callable[..., Any], tuple[Any, ...]] | None = None) -> Any:
    """Run `fn(*args)` in a child process forked from this (worker) process; its result.

    A Dask worker runs a task in a thread beside its event loop; a county build is minutes of
    CPU-bound Python that holds the GIL, so the loop (heartbeats, transfers) and the build
    take it from each other, and what the build leaves in memory stays in the worker. In a
    forked child the build has a process of its own: measured here it took about a tenth
    less CPU, and the worker answers its scheduler meanwhile. The modules in `preload` are
    imported in the worker first, so that every child inherits them instead of importing;
    so is what `warm` loads (e.g. the search parts every range task of a build reads).
    """
    import importlib
    import multiprocessing as mp

    for name in preload:
        importlib.import_module(name)
    if warm is not None:
        warm[0](*warm[1])
    if "fork" not in mp.get_all_start_methods() or mp.current_process().daemon:  # a daemon may not fork
        return fn(*args)
    ctx = mp.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(send, fn, args))
    child.start()
    send.close()
    try:
        ok, value = receive.recv()
    except EOFError:
        ok, value = False, None
    finally:
        child.join()
        receive.close()
    if value is None and not ok:
        raise TaskDied(f"县任务的子进程异常退出（退出码 {child.exitcode}，可能内存不足或被强行终止）："
                       "省级网站未更新，上一版网站保持不变。请检查该机器的内存后重新构建。")
    if not ok:
        raise RuntimeError(value)
    return value


class TaskDied(YikatongError):
    """A task's child process died without an answer (killed, out of memory)."""


WORKER_ID_ENV = "YIKATONG_WORKER_ID"  # the worker a forked task runs for (the build's timings)


def _child(send: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    import gc
    import socket

    # the worker's garbage-collector hooks (Dask measures the worker's memory around every
    # full collection) are not this process's; and what it inherited is never garbage here
    gc.callbacks.clear()
    gc.freeze()

    os.environ[WORKER_ID_ENV] = f"{socket.gethostname()}:{os.getppid()}"
    try:
        send.send((True, fn(*args)))
    except BaseException as exc:  # reported to the worker, which raises it as the task's error
        send.send((False, f"{exc.__class__.__name__}: {exc}"))
    finally:
        send.close()
