# Two instances behind nginx with certificates from nixpkgs' Pebble test CA, reached from a client
# over HTTPS: login with the initial password, create a customer, and one instance's token refused by
# the other. Also: HTTP→HTTPS redirect, HSTS, allowedIPs, secrets kept out of the unit, and
# `systemd-analyze security` logged.
{
  nixpkgs,
  self,
  helpers,
}:

let
  # For testing only: throwaway secrets, inline on purpose.
  testSecrets = {
    "loan-broker-test/alice-jwt" = "alice-jwt-secret-for-tests-only-0123456789abcdef";
    "loan-broker-test/alice-admin" = "alice-initial-Passw0rd";
    "loan-broker-test/bob-jwt" = "bob-jwt-secret-for-tests-only-0123456789abcdef01";
    "loan-broker-test/bob-admin" = "bob-initial-Passw0rd";
  };
in
{
  name = "loan-broker-multi-instance";

  nodes = {
    # nixpkgs' Pebble ACME server; must be called `acme` (common/acme/client refers to nodes.acme).
    acme =
      { nodes, ... }:
      {
        imports = [ "${nixpkgs}/nixos/tests/common/acme/server" ];
        networking.extraHosts = ''
          ${nodes.web.networking.primaryIPAddress} alice.example.test bob.example.test
        '';
      };

    web =
      { nodes, ... }:
      {
        imports = [
          self.nixosModules.default
          "${nixpkgs}/nixos/tests/common/acme/client"
        ];
        virtualisation.memorySize = 2048;

        environment.etc = builtins.mapAttrs (_: text: {
          inherit text;
          mode = "0400";
        }) testSecrets;

        services.loan-broker = {
          enable = true;
          domain = "example.test";
          instances.alice = {
            port = 8081;
            brandName = "Alice 融资顾问";
            primaryColor = "#1677ff";
            jwtSecretFile = "/etc/loan-broker-test/alice-jwt";
            initialAdminPasswordFile = "/etc/loan-broker-test/alice-admin";
          };
          instances.bob = {
            port = 8082;
            brandName = "Bob 财务";
            jwtSecretFile = "/etc/loan-broker-test/bob-jwt";
            initialAdminPasswordFile = "/etc/loan-broker-test/bob-admin";
            # Only the client may reach bob; the acme node gets 403 (its HTTP-01 challenges still pass).
            allowedIPs = [ nodes.client.networking.primaryIPAddress ];
          };
        };
      };

    client =
      { nodes, pkgs, ... }:
      {
        # Trusts the CA that signs Pebble's own API certificate (acme.test:15000).
        security.pki.certificateFiles = [ nodes.acme.test-support.acme.caCert ];
        networking.extraHosts = ''
          ${nodes.web.networking.primaryIPAddress} alice.example.test bob.example.test
        '';
        environment.systemPackages = [ pkgs.curl ];
      };
  };

  testScript =
    helpers
    + ''
      alice = "https://alice.example.test"
      bob = "https://bob.example.test"
      tls = "--cacert /tmp/pebble-ca.pem"

      start_all()

      with subtest("services start with their own users and state directories"):
          acme.wait_for_unit("pebble.service")
          for name, port in [("alice", 8081), ("bob", 8082)]:
              web.wait_for_unit(f"loan-broker-{name}.service")
              web.wait_for_open_port(port)
              web.succeed(f"curl -fsS http://127.0.0.1:{port}/health | grep -q '\"ok\"'")
              web.succeed(f"test \"$(stat -c %U:%a /var/lib/loan-broker/{name})\" = loan-broker-{name}:700")
          web.wait_for_unit("nginx.service")

      with subtest("secrets are credentials, not part of the unit or its config"):
          web.fail("systemctl cat loan-broker-alice.service | grep -q alice-jwt-secret-for-tests")
          web.succeed("systemctl cat loan-broker-alice.service | grep -q 'LoadCredential=jwt_secret:/etc/loan-broker-test/alice-jwt'")

      with subtest("certificates issued by the Pebble test CA"):
          # Pebble makes a new issuing root at each start; fetch it from the management API.
          client.wait_until_succeeds("curl -fsS https://acme.test:15000/roots/0 > /tmp/pebble-ca.pem")
          client.succeed("curl -fsS https://acme.test:15000/intermediates/0 >> /tmp/pebble-ca.pem")
          for base in [alice, bob]:
              client.wait_until_succeeds(f"curl -fsS {tls} {base}/health | grep -q '\"ok\"'", timeout=300)

      with subtest("plain HTTP redirects, HTTPS sends HSTS"):
          code = client.succeed("curl -sS -o /dev/null -w '%{http_code}' http://alice.example.test/health").strip()
          assert code == "301", f"expected a redirect, got {code}"
          client.succeed(f"curl -fsSI {tls} {alice}/health | grep -qi '^strict-transport-security:'")

      with subtest("login with the initial password and create a customer"):
          alice_token = login(client, alice, "${testSecrets."loan-broker-test/alice-admin"}", tls)
          bob_token = login(client, bob, "${testSecrets."loan-broker-test/bob-admin"}", tls)
          create_customer(client, alice, alice_token, "AliceCustomerCo", tls)
          assert customer_count(client, alice, alice_token, "AliceCustomerCo", tls) == 1
          assert customer_count(client, bob, bob_token, "AliceCustomerCo", tls) == 0

      with subtest("one instance's token is refused by the other"):
          api(client, "GET", f"{bob}/api/customers", token=alice_token, curl_opts=tls, expect=[401])
          api(client, "GET", f"{alice}/api/customers", token=bob_token, curl_opts=tls, expect=[401])

      with subtest("allowedIPs: bob is closed to other addresses"):
          code = acme.succeed("curl -sSk -o /dev/null -w '%{http_code}' https://bob.example.test/health").strip()
          assert code == "403", f"expected 403 from bob for the acme node, got {code}"
          code = acme.succeed("curl -sSk -o /dev/null -w '%{http_code}' https://alice.example.test/health").strip()
          assert code == "200", f"alice has no allowedIPs, got {code}"

      with subtest("systemd hardening (logged)"):
          for name in ["alice", "bob"]:
              print(web.succeed(f"systemd-analyze security --no-pager loan-broker-{name}.service"))
    '';
}
