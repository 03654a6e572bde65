# NixOS VM tests (pkgs.testers.runNixOSTest), exposed as flake checks:
#   nix build .#checks.x86_64-linux.vm-multi-instance -L
#   nix build .#checks.x86_64-linux.vm-backup-restore -L
# Interactive: nix run .#checks.x86_64-linux.vm-multi-instance.driverInteractive
#
# Written for real NixOS/Linux builders with KVM; they are not run in this project's CI (see
# docs/operator.md). tests/deploy/ is the executable rehearsal that CI does run.
{
  pkgs,
  nixpkgs,
  self,
}:

let
  runTest =
    file:
    pkgs.testers.runNixOSTest (
      import file {
        inherit nixpkgs self;
        helpers = builtins.readFile ./helpers.py;
      }
    );
in
{
  vm-multi-instance = runTest ./multi-instance.nix;
  vm-backup-restore = runTest ./backup-restore.nix;
}
