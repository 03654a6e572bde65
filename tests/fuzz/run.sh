#!/usr/bin/env bash
# API fuzzing with schemathesis against a real service (the release binary) on loopback.
#
# Starts `loan-broker serve` on a temp state dir and a free 127.0.0.1 port, signs in as admin (the
# forced first password change included) and fuzzes every operation in /api/openapi.json: explicit
# examples, boundary/coverage cases, random positive and negative inputs, and stateful sequences
# (links inferred from the responses). Checks: no 5xx (not_a_server_error) and responses that conform
# to the spec (status code, content type, headers, body schema).
#
# Three runs, because some operations would lock the fuzzer out of its own session:
#   1. every operation except changePassword and logout, with the admin's token. updateUser and
#      revokeUserSessions are pinned to a throw-away account in schemathesis.toml (else they would
#      reset, disable, demote or sign out the admin);
#   2. changePassword alone, with a second (staff) account's token: a successful change revokes the
#      caller's tokens, so run 1 must never call it with the admin's;
#   3. logout alone, with a third account's token, for the same reason.
# A run whose operations all got 401/403 tested nothing: schemathesis' "Authentication failed"
# warning fails the fuzz.
#
# Bounded: FUZZ_MAX_EXAMPLES (default 50) generated cases per operation and phase; the whole script
# takes a few minutes on 2 cores (FUZZ_TIMEOUT, default 600 s, stops a run that hangs: a failure). FUZZ_SEED fixes the random seed (default fixed, so CI
# is reproducible; set another to explore). Reports (JUnit, NDJSON) go to tests/fuzz/report/.
# Prints "N passed, M failed" (operations) as its last line; exits non-zero on any failure.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/instance.sh
. "$repo/tests/lib/instance.sh"
venv="$here/.venv"
report="$here/report"
max_examples="${FUZZ_MAX_EXAMPLES:-50}"
timeout_s="${FUZZ_TIMEOUT:-600}"
seed="${FUZZ_SEED:-20260125}"
started=$SECONDS

fail() {
  echo "fuzz: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

# Builds nothing: the release binary `make release` built (the one every out-of-process suite runs).
bin="${LOAN_BROKER_BIN:-$repo/target/release/loan-broker}"
[ -x "$bin" ] || fail "service binary not found at $bin (make release, or set LOAN_BROKER_BIN)"

want="$(sed -n 's/^schemathesis==//p' "$here/requirements.txt")"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$want"; then
  echo "fuzz: installing schemathesis $want into $venv" >&2
  python3 -m venv "$venv" || fail "python3 -m venv failed (apt-get install python3-venv)"
  "$venv/bin/pip" install -q -r "$here/requirements.txt" || fail "pip install schemathesis failed"
fi
py="$venv/bin/python"

state_dir="$(mktemp -d "${TMPDIR:-/tmp}/loan-broker-fuzz.XXXXXX")"
port="$(free_port)"
log="$state_dir/service.log"
cleanup() {
  stop_instance
  if [ "${KEEP_STATE:-0}" = "1" ]; then echo "fuzz: state kept in $state_dir" >&2; else rm -rf "$state_dir"; fi
}
trap cleanup EXIT

start_instance "$state_dir" "$port" "$log"

accounts="$("$py" "$here/setup_accounts.py" "$base" "$state_dir")" || fail "account setup failed"
eval "$accounts"
export TARGET_USER_ID

rm -rf "$report"
mkdir -p "$report"
checks="not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"

# run NAME TOKEN [schemathesis options…]
run() {
  local name="$1" token="$2"
  shift 2
  echo "== fuzz: $name" >&2
  (cd "$state_dir" && timeout "$timeout_s" "$venv/bin/schemathesis" --config-file "$here/schemathesis.toml" --no-color run \
    "$base/api/openapi.json" \
    --url "$base" \
    --header "Authorization: Bearer $token" \
    --checks "$checks" \
    --phases examples,coverage,fuzzing,stateful \
    --mode all \
    --max-examples "$max_examples" \
    --seed "$seed" \
    --workers 2 \
    --request-timeout 30 \
    --generation-database none \
    --suppress-health-check all \
    --report junit,ndjson \
    --report-junit-path "$report/$name.xml" \
    --report-ndjson-path "$report/$name.ndjson" \
    "$@") 2>&1 | tee "$report/$name.out" >&2
  local status=${PIPESTATUS[0]}
  if grep -q "Authentication failed" "$report/$name.out"; then
    echo "fuzz: $name: operations answered only 401/403 — the fuzzer lost its session" >&2
    return 1
  fi
  return "$status"
}

rc=0
run main "$ADMIN_TOKEN" --exclude-operation-id changePassword --exclude-operation-id logout || rc=1
run change-password "$VICTIM_TOKEN" --include-operation-id changePassword || rc=1
run logout "$LEAVER_TOKEN" --include-operation-id logout || rc=1

if grep -qE '(panicked|internal error|framework error)' "$log"; then
  echo "fuzz: the service logged errors:" >&2
  grep -E '(panicked|internal error|framework error)' "$log" | head -20 >&2
  rc=1
fi
kill -0 "$instance_pid" 2>/dev/null || { echo "fuzz: the service died" >&2; rc=1; }

summary="$("$py" - "$report" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
passed = failed = 0
for path in sorted(glob.glob(sys.argv[1] + "/*.xml")):
    for case in ET.parse(path).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
            print(f"fuzz: FAILED {case.get('name')}", file=sys.stderr)
        elif case.find("skipped") is None:
            passed += 1
print(f"{passed} {failed}")
PY
)" || fail "could not read the reports in $report"
read -r passed failed <<<"$summary"
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then failed=1; echo "fuzz: no operation was tested" >&2; fi
[ "$failed" -eq 0 ] || rc=1
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "fuzz: $((SECONDS - started)) s, seed $seed, $max_examples examples per operation" >&2
echo "$passed passed, $failed failed"
exit "$rc"
