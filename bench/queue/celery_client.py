"""Sends N no-op tasks to the Celery worker and waits for every result; prints the seconds.

Usage: VMSG_BENCH_REDIS_SOCKET=... python3 celery_client.py N
"""
import sys
import time

from celery.result import ResultSet

from celery_app import app


def main() -> int:
    n = int(sys.argv[1])
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):  # the worker is up and consuming
        if time.monotonic() > deadline:
            print("celery worker did not start", file=sys.stderr)
            return 1
    start = time.monotonic()
    results = ResultSet([app.send_task("bench.noop") for _ in range(n)])
    results.join_native(timeout=120)  # Redis-native wait for all results, not one by one
    print(f"{time.monotonic() - start:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
