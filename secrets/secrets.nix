# agenix recipients: which public keys can decrypt which secret.
# Used by the `agenix` CLI only (`cd secrets && agenix -e loan-broker-friend1-jwt.age`); it is never
# imported into a NixOS configuration. See README.md in this directory.
#
# No real secret is committed in this repository: the *.age files are created by the operator.
let
  # ---- REPLACE THESE PLACEHOLDERS ------------------------------------------------------------
  # The operator's own SSH public key(s): `cat ~/.ssh/id_ed25519.pub`.
  operators = [
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIREPLACE-WITH-OPERATOR-PUBLIC-KEY operator@laptop"
  ];
  # The server's SSH host key: `ssh-keyscan -t ed25519 <server>` or
  # `cat /etc/ssh/ssh_host_ed25519_key.pub` on the server. agenix decrypts with it at boot.
  servers = [
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIREPLACE-WITH-SERVER-HOST-KEY root@loans"
  ];
  # The friends hosted on the server (instance names, as in services.loan-broker.instances).
  friends = [
    "friend1"
    "friend2"
    "friend3"
    "friend4"
    "friend5"
  ];
  # --------------------------------------------------------------------------------------------

  everyone = operators ++ servers;
  secret = name: {
    name = "${name}.age";
    value.publicKeys = everyone;
  };
  perFriend = friend: [
    (secret "loan-broker-${friend}-jwt")
    (secret "loan-broker-${friend}-admin-password")
    (secret "loan-broker-${friend}-restic-password")
  ];
in
builtins.listToAttrs (
  builtins.concatMap perFriend friends
  ++ [
    # Shared by all friends' backups: S3 credentials as an EnvironmentFile.
    (secret "loan-broker-restic-s3-env")
    # Chat-robot webhook URL for alerts.
    (secret "loan-broker-alert-webhook")
    # Bearer token for /metrics (all instances + Prometheus on the host; age.secrets owner "prometheus").
    (secret "loan-broker-metrics-token")
    # Only with services.loan-broker.acme.wildcard: the DNS provider's credentials for lego (DNS-01).
    (secret "loan-broker-dns-env")
  ]
)
