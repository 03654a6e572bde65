#!/usr/bin/env bash
# Creates (once) a demo instance under $DEMO_DIR with demo customers and serves it in the foreground.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/target/release/loan-broker"
export LOAN_BROKER__STATE_DIR="$DEMO_DIR"
export LOAN_BROKER__PORT="$DEMO_PORT"
export LOAN_BROKER__STATIC_DIR="$root/frontend/dist"
export LOAN_BROKER__BRAND_NAME="${DEMO_BRAND:-贷款助手演示}"
if [ ! -f "$DEMO_DIR/loan-broker.db" ]; then
  mkdir -p "$DEMO_DIR"
  "$bin" demo-data --customers "$DEMO_CUSTOMERS"
fi
cat <<MSG

  贷款助手 demo is starting at:  http://127.0.0.1:$DEMO_PORT/
  API docs (Swagger UI):         http://127.0.0.1:$DEMO_PORT/docs
  user: admin — the one-time password is in $DEMO_DIR/initial-admin-password
  (it must be changed at first login; after that the file is stale). Stop with Ctrl-C.

MSG
exec "$bin" serve
