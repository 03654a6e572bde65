#!/usr/bin/env bash
# Runs one step of a make target and says how long it took: "== step NAME: N s" (or
# "== step NAME: FAILED after N s"), exit status passed on. With STEP_LOG set (.ci/run sets it),
# appends "NAME<TAB>SECONDS<TAB>ok|failed" to that file for the summary table.
#   scripts/step.sh NAME COMMAND [ARG…]
set -uo pipefail
name="$1"
shift
echo "== step $name: $*"
start=$SECONDS
"$@"
rc=$?
took=$((SECONDS - start))
if [ "$rc" -eq 0 ]; then
  echo "== step $name: $took s"
  status=ok
else
  echo "== step $name: FAILED after $took s (exit $rc)"
  status=failed
fi
if [ -n "${STEP_LOG:-}" ]; then
  printf '%s\t%s\t%s\n' "$name" "$took" "$status" >>"$STEP_LOG"
fi
exit "$rc"
