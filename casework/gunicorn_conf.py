"""gunicorn settings for Casework, shared by the embedded run and the docker image."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# Evidence uploads can be large; a slow client must not hold a worker forever.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 20
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
