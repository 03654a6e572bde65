#!/usr/bin/env bash
# Integrator test: a Python client generated from the committed frontend/openapi.json with
# openapi-python-client, used against a real instance on loopback.
#
# The spec must pass openapi-spec-validator, and generation fails on any warning (a model the
# generator cannot read is dropped with a warning, as Customer, CustomerInput and CustomerPage once
# were). The service binary is $LOAN_BROKER_BIN, else target/release/loan-broker (built by
# `make release`; this script builds nothing). It is started on a temp state dir and a free
# 127.0.0.1 port; flow.py then logs in, changes the initial password,
# creates and lists customers and runs a diagnosis with the generated client, checking that every
# field round-trips through the models. Prints "N passed, M failed" last; non-zero on failure.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/instance.sh
. "$repo/tests/lib/instance.sh"
venv="$here/.venv"
bin="${LOAN_BROKER_BIN:-$repo/target/release/loan-broker}"
spec="${SPEC:-$repo/frontend/openapi.json}"

fail() {
  echo "client: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}
[ -x "$bin" ] || fail "service binary not found at $bin (make release, or set LOAN_BROKER_BIN)"
[ -f "$spec" ] || fail "no spec at $spec"

# The venv is rebuilt whenever requirements.txt changes (its copy in the venv marks what is installed).
if ! cmp -s "$here/requirements.txt" "$venv/requirements.installed"; then
  echo "client: installing $(grep -v '^#' "$here/requirements.txt" | xargs) into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" || fail "python3 -m venv failed (apt-get install python3-venv)"
  "$venv/bin/pip" install -q -r "$here/requirements.txt" || fail "pip install failed"
  cp "$here/requirements.txt" "$venv/requirements.installed"
fi
py="$venv/bin/python"

work="$(mktemp -d "${TMPDIR:-/tmp}/loan-broker-client.XXXXXX")"
state_dir="$work/state"
mkdir -m 700 "$state_dir"
cleanup() {
  stop_instance
  if [ "${KEEP_STATE:-0}" = "1" ]; then echo "client: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "== client: validating ${spec#"$repo"/}" >&2
"$venv/bin/openapi-spec-validator" "$spec" >&2 || fail "openapi-spec-validator rejects the spec"

echo "== client: generating from ${spec#"$repo"/}" >&2
if ! "$venv/bin/openapi-python-client" generate --path "$spec" --config "$here/config.yml" \
  --meta none --output-path "$work/gen/loan_broker_client" --fail-on-warning >"$work/generate.log" 2>&1; then
  cat "$work/generate.log" >&2
  fail "openapi-python-client could not read every part of the spec (see above)"
fi

port="$(free_port)"
log="$work/service.log"
start_instance "$state_dir" "$port" "$log"

echo "== client: flow against $base" >&2
PYTHONPATH="$work/gen" "$py" "$here/flow.py" "$base" "$state_dir"
rc=$?
if grep -qE '(panicked|internal error|framework error)' "$log"; then
  echo "client: the service logged errors:" >&2
  grep -E '(panicked|internal error|framework error)' "$log" | head -20 >&2
  echo "0 passed, 1 failed"
  rc=1
fi
exit "$rc"
