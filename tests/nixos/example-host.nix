# What turns nixos/examples/five-friends.nix into a complete NixOS system for `nix flake check`
# (flake output nixosConfigurations.example, check `example-host`): a container, so there is no boot
# loader, file system or kernel to declare, and nothing needs KVM.
#
# agenix is not an input of this flake, so `age.secrets` is declared here by a stand-in with the two
# attributes the example uses (`file`, `owner`) and agenix's path scheme (/run/agenix/<name>). The
# encrypted files do not exist in this repository; the stand-in never reads them. Everything else —
# services.loan-broker, nginx, security.acme, services.restic, services.prometheus, systemd — is the
# real NixOS module of the pinned nixpkgs, so a wrong option name or type fails this check.
{ lib, ... }:
{
  options.age.secrets = lib.mkOption {
    type = lib.types.attrsOf (
      lib.types.submodule (
        { name, ... }:
        {
          options = {
            file = lib.mkOption { type = lib.types.path; };
            owner = lib.mkOption {
              type = lib.types.str;
              default = "0";
            };
            path = lib.mkOption {
              type = lib.types.str;
              default = "/run/agenix/${name}";
            };
          };
        }
      )
    );
    default = { };
    description = "Stand-in for agenix's age.secrets (evaluation only).";
  };

  config = {
    boot.isContainer = true;
    networking.hostName = "loans";
    system.stateVersion = "26.05";
  };
}
