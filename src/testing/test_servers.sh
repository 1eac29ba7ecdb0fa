# Sourced by the shell tests: the private servers of src/testing (redis, PostgreSQL, moto's
# S3), started by the same launchers as the C++ tests, through vmsg-test-server
# ($VMSG_TEST_SERVER, which CTest sets). Needs $work, a scratch directory.
#
# start_test_server NAME KIND [--volatile]: starts it and waits until it answers; sets
#   NAME_url, NAME_pid (the launcher: stop and restart go through it), NAME_server_pid (the
#   server's own process, e.g. to stop it with SIGSTOP) and, for redis, NAME_socket.
# stop_test_server NAME: stops it and removes its files.
# shutdown_test_server NAME / restart_test_server NAME (redis only): SHUTDOWN, and start
#   again on the same files.

_test_server_wait() {  # NAME LINE COUNT: waits until LINE occurs COUNT times in its output
  local out="$work/$1.server" pid_var="${1}_pid"
  for _ in $(seq 1 600); do
    [ "$(grep -c "^$2\$" "$out" 2>/dev/null)" -ge "$3" ] && return 0
    kill -0 "${!pid_var}" 2>/dev/null || break
    sleep 0.05
  done
  cat "$out.log" >&2
  return 1
}

_test_server_read() {  # NAME: sets NAME_url, NAME_server_pid, NAME_socket from its output
  local out="$work/$1.server"
  printf -v "${1}_url" '%s' "$(sed -n 's/^url=//p' "$out" | tail -1)"
  printf -v "${1}_server_pid" '%s' "$(sed -n 's/^pid=//p' "$out" | tail -1)"
  printf -v "${1}_socket" '%s' "$(sed -n 's/^socket=//p' "$out" | tail -1)"
}

start_test_server() {
  local name=$1 kind=$2
  shift 2
  "${VMSG_TEST_SERVER:?set by CTest}" "$kind" "$@" >"$work/$name.server" 2>"$work/$name.server.log" &
  printf -v "${name}_pid" '%s' "$!"
  _test_server_wait "$name" ready 1 || return 1
  _test_server_read "$name"
}

stop_test_server() {
  local pid_var="${1}_pid"
  [ -n "${!pid_var:-}" ] || return 0
  kill -TERM "${!pid_var}" 2>/dev/null
  wait "${!pid_var}" 2>/dev/null
  printf -v "${1}_pid" '%s' ""
}

shutdown_test_server() {
  local pid_var="${1}_pid" before
  before=$(grep -c '^stopped$' "$work/$1.server")
  kill -USR1 "${!pid_var}"
  _test_server_wait "$1" stopped $((before + 1))
}

restart_test_server() {
  local pid_var="${1}_pid" before
  before=$(grep -c '^ready$' "$work/$1.server")
  kill -USR2 "${!pid_var}"
  _test_server_wait "$1" ready $((before + 1)) || return 1
  _test_server_read "$1"
}
