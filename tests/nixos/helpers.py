# Shared by the VM test scripts (prepended to each testScript).
import json
import shlex
import urllib.parse


def api(node, method, url, body=None, token=None, curl_opts="", expect=None):
    """Calls the loan-broker API with curl on `node`; returns (HTTP status, parsed JSON or text)."""
    cmd = ["curl", "-sS", "-o", "/tmp/api-body", "-w", "%{http_code}", "-X", method]
    if body is not None:
        cmd += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(body)]
    if token is not None:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    line = " ".join(shlex.quote(c) for c in cmd) + f" {curl_opts} {shlex.quote(url)}"
    status = int(node.succeed(line).strip())
    text = node.succeed("cat /tmp/api-body")
    try:
        data = json.loads(text)
    except ValueError:
        data = text
    if expect is not None:
        assert status in expect, f"{method} {url}: expected {expect}, got {status}: {text}"
    return status, data


def login(node, base, password, curl_opts=""):
    """Logs in as admin with the initial password (or the one this helper changed it to)."""
    changed = password + "-changed"
    data = None
    used = None
    for candidate in [password, changed]:
        status, data = api(
            node,
            "POST",
            f"{base}/api/auth/login",
            {"username": "admin", "password": candidate},
            curl_opts=curl_opts,
        )
        if status == 200:
            used = candidate
            break
    assert used is not None, f"login at {base} failed: {data}"
    token = data["access_token"]
    if data.get("must_change_password"):
        api(
            node,
            "POST",
            f"{base}/api/auth/change-password",
            {"current_password": used, "new_password": changed},
            token=token,
            curl_opts=curl_opts,
            expect=range(200, 300),
        )
        _, data = api(
            node,
            "POST",
            f"{base}/api/auth/login",
            {"username": "admin", "password": changed},
            curl_opts=curl_opts,
            expect=[200],
        )
        token = data["access_token"]
    return token


def create_customer(node, base, token, name, curl_opts=""):
    _, data = api(
        node,
        "POST",
        f"{base}/api/customers",
        {"name": name},
        token=token,
        curl_opts=curl_opts,
        expect=[200, 201],
    )
    return data


def customer_count(node, base, token, name, curl_opts=""):
    _, data = api(
        node,
        "GET",
        f"{base}/api/customers?q={urllib.parse.quote(name)}",
        token=token,
        curl_opts=curl_opts,
        expect=[200],
    )
    return data["total"]
