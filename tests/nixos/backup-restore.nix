# Backups through the batch unit, weekly prune/check, staged copy removed → wipe → the one-command
# restore `loan-broker-restore` (no sqlite3 or other extra tool on the host: only what the module
# installs) → data back. Also: secret rotation restarts the instance (and only a real change does),
# a missing credential stops the unit at once and the path unit starts it when the file appears,
# the admin wrapper `loan-broker-<name>` uses the instance's credentials on a wiped state dir, an
# instance without secret files generates its own, the monitor alerts, and a `systemd-analyze
# security` ceiling. One machine, no nginx.
{
  nixpkgs,
  self,
  helpers,
}:

let
  # For testing only: throwaway secrets, inline on purpose.
  alicePassword = "alice-initial-Passw0rd";
  exposureCeiling = "3.0";
in
{
  name = "loan-broker-backup-restore";

  nodes.machine =
    { pkgs, ... }:
    {
      imports = [ self.nixosModules.default ];
      virtualisation.memorySize = 2048;
      # curl drives the API from the test script; the restore itself needs nothing extra.
      environment.systemPackages = [ pkgs.curl ];

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
        # carol-jwt is created by the test script (a credential that is missing at boot).
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
          };
        };
        # No secret files: the service generates the JWT secret and the initial admin password itself.
        instances.bob.port = 8082;
        instances.carol = {
          port = 8083;
          jwtSecretFile = "/etc/loan-broker-test/carol-jwt";
        };
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


    def wait_healthy(port):
        machine.wait_for_open_port(port)
        machine.wait_until_succeeds(f"curl -fsS http://127.0.0.1:{port}/health")


    def main_pid(name):
        return machine.succeed(f"systemctl show -p MainPID --value loan-broker-{name}.service").strip()


    start_all()
    machine.wait_for_unit("loan-broker-alice.service")
    wait_healthy(8081)
    machine.wait_for_unit("loan-broker-bob.service")
    wait_healthy(8082)

    with subtest("an instance without secret files generates its own"):
        machine.succeed("test \"$(stat -c %U:%a /var/lib/loan-broker/bob/initial-admin-password)\" = loan-broker-bob:600")
        bob_password = machine.succeed("cat /var/lib/loan-broker/bob/initial-admin-password").strip()
        login(machine, "http://127.0.0.1:8082", bob_password)

    with subtest("a missing credential fails the unit at once; the file appearing starts it"):
        machine.wait_until_succeeds("systemctl is-failed loan-broker-carol.service")
        restarts = int(machine.succeed("systemctl show -p NRestarts --value loan-broker-carol.service"))
        assert restarts <= 5, f"carol was restarted {restarts} times with its credential missing"
        # No restart loop: still failed, no further restarts after more than two RestartSec (5 s).
        machine.sleep(11)
        machine.succeed("systemctl is-failed loan-broker-carol.service")
        later = int(machine.succeed("systemctl show -p NRestarts --value loan-broker-carol.service"))
        assert later == restarts, f"carol kept restarting: {restarts} -> {later}"
        # Written elsewhere and renamed into place, as agenix and sops-nix do (atomic).
        machine.succeed("(umask 077; printf %s carol-jwt-secret-for-tests-only-0123456789abcdef > /etc/loan-broker-test/.carol-jwt.new)")
        machine.succeed("mv /etc/loan-broker-test/.carol-jwt.new /etc/loan-broker-test/carol-jwt")
        machine.wait_for_unit("loan-broker-carol.service")
        wait_healthy(8083)

    with subtest("data to back up"):
        token = login(machine, base, "${alicePassword}")
        create_customer(machine, base, token, "BackupCustomerCo")
        assert customer_count(machine, base, token, "BackupCustomerCo") == 1

    with subtest("secret rotation restarts the instance; an unchanged touch does not"):
        pid = main_pid("alice")
        machine.succeed("touch /etc/loan-broker-test/alice-jwt")
        machine.wait_until_succeeds("journalctl -u loan-broker-secrets-alice.service | grep -q 'contents unchanged'")
        assert main_pid("alice") == pid, "alice restarted although its secrets did not change"
        machine.succeed("printf %s alice-ROTATED-jwt-secret-for-tests-only-0123456789 > /etc/loan-broker-test/alice-jwt")
        machine.wait_until_succeeds(f"test \"$(systemctl show -p MainPID --value loan-broker-alice.service)\" != {pid}")
        wait_healthy(8081)
        # tokens signed with the old secret are refused; a new login works
        api(machine, "GET", f"{base}/api/customers", token=token, expect=[401])
        token = login(machine, base, "${alicePassword}")

    with subtest("backup through the batch unit, as the instance user; staged copy removed"):
        machine.succeed("systemctl start loan-broker-backup.service")
        machine.succeed("restic-loan-broker-alice ls latest | grep -q '/loan-broker.db$'")
        machine.succeed(f"test \"$(stat -c %U:%a {stage})\" = loan-broker-alice:700")
        machine.succeed(f"test -z \"$(ls -A {stage})\"")
        # Nothing under the state or staging directory may belong to root (e.g. -wal/-shm files).
        machine.succeed(f"test -z \"$(find {state} {stage} ! -user loan-broker-alice)\"")
        machine.succeed("systemctl start loan-broker-backup.service")
        print(machine.succeed("restic-loan-broker-alice snapshots"))

    with subtest("weekly prune and check"):
        machine.succeed("systemctl start loan-broker-maintenance.service")
        machine.succeed("journalctl -u loan-broker-maintenance-alice.service | grep -q 'no errors were found'")

    snapshots = json.loads(machine.succeed("restic-loan-broker-alice snapshots --json"))
    good = snapshots[-1]["short_id"]

    with subtest("the admin wrapper uses the instance's credentials on a wiped state dir"):
        machine.fail("setpriv --reuid=nobody --regid=nogroup --clear-groups -- loan-broker-alice migrate")
        machine.succeed("systemctl stop loan-broker-alice.service")
        machine.succeed(f"find {state} -mindepth 1 -delete")
        machine.succeed("loan-broker-alice migrate")
        machine.succeed(f"test ! -e {state}/initial-admin-password")
        machine.succeed(f"test -z \"$(find {state} ! -user loan-broker-alice)\"")
        machine.succeed("systemctl start loan-broker-alice.service")
        wait_healthy(8081)
        token = login(machine, base, "${alicePassword}")
        assert customer_count(machine, base, token, "BackupCustomerCo") == 0

    with subtest("restore with one command (explicit snapshot; 'latest' refused)"):
        rc = machine.execute("loan-broker-restore alice latest")[0]
        assert rc == 2, f"'latest' must be refused with exit 2, got {rc}"
        rc = machine.execute("setpriv --reuid=nobody --regid=nogroup --clear-groups -- loan-broker-restore alice " + good)[0]
        assert rc != 0, "loan-broker-restore ran without root"
        print(machine.succeed(f"loan-broker-restore alice {good}"))
        wait_healthy(8081)
        token = login(machine, base, "${alicePassword}")
        assert customer_count(machine, base, token, "BackupCustomerCo") == 1
        machine.succeed(f"test \"$(stat -c %U:%a {state}/loan-broker.db)\" = loan-broker-alice:600")
        machine.succeed("ls -d /var/lib/loan-broker/alice.before-restore-*")
        machine.succeed("test -z \"$(ls -d /var/lib/loan-broker/.restore-* 2>/dev/null)\"")

    with subtest("monitoring alerts when an instance is down"):
        machine.succeed("systemctl start loan-broker-monitor.service")
        machine.succeed("systemctl stop loan-broker-bob.service")
        machine.fail("systemctl start loan-broker-monitor.service")
        machine.wait_until_succeeds("journalctl -t loan-broker-alert | grep -q bob")
        machine.succeed("systemctl start loan-broker-bob.service")

    with subtest("systemd hardening: exposure at or below ${exposureCeiling}"):
        for unit in ["loan-broker-alice", "loan-broker-monitor"]:
            out = machine.succeed(f"systemd-analyze security --no-pager {unit}.service")
            print(out)
            level = float(out.strip().splitlines()[-1].split(":")[1].split()[0])
            assert level <= ${exposureCeiling}, f"{unit}: exposure {level} > ${exposureCeiling}"
  '';
}
