#!/usr/bin/env bash
# The vmsg command line as a user meets it: help, version, config, refusals, `serve`
# answering /health and /metrics and stopping cleanly on SIGTERM, `serve --no-worker`,
# the worker's metrics listener, `vmsg status`, and `generate` making a video.
set -uo pipefail
VMSG=$1
SOURCE_DIR=$2
work=$(mktemp -d)
server_pid=""
# The private servers (redis, postgres, moto) of src/testing, as the C++ tests start them.
source "$SOURCE_DIR/src/testing/test_servers.sh"
redis_pid="" redis_volatile_pid="" pg_pid=""
hook_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null
  [ -n "$hook_pid" ] && kill "$hook_pid" 2>/dev/null
  for name in redis redis_volatile pg; do stop_test_server "$name"; done
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
passes=0
check() {  # check NAME COMMAND...: passes when the command succeeds
  local name=$1; shift
  if "$@"; then passes=$((passes + 1)); else echo "FAIL: $name"; failures=$((failures + 1)); fi
}
# Prints the port a `vmsg serve` logging to $1 listens on, once it says so (up to 120 s: a
# first start draws the backgrounds, seeds the system voices and renders the system music).
wait_for_port() {
  local found=""
  for _ in $(seq 1 1200); do
    found=$(grep -o 'listening address=127.0.0.1 port=[0-9]*' "$1" | grep -o '[0-9]*$')
    [ -n "$found" ] && break
    sleep 0.1
  done
  echo "$found"
}
cd "$work"

out=$("$VMSG" --help); rc=$?
check "help exits 0" test $rc -eq 0
check "help lists commands" grep -q "config print" <<<"$out"
check "help lists status" grep -q "^  status " <<<"$out"
check "serve --help documents --no-worker" grep -q -- "--no-worker" <<<"$("$VMSG" serve --help)"
"$VMSG" >/dev/null; check "no command exits 2" test $? -eq 2
for cmd in serve worker generate config version status; do
  out=$("$VMSG" $cmd --help); rc=$?
  check "$cmd --help exits 0" test $rc -eq 0
  check "$cmd --help prints usage" grep -q "Usage: vmsg $cmd" <<<"$out"
done
check "version" grep -Eq '^vmsg [0-9]+\.[0-9]+\.[0-9]+$' <<<"$("$VMSG" version)"

err=$("$VMSG" bogus 2>&1 >/dev/null); rc=$?
check "unknown command exits 2" test $rc -eq 2
check "unknown command is named" grep -q "unknown command 'bogus'" <<<"$err"
err=$("$VMSG" generate 2>&1); rc=$?
check "generate without a photo is bad usage" test $rc -eq 2
check "generate names what is missing" grep -q -- "--image PHOTO is required" <<<"$err"
err=$("$VMSG" generate --image x.jpg 2>&1); rc=$?
check "generate without text is bad usage" test $rc -eq 2
check "generate asks for the text" grep -q -- "--text TEXT is required" <<<"$err"
err=$("$VMSG" generate --image x.jpg --text hi --frobnicate 2>&1); rc=$?
check "generate refuses an unknown setting" test $rc -eq 2
err=$(VMSG_DATA_DIR="$work/unused" "$VMSG" generate --image x.jpg --text hi --speed 9 2>&1); rc=$?
check "generate refuses a speed out of range" test $rc -eq 2
check "the refusal names the speed" grep -q "speed must be" <<<"$err"
check "a refused request leaves no data dir behind" test ! -e "$work/unused"
err=$(VMSG_DATA_DIR="$work/unused" "$VMSG" generate --image x.jpg --text hi --framing wide 2>&1); rc=$?
check "generate refuses an unknown framing" test $rc -eq 2
check "the refusal lists the framings" grep -q "auto, bust, half, full" <<<"$err"
check "generate --help explains the framing" grep -q -- "--framing MODE" <<<"$("$VMSG" generate --help)"
err=$(VMSG_DATA_DIR="$work/unused" "$VMSG" generate --image x.jpg --text hi --format 4k 2>&1); rc=$?
check "generate refuses an unknown format" test $rc -eq 2
check "the refusal lists the formats" grep -q "portrait, portrait_hd, square, landscape" <<<"$err"
check "a refused format leaves no data dir behind" test ! -e "$work/unused"
check "generate --help lists the formats" grep -q -- "--format NAME" <<<"$("$VMSG" generate --help)"
err=$(VMSG_WORKERS=0 "$VMSG" worker 2>&1); rc=$?
check "worker without workers is refused" test $rc -eq 2
check "worker says why" grep -q "VMSG_WORKERS" <<<"$err"
err=$(CELERY_TASK_TIME_LIMIT=3600 "$VMSG" config print 2>&1); rc=$?
check "time limit past the visibility timeout is refused" test $rc -eq 2

out=$(VMSG_HTTP_PORT=9999 "$VMSG" config print --log-level=debug); rc=$?
check "config print exits 0" test $rc -eq 0
check "config print shows env values" grep -Eq '^VMSG_HTTP_PORT=9999 +# environment$' <<<"$out"
check "config print shows flag values" grep -Eq '^VMSG_LOG_LEVEL=debug +# flag$' <<<"$out"
check "config print shows defaults" grep -Eq '^VMSG_DATA_DIR=./data +# default$' <<<"$out"
printf 'VMSG_HTTP_THREADS=3\n' > custom.env
out=$("$VMSG" config print --env-file custom.env)
check "config print reads --env-file" grep -Eq '^VMSG_HTTP_THREADS=3 +# .env \(custom.env\)$' <<<"$out"
err=$(VMSG_HTTP_PORT=http "$VMSG" config print 2>&1); rc=$?
check "bad setting exits 2" test $rc -eq 2
check "bad setting is named" grep -q 'VMSG_HTTP_PORT="http" (from environment)' <<<"$err"
err=$("$VMSG" config print --env-file missing.env 2>&1); rc=$?
check "missing env file is an error" test $rc -eq 2
check "config table" grep -q '| `VMSG_HTTP_PORT` | `--http-port` |' <<<"$("$VMSG" config table)"

# serve: pick a free port, wait for the "listening" line, talk to it, stop it.
VMSG_HTTP_PORT=0 VMSG_DATA_DIR="$work/data" VMSG_WEB_DIR="$SOURCE_DIR/web" \
  "$VMSG" serve >"$work/serve.log" 2>&1 &
server_pid=$!
port=$(wait_for_port "$work/serve.log")
check "serve reports its port" test -n "$port"
health=$(curl -s -w '\n%{http_code}' "http://127.0.0.1:$port/health")
check "health answers 200" test "$(tail -n1 <<<"$health")" = 200
check "health is JSON with status ok" grep -q '"status":"ok"' <<<"$(head -n1 <<<"$health")"
check "data dir created" test -d "$work/data"
config=$(curl -s "http://127.0.0.1:$port/api/config")
check "api/config has the text limit" grep -q '"text_max_chars":200' <<<"$config"
check "api/config has the upload limit" grep -q '"upload_max_bytes":10485760' <<<"$config"
check "task state lives in the data dir" test -f "$work/data/state.sqlite3"
check "health reports the state store" grep -q '"state":{"backend":"sqlite:' <<<"$(head -n1 <<<"$health")"
status=$(curl -s -w '\n%{http_code}' "http://127.0.0.1:$port/api/video/status/3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f")
check "unknown task is 404" test "$(tail -n1 <<<"$status")" = 404
check "unknown task has its code" grep -q '"code":"task_not_found"' <<<"$(head -n1 <<<"$status")"
check "health reports the workers" grep -q '"workers":{"busy":0' <<<"$(head -n1 <<<"$health")"
# The four system voices are seeded at start-up.
check "health reports the voice catalog" grep -q '"voice_profiles":{"last_updated":"[^"]*","profile_count":4,"status":"healthy"}' <<<"$(head -n1 <<<"$health")"
check "health reports the BGM catalog" grep -q '"bgm_tracks":{"last_updated":"[^"]*","status":"healthy","track_count":5}' <<<"$(head -n1 <<<"$health")"
check "catalog files created" test -f "$work/data/backend/storage/voices/voices_metadata.json" -a -f "$work/data/backend/storage/bgm/bgm_metadata.json"
check "web UI served" grep -q '<title>vmsg</title>' <<<"$(curl -s "http://127.0.0.1:$port/")"
check "openapi served" grep -q '"openapi":"3.1.0"' <<<"$(curl -s "http://127.0.0.1:$port/api/openapi.json")"
check "health reports the object store" grep -q '"object_store":{"backend":"local","status":"healthy"}' <<<"$(head -n1 <<<"$health")"
check "object store secret is private" test "$(stat -c %a "$work/data/object_store.secret")" = 600
presign=$(curl -s -w '\n%{http_code}' -H 'Content-Type: application/json' \
  -d '{"kind":"image","content_type":"image/png"}' "http://127.0.0.1:$port/api/uploads/presign")
check "presign answers a form" grep -q '"url":"/api/uploads"' <<<"$(head -n1 <<<"$presign")"
check "presign answers 200" test "$(tail -n1 <<<"$presign")" = 200

# The photo endpoints, on real photos from Debian's dlib examples.
faces=/usr/share/doc/libdlib19.1/examples/faces
detect=$(curl -s -F "image=@$faces/Tom_Cruise_avp_2014_4.jpg;type=image/jpeg" \
  "http://127.0.0.1:$port/api/person-detection/detect")
check "detect finds the person" grep -q '"person_count":1' <<<"$detect"
check "detect answers an image id" grep -Eq '"image_id":"[0-9a-f-]{36}"' <<<"$detect"
preview=$(grep -o '"preview_url":"[^"]*"' <<<"$detect" | head -1 | cut -d'"' -f4)
check "the preview downloads as a JPEG" \
  test "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "http://127.0.0.1:$port$preview")" = "200 image/jpeg"
echo "not a photo" >"$work/fake.jpg"
refused=$(curl -s -F "image=@$work/fake.jpg;type=image/jpeg" "http://127.0.0.1:$port/api/person-detection/detect")
check "a text file named .jpg is refused by content" grep -q '"code":"unsupported_image_type"' <<<"$refused"
nobody=$(curl -s -F "image=@$faces/dogs.jpg" "http://127.0.0.1:$port/api/person-detection/detect")
check "a photo with nobody is not an error" grep -q '"person_count":0' <<<"$nobody"
backgrounds=$(curl -s "http://127.0.0.1:$port/api/backgrounds")
check "ten preset backgrounds are listed" test "$(grep -o '"kind":"preset"' <<<"$backgrounds" | wc -l)" -eq 10
check "a background thumbnail is served" \
  test "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "http://127.0.0.1:$port/api/backgrounds/bg-gold-bokeh/thumbnail")" = "200 image/jpeg"
check "an unknown background is 404" \
  test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/backgrounds/bg-nope/image")" = 404
metrics=$(curl -s -D "$work/metrics.headers" "http://127.0.0.1:$port/metrics")
check "metrics served as the Prometheus text format" grep -qi '^Content-Type: text/plain; version=0.0.4' "$work/metrics.headers"
check "metrics count requests by route pattern" grep -q '^vmsg_http_requests_total{route="/api/video/status/{task_id}",method="GET",status="404"} 1$' <<<"$metrics"
check "metrics time requests" grep -q '^vmsg_http_request_duration_seconds_bucket{route="/health",le="+Inf"} [1-9]' <<<"$metrics"
check "metrics show the workers" grep -q '^vmsg_workers_idle 2$' <<<"$metrics"
check "metrics show the queue" grep -q '^vmsg_queue_jobs{state="ready"} 0$' <<<"$metrics"
check "metrics show the catalogs" grep -q '^vmsg_catalog_records{catalog="voices"} 4$' <<<"$metrics"
check "metrics count object store calls" grep -Eq '^vmsg_object_store_requests_total\{operation="put"\} [1-9]' <<<"$metrics"
# Listed once in the background at start-up (a few ms for the local store), long done by now.
check "metrics show the store's size" grep -Eq '^vmsg_object_store_bytes [1-9]' <<<"$metrics"
# The Prometheus project's own parser (python3-prometheus-client) as the format's oracle.
check "metrics parse with the Prometheus client's parser" /usr/bin/python3 -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
families = {f.name: f for f in text_string_to_metric_families(sys.stdin.read())}
h = families["vmsg_http_request_duration_seconds"]
assert h.type == "histogram", h.type
assert any(s.name.endswith("_bucket") and s.labels.get("le") == "+Inf" for s in h.samples)
assert families["vmsg_http_requests"].type == "counter"
assert families["vmsg_queue_jobs"].type == "gauge"
' <<<"$metrics"
kill -TERM "$server_pid"
stopped=no
for _ in $(seq 1 100); do
  if ! kill -0 "$server_pid" 2>/dev/null; then stopped=yes; break; fi
  sleep 0.1
done
check "serve stops on SIGTERM" test $stopped = yes
wait "$server_pid"; rc=$?
server_pid=""
check "serve exits 0 after SIGTERM" test $rc -eq 0
check "serve logs the stop" grep -q "stopped" "$work/serve.log"

# vmsg status on the data dir serve made: healthy, with the catalogs' counts.
out=$(VMSG_DATA_DIR="$work/data" "$VMSG" status); rc=$?
check "status exits 0 when healthy" test $rc -eq 0
check "status shows the state store" grep -Eq '^state +ok +sqlite:.*round trip [0-9.]+ ms$' <<<"$out"
check "status shows the queue" grep -Eq '^queue +ok +ready 0, delayed 0, reserved 0, dead 0$' <<<"$out"
check "status shows the voices" grep -Eq '^voices +ok +4 records' <<<"$out"
check "status shows the music" grep -Eq '^bgm +ok +5 records' <<<"$out"
check "status shows the object store" grep -Eq '^objects +ok +local, reachable$' <<<"$out"
check "status sums up" test "$(tail -n1 <<<"$out")" = healthy
out=$(REDIS_URL="unix://$work/gone.sock" \
  VMSG_DATA_DIR="$work/data" "$VMSG" status); rc=$?
check "status exits 1 when the state store is down" test $rc -eq 1
check "status names what failed" grep -Eq '^state +FAIL ' <<<"$out"
check "status says unhealthy" test "$(tail -n1 <<<"$out")" = UNHEALTHY

# A webhook receiver on this machine: records each POST (its signature and body), answers 200.
hook_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 - "$hook_port" "$work/hooks" <<'PY' &
import http.server, json, sys
port, out = int(sys.argv[1]), sys.argv[2]
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        with open(out, "a") as f:
            f.write(json.dumps({"signature": self.headers.get("X-Vmsg-Signature"), "body": body}) + "\n")
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Hook).serve_forever()
PY
hook_pid=$!
hook_env=(VMSG_WEBHOOK_SECRET=whsec_cli_test VMSG_WEBHOOK_ALLOW_PRIVATE=true)
hook_url="http://127.0.0.1:$hook_port/hook"

# serve --no-worker: the API only, whatever VMSG_WORKERS says; a queued task stays queued.
env "${hook_env[@]}" VMSG_HTTP_PORT=0 VMSG_DATA_DIR="$work/data" VMSG_WEB_DIR="$SOURCE_DIR/web" VMSG_WORKERS=3 \
  "$VMSG" serve --no-worker >"$work/api.log" 2>&1 &
server_pid=$!
port=$(wait_for_port "$work/api.log")
check "serve --no-worker reports its port" test -n "$port"
check "serve --no-worker logs no workers" grep -q "serving .*workers=0" "$work/api.log"
health=$(curl -s "http://127.0.0.1:$port/health")
check "health without workers" test -z "$(grep -o '"workers"' <<<"$health")"
queued=$(curl -s -w '\n%{http_code}' -F "image=@$faces/2008_001009.jpg;type=image/jpeg" \
  -F "text=Hello there." -F consent=on -F "callback_url=$hook_url" "http://127.0.0.1:$port/api/video/generate")
check "generate is accepted without workers" test "$(tail -n1 <<<"$queued")" = 202
task_id=$(grep -o '"task_id":"[^"]*"' <<<"$queued" | cut -d'"' -f4)
check "a task id is answered" test -n "$task_id"
check "no worker metrics without workers" test -z "$(curl -s "http://127.0.0.1:$port/metrics" | grep '^vmsg_workers_')"
out=$(VMSG_DATA_DIR="$work/data" "$VMSG" status)
check "status sees the queued task" grep -Eq '^queue +ok +ready 1,' <<<"$out"
check "the queued task stays queued" grep -q '"status":"PENDING"' <<<"$(curl -s "http://127.0.0.1:$port/api/video/status/$task_id")"
check "status shows the webhook waiting" grep -q "\"webhook\":{.*\"state\":\"waiting\".*\"url\":\"$hook_url\"" <<<"$(curl -s "http://127.0.0.1:$port/api/video/status/$task_id")"
# A task cancelled before any worker took it is REVOKED at once, and its result says so.
second=$(curl -s -F "image=@$faces/2008_001009.jpg;type=image/jpeg" -F "text=Bye." -F "callback_url=$hook_url" \
  "http://127.0.0.1:$port/api/video/generate" | grep -o '"task_id":"[^"]*"' | cut -d'"' -f4)
check "cancel of a queued task revokes it" grep -q '"status":"REVOKED"' <<<"$(curl -s -X DELETE "http://127.0.0.1:$port/api/video/tasks/$second")"
check "the revoked task's result is 409 task_revoked" grep -q '"code":"task_revoked"' <<<"$(curl -s "http://127.0.0.1:$port/api/video/result/$second")"
kill -TERM "$server_pid"; wait "$server_pid"; server_pid=""

# worker: runs without HTTP (and without a web directory), serves /metrics and /health on
# VMSG_METRICS_PORT, stops on SIGTERM. It takes the task queued above.
metrics_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env "${hook_env[@]}" VMSG_WEB_DIR="$work/no-web" VMSG_DATA_DIR="$work/data" VMSG_WORKERS=3 VMSG_METRICS_PORT="$metrics_port" \
  "$VMSG" worker >"$work/worker.log" 2>&1 &
worker_pid=$!
for _ in $(seq 1 100); do grep -q "working" "$work/worker.log" && break; sleep 0.1; done
check "worker starts its threads" grep -q "working url=- workers=3" "$work/worker.log"
check "worker logs its metrics URL" grep -q "metrics_url=http://127.0.0.1:$metrics_port/metrics" "$work/worker.log"
wmetrics=$(curl -s "http://127.0.0.1:$metrics_port/metrics")
check "worker serves metrics" grep -q '^# TYPE vmsg_tasks_total counter$' <<<"$wmetrics"
check "worker metrics show its threads" test "$(grep -E '^vmsg_workers_(busy|idle) ' <<<"$wmetrics" | awk '{s+=$2} END {print s}')" = 3
check "worker serves health" test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$metrics_port/health")" = 200
check "worker serves nothing else" test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$metrics_port/api/video/status/$task_id")" = 404
# The worker runs the queued task and delivers both webhooks: the finished task's and the
# revoked one's, each signed with VMSG_WEBHOOK_SECRET (checked with Python's hmac).
for _ in $(seq 1 600); do [ "$(wc -l <"$work/hooks" 2>/dev/null || echo 0)" -ge 2 ] && break; sleep 0.1; done
check "both webhooks arrive, signed, with their outcomes" /usr/bin/python3 -c '
import hashlib, hmac, json, sys, time
task, revoked = sys.argv[1], sys.argv[2]
calls = [json.loads(line) for line in open(sys.argv[3])]
seen = {}
for c in calls:
    t, v1 = (p.split("=", 1)[1] for p in c["signature"].split(","))
    expected = hmac.new(b"whsec_cli_test", (t + "." + c["body"]).encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(v1, expected), c
    assert abs(time.time() - int(t)) < 300
    body = json.loads(c["body"])
    seen[body["task_id"]] = body
assert len(calls) == 2, calls
assert seen[task]["status"] == "SUCCESS" and seen[task]["result"]["video_key"].endswith("final_video.mp4")
assert seen[task]["result"]["consent"] is True
assert seen[revoked]["status"] == "REVOKED" and seen[revoked]["error"]["type"] == "TaskRevokedError"
' "$task_id" "$second" "$work/hooks"
kill "$hook_pid"; wait "$hook_pid" 2>/dev/null
kill -TERM "$worker_pid"; wait "$worker_pid"; rc=$?
check "worker exits 0 after SIGTERM" test $rc -eq 0
check "worker logs the stop" grep -q "stopped" "$work/worker.log"

# serve on Redis: a real redis-server on a unix socket, REDIS_URL pointing at it.
check "redis-server started" start_test_server redis redis
REDIS_URL="$redis_url" VMSG_HTTP_PORT=0 VMSG_DATA_DIR="$work/data2" \
  VMSG_WEB_DIR="$SOURCE_DIR/web" "$VMSG" serve >"$work/serve2.log" 2>&1 &
server_pid=$!
port=$(wait_for_port "$work/serve2.log")
check "serve on redis reports its port" test -n "$port"
health=$(curl -s "http://127.0.0.1:$port/health")
check "health reports the redis store" grep -q "\"backend\":\"unix://$redis_socket?db=1\"" <<<"$health"
check "metrics show redis figures" grep -Eq '^vmsg_redis_used_memory_bytes [1-9]' <<<"$(curl -s "http://127.0.0.1:$port/metrics")"
out=$(REDIS_URL="$redis_url" VMSG_DATA_DIR="$work/data2" "$VMSG" status); rc=$?
check "status on redis exits 0" test $rc -eq 0
check "status on redis shows the server" grep -Eq '^redis +ok +memory [0-9.]+ MiB, [0-9]+ ops/s' <<<"$out"
check "no sqlite file with redis" test ! -e "$work/data2/state.sqlite3"
check "serve reports redis's persistence at start-up" \
  grep -q 'redis: persistence .*settings="AOF on (appendfsync everysec, last write ok), RDB save 900 1 300 10 60 10000, last save ok"' "$work/serve2.log"
check "status on redis shows its persistence" grep -Eq '^persist +ok +AOF on \(appendfsync everysec' <<<"$out"

# Celery clients (Debian's python3-celery) queue vmsg.generate_video with the HTTP request's
# fields and read the outcome with AsyncResult.get(); the API answers for their tasks too.
celery=(/usr/bin/python3 "$SOURCE_DIR/tests/celery/interop.py" "redis+socket://$redis_socket?virtual_host=0")
detect=$(curl -s -F "image=@/usr/share/doc/libdlib19.1/examples/faces/2008_001009.jpg;type=image/jpeg" \
  "http://127.0.0.1:$port/api/person-detection/detect")
image_id=$(grep -Eo '"image_id":"[0-9a-f-]{36}"' <<<"$detect" | cut -d'"' -f4)
check "the photo for celery is stored" test -n "$image_id"
sent=$("${celery[@]}" send "{\"name\":\"vmsg.generate_video\",\"kwargs\":{\"object_key\":\"images/uploads/$image_id/original.jpg\",\"text\":\"おめでとう\",\"voice_id\":\"default_female\",\"bgm_id\":null,\"framing\":\"half\",\"format\":\"square\"}}")
celery_task=$(grep -Eo '"task_id": "[0-9a-f-]{36}"' <<<"$sent" | cut -d'"' -f4)
check "celery send_task queues the generation" test -n "$celery_task"
got=$("${celery[@]}" wait "$celery_task" 180)
check "celery AsyncResult.get() returns SUCCESS" grep -q '"state": "SUCCESS"' <<<"$got"
check "celery gets the result dict" grep -q "\"video_key\": \"videos/$celery_task/final_video.mp4\"" <<<"$got"
check "the API answers for a celery task" test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/video/result/$celery_task")" = 200
check "a celery task's framing kwarg is the video's" grep -q '"framing":"half"' "$work/data2/objects/videos/$celery_task/video.json"
check "a celery task's format kwarg is the video's" grep -q '"format":"square"' "$work/data2/objects/videos/$celery_task/video.json"
check "celery gets the format's size in the result" grep -q '"width": 1080' <<<"$got"
sent=$("${celery[@]}" send "{\"name\":\"vmsg.generate_video\",\"kwargs\":{\"object_key\":\"images/uploads/$image_id/original.jpg\",\"text\":\"hi\",\"framing\":\"wide\"}}")
got=$("${celery[@]}" wait "$(grep -Eo '"task_id": "[0-9a-f-]{36}"' <<<"$sent" | cut -d'"' -f4)" 60)
check "celery unknown framing fails with the valid ones" grep -q "auto, bust, half, full" <<<"$got"
sent=$("${celery[@]}" send "{\"name\":\"vmsg.generate_video\",\"kwargs\":{\"object_key\":\"images/uploads/$image_id/original.jpg\",\"text\":\"hi\",\"format\":\"8k\"}}")
got=$("${celery[@]}" wait "$(grep -Eo '"task_id": "[0-9a-f-]{36}"' <<<"$sent" | cut -d'"' -f4)" 60)
check "celery unknown format fails with the valid ones" grep -q "portrait, portrait_hd, square, landscape" <<<"$got"
sent=$("${celery[@]}" send '{"name":"vmsg.generate_video","args":["images/uploads/x/original.jpg"]}')
got=$("${celery[@]}" wait "$(grep -Eo '"task_id": "[0-9a-f-]{36}"' <<<"$sent" | cut -d'"' -f4)" 60)
check "celery positional args fail" grep -q '"state": "FAILURE"' <<<"$got"
check "celery positional args are explained" grep -q "keyword arguments only" <<<"$got"
sent=$("${celery[@]}" send "{\"name\":\"vmsg.generate_video\",\"kwargs\":{\"object_key\":\"images/uploads/$image_id/original.jpg\",\"text\":\"hi\",\"voice_id\":\"nobody\"}}")
got=$("${celery[@]}" wait "$(grep -Eo '"task_id": "[0-9a-f-]{36}"' <<<"$sent" | cut -d'"' -f4)" 60)
check "celery unknown voice fails" grep -q '"state": "FAILURE"' <<<"$got"
check "celery unknown voice names the voice" grep -q "nobody" <<<"$got"
sent=$("${celery[@]}" send "{\"name\":\"vmsg.generate_video\",\"expires\":\"2001-01-01T00:00:00+00:00\",\"kwargs\":{\"object_key\":\"images/uploads/$image_id/original.jpg\",\"text\":\"hi\"}}")
got=$("${celery[@]}" wait "$(grep -Eo '"task_id": "[0-9a-f-]{36}"' <<<"$sent" | cut -d'"' -f4)" 60)
check "celery expired task is revoked" grep -q '"state": "REVOKED"' <<<"$got"
check "celery expired task says so" grep -q "expired" <<<"$got"
sent=$("${celery[@]}" send "{\"name\":\"vmsg.generate_video\",\"countdown\":3600,\"kwargs\":{\"object_key\":\"images/uploads/$image_id/original.jpg\",\"text\":\"hi\"}}")
later_task=$(grep -Eo '"task_id": "[0-9a-f-]{36}"' <<<"$sent" | cut -d'"' -f4)
for _ in $(seq 1 50); do  # a worker takes it and holds it until its eta
  [ "$(redis-cli -s "$redis_socket" -n 0 hget "vmsg:queue:task:$later_task" state)" = delayed ] && break
  sleep 0.1
done
check "celery countdown task is held" test "$(redis-cli -s "$redis_socket" -n 0 hget "vmsg:queue:task:$later_task" state)" = delayed
"${celery[@]}" revoke "$later_task" >/dev/null
got=$("${celery[@]}" wait "$later_task" 30)
check "celery app.control.revoke revokes a held task" grep -q '"state": "REVOKED"' <<<"$got"
check "the API reports the celery revoke" test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/video/result/$later_task")" = 409
kill -TERM "$server_pid"; wait "$server_pid"; server_pid=""
stop_test_server redis
# A Redis that keeps nothing across a restart: a worker starts, but says so.
check "a volatile redis-server started" start_test_server redis_volatile redis --volatile
REDIS_URL="$redis_volatile_url" VMSG_DATA_DIR="$work/data2" VMSG_WORKERS=1 \
  VMSG_METRICS_PORT=0 "$VMSG" worker >"$work/volatile.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do grep -q "working" "$work/volatile.log" && break; sleep 0.1; done
check "a worker on a volatile redis still starts" grep -q "working url=-" "$work/volatile.log"
check "a volatile redis is warned about" \
  grep -q 'warning redis: persistence off: neither AOF nor RDB .*settings="AOF off, RDB off' "$work/volatile.log"
out=$(REDIS_URL="$redis_volatile_url" VMSG_DATA_DIR="$work/data2" "$VMSG" status)
check "status warns about a volatile redis" grep -Eq '^persist +ok +WARNING no AOF and no RDB' <<<"$out"
kill -TERM "$server_pid"; wait "$server_pid"; server_pid=""
stop_test_server redis_volatile
# Nothing listens on a freshly freed port: start-up fails at once, naming the server.
closed_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
err=$(REDIS_URL="redis://:sekret@127.0.0.1:$closed_port/0" REDIS_SOCKET_CONNECT_TIMEOUT=500ms \
  VMSG_DATA_DIR="$work/data3" VMSG_WORKERS=1 VMSG_METRICS_PORT=0 "$VMSG" worker 2>&1); rc=$?
check "unreachable redis stops a worker" test $rc -eq 2
check "unreachable redis is named" grep -q "Redis at redis://127.0.0.1:$closed_port/0 (REDIS_URL) is not reachable" <<<"$err"
check "unreachable redis's password is not shown" test -z "$(grep -o sekret <<<"$err")"
err=$(REDIS_URL="unix://$work/redis/gone.sock" VMSG_HTTP_PORT=0 VMSG_DATA_DIR="$work/data3" \
  VMSG_WEB_DIR="$SOURCE_DIR/web" "$VMSG" serve 2>&1); rc=$?
check "unreachable redis stops serve" test $rc -eq 2
check "unreachable redis is explained" grep -qi "redis" <<<"$err"

# Catalog backups in the local object store: back up, corrupt, restore.
bdata="$work/backup-data"
out=$(VMSG_DATA_DIR="$bdata" "$VMSG" backup metadata 2>&1); rc=$?
check "backup metadata exits 0" test $rc -eq 0
today=$(date -u +%Y%m%d)
check "backup wrote today's voices file" test -f "$bdata/objects/backups/metadata/$today/voices_metadata.json"
check "backup wrote today's bgm file" test -f "$bdata/objects/backups/metadata/$today/bgm_metadata.json"
check "backup list shows today" grep -qx "$today" <<<"$(VMSG_DATA_DIR="$bdata" "$VMSG" backup list)"
voices_file="$bdata/backend/storage/voices/voices_metadata.json"
good=$(cat "$voices_file")
echo '{ torn' >"$voices_file"
VMSG_DATA_DIR="$bdata" "$VMSG" backup metadata >/dev/null 2>&1
check "backup of a corrupt catalog fails" test $? -eq 1
VMSG_DATA_DIR="$bdata" "$VMSG" backup restore --date "$today" >/dev/null 2>&1
check "restore exits 0" test $? -eq 0
check "restore repaired the catalog" test "$(cat "$voices_file")" = "$good"
VMSG_DATA_DIR="$bdata" "$VMSG" backup restore --date 19990101 >/dev/null 2>&1
check "restore of a missing date fails" test $? -eq 1
VMSG_DATA_DIR="$bdata" "$VMSG" backup restore >/dev/null 2>&1
check "restore without a date is a usage error" test $? -eq 2

# The catalogs in PostgreSQL: a private server (src/testing's, as the C++ tests start it),
# `vmsg metadata migrate` both ways, backups from it.
check "postgres started" start_test_server pg postgres
mdata="$work/meta-data"
VMSG_DATA_DIR="$bdata" "$VMSG" backup metadata >/dev/null 2>&1  # the repaired catalog
cp -r "$bdata" "$mdata"
cat >"$mdata/backend/storage/voices/voices_metadata.json" <<'JSON'
{"profiles": [{"id": "mine", "name": "Mine \"日本語\"", "type": "custom", "language": "ja",
  "gender": "female", "embedding_path": "voices/embeddings/mine.npy",
  "reference_audio_path": "voices/custom/mine.wav",
  "preview_url": "/api/voice-clone/profiles/mine/preview", "created_at": "2025-01-02T08:30:15Z",
  "metadata": {"description": "d", "sample_rate": 24000, "duration_seconds": 5.2}}],
 "last_updated": "2025-01-02T08:30:15Z", "version": "1.0"}
JSON
VMSG_DATA_DIR="$mdata" "$VMSG" metadata migrate --to postgres >/dev/null 2>&1
check "migrate without VMSG_METADATA_URL is a usage error" test $? -eq 2
VMSG_DATA_DIR="$mdata" VMSG_METADATA_URL="$pg_url" "$VMSG" metadata migrate --to sqlite >/dev/null 2>&1
check "migrate to an unknown backend is a usage error" test $? -eq 2
out=$(VMSG_DATA_DIR="$mdata" VMSG_METADATA_URL="$pg_url" "$VMSG" metadata migrate --to postgres 2>&1)
check "migrate --to postgres exits 0" test $? -eq 0
check "migrate --to postgres reports the copy" grep -q "copied and verified" <<<"$out"
VMSG_DATA_DIR="$mdata" VMSG_METADATA_URL="$pg_url" "$VMSG" metadata migrate --to postgres >/dev/null 2>&1
check "migrate onto a non-empty database fails" test $? -eq 1
VMSG_DATA_DIR="$mdata" VMSG_METADATA_URL="$pg_url" "$VMSG" metadata migrate --to postgres --replace >/dev/null 2>&1
check "migrate --replace exits 0" test $? -eq 0
VMSG_DATA_DIR="$mdata" VMSG_METADATA_URL="$pg_url" "$VMSG" backup metadata >/dev/null 2>&1
check "backup from postgres exits 0" test $? -eq 0
canonical() { python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])), sort_keys=True))' "$1"; }
check "backup from postgres equals the file" \
  test "$(canonical "$mdata/objects/backups/metadata/$today/voices_metadata.json")" \
     = "$(canonical "$mdata/backend/storage/voices/voices_metadata.json")"
back="$work/meta-back"
VMSG_DATA_DIR="$back" VMSG_METADATA_URL="$pg_url" "$VMSG" metadata migrate --to json >/dev/null 2>&1
check "migrate --to json exits 0" test $? -eq 0
for f in backend/storage/voices/voices_metadata.json backend/storage/bgm/bgm_metadata.json; do
  check "round trip keeps $f" test "$(canonical "$back/$f")" = "$(canonical "$mdata/$f")"
done
VMSG_DATA_DIR="$back" VMSG_METADATA_URL="postgresql://vmsg:pw@/none?host=$work/nowhere" \
  "$VMSG" metadata migrate --to json --replace >/dev/null 2>"$work/err"
check "an unreachable database fails" test $? -eq 1
check "the password is not shown" bash -c "! grep -q pw@ '$work/err'"
# The operator's delete (`vmsg metadata delete`): "mine" records no owner, so no browser may
# delete it over the API; the operator removes it with its media, from the files and from
# the database.
mkdir -p "$back/objects/voices/custom" && echo wav >"$back/objects/voices/custom/mine.wav"
out=$(VMSG_DATA_DIR="$back" "$VMSG" metadata delete voice mine 2>&1)
check "metadata delete exits 0" test $? -eq 0
check "metadata delete says so" grep -q "deleted voice profile mine" <<<"$out"
check "metadata delete removed the media" test ! -e "$back/objects/voices/custom/mine.wav"
check "metadata delete removed the record" \
  bash -c "! grep -q '\"mine\"' '$back/backend/storage/voices/voices_metadata.json'"
VMSG_DATA_DIR="$back" "$VMSG" metadata delete voice mine >/dev/null 2>&1
check "metadata delete of a missing voice fails" test $? -eq 1
VMSG_DATA_DIR="$back" "$VMSG" metadata delete song mine >/dev/null 2>&1
check "metadata delete of an unknown kind is a usage error" test $? -eq 2
VMSG_DATA_DIR="$mdata" VMSG_METADATA_URL="$pg_url" "$VMSG" metadata delete voice mine >/dev/null 2>&1
check "metadata delete from postgres exits 0" test $? -eq 0
VMSG_DATA_DIR="$mdata" VMSG_METADATA_URL="$pg_url" "$VMSG" metadata delete voice mine >/dev/null 2>&1
check "metadata delete from postgres: then it is gone" test $? -eq 1
stop_test_server pg

# serve on S3: a private moto_server (the S3 emulator on the PATH's Python); a missing one
# fails here, it is never skipped.
moto_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$moto_port/" && break; sleep 0.1; done
check "moto_server started" curl -s -o /dev/null "http://127.0.0.1:$moto_port/"
s3_env=(S3_BUCKET=vmsg-cli-test S3_ENDPOINT_URL="http://127.0.0.1:$moto_port" S3_REGION=us-east-1
        AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing VMSG_HTTP_PORT=0
        VMSG_DATA_DIR="$work/data4" VMSG_WEB_DIR="$SOURCE_DIR/web")
err=$(env "${s3_env[@]}" "$VMSG" serve 2>&1); rc=$?
check "a missing bucket stops serve" test $rc -eq 2
check "a missing bucket is explained" grep -q "vmsg-cli-test" <<<"$err"
env "${s3_env[@]}" S3_CREATE_BUCKET=true "$VMSG" serve >"$work/serve4.log" 2>&1 &
server_pid=$!
port=$(wait_for_port "$work/serve4.log")
check "serve on s3 reports its port" test -n "$port"
health=$(curl -s "http://127.0.0.1:$port/health")
check "health reports the s3 store" grep -q '"backend":"s3"' <<<"$health"
lifecycle=$(curl -s "http://127.0.0.1:$moto_port/vmsg-cli-test?lifecycle")
check "start-up put the spec's lifecycle rules" grep -q "TransitionToColdStorageAfter90Days" <<<"$lifecycle"
versioning=$(curl -s "http://127.0.0.1:$moto_port/vmsg-cli-test?versioning")
check "start-up enabled versioning" grep -q "Enabled" <<<"$versioning"
check "start-up reads back versioning and the lifecycle rules" \
  grep -q 'objects: bucket checked bucket=vmsg-cli-test found="versioning Enabled, lifecycle rules .*TransitionToColdStorageAfter90Days (voices/custom/, GLACIER after 90 d)' "$work/serve4.log"
presign=$(curl -s -X POST -H 'Content-Type: application/json' \
  -d '{"kind":"image","content_type":"image/jpeg"}' "http://127.0.0.1:$port/api/uploads/presign")
check "presign answers with the bucket's URL" grep -q "127.0.0.1:$moto_port/vmsg-cli-test" <<<"$presign"
check "no local objects with s3" test ! -e "$work/data4/objects"
csp=$(curl -s -D - -o /dev/null "http://127.0.0.1:$port/" | grep -i '^content-security-policy')
check "the page may play media from the bucket's origin" grep -q "media-src 'self' blob: http://127.0.0.1:$moto_port;" <<<"$csp"
kill -TERM "$server_pid"; wait "$server_pid"; server_pid=""
kill "$moto_pid"; wait "$moto_pid" 2>/dev/null

# `vmsg generate`: a real photo to an MP4 in-process, machine-readable and for people.
faces=/usr/share/doc/libdlib19.1/examples/faces
out=$(VMSG_DATA_DIR="$work/gen" "$VMSG" generate --image "$faces/2008_001009.jpg" \
  --text "おめでとう。" --prosody celebration --framing bust -o "$work/gen.mp4" --json 2>"$work/gen.err"); rc=$?
check "generate --json exits 0" test $rc -eq 0
check "generate --json reports each step" test "$(grep -c '"event":"progress"' <<<"$out")" -eq 8
check "generate --json ends with the result" grep -q '"event":"done".*"face_animated":true' <<<"$(tail -1 <<<"$out")"
check "generate wrote an MP4" test "$(head -c 8 "$work/gen.mp4" | tail -c 4)" = "ftyp"
check "generate wrote the thumbnail beside it" test "$(head -c 3 "$work/gen.jpg" | od -An -tx1 | tr -d ' ')" = "ffd8ff"
check "generate --json says the default format and size" \
  grep -q '"format":"portrait".*"height":910.*"width":512' <<<"$(tail -1 <<<"$out")"
err=$(VMSG_DATA_DIR="$work/gen" "$VMSG" generate --image "$faces/2008_001009.jpg" \
  --text "おめでとう。" --format square -o "$work/square.mp4" 2>&1); rc=$?
check "generate --format square exits 0" test $rc -eq 0
check "generate --format square says its size" grep -q "1080x1080 video" <<<"$err"
check "generate --format square wrote an MP4" test "$(head -c 8 "$work/square.mp4" | tail -c 4)" = "ftyp"
err=$(VMSG_DATA_DIR="$work/gen" "$VMSG" generate --image "$faces/2008_001009.jpg" \
  --text "Happy birthday!" --voice nobody -o "$work/gen2.mp4" 2>&1); rc=$?
check "generate with an unknown voice is refused" test $rc -eq 2
check "the refusal lists the voices" grep -q "valid voice_id values" <<<"$err"
err=$(VMSG_DATA_DIR="$work/gen" "$VMSG" generate --image "$faces/dogs.jpg" --text "おめでとう" \
  -o "$work/gen3.mp4" 2>&1); rc=$?
check "a photo with nobody in it fails the generation" test $rc -eq 1
check "the failure says why" grep -q "nobody was found in the photo" <<<"$err"
check "a failed generation writes no file" test ! -e "$work/gen3.mp4"

# Every video says it is AI-made: `vmsg verify` checks the XMP and the signed C2PA manifest,
# and the Content Authenticity Initiative's own reader agrees (installed from npm when
# absent; skipped only when npm cannot install it).
out=$("$VMSG" verify "$work/gen.mp4"); rc=$?
check "verify passes a generated video" test $rc -eq 0
check "verify names the digital source type" grep -q "compositeWithTrainedAlgorithmicMedia" <<<"$out"
check "verify names the actions" grep -q '"c2pa.created","c2pa.placed"' <<<"$out"
check "the self-made signer is called untrusted" grep -q "untrusted" <<<"$out"
check "verify passes the thumbnail's XMP" "$VMSG" verify "$work/gen.jpg"
check "the signer was made once, its key private" test "$(stat -c %a "$work/gen/c2pa/key.pem")" = 600
cp "$work/gen.mp4" "$work/tampered.mp4"
size=$(stat -c %s "$work/tampered.mp4")
printf 'X' | dd of="$work/tampered.mp4" bs=1 seek=$((size - 500)) conv=notrunc 2>/dev/null
err=$("$VMSG" verify "$work/tampered.mp4"); rc=$?
check "verify fails a video with one byte changed" test $rc -eq 1
check "the failure is the hash binding" grep -q "c2pa_hash_mismatch" <<<"$err"
if "$SOURCE_DIR/tests/disclosure/install_reader.sh"; then
  out=$(node "$SOURCE_DIR/tests/disclosure/read_manifest.mjs" "$work/gen.mp4" photo.jpg 2>&1); rc=$?
  check "the C2PA reader finds the video's manifest valid" test $rc -eq 0
  [ $rc -eq 0 ] || echo "$out"
else
  echo "SKIP: the C2PA reader could not be installed"
fi

# API keys: made, listed, revoked and rotated in the state store; a server that requires them.
keydir="$work/keys"
out=$(VMSG_DATA_DIR="$keydir" "$VMSG" keys create --name "ci bot"); rc=$?
check "keys create exits 0" test $rc -eq 0
key1=$(tail -n1 <<<"$out")
check "the key is alone on the last line" grep -Eq '^vmsg_[0-9a-f]{40}$' <<<"$key1"
id1=$(grep -Eo 'key_[0-9a-f]{16}' <<<"$out" | head -1)
check "keys list shows the key's id and name" grep -q "$id1 *ci bot" <<<"$(VMSG_DATA_DIR="$keydir" "$VMSG" keys list)"
check "the secret is not stored" test -z "$(grep -a -r "${key1#vmsg_}" "$keydir" || true)"
err=$(VMSG_DATA_DIR="$keydir" "$VMSG" keys create 2>&1); rc=$?
check "keys create without a name is bad usage" test $rc -eq 2
err=$(VMSG_DATA_DIR="$keydir" "$VMSG" keys revoke key_0000000000000000 2>&1); rc=$?
check "revoking an unknown key fails" test $rc -eq 1
check "the failure names the key" grep -q "no API key key_0000000000000000" <<<"$err"
key2=$(VMSG_DATA_DIR="$keydir" "$VMSG" keys create --name second | tail -n1)
VMSG_HTTP_PORT=0 VMSG_DATA_DIR="$keydir" VMSG_WEB_DIR="$SOURCE_DIR/web" VMSG_WORKERS=0 \
  VMSG_API_KEYS_REQUIRED=true VMSG_REQUIRE_CONSENT=true VMSG_RATE_LIMIT_API=3 \
  VMSG_WEBHOOK_SECRET=whsec_cli_test \
  "$VMSG" serve >"$work/keys.log" 2>&1 &
server_pid=$!
port=$(wait_for_port "$work/keys.log")
base="http://127.0.0.1:$port"
code() { curl -s -o "$work/body" -w '%{http_code}' "$@"; }
check "without a key: 401" test "$(code "$base/api/backgrounds")" = 401
check "the 401 names what is missing" grep -q '"code":"api_key_required"' "$work/body"
check "a wrong key: 401" test "$(code -H "Authorization: Bearer vmsg_$(printf '0%.0s' $(seq 40))" "$base/api/backgrounds")" = 401
check "the 401 says the key is invalid" grep -q '"code":"api_key_invalid"' "$work/body"
check "the right key: 200" test "$(code -H "Authorization: Bearer $key1" "$base/api/backgrounds")" = 200
check "the key in the page's cookie: 200" test "$(code -b "vmsg_api_key=$key1" "$base/api/backgrounds")" = 200
check "api/config stays open and says keys are needed" grep -q '"api_key_required":true' <<<"$(curl -s "$base/api/config")"
check "health stays open" test "$(code "$base/health")" = 200
check "the page stays open" test "$(code "$base/")" = 200
check "the third request of a key this hour: 200" test "$(code -H "Authorization: Bearer $key1" "$base/api/backgrounds")" = 200
check "the fourth request of a key this hour: 429" test "$(code -H "Authorization: Bearer $key1" "$base/api/backgrounds")" = 429
check "another key has its own budget" test "$(code -H "Authorization: Bearer $key2" "$base/api/backgrounds")" = 200
VMSG_DATA_DIR="$keydir" "$VMSG" keys revoke "$id1" >/dev/null
check "a revoked key: 403 at once" test "$(code -H "Authorization: Bearer $key1" "$base/api/backgrounds")" = 403
check "the 403 says revoked" grep -q '"code":"api_key_revoked"' "$work/body"
id2=$(VMSG_DATA_DIR="$keydir" "$VMSG" keys list --json | grep -B1 '"name": "second"' | grep -Eo 'key_[0-9a-f]{16}')
key3=$(VMSG_DATA_DIR="$keydir" "$VMSG" keys rotate "$id2" | tail -n1)
check "the rotated-out key: 403" test "$(code -H "Authorization: Bearer $key2" "$base/api/backgrounds")" = 403
check "its replacement works" test "$(code -H "Authorization: Bearer $key3" "$base/api/backgrounds")" = 200
# Consent and callbacks on generate (with VMSG_REQUIRE_CONSENT): refused with nothing queued.
gen() { code -H "Authorization: Bearer $key3" -H 'Content-Type: application/json' -d "$1" "$base/api/video/generate"; }
check "generate without consent: 400" test "$(gen '{"object_key":"images/uploads/x/a.jpg","text":"hi"}')" = 400
check "the refusal is consent_required" grep -q '"code":"consent_required"' "$work/body"
for url in http://127.0.0.1:9/hook http://localhost/hook http://2130706433/ http://0x7f000001/ \
           "http://[::1]/" http://169.254.169.254/latest/meta-data/ http://10.0.0.8/hook; do
  check "a callback to $url: 400" \
    test "$(gen "{\"object_key\":\"images/uploads/x/a.jpg\",\"text\":\"hi\",\"consent\":true,\"callback_url\":\"$url\"}")" = 400
  check "$url is refused as private" grep -q '"code":"callback_url_refused"' "$work/body"
done
for url in file:///etc/passwd gopher://example.com/ "http://user:pw@example.com/" ftp://example.com/; do
  check "a callback to $url is invalid" \
    test "$(gen "{\"object_key\":\"images/uploads/x/a.jpg\",\"text\":\"hi\",\"consent\":true,\"callback_url\":\"$url\"}")" = 400
  check "$url is named invalid" grep -q '"code":"invalid_callback_url"' "$work/body"
done
check "no task was queued by any refusal" grep -Eq '^queue +ok +ready 0,' <<<"$(VMSG_DATA_DIR="$keydir" "$VMSG" status)"
kill -TERM "$server_pid"; wait "$server_pid"; server_pid=""

echo "$passes passed, $failures failed"
[ $failures -eq 0 ]
