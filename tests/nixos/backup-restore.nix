# restic backup → wipe → restore (the procedure of docs/operator.md) → data back; the snapshot runs as
# the instance user (no root-owned files appear); an instance without secret files generates its own;
# the monitor alerts (through `command`) when an instance is down. One machine, no nginx.
{
  nixpkgs,
  self,
  helpers,
}:

let
  # For testing only: throwaway secrets, inline on purpose.
  alicePassword = "alice-initial-Passw0rd";
in
{
  name = "loan-broker-backup-restore";

  nodes.machine =
    { pkgs, ... }:
    {
      imports = [ self.nixosModules.default ];
      virtualisation.memorySize = 2048;
      environment.systemPackages = [
        pkgs.curl
        pkgs.sqlite
      ];

      environment.etc = {
        "loan-broker-test/alice-jwt" = {
          text = "alice-jwt-secret-for-tests-only-0123456789abcdef";
          mode = "0400";
        };
        "loan-broker-test/alice-admin" = {
          text = alicePassword;
          mode = "0400";
        };
        "loan-broker-test/restic-password" = {
          text = "restic-password-for-tests-only";
          mode = "0400";
        };
      };

      services.loan-broker = {
        enable = true;
        configureNginx = false;
        instances.alice = {
          port = 8081;
          jwtSecretFile = "/etc/loan-broker-test/alice-jwt";
          initialAdminPasswordFile = "/etc/loan-broker-test/alice-admin";
          backup = {
            enable = true;
            repository = "/var/lib/restic-test/alice";
            passwordFile = "/etc/loan-broker-test/restic-password";
            timerConfig = null; # started by the test
          };
        };
        # No secret files: the service generates the JWT secret and the initial admin password itself.
        instances.bob.port = 8082;
        monitoring = {
          enable = true;
          command = "logger -t loan-broker-alert \"$LOAN_BROKER_ALERT\"";
        };
      };
    };

  testScript = helpers + ''
    base = "http://127.0.0.1:8081"
    state = "/var/lib/loan-broker/alice"
    stage = "/var/backup/loan-broker/alice"


    def restart_alice():
        machine.succeed("systemctl start loan-broker-alice.service")
        machine.wait_for_unit("loan-broker-alice.service")
        machine.wait_for_open_port(8081)
        machine.wait_until_succeeds(f"curl -fsS {base}/health")


    start_all()
    machine.wait_for_unit("loan-broker-alice.service")
    machine.wait_for_open_port(8081)
    machine.wait_for_unit("loan-broker-bob.service")
    machine.wait_for_open_port(8082)

    with subtest("an instance without secret files generates its own"):
        machine.succeed("test \"$(stat -c %U:%a /var/lib/loan-broker/bob/initial-admin-password)\" = loan-broker-bob:600")
        bob_password = machine.succeed("cat /var/lib/loan-broker/bob/initial-admin-password").strip()
        login(machine, "http://127.0.0.1:8082", bob_password)

    with subtest("data to back up"):
        token = login(machine, base, "${alicePassword}")
        create_customer(machine, base, token, "BackupCustomerCo")
        assert customer_count(machine, base, token, "BackupCustomerCo") == 1

    with subtest("restic backup while serving, as the instance user"):
        machine.succeed("systemctl start restic-backups-loan-broker-alice.service")
        machine.succeed("restic-loan-broker-alice ls latest | grep -q '/loan-broker.db$'")
        machine.succeed(f"test \"$(stat -c %U:%a {stage})\" = loan-broker-alice:700")
        # Nothing under the state or staging directory may belong to root (e.g. -wal/-shm files).
        machine.succeed(f"test -z \"$(find {state} {stage} ! -user loan-broker-alice)\"")
        machine.succeed(f"sqlite3 {stage}/loan-broker.db 'PRAGMA integrity_check' | grep -qx ok")
        # A second run replaces the staged snapshot (and runs forget --prune and check again).
        machine.succeed("systemctl start restic-backups-loan-broker-alice.service")
        print(machine.succeed("restic-loan-broker-alice snapshots"))

    with subtest("wipe"):
        machine.succeed("systemctl stop loan-broker-alice.service")
        machine.succeed(f"find {state} -mindepth 1 -delete")
        restart_alice()
        token = login(machine, base, "${alicePassword}")
        assert customer_count(machine, base, token, "BackupCustomerCo") == 0

    with subtest("restore, step by step as in docs/operator.md"):
        machine.succeed("systemctl stop loan-broker-alice.service")
        machine.succeed("restic-loan-broker-alice restore latest --target /root/restore")
        machine.succeed(f"rm -f {state}/loan-broker.db {state}/loan-broker.db-wal {state}/loan-broker.db-shm")
        machine.succeed(f"cp /root/restore{stage}/loan-broker.db {state}/loan-broker.db")
        machine.succeed(f"rm -rf {state}/uploads && cp -a /root/restore{state}/uploads {state}/uploads")
        machine.succeed(f"chown -R loan-broker-alice:loan-broker-alice {state}")
        machine.succeed(f"chmod 0600 {state}/loan-broker.db")
        restart_alice()
        token = login(machine, base, "${alicePassword}")
        assert customer_count(machine, base, token, "BackupCustomerCo") == 1

    with subtest("monitoring alerts when an instance is down"):
        machine.succeed("systemctl start loan-broker-monitor.service")
        machine.succeed("systemctl stop loan-broker-bob.service")
        machine.fail("systemctl start loan-broker-monitor.service")
        machine.wait_until_succeeds("journalctl -t loan-broker-alert | grep -q bob")
        machine.succeed("systemctl start loan-broker-bob.service")

    with subtest("systemd hardening (logged)"):
        print(machine.succeed("systemd-analyze security --no-pager loan-broker-alice.service"))
        print(machine.succeed("systemd-analyze security --no-pager loan-broker-monitor.service"))
  '';
}
