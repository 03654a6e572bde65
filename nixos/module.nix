# services.loan-broker: one hardened loan-broker instance per friend (broker), each with its own
# system user, state directory, nginx virtual host (ACME, forced HTTPS), restic backup, admin
# wrapper `loan-broker-<name>`, plus one health-check timer and one backup batch over all instances.
#
# Secrets are given as *string paths* (agenix: /run/agenix/…, sops-nix: /run/secrets/…, or a plain
# root-only file) and handed to the service with systemd's LoadCredential; they never enter the
# Nix store and never appear in the generated TOML. A path unit per instance restarts it when one of
# its secret files changes (see `secretWatcherFor`).
{
  config,
  lib,
  pkgs,
  ...
}:

let
  inherit (lib)
    types
    mkOption
    mkEnableOption
    mkIf
    mkMerge
    mkDefault
    literalExpression
    escapeShellArg
    escapeShellArgs
    ;

  cfg = config.services.loan-broker;
  tomlFormat = pkgs.formats.toml { };
  systemd = config.systemd.package;

  enabledInstances = lib.filterAttrs (_: inst: inst.enable) cfg.instances;
  backedUpInstances = lib.filterAttrs (_: inst: inst.backup.enable) enabledInstances;
  # Backed up by the shared, concurrency-bounded batch (no own timer, not manual-only).
  batchedInstances = lib.filterAttrs (
    _: inst: inst.backup.automatic && inst.backup.timerConfig == null
  ) backedUpInstances;
  # Instances that get an nginx vhost; one without a host name is caught by an assertion instead of
  # a type error deep inside the nginx module.
  proxiedInstances = lib.filterAttrs (_: inst: inst.hostName != null) enabledInstances;

  stateDirOf = name: "/var/lib/loan-broker/${name}";
  stagingDirOf = name: "/var/backup/loan-broker/${name}";
  userOf = name: "loan-broker-${name}";
  unitOf = name: "loan-broker-${name}.service";
  opt = name: "services.loan-broker.instances.\"${name}\"";

  # Names the module itself uses next to `loan-broker-<instance>` (units, commands).
  reservedNames = [
    "backup"
    "monitor"
    "restore"
    "secrets"
    "maintenance"
  ];
  reservedPrefixes = [
    "secrets-"
    "maintenance-"
  ];

  # Secret paths: absolute strings outside the Nix store. Nix path literals are already refused by
  # the option types (types.str), since they would be copied into the world-readable store.
  isSafeSecretPath =
    p: lib.hasPrefix "/" p && !(lib.hasPrefix "${builtins.storeDir}/" p) && p != builtins.storeDir;

  secretPathOption =
    description: example:
    mkOption {
      type = types.nullOr types.str;
      default = null;
      inherit example;
      description = ''
        ${description}

        A string path to a file that exists at run time on the server (agenix `/run/agenix/…`,
        sops-nix `/run/secrets/…` or a root-only file, mode 0400/0600); never a Nix path literal, which
        would copy the secret into the world-readable Nix store.
      '';
    };

  colorType = types.strMatching "#[0-9a-fA-F]{6}";

  # Where nginx and the monitor reach an instance: its bind_address, with the wildcard addresses
  # replaced by the matching loopback address and IPv6 in brackets.
  connectHost =
    inst:
    let
      a = inst.settings.bind_address;
    in
    if a == "0.0.0.0" then
      "127.0.0.1"
    else if a == "::" then
      "[::1]"
    else if lib.hasInfix ":" a then
      "[${a}]"
    else
      a;
  localUrlOf = inst: "http://${connectHost inst}:${toString inst.port}";

  instanceModule =
    { name, config, ... }:
    {
      options = {
        enable = mkEnableOption "this loan-broker instance" // {
          default = true;
        };

        package = mkOption {
          type = types.package;
          default = cfg.package;
          defaultText = literalExpression "config.services.loan-broker.package";
          description = ''
            The loan-broker package of this instance. Set it on one instance to try a new version there
            first (a canary); its config check, backups and admin wrapper use the same package.
          '';
        };

        staticDir = mkOption {
          type = types.nullOr types.path;
          default = cfg.staticDir;
          defaultText = literalExpression "config.services.loan-broker.staticDir";
          description = "Built frontend of this instance (`static_dir`); keep it matching `package`.";
        };

        port = mkOption {
          type = types.port;
          example = 8081;
          description = "Port the instance listens on (on `settings.bind_address`, 127.0.0.1 by default); nginx proxies to it. Must be unique.";
        };

        hostName = mkOption {
          type = types.nullOr types.str;
          default = if cfg.domain != null then "${name}.${cfg.domain}" else null;
          defaultText = literalExpression ''"''${name}.''${config.services.loan-broker.domain}"'';
          example = "friend1.example.com";
          description = ''
            Public host name (nginx virtual host and ACME certificate). Defaults to
            `<instance name>.<services.loan-broker.domain>`. Must be unique.
          '';
        };

        brandName = mkOption {
          type = types.nullOr types.str;
          default = null;
          example = "鑫融财务顾问";
          description = "Brand name shown in the UI and reports (`brand_name`). null keeps the service default.";
        };

        primaryColor = mkOption {
          type = types.nullOr colorType;
          default = null;
          example = "#1677ff";
          description = "Primary brand colour (`primary_color`), `#rrggbb`.";
        };

        secondaryColor = mkOption {
          type = types.nullOr colorType;
          default = null;
          example = "#52c41a";
          description = "Secondary brand colour (`secondary_color`), `#rrggbb`.";
        };

        logo = mkOption {
          type = types.nullOr types.path;
          default = null;
          example = literalExpression "./logos/friend1.png";
          description = ''
            Logo (PNG, JPEG or WebP), `logo_file`. A logo is public, so a Nix path literal is fine here
            (it is copied into the store); an absolute string path to a file on the server also works.
          '';
        };

        jwtSecretFile = secretPathOption ''
          File with the secret used to sign this instance's login tokens (at least 32 random bytes).
          Passed as systemd credential `jwt_secret`. When null the service generates one in its
          state directory on first start.
        '' "/run/agenix/loan-broker-friend1-jwt";

        initialAdminPasswordFile = secretPathOption ''
          File with the password of the initial `admin` user, used only when the database is created.
          Passed as systemd credential `initial_admin_password`. When null the service generates one
          and writes it to `/var/lib/loan-broker/<name>/initial-admin-password` (mode 0600).
        '' "/run/agenix/loan-broker-friend1-admin-password";

        metricsTokenFile = secretPathOption ''
          File with the bearer token that `/metrics` requires (`Authorization: Bearer <token>`), passed
          as systemd credential `metrics_token`. null: `/metrics` answers 404. The public nginx vhost
          never serves `/metrics`; scrape `http://127.0.0.1:<port>/metrics` on the host instead.
        '' "/run/agenix/loan-broker-metrics-token";

        allowedIPs = mkOption {
          type = types.listOf types.str;
          default = [ ];
          example = [
            "203.0.113.7"
            "198.51.100.0/24"
          ];
          description = ''
            Addresses or CIDR ranges allowed to reach this instance through nginx (`allow …; deny all;`).
            Empty means everyone. ACME HTTP-01 challenges (port 80) are not affected.
          '';
        };

        maxUploadSize = mkOption {
          type = types.ints.between 1 1024;
          default = 20;
          description = ''
            Largest upload in MiB (`max_upload_bytes`). nginx's `client_max_body_size` for this host
            is set 1 MiB higher to leave room for multipart framing.
          '';
        };

        maxDocumentSize = mkOption {
          type = types.ints.between 1 1024;
          default = 20;
          description = ''
            Largest customer document (客户资料) in MiB (`max_document_bytes`). nginx's
            `client_max_body_size` for this host follows the larger of this and `maxUploadSize`.
          '';
        };

        documentsQuota = mkOption {
          type = types.ints.between 1 1048576;
          default = 5120;
          example = 20480;
          description = ''
            All customer documents of this instance together, in MiB (`documents_quota_bytes`);
            an upload beyond it is refused with 409 `quota_exceeded`. Must be at least
            `maxDocumentSize`. The files live in `<state dir>/uploads/documents` and are in the
            restic backup.
          '';
        };

        resources = {
          memoryHigh = mkOption {
            type = types.nullOr types.str;
            default = "512M";
            description = "systemd `MemoryHigh=`: above this the instance is throttled and reclaimed hard. null: no limit.";
          };
          memoryMax = mkOption {
            type = types.nullOr types.str;
            default = "1G";
            description = "systemd `MemoryMax=`: the instance is OOM-killed (and restarted) above this. null: no limit.";
          };
          cpuWeight = mkOption {
            type = types.ints.between 1 10000;
            default = 100;
            description = "systemd `CPUWeight=`: share of CPU under contention, relative to the other instances (all 100 = equal shares).";
          };
          tasksMax = mkOption {
            type = types.nullOr types.ints.positive;
            default = 512;
            description = "systemd `TasksMax=` (threads). null: systemd's default.";
          };
        };

        settings = mkOption {
          type = types.submodule { freeformType = tomlFormat.type; };
          default = { };
          example = literalExpression ''
            {
              token_ttl_minutes = 240;
              log_format = "json";
              import_max_rows = 20000;
            }
          '';
          description = ''
            Further keys of the service's TOML configuration, merged into the generated file
            (see the service's `check-config`, which rejects unknown keys at build time). Keys derived from
            the typed options above (`port`, `state_dir`, `brand_name`, …) are set here already; defaults such
            as `bind_address` (nginx and the monitor follow it), `public_url`, `trusted_proxies` and
            `static_dir` can be overridden.
          '';
        };

        configFile = mkOption {
          type = types.package;
          readOnly = true;
          description = ''
            The generated, build-time-checked TOML configuration of this instance. The admin wrapper
            `loan-broker-<name>` passes it for you.
          '';
        };

        backup = {
          enable = mkEnableOption "restic backups of this instance (consistent SQLite snapshot + uploads)";

          repository = mkOption {
            type = types.nullOr types.str;
            default = null;
            example = "s3:https://s3.example.com/loan-broker-backups/friend1";
            description = "restic repository (any backend restic supports). Exactly one of `repository` and `repositoryFile`.";
          };

          repositoryFile = secretPathOption "File containing the restic repository location." "/run/agenix/loan-broker-friend1-restic-repository";

          passwordFile = secretPathOption "File containing the restic repository password (required when backups are enabled)." "/run/agenix/loan-broker-friend1-restic-password";

          environmentFile = secretPathOption ''
            systemd EnvironmentFile for restic, e.g. `AWS_ACCESS_KEY_ID=…` and `AWS_SECRET_ACCESS_KEY=…`
            for S3-compatible object storage.
          '' "/run/agenix/loan-broker-restic-s3-env";

          automatic = mkOption {
            type = types.bool;
            default = true;
            description = "Back up on a schedule. false: only by hand (`systemctl start restic-backups-loan-broker-<name>`).";
          };

          timerConfig = mkOption {
            type = types.nullOr (
              types.attrsOf (
                types.oneOf [
                  types.str
                  types.int
                  types.bool
                ]
              )
            );
            default = null;
            example = {
              OnCalendar = "01:30";
              RandomizedDelaySec = "20min";
              Persistent = true;
            };
            description = ''
              An own systemd timer for this instance. null (the default): it is backed up by the shared
              batch `loan-broker-backup.timer` (`services.loan-broker.backupSchedule`), which runs at most
              `maxParallel` backups at a time.
            '';
          };

          pruneOpts = mkOption {
            type = types.listOf types.str;
            default = [ "--keep-daily 7" ];
            example = [
              "--keep-daily 7"
              "--keep-weekly 5"
              "--keep-monthly 12"
            ];
            description = "Options for `restic forget --prune`, run weekly by `loan-broker-maintenance-<name>` (not after every backup).";
          };

          runCheck = mkOption {
            type = types.bool;
            default = true;
            description = "Run `restic check` weekly after the prune.";
          };

          checkOpts = mkOption {
            type = types.listOf types.str;
            default = [ ];
            example = [ "--read-data-subset=5%" ];
            description = "Options for the weekly `restic check`.";
          };
        };
      };

      config = {
        settings = {
          port = config.port;
          state_dir = stateDirOf name;
          max_upload_bytes = config.maxUploadSize * 1024 * 1024;
          max_document_bytes = config.maxDocumentSize * 1024 * 1024;
          documents_quota_bytes = config.documentsQuota * 1024 * 1024;
          bind_address = mkDefault "127.0.0.1";
          # nginx on this host is the only proxy; its X-Forwarded-For is trusted, nobody else's.
          trusted_proxies = mkDefault [
            "127.0.0.1"
            "::1"
          ];
          public_url = mkIf (config.hostName != null) (mkDefault "https://${config.hostName}");
          static_dir = mkIf (config.staticDir != null) (mkDefault "${config.staticDir}");
          brand_name = mkIf (config.brandName != null) config.brandName;
          primary_color = mkIf (config.primaryColor != null) config.primaryColor;
          secondary_color = mkIf (config.secondaryColor != null) config.secondaryColor;
          logo_file = mkIf (config.logo != null) "${config.logo}";
        };

        configFile =
          let
            raw = tomlFormat.generate "loan-broker-${name}.toml" (
              lib.filterAttrsRecursive (_: v: v != null) config.settings
            );
          in
          if cfg.checkConfig then
            pkgs.runCommand "loan-broker-${name}-checked.toml"
              {
                nativeBuildInputs = [ config.package ];
                passthru.unchecked = raw;
              }
              ''
                # Syntax, unknown keys and value ranges; needs neither secrets nor the state directory.
                loan-broker --config ${raw} check-config
                cp ${raw} $out
              ''
          else
            raw;
      };
    };

  # -------------------------------------------------------------------------------------------
  # Per-instance pieces
  # -------------------------------------------------------------------------------------------

  # The service's secrets: systemd credential name and the instance option holding the file.
  credentialOptions = [
    {
      id = "jwt_secret";
      option = "jwtSecretFile";
    }
    {
      id = "initial_admin_password";
      option = "initialAdminPasswordFile";
    }
    {
      id = "metrics_token";
      option = "metricsTokenFile";
    }
  ];
  credentialPairsOf =
    inst:
    lib.filter (c: c.file != null) (
      map (c: {
        inherit (c) id;
        file = inst.${c.option};
      }) credentialOptions
    );
  credentialsOf = inst: map (c: "${c.id}:${c.file}") (credentialPairsOf inst);
  secretFilesOf = inst: map (c: c.file) (credentialPairsOf inst);

  # The sandbox every unit of the module shares; the instances add their own user, paths and limits.
  baseSandbox = {
    UMask = "0077";
    NoNewPrivileges = true;
    ProtectSystem = "strict";
    ProtectHome = true;
    PrivateTmp = true;
    PrivateDevices = true;
    CapabilityBoundingSet = [ "" ];
    LockPersonality = true;
    MemoryDenyWriteExecute = true;
    ProtectClock = true;
    ProtectControlGroups = true;
    ProtectHostname = true;
    ProtectKernelLogs = true;
    ProtectKernelModules = true;
    ProtectKernelTunables = true;
    RestrictNamespaces = true;
    RestrictRealtime = true;
    RestrictSUIDSGID = true;
    SystemCallArchitectures = "native";
    RestrictAddressFamilies = [
      "AF_INET"
      "AF_INET6"
      "AF_UNIX"
    ];
    SystemCallFilter = [
      "@system-service"
      "~@privileged"
    ];
  };

  # What the service runs with, shared by the unit and the admin wrapper (same user, sandbox,
  # credentials and limits).
  sandboxFor =
    name: inst:
    baseSandbox
    // {
    User = userOf name;
    Group = userOf name;
    StateDirectory = "loan-broker/${name}";
    StateDirectoryMode = "0700";
    WorkingDirectory = stateDirOf name;
    LoadCredential = credentialsOf inst;
    Slice = "loan-broker.slice";

    CPUWeight = inst.resources.cpuWeight;

    # Hardening (see nixos-notes §5). No DynamicUser: a static user keeps the state directory a real
    # directory with a stable owner, which restic backups and restores rely on.
    # ProcSubset=pid is left out on purpose: /api/system/metrics reads /proc/meminfo and /proc/stat.
    PrivateUsers = true;
    DeviceAllow = [ "" ];
    AmbientCapabilities = [ "" ];
    ProtectProc = "invisible";
    RemoveIPC = true;
    SystemCallErrorNumber = "EPERM";
    # The service may bind its own port and nothing else.
    SocketBindAllow = "tcp:${toString inst.port}";
    SocketBindDeny = "any";
  }
  // lib.optionalAttrs (inst.resources.memoryHigh != null) { MemoryHigh = inst.resources.memoryHigh; }
  // lib.optionalAttrs (inst.resources.memoryMax != null) { MemoryMax = inst.resources.memoryMax; }
  // lib.optionalAttrs (inst.resources.tasksMax != null) { TasksMax = inst.resources.tasksMax; };

  # One line per secret file: "<sha256>" or "missing". Root reads the sources (agenix files are
  # root-only); the digests stay in a root-only directory under /run.
  secretsDigestDir = "/run/loan-broker-secrets";
  secretsDigestScript =
    inst:
    lib.concatMapStrings (f: ''
      { ${pkgs.coreutils}/bin/sha256sum 2>/dev/null < ${escapeShellArg f} || echo missing; }
    '') (secretFilesOf inst);

  # The digest of the secrets the instance loaded at its last start.
  recordSecretsFor =
    name: inst:
    pkgs.writeShellScript "loan-broker-${name}-record-secrets" ''
      umask 077
      ${pkgs.coreutils}/bin/mkdir -p ${secretsDigestDir}
      {
      ${secretsDigestScript inst}} > ${secretsDigestDir}/${name}.sha256
    '';

  # Triggered by loan-broker-secrets-<name>.path whenever a secret file (or a directory on its path,
  # e.g. agenix's /run/agenix symlink at every activation) changes. It restarts the instance only
  # when the contents differ from what the running instance loaded, and starts an instance that had
  # failed (e.g. on a missing credential) once the files are back.
  secretWatcherFor =
    name: inst:
    pkgs.writeShellScript "loan-broker-${name}-secrets-changed" ''
      set -u
      unit=${unitOf name}
      state=$(${systemd}/bin/systemctl show -p ActiveState --value "$unit")
      current=$(
      ${secretsDigestScript inst})
      case "$state" in
        active | activating | reloading)
          if [ "$current" != "$(${pkgs.coreutils}/bin/cat ${secretsDigestDir}/${name}.sha256 2>/dev/null)" ]; then
            echo "secrets of ${name} changed: restarting $unit"
            exec ${systemd}/bin/systemctl restart --no-block "$unit"
          fi
          echo "secret files of ${name} touched, contents unchanged: nothing to do"
          ;;
        failed)
          case "$current" in
            *missing*) echo "a secret of ${name} is still missing: $unit stays stopped" ;;
            *)
              echo "$unit had failed and its secrets changed: starting it again"
              ${systemd}/bin/systemctl reset-failed "$unit"
              exec ${systemd}/bin/systemctl start --no-block "$unit"
              ;;
          esac
          ;;
      esac
    '';

  serviceFor =
    name: inst:
    lib.nameValuePair "loan-broker-${name}" {
      description = "贷款助手 (loan-broker) instance ${name}";
      wantedBy = [ "multi-user.target" ];
      after = [ "network.target" ];
      # A unit that keeps failing (bad or other-readable secret, broken database) gives up after 5
      # starts in 10 minutes instead of restarting every 5 s forever; the monitor then alerts.
      startLimitBurst = 5;
      startLimitIntervalSec = 600;
      # Schema migrations (with their own pre-migration snapshot) run inside `serve` at start.
      serviceConfig = sandboxFor name inst // {
        Type = "exec";
        # Root ("+"), right after the service started with its credentials.
        ExecStartPost = lib.optional (
          credentialPairsOf inst != [ ]
        ) "+${recordSecretsFor name inst}";
        ExecStart = "${lib.getExe inst.package} --config ${inst.configFile} serve";
        Restart = "on-failure";
        RestartSec = "5s";
        # 243 = systemd could not load a credential (the secret file is missing): retrying cannot
        # help; loan-broker-secrets-<name>.path starts the unit again once the file is there.
        RestartPreventExitStatus = "243";
      };
    };

  secretsPathFor =
    name: inst:
    lib.nameValuePair "loan-broker-secrets-${name}" {
      description = "Watch the secret files of loan-broker instance ${name}";
      wantedBy = [ "paths.target" ];
      pathConfig = {
        PathChanged = secretFilesOf inst;
        Unit = "loan-broker-secrets-${name}.service";
      };
    };

  secretsServiceFor =
    name: inst:
    lib.nameValuePair "loan-broker-secrets-${name}" {
      description = "Restart loan-broker instance ${name} when its secrets changed";
      serviceConfig = {
        Type = "oneshot";
        ExecStart = secretWatcherFor name inst;
      };
    };

  # `systemd-run -p` arguments equal to the unit's sandbox (lists become repeated properties).
  sandboxProperties =
    name: inst:
    let
      value = v: if builtins.isBool v then (if v then "yes" else "no") else toString v;
    in
    lib.concatLists (
      lib.mapAttrsToList (k: v: map (x: "${k}=${value x}") (lib.toList v)) (sandboxFor name inst)
    );

  # `loan-broker-<name> <command> …`: the CLI as the instance runs it (user, sandbox, credentials),
  # with the instance's package and config. Files for `import` must be readable by the instance
  # user outside /home, /root and /tmp (e.g. in its state directory); `export --out` can only write
  # into the state directory.
  adminWrapperFor =
    name: inst:
    pkgs.writeShellScriptBin "loan-broker-${name}" ''
      set -eu
      if [ "$(${pkgs.coreutils}/bin/id -u)" != 0 ]; then
        echo "loan-broker-${name}: run it as root (sudo loan-broker-${name} …); the command then runs as ${userOf name} in the instance's sandbox, with its credentials and configuration" >&2
        exit 1
      fi
      exec ${systemd}/bin/systemd-run --quiet --wait --collect --pipe --service-type=exec \
        --description=${escapeShellArg "loan-broker-${name} admin command"} \
        ${lib.concatMapStringsSep " " (p: "-p ${escapeShellArg p}") (sandboxProperties name inst)} \
        -- ${lib.getExe inst.package} --config ${inst.configFile} "$@"
    '';

  # `loan-broker-restore <instance> <snapshot>`: nixos/restore.sh with this instance's paths.
  restoreCaseFor =
    name: inst:
    let
      b = inst.backup;
    in
    ''
      ${name})
        export LB_NAME=${name} LB_UNIT=${unitOf name} LB_USER=${userOf name}
        export LB_STATE_DIR=${stateDirOf name} LB_SNAPSHOT_DB=${stagingDirOf name}/loan-broker.db
        export LB_BIN=${lib.getExe inst.package} LB_CONFIG=${inst.configFile}
        export LB_HEALTH_URL=${localUrlOf inst}/health
        export RESTIC_PASSWORD_FILE=${escapeShellArg (toString b.passwordFile)}
        export RESTIC_CACHE_DIR=/var/cache/restic-backups-loan-broker-${name}
        ${lib.optionalString (b.repository != null) "export RESTIC_REPOSITORY=${escapeShellArg b.repository}"}
        ${lib.optionalString (
          b.repositoryFile != null
        ) "export RESTIC_REPOSITORY_FILE=${escapeShellArg b.repositoryFile}"}
        ${lib.optionalString (b.environmentFile != null) ''
          set -a
          # shellcheck disable=SC1090,SC1091
          . ${escapeShellArg b.environmentFile}
          set +a
        ''}
        ;;
    '';

  restoreCommand = pkgs.writeShellApplication {
    name = "loan-broker-restore";
    runtimeInputs = [
      pkgs.restic
      pkgs.coreutils
      pkgs.util-linux
      pkgs.curl
      systemd
    ];
    text = ''
      if [ $# -lt 1 ]; then
        echo "usage: loan-broker-restore INSTANCE SNAPSHOT-ID    (instances with backups: ${toString (lib.attrNames backedUpInstances)})" >&2
        exit 2
      fi
      instance=$1
      shift
      case "$instance" in
      ${lib.concatStrings (lib.mapAttrsToList restoreCaseFor backedUpInstances)}
        *)
          echo "loan-broker-restore: \"$instance\" is not an instance with backups (${toString (lib.attrNames backedUpInstances)})" >&2
          exit 2
          ;;
      esac
      exec ${pkgs.runtimeShell} ${./restore.sh} "$@"
    '';
  };

  vhostFor =
    name: inst:
    let
      allowed =
        inst.allowedIPs
        ++ lib.optionals (cfg.monitoring.enable && cfg.monitoring.viaNginx) [
          # the monitor reaches the vhost over loopback (networking.hosts below)
          "127.0.0.1"
          "::1"
        ];
      wildcard = usesWildcard inst;
    in
    lib.nameValuePair inst.hostName {
      enableACME = mkDefault (!wildcard);
      useACMEHost = mkIf wildcard wildcardCertName;
      forceSSL = true;
      # The vhost's extraConfig lands in the HTTPS server block only; the port-80 block that serves the
      # ACME challenge and redirects stays open to everyone.
      extraConfig = ''
        access_log /var/log/nginx/access.log ${privacyLogFormat};
        client_max_body_size ${toString ((lib.max inst.maxUploadSize inst.maxDocumentSize) + 1)}m;
        add_header Strict-Transport-Security "max-age=31536000" always;
        ${lib.concatMapStrings (ip: "allow ${ip};\n") allowed}${lib.optionalString (
          inst.allowedIPs != [ ]
        ) "deny all;\n"}'';
      locations."/" = {
        proxyPass = localUrlOf inst;
        # Host, X-Real-IP, X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host.
        recommendedProxySettings = true;
      };
      # Counts of customers and users, DB size: for the operator's Prometheus on the host only.
      locations."= /metrics".return = 404;
    };

  # Unknown Host headers and the bare IP get nothing: no friend's certificate, no friend's branding.
  refusingDefaultVhost = {
    serverName = "_";
    default = true;
    rejectSSL = true;
    extraConfig = "return 444;";
  };

  wildcardCertName = "loan-broker-wildcard";

  # The friends' access log keeps no personal data (PIPL): no query string (a search `?q=` carries
  # names and phone numbers), no Referer (it carries the previous page's query), and share-link
  # tokens cut off (a token opens a client's report). Kept in step with tests/deploy/run.sh.
  privacyLogFormat = "loan_broker_private";
  privacyLogConfig = ''
    map $uri $loan_broker_logged_path {
      ~^/r/            /r/-;
      ~^/api/shared/   /api/shared/-;
      default          $uri;
    }
    log_format ${privacyLogFormat} '$remote_addr - $remote_user [$time_local] '
      '"$request_method $loan_broker_logged_path $server_protocol" $status $body_bytes_sent '
      '$request_time "$http_user_agent"';
  '';
  usesWildcard =
    inst:
    cfg.acme.wildcard.enable
    && cfg.domain != null
    && inst.hostName != null
    && builtins.match "[^.]+\\.${lib.escapeRegex cfg.domain}" inst.hostName != null;

  backupFor =
    name: inst:
    let
      stage = stagingDirOf name;
      user = userOf name;
      asUser = "${pkgs.util-linux}/bin/setpriv --reuid=${user} --regid=${user} --clear-groups --no-new-privs --";
      removeStage = "${pkgs.coreutils}/bin/rm -f ${stage}/loan-broker.db ${stage}/loan-broker.db-wal ${stage}/loan-broker.db-shm";
    in
    lib.nameValuePair "loan-broker-${name}" {
      inherit (inst.backup)
        repository
        repositoryFile
        environmentFile
        ;
      timerConfig = if inst.backup.automatic then inst.backup.timerConfig else null;
      # forget --prune and check run weekly (loan-broker-maintenance-<name>), not after every backup.
      pruneOpts = [ ];
      runCheck = false;
      # Wait for a running weekly prune of the same repository instead of failing.
      extraBackupArgs = [ "--retry-lock=2h" ];
      # Required by the restic module; null is caught by this module's assertion first.
      passwordFile = if inst.backup.passwordFile != null then inst.backup.passwordFile else "/dev/null";
      initialize = true;
      paths = [
        stage
        "${stateDirOf name}/uploads"
      ];
      # Runs as root in the restic unit's preStart. The snapshot itself runs as the instance user, so any
      # file SQLite creates next to the database (-wal, -shm) is owned by that user, never by root.
      backupPrepareCommand = ''
        set -eu
        ${pkgs.coreutils}/bin/mkdir -p /var/backup/loan-broker
        ${pkgs.coreutils}/bin/chmod 0700 /var/backup/loan-broker
        ${pkgs.coreutils}/bin/install -d -m 0700 -o ${user} -g ${user} ${stage}
        ${removeStage}
        ${asUser} ${pkgs.coreutils}/bin/mkdir -p ${stateDirOf name}/uploads
        ${asUser} ${lib.getExe inst.package} --config ${inst.configFile} backup --out ${stage}/loan-broker.db
      '';
      # The staged copy is plaintext customer data: it lives only while restic reads it (postStop
      # runs after success and failure alike).
      backupCleanupCommand = removeStage;
    };

  resticEnvironmentFor = name: inst: {
    RESTIC_CACHE_DIR = "/var/cache/restic-backups-loan-broker-${name}";
    RESTIC_PASSWORD_FILE = inst.backup.passwordFile;
  }
  // lib.optionalAttrs (inst.backup.repository != null) { RESTIC_REPOSITORY = inst.backup.repository; }
  // lib.optionalAttrs (inst.backup.repositoryFile != null) {
    RESTIC_REPOSITORY_FILE = inst.backup.repositoryFile;
  };

  # Weekly `restic forget --prune` and `restic check` of one instance's repository.
  maintenanceFor =
    name: inst:
    let
      restic = "${pkgs.restic}/bin/restic";
    in
    lib.nameValuePair "loan-broker-maintenance-${name}" {
      description = "Prune and check the restic repository of loan-broker instance ${name}";
      after = [ "network-online.target" ];
      wants = [ "network-online.target" ];
      environment = resticEnvironmentFor name inst;
      serviceConfig = {
        Type = "oneshot";
        EnvironmentFile = lib.optional (inst.backup.environmentFile != null) inst.backup.environmentFile;
        CacheDirectory = "restic-backups-loan-broker-${name}";
        CacheDirectoryMode = "0700";
        ExecStart = [
          "${restic} unlock"
          "${restic} forget --prune --retry-lock=2h ${lib.concatStringsSep " " inst.backup.pruneOpts}"
        ]
        ++ lib.optional inst.backup.runCheck "${restic} check --retry-lock=2h ${lib.concatStringsSep " " inst.backup.checkOpts}";
      }
      // backgroundPriority;
    };

  # Backups and their maintenance yield to the instances.
  backgroundPriority = {
    Nice = 10;
    IOSchedulingClass = "idle";
    CPUWeight = 20;
  };

  # Starts the given oneshot units, at most maxParallel at a time; fails when any of them failed
  # (each failed unit also shows in `systemctl --failed`).
  batchScript =
    what: units:
    pkgs.writeShellScript "loan-broker-${what}-batch" ''
      set -u
      printf '%s\n' ${escapeShellArgs units} \
        | ${pkgs.findutils}/bin/xargs -r -P ${toString cfg.backupSchedule.maxParallel} -n 1 ${systemd}/bin/systemctl start
    '';

  batchService = what: description: units: {
    inherit description;
    after = [ "network-online.target" ];
    wants = [ "network-online.target" ];
    serviceConfig = {
      Type = "oneshot";
      ExecStart = batchScript what units;
      TimeoutStartSec = "infinity";
    };
  };

  # The check runs from a small script so that its arguments are shell-quoted once, with no systemd
  # specifier or $VARIABLE expansion to worry about (the alert command may contain both).
  monitorScript = pkgs.writeShellScript "loan-broker-monitor" ''
    set -eu
    args=(${
      escapeShellArgs (
        lib.concatLists (
          lib.mapAttrsToList (name: inst: [
            "--target"
            "${name}=${
              if cfg.monitoring.viaNginx && inst.hostName != null then
                "https://${inst.hostName}"
              else
                localUrlOf inst
            },${stateDirOf name}"
          ]) enabledInstances
        )
        ++ [
          "--disk-threshold-pct"
          (toString cfg.monitoring.diskThresholdPercent)
          "--memory-threshold-pct"
          (toString cfg.monitoring.memoryThresholdPercent)
        ]
        ++ lib.optionals (cfg.monitoring.command != null) [
          "--command"
          cfg.monitoring.command
        ]
      )
    })
    ${lib.optionalString (cfg.monitoring.webhookUrlFile != null) ''
      args+=(--webhook-url-file "$CREDENTIALS_DIRECTORY/webhook_url" --webhook-format ${escapeShellArg cfg.monitoring.webhookFormat})
    ''}
    exec ${lib.getExe cfg.package} monitor "''${args[@]}"
  '';

  # -------------------------------------------------------------------------------------------
  # Assertions
  # -------------------------------------------------------------------------------------------

  # For every instance whose `attr` value is shared with another enabled instance: one assertion
  # naming the instance and the others.
  uniqueAssertions =
    attr: what:
    lib.mapAttrsToList (
      name: inst:
      let
        others = lib.attrNames (
          lib.filterAttrs (
            other: o: other != name && o.${attr} != null && o.${attr} == inst.${attr}
          ) enabledInstances
        );
      in
      {
        assertion = inst.${attr} == null || others == [ ];
        message = "${opt name}.${attr} = ${
          builtins.toJSON inst.${attr}
        } is also the ${what} of instance(s) ${lib.concatMapStringsSep ", " (o: "\"${o}\"") others}; each instance needs its own ${what}.";
      }
    ) enabledInstances;

  secretAssertions =
    name: inst:
    map
      (
        { path, value }:
        {
          assertion = value == null || isSafeSecretPath value;
          message = "${opt name}.${path} = \"${toString value}\" must be an absolute path outside the Nix store (e.g. /run/agenix/…); files in ${builtins.storeDir} are world-readable.";
        }
      )
      (
        map (c: {
          path = c.option;
          value = inst.${c.option};
        }) credentialOptions
        ++ [
        {
          path = "backup.passwordFile";
          value = inst.backup.passwordFile;
        }
        {
          path = "backup.repositoryFile";
          value = inst.backup.repositoryFile;
        }
        {
          path = "backup.environmentFile";
          value = inst.backup.environmentFile;
        }
        ]
      );

  instanceAssertions =
    name: inst:
    [
      {
        # Becomes the user name loan-broker-<name> (Linux limit 32 characters) and unit names.
        assertion = builtins.match "[a-z][a-z0-9-]{0,19}" name != null;
        message = "${opt name}: instance names must match [a-z][a-z0-9-]* and be at most 20 characters (the system user is loan-broker-<name>).";
      }
      {
        assertion =
          !(lib.elem name reservedNames) && !(lib.any (p: lib.hasPrefix p name) reservedPrefixes);
        message = "${opt name}: the names ${toString reservedNames} and names starting with ${toString reservedPrefixes} are used by the module's own units and commands (loan-broker-backup.service, loan-broker-restore, …); pick another name.";
      }
      {
        assertion = inst.documentsQuota >= inst.maxDocumentSize;
        message = "${opt name}.documentsQuota = ${toString inst.documentsQuota} MiB is smaller than ${opt name}.maxDocumentSize = ${toString inst.maxDocumentSize} MiB: no document would fit.";
      }
      {
        assertion = inst.hostName != null || !cfg.configureNginx;
        message = "${opt name}.hostName is not set: set it, or set services.loan-broker.domain so it defaults to \"${name}.<domain>\".";
      }
      {
        assertion = !inst.backup.enable || (inst.backup.repository == null) != (inst.backup.repositoryFile == null);
        message = "${opt name}.backup.enable is true: set exactly one of ${opt name}.backup.repository and ${opt name}.backup.repositoryFile.";
      }
      {
        assertion = !inst.backup.enable || inst.backup.passwordFile != null;
        message = "${opt name}.backup.enable is true: set ${opt name}.backup.passwordFile (the restic repository password).";
      }
    ]
    ++ secretAssertions name inst;
in
{
  options.services.loan-broker = {
    enable = mkEnableOption "贷款助手 (loan-broker) instances";

    package = mkOption {
      type = types.package;
      default = pkgs.loan-broker or (pkgs.callPackage ./package.nix { });
      defaultText = literalExpression "pkgs.loan-broker (overlays.default) or pkgs.callPackage <this repo>/nixos/package.nix { }";
      description = ''
        The loan-broker package (provides bin/loan-broker), built from the host's `pkgs` (its
        overlays and `nixpkgs.config` apply). Per instance: `instances.<name>.package`.
      '';
    };

    staticDir = mkOption {
      type = types.nullOr types.path;
      default = pkgs.loan-broker-frontend or (pkgs.callPackage ./frontend.nix { });
      defaultText = literalExpression "pkgs.loan-broker-frontend (overlays.default) or pkgs.callPackage <this repo>/nixos/frontend.nix { }";
      description = ''
        Built frontend served by every instance (`static_dir`). One build serves all instances: branding
        is fetched at run time. null: API only.
      '';
    };

    domain = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "example.com";
      description = "When set, each instance's hostName defaults to `<instance name>.<domain>`.";
    };

    checkConfig = mkOption {
      type = types.bool;
      default = true;
      description = "Validate each generated configuration at build time with `loan-broker check-config`.";
    };

    configureNginx = mkOption {
      type = types.bool;
      default = true;
      description = "Create an nginx virtual host (ACME, forced HTTPS, HSTS) for each instance.";
    };

    refuseUnknownHosts = mkOption {
      type = types.bool;
      default = true;
      description = ''
        Add a default nginx server that closes connections for unknown Host headers and the bare IP
        (`return 444` on HTTP, `ssl_reject_handshake` on HTTPS), so they never see a friend's
        certificate or branding. Set false if the host already has its own default server.
      '';
    };

    openFirewall = mkOption {
      type = types.bool;
      default = false;
      description = "Open TCP ports 80 and 443 when nginx is configured by this module.";
    };

    acme.wildcard = {
      enable = mkEnableOption ''
        one wildcard certificate `*.<domain>` for all instances under `services.loan-broker.domain`,
        obtained with a DNS-01 challenge (no port 80 needed, one certificate instead of one per friend,
        so 50 friends stay far below Let's Encrypt's limits). Instances with another host name keep
        their own HTTP-01 certificate
      '';
      dnsProvider = mkOption {
        type = types.nullOr types.str;
        default = null;
        example = "alidns";
        description = "lego DNS provider (`security.acme.certs.<name>.dnsProvider`), e.g. `alidns`, `tencentcloud`, `cloudflare`.";
      };
      environmentFile = secretPathOption "lego environment file with the DNS provider's credentials (e.g. `ALICLOUD_ACCESS_KEY=…`)." "/run/agenix/loan-broker-dns-env";
      credentialFiles = mkOption {
        type = types.attrsOf types.str;
        default = { };
        example = {
          ALICLOUD_SECRET_KEY_FILE = "/run/agenix/alidns-secret";
        };
        description = "`security.acme.certs.<name>.credentialFiles`: lego `*_FILE` variables pointing at secret files.";
      };
    };

    backupSchedule = {
      timerConfig = mkOption {
        type = types.attrsOf (
          types.oneOf [
            types.str
            types.int
            types.bool
          ]
        );
        default = {
          OnCalendar = "02:00";
          RandomizedDelaySec = "3h";
          Persistent = true;
        };
        description = ''
          When `loan-broker-backup.timer` runs the backups of all instances without an own
          `backup.timerConfig`. The random delay spreads the load on the backup storage; after downtime
          (`Persistent`) it runs once, still at most `maxParallel` at a time.
        '';
      };
      maintenanceTimerConfig = mkOption {
        type = types.attrsOf (
          types.oneOf [
            types.str
            types.int
            types.bool
          ]
        );
        default = {
          OnCalendar = "Sun 06:00";
          RandomizedDelaySec = "2h";
          Persistent = true;
        };
        description = "When `loan-broker-maintenance.timer` runs `restic forget --prune` and `restic check` of every repository (weekly).";
      };
      maxParallel = mkOption {
        type = types.ints.positive;
        default = 2;
        description = "How many backups (or prune/check runs) run at the same time.";
      };
    };

    instances = mkOption {
      type = types.attrsOf (types.submodule instanceModule);
      default = { };
      example = literalExpression ''
        {
          friend1 = {
            port = 8081;
            brandName = "鑫融财务顾问";
            primaryColor = "#1677ff";
            jwtSecretFile = "/run/agenix/loan-broker-friend1-jwt";
            initialAdminPasswordFile = "/run/agenix/loan-broker-friend1-admin-password";
            backup = {
              enable = true;
              repository = "s3:https://s3.example.com/loan-broker-backups/friend1";
              passwordFile = "/run/agenix/loan-broker-friend1-restic-password";
              environmentFile = "/run/agenix/loan-broker-restic-s3-env";
            };
          };
        }
      '';
      description = "One loan-broker instance per friend; the attribute name is the instance name.";
    };

    monitoring = {
      enable = mkEnableOption "a periodic health check of all instances (`loan-broker monitor`) with alerts";

      interval = mkOption {
        type = types.str;
        default = "5min";
        example = "1min";
        description = "How often the check runs (a systemd time span).";
      };

      webhookUrlFile = secretPathOption ''
        File containing the webhook URL of a chat robot (企业微信 / 钉钉 / 飞书) or any HTTP endpoint.
        Passed to the check as systemd credential `webhook_url`.
      '' "/run/agenix/loan-broker-alert-webhook";

      webhookFormat = mkOption {
        type = types.enum [
          "wecom"
          "dingtalk"
          "feishu"
          "generic"
        ];
        default = "generic";
        description = "Message format of the webhook (企业微信 = wecom, 钉钉 = dingtalk, 飞书 = feishu).";
      };

      command = mkOption {
        type = types.nullOr types.str;
        default = null;
        example = "logger -t loan-broker-alert \"$LOAN_BROKER_ALERT\"";
        description = ''
          Command run when a check fails, with the alert text in `$LOAN_BROKER_ALERT`. It runs inside the
          check's sandbox (unprivileged dynamic user, read-only system).
        '';
      };

      diskThresholdPercent = mkOption {
        type = types.ints.between 1 100;
        default = 90;
        description = "Alert when the file system holding an instance's state directory is fuller than this.";
      };

      memoryThresholdPercent = mkOption {
        type = types.ints.between 1 100;
        default = 90;
        description = "Alert when system memory use is above this.";
      };

      viaNginx = mkOption {
        type = types.bool;
        default = false;
        description = ''
          Check each instance through nginx (`https://<hostName>`) instead of its port, which also
          catches nginx and certificate problems. The host resolves its own host names to loopback
          (`networking.hosts`) and each vhost allows loopback, so `allowedIPs` cannot cause false alarms.
        '';
      };
    };
  };

  config = mkIf cfg.enable (mkMerge [
    {
      assertions =
        uniqueAssertions "port" "port"
        ++ uniqueAssertions "hostName" "host name"
        ++ lib.concatLists (lib.mapAttrsToList instanceAssertions enabledInstances)
        ++ [
          {
            assertion =
              cfg.monitoring.webhookUrlFile == null || isSafeSecretPath cfg.monitoring.webhookUrlFile;
            message = "services.loan-broker.monitoring.webhookUrlFile = \"${toString cfg.monitoring.webhookUrlFile}\" must be an absolute path outside the Nix store.";
          }
          {
            assertion = !cfg.acme.wildcard.enable || (cfg.domain != null && cfg.acme.wildcard.dnsProvider != null);
            message = "services.loan-broker.acme.wildcard.enable needs services.loan-broker.domain and services.loan-broker.acme.wildcard.dnsProvider.";
          }
          {
            assertion =
              cfg.acme.wildcard.environmentFile == null || isSafeSecretPath cfg.acme.wildcard.environmentFile;
            message = "services.loan-broker.acme.wildcard.environmentFile must be an absolute path outside the Nix store.";
          }
        ];

      warnings = lib.optional (
        cfg.monitoring.enable && cfg.monitoring.webhookUrlFile == null && cfg.monitoring.command == null
      ) "services.loan-broker.monitoring is enabled without webhookUrlFile or command: failures will only show in the journal (journalctl -u loan-broker-monitor).";

      users.users = lib.mapAttrs' (
        name: _:
        lib.nameValuePair (userOf name) {
          isSystemUser = true;
          group = userOf name;
          home = stateDirOf name;
          description = "loan-broker instance ${name}";
        }
      ) enabledInstances;

      users.groups = lib.mapAttrs' (name: _: lib.nameValuePair (userOf name) { }) enabledInstances;

      systemd.slices.loan-broker = {
        description = "贷款助手 (loan-broker) instances";
      };

      systemd.services = lib.mapAttrs' serviceFor enabledInstances
        // lib.mapAttrs' secretsServiceFor (lib.filterAttrs (_: i: credentialPairsOf i != [ ]) enabledInstances);

      systemd.paths = lib.mapAttrs' secretsPathFor (
        lib.filterAttrs (_: i: credentialPairsOf i != [ ]) enabledInstances
      );

      # `loan-broker` for local use, `loan-broker-<name>` per instance, `loan-broker-restore`.
      environment.systemPackages = [
        cfg.package
      ]
      ++ lib.mapAttrsToList adminWrapperFor enabledInstances
      ++ lib.optional (backedUpInstances != { }) restoreCommand;
    }

    (mkIf (cfg.configureNginx && enabledInstances != { }) {
      services.nginx = {
        enable = true;
        # Adding or removing a friend reloads nginx instead of restarting it (no TLS blip for all).
        enableReload = mkDefault true;
        recommendedTlsSettings = mkDefault true;
        recommendedOptimisation = mkDefault true;
        recommendedGzipSettings = mkDefault true;
        commonHttpConfig = privacyLogConfig;
        virtualHosts =
          lib.mapAttrs' vhostFor proxiedInstances
          // lib.optionalAttrs cfg.refuseUnknownHosts { loan-broker-refuse-unknown = refusingDefaultVhost; };
      };
      networking.firewall.allowedTCPPorts = mkIf cfg.openFirewall [
        80
        443
      ];
    })

    (mkIf (cfg.configureNginx && cfg.acme.wildcard.enable && cfg.domain != null) {
      security.acme.certs.${wildcardCertName} = {
        domain = "*.${cfg.domain}";
        inherit (cfg.acme.wildcard) dnsProvider environmentFile credentialFiles;
        group = config.services.nginx.group;
        reloadServices = [ "nginx.service" ];
      };
    })

    (mkIf (backedUpInstances != { }) {
      services.restic.backups = lib.mapAttrs' backupFor backedUpInstances;

      systemd.services =
        lib.mapAttrs' maintenanceFor backedUpInstances
        // lib.mapAttrs' (
          name: _: lib.nameValuePair "restic-backups-loan-broker-${name}" { serviceConfig = backgroundPriority; }
        ) backedUpInstances
        // {
          loan-broker-maintenance =
            batchService "maintenance" "贷款助手 weekly prune and check of all backup repositories"
              (map (n: "loan-broker-maintenance-${n}.service") (lib.attrNames backedUpInstances));
        }
        // lib.optionalAttrs (batchedInstances != { }) {
          loan-broker-backup =
            batchService "backup" "贷款助手 backups of all instances (at most ${toString cfg.backupSchedule.maxParallel} at a time)"
              (map (n: "restic-backups-loan-broker-${n}.service") (lib.attrNames batchedInstances));
        };

      systemd.timers = {
        loan-broker-maintenance = {
          wantedBy = [ "timers.target" ];
          timerConfig = cfg.backupSchedule.maintenanceTimerConfig;
        };
      }
      // lib.optionalAttrs (batchedInstances != { }) {
        loan-broker-backup = {
          wantedBy = [ "timers.target" ];
          timerConfig = cfg.backupSchedule.timerConfig;
        };
      };
    })

    (mkIf (cfg.monitoring.enable && cfg.monitoring.viaNginx && cfg.configureNginx) {
      networking.hosts = {
        "127.0.0.1" = lib.mapAttrsToList (_: inst: inst.hostName) proxiedInstances;
        "::1" = lib.mapAttrsToList (_: inst: inst.hostName) proxiedInstances;
      };
    })

    (mkIf (cfg.monitoring.enable && enabledInstances != { }) {
      systemd.services.loan-broker-monitor = {
        description = "贷款助手 (loan-broker) health check and alerts";
        after = [ "network-online.target" ];
        wants = [ "network-online.target" ];
        path = [
          pkgs.bash
          pkgs.coreutils
          pkgs.util-linux
        ];
        environment.SSL_CERT_FILE = "/etc/ssl/certs/ca-certificates.crt";
        serviceConfig = baseSandbox // {
          Type = "oneshot";
          # Exits 1 when any check failed (after alerting), so failures also show in `systemctl --failed`.
          ExecStart = monitorScript;
          LoadCredential = lib.optional (
            cfg.monitoring.webhookUrlFile != null
          ) "webhook_url:${cfg.monitoring.webhookUrlFile}";
          DynamicUser = true;
        };
      };

      systemd.timers.loan-broker-monitor = {
        wantedBy = [ "timers.target" ];
        timerConfig = {
          OnBootSec = "2min";
          OnUnitActiveSec = cfg.monitoring.interval;
        };
      };
    })
  ]);
}
