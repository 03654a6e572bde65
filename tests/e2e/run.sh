#!/usr/bin/env bash
# End-to-end browser test. Builds nothing: expects the service binary (target/release/loan-broker,
# the one `make release` builds for every out-of-process suite, or $LOAN_BROKER_BIN) and the built
# SPA (frontend/dist). Starts the service on a temp state dir and a free port, runs flow.mjs in
# headless Chromium, prints "N passed, N failed" last; non-zero on failure.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/instance.sh
. "$repo/tests/lib/instance.sh"
bin="${LOAN_BROKER_BIN:-$repo/target/release/loan-broker}"
dist="$repo/frontend/dist"
chromium="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"

fail() {
  echo "e2e: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}
[ -x "$bin" ] || fail "service binary not found at $bin (make release, or set LOAN_BROKER_BIN)"
[ -f "$dist/index.html" ] || fail "frontend/dist/index.html missing (run: npm --prefix frontend run build)"
[ -n "$chromium" ] || fail "chromium not found (apt-get install -y chromium fonts-wqy-microhei)"
command -v node >/dev/null || fail "node not found"
if [ ! -d "$here/node_modules/playwright-core" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --silent) || fail "npm ci in tests/e2e failed"
fi

state_dir="$(mktemp -d "${TMPDIR:-/tmp}/loan-broker-e2e.XXXXXX")"
port="$(free_port)"
log="$state_dir/service.log"
cleanup() {
  stop_instance
  if [ "${KEEP_STATE:-0}" = "1" ]; then echo "e2e: state kept in $state_dir" >&2; else rm -rf "$state_dir"; fi
}
trap cleanup EXIT

start_instance "$state_dir" "$port" "$log" LOAN_BROKER__STATIC_DIR="$dist"

pw_file="$state_dir/initial-admin-password"
[ -s "$pw_file" ] || { tail -50 "$log" >&2; fail "no initial admin password at $pw_file"; }

mkdir -p "$here/screenshots"
rm -f "$here/screenshots"/*.png
BASE_URL="$base" \
STATE_DIR="$state_dir" \
ADMIN_PASSWORD="$(cat "$pw_file")" \
SCREENSHOT_DIR="$here/screenshots" \
CHROMIUM="$chromium" \
SUMMARY_FILE="$state_dir/summary" \
  node "$here/flow.mjs"
rc=$?
if [ $rc -ne 0 ]; then
  echo "e2e: service log (last 40 lines):" >&2
  tail -40 "$log" >&2
fi
if [ -s "$state_dir/summary" ]; then
  cat "$state_dir/summary"
else
  echo "0 passed, 1 failed"
  rc=1
fi
exit $rc
