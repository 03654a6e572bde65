# The frontend (Vite + React + Ant Design), built once and shared by every instance: branding
# comes at runtime from GET /api/branding, so nothing instance-specific is baked in.
#
# importNpmLock turns package-lock.json into store paths (integrity hashes come from the lock file),
# so there is no npmDepsHash to maintain. `npm run build` writes frontend/dist; its contents are $out.
{
  lib,
  buildNpmPackage,
  importNpmLock,
  nodejs_20,
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

  nodejs = nodejs_20;
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
