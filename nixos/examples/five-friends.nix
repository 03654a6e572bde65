# Example host: the seed's five friends (friend1 … friend5) on one NixOS server.
#
# Copy this file into your host configuration (e.g. hosts/loans/loan-broker.nix) and import it next
# to the two modules it needs, in your flake:
#
#   inputs.loan-broker.url = "git+https://<your git host>/loan-broker";   # this repository
#   inputs.agenix.url = "github:ryantm/agenix";
#   nixosConfigurations.loans = nixpkgs.lib.nixosSystem {
#     system = "x86_64-linux";
#     modules = [
#       inputs.loan-broker.nixosModules.default
#       inputs.agenix.nixosModules.default
#       ./hosts/loans/configuration.nix
#       ./hosts/loans/loan-broker.nix      # this file
#     ];
#   };
#
# Then edit the marked lines (domain, e-mail, backup bucket), create the secrets as described in
# secrets/README.md, and `nixos-rebuild switch`. Adding a sixth friend is one more line in `friends`
# plus its three secrets. This file is also evaluated and built as a real NixOS system by this
# flake's `nix flake check` (check `example-host`, nixosConfigurations.example).
{ lib, ... }:

let
  # EDIT: the domain whose subdomains point at this server (friend1.example.com, …).
  domain = "example.com";

  # EDIT: where the encrypted *.age files live, relative to this file.
  secretsDir = ../../secrets;

  # EDIT: one restic repository per friend, e.g. in an S3-compatible bucket.
  backupRepository = name: "s3:https://s3.example.com/loan-broker-backups/${name}";

  # The five friends: port and branding. The attribute name is the instance name and subdomain.
  friends = {
    friend1 = {
      port = 8081;
      brandName = "鑫融财务顾问";
      primaryColor = "#1677ff";
    };
    friend2 = {
      port = 8082;
      brandName = "恒信企业服务";
      primaryColor = "#fa541c";
    };
    friend3 = {
      port = 8083;
      brandName = "诚达融资咨询";
      primaryColor = "#13c2c2";
    };
    friend4 = {
      port = 8084;
      brandName = "安盈金融服务";
      primaryColor = "#722ed1";
    };
    friend5 = {
      port = 8085;
      brandName = "汇通助贷";
      primaryColor = "#52c41a";
    };
  };

  # agenix decrypts each secret at activation to /run/agenix/<name> (root-only, mode 0400); the
  # services read them through systemd credentials, so no owner changes are needed — except the
  # metrics token, which Prometheus (user prometheus) reads itself.
  secretNames = name: [
    "loan-broker-${name}-jwt"
    "loan-broker-${name}-admin-password"
    "loan-broker-${name}-restic-password"
  ];
  secret = "/run/agenix";
in
{
  age.secrets =
    lib.genAttrs
      (
        lib.concatMap secretNames (lib.attrNames friends)
        ++ [
          "loan-broker-restic-s3-env"
          "loan-broker-alert-webhook"
        ]
      )
      (name: {
        file = secretsDir + "/${name}.age";
      })
    // {
      loan-broker-metrics-token = {
        file = secretsDir + "/loan-broker-metrics-token.age";
        owner = "prometheus";
      };
    };

  # Let's Encrypt (production). EDIT: your e-mail for expiry notices.
  security.acme = {
    acceptTerms = true;
    defaults.email = "ops@example.com";
  };

  services.loan-broker = {
    enable = true;
    inherit domain;
    openFirewall = true; # ports 80 and 443 (the module's default is closed)

    # One certificate *.example.com via DNS-01 instead of one per friend (EDIT: your DNS provider and
    # its credentials as a lego environment file), e.g.:
    # acme.wildcard = {
    #   enable = true;
    #   dnsProvider = "alidns";
    #   environmentFile = "${secret}/loan-broker-dns-env";
    # };

    instances = lib.mapAttrs (name: friend: {
      inherit (friend) port brandName primaryColor;
      # hostName defaults to "${name}.${domain}".
      jwtSecretFile = "${secret}/loan-broker-${name}-jwt";
      initialAdminPasswordFile = "${secret}/loan-broker-${name}-admin-password";
      metricsTokenFile = "${secret}/loan-broker-metrics-token";
      maxUploadSize = 20;
      backup = {
        enable = true;
        repository = backupRepository name;
        passwordFile = "${secret}/loan-broker-${name}-restic-password";
        environmentFile = "${secret}/loan-broker-restic-s3-env";
        # Defaults: in the nightly batch (02:00 + up to 3 h, at most 2 at a time); weekly
        # `forget --prune --keep-daily 7` and `restic check`.
      };
    }) friends;

    monitoring = {
      enable = true;
      interval = "5min";
      webhookUrlFile = "${secret}/loan-broker-alert-webhook";
      webhookFormat = "wecom"; # 企业微信群机器人; or "dingtalk", "feishu", "generic"
    };
  };

  # The operator's Prometheus scrapes each instance on loopback with the bearer token; nginx never
  # serves /metrics publicly.
  services.prometheus = {
    enable = true;
    listenAddress = "127.0.0.1";
    scrapeConfigs = [
      {
        job_name = "loan-broker";
        authorization.credentials_file = "${secret}/loan-broker-metrics-token";
        static_configs = lib.mapAttrsToList (name: friend: {
          targets = [ "127.0.0.1:${toString friend.port}" ];
          labels.instance_name = name;
        }) friends;
      }
    ];
  };
}
