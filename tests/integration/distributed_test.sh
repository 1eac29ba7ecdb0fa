#!/usr/bin/env bash
# The distributed layout as docs/deploy.md describes it, on one machine: redis-server with
# deploy/redis.conf, moto_server as the S3 endpoint, two API nodes (`vmsg serve
# --no-worker`) and two `vmsg worker`s, each with its own data dir but the same Redis and
# bucket. Twenty generations spread over both API nodes must all succeed while three faults
# happen: (a) a worker is SIGKILLed in the middle of a task, which another worker then
# finishes exactly once; (b) redis-server is shut down and started again (AOF on), losing
# no task; (c) the S3 endpoint hangs (SIGSTOP) for a few seconds. Progress of one task is
# followed at the same time over the WebSocket and the SSE stream of the API node that did
# not take the request and over the SSE stream of the one that did; the upload rate budget,
# counted in Redis, is shown to be shared by both API nodes.
# Talks to vmsg only through its processes and HTTP/WebSocket APIs.
set -uo pipefail
VMSG=$1
SOURCE_DIR=$2
HERE=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
started_at=$(date +%s)
pids=()       # every process this test started, killed on any exit
# redis-server and moto_server come from src/testing's launchers (as in the C++ tests):
# redis_pid and moto_pid are the launchers', *_server_pid the servers' own.
source "$SOURCE_DIR/src/testing/test_servers.sh"
redis_pid="" moto_pid="" redis_server_pid="" moto_server_pid=""
failures=0
passes=0

# The live processes, also in a file for the watchdog below.
save_pids() {
  printf '%s\n' "${pids[@]}" $redis_pid $moto_pid $redis_server_pid $moto_server_pid >"$work/pids"
}
remember() { pids+=("$1"); save_pids; }
forget() {  # a process that has exited: its pid may be reused
  local keep=() p
  for p in "${pids[@]}"; do [ "$p" != "$1" ] && keep+=("$p"); done
  pids=("${keep[@]}")
  save_pids
}
# Should this script itself be SIGKILLed (a ctest timeout), the watchdog stops what it
# started.
(
  trap '' TERM INT HUP
  while kill -0 $$ 2>/dev/null; do sleep 1; done
  for pid in $(cat "$work/pids" 2>/dev/null); do kill -CONT "$pid"; kill -9 "$pid"; done 2>/dev/null
  rm -rf "$work"
) &
watchdog_pid=$!
cleanup() {
  local rc=$?
  kill -9 "$watchdog_pid" 2>/dev/null
  [ -n "$moto_server_pid" ] && kill -CONT "$moto_server_pid" 2>/dev/null
  stop_test_server redis
  stop_test_server moto
  for pid in "${pids[@]}"; do
    kill -CONT "$pid" 2>/dev/null  # a stopped moto_server must die too
    kill -9 "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  if [ $failures -ne 0 ] || [ $rc -ne 0 ]; then
    for log in "$work"/*.log "$work"/redis/log; do
      [ -f "$log" ] || continue
      echo "---- last lines of $(basename "$log")"
      tail -n 15 "$log"
    done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap "exit 143" TERM INT HUP  # so that cleanup runs when ctest stops the test
check() {  # check NAME COMMAND...: passes when the command succeeds
  local name=$1; shift
  if "$@"; then passes=$((passes + 1)); else echo "FAIL: $name"; failures=$((failures + 1)); fi
}
note() { echo "[$(($(date +%s) - started_at)) s] $*"; }
# The port a `vmsg serve` logging to $1 listens on, once it says so (up to 120 s: a first
# start seeds the system voices and music into the bucket).
# Sets $found (not a command substitution, so a stop signal is acted on at once). Gives up
# at once when the process ($2) has exited.
wait_for_port() {
  found=""
  for _ in $(seq 1 1200); do
    found=$(grep -o 'listening address=127.0.0.1 port=[0-9]*' "$1" | grep -o '[0-9]*$')
    [ -n "$found" ] && break
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
}
wait_for_line() {  # wait_for_line FILE PATTERN SECONDS [PID: give up when it has exited]
  for _ in $(seq 1 $(($3 * 10))); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null && return 1
    sleep 0.1
  done
  return 1
}

# ---- Redis, with the repository's persistence settings (AOF + RDB) in a private dir.
# Over a unix socket: no TCP port to find (one found free first could be taken by the time
# the server binds it).
rcli() { redis-cli -s "$redis_socket" "$@"; }
start_redis() {
  start_test_server redis redis || return 1
  save_pids
}
check "redis-server starts with deploy/redis.conf" start_redis
check "redis runs with AOF on" grep -q '^aof_enabled:1' <<<"$(rcli info persistence | tr -d '\r')"

# ---- The S3 endpoint and its bucket.
# moto_server on a port the kernel chose, from the same launcher as the C++ tests.
check "moto_server started" start_test_server moto moto
save_pids
moto_port=${moto_url##*:}
bucket=vmsg-distributed
s3() {  # s3 PYTHON-CODE: boto3 against moto, `c` the client
  /usr/bin/python3 -c "
import boto3, sys
c = boto3.client('s3', endpoint_url='http://127.0.0.1:$moto_port', region_name='us-east-1',
                 aws_access_key_id='testing', aws_secret_access_key='testing')
$1"
}
check "bucket created" s3 "c.create_bucket(Bucket='$bucket')"

# ---- Two API nodes and two workers: own data dirs, shared Redis and bucket. Faults need
# short limits: a task may run 40 s, a dead worker's task is redelivered after 45 s, one S3
# request may hang 2 s and is tried twice (so an 8 s outage outlasts the client's retries).
# The upload budget is small (the generations draw on their own) to be exhausted on purpose.
upload_limit=3
common=(REDIS_URL="unix://$redis_socket?db=0"
        S3_BUCKET=$bucket S3_ENDPOINT_URL="http://127.0.0.1:$moto_port" S3_REGION=us-east-1
        AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
        S3_REQUEST_TIMEOUT=2s S3_MAX_RETRIES=1
        CELERY_TASK_TIME_LIMIT=40 VMSG_VISIBILITY_TIMEOUT=45s
        VMSG_RATE_LIMIT_GENERATE=1000 VMSG_RATE_LIMIT_API=1000000
        VMSG_RATE_LIMIT_UPLOADS=$upload_limit
        VMSG_WEB_DIR="$SOURCE_DIR/web" VMSG_CPU_THREADS=1 VMSG_HTTP_THREADS=2)
declare -A api_pid
start_api() {  # start_api N
  env "${common[@]}" VMSG_HTTP_PORT=0 VMSG_DATA_DIR="$work/api$1" \
    "$VMSG" serve --no-worker >"$work/api$1.log" 2>&1 &
  api_pid[$1]=$!
  remember $!
}
declare -A worker_pid
start_worker() {  # start_worker N
  # No worker metrics server: two on one machine would need two ports, and nothing here
  # reads them (the metrics have their own tests).
  env "${common[@]}" VMSG_WORKERS=1 VMSG_METRICS_PORT=0 \
    VMSG_DATA_DIR="$work/worker$1" "$VMSG" worker >"$work/worker$1.log" 2>&1 &
  worker_pid[$1]=$!
  remember $!
}
start_api 1
start_api 2
start_worker 1
start_worker 2
wait_for_port "$work/api1.log" "${api_pid[1]}"; port1=$found
wait_for_port "$work/api2.log" "${api_pid[2]}"; port2=$found
check "API node 1 listens" test -n "$port1"
check "API node 2 listens" test -n "$port2"
check "worker 1 works" wait_for_line "$work/worker1.log" "working url=- workers=1" 120 "${worker_pid[1]}"
check "worker 2 works" wait_for_line "$work/worker2.log" "working url=- workers=1" 120 "${worker_pid[2]}"
[ $failures -eq 0 ] || exit 1
api_port=("" "$port1" "$port2")
for n in 1 2; do
  health=$(curl -s -w '\n%{http_code}' "http://127.0.0.1:${api_port[$n]}/health")
  check "API node $n is healthy" test "$(tail -n1 <<<"$health")" = 200
  check "API node $n keeps its state in redis" grep -q "\"backend\":\"unix://$redis_socket?db=1\"" <<<"$health"
  check "API node $n keeps its objects in s3" grep -q '"object_store":{"backend":"s3"' <<<"$health"
done
note "4 vmsg processes up"

# ---- Requests and their state, through either API node.
faces=/usr/share/doc/libdlib19.1/examples/faces
photos=("$faces/2008_001009.jpg" "$faces/Tom_Cruise_avp_2014_4.jpg")
texts=("おめでとう。" "ありがとう。" "またね。" "こんにちは。" "よろしくね。")
declare -a task_ids task_node
submit() {  # submit I: task I goes to API node 1 + I % 2
  local i=$1 node=$((1 + $1 % 2)) reply
  reply=$(curl -s -w '\n%{http_code}' -F "image=@${photos[$((i % 2))]};type=image/jpeg" \
    -F "text=${texts[$((i % 5))]}" "http://127.0.0.1:${api_port[$node]}/api/video/generate")
  task_ids[$i]=$(head -n1 <<<"$reply" | grep -o '"task_id":"[^"]*"' | cut -d'"' -f4)
  task_node[$i]=$node
  check "request $i is accepted by node $node" test "$(tail -n1 <<<"$reply")" = 202
}
status_json() {  # status_json TASK_ID [NODE]
  curl -s --max-time 10 "http://127.0.0.1:${api_port[${2:-1}]}/api/video/status/$1"
}
state_of() { grep -o '"status":"[A-Z]*"' <<<"$1" | head -1 | cut -d'"' -f4; }
percent_of() { grep -o '"percentage":-\?[0-9]*' <<<"$1" | head -1 | cut -d: -f2; }

for i in $(seq 1 9); do submit "$i"; done
submit 0
# Task 0 went to node 1: follow it at the same time over node 2's WebSocket and SSE stream
# (progress crosses nodes through Redis) and over node 1's SSE stream. Queued behind nine
# others, it starts long after the followers have connected, however slowly they start.
declare -A follower_pid
follow() {  # follow NAME ws|sse NODE: output in $work/NAME.out, errors in $work/NAME.log
  python3 "$HERE/follow_progress.py" "$2" 127.0.0.1 "${api_port[$3]}" "${task_ids[0]}" \
    >"$work/$1.out" 2>"$work/$1.log" &
  follower_pid[$1]=$!
  remember $!
}
follow ws-node2 ws 2
follow sse-node2 sse 2
follow sse-node1 sse 1
note "10 tasks submitted"

# ---- Rate limits are shared: node 1 spends the whole upload budget of this address, then
# node 2 refuses the next request; both count in one Redis record.
presign() {  # presign NODE: the HTTP status, Retry-After in $work/presign.headers
  curl -s -o /dev/null -D "$work/presign.headers" -w '%{http_code}' \
    -H 'Content-Type: application/json' -d '{"kind":"image","content_type":"image/jpeg"}' \
    "http://127.0.0.1:${api_port[$1]}/api/uploads/presign"
}
for n in $(seq 1 $upload_limit); do
  check "upload $n of $upload_limit is allowed by node 1" test "$(presign 1)" = 200
done
check "node 2 refuses upload $((upload_limit + 1)) with 429" test "$(presign 2)" = 429
retry_after=$(grep -i '^retry-after:' "$work/presign.headers" | tr -dc '0-9')
check "node 2's 429 says when to retry (Retry-After: ${retry_after:-none})" \
  test "${retry_after:-0}" -ge 1 -a "${retry_after:-0}" -le 3600
check "node 1 refuses too" test "$(presign 1)" = 429
# The state lives in Redis database 1 (see /health); the key is ratelimit:{group}:{address}.
rate_count=$(rcli -n 1 hget ratelimit:upload:127.0.0.1 count)
check "Redis counts the uploads of both nodes in one window (count $rate_count)" \
  test "$rate_count" = $((upload_limit + 2))
check "the window expires within the hour" \
  test "$(rcli -n 1 pttl ratelimit:upload:127.0.0.1)" -le 3600000
note "upload budget: $upload_limit on node 1, then 429 on node 2 (Retry-After ${retry_after:-?} s), Redis count $rate_count"

# ---- Fault (a): SIGKILL worker 1 while it is in the middle of a task.
victim=""
for _ in $(seq 1 600); do
  candidate=$(grep -o 'task started task_id=[0-9a-f-]*' "$work/worker1.log" | tail -1 | cut -d= -f2)
  # Not task 0: its WebSocket must see one uninterrupted run.
  if [ -n "$candidate" ] && [ "$candidate" != "${task_ids[0]}" ]; then
    pct=$(percent_of "$(status_json "$candidate")")
    # Two steps short of the end at most, so that it cannot finish before the signal lands.
    if [ -n "$pct" ] && [ "$pct" -ge 5 ] && [ "$pct" -le 70 ]; then
      kill -9 "${worker_pid[1]}"
      victim=$candidate
      break
    fi
  fi
  sleep 0.1
done
check "worker 1 was killed in the middle of a task" test -n "$victim"
wait "${worker_pid[1]}" 2>/dev/null
forget "${worker_pid[1]}"
note "worker 1 SIGKILLed at ${pct:-?} % of $victim"

# Every follower saw task 0 move forward to 100 %, and its stream end there.
for name in ws-node2 sse-node2 sse-node1; do
  pid=${follower_pid[$name]}
  for _ in $(seq 1 1200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  wait "$pid"; rc=$?
  forget "$pid"
  out=$work/$name.out
  check "the $name follower ended cleanly after the final record" test $rc -eq 0
  [ $rc -eq 0 ] || cat "$work/$name.log"
  check "the $name follower saw several steps" test "$(sort -un "$out" | wc -l)" -ge 3
  check "the $name follower's percentages never went back" test "$(cat "$out")" = "$(sort -n "$out")"
  check "the $name follower ended at 100 %" test "$(tail -n1 "$out")" = 100
  note "$name followed task 0: $(tr '\n' ' ' <"$out")"
done

# The killed worker's task goes to worker 2 once its reservation expires; then a
# replacement worker joins.
check "the victim is redelivered to worker 2" \
  wait_for_line "$work/worker2.log" "task started task_id=$victim" 90
note "victim redelivered to worker 2"
start_worker 3
check "the replacement worker works" \
  wait_for_line "$work/worker3.log" "working url=- workers=1" 120 "${worker_pid[3]}"

# ---- Fault (b): restart redis-server with tasks queued, running and finished.
for i in $(seq 10 19); do submit "$i"; done
note "20 tasks submitted"
finished_before=()
for i in $(seq 0 19); do
  [ "$(state_of "$(status_json "${task_ids[$i]}")")" = SUCCESS ] && finished_before+=("${task_ids[$i]}")
done
check "redis-server shuts down" shutdown_test_server redis
# The outage: every vmsg process meets refused connections meanwhile.
sleep "${VMSG_TEST_REDIS_OUTAGE_SECONDS:-1}"
check "redis-server starts again on its AOF" restart_test_server redis
save_pids
note "redis restarted (${#finished_before[@]} tasks had finished before)"
check "a task finished before the restart is known" test ${#finished_before[@]} -ge 1
for id in "${finished_before[@]}"; do
  check "result of $id still readable" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port2/api/video/result/$id")" = 200
done

# ---- Fault (c): the S3 endpoint hangs for a few seconds while tasks run.
for _ in $(seq 1 300); do
  grep -q 'task started' "$work/worker3.log" && break
  sleep 0.1
done
running() {  # the indexes of the tasks running now (task state lives in Redis, not S3)
  for i in $(seq 0 19); do
    [ "$(state_of "$(status_json "${task_ids[$i]}")")" = STARTED ] && echo "$i"
  done
}
kill -STOP "$moto_server_pid"
running_at_stop=$(running)
note "S3 endpoint stopped; running: $(echo $running_at_stop)"
sleep 8
running_at_cont=$(running)
kill -CONT "$moto_server_pid"
note "S3 endpoint back; running: $(echo $running_at_cont)"
check "tasks were running when S3 stopped" test -n "$running_at_stop"

# ---- Every task ends; all but those hit by the S3 outage must succeed.
declare -A final_status
deadline=$(($(date +%s) + 150))
while [ "$(date +%s)" -lt "$deadline" ]; do
  pending=0
  for i in $(seq 0 19); do
    id=${task_ids[$i]}
    case "${final_status[$id]:-}" in SUCCESS|FAILURE) continue ;; esac
    # Asked of the node that did not take the request: both see the same state.
    s=$(state_of "$(status_json "$id" $((3 - task_node[i])))")
    final_status[$id]=$s
    case "$s" in SUCCESS|FAILURE) ;; *) pending=$((pending + 1)) ;; esac
  done
  [ $pending -eq 0 ] && break
  sleep 1
done
note "all tasks ended"
succeeded=0
for i in $(seq 0 19); do
  id=${task_ids[$i]}
  if [ "${final_status[$id]}" = SUCCESS ]; then
    succeeded=$((succeeded + 1))
    result=$(curl -s "http://127.0.0.1:${api_port[$((1 + i % 2))]}/api/video/result/$id")
    url=$(grep -o '"video_url":"[^"]*"' <<<"$result" | cut -d'"' -f4)
    curl -s -o "$work/video.mp4" "$url"
    check "video of task $i downloads as an MP4" test "$(head -c 8 "$work/video.mp4" | tail -c 4)" = ftyp
  else
    # Only an S3 outage may end a task, and never silently: the result names the error.
    problem=$(curl -s "http://127.0.0.1:$port1/api/video/result/$id")
    echo "task $i ($id) ended ${final_status[$id]}: $problem"
    check "failed task $i carries a code" grep -Eq '"code":"[a-z_A-Z]+"' <<<"$problem"
    check "failed task $i failed in S3" grep -qi 's3\|unavailable\|timed out\|deadline' <<<"$problem"
  fi
done
failed=$((20 - succeeded))
note "$succeeded succeeded, $failed failed"
check "at most the tasks the S3 outage hit may fail" test $failed -le 2

# Fault (a)'s outcome: the victim ran twice, succeeded once, and has exactly one video.
check "the victim succeeded" test "${final_status[$victim]}" = SUCCESS
versions=$(s3 "
r = c.list_object_versions(Bucket='$bucket', Prefix='videos/$victim/final_video.mp4')
print(len([v for v in r.get('Versions', []) if v['Key'] == 'videos/$victim/final_video.mp4']))")
check "the victim has exactly one final video (got $versions versions)" test "$versions" = 1
check "the victim's redelivery was attempt 1" \
  grep -q "task started task_id=$victim task=vmsg.generate_video attempt=1" "$work/worker2.log"
check "no task ran to completion twice" \
  test "$(cat "$work"/worker*.log | grep -o 'video generated task_id=[0-9a-f-]*' | sort | uniq -d | wc -l)" = 0

# Fault (b)'s outcome: every process rode out the restart.
for n in 1 2; do
  check "API node $n survived the redis restart" kill -0 "${api_pid[$n]}"
  check "API node $n is healthy at the end" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${api_port[$n]}/health")" = 200
done
check "worker 2 survived the redis restart" kill -0 "${worker_pid[2]}"

# Fault (c)'s outcome, said out loud.
# Only the S3 outage may fail a task attempt (the killed worker's attempt is never recorded).
s3_failures=$(cat "$work"/worker*.log | grep -c 'task failed')
if [ "$s3_failures" -eq 0 ]; then
  note "S3 outage: ridden out by the S3 client's own retries (no task attempt failed)"
else
  note "S3 outage: $s3_failures task attempt(s) failed and were retried by the queue:"
  cat "$work"/worker*.log | grep 'task failed' | cut -c1-300
  check "every failed attempt failed with a retryable S3 error" \
    test "$(cat "$work"/worker*.log | grep 'task failed' | grep -Evc 'error="(UNAVAILABLE|DEADLINE_EXCEEDED): .*S3')" = 0
fi

# Figures: how the processes met the faults.
note "warnings logged by the vmsg processes, by message:"
cat "$work"/worker*.log "$work"/api*.log | grep ' warning ' | sed -E 's/^[^ ]+ warning +//; s/ [a-z_]+=.*//' |
  sort | uniq -c
echo "$passes passed, $failures failed ($(($(date +%s) - started_at)) s)"
[ $failures -eq 0 ]
