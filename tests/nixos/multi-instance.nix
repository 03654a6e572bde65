# Two instances behind nginx with certificates from nixpkgs' Pebble test CA, reached from a client
# over HTTPS: login with the initial password, create a customer, and one instance's token refused by
# the other. Also: HTTP→HTTPS redirect, HSTS, allowedIPs, secrets kept out of the unit, unknown Host
# and bare IP refused, /metrics refused publicly but served on loopback with the token, and a
# `systemd-analyze security` ceiling.
#
# Name resolution is by construction: the acme node runs nixpkgs' test resolver (it publishes every
# node's networking.extraHosts, acme.test included) and web and client use it as their nameserver;
# the script starts the CA and its resolver before the web node, so the boot-time orders cannot race
# Pebble.
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
    "loan-broker-test/metrics-token" = "metrics-token-for-tests-only-0123456789abcdef";
  };
  # systemd-analyze security: the instances' exposure must stay at or below this (unhardened: 9.6).
  exposureCeiling = "3.0";
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
      { nodes, config, pkgs, ... }:
      {
        imports = [
          self.nixosModules.default
          "${nixpkgs}/nixos/tests/common/acme/client"
        ];
        virtualisation.memorySize = 2048;
        networking.nameservers = [ nodes.acme.networking.primaryIPAddress ];
        # Published by the acme node's resolver for Pebble's HTTP-01 validation and the client.
        networking.extraHosts = ''
          ${config.networking.primaryIPAddress} alice.example.test bob.example.test
        '';
        services.loan-broker.openFirewall = true;
        environment.systemPackages = [ pkgs.curl ];

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
            metricsTokenFile = "/etc/loan-broker-test/metrics-token";
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
        networking.nameservers = [ nodes.acme.networking.primaryIPAddress ];
        environment.systemPackages = [ pkgs.curl ];
      };
  };

  testScript =
    { nodes, ... }:
    helpers
    + ''
      alice = "https://alice.example.test"
      bob = "https://bob.example.test"
      tls = "--cacert /tmp/pebble-ca.pem"

      # The CA and its resolver first: the web node orders its certificates at boot.
      acme.start()
      acme.wait_for_unit("pebble.service")
      acme.wait_for_open_port(443)
      acme.wait_for_open_port(53)
      web.start()
      client.start()

      with subtest("names resolve through the acme node's resolver"):
          client.wait_until_succeeds("getent hosts acme.test")
          client.wait_until_succeeds("getent hosts alice.example.test")
          web.wait_until_succeeds("getent hosts acme.test")

      with subtest("services start with their own users and state directories"):
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

      with subtest("unknown Host and the bare IP are refused"):
          ip = "${nodes.web.networking.primaryIPAddress}"
          # return 444: nginx closes the connection without an answer (curl exit 52)
          rc = client.execute(f"curl -sS -o /dev/null -H 'Host: unknown.example.test' http://{ip}/")[0]
          assert rc == 52, f"unknown Host over HTTP: curl exit {rc}, expected 52 (empty reply)"
          rc = client.execute(f"curl -sS -o /dev/null http://{ip}/")[0]
          assert rc == 52, f"bare IP over HTTP: curl exit {rc}, expected 52"
          # rejectSSL: no certificate (no friend's name) for an unknown SNI or none (curl exit 35)
          rc = client.execute(f"curl -sSk -o /dev/null --resolve unknown.example.test:443:{ip} https://unknown.example.test/")[0]
          assert rc == 35, f"unknown SNI: curl exit {rc}, expected 35 (handshake rejected)"
          rc = client.execute(f"curl -sSk -o /dev/null https://{ip}/")[0]
          assert rc == 35, f"bare IP over HTTPS: curl exit {rc}, expected 35"

      with subtest("/metrics: never through nginx, with the token on loopback"):
          token = "${testSecrets."loan-broker-test/metrics-token"}"
          for base in [alice, bob]:
              code = client.succeed(f"curl -sS {tls} -o /dev/null -w '%{{http_code}}' -H 'Authorization: Bearer {token}' {base}/metrics").strip()
              assert code == "404", f"{base}/metrics through nginx: {code}, expected 404"
          code = web.succeed("curl -sS -o /dev/null -w '%{http_code}' http://127.0.0.1:8081/metrics").strip()
          assert code == "401", f"loopback /metrics without the token: {code}, expected 401"
          web.succeed(f"curl -fsS -H 'Authorization: Bearer {token}' http://127.0.0.1:8081/metrics | grep -q '^# TYPE'")
          code = web.succeed("curl -sS -o /dev/null -w '%{http_code}' http://127.0.0.1:8082/metrics").strip()
          assert code == "404", f"bob has no metricsTokenFile: {code}, expected 404"

      with subtest("systemd hardening: exposure at or below ${exposureCeiling}"):
          for name in ["alice", "bob"]:
              out = web.succeed(f"systemd-analyze security --no-pager loan-broker-{name}.service")
              print(out)
              level = float(out.strip().splitlines()[-1].split(":")[1].split()[0])
              assert level <= ${exposureCeiling}, f"loan-broker-{name}: exposure {level} > ${exposureCeiling}"
    '';
}
