#!/usr/bin/env bash
# make bench: release build, frontend build, then every figure of product.md's performance table.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
cargo build --release --locked -p loan-broker --manifest-path "$root/Cargo.toml"
python3 "$root/tests/bench/bench.py"
