# services.loan-broker: one hardened loan-broker instance per friend (broker), each with its own
# system user, state directory, nginx virtual host (ACME, forced HTTPS), restic backup, plus one
# health-check timer over all instances.
#
# Secrets are given as *string paths* (agenix: /run/agenix/…, sops-nix: /run/secrets/…, or a plain
# root-only file) and handed to the service with systemd's LoadCredential; they never enter the
# Nix store and never appear in the generated TOML.
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
    ;

  cfg = config.services.loan-broker;
  tomlFormat = pkgs.formats.toml { };

  enabledInstances = lib.filterAttrs (_: inst: inst.enable) cfg.instances;
  backedUpInstances = lib.filterAttrs (_: inst: inst.backup.enable) enabledInstances;

  stateDirOf = name: "/var/lib/loan-broker/${name}";
  stagingDirOf = name: "/var/backup/loan-broker/${name}";
  userOf = name: "loan-broker-${name}";
  opt = name: "services.loan-broker.instances.\"${name}\"";

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
        sops-nix `/run/secrets/…` or a root-only file); never a Nix path literal, which would copy the
        secret into the world-readable Nix store.
      '';
    };

  colorType = types.strMatching "#[0-9a-fA-F]{6}";

  instanceModule =
    { name, config, ... }:
    {
      options = {
        enable = mkEnableOption "this loan-broker instance" // {
          default = true;
        };

        port = mkOption {
          type = types.port;
          example = 8081;
          description = "Port on 127.0.0.1 the instance listens on (nginx proxies to it). Must be unique.";
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
            as `bind_address`, `public_url`, `trusted_proxies` and `static_dir` can be overridden.
          '';
        };

        configFile = mkOption {
          type = types.package;
          readOnly = true;
          description = ''
            The generated, build-time-checked TOML configuration of this instance. Useful for admin
            commands, e.g. `sudo -u loan-broker-<name> loan-broker --config <this> admin reset-password admin`.
          '';
        };

        backup = {
          enable = mkEnableOption "daily restic backups of this instance (consistent SQLite snapshot + uploads)";

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
            default = {
              OnCalendar = "03:00";
              Persistent = true;
            };
            example = {
              OnCalendar = "03:00";
              RandomizedDelaySec = "20min";
              Persistent = true;
            };
            description = "When the backup runs (systemd.timer). null: no timer, run by hand only.";
          };

          pruneOpts = mkOption {
            type = types.listOf types.str;
            default = [ "--keep-daily 7" ];
            example = [
              "--keep-daily 7"
              "--keep-weekly 5"
              "--keep-monthly 12"
            ];
            description = "Options for `restic forget --prune`, run after each backup.";
          };

          runCheck = mkOption {
            type = types.bool;
            default = true;
            description = "Run `restic check` after each backup and prune (daily with the default timer).";
          };

          checkOpts = mkOption {
            type = types.listOf types.str;
            default = [ ];
            example = [ "--read-data-subset=5%" ];
            description = "Options for the periodic `restic check`.";
          };
        };
      };

      config = {
        settings = {
          port = config.port;
          state_dir = stateDirOf name;
          max_upload_bytes = config.maxUploadSize * 1024 * 1024;
          bind_address = mkDefault "127.0.0.1";
          # nginx on this host is the only proxy; its X-Forwarded-For is trusted, nobody else's.
          trusted_proxies = mkDefault [ "127.0.0.1" ];
          public_url = mkIf (config.hostName != null) (mkDefault "https://${config.hostName}");
          static_dir = mkIf (cfg.staticDir != null) (mkDefault "${cfg.staticDir}");
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
                nativeBuildInputs = [ cfg.package ];
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

  credentialsOf =
    inst:
    lib.optional (inst.jwtSecretFile != null) "jwt_secret:${inst.jwtSecretFile}"
    ++ lib.optional (
      inst.initialAdminPasswordFile != null
    ) "initial_admin_password:${inst.initialAdminPasswordFile}";

  serviceFor =
    name: inst:
    lib.nameValuePair "loan-broker-${name}" {
      description = "贷款助手 (loan-broker) instance ${name}";
      wantedBy = [ "multi-user.target" ];
      after = [ "network.target" ];
      # Schema migrations (with their own pre-migration snapshot) run inside `serve` at start.
      serviceConfig = {
        Type = "exec";
        ExecStart = "${lib.getExe cfg.package} --config ${inst.configFile} serve";
        Restart = "on-failure";
        RestartSec = "5s";

        User = userOf name;
        Group = userOf name;
        StateDirectory = "loan-broker/${name}";
        StateDirectoryMode = "0700";
        WorkingDirectory = stateDirOf name;
        LoadCredential = credentialsOf inst;

        # Hardening (see nixos-notes §5). No DynamicUser: a static user keeps the state directory a real
        # directory with a stable owner, which restic backups and restores rely on.
        # ProcSubset=pid is left out on purpose: /api/system/metrics reads /proc/meminfo and /proc/stat.
        UMask = "0077";
        NoNewPrivileges = true;
        ProtectSystem = "strict";
        ProtectHome = true;
        PrivateTmp = true;
        PrivateDevices = true;
        PrivateUsers = true;
        DeviceAllow = [ "" ];
        CapabilityBoundingSet = [ "" ];
        AmbientCapabilities = [ "" ];
        LockPersonality = true;
        MemoryDenyWriteExecute = true;
        ProtectClock = true;
        ProtectControlGroups = true;
        ProtectHostname = true;
        ProtectKernelLogs = true;
        ProtectKernelModules = true;
        ProtectKernelTunables = true;
        ProtectProc = "invisible";
        RemoveIPC = true;
        RestrictAddressFamilies = [
          "AF_INET"
          "AF_INET6"
          "AF_UNIX"
        ];
        RestrictNamespaces = true;
        RestrictRealtime = true;
        RestrictSUIDSGID = true;
        SystemCallArchitectures = "native";
        SystemCallFilter = [
          "@system-service"
          "~@privileged"
        ];
        SystemCallErrorNumber = "EPERM";
        # The service may bind its own port and nothing else.
        SocketBindAllow = "tcp:${toString inst.port}";
        SocketBindDeny = "any";
      };
    };

  vhostFor =
    name: inst:
    lib.nameValuePair inst.hostName {
      enableACME = mkDefault true;
      forceSSL = true;
      # The vhost's extraConfig lands in the HTTPS server block only; the port-80 block that serves the
      # ACME challenge and redirects stays open to everyone.
      extraConfig = ''
        client_max_body_size ${toString (inst.maxUploadSize + 1)}m;
        add_header Strict-Transport-Security "max-age=31536000" always;
        ${lib.concatMapStrings (ip: "allow ${ip};\n") inst.allowedIPs}${lib.optionalString (
          inst.allowedIPs != [ ]
        ) "deny all;\n"}'';
      locations."/" = {
        proxyPass = "http://127.0.0.1:${toString inst.port}";
        # Host, X-Real-IP, X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host.
        recommendedProxySettings = true;
      };
    };

  backupFor =
    name: inst:
    let
      stage = stagingDirOf name;
      user = userOf name;
      asUser = "${pkgs.util-linux}/bin/setpriv --reuid=${user} --regid=${user} --clear-groups --no-new-privs --";
    in
    lib.nameValuePair "loan-broker-${name}" {
      inherit (inst.backup)
        repository
        repositoryFile
        environmentFile
        timerConfig
        pruneOpts
        runCheck
        checkOpts
        ;
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
        ${pkgs.coreutils}/bin/install -d -m 0700 -o ${user} -g ${user} ${stage}
        ${pkgs.coreutils}/bin/rm -f ${stage}/loan-broker.db ${stage}/loan-broker.db-wal ${stage}/loan-broker.db-shm
        ${asUser} ${pkgs.coreutils}/bin/mkdir -p ${stateDirOf name}/uploads
        ${asUser} ${lib.getExe cfg.package} --config ${inst.configFile} backup --out ${stage}/loan-broker.db
      '';
    };

  # The check runs from a small script so that its arguments are shell-quoted once, with no systemd
  # specifier or $VARIABLE expansion to worry about (the alert command may contain both).
  monitorScript = pkgs.writeShellScript "loan-broker-monitor" ''
    set -eu
    args=(${
      lib.escapeShellArgs (
        lib.concatLists (
          lib.mapAttrsToList (name: inst: [
            "--target"
            "${name}=${
              if cfg.monitoring.viaNginx && inst.hostName != null then
                "https://${inst.hostName}"
              else
                "http://127.0.0.1:${toString inst.port}"
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
      args+=(--webhook-url-file "$CREDENTIALS_DIRECTORY/webhook_url" --webhook-format ${lib.escapeShellArg cfg.monitoring.webhookFormat})
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
      [
        {
          path = "jwtSecretFile";
          value = inst.jwtSecretFile;
        }
        {
          path = "initialAdminPasswordFile";
          value = inst.initialAdminPasswordFile;
        }
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
      ];

  instanceAssertions =
    name: inst:
    [
      {
        # Becomes the user name loan-broker-<name> (Linux limit 32 characters) and unit names.
        assertion = builtins.match "[a-z][a-z0-9-]{0,19}" name != null;
        message = "${opt name}: instance names must match [a-z][a-z0-9-]* and be at most 20 characters (the system user is loan-broker-<name>).";
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
      defaultText = literalExpression "loan-broker.packages.\${system}.default (set by the flake's nixosModules.default)";
      description = "The loan-broker package (provides bin/loan-broker).";
    };

    staticDir = mkOption {
      type = types.nullOr types.path;
      default = null;
      defaultText = literalExpression "loan-broker.packages.\${system}.frontend (set by the flake's nixosModules.default)";
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

    openFirewall = mkOption {
      type = types.bool;
      default = true;
      description = "Open TCP ports 80 and 443 when nginx is configured by this module.";
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
          Check each instance through its public HTTPS URL instead of 127.0.0.1, which also catches
          nginx and certificate problems (needs the host to resolve its own host names).
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

      systemd.services = lib.mapAttrs' serviceFor enabledInstances;

      # `loan-broker` on the PATH for admin commands (run them as the instance user).
      environment.systemPackages = [ cfg.package ];
    }

    (mkIf (cfg.configureNginx && enabledInstances != { }) {
      services.nginx = {
        enable = true;
        recommendedTlsSettings = mkDefault true;
        recommendedOptimisation = mkDefault true;
        recommendedGzipSettings = mkDefault true;
        virtualHosts = lib.mapAttrs' vhostFor enabledInstances;
      };
      networking.firewall.allowedTCPPorts = mkIf cfg.openFirewall [
        80
        443
      ];
    })

    (mkIf (backedUpInstances != { }) {
      services.restic.backups = lib.mapAttrs' backupFor backedUpInstances;
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
        serviceConfig = {
          Type = "oneshot";
          # Exits 1 when any check failed (after alerting), so failures also show in `systemctl --failed`.
          ExecStart = monitorScript;
          LoadCredential = lib.optional (
            cfg.monitoring.webhookUrlFile != null
          ) "webhook_url:${cfg.monitoring.webhookUrlFile}";
          DynamicUser = true;
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
          RestrictAddressFamilies = [
            "AF_INET"
            "AF_INET6"
            "AF_UNIX"
          ];
          RestrictNamespaces = true;
          RestrictRealtime = true;
          RestrictSUIDSGID = true;
          SystemCallArchitectures = "native";
          SystemCallFilter = [
            "@system-service"
            "~@privileged"
          ];
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
