#!/usr/bin/env bash
# Deployment rehearsal on Debian 12, as root: what nixos/module.nix declares, done by hand with Debian's
# nginx, Pebble, lego and restic, for five instances friend1–friend5 (ports 8081–8085), then checked
# over HTTPS. See tests/deploy/README.md. Loopback only; bounded in time; cleans up after itself.
#
# Needs: target/release/loan-broker (or $LOAN_BROKER_BIN); frontend/dist is optional (API only without).
# Prints one line per check, a summary table, and as the LAST line exactly "N passed, M failed".
# Exit status: 0 when every check passed.
#
# Environment: LOAN_BROKER_BIN, LOAN_BROKER_DIST (default frontend/dist), REHEARSAL_TIMEOUT (seconds,
# default 900), REHEARSAL_HTTP_PORT / REHEARSAL_HTTPS_PORT (default 80/443, else 5002/8443 when busy).
set -o pipefail     # no -e: every check reports its own failure; no -u: a missing value fails a check, not the run
umask 022

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
BIN_SRC="${LOAN_BROKER_BIN:-$repo/target/release/loan-broker}"
DIST_SRC="${LOAN_BROKER_DIST:-$repo/frontend/dist}"
DEADLINE="${REHEARSAL_TIMEOUT:-900}"
PY="$(command -v /usr/bin/python3 || command -v python3 || echo python3)"
HELPERS="$here/helpers.py"

TAG="loan-broker-rehearsal"           # marker on /etc/hosts lines and in the users' GECOS field
STATE_ROOT=/var/lib/loan-broker-rehearsal
DOMAIN=example.test
FRIENDS=(friend1 friend2 friend3 friend4 friend5)
declare -A PORT=([friend1]=8081 [friend2]=8082 [friend3]=8083 [friend4]=8084 [friend5]=8085)
declare -A BRAND=([friend1]="鑫融财务顾问" [friend2]="恒信企业服务" [friend3]="诚达融资咨询"
  [friend4]="安盈金融服务" [friend5]="汇通助贷")
declare -A COLOR=([friend1]="#1677ff" [friend2]="#fa541c" [friend3]="#13c2c2" [friend4]="#722ed1"
  [friend5]="#52c41a")
PEBBLE_PORTS=(14000 15000)
MAX_UPLOAD_MIB=20                     # the module's maxUploadSize default; nginx allows 1 MiB more

declare -A PID=()                     # key -> pid (each started with setsid: pid = process group)
ALL_PIDS=()                           # every pid ever started, checked at the end
declare -A TOKEN=() NEWPW=() INITPW=()
CREATED_USERS=()
W=""
WATCHDOG=""
FINISHED=""
ABORTED=""

R_NAME=() R_OK=() R_SECS=()
LOGDIR=""

say() { printf '%s\n' "$*"; }
note() { printf '  · %s\n' "$*"; }

# check NAME FUNCTION [ARGS…]: runs the function in this shell with its output in a log file, records
# pass/fail and seconds, prints the log's tail when it failed.
check() {
  local name="$1"; shift
  local t0="$EPOCHREALTIME" log rc
  log="$LOGDIR/$(printf '%02d' "${#R_NAME[@]}").log"
  "$@" >"$log" 2>&1 </dev/null
  rc=$?
  local secs
  secs="$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
  R_NAME+=("$name"); R_SECS+=("$secs")
  if [ "$rc" -eq 0 ]; then
    R_OK+=(PASS)
    printf '[PASS] %s (%s s)\n' "$name" "$secs"
    grep -E '^  · ' "$log" || true
  else
    R_OK+=(FAIL)
    printf '[FAIL] %s (%s s)\n' "$name" "$secs"
    tail -n 40 "$log" | sed 's/^/    | /'
  fi
  return "$rc"
}

abort() {
  ABORTED=1
  say "rehearsal: cannot continue after \"${R_NAME[-1]}\" failed"
  exit 1
}

# ---------------------------------------------------------------------------------------------
# small tools
# ---------------------------------------------------------------------------------------------

alive() { # pid alive and not a zombie
  [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] && ! awk '{ exit !($3 == "Z") }' "/proc/$1/stat" 2>/dev/null
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_until SECONDS CMD…: polls every 0.1 s
wait_until() {
  local limit="$1"; shift
  local end=$((SECONDS + limit))
  while ! "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -ge "$end" ] && return 1
    sleep 0.1
  done
}

# stop KEY [SIGNAL]: signals the process group, waits ≤ 10 s, then SIGKILL.
stop() {
  local key="$1" sig="${2:-TERM}" pid="${PID[$1]:-}"
  [ -n "$pid" ] || return 0
  kill "-$sig" -- "-$pid" 2>/dev/null || kill "-$sig" "$pid" 2>/dev/null
  local end=$((SECONDS + 10))
  while alive "$pid" && [ "$SECONDS" -lt "$end" ]; do sleep 0.1; done
  if alive "$pid"; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null; sleep 0.2; fi
  wait "$pid" 2>/dev/null
  unset "PID[$key]"
}

# track KEY PID: remembers the pid (and its start time, so a reused pid is not mistaken for ours)
track() {
  PID[$1]="$2"; ALL_PIDS+=("$2:$(awk '{ print $22 }' "/proc/$2/stat" 2>/dev/null)")
  echo "$2" >"$W/run/$1.pid"
}

base_http() { echo "http://127.0.0.1:$1"; }
base_https() { echo "https://$1.$DOMAIN$HTTPS_SUFFIX"; }

# req METHOD URL [TOKEN] [JSON]: prints the HTTP status ("000" when no answer); body in $W/body.
req() {
  local args=(-sS --max-time 30 -o "$W/body" -w '%{http_code}' -X "$1")
  [[ "$2" == https://* ]] && args+=(--cacert "$CA")
  [ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $3")
  [ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
  : >"$W/body"
  curl "${args[@]}" "$2" 2>>"$W/curl.err" || true
}
body() { cat "$W/body"; }
jget() { "$PY" "$HELPERS" json "$@" <"$W/body"; }
count_customers() { LB_TOKEN="$2" "$PY" "$HELPERS" count "$1" ${3:+"$3"}; }

as_user() { # as_user USER CMD…: like the module's setpriv, with systemd's clean environment
  local u="$1"; shift
  timeout 120 setpriv --reuid="$u" --regid="$u" --clear-groups --no-new-privs -- \
    env -i PATH=/usr/bin:/bin LANG=C.UTF-8 "$@"
}

sql_ro() { # read-only look at a database file nobody is writing (creates no -wal/-shm)
  sqlite3 "file:$1?mode=ro&immutable=1" "$2"
}

# start_instance KEY USER CONFIG STATE_DIR PORT CRED_DIR: the systemd unit, by hand
start_instance() {
  local key="$1" user="$2" cfg="$3" sd="$4" port="$5" cred="$6"
  (
    cd "$sd" || exit 1
    umask 077
    exec setsid setpriv --reuid="$user" --regid="$user" --clear-groups --no-new-privs -- \
      env -i PATH=/usr/bin:/bin LANG=C.UTF-8 CREDENTIALS_DIRECTORY="$cred" \
      "$BIN" --config "$cfg" serve
  ) >>"$W/logs/$key.log" 2>&1 </dev/null 8>&- 9>&- &
  track $key $!
  local end=$((SECONDS + 30))
  while [ "$SECONDS" -lt "$end" ]; do
    if ! alive "${PID[$key]}"; then
      echo "$key exited before it became healthy:"; tail -n 20 "$W/logs/$key.log"; return 1
    fi
    if curl -fsS --max-time 2 "http://127.0.0.1:$port/health" 2>/dev/null | grep -q '"status":"ok"'; then
      note "$key: pid ${PID[$key]} as $user, healthy on 127.0.0.1:$port"
      return 0
    fi
    sleep 0.1
  done
  echo "$key not healthy on :$port within 30 s"; tail -n 20 "$W/logs/$key.log"; return 1
}

start_friend() { local f="$1"; start_instance "$f" "loan-broker-$f" "$W/etc/$f.toml" "$STATE_ROOT/$f" "${PORT[$f]}" "$W/credentials/$f"; }

login() { # login BASE PASSWORD -> the token on stdout; the whole answer stays in $W/body
  local code
  code="$(req POST "$1/api/auth/login" "" "{\"username\":\"admin\",\"password\":\"$2\"}")"
  [ "$code" = 200 ] || { echo "login at $1: HTTP $code $(body)" >&2; return 1; }
  jget access_token
}

# ---------------------------------------------------------------------------------------------
# cleanup (idempotent; also run by the EXIT trap)
# ---------------------------------------------------------------------------------------------

remove_hosts_lines() {
  if grep -q "# $TAG\$" /etc/hosts 2>/dev/null; then
    local tmp; tmp="$(mktemp)"
    grep -v "# $TAG\$" /etc/hosts >"$tmp"
    cat "$tmp" >/etc/hosts     # not sed -i: /etc/hosts may be a bind mount
    rm -f "$tmp"
  fi
}

cleanup() {
  local key
  [ -n "$W" ] && touch "$W/stop-writers" 2>/dev/null
  for key in "${!PID[@]}"; do
    case "$key" in nginx) [ -n "${PID[$key]}" ] && kill -QUIT "${PID[$key]}" 2>/dev/null ;; esac
  done
  for key in "${!PID[@]}"; do stop "$key" TERM; done
  remove_hosts_lines
  for u in "${CREATED_USERS[@]}"; do
    id -u "$u" >/dev/null 2>&1 && userdel "$u" 2>&1
  done
  CREATED_USERS=()
  rm -rf "$STATE_ROOT"
  if [ -n "$W" ] && [ -d "$W" ]; then
    if [ -n "$(ls -A "$W/logs" 2>/dev/null)" ] && { [ -n "$ABORTED" ] || printf '%s\n' "${R_OK[@]}" | grep -q FAIL; }; then
      local keep; keep="$(mktemp -d "${TMPDIR:-/tmp}/$TAG-logs.XXXXXX")"
      cp -a "$W/logs/." "$keep/" 2>/dev/null
      KEPT_LOGS="$keep"
    fi
    rm -rf "$W"
  fi
}

verify_clean() {
  local bad=0 f
  for f in "${FRIENDS[@]}"; do
    if id "loan-broker-$f" >/dev/null 2>&1; then echo "user loan-broker-$f still exists"; bad=1; fi
  done
  [ -e "$STATE_ROOT" ] && { echo "$STATE_ROOT still exists"; bad=1; }
  grep -q "# $TAG\$" /etc/hosts && { echo "/etc/hosts lines still there"; bad=1; }
  local p st
  for f in "${ALL_PIDS[@]}"; do
    p="${f%%:*}" st="${f#*:}"
    if alive "$p" && [ "$(awk '{ print $22 }' "/proc/$p/stat" 2>/dev/null)" = "$st" ]; then
      echo "process $p still running: $(tr '\0' ' ' <"/proc/$p/cmdline")"; bad=1
    fi
  done
  [ -n "$W" ] && [ -e "$W" ] && { echo "$W still exists"; bad=1; }
  note "no users, state dirs, hosts lines, temp dirs or processes left (${#ALL_PIDS[@]} processes checked)"
  return "$bad"
}

cleanup_and_verify() {
  cleanup
  sleep 0.3
  verify_clean
}

finish() {
  local rc=$?
  [ -n "$FINISHED" ] && return
  FINISHED=1
  exec 1>&8 2>&9   # back to the real stdout/stderr, even when a signal arrived inside a check
  trap - INT TERM
  if [ -n "$WATCHDOG" ]; then kill -- "-$WATCHDOG" 2>/dev/null; wait "$WATCHDOG" 2>/dev/null; fi
  local cl; cl="$(mktemp -d)"
  LOGDIR="$cl"
  check "cleanup: everything started or changed is gone" cleanup_and_verify
  rm -rf "$cl"
  [ -n "${KEPT_LOGS:-}" ] && echo "logs of the failed run (services, nginx, pebble, lego) kept in $KEPT_LOGS"
  local pass=0 fail=0 i
  echo
  printf '%-68s %-6s %8s\n' "check" "result" "seconds"
  printf '%-68s %-6s %8s\n' "-----" "------" "-------"
  for i in "${!R_NAME[@]}"; do
    printf '%-68s %-6s %8s\n' "${R_NAME[$i]}" "${R_OK[$i]}" "${R_SECS[$i]}"
    if [ "${R_OK[$i]}" = PASS ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
  done
  [ -n "$ABORTED" ] && echo "(aborted early: the checks after the failed one did not run)"
  [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1 && echo "(exited with status $rc: counted as a failure)"
  echo "total $((SECONDS)) s"
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ] && exit 0 || exit 1
}

# fds 8/9 keep the real stdout/stderr (checks run with their output in a log file); no background
# process inherits them, so none can hold a CI pipe open.
exec 8>&1 9>&2
trap finish EXIT
trap 'echo "rehearsal: interrupted" >&9; exit 130' INT
trap 'echo "rehearsal: terminated (time limit?)" >&9; exit 143' TERM

# ---------------------------------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------------------------------

preflight() {
  [ "$(id -u)" = 0 ] || { echo "run as root"; return 1; }
  [ -x "$BIN_SRC" ] || { echo "no service binary at $BIN_SRC (make release, or set LOAN_BROKER_BIN)"; return 1; }
  local need=() p
  for p in nginx pebble lego restic sqlite3 curl openssl; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
  done
  command -v "$PY" >/dev/null || need+=(python3)
  if ((${#need[@]})); then
    echo "installing: ${need[*]}"
    timeout 300 apt-get update -qq || return 1
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q --no-install-recommends "${need[@]}" || return 1
    note "installed with apt-get: ${need[*]}"
  fi
  for p in nginx pebble lego restic sqlite3 curl openssl setpriv runuser useradd; do
    command -v "$p" >/dev/null || { echo "$p not found"; return 1; }
  done
  # Leftovers of an interrupted earlier run (recognised by the marker) are removed first.
  remove_hosts_lines
  for f in "${FRIENDS[@]}"; do
    if id -u "loan-broker-$f" >/dev/null 2>&1; then
      if getent passwd "loan-broker-$f" | cut -d: -f5 | grep -q "$TAG"; then
        userdel "loan-broker-$f" || return 1; note "removed leftover user loan-broker-$f"
      else
        echo "user loan-broker-$f exists and was not made by this rehearsal: refusing to touch it"; return 1
      fi
    fi
  done
  rm -rf "$STATE_ROOT"
  for p in "${PORT[@]}" "${PEBBLE_PORTS[@]}"; do
    port_busy "$p" && { echo "127.0.0.1:$p is already in use"; return 1; }
  done
  HTTP_PORT="${REHEARSAL_HTTP_PORT:-80}" HTTPS_PORT="${REHEARSAL_HTTPS_PORT:-443}"
  if [ -z "${REHEARSAL_HTTP_PORT:-}" ] && { port_busy 80 || port_busy 443; }; then
    note "80 or 443 is taken (a system nginx?): using 5002/8443"
    HTTP_PORT=5002 HTTPS_PORT=8443
  fi
  for p in "$HTTP_PORT" "$HTTPS_PORT"; do port_busy "$p" && { echo "127.0.0.1:$p is already in use"; return 1; }; done
  HTTPS_SUFFIX=""; [ "$HTTPS_PORT" = 443 ] || HTTPS_SUFFIX=":$HTTPS_PORT"
  note "nginx on 127.0.0.1:$HTTP_PORT/$HTTPS_PORT; $(nginx -v 2>&1); restic $(restic version | awk '{print $2}')"
}

# The package: a world-readable copy of the binary and the frontend (like the Nix store).
setup_package() {
  install -d -m 0755 "$W/pkg" "$W/pkg/bin"
  install -m 0755 "$BIN_SRC" "$W/pkg/bin/loan-broker"
  BIN="$W/pkg/bin/loan-broker"
  STATIC=""
  if [ -f "$DIST_SRC/index.html" ]; then
    cp -r "$DIST_SRC" "$W/pkg/static" && chmod -R a+rX "$W/pkg/static"
    STATIC="$W/pkg/static"
    note "frontend: $DIST_SRC"
  else
    note "no frontend at $DIST_SRC: instances serve the API only"
  fi
  "$BIN" --version
}

# users.users, StateDirectory (0700), the generated TOML, secrets + LoadCredential
setup_instances() {
  install -d -m 0755 "$STATE_ROOT"
  install -d -m 0755 "$W/etc"
  install -d -m 0700 "$W/secrets"        # like /run/agenix: root only
  install -d -m 0711 "$W/credentials"    # like /run/credentials
  local f u sd
  ( umask 077; openssl rand -hex 32 >"$W/secrets/metrics-token" )
  for f in "${FRIENDS[@]}"; do
    u="loan-broker-$f"; sd="$STATE_ROOT/$f"
    useradd --system --user-group --no-create-home --home-dir "$sd" --shell /usr/sbin/nologin \
      --comment "loan-broker instance $f ($TAG)" "$u" || return 1
    CREATED_USERS+=("$u")
    install -d -m 0700 -o "$u" -g "$u" "$sd"
    {
      echo "# generated like services.loan-broker.instances.$f (nixos/module.nix)"
      echo "bind_address = \"127.0.0.1\""
      echo "port = ${PORT[$f]}"
      echo "state_dir = \"$sd\""
      [ -n "$STATIC" ] && echo "static_dir = \"$STATIC\""
      echo "public_url = \"$(base_https "$f")\""
      echo "brand_name = \"${BRAND[$f]}\""
      echo "primary_color = \"${COLOR[$f]}\""
      echo "trusted_proxies = [\"127.0.0.1\"]"
      echo "max_upload_bytes = $((MAX_UPLOAD_MIB * 1024 * 1024))"
    } >"$W/etc/$f.toml"
    chmod 0644 "$W/etc/$f.toml"
    INITPW[$f]="Init-$f-$(openssl rand -hex 6)"
    ( umask 077
      openssl rand -hex 32 >"$W/secrets/$f-jwt"
      printf '%s\n' "${INITPW[$f]}" >"$W/secrets/$f-admin" )
    # LoadCredential=jwt_secret:… initial_admin_password:… → $CREDENTIALS_DIRECTORY, readable by the user only
    install -d -m 0500 -o "$u" -g "$u" "$W/credentials/$f"
    install -m 0400 -o "$u" -g "$u" "$W/secrets/$f-jwt" "$W/credentials/$f/jwt_secret"
    install -m 0400 -o "$u" -g "$u" "$W/secrets/$f-admin" "$W/credentials/$f/initial_admin_password"
    # metricsTokenFile → LoadCredential=metrics_token:… (one token for all, like the example host)
    install -m 0400 -o "$u" -g "$u" "$W/secrets/metrics-token" "$W/credentials/$f/metrics_token"
  done
  note "users loan-broker-friend1…5, $STATE_ROOT/friendN (0700), configs in $W/etc"
}

check_configs() {
  local f
  for f in "${FRIENDS[@]}"; do
    as_user "loan-broker-$f" "$BIN" --config "$W/etc/$f.toml" check-config || return 1
  done
}

start_all() {
  local f
  for f in "${FRIENDS[@]}"; do start_friend "$f" || return 1; done
}

setup_pebble() {
  local P="$W/pebble"
  install -d -m 0700 "$P"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=rehearsal-wfe-ca \
    -keyout "$P/ca.key" -out "$P/ca.pem" 2>/dev/null || return 1
  openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout "$P/key.pem" -out "$P/csr.pem" 2>/dev/null || return 1
  openssl x509 -req -in "$P/csr.pem" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial -days 2 \
    -out "$P/cert.pem" -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') 2>/dev/null || return 1
  cat >"$P/config.json" <<EOF
{"pebble": {"listenAddress": "127.0.0.1:14000", "managementListenAddress": "127.0.0.1:15000",
  "certificate": "$P/cert.pem", "privateKey": "$P/key.pem", "httpPort": $HTTP_PORT, "tlsPort": 5001,
  "ocspResponderURL": "", "externalAccountBindingRequired": false}}
EOF
  # Name resolution for the test domains: added before pebble starts (Go caches /etc/hosts ~5 s).
  local names="" f
  for f in "${FRIENDS[@]}"; do names+=" $f.$DOMAIN"; done
  printf '127.0.0.1%s # %s\n' "$names" "$TAG" >>/etc/hosts
  ( cd "$P" && PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 exec setsid pebble -config "$P/config.json" ) \
    >"$W/logs/pebble.log" 2>&1 </dev/null 8>&- 9>&- &
  track pebble $!
  wait_until 20 curl -fsS --max-time 2 --cacert "$P/ca.pem" https://127.0.0.1:14000/dir || { tail "$W/logs/pebble.log"; return 1; }
  curl -fsS --max-time 5 --cacert "$P/ca.pem" -o "$P/issuing-root.pem" https://127.0.0.1:15000/roots/0 || return 1
  CA="$P/issuing-root.pem"
  note "pebble pid ${PID[pebble]}, ACME directory https://127.0.0.1:14000/dir"
}

setup_nginx() {
  local N="$W/nginx"
  install -d -m 0755 "$N" "$N/conf.d" "$N/logs" "$N/tmp" "$W/webroot"
  cat >"$N/nginx.conf" <<EOF
user www-data;
worker_processes 1;
pid $N/nginx.pid;
error_log $N/logs/error.log;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  access_log $N/logs/access.log;
  # services.nginx.commonHttpConfig = privacyLogConfig (nixos/module.nix)
  map \$uri \$loan_broker_logged_path {
    ~^/r/            /r/-;
    ~^/api/shared/   /api/shared/-;
    default          \$uri;
  }
  log_format loan_broker_private '\$remote_addr - \$remote_user [\$time_local] '
    '"\$request_method \$loan_broker_logged_path \$server_protocol" \$status \$body_bytes_sent '
    '\$request_time "\$http_user_agent"';
  client_body_temp_path $N/tmp/body; proxy_temp_path $N/tmp/proxy; fastcgi_temp_path $N/tmp/fastcgi;
  uwsgi_temp_path $N/tmp/uwsgi; scgi_temp_path $N/tmp/scgi;
  # recommendedTlsSettings / recommendedOptimisation (abridged)
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_cache shared:SSL:1m;
  sendfile on; tcp_nopush on; tcp_nodelay on; keepalive_timeout 65;
  server_tokens off;
  # services.loan-broker.refuseUnknownHosts: unknown Host headers / the bare IP get nothing.
  server {
    listen 127.0.0.1:$HTTP_PORT default_server;
    server_name _;
    return 444;
  }
  server {
    listen 127.0.0.1:$HTTPS_PORT ssl default_server;
    server_name _;
    ssl_reject_handshake on;
    return 444;
  }
  include $N/conf.d/*.conf;
}
EOF
  local f
  for f in "${FRIENDS[@]}"; do
    # forceSSL's port-80 block of services.nginx.virtualHosts."$f.$DOMAIN": ACME challenge + redirect
    cat >"$N/conf.d/$f-http.conf" <<EOF
server {
  listen 127.0.0.1:$HTTP_PORT;
  server_name $f.$DOMAIN;
  location ^~ /.well-known/acme-challenge/ { root $W/webroot; auth_basic off; default_type text/plain; }
  location / { return 301 https://\$host$HTTPS_SUFFIX\$request_uri; }
}
EOF
  done
  nginx -t -q -p "$N" -c "$N/nginx.conf" || return 1
  ( exec setsid nginx -p "$N" -c "$N/nginx.conf" -g 'daemon off;' ) >"$W/logs/nginx.log" 2>&1 </dev/null 8>&- 9>&- &
  track nginx $!
  wait_until 10 port_busy "$HTTP_PORT" || { cat "$W/logs/nginx.log" "$N/logs/error.log"; return 1; }
  note "nginx master pid ${PID[nginx]} (prefix $N)"
}

obtain_certificates() {
  local f pids=() rc=0
  for f in "${FRIENDS[@]}"; do
    ( cd "$W" && LEGO_CA_CERTIFICATES="$W/pebble/ca.pem" exec timeout 120 lego \
        --server https://127.0.0.1:14000/dir --accept-tos --email "ops@$DOMAIN" \
        --path "$W/lego/$f" --http --http.webroot "$W/webroot" -d "$f.$DOMAIN" run ) \
      >"$W/logs/lego-$f.log" 2>&1 </dev/null 8>&- 9>&- &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    f="${FRIENDS[$i]}"
    if wait "${pids[$i]}" && [ -s "$W/lego/$f/certificates/$f.$DOMAIN.crt" ]; then
      note "$f.$DOMAIN: $(openssl x509 -in "$W/lego/$f/certificates/$f.$DOMAIN.crt" -noout -issuer | sed 's/^issuer=//')"
    else
      echo "lego failed for $f:"; tail -n 15 "$W/logs/lego-$f.log"; rc=1
    fi
  done
  return "$rc"
}

configure_vhosts() {
  local N="$W/nginx" f
  for f in "${FRIENDS[@]}"; do
    cat >"$N/conf.d/$f.conf" <<EOF
# services.nginx.virtualHosts."$f.$DOMAIN" as vhostFor in nixos/module.nix (forceSSL, enableACME)
server {
  listen 127.0.0.1:$HTTPS_PORT ssl http2;
  server_name $f.$DOMAIN;
  access_log $N/logs/access.log loan_broker_private;
  ssl_certificate $W/lego/$f/certificates/$f.$DOMAIN.crt;
  ssl_certificate_key $W/lego/$f/certificates/$f.$DOMAIN.key;
  client_max_body_size $((MAX_UPLOAD_MIB + 1))m;
  add_header Strict-Transport-Security "max-age=31536000" always;
  location / {
    proxy_pass http://127.0.0.1:${PORT[$f]};
    # recommendedProxySettings = true on the location (nixpkgs' header include)
    proxy_set_header Host \$host;
    proxy_set_header X-Real-IP \$remote_addr;
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto \$scheme;
    proxy_set_header X-Forwarded-Host \$host;
    proxy_set_header X-Forwarded-Server \$host;
  }
  # locations."= /metrics".return = 404
  location = /metrics { return 404; }
}
EOF
  done
  nginx -t -q -p "$N" -c "$N/nginx.conf" || return 1
  kill -HUP "${PID[nginx]}" || return 1
  for f in "${FRIENDS[@]}"; do
    wait_until 10 curl -fsS --max-time 2 --cacert "$CA" "$(base_https "$f")/health" || {
      echo "$f not reachable over HTTPS"; curl -sS --max-time 2 --cacert "$CA" "$(base_https "$f")/health"
      tail "$N/logs/error.log"; return 1; }
  done
}

https_health() {
  local f="$1" code
  code="$(req GET "$(base_https "$f")/health")"
  [ "$code" = 200 ] && [ "$(jget status)" = ok ] || { echo "HTTP $code $(body)"; return 1; }
  # the certificate is the one lego obtained for this name
  echo | openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername "$f.$DOMAIN" -CAfile "$CA" 2>/dev/null \
    | grep -q "Verify return code: 0" || { echo "TLS verification with SNI $f.$DOMAIN failed"; return 1; }
}

https_branding() {
  local f="$1" code name color
  code="$(req GET "$(base_https "$f")/api/branding")"
  [ "$code" = 200 ] || { echo "HTTP $code $(body)"; return 1; }
  name="$(jget brand_name)"; color="$(jget primary_color)"
  note "$f: $name $color"
  [ "$name" = "${BRAND[$f]}" ] && [ "$color" = "${COLOR[$f]}" ] || { echo "expected ${BRAND[$f]} ${COLOR[$f]}"; return 1; }
}

https_login() {
  local f="$1" base t code
  base="$(base_https "$f")"
  t="$(login "$base" "${INITPW[$f]}")" || return 1
  [ "$(jget must_change_password)" = true ] || { echo "must_change_password is not true: $(body)"; return 1; }
  code="$(req GET "$base/api/customers" "$t")"
  [ "$code" = 403 ] || { echo "before the password change /api/customers gave $code, expected 403"; return 1; }
  NEWPW[$f]="Chg-$f-$(openssl rand -hex 6)!"
  code="$(req POST "$base/api/auth/change-password" "$t" \
    "{\"current_password\":\"${INITPW[$f]}\",\"new_password\":\"${NEWPW[$f]}\"}")"
  [ "$code" = 200 ] || { echo "change-password: HTTP $code $(body)"; return 1; }
  t="$(jget access_token)"
  [ -n "$t" ] && [ "$t" != null ] || { echo "change-password returned no token: $(body)"; return 1; }
  code="$(req GET "$base/api/customers" "$t")"
  [ "$code" = 200 ] || { echo "after the change /api/customers gave $code"; return 1; }
  code="$(req POST "$base/api/auth/login" "" "{\"username\":\"admin\",\"password\":\"${INITPW[$f]}\"}")"
  [ "$code" = 401 ] || { echo "the initial password still works (HTTP $code)"; return 1; }
  TOKEN[$f]="$t"
}

https_customer() {
  local f="$1" base code name
  base="$(base_https "$f")"
  name="${BRAND[$f]}的第一位客户有限公司"
  code="$(req POST "$base/api/customers" "${TOKEN[$f]}" "{\"name\":\"$name\"}")"
  [[ "$code" == 20? ]] || { echo "create: HTTP $code $(body)"; return 1; }
  code="$(req GET "$base/api/customers" "${TOKEN[$f]}")"
  [ "$code" = 200 ] && [ "$(jget total)" = 1 ] && [ "$(jget items.0.name)" = "$name" ] \
    || { echo "list: HTTP $code $(body)"; return 1; }
}

# A search and a share-link open through nginx leave no query string, no name, no token in the
# access log (the module's privacy log format).
access_log_private() {
  local f="${FRIENDS[0]}" base code log="$W/nginx/logs/access.log"
  base="$(base_https "$f")"
  code="$(req GET "$base/api/customers?q=%E7%AC%AC%E4%B8%80%E4%BD%8D13912345678" "${TOKEN[$f]}")"
  [ "$code" = 200 ] || { echo "search: HTTP $code $(body)"; return 1; }
  code="$(req GET "$base/api/shared/0123456789abcdef0123456789abcdef0123456789abcdef")"
  [ "$code" = 404 ] || { echo "shared: HTTP $code"; return 1; }
  sleep 1
  grep -q 'GET /api/customers HTTP' "$log" || { echo "the search is not logged as a bare path:"; tail -n 5 "$log"; return 1; }
  grep -q 'GET /api/shared/- HTTP' "$log" || { echo "the share token is not cut off:"; tail -n 5 "$log"; return 1; }
  if grep -E 'q=|13912345678|0123456789abcdef|%E7' "$log"; then
    echo "the access log holds a query, a phone number or a token"; return 1
  fi
}

redirect_and_hsts() {
  local f code loc
  for f in "${FRIENDS[@]}"; do
    code="$(curl -sS --max-time 10 -o /dev/null -w '%{http_code} %{redirect_url}' "http://$f.$DOMAIN:$HTTP_PORT/health")"
    [ "$code" = "301 $(base_https "$f")/health" ] || { echo "$f: http gave '$code'"; return 1; }
    curl -sS --max-time 10 -o /dev/null -D - --cacert "$CA" "$(base_https "$f")/health" \
      | grep -qi '^strict-transport-security: max-age=31536000' || { echo "$f: no HSTS header"; return 1; }
  done
}

static_ui() {
  local f ct
  for f in "${FRIENDS[@]}"; do
    ct="$(curl -sS --max-time 10 -o "$W/body" -w '%{http_code} %{content_type}' --cacert "$CA" "$(base_https "$f")/")"
    [[ "$ct" == "200 text/html"* ]] && grep -qi '<div id="root"' "$W/body" || { echo "$f /: $ct"; return 1; }
  done
}

cross_token_refused() {
  local code
  code="$(req GET "$(base_https friend2)/api/customers" "${TOKEN[friend1]}")"
  [ "$code" = 401 ] || { echo "friend2 answered friend1's token with $code, expected 401"; return 1; }
  code="$(req GET "$(base_https friend1)/api/customers" "${TOKEN[friend2]}")"
  [ "$code" = 401 ] || { echo "friend1 answered friend2's token with $code, expected 401"; return 1; }
  code="$(req GET "$(base_https friend2)/api/customers" "${TOKEN[friend2]}")"
  [ "$code" = 200 ] || { echo "friend2's own token: $code"; return 1; }
}

fs_isolation() {
  local f u sd
  # positive control: friend1 reads its own database
  runuser -u loan-broker-friend1 -- test -r "$STATE_ROOT/friend1/loan-broker.db" || { echo "friend1 cannot read its own db"; return 1; }
  if runuser -u loan-broker-friend1 -- cat "$STATE_ROOT/friend2/loan-broker.db" >/dev/null 2>"$W/err"; then
    echo "friend1 read friend2's database"; return 1
  fi
  note "runuser -u loan-broker-friend1 -- cat …/friend2/loan-broker.db: $(cat "$W/err")"
  runuser -u loan-broker-friend1 -- ls "$STATE_ROOT/friend2" >/dev/null 2>&1 && { echo "friend1 listed friend2's dir"; return 1; }
  runuser -u loan-broker-friend1 -- cat "$W/credentials/friend2/jwt_secret" >/dev/null 2>&1 && { echo "friend1 read friend2's credential"; return 1; }
  runuser -u loan-broker-friend1 -- cat "$W/secrets/friend1-jwt" >/dev/null 2>&1 && { echo "friend1 read the root-only secret"; return 1; }
  for f in "${FRIENDS[@]}"; do
    u="loan-broker-$f"; sd="$STATE_ROOT/$f"
    [ "$(stat -c %U:%a "$sd")" = "$u:700" ] || { echo "$sd is $(stat -c %U:%a "$sd")"; return 1; }
    [ "$(stat -c %U:%a "$sd/loan-broker.db")" = "$u:600" ] || { echo "$sd/loan-broker.db is $(stat -c %U:%a "$sd/loan-broker.db")"; return 1; }
    [ "$(stat -c %U:%a "$W/secrets/$f-jwt")" = "root:600" ] || [ "$(stat -c %U:%a "$W/secrets/$f-jwt")" = "root:400" ] \
      || { echo "secret file $f-jwt is $(stat -c %U:%a "$W/secrets/$f-jwt")"; return 1; }
    # the credentials were used: nothing generated into the state dir
    [ ! -e "$sd/jwt-secret" ] && [ ! -e "$sd/initial-admin-password" ] || { echo "$f generated its own secrets"; return 1; }
    # no secret in the config, the command line or the environment
    if grep -qF "$(cat "$W/secrets/$f-jwt")" "$W/etc/$f.toml" /proc/"${PID[$f]}"/cmdline /proc/"${PID[$f]}"/environ; then
      echo "$f: the JWT secret leaked into the config, cmdline or environment"; return 1
    fi
    [ "$(stat -c %U /proc/"${PID[$f]}")" = "$u" ] || { echo "$f runs as $(stat -c %U /proc/"${PID[$f]}")"; return 1; }
  done
}

nginx_large_upload() {
  # 3 MiB: above nginx's 1 MiB default, below client_max_body_size; a dry run writes nothing.
  "$PY" "$HELPERS" csv 10000 "体积测试" "$W/big.csv" 100 || return 1
  local size code; size="$(stat -c %s "$W/big.csv")"
  code="$(curl -sS --max-time 60 -o "$W/body" -w '%{http_code}' --cacert "$CA" -H "Authorization: Bearer ${TOKEN[friend2]}" \
    -F "file=@$W/big.csv;type=text/csv" "$(base_https friend2)/api/imports/customers?dry_run=true")"
  note "$((size / 1024)) KiB CSV through nginx: HTTP $code"
  [ "$code" = 200 ] || { echo "$(body | head -c 400)"; return 1; }
  [ "$(jget total)" = 10000 ] || { echo "report: $(body | head -c 400)"; return 1; }
}

xff_audit() {
  # nginx appends the peer to X-Forwarded-For; the service believes it only from trusted_proxies.
  local code
  code="$(curl -sS --max-time 10 -o "$W/body" -w '%{http_code}' --cacert "$CA" -H 'X-Forwarded-For: 203.0.113.7' \
    -H 'Content-Type: application/json' --data-binary "{\"username\":\"admin\",\"password\":\"${NEWPW[friend2]}\"}" \
    "$(base_https friend2)/api/auth/login")"
  [ "$code" = 200 ] || { echo "login: $code"; return 1; }
  code="$(req GET "$(base_https friend2)/api/audit-logs?action=auth.login&page_size=1" "${TOKEN[friend2]}")"
  [ "$code" = 200 ] && [ "$(jget items.0.ip)" = 203.0.113.7 ] || { echo "audit: $code $(body | head -c 400)"; return 1; }
  note "audit log ip of the last login through nginx: $(jget items.0.ip)"
}

# refuseUnknownHosts: an unknown Host (or the bare IP) gets no answer on HTTP (444 closes the
# connection: curl exit 52) and no certificate on HTTPS (handshake rejected: curl exit 35).
unknown_host_refused() {
  local rc
  curl -sS --max-time 10 -o /dev/null -H 'Host: unknown.example.test' "http://127.0.0.1:$HTTP_PORT/" 2>"$W/err"; rc=$?
  note "HTTP, Host unknown.example.test: curl exit $rc ($(head -c 80 "$W/err"))"
  [ "$rc" = 52 ] || return 1
  curl -sS --max-time 10 -o /dev/null "http://127.0.0.1:$HTTP_PORT/" 2>/dev/null; rc=$?
  note "HTTP, bare IP: curl exit $rc"
  [ "$rc" = 52 ] || return 1
  curl -sS --max-time 10 -o /dev/null -k --resolve "unknown.example.test:$HTTPS_PORT:127.0.0.1" "https://unknown.example.test:$HTTPS_PORT/" 2>"$W/err"; rc=$?
  note "HTTPS, SNI unknown.example.test: curl exit $rc ($(head -c 80 "$W/err"))"
  [ "$rc" = 35 ] || return 1
  # no friend's certificate or branding leaks to the bare IP either
  echo | openssl s_client -connect "127.0.0.1:$HTTPS_PORT" 2>/dev/null | grep -q "friend" && { echo "a friend's certificate was served without SNI"; return 1; }
  return 0
}

metrics_public_refused() {
  local f code
  for f in "${FRIENDS[@]}"; do
    code="$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' --cacert "$CA" \
      -H "Authorization: Bearer $(cat "$W/secrets/metrics-token")" "$(base_https "$f")/metrics")"
    [ "$code" = 404 ] || { echo "$f: /metrics through nginx answered $code (even with the token), expected 404"; return 1; }
  done
  note "/metrics through nginx: 404 for all five, with or without the token"
}

# Needs the service side of issue 12 item 14 (metrics_token credential): 401 without, 200 with it.
metrics_loopback_token() {
  local f code token; token="$(cat "$W/secrets/metrics-token")"
  for f in "${FRIENDS[@]}"; do
    code="$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$(base_http "${PORT[$f]}")/metrics")"
    [ "$code" = 401 ] || { echo "$f: /metrics on loopback without the token answered $code, expected 401"; return 1; }
    code="$(curl -sS --max-time 10 -o "$W/body" -w '%{http_code}' -H "Authorization: Bearer wrong-$token" "$(base_http "${PORT[$f]}")/metrics")"
    [ "$code" = 401 ] || { echo "$f: a wrong token got $code, expected 401"; return 1; }
    code="$(curl -sS --max-time 10 -o "$W/body" -w '%{http_code}' -H "Authorization: Bearer $token" "$(base_http "${PORT[$f]}")/metrics")"
    [ "$code" = 200 ] || { echo "$f: /metrics with the token answered $code, expected 200"; return 1; }
  done
  note "loopback /metrics: 401 without or with a wrong token, 200 with it ($(grep -c '^# TYPE' "$W/body") metric families)"
}

# --- restic --------------------------------------------------------------------------------------

restic_env() {
  export RESTIC_REPOSITORY="$W/restic-repo" RESTIC_PASSWORD_FILE="$W/restic.pass" RESTIC_CACHE_DIR="$W/restic-cache"
}

restic_init() {
  restic_env
  ( umask 077; openssl rand -base64 32 >"$RESTIC_PASSWORD_FILE" )
  timeout 60 restic init || return 1
}

# backupPrepareCommand + restic backup, as restic-backups-loan-broker-<name> would run it
backup_one() {
  local f="$1" u="loan-broker-$1" stage="$W/backup/$1"
  install -d -m 0700 -o "$u" -g "$u" "$stage"
  rm -f "$stage/loan-broker.db" "$stage/loan-broker.db-wal" "$stage/loan-broker.db-shm"
  as_user "$u" mkdir -p "$STATE_ROOT/$f/uploads" || return 1
  as_user "$u" "$BIN" --config "$W/etc/$f.toml" backup --out "$stage/loan-broker.db" || return 1
  timeout 120 restic backup --quiet --host rehearsal --tag "$f" "$stage" "$STATE_ROOT/$f/uploads" || return 1
}

# A customer document (客户资料) uploaded before the backup; after the restore it must come back
# byte for byte (its file lives in <state_dir>/uploads/documents, its row in the database).
upload_document_for_backup() {
  local base="$1" cid code
  code="$(req POST "$base/api/customers" "${TOKEN[friend1]}" '{"name":"备份资料测试公司"}')"
  [ "$code" = 201 ] || { echo "create customer: HTTP $code $(body | head -c 300)"; return 1; }
  cid="$(jget id)"
  { printf '%%PDF-1.4\n%% rehearsal %s\n' "$(date +%s%N)"; head -c 4096 /dev/urandom | base64; printf '%%%%EOF\n'; } >"$W/doc.pdf"
  DOC_SHA="$(sha256sum "$W/doc.pdf" | cut -d' ' -f1)"
  code="$(curl -sS --max-time 30 -o "$W/body" -w '%{http_code}' -H "Authorization: Bearer ${TOKEN[friend1]}" \
    -F "file=@$W/doc.pdf;filename=营业执照.pdf;type=application/pdf" -F kind=business_license \
    "$base/api/customers/$cid/documents")"
  [ "$code" = 201 ] || { echo "upload document: HTTP $code $(body | head -c 300)"; return 1; }
  DOC_ID="$(jget id)"
  [ "$(jget sha256)" = "$DOC_SHA" ] || { echo "the service's sha256 $(jget sha256) is not $DOC_SHA"; return 1; }
  note "document #$DOC_ID ($(stat -c %s "$W/doc.pdf") bytes, sha256 ${DOC_SHA:0:12}…) uploaded to friend1 before the backup"
}

restic_backup_all() {
  restic_env
  install -d -m 0755 "$W/backup"
  local base1 n0 n1 ns f acked0 acked1
  base1="$(base_http "${PORT[friend1]}")"
  upload_document_for_backup "$base1" || return 1
  rm -f "$W/stop-writers"
  LB_TOKEN="${TOKEN[friend1]}" timeout 120 "$PY" "$HELPERS" writer --base "$base1" --prefix "备份写入" \
    --out "$W/backup-acked.txt" --stop-file "$W/stop-writers" --seconds 90 --interval 0.005 \
    >"$W/logs/writer-backup.log" 2>&1 </dev/null 8>&- 9>&- &
  track writer-backup $!
  wait_until 10 test -s "$W/backup-acked.txt" || { echo "the writer did not get going"; cat "$W/logs/writer-backup.log"; return 1; }
  sleep 0.5
  n0="$(count_customers "$base1" "${TOKEN[friend1]}")" || return 1
  acked0="$(wc -l <"$W/backup-acked.txt")"
  backup_one friend1 || return 1
  acked1="$(wc -l <"$W/backup-acked.txt")"
  for f in friend2 friend3 friend4 friend5; do backup_one "$f" || return 1; done
  note "staging dir after the backup: $(ls -A "$W/backup/friend1" | tr '\n' ' ')($(stat -c %U:%a "$W/backup/friend1/loan-broker.db"))"
  touch "$W/stop-writers"
  wait "${PID[writer-backup]}"; unset "PID[writer-backup]"
  cat "$W/logs/writer-backup.log"
  n1="$(count_customers "$base1" "${TOKEN[friend1]}")" || return 1
  ns="$(sql_ro "$W/backup/friend1/loan-broker.db" 'SELECT count(*) FROM customers WHERE deleted_at IS NULL')" || return 1
  SNAP_COUNT="$ns"; SNAP_MIN="$n0"
  note "friend1 customers: $n0 before the snapshot, $ns in it, $n1 after; the writer got $((acked1 - acked0)) acks during it"
  [ "$((acked1 - acked0))" -gt 0 ] || { echo "no write was acknowledged while the snapshot was taken"; return 1; }
  [ "$ns" -ge "$n0" ] && [ "$ns" -le "$n1" ] || { echo "snapshot count $ns not within [$n0, $n1]"; return 1; }
  [ "$(sql_ro "$W/backup/friend1/loan-broker.db" 'PRAGMA integrity_check')" = ok ] || return 1
  local snaps; snaps="$(restic snapshots --json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')"
  note "$snaps restic snapshots"
  [ "$snaps" = 5 ] || return 1
  # backupCleanupCommand: the staged plaintext copies do not outlive the backup
  for f in "${FRIENDS[@]}"; do rm -f "$W/backup/$f/loan-broker.db" "$W/backup/$f/loan-broker.db-wal" "$W/backup/$f/loan-broker.db-shm"; done
  [ -z "$(find "$W/backup" -type f)" ] || { echo "staged files left: $(find "$W/backup" -type f)"; return 1; }
}

# The module's `loan-broker-restore friend1 <id>`: the same script (nixos/restore.sh), in place, with
# systemctl replaced by a shim that stops/starts the instance the way this rehearsal runs it.
write_service_shim() {
  install -d -m 0700 "$W/bin"
  cat >"$W/bin/svc" <<EOF
#!/usr/bin/env bash
# stand-in for "systemctl stop|start loan-broker-<name>.service" (nixos/restore.sh's LB_SERVICE_CTL)
set -eu
f="\${2#loan-broker-}"; f="\${f%.service}"
pidfile="$W/run/\$f.pid"
zombie_or_gone() { [ ! -r "/proc/\$1/stat" ] || awk '{ exit !(\$3 == "Z") }' "/proc/\$1/stat"; }
case "\$1" in
  stop)
    pid="\$(cat "\$pidfile")"; kill -TERM "\$pid" 2>/dev/null || true
    for _ in \$(seq 100); do zombie_or_gone "\$pid" && exit 0; sleep 0.1; done
    kill -KILL "\$pid" ;;
  start)
    cd "$STATE_ROOT/\$f"; umask 077
    setsid setpriv --reuid="loan-broker-\$f" --regid="loan-broker-\$f" --clear-groups --no-new-privs -- \\
      env -i PATH=/usr/bin:/bin LANG=C.UTF-8 CREDENTIALS_DIRECTORY="$W/credentials/\$f" \\
      "$BIN" --config "$W/etc/\$f.toml" serve >>"$W/logs/\$f.log" 2>&1 </dev/null &
    echo \$! >"\$pidfile" ;;
  *) echo "svc: \$1?" >&2; exit 2 ;;
esac
EOF
  chmod 0700 "$W/bin/svc"
}

restic_restore() {
  restic_env
  local u=loan-broker-friend1 sd="$STATE_ROOT/friend1" snap n t
  snap="$(restic snapshots --json --host rehearsal --tag friend1 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[-1]["short_id"])')" || return 1
  write_service_shim
  # the instance gets new customers after the snapshot; the restore must take them away again
  n="$(count_customers "$(base_http "${PORT[friend1]}")" "${TOKEN[friend1]}")" || return 1
  note "friend1 before the restore: $n customers; restoring snapshot $snap ($SNAP_COUNT customers)"
  # "latest" and no snapshot are refused (exit 2) before anything is touched
  LB_NAME=friend1 LB_UNIT=loan-broker-friend1.service LB_USER=$u LB_STATE_DIR="$sd" \
    LB_SNAPSHOT_DB="$W/backup/friend1/loan-broker.db" LB_BIN="$BIN" LB_CONFIG="$W/etc/friend1.toml" \
    LB_HEALTH_URL="$(base_http "${PORT[friend1]}")/health" LB_SERVICE_CTL="$W/bin/svc" \
    bash "$repo/nixos/restore.sh" latest >/dev/null 2>&1
  [ "$?" = 2 ] || { echo "restore.sh latest was not refused with exit 2"; return 1; }
  echo "${PID[friend1]}" >"$W/run/friend1.pid"
  LB_NAME=friend1 LB_UNIT=loan-broker-friend1.service LB_USER=$u LB_STATE_DIR="$sd" \
    LB_SNAPSHOT_DB="$W/backup/friend1/loan-broker.db" LB_BIN="$BIN" LB_CONFIG="$W/etc/friend1.toml" \
    LB_HEALTH_URL="$(base_http "${PORT[friend1]}")/health" LB_SERVICE_CTL="$W/bin/svc" \
    timeout 180 bash "$repo/nixos/restore.sh" "$snap" || { unset "PID[friend1]"; track friend1 "$(cat "$W/run/friend1.pid")"; return 1; }
  wait "${PID[friend1]}" 2>/dev/null   # the old process (our child) is gone: reap it
  unset "PID[friend1]"; track friend1 "$(cat "$W/run/friend1.pid")"
  # the password in force at snapshot time works
  t="$(login "$(base_http "${PORT[friend1]}")" "${NEWPW[friend1]}")" || return 1
  n="$(count_customers "$(base_http "${PORT[friend1]}")" "$t")" || return 1
  note "restored friend1 in place: $n customers (snapshot $SNAP_COUNT, ≥ $SNAP_MIN expected)"
  [ "$n" = "$SNAP_COUNT" ] && [ "$n" -ge "$SNAP_MIN" ] || return 1
  [ "$(stat -c %U:%a "$sd/loan-broker.db")" = "$u:600" ] || { echo "db is $(stat -c %U:%a "$sd/loan-broker.db")"; return 1; }
  [ -z "$(find "$sd" ! -user "$u")" ] || { echo "root-owned files in the state dir"; return 1; }
  ls -d "$STATE_ROOT"/friend1.before-restore-* >/dev/null 2>&1 || { echo "no copy of the state before the restore"; return 1; }
  [ -z "$(ls -d "$STATE_ROOT"/.restore-* 2>/dev/null)" ] || { echo "the plaintext scratch copy was left behind"; return 1; }
  as_user "$u" "$BIN" --config "$W/etc/friend1.toml" check-db --file "$sd/loan-broker.db" || return 1
  # the document uploaded before the backup is back, byte for byte, owner-only
  local code sha
  code="$(curl -sS --max-time 30 -o "$W/doc.restored" -w '%{http_code}' -H "Authorization: Bearer $t" \
    "$(base_http "${PORT[friend1]}")/api/documents/$DOC_ID/content")"
  [ "$code" = 200 ] || { echo "download document #$DOC_ID after the restore: HTTP $code"; return 1; }
  sha="$(sha256sum "$W/doc.restored" | cut -d' ' -f1)"
  note "document #$DOC_ID after the restore: sha256 ${sha:0:12}… (before ${DOC_SHA:0:12}…)"
  [ "$sha" = "$DOC_SHA" ] || { echo "the restored document differs"; return 1; }
  [ -z "$(find "$sd/uploads/documents" -type f ! -perm 0600)" ] || { echo "document files not 0600: $(find "$sd/uploads/documents" -type f -printf '%m %p\n')"; return 1; }
  TOKEN[friend1]="$t"
}

restic_check() {
  restic_env
  timeout 120 restic forget --quiet --keep-daily 7 --prune || return 1
  timeout 120 restic check || return 1
}

# --- crash safety --------------------------------------------------------------------------------

import_ref() {
  local base t0 code c0 c1
  base="$(base_http "${PORT[friend3]}")"
  "$PY" "$HELPERS" csv 10000 "导入参照" "$W/import-ref.csv" || return 1
  c0="$(count_customers "$base" "${TOKEN[friend3]}")" || return 1
  t0="$EPOCHREALTIME"
  code="$(curl -sS --max-time 120 -o "$W/body" -w '%{http_code}' -H "Authorization: Bearer ${TOKEN[friend3]}" \
    -F "file=@$W/import-ref.csv;type=text/csv" "$base/api/imports/customers?dry_run=false")"
  IMPORT_SECS="$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')"
  [ "$code" = 200 ] && [ "$(jget committed inserted)" = "$(printf 'true\n10000')" ] || { echo "HTTP $code $(body | head -c 400)"; return 1; }
  c1="$(count_customers "$base" "${TOKEN[friend3]}")" || return 1
  note "10,000 rows imported in $IMPORT_SECS s; $c0 → $c1 customers"
  [ "$c1" -eq $((c0 + 10000)) ] || return 1
}

# kill -9 friend3 while a 10,000-row import is being written; wholly present or wholly absent after.
# The kill is triggered by the service's own writes (/proc/PID/io wchar): past the upload, which poem
# spools to a temp file first, the writes are SQLite pages going into the WAL inside the import's
# transaction. Three depths, then once by time alone.
import_crash() {
  local base attempt thr code c0 c1 mine hit=0 prefix imp killer how outcome upload
  local thresholds=(262144 1048576 2097152 0)
  base="$(base_http "${PORT[friend3]}")"
  for attempt in 1 2 3 4; do
    thr="${thresholds[$((attempt - 1))]}"
    prefix="导入崩溃${attempt}号"
    "$PY" "$HELPERS" csv 10000 "$prefix" "$W/import-crash.csv" || return 1
    c0="$(count_customers "$base" "${TOKEN[friend3]}")" || return 1
    rm -f "$W/killer.ready"
    upload="$(stat -c %s "$W/import-crash.csv")"
    if [ "$thr" -gt 0 ]; then
      timeout 25 "$PY" "$HELPERS" kill-on-write "${PID[friend3]}" "$((upload + thr))" 15 "$W/killer.ready" >"$W/killer.out" 2>&1 </dev/null 8>&- 9>&- &
      killer=$!
      wait_until 10 test -e "$W/killer.ready" || { echo "kill-on-write did not start"; cat "$W/killer.out"; return 1; }
    fi
    curl -sS --max-time 120 -o "$W/import-crash.out" -w '%{http_code}' -H "Authorization: Bearer ${TOKEN[friend3]}" \
      -F "file=@$W/import-crash.csv;type=text/csv" "$base/api/imports/customers?dry_run=false" \
      >"$W/import-crash.code" 2>/dev/null </dev/null 8>&- 9>&- &
    imp=$!
    if [ "$thr" -gt 0 ]; then
      wait "$killer"
      how="at upload + $((thr / 1024)) KiB written ($(cat "$W/killer.out"))"
    else
      local delay; delay="$(awk -v s="${IMPORT_SECS:-1}" 'BEGIN { printf "%.2f", s * 0.5 }')"
      sleep "$delay"
      how="by time, after $delay s"
    fi
    kill -9 "${PID[friend3]}" 2>/dev/null   # (a no-op when kill-on-write already did it)
    wait "${PID[friend3]}" 2>/dev/null; unset "PID[friend3]"
    wait "$imp"
    code="$(cat "$W/import-crash.code")"
    start_friend friend3 >/dev/null || return 1
    c1="$(count_customers "$base" "${TOKEN[friend3]}")" || return 1
    mine="$(count_customers "$base" "${TOKEN[friend3]}" "$prefix")" || return 1
    case "$((c1 - c0))" in 0) outcome="wholly absent" ;; 10000) outcome="wholly present" ;; *) outcome="PARTIAL" ;; esac
    note "attempt $attempt: kill -9 $how; HTTP status seen by the client: $code; $outcome ($c0 -> $c1)"
    [ "$outcome" != PARTIAL ] || { echo "partial import: $((c1 - c0)) of 10000 rows"; return 1; }
    [ "$mine" -eq "$((c1 - c0))" ] || { echo "$mine rows of this import, but the count moved by $((c1 - c0))"; return 1; }
    [ "$(as_user loan-broker-friend3 sqlite3 "$STATE_ROOT/friend3/loan-broker.db" 'PRAGMA integrity_check')" = ok ] \
      || { echo "integrity_check failed after the crash"; return 1; }
    # only a kill while the request was still open (no answer yet) tests anything
    [ "$code" = 000 ] && hit=$((hit + 1))
  done
  note "$hit of 4 kills landed while the import request was in flight"
  local strays; strays="$(find /tmp /var/tmp -xdev -maxdepth 2 -user loan-broker-friend3 2>/dev/null)"
  [ -z "$strays" ] || { echo "temp files left by the killed instance: $strays"; return 1; }
  [ "$hit" -ge 2 ] || { echo "too few kills landed during the import"; return 1; }
}

# kill -9 friend4 while four writers create customers; every acknowledged one is there afterwards.
write_crash() {
  local base; base="$(base_http "${PORT[friend4]}")"
  rm -f "$W/stop-writers" "$W/crash-acked.txt"; : >"$W/crash-acked.txt"
  LB_TOKEN="${TOKEN[friend4]}" timeout 60 "$PY" "$HELPERS" writer --base "$base" --prefix "崩溃写入" \
    --out "$W/crash-acked.txt" --stop-file "$W/stop-writers" --seconds 30 --threads 4 \
    >"$W/logs/writer-crash.log" 2>&1 </dev/null 8>&- 9>&- &
  track writer-crash $!
  wait_until 10 test -s "$W/crash-acked.txt" || { echo "the writers did not get going"; return 1; }
  sleep 2
  local before; before="$(wc -l <"$W/crash-acked.txt")"
  kill -9 "${PID[friend4]}"
  wait "${PID[friend4]}" 2>/dev/null; unset "PID[friend4]"
  sleep 0.5
  touch "$W/stop-writers"
  wait "${PID[writer-crash]}"; unset "PID[writer-crash]"
  cat "$W/logs/writer-crash.log"
  note "kill -9 friend4 after $before acknowledged writes"
  start_friend friend4 || return 1
  LB_TOKEN="${TOKEN[friend4]}" "$PY" "$HELPERS" verify --base "$base" --prefix "崩溃写入" --acked "$W/crash-acked.txt" \
    | sed 's/^/  · /' || return 1
  [ "$(as_user loan-broker-friend4 sqlite3 "$STATE_ROOT/friend4/loan-broker.db" 'PRAGMA integrity_check')" = ok ] || return 1
}

cli_import() {
  local base c0 c1; base="$(base_http "${PORT[friend4]}")"
  install -d -m 0755 "$W/data"
  "$PY" "$HELPERS" csv 100 "命令行导入" "$W/data/cli.csv" && chmod 0644 "$W/data/cli.csv" || return 1
  c0="$(count_customers "$base" "${TOKEN[friend4]}")" || return 1
  as_user loan-broker-friend4 "$BIN" --config "$W/etc/friend4.toml" import "$W/data/cli.csv" || return 1
  c1="$(count_customers "$base" "${TOKEN[friend4]}")" || return 1
  note "loan-broker import (as loan-broker-friend4, while serving): $c0 → $c1"
  [ "$c1" -eq $((c0 + 100)) ] || return 1
  # the CLI left no root-owned file behind
  [ -z "$(find "$STATE_ROOT/friend4" ! -user loan-broker-friend4)" ] || { find "$STATE_ROOT/friend4" ! -user loan-broker-friend4 -ls; return 1; }
}

# --- alerts --------------------------------------------------------------------------------------

setup_webhook() {
  WEBHOOK_PORT="$("$PY" "$HELPERS" free-port)"
  : >"$W/webhook.jsonl"
  ( exec setsid "$PY" "$HELPERS" webhook "$WEBHOOK_PORT" "$W/webhook.jsonl" ) >"$W/logs/webhook.log" 2>&1 </dev/null 8>&- 9>&- &
  track webhook $!
  wait_until 10 port_busy "$WEBHOOK_PORT" || return 1
  # LoadCredential=webhook_url:… for the monitor's (dynamic, unprivileged) user
  install -d -m 0500 -o nobody -g nogroup "$W/credentials/monitor"
  printf 'http://127.0.0.1:%s/cgi-bin/webhook/send?key=rehearsal\n' "$WEBHOOK_PORT" >"$W/credentials/monitor/webhook_url"
  chown nobody:nogroup "$W/credentials/monitor/webhook_url"; chmod 0400 "$W/credentials/monitor/webhook_url"
}

run_monitor() { # as the monitor unit: unprivileged, the URL from its credential
  local args=() f
  for f in "${FRIENDS[@]}"; do args+=(--target "$f=$(base_http "${PORT[$f]}"),$STATE_ROOT/$f"); done
  ( cd / && timeout 60 setpriv --reuid=nobody --regid=nogroup --clear-groups --no-new-privs -- \
      env -i PATH=/usr/bin:/bin LANG=C.UTF-8 CREDENTIALS_DIRECTORY="$W/credentials/monitor" \
      "$BIN" monitor "${args[@]}" --disk-threshold-pct 90 --memory-threshold-pct 90 \
      --webhook-url-file "$W/credentials/monitor/webhook_url" --webhook-format wecom )
}

monitor_healthy() {
  setup_webhook || return 1
  run_monitor || { echo "monitor failed with every instance up"; return 1; }
  [ ! -s "$W/webhook.jsonl" ] || { echo "an alert was posted although all is well:"; cat "$W/webhook.jsonl"; return 1; }
}

monitor_down() {
  stop friend5 TERM
  local rc=0
  run_monitor >"$W/monitor.out" 2>&1 || rc=$?
  cat "$W/monitor.out"
  [ "$rc" = 1 ] || { echo "monitor exit status $rc, expected 1"; return 1; }
  grep -q friend5 "$W/monitor.out" || return 1
  wait_until 5 test -s "$W/webhook.jsonl" || { echo "no webhook post"; return 1; }
  note "webhook body: $(head -c 300 "$W/webhook.jsonl")"
  "$PY" -c '
import json, sys
posts = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
assert len(posts) == 1, posts
p = posts[0]
assert p["msgtype"] == "text", p
text = p["text"]["content"]
assert "friend5" in text, text
assert not any(f"friend{i}：" in text for i in (1, 2, 3, 4)), text
' "$W/webhook.jsonl" || return 1
}

# monitoring.viaNginx = true: the monitor checks https://<host>/health; the unit sets SSL_CERT_FILE to
# the system bundle, so here it is pointed at Pebble's root (opt-in, see README: known issue).
monitor_via_nginx() {
  local args=() f
  for f in "${FRIENDS[@]}"; do args+=(--target "$f=$(base_https "$f"),$STATE_ROOT/$f"); done
  install -m 0644 "$CA" "$W/pkg/pebble-root.pem"
  ( cd / && timeout 60 setpriv --reuid=nobody --regid=nogroup --clear-groups --no-new-privs -- \
      env -i PATH=/usr/bin:/bin LANG=C.UTF-8 SSL_CERT_FILE="$W/pkg/pebble-root.pem" \
      "$BIN" monitor "${args[@]}" --command true )
}

monitor_recovered() {
  start_friend friend5 || return 1
  : >"$W/webhook.jsonl"
  run_monitor || return 1
  [ ! -s "$W/webhook.jsonl" ] || return 1
}

# ---------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------

W="$(mktemp -d "/tmp/$TAG.XXXXXX")"   # not $TMPDIR: the instance users must be able to traverse it
chmod 0711 "$W"     # the instance users and nginx's workers traverse it (mktemp makes it 0700)
install -d -m 0700 "$W/checks" "$W/logs" "$W/run"
LOGDIR="$W/checks"
setsid bash -c "sleep $DEADLINE; echo 'rehearsal: time limit of $DEADLINE s reached' >&2; kill -TERM $$" </dev/null >/dev/null 2>&1 8>&- 9>&- &
WATCHDOG=$!

say "deployment rehearsal: 5 instances behind nginx with Pebble certificates, restic, crash and alert checks"
check "preflight: root, binary, packages (apt-get if missing), free ports" preflight || abort
check "package: binary + frontend copied world-readable (like the store)" setup_package || abort
check "instances: 5 users, 0700 state dirs, TOML configs, root-only secrets" setup_instances || abort
check "check-config accepts every generated config (as the module build)" check_configs || abort
check "serve: 5 instances as their users, CREDENTIALS_DIRECTORY, /health" start_all || abort
check "pebble: ACME test server on 127.0.0.1:14000, /etc/hosts lines" setup_pebble || abort
check "nginx: private instance (own prefix), port $HTTP_PORT for HTTP-01" setup_nginx || abort
check "lego: 5 certificates from Pebble over HTTP-01 (in parallel)" obtain_certificates || abort
check "nginx: one TLS vhost per friend (proxy, body size, XFF, HSTS)" configure_vhosts || abort
for f in "${FRIENDS[@]}"; do
  check "$f https: /health, certificate for $f.$DOMAIN" https_health "$f"
  check "$f https: its own branding (brand name, colour)" https_branding "$f"
  check "$f https: initial password, 403 until changed, change it" https_login "$f"
  check "$f https: create a customer and list it" https_customer "$f"
done
check "https: plain HTTP redirects to HTTPS; HSTS sent" redirect_and_hsts
if [ -n "$STATIC" ]; then
  check "https: the web UI (static_dir) is served by every instance" static_ui
fi
check "nginx: unknown Host / bare IP refused (444, TLS handshake rejected)" unknown_host_refused
check "nginx: /metrics not served publicly (404 even with the token)" metrics_public_refused
check "nginx: the access log keeps no query string, name, phone or share token" access_log_private
check "metrics: loopback /metrics needs the bearer token (401/200) [service side]" metrics_loopback_token
check "isolation: friend1's token refused by friend2 (401) and back" cross_token_refused
check "isolation: friend1's user cannot read friend2's state or secrets" fs_isolation
check "nginx: a 3 MiB upload passes (client_max_body_size)" nginx_large_upload
check "nginx: X-Forwarded-For reaches the audit log (trusted_proxies)" xff_audit
check "monitor: all 5 healthy -> exit 0, no webhook post" monitor_healthy
check "monitor: friend5 stopped -> exit 1, webhook (wecom) names friend5" monitor_down
check "monitor: friend5 restarted -> exit 0" monitor_recovered
if [ "${REHEARSAL_MONITOR_VIA_NGINX:-1}" = 1 ]; then
  check "monitor: viaNginx, https://friendN with SSL_CERT_FILE -> exit 0" monitor_via_nginx
fi
check "restic: init a local repository" restic_init
check "restic: backup of all 5 (as each user), friend1 under writes, with a document" restic_backup_all
check "restic: nixos/restore.sh restores friend1 in place (check-db, a document by sha256) [service side]" restic_restore
check "restic: forget --prune, check" restic_check
check "crash: 10,000-row HTTP import, reference run" import_ref
check "crash: kill -9 friend3 during a 10,000-row import: all or nothing" import_crash
check "crash: kill -9 friend4 during a write loop: every 2xx present" write_crash
check "cli: loan-broker import as the instance user while serving" cli_import
exit 0
