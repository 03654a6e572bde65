# Evaluates nixos/module.nix with nixpkgs' lib.evalModules alone (no nixpkgs package set, no NixOS),
# against small stand-in declarations for the NixOS options it sets (systemd, users, nginx, restic,
# networking, agenix). Works with old Nix (2.8) and a copy of nixpkgs' lib.
#
#   nix-instantiate --eval --strict --json tests/nix/eval.nix --arg libDir /path/to/nixpkgs-or-nixpkgs.lib
#
# Returns { passed = [ names ]; failed = [ { name; detail; } ]; }. tests/nix/check.sh runs it.
{
  libDir,
  debug ? false,
}:

let
  lib = import (libDir + "/lib");
  inherit (lib) types mkOption;

  fakeDrv = name: {
    type = "derivation";
    inherit name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
  };

  # Just enough of pkgs for the module: derivations are fakes that keep their inputs for inspection.
  pkgs = {
    formats.toml =
      { }:
      {
        type = types.attrsOf types.anything;
        generate = name: value: fakeDrv name // { tomlValue = value; };
      };
    runCommand =
      name: env: script:
      fakeDrv name // { inherit env script; } // (env.passthru or { });
    writeShellScript = name: text: fakeDrv name // { inherit text; };
    writeShellScriptBin = name: text: fakeDrv name // { inherit text; };
    writeShellApplication = args: fakeDrv args.name // args;
    callPackage = path: args: fakeDrv "callPackage-${baseNameOf (toString path)}" // { inherit path; };
    runtimeShell = "/nix/store/00000000000000000000000000000000-bash/bin/bash";
    util-linux = fakeDrv "util-linux";
    coreutils = fakeDrv "coreutils";
    findutils = fakeDrv "findutils";
    restic = fakeDrv "restic";
    curl = fakeDrv "curl";
    bash = fakeDrv "bash";
  };
  fakeSystemd = fakeDrv "systemd";

  fakePackage = fakeDrv "loan-broker-0.1.0" // {
    pname = "loan-broker";
    meta.mainProgram = "loan-broker";
  };
  fakeFrontend = fakeDrv "loan-broker-frontend-0.1.0";

  freeform = types.submodule { freeformType = types.attrsOf types.anything; };
  attrsOfFreeform = mkOption {
    type = types.attrsOf freeform;
    default = { };
  };

  # Stand-ins for the NixOS options the module (and the example host) set.
  stubs = {
    options = {
      assertions = mkOption {
        type = types.listOf types.unspecified;
        default = [ ];
      };
      warnings = mkOption {
        type = types.listOf types.str;
        default = [ ];
      };
      users.users = attrsOfFreeform;
      users.groups = attrsOfFreeform;
      systemd.services = attrsOfFreeform;
      systemd.timers = attrsOfFreeform;
      systemd.paths = attrsOfFreeform;
      systemd.slices = attrsOfFreeform;
      systemd.package = mkOption {
        type = types.package;
        default = fakeSystemd;
      };
      networking.hosts = mkOption {
        type = types.attrsOf (types.listOf types.str);
        default = { };
      };
      services.prometheus = mkOption {
        type = freeform;
        default = { };
      };
      services.nginx = mkOption {
        type = types.submodule {
          freeformType = types.attrsOf types.anything;
          options.virtualHosts = attrsOfFreeform;
          options.group = mkOption {
            type = types.str;
            default = "nginx";
          };
        };
        default = { };
      };
      services.restic.backups = attrsOfFreeform;
      networking.firewall.allowedTCPPorts = mkOption {
        type = types.listOf types.port;
        default = [ ];
      };
      environment.systemPackages = mkOption {
        type = types.listOf types.anything;
        default = [ ];
      };
      security.acme = mkOption {
        type = types.submodule {
          freeformType = types.attrsOf types.anything;
          options.certs = attrsOfFreeform;
        };
        default = { };
      };
      age.secrets = mkOption {
        type = types.attrsOf (
          types.submodule (
            { name, ... }:
            {
              freeformType = types.attrsOf types.anything;
              options.path = mkOption {
                type = types.str;
                default = "/run/agenix/${name}";
              };
              options.owner = mkOption {
                type = types.str;
                default = "0";
              };
            }
          )
        );
        default = { };
      };
    };
  };

  eval =
    modules:
    (lib.evalModules {
      modules = [
        stubs
        ../../nixos/module.nix
        {
          _module.args.pkgs = pkgs;
          services.loan-broker.package = fakePackage;
          services.loan-broker.staticDir = fakeFrontend;
        }
      ]
      ++ modules;
    }).config;

  # The module's own package defaults, with a pkgs that has (or lacks) the overlay's attributes.
  evalDefaults =
    pkgsArg:
    (lib.evalModules {
      modules = [
        stubs
        ../../nixos/module.nix
        {
          _module.args.pkgs = pkgsArg;
          services.loan-broker.enable = true;
        }
      ];
    }).config.services.loan-broker;

  failedAssertions = cfg: map (a: a.message) (lib.filter (a: !a.assertion) cfg.assertions);
  hasFailure =
    cfg: fragment: lib.any (m: lib.hasInfix fragment m) (failedAssertions cfg);
  throws = value: !(builtins.tryEval (builtins.deepSeq value true)).success;

  # A small valid host to vary in the negative cases.
  base = extra: {
    services.loan-broker = lib.recursiveUpdate {
      enable = true;
      domain = "example.test";
      instances.alice.port = 8081;
      instances.bob.port = 8082;
    } extra;
  };

  # ------------------------------------------------------------------------------------------
  five = eval [ ../../nixos/examples/five-friends.nix ];
  names = map (i: "friend${toString i}") (lib.range 1 5);
  svc = five.systemd.services;
  f1 = five.services.loan-broker.instances.friend1;
  f1toml = f1.configFile.unchecked.tomlValue;
  f1service = svc.loan-broker-friend1.serviceConfig;
  f1vhost = five.services.nginx.virtualHosts."friend1.example.com";
  f1backup = five.services.restic.backups.loan-broker-friend1;
  monitorText = svc.loan-broker-monitor.serviceConfig.ExecStart.text;

  checks = {
    "five friends: instance, secret-watcher, maintenance and batch units (+ monitor)" =
      lib.attrNames svc == lib.sort (a: b: a < b) (
        map (n: "loan-broker-${n}") names
        ++ map (n: "loan-broker-secrets-${n}") names
        ++ map (n: "loan-broker-maintenance-${n}") names
        ++ map (n: "restic-backups-loan-broker-${n}") names
        ++ [
          "loan-broker-backup"
          "loan-broker-maintenance"
          "loan-broker-monitor"
        ]
      );
    "five friends: no failed assertion" = failedAssertions five == [ ];
    "five friends: 5 nginx vhosts friendN.example.com + the refusing default" =
      lib.attrNames five.services.nginx.virtualHosts
      == map (n: "${n}.example.com") names ++ [ "loan-broker-refuse-unknown" ];
    "five friends: 5 restic backups" =
      lib.attrNames five.services.restic.backups == map (n: "loan-broker-${n}") names;
    "five friends: 5 static users and groups" =
      lib.attrNames five.users.users == map (n: "loan-broker-${n}") names
      && lib.attrNames five.users.groups == map (n: "loan-broker-${n}") names
      && five.users.users.loan-broker-friend3.isSystemUser;
    "five friends: ports 8081-8085" =
      map (n: five.services.loan-broker.instances.${n}.port) names == lib.range 8081 8085;
    "five friends: firewall 80 and 443" = five.networking.firewall.allowedTCPPorts == [ 80 443 ];
    "five friends: monitor timer" = five.systemd.timers.loan-broker-monitor.timerConfig.OnUnitActiveSec == "5min";

    "service: ExecStart runs serve with the checked config" =
      f1service.ExecStart
      == "/nix/store/00000000000000000000000000000000-loan-broker-0.1.0/bin/loan-broker --config ${f1.configFile} serve";
    "service: config checked with check-config at build time" =
      lib.hasInfix "loan-broker --config ${f1.configFile.unchecked} check-config" f1.configFile.script;
    "service: static user, state dir 0700, restart on failure" =
      f1service.User == "loan-broker-friend1"
      && f1service.Group == "loan-broker-friend1"
      && f1service.StateDirectory == "loan-broker/friend1"
      && f1service.StateDirectoryMode == "0700"
      && f1service.Restart == "on-failure"
      && !(f1service ? DynamicUser);
    "service: secrets through LoadCredential (metrics token included)" =
      f1service.LoadCredential == [
        "jwt_secret:/run/agenix/loan-broker-friend1-jwt"
        "initial_admin_password:/run/agenix/loan-broker-friend1-admin-password"
        "metrics_token:/run/agenix/loan-broker-metrics-token"
      ];
    "service: hardening set" =
      f1service.ProtectSystem == "strict"
      && f1service.NoNewPrivileges
      && f1service.PrivateTmp
      && f1service.CapabilityBoundingSet == [ "" ]
      && f1service.SystemCallFilter == [ "@system-service" "~@privileged" ]
      && f1service.MemoryDenyWriteExecute
      && f1service.UMask == "0077"
      && f1service.RestrictAddressFamilies == [ "AF_INET" "AF_INET6" "AF_UNIX" ];

    "toml: typed options and defaults, no secret paths" =
      f1toml.port == 8081
      && f1toml.state_dir == "/var/lib/loan-broker/friend1"
      && f1toml.bind_address == "127.0.0.1"
      && f1toml.public_url == "https://friend1.example.com"
      && f1toml.brand_name == "鑫融财务顾问"
      && f1toml.primary_color == "#1677ff"
      && f1toml.max_upload_bytes == 20 * 1024 * 1024
      && f1toml.max_document_bytes == 20 * 1024 * 1024
      && f1toml.documents_quota_bytes == 5120 * 1024 * 1024
      && f1toml.trusted_proxies == [ "127.0.0.1" "::1" ]
      && f1toml.static_dir == fakeFrontend.outPath
      && !(f1toml ? jwt_secret_file)
      && !(f1toml ? metrics_token_file)
      && !(f1toml ? initial_admin_password_file)
      && !(f1toml ? secondary_color);
    "toml: settings merged, defaults overridable" =
      let
        c = eval [
          (base {
            instances.alice.settings = {
              token_ttl_minutes = 60;
              log_format = "json";
              bind_address = "::1";
            };
          })
        ];
        t = c.services.loan-broker.instances.alice.configFile.unchecked.tomlValue;
      in
      t.token_ttl_minutes == 60 && t.log_format == "json" && t.bind_address == "::1" && t.port == 8081;

    "nginx: ACME, forceSSL, proxy with recommended headers, body size, HSTS" =
      f1vhost.enableACME
      && f1vhost.forceSSL
      && f1vhost.locations."/".proxyPass == "http://127.0.0.1:8081"
      && f1vhost.locations."/".recommendedProxySettings
      && lib.hasInfix "client_max_body_size 21m;" f1vhost.extraConfig
      && lib.hasInfix "Strict-Transport-Security" f1vhost.extraConfig
      && !(lib.hasInfix "deny all;" f1vhost.extraConfig);
    "nginx: allowedIPs become allow/deny" =
      let
        c = eval [ (base { instances.bob.allowedIPs = [ "192.0.2.7" "198.51.100.0/24" ]; }) ];
      in
      lib.hasInfix "allow 192.0.2.7;\nallow 198.51.100.0/24;\ndeny all;" c.services.nginx.virtualHosts."bob.example.test".extraConfig;

    "restic: snapshot as the instance user into the staging dir" =
      lib.hasInfix "setpriv --reuid=loan-broker-friend1 --regid=loan-broker-friend1 --clear-groups --no-new-privs -- /nix/store/00000000000000000000000000000000-loan-broker-0.1.0/bin/loan-broker --config ${f1.configFile} backup --out /var/backup/loan-broker/friend1/loan-broker.db" f1backup.backupPrepareCommand;
    "restic: paths, no own timer (batch), no prune/check per run, init, lock wait" =
      f1backup.paths == [
        "/var/backup/loan-broker/friend1"
        "/var/lib/loan-broker/friend1/uploads"
      ]
      && f1backup.timerConfig == null
      && f1backup.pruneOpts == [ ]
      && !f1backup.runCheck
      && f1backup.initialize
      && f1backup.extraBackupArgs == [ "--retry-lock=2h" ]
      && f1backup.repository == "s3:https://s3.example.com/loan-broker-backups/friend1"
      && f1backup.passwordFile == "/run/agenix/loan-broker-friend1-restic-password"
      && f1backup.environmentFile == "/run/agenix/loan-broker-restic-s3-env";
    "monitor: all targets, thresholds, webhook credential" =
      lib.all (
        n: lib.hasInfix "${n}=http://127.0.0.1:${toString (8080 + lib.toInt (lib.removePrefix "friend" n))},/var/lib/loan-broker/${n}" monitorText
      ) names
      && lib.hasInfix "--disk-threshold-pct 90" monitorText
      && lib.hasInfix "--webhook-url-file \"$CREDENTIALS_DIRECTORY/webhook_url\" --webhook-format wecom" monitorText
      && svc.loan-broker-monitor.serviceConfig.LoadCredential == [ "webhook_url:/run/agenix/loan-broker-alert-webhook" ];

    "disabled instance: no unit, vhost or backup" =
      let
        c = eval [ (base { instances.bob.enable = false; }) ];
      in
      !(c.systemd.services ? loan-broker-bob) && !(c.services.nginx.virtualHosts ? "bob.example.test");
    "no instance enabled: nothing generated" =
      let
        c = eval [ { services.loan-broker.enable = false; services.loan-broker.instances.x.port = 1; } ];
      in
      c.systemd.services == { } && c.services.restic.backups == { } && c.assertions == [ ];

    # ---- issue 20 ----
    "nginx: default vhost refuses unknown hosts (444, rejectSSL)" =
      let
        d = five.services.nginx.virtualHosts.loan-broker-refuse-unknown;
      in
      d.default && d.rejectSSL && d.serverName == "_" && d.extraConfig == "return 444;"
      && !(d ? locations) && !(d.enableACME or false);
    "nginx: refuseUnknownHosts = false drops the default vhost" =
      !((eval [ (base { refuseUnknownHosts = false; }) ]).services.nginx.virtualHosts ? loan-broker-refuse-unknown);
    "nginx: /metrics refused on every public vhost" =
      lib.all (
        n: five.services.nginx.virtualHosts."${n}.example.com".locations."= /metrics" == { return = 404; }
      ) names;
    "nginx: enableReload (no restart when a friend is added)" = five.services.nginx.enableReload;
    "nginx: access log without query string, Referer or share token (PIPL)" =
      let
        http = five.services.nginx.commonHttpConfig;
      in
      lib.all (
        n:
        lib.hasInfix "access_log /var/log/nginx/access.log loan_broker_private;"
          five.services.nginx.virtualHosts."${n}.example.com".extraConfig
      ) names
      && lib.hasInfix "log_format loan_broker_private" http
      && lib.hasInfix "~^/api/shared/   /api/shared/-;" http
      && !(lib.hasInfix "$request " http || lib.hasInfix "$request_uri" http || lib.hasInfix "$args" http || lib.hasInfix "$http_referer" http);
    "firewall: closed by default (openFirewall = false)" =
      (eval [ (base { }) ]).networking.firewall.allowedTCPPorts == [ ];

    "secrets: path unit watches every secret file of the instance" =
      five.systemd.paths.loan-broker-secrets-friend1.pathConfig == {
        PathChanged = [
          "/run/agenix/loan-broker-friend1-jwt"
          "/run/agenix/loan-broker-friend1-admin-password"
          "/run/agenix/loan-broker-metrics-token"
        ];
        Unit = "loan-broker-secrets-friend1.service";
      }
      && five.systemd.paths.loan-broker-secrets-friend1.wantedBy == [ "paths.target" ];
    "secrets: the watcher restarts only on changed contents, restarts failed units" =
      let
        w = svc.loan-broker-secrets-friend1.serviceConfig.ExecStart.text;
        record = (lib.head f1service.ExecStartPost);
      in
      lib.hasInfix "systemctl restart --no-block \"$unit\"" w
      && lib.hasInfix "cat /run/loan-broker-secrets/friend1.sha256" w
      && lib.hasInfix "reset-failed" w
      && lib.hasInfix "sha256sum 2>/dev/null < /run/agenix/loan-broker-friend1-jwt" w
      && lib.hasPrefix "+" record
      && svc.loan-broker-secrets-friend1.serviceConfig.Type == "oneshot";
    "secrets: digest recorded as root right after each start" =
      f1service.ExecStartPost == [ "+/nix/store/00000000000000000000000000000000-loan-broker-friend1-record-secrets" ]
      && !(f1service ? ExecStartPre);
    "secrets: instance without secret files has no watcher" =
      let
        c = eval [ (base { }) ];
      in
      !(c.systemd.paths ? loan-broker-secrets-alice) && !(c.systemd.services ? loan-broker-secrets-alice)
      && c.systemd.services.loan-broker-alice.serviceConfig.ExecStartPost == [ ];
    "service: start limit, no restart loop on a missing credential (243)" =
      svc.loan-broker-friend1.startLimitBurst == 5
      && svc.loan-broker-friend1.startLimitIntervalSec == 600
      && f1service.RestartPreventExitStatus == "243";

    "backup: one randomized batch timer, at most 2 at a time" =
      let
        t = five.systemd.timers.loan-broker-backup;
        batch = svc.loan-broker-backup.serviceConfig.ExecStart.text;
      in
      t.timerConfig == {
        OnCalendar = "02:00";
        RandomizedDelaySec = "3h";
        Persistent = true;
      }
      && t.wantedBy == [ "timers.target" ]
      && lib.all (n: lib.hasInfix " restic-backups-loan-broker-${n}.service" batch) names
      && lib.hasInfix "xargs -r -P 2 -n 1 /nix/store/00000000000000000000000000000000-systemd/bin/systemctl start" batch
      && lib.all (n: five.services.restic.backups."loan-broker-${n}".timerConfig == null) names;
    "backup: weekly forget --prune and check per repository, batched" =
      let
        m = svc.loan-broker-maintenance-friend1.serviceConfig;
        batch = svc.loan-broker-maintenance.serviceConfig.ExecStart.text;
      in
      m.ExecStart == [
        "/nix/store/00000000000000000000000000000000-restic/bin/restic unlock"
        "/nix/store/00000000000000000000000000000000-restic/bin/restic forget --prune --retry-lock=2h --keep-daily 7"
        "/nix/store/00000000000000000000000000000000-restic/bin/restic check --retry-lock=2h "
      ]
      && m.EnvironmentFile == [ "/run/agenix/loan-broker-restic-s3-env" ]
      && svc.loan-broker-maintenance-friend1.environment == {
        RESTIC_CACHE_DIR = "/var/cache/restic-backups-loan-broker-friend1";
        RESTIC_PASSWORD_FILE = "/run/agenix/loan-broker-friend1-restic-password";
        RESTIC_REPOSITORY = "s3:https://s3.example.com/loan-broker-backups/friend1";
      }
      && five.systemd.timers.loan-broker-maintenance.timerConfig.OnCalendar == "Sun 06:00"
      && five.systemd.timers.loan-broker-maintenance.timerConfig.RandomizedDelaySec == "2h"
      && lib.hasInfix " loan-broker-maintenance-friend5.service" batch;
    "backup: own timer or manual-only leave the batch" =
      let
        c = eval [
          (base {
            instances.alice.backup = {
              enable = true;
              repository = "/srv/r/alice";
              passwordFile = "/run/pw";
              timerConfig = { OnCalendar = "01:00"; };
            };
            instances.bob.backup = {
              enable = true;
              repository = "/srv/r/bob";
              passwordFile = "/run/pw";
              automatic = false;
            };
          })
        ];
      in
      c.services.restic.backups.loan-broker-alice.timerConfig == { OnCalendar = "01:00"; }
      && c.services.restic.backups.loan-broker-bob.timerConfig == null
      && !(c.systemd.services ? loan-broker-backup)
      && !(c.systemd.timers ? loan-broker-backup)
      && c.systemd.timers ? loan-broker-maintenance;
    "backup: backups and maintenance run at background priority" =
      svc.restic-backups-loan-broker-friend1.serviceConfig == {
        Nice = 10;
        IOSchedulingClass = "idle";
        CPUWeight = 20;
      }
      && svc.loan-broker-maintenance-friend1.serviceConfig.IOSchedulingClass == "idle";
    "backup: staged plaintext snapshot removed after every run" =
      f1backup.backupCleanupCommand
      == "/nix/store/00000000000000000000000000000000-coreutils/bin/rm -f /var/backup/loan-broker/friend1/loan-broker.db /var/backup/loan-broker/friend1/loan-broker.db-wal /var/backup/loan-broker/friend1/loan-broker.db-shm";

    "limits: MemoryHigh/Max, CPUWeight, TasksMax per instance, one slice" =
      f1service.MemoryHigh == "512M"
      && f1service.MemoryMax == "1G"
      && f1service.CPUWeight == 100
      && f1service.TasksMax == 512
      && f1service.Slice == "loan-broker.slice"
      && five.systemd.slices ? loan-broker;
    "limits: overridable and removable" =
      let
        c = eval [ (base { instances.bob.resources = { memoryMax = null; cpuWeight = 50; }; }) ];
        sc = c.systemd.services.loan-broker-bob.serviceConfig;
      in
      !(sc ? MemoryMax) && sc.CPUWeight == 50 && sc.MemoryHigh == "512M";

    "bind_address: nginx and the monitor follow it (IPv6, wildcard)" =
      let
        c = eval [
          (base {
            instances.alice.settings.bind_address = "::1";
            instances.bob.settings.bind_address = "0.0.0.0";
            monitoring.enable = true;
          })
        ];
        m = c.systemd.services.loan-broker-monitor.serviceConfig.ExecStart.text;
      in
      c.services.nginx.virtualHosts."alice.example.test".locations."/".proxyPass == "http://[::1]:8081"
      && c.services.nginx.virtualHosts."bob.example.test".locations."/".proxyPass == "http://127.0.0.1:8082"
      && lib.hasInfix "alice=http://[::1]:8081,/var/lib/loan-broker/alice" m
      && lib.hasInfix "bob=http://127.0.0.1:8082" m;

    "hostName: missing host name is the module's assertion, not a type error" =
      let
        c = eval [ (base { domain = null; instances.bob.hostName = "bob.example.org"; }) ];
      in
      !(throws c.services.nginx.virtualHosts)
      && lib.attrNames c.services.nginx.virtualHosts == [ "bob.example.org" "loan-broker-refuse-unknown" ]
      && hasFailure c ''services.loan-broker.instances."alice".hostName is not set''
      && !(throws c.environment.systemPackages);

    "acme: wildcard DNS-01 certificate shared by the instances under the domain" =
      let
        c = eval [
          (base {
            acme.wildcard = {
              enable = true;
              dnsProvider = "alidns";
              environmentFile = "/run/agenix/dns-env";
            };
            instances.bob.hostName = "loans.other.test";
          })
        ];
        cert = c.security.acme.certs.loan-broker-wildcard;
        a = c.services.nginx.virtualHosts."alice.example.test";
        b = c.services.nginx.virtualHosts."loans.other.test";
      in
      cert.domain == "*.example.test"
      && cert.dnsProvider == "alidns"
      && cert.environmentFile == "/run/agenix/dns-env"
      && cert.reloadServices == [ "nginx.service" ]
      && a.useACMEHost == "loan-broker-wildcard"
      && !a.enableACME
      && b.enableACME
      && !(b ? useACMEHost)
      && failedAssertions c == [ ];
    "acme: per-friend certificates stay the default" =
      (eval [ (base { }) ]).security.acme.certs == { } && f1vhost.enableACME && !(f1vhost ? useACMEHost);
    "assert: wildcard without dnsProvider" =
      hasFailure (eval [ (base { acme.wildcard.enable = true; }) ]) "acme.wildcard.enable needs";

    "monitoring.viaNginx: host names resolve to loopback, loopback allowed past allowedIPs" =
      let
        c = eval [
          (base {
            monitoring = { enable = true; viaNginx = true; };
            instances.bob.allowedIPs = [ "192.0.2.7" ];
          })
        ];
        x = c.services.nginx.virtualHosts."bob.example.test".extraConfig;
      in
      c.networking.hosts."127.0.0.1" == [ "alice.example.test" "bob.example.test" ]
      && c.networking.hosts."::1" == [ "alice.example.test" "bob.example.test" ]
      && lib.hasInfix "allow 192.0.2.7;\nallow 127.0.0.1;\nallow ::1;\ndeny all;" x
      && lib.hasInfix "bob=https://bob.example.test," c.systemd.services.loan-broker-monitor.serviceConfig.ExecStart.text;

    "package: per instance (canary) for service, config check, backup, wrapper" =
      let
        canary = fakeDrv "loan-broker-0.2.0" // { pname = "loan-broker"; meta.mainProgram = "loan-broker"; };
        c = eval [
          (base {
            instances.bob = {
              package = canary;
              backup = { enable = true; repository = "/srv/r"; passwordFile = "/run/pw"; };
            };
          })
        ];
        bob = c.services.loan-broker.instances.bob;
        wrapper = lib.findFirst (p: p.name == "loan-broker-bob") null c.environment.systemPackages;
      in
      lib.hasPrefix "${canary}/bin/loan-broker " c.systemd.services.loan-broker-bob.serviceConfig.ExecStart
      && lib.hasPrefix "${fakePackage}/bin/loan-broker " c.systemd.services.loan-broker-alice.serviceConfig.ExecStart
      && bob.configFile.env.nativeBuildInputs == [ canary ]
      && lib.hasInfix "${canary}/bin/loan-broker --config ${bob.configFile} backup" c.services.restic.backups.loan-broker-bob.backupPrepareCommand
      && lib.hasInfix "-- ${canary}/bin/loan-broker --config ${bob.configFile} \"$@\"" wrapper.text;
    "package: defaults from the host's pkgs (overlay attribute, else callPackage)" =
      let
        withOverlay = evalDefaults (pkgs // { loan-broker = fakePackage; loan-broker-frontend = fakeFrontend; });
        plain = evalDefaults pkgs;
      in
      withOverlay.package == fakePackage
      && withOverlay.staticDir == fakeFrontend
      && baseNameOf (toString plain.package.path) == "package.nix"
      && baseNameOf (toString plain.staticDir.path) == "frontend.nix";

    "admin wrapper: loan-broker-<name> runs as the instance, in its sandbox, with its credentials" =
      let
        w = lib.findFirst (p: p.name == "loan-broker-friend1") null five.environment.systemPackages;
      in
      w != null
      && lib.hasInfix "systemd-run --quiet --wait --collect --pipe --service-type=exec" w.text
      && lib.hasInfix "-p 'User=loan-broker-friend1' " w.text
      && lib.hasInfix "-p 'LoadCredential=jwt_secret:/run/agenix/loan-broker-friend1-jwt' " w.text
      && lib.hasInfix "-p 'LoadCredential=initial_admin_password:/run/agenix/loan-broker-friend1-admin-password' " w.text
      && lib.hasInfix "-p 'StateDirectory=loan-broker/friend1' " w.text
      && lib.hasInfix "-p 'ProtectSystem=strict' " w.text
      && lib.hasInfix "-p 'NoNewPrivileges=yes' " w.text
      && lib.hasInfix "-p 'CapabilityBoundingSet=' " w.text
      && lib.hasInfix "-p 'SystemCallFilter=~@privileged' " w.text
      && lib.hasInfix "-p 'MemoryMax=1G' " w.text
      && lib.hasInfix "--config ${f1.configFile} \"$@\"" w.text
      && lib.hasInfix "run it as root" w.text
      && lib.length (lib.filter (p: lib.hasPrefix "loan-broker-friend" (p.name or "")) five.environment.systemPackages) == 5;

    "restore: one command, host tools only, check-db, explicit snapshot" =
      let
        r = lib.findFirst (p: p.name == "loan-broker-restore") null five.environment.systemPackages;
        script = builtins.readFile ../../nixos/restore.sh;
      in
      r != null
      && map (d: d.name) r.runtimeInputs == [ "restic" "coreutils" "util-linux" "curl" "systemd" ]
      && lib.hasInfix "friend1)\n" r.text
      && lib.hasInfix "export LB_STATE_DIR=/var/lib/loan-broker/friend1 LB_SNAPSHOT_DB=/var/backup/loan-broker/friend1/loan-broker.db" r.text
      && lib.hasInfix "export LB_HEALTH_URL=http://127.0.0.1:8081/health" r.text
      && lib.hasInfix "export RESTIC_REPOSITORY=s3:https://s3.example.com/loan-broker-backups/friend1\n" r.text
      && lib.hasInfix "\n. /run/agenix/loan-broker-restic-s3-env\n" r.text
      && lib.hasInfix "-restore.sh \"$@\"" r.text
      && lib.hasInfix "check-db --file" script
      && lib.hasInfix "\"$snapshot\" = latest" script
      && !(lib.hasInfix "sqlite3" script)
      && lib.hasInfix "die \"run it as root" script;
    "restore: not installed without backups" =
      !(lib.any (p: (p.name or "") == "loan-broker-restore") (eval [ (base { }) ]).environment.systemPackages);

    "assert: reserved instance names" =
      hasFailure (eval [ (base { instances.backup.port = 8090; }) ]) ''services.loan-broker.instances."backup": the names''
      && hasFailure (eval [ (base { instances.secrets-x.port = 8090; }) ]) ''services.loan-broker.instances."secrets-x": the names''
      && !(hasFailure (eval [ (base { }) ]) "the names");
    "assert: metrics token file in the Nix store" =
      hasFailure (eval [ (base { instances.bob.metricsTokenFile = "/nix/store/x-token"; }) ]) ''services.loan-broker.instances."bob".metricsTokenFile'';

    # ---- assertions ----
    "assert: duplicate port names the instance" =
      hasFailure (eval [ (base { instances.bob.port = 8081; }) ]) ''services.loan-broker.instances."bob".port = 8081 is also the port of instance(s) "alice"'';
    "assert: duplicate host name names the instance" =
      hasFailure (eval [ (base { instances.bob.hostName = "alice.example.test"; }) ]) ''services.loan-broker.instances."bob".hostName = "alice.example.test"'';
    "assert: secret in the Nix store" =
      hasFailure (eval [ (base { instances.bob.jwtSecretFile = "/nix/store/abc-jwt"; }) ]) ''services.loan-broker.instances."bob".jwtSecretFile'';
    "assert: backup password in the Nix store" =
      hasFailure (eval [
        (base {
          instances.bob.backup = {
            enable = true;
            repository = "/srv/restic";
            passwordFile = "/nix/store/abc-pw";
          };
        })
      ]) ''services.loan-broker.instances."bob".backup.passwordFile'';
    "assert: relative secret path" =
      hasFailure (eval [ (base { instances.bob.initialAdminPasswordFile = "secrets/pw"; }) ]) ''services.loan-broker.instances."bob".initialAdminPasswordFile'';
    "type: Nix path literal refused for a secret" =
      throws (eval [ (base { instances.bob.jwtSecretFile = ./eval.nix; }) ]).services.loan-broker.instances.bob.jwtSecretFile;
    "assert: backup without repository" =
      hasFailure (eval [ (base { instances.bob.backup = { enable = true; passwordFile = "/run/pw"; }; }) ]) ''services.loan-broker.instances."bob".backup.repository'';
    "assert: backup without password file" =
      hasFailure (eval [ (base { instances.bob.backup = { enable = true; repository = "/srv/r"; }; }) ]) ''services.loan-broker.instances."bob".backup.passwordFile'';
    "assert: bad instance name" =
      hasFailure (eval [ (base { instances."Bad_Name".port = 8083; }) ]) ''services.loan-broker.instances."Bad_Name"'';
    "assert: host name required without domain" =
      hasFailure (eval [ (base { domain = null; }) ]) ''services.loan-broker.instances."alice".hostName is not set'';
    "assert: webhook URL file in the Nix store" =
      hasFailure (eval [ (base { monitoring = { enable = true; webhookUrlFile = "/nix/store/x-url"; }; }) ]) "monitoring.webhookUrlFile";
    "type: bad colour refused" =
      throws (eval [ (base { instances.bob.primaryColor = "blue"; }) ]).services.loan-broker.instances.bob.primaryColor;
  };

  # A check that throws counts as failed; set `debug = true` to see the error instead.
  results = lib.mapAttrsToList (
    name: value:
    let
      r = builtins.tryEval (builtins.deepSeq value value);
    in
    {
      inherit name;
      ok = if debug then value else r.success && r.value == true;
      threw = !r.success;
    }
  ) checks;
in
{
  passed = map (r: r.name) (lib.filter (r: r.ok) results);
  failed = map (r: r.name + lib.optionalString r.threw " (evaluation error; rerun with --arg debug true)") (
    lib.filter (r: !r.ok) results
  );
}
