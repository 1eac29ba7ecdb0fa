"""The Celery side of bench/queue: a no-op task on the same Redis as vmsg's workers.

The socket path comes from VMSG_BENCH_REDIS_SOCKET (set by queue_bench).
"""
import os

from celery import Celery

SOCKET = os.environ["VMSG_BENCH_REDIS_SOCKET"]
BROKER_DB = 2
RESULT_DB = 3
app = Celery(
    "vmsg_bench",
    broker=f"redis+socket://{SOCKET}?virtual_host={BROKER_DB}",
    backend=f"redis+socket://{SOCKET}?virtual_host={RESULT_DB}",
)
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    worker_hijack_root_logger=False,
    worker_prefetch_multiplier=4,  # Celery's default, stated: vmsg's side prefetches 4 too
)


@app.task(name="bench.noop")
def noop():
    return {}
