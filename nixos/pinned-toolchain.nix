# What the nixpkgs pinned in flake.lock (nixos-26.05 @ 7fc6f2c2…) ships, for the CI checks in
# tests/nix/check.sh, which cannot evaluate nixpkgs itself (Nix 2.8). Update it with flake.lock.
# On a NixOS machine, nixos/package.nix asserts the same against the real rustc at evaluation.
{
  # rustc of nixos-26.05 (three independent flakes say "nixos-26.05 ships rustc 1.95.0").
  rustc = "1.95.0";
  # nodejs_20 is marked insecure in 26.05 (nixpkgs PR #511784); nixos/frontend.nix uses this one.
  nodejs = "nodejs_24";
}
