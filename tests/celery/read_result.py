"""Reads a task result the way a Celery application does, for vmsg's interoperability test.

Usage: /usr/bin/python3 read_result.py SOCKET DB TASK_ID
Prints one JSON object: {"state": ..., "result": ...}; "result" is what
AsyncResult.get() returns for SUCCESS and null otherwise.
"""
import json
import sys

from celery import Celery
from celery.result import AsyncResult


def main() -> int:
    socket_path, db, task_id = sys.argv[1], sys.argv[2], sys.argv[3]
    app = Celery(
        "vmsg-interop",
        broker=f"redis+socket://{socket_path}?virtual_host=0",
        backend=f"redis+socket://{socket_path}?virtual_host={db}",
    )
    result = AsyncResult(task_id, app=app)
    state = result.state
    value = result.get(timeout=10) if state == "SUCCESS" else None
    print(json.dumps({"state": state, "result": value}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
