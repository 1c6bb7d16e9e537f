"""gunicorn settings for Casework, shared by the embedded run and the docker image."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "gthread"
# One thread a worker: threads of one process share one interpreter lock, so under load a
# request's own time grows with its neighbours' (bench/claim_http.py at 64 reviewers: server
# p95 75 ms with 4x4, 18 ms with 4x1, the same claims/s; intake is as fast either way).
# Idle keep-alive connections wait in the worker's poller, not in its thread.
threads = int(os.environ.get("GUNICORN_THREADS", 1))
# Evidence uploads can be large; a slow client must not hold a worker forever.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 20
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
