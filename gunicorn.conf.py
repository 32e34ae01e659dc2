"""gunicorn settings for the complaints service.

gunicorn reads ``./gunicorn.conf.py`` from its working directory, so the README's command
(``gunicorn -w 4 -b 127.0.0.1:8001 'complaints_api:create_app()'``, run from the repository)
gets these; the command line still overrides them (``-w``, ``-k``, ``-b``).

Worker class, chosen by measurement (``bench/complaints_bench.py --worker-class …``, the
same 4 workers, PostgreSQL, limits in Redis, CPU of gunicorn per submission; 2 shared cores):
``sync`` 4.65 and 5.03 ms, ``gthread`` (keep-alive 2 s) 5.80 and 5.08 ms, run alternately. A
request is short and CPU-bound with 3 database round trips; gthread's keep-alive saves the
TCP accept, but its poller and thread hand-off cost more than that. Behind nginx (the
production set-up) connections to gunicorn are per request anyway, and nginx buffers slow
clients, which is the case gunicorn documents sync workers for.
"""

worker_class = "sync"
# sync workers close the connection after each response (keep-alive is a gthread setting)
backlog = 2048  # a burst of submissions waits in the kernel queue instead of being refused
timeout = 30  # a worker stuck longer (a hung database call) is restarted
graceful_timeout = 20
# Each worker builds the app itself (county model, compiled statements, pools, after fork):
# nothing is shared through the master, so no connection or socket crosses a fork.
preload_app = False
