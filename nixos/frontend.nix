# The frontend (Vite + React + Ant Design), built once and shared by every instance: branding
# comes at runtime from GET /api/branding, so nothing instance-specific is baked in.
#
# importNpmLock turns package-lock.json into store paths (integrity hashes come from the lock file),
# so there is no npmDepsHash to maintain. `npm run build` writes frontend/dist; its contents are $out.
#
# Node 24 (LTS): nodejs_20 is marked insecure in nixpkgs 26.05 (EOL 2026-04-30), which would make
# every host importing the module refuse to evaluate; vite 8 needs Node >= 20.19 / 22.12.
{
  lib,
  buildNpmPackage,
  importNpmLock,
  nodejs_24,
}:

let
  root = ../frontend;
  src = lib.fileset.toSource {
    inherit root;
    fileset = lib.fileset.difference root (
      lib.fileset.unions [
        (lib.fileset.maybeMissing ../frontend/node_modules)
        (lib.fileset.maybeMissing ../frontend/dist)
      ]
    );
  };
  packageJson = lib.importJSON ../frontend/package.json;
in
buildNpmPackage {
  pname = "loan-broker-frontend";
  version = packageJson.version or "0.1.0";
  inherit src;

  nodejs = nodejs_24;
  npmDeps = importNpmLock { npmRoot = src; };
  npmConfigHook = importNpmLock.npmConfigHook;
  npmBuildScript = "build";

  installPhase = ''
    runHook preInstall
    mkdir -p $out
    cp -r dist/. $out/
    runHook postInstall
  '';

  meta = {
    description = "贷款助手 (loan-broker) web frontend (static files)";
    license = lib.licenses.agpl3Plus;
  };
}
