#!/usr/bin/env bash
# Static checks of the Nix files that work without a modern Nix, flakes or a binary cache:
#
#   1. every tracked .nix file parses (nix-instantiate --parse; Nix 2.8 from Debian is enough);
#   2. Cargo.toml's rust-version is at most the pinned nixpkgs' rustc, and Node is a supported one
#      (nixos/pinned-toolchain.nix);
#   3. if NIXPKGS_LIB names a checkout of nixpkgs or of nixpkgs.lib (a directory with lib/ in it),
#      nixos/module.nix and nixos/examples/five-friends.nix are evaluated with lib.evalModules against
#      stand-in option declarations (tests/nix/eval.nix): five friends → 5 services, 5 vhosts, 5 restic
#      backups; assertions for duplicate ports/host names and secrets in the store; generated config.
#
# What this does NOT do: build anything, evaluate against real NixOS modules, or run the VM tests in
# tests/nixos/ (those need Nix >= 2.18, nixpkgs 26.05 and KVM; see docs/operator.md).
#
# Usage: bash tests/nix/check.sh
#        NIXPKGS_LIB=/tmp/nixpkgs-lib bash tests/nix/check.sh
set -euo pipefail

cd "$(dirname "$0")/../.."

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "  ok   $1"; }
fail() { failed=$((failed + 1)); echo "  FAIL $1"; }

if ! command -v nix-instantiate >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ "${LOAN_BROKER_NO_INSTALL:-}" != 1 ]; then
        echo "nix-instantiate not found: installing Debian's nix-bin (parser and evaluator only)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q nix-bin >/dev/null 2>&1 \
            || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nix-bin >/dev/null; }
    else
        echo "ERROR: nix-instantiate not found (apt-get install nix-bin)" >&2
        exit 1
    fi
fi
echo "nix: $(nix-instantiate --version)"

# Nix 2.8 wants a writable state directory even for --parse/--eval; keep it out of the way.
export NIX_STATE_DIR="${NIX_STATE_DIR:-/tmp/loan-broker-nix-check/state}"
export NIX_LOG_DIR="${NIX_LOG_DIR:-/tmp/loan-broker-nix-check/log}"
mkdir -p "$NIX_STATE_DIR" "$NIX_LOG_DIR"

echo
echo "== 1. parse every tracked .nix file"
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.nix' 2>/dev/null | sort -u)
if [ "${#files[@]}" -eq 0 ]; then
    fail "no .nix files found (not a git checkout?)"
fi
for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    if out=$(nix-instantiate --parse "$f" 2>&1 >/dev/null); then
        pass "parse $f"
    else
        fail "parse $f"
        printf '%s\n' "$out" | sed 's/^/       /'
    fi
done

echo
echo "== 2. toolchain of the pinned nixpkgs (nixos/pinned-toolchain.nix)"
rust_version=$(sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' Cargo.toml | head -n 1)
pinned_rustc=$(nix-instantiate --eval -E '(import ./nixos/pinned-toolchain.nix).rustc' 2>/dev/null | tr -d '"')
if [ -n "$rust_version" ] && [ -n "$pinned_rustc" ] \
    && [ "$(nix-instantiate --eval -E "builtins.compareVersions \"$pinned_rustc\" \"$rust_version\"" 2>/dev/null)" != -1 ]; then
    pass "Cargo.toml rust-version $rust_version <= rustc $pinned_rustc of the pinned nixpkgs"
else
    fail "Cargo.toml rust-version '${rust_version}' must be <= the pinned nixpkgs' rustc '${pinned_rustc}' (nixos/pinned-toolchain.nix)"
fi
pinned_node=$(nix-instantiate --eval -E '(import ./nixos/pinned-toolchain.nix).nodejs' 2>/dev/null | tr -d '"')
if grep -q "nodejs = ${pinned_node};" nixos/frontend.nix && grep -q "^            ${pinned_node}$" flake.nix; then
    pass "frontend build and devShell use ${pinned_node}"
else
    fail "nixos/frontend.nix and the devShell in flake.nix must use ${pinned_node} (nixos/pinned-toolchain.nix)"
fi
if eol=$(grep -nE '^[^#]*nodejs_(1[0-9]|20)\b' "${files[@]}" 2>/dev/null) && [ -n "$eol" ]; then
    fail "end-of-life Node.js referenced (insecure in nixpkgs 26.05):"
    printf '%s\n' "$eol" | sed 's/^/       /'
else
    pass "no end-of-life Node.js (nodejs_20 or older) in any .nix file"
fi

echo
echo "== 3. evaluate the NixOS module with lib.evalModules"
lib_dir=""
if [ -n "${NIXPKGS_LIB:-}" ]; then
    if [ -f "$NIXPKGS_LIB/lib/default.nix" ]; then
        lib_dir="$NIXPKGS_LIB"
    else
        echo "ERROR: NIXPKGS_LIB=$NIXPKGS_LIB has no lib/default.nix (give the checkout directory)" >&2
        fail "NIXPKGS_LIB usable"
    fi
fi

if [ -z "$lib_dir" ]; then
    cat <<'EOF'
  ##########################################################################################
  ##  SKIPPED: module evaluation (part 3).                                                ##
  ##  No nixpkgs lib available: set NIXPKGS_LIB to a checkout of nixpkgs or               ##
  ##  nix-community/nixpkgs.lib (the directory containing lib/). CI has no GitHub access,  ##
  ##  so in CI only parts 1 and 2 run. Developers: fetch nixpkgs.lib to /tmp              ##
  ##  (never into this repository) and rerun with NIXPKGS_LIB=/tmp/<dir>.                  ##
  ##########################################################################################
EOF
else
    echo "  lib: $lib_dir (version $(cat "$lib_dir/lib/.version" 2>/dev/null || echo '?'))"
    if json=$(nix-instantiate --eval --strict --json tests/nix/eval.nix --arg libDir "$lib_dir" 2>&1); then
        # {"failed":[...],"passed":[...]} — names contain no double quotes.
        while IFS= read -r name; do
            [ -n "$name" ] && pass "$name"
        done < <(printf '%s' "$json" | sed -e 's/.*"passed":\[//' -e 's/\].*//' | grep -o '"[^"]*"' | tr -d '"')
        while IFS= read -r name; do
            [ -n "$name" ] && fail "$name"
        done < <(printf '%s' "$json" | sed -e 's/.*"failed":\[//' -e 's/\].*//' | grep -o '"[^"]*"' | tr -d '"')
    else
        fail "evaluate tests/nix/eval.nix"
        printf '%s\n' "$json" | tail -n 30 | sed 's/^/       /'
    fi
fi

echo
echo "nix-checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
