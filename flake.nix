{
  description = "贷款助手 (loan-broker): white-label loan-broker service, its frontend and a NixOS module for many instances";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";

  # Thin wiring only: derivations live in nixos/package.nix and nixos/frontend.nix, the module in
  # nixos/module.nix, the VM tests in tests/nixos/.
  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      overlays.default = final: _prev: {
        loan-broker = final.callPackage ./nixos/package.nix { };
        loan-broker-frontend = final.callPackage ./nixos/frontend.nix { };
      };

      packages = forAllSystems (
        pkgs:
        let
          loan-broker = pkgs.callPackage ./nixos/package.nix { };
          frontend = pkgs.callPackage ./nixos/frontend.nix { };
        in
        {
          inherit loan-broker frontend;
          default = loan-broker;
        }
      );

      nixosModules.default =
        { pkgs, lib, ... }:
        let
          own = self.packages.${pkgs.stdenv.hostPlatform.system};
        in
        {
          imports = [ ./nixos/module.nix ];
          services.loan-broker.package = lib.mkDefault own.default;
          services.loan-broker.staticDir = lib.mkDefault own.frontend;
        };

      # `nix flake check` builds the packages (with the Rust test suite) and runs the VM tests.
      # The VM tests need a Linux builder with KVM.
      checks = forAllSystems (
        pkgs:
        let
          own = self.packages.${pkgs.stdenv.hostPlatform.system};
        in
        {
          package = own.default;
          frontend = own.frontend;
        }
        // import ./tests/nixos {
          inherit pkgs nixpkgs self;
        }
      );

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = with pkgs; [
            cargo
            rustc
            clippy
            rustfmt
            cargo-nextest
            rust-analyzer
            nodejs_20
            sqlite
            nginx
            restic
            pebble
            lego
            chromium
          ];
          RUST_SRC_PATH = "${pkgs.rustPlatform.rustLibSrc}";
        };
      });

      # `nix run .#serve`: one local instance with demo state in ./.demo (git-ignored), serving the
      # frontend built by Nix, on http://127.0.0.1:8080.
      apps = forAllSystems (
        pkgs:
        let
          own = self.packages.${pkgs.stdenv.hostPlatform.system};
          serve = pkgs.writeShellApplication {
            name = "loan-broker-serve";
            runtimeInputs = [ own.default ];
            text = ''
              state="''${LOAN_BROKER_DEMO_DIR:-$PWD/.demo}"
              mkdir -p "$state"
              cat > "$state/config.toml" <<EOF
              port = ''${PORT:-8080}
              state_dir = "$state"
              static_dir = "${own.frontend}"
              public_url = "http://127.0.0.1:''${PORT:-8080}"
              EOF
              echo "loan-broker: http://127.0.0.1:''${PORT:-8080}  (state in $state; initial admin password in $state/initial-admin-password)"
              exec loan-broker --config "$state/config.toml" serve
            '';
          };
        in
        {
          serve = {
            type = "app";
            program = "${serve}/bin/loan-broker-serve";
            meta.description = "Run one local loan-broker instance with the built frontend";
          };
          default = self.apps.${pkgs.stdenv.hostPlatform.system}.serve;
        }
      );

    };
}
