"""A Celery application over vmsg's Redis, for the interoperability tests.

Run with Debian's Python (/usr/bin/python3, python3-celery). BROKER is a Redis URL for
kombu: redis://host:port/0 or redis+socket:///path/to/sock?virtual_host=0; results live in
the same server's DB 1, as vmsg keeps them.

  interop.py BROKER read TASK_ID
      {"state", "result"}: what AsyncResult reports; "result" is what get() returns for
      SUCCESS, null otherwise.
  interop.py BROKER send SPEC_JSON
      Queues a task with send_task. SPEC_JSON: {"name", "kwargs", "args"?, "priority"?,
      "countdown"?, "expires"? (seconds, or an ISO time), "task_id"?}. Prints {"task_id"}.
  interop.py BROKER wait TASK_ID TIMEOUT
      AsyncResult(task_id).get(timeout): {"state", "result"}, or {"state", "error",
      "exc_type"} when get() raises (a task's failure, or the timeout).
  interop.py BROKER revoke TASK_ID
      app.control.revoke(task_id): Celery's broadcast to every worker. Prints {"sent"}.
  interop.py BROKER worker
      A Celery worker (one process, solo pool) for the task "vmsg_interop.echo", which
      returns {"kwargs", "retries", "priority"}; runs until SIGTERM.
"""
import json
import sys
from datetime import datetime

from celery import Celery
from celery.result import AsyncResult


def make_app(broker: str) -> Celery:
    if "virtual_host=" in broker:
        backend = broker.replace("virtual_host=0", "virtual_host=1")
    else:
        backend = broker.rsplit("/", 1)[0] + "/1"
    app = Celery("vmsg-interop", broker=broker, backend=backend)
    app.conf.update(task_serializer="json", result_serializer="json",
                    accept_content=["json"], task_track_started=True,
                    worker_hijack_root_logger=False)
    return app


def read(app: Celery, task_id: str) -> dict:
    result = AsyncResult(task_id, app=app)
    state = result.state
    value = result.get(timeout=10) if state == "SUCCESS" else None
    return {"state": state, "result": value}


def send(app: Celery, spec: dict) -> dict:
    options = {k: spec[k] for k in ("priority", "countdown", "expires", "task_id") if k in spec}
    if isinstance(options.get("expires"), str):  # an ISO time rather than seconds from now
        options["expires"] = datetime.fromisoformat(options["expires"])
    sent = app.send_task(spec["name"], args=spec.get("args", []),
                         kwargs=spec.get("kwargs", {}), **options)
    return {"task_id": sent.id}


def wait(app: Celery, task_id: str, timeout: float) -> dict:
    result = AsyncResult(task_id, app=app)
    try:
        value = result.get(timeout=timeout)
    except Exception as error:  # the task's own failure comes back as an exception
        return {"state": result.state, "error": str(error),
                "exc_type": type(error).__name__}
    return {"state": result.state, "result": value}


def worker(app: Celery) -> None:
    @app.task(name="vmsg_interop.echo", bind=True)
    def echo(self, **kwargs):
        return {"kwargs": kwargs, "retries": self.request.retries,
                "priority": self.request.delivery_info.get("priority")}

    app.worker_main(["worker", "--pool=solo", "--concurrency=1", "--without-heartbeat",
                     "--without-mingle", "--without-gossip", "--loglevel=WARNING"])


def main() -> int:
    broker, command = sys.argv[1], sys.argv[2]
    app = make_app(broker)
    if command == "worker":
        worker(app)
        return 0
    if command == "read":
        out = read(app, sys.argv[3])
    elif command == "send":
        out = send(app, json.loads(sys.argv[3]))
    elif command == "revoke":
        app.control.revoke(sys.argv[3])
        out = {"sent": sys.argv[3]}
    elif command == "wait":
        out = wait(app, sys.argv[3], float(sys.argv[4]))
    else:
        print(f"unknown command {command}", file=sys.stderr)
        return 2
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
