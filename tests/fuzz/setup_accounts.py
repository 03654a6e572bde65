"""Prepares the accounts the fuzzer uses, on a fresh instance, with the standard library only.

Prints shell assignments (eval'd by run.sh):
  ADMIN_TOKEN    the admin (user 1) after the forced first password change: every operation but one
  VICTIM_TOKEN   a second (staff) account: changePassword is fuzzed with this token, because a
                 successful change revokes the caller's tokens
  TARGET_USER_ID a third account: updateUser is pinned to it, so the fuzzer never disables,
                 demotes or resets the password of the admin it is running as
"""

import json
import sys
import urllib.error
import urllib.request

base, state_dir = sys.argv[1], sys.argv[2]


def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(req, data, timeout=30) as resp:
            return json.load(resp)
    except urllib.error.HTTPError as e:
        sys.exit(f"setup: {method} {path} -> {e.code}: {e.read().decode(errors='replace')}")


def first_login(username, initial, new):
    token = call("POST", "/api/auth/login", {"username": username, "password": initial})["access_token"]
    changed = call(
        "POST",
        "/api/auth/change-password",
        {"current_password": initial, "new_password": new},
        token,
    )
    return changed["access_token"]


with open(f"{state_dir}/initial-admin-password", encoding="utf-8") as f:
    initial = f.read().strip()
admin = first_login("admin", initial, "Fuzz-Admin-Passw0rd")

for name in ("fuzz-victim", "fuzz-target", "fuzz-leaver"):
    call(
        "POST",
        "/api/users",
        {"username": name, "display_name": name, "role": "staff", "password": "Fuzz-initial-1"},
        admin,
    )
victim = first_login("fuzz-victim", "Fuzz-initial-1", "Fuzz-Victim-Passw0rd")
leaver = first_login("fuzz-leaver", "Fuzz-initial-1", "Fuzz-Leaver-Passw0rd")
target = next(u["id"] for u in call("GET", "/api/users", token=admin) if u["username"] == "fuzz-target")

print(f"ADMIN_TOKEN={admin}")
print(f"VICTIM_TOKEN={victim}")
print(f"LEAVER_TOKEN={leaver}")
print(f"TARGET_USER_ID={target}")
