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
      exampleHost =
        system:
        nixpkgs.lib.nixosSystem {
          modules = [
            { nixpkgs.hostPlatform = system; }
            self.nixosModules.default
            ./nixos/examples/five-friends.nix
            ./tests/nixos/example-host.nix
          ];
        };
    in
    {
      # The overlay is what every output builds from (packages, the module's defaults through the
      # host's pkgs), so host overlays and nixpkgs.config apply to the module's packages too.
      overlays.default = final: _prev: {
        loan-broker = final.callPackage ./nixos/package.nix { };
        loan-broker-frontend = final.callPackage ./nixos/frontend.nix { };
      };

      packages = forAllSystems (
        pkgs:
        let
          own = pkgs.extend self.overlays.default;
        in
        {
          inherit (own) loan-broker;
          frontend = own.loan-broker-frontend;
          default = own.loan-broker;
        }
      );

      # Builds its packages from the host's pkgs (pkgs.loan-broker when the host applies
      # overlays.default, else pkgs.callPackage on nixos/package.nix), never from this flake's nixpkgs.
      nixosModules.default = ./nixos/module.nix;

      # The example host of nixos/examples/five-friends.nix as a real NixOS system (a container, so
      # no boot loader or file systems are needed; agenix stood in by tests/nixos/example-host.nix).
      # Evaluating it checks every option name against the real NixOS modules of the pinned nixpkgs.
      nixosConfigurations.example = exampleHost "x86_64-linux";

      # `nix flake check` builds the packages (with the Rust test suite), the example host's system
      # (no KVM needed) and runs the VM tests (KVM needed).
      checks = forAllSystems (
        pkgs:
        let
          system = pkgs.stdenv.hostPlatform.system;
          own = self.packages.${system};
        in
        {
          package = own.default;
          frontend = own.frontend;
          example-host = (exampleHost system).config.system.build.toplevel;
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
            nodejs_24
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
