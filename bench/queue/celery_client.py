"""The Celery side of bench/queue: enqueues N no-op tasks while no worker runs, then starts a
Celery worker (2 threads) and waits until every result is stored.

Prints "<enqueue rate> <worker rate>" in tasks per second. The worker rate comes from the
results themselves, (N - 1) / (last date_done - first date_done), so neither the worker's
start-up nor this client's polling counts against Celery.

Usage: VMSG_BENCH_REDIS_SOCKET=... python3 celery_client.py N
"""
import datetime
import json
import os
import subprocess
import sys
import time

import redis

from celery_app import RESULT_DB, SOCKET, app

POLL_SECONDS = 0.05
TIMEOUT_SECONDS = 300


def main() -> int:
    n = int(sys.argv[1])
    start = time.monotonic()
    ids = [app.send_task("bench.noop").id for _ in range(n)]
    enqueue_rate = n / (time.monotonic() - start)

    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "celery_app", "worker", "--pool=threads",
         "--concurrency=2", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
         "--without-heartbeat"],
        cwd=os.path.dirname(os.path.abspath(__file__)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        results = redis.Redis(unix_socket_path=SOCKET, db=RESULT_DB)
        pending, done = ids, []
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while pending:
            if time.monotonic() > deadline or worker.poll() is not None:
                print(f"{len(pending)} results missing", file=sys.stderr)
                return 1
            time.sleep(POLL_SECONDS)
            values = results.mget([f"celery-task-meta-{i}" for i in pending])
            done += [json.loads(v) for v in values if v is not None]
            pending = [i for i, v in zip(pending, values) if v is None]
    finally:
        worker.terminate()
        worker.wait()
    if any(r["status"] != "SUCCESS" for r in done):
        print("some Celery tasks did not succeed", file=sys.stderr)
        return 1
    dates = [datetime.datetime.fromisoformat(r["date_done"]) for r in done]
    span = (max(dates) - min(dates)).total_seconds()
    print(f"{enqueue_rate:.1f} {(n - 1) / span:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
