# Sourced by the out-of-process suites (e2e, fuzz, client): one running instance of the service
# binary on a state dir and a free loopback port, healthy before the suite starts, stopped when the
# suite exits. The caller sets $bin and defines fail() (prints its summary line and exits).

instance_pid=""

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_instance STATE_DIR PORT LOG [NAME=VALUE ...]: serves with the extra environment given and
# waits (≤ 30 s) for /health; sets $base. A service that exits or stays unhealthy fails the suite.
start_instance() {
  local state_dir=$1 port=$2 log=$3
  shift 3
  env LOAN_BROKER__STATE_DIR="$state_dir" LOAN_BROKER__BIND_ADDRESS=127.0.0.1 \
    LOAN_BROKER__PORT="$port" "$@" "$bin" serve >"$log" 2>&1 &
  instance_pid=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 1 300); do
    kill -0 "$instance_pid" 2>/dev/null || { cat "$log" >&2; fail "service exited before becoming healthy"; }
    if curl -fsS -o /dev/null "$base/health" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  tail -50 "$log" >&2
  fail "service not healthy at $base/health within 30 s"
}

# Stops the instance: TERM, up to 5 s for a clean shutdown, then KILL.
stop_instance() {
  local pid=$instance_pid
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
