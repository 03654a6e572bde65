# The loan-broker service: one Rust binary, `loan-broker`.
#
# Built with rustPlatform.buildRustPackage from the committed Cargo.lock (each crate is its own
# fixed-output download, so there is no vendor hash to keep up to date). The source is filtered to
# what cargo needs, so edits to nixos/, tests/, docs/ or frontend/ do not rebuild Rust.
{
  lib,
  rustPlatform,
  rustc,
}:

let
  root = ../.;
  workspace = lib.importTOML ../Cargo.toml;
  # jemalloc's compiled-in settings (background purge, decay) live in .cargo/config.toml for every
  # cargo build; set them here too, so they hold whatever cargo config the Nix build hooks write.
  cargoEnv = (lib.importTOML ../.cargo/config.toml).env;
  rustVersion = workspace.workspace.package.rust-version;
in
# Cargo.toml's rust-version must not exceed the rustc of the nixpkgs this is built with (the pinned
# release, or the host's): say so at evaluation instead of failing deep inside cargo.
assert lib.assertMsg (lib.versionAtLeast rustc.version rustVersion)
  "loan-broker needs rustc >= ${rustVersion} (Cargo.toml rust-version), but this nixpkgs has rustc ${rustc.version}; use nixpkgs >= 26.05 or lower rust-version.";
rustPlatform.buildRustPackage {
  pname = "loan-broker";
  version = workspace.workspace.package.version;

  src = lib.fileset.toSource {
    inherit root;
    fileset = lib.fileset.unions [
      ../Cargo.toml
      ../Cargo.lock
      ../service
      # Committed OpenAPI spec: the service's tests may compare against it.
      (lib.fileset.maybeMissing ../frontend/openapi.json)
      ../.cargo
    ];
  };

  cargoLock.lockFile = ../Cargo.lock;

  env.JEMALLOC_SYS_WITH_MALLOC_CONF = cargoEnv.JEMALLOC_SYS_WITH_MALLOC_CONF;

  cargoBuildFlags = [
    "--package"
    "loan-broker"
  ];
  cargoTestFlags = [
    "--package"
    "loan-broker"
  ];

  # The test suite needs no network: integration tests bind 127.0.0.1 (available in the build
  # sandbox) and use temporary SQLite files. Keep it on so a broken build never reaches a server;
  # use `overrideAttrs { doCheck = false; }` for a quick local build.
  doCheck = true;
  preCheck = ''
    export HOME=$TMPDIR
  '';

  meta = {
    description = "贷款助手 (loan-broker): white-label SME loan-broker service";
    license = lib.licenses.agpl3Plus;
    mainProgram = "loan-broker";
    platforms = lib.platforms.linux;
  };
}
