#!/usr/bin/env bash
# Installs the Debian packages the test suites use, only those missing. Needs root (or sudo).
set -euo pipefail
packages=(sqlite3 chromium fonts-wqy-microhei nix-bin curl ca-certificates python3-venv wrk)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v cargo-nextest >/dev/null || cargo install --locked cargo-nextest
command -v node >/dev/null || { echo "Node.js 20 is required (node not found)" >&2; exit 1; }
