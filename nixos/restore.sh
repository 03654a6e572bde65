#!/usr/bin/env bash
# Restores one loan-broker instance from a restic snapshot, in place. Shared by the NixOS module
# (`loan-broker-restore <instance> <snapshot>`, which sets the variables below for the instance) and
# the Debian rehearsal (tests/deploy/run.sh), so both run the same steps.
#
#   restore.sh SNAPSHOT-ID
#
# Environment (all required): LB_NAME, LB_UNIT, LB_USER, LB_STATE_DIR, LB_SNAPSHOT_DB (where the
# staged database lies inside the snapshot), LB_BIN, LB_CONFIG, LB_HEALTH_URL, and restic's own
# RESTIC_REPOSITORY[_FILE], RESTIC_PASSWORD_FILE (+ credentials from its environment file).
# LB_SERVICE_CTL (default systemctl) stops and starts LB_UNIT.
#
# Steps: restore the snapshot into a root-only scratch directory → check the database with
# `loan-broker check-db` as the instance user (before anything is touched) → stop the instance →
# keep the current state directory aside → put the database and uploads in place, owned by the
# instance user → start → wait for /health. The scratch copy (plaintext) is always removed.
set -euo pipefail

die() {
  echo "loan-broker-restore: $*" >&2
  exit 1
}

for v in LB_NAME LB_UNIT LB_USER LB_STATE_DIR LB_SNAPSHOT_DB LB_BIN LB_CONFIG LB_HEALTH_URL RESTIC_PASSWORD_FILE; do
  [ -n "${!v:-}" ] || die "$v is not set"
done
ctl="${LB_SERVICE_CTL:-systemctl}"

[ "$(id -u)" = 0 ] || die "run it as root (sudo loan-broker-restore $LB_NAME …): it stops the instance and rewrites its state directory"

snapshot="${1:-}"
if [ -z "$snapshot" ] || [ "$snapshot" = latest ]; then
  restic snapshots || true
  cat >&2 <<EOF

loan-broker-restore: give the ID of the snapshot to restore (first column above):
    loan-broker-restore $LB_NAME <snapshot-id>
"latest" is refused on purpose: on a new server, the first backup of the freshly created, empty
instance may already be the latest snapshot.
EOF
  exit 2
fi

as_user() { setpriv --reuid="$LB_USER" --regid="$LB_USER" --clear-groups --no-new-privs -- "$@"; }

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
scratch="$(dirname "$LB_STATE_DIR")/.restore-$LB_NAME-$stamp"
candidate="$LB_STATE_DIR/loan-broker.db.restoring"
aside="$(dirname "$LB_STATE_DIR")/$LB_NAME.before-restore-$stamp"
cleanup() { rm -rf "$scratch" "$candidate"; }
trap cleanup EXIT

echo "== snapshot $snapshot"
restic snapshots "$snapshot" || die "no snapshot $snapshot in this repository"

echo "== restoring it into $scratch"
install -d -m 0700 "$scratch"
restic restore "$snapshot" --target "$scratch" >/dev/null
db="$scratch$LB_SNAPSHOT_DB"
uploads="$scratch$LB_STATE_DIR/uploads"
[ -s "$db" ] || die "snapshot $snapshot holds no database at $LB_SNAPSHOT_DB"

echo "== checking the database (loan-broker check-db, as $LB_USER)"
[ -d "$LB_STATE_DIR" ] || install -d -m 0700 -o "$LB_USER" -g "$LB_USER" "$LB_STATE_DIR"
install -m 0600 -o "$LB_USER" -g "$LB_USER" "$db" "$candidate"
as_user "$LB_BIN" --config "$LB_CONFIG" check-db --file "$candidate" \
  || die "the database in snapshot $snapshot fails its integrity check; nothing was changed"

echo "== stopping $LB_UNIT"
"$ctl" stop "$LB_UNIT"

echo "== keeping the current state in $aside"
mkdir -p "$aside"
chmod 0700 "$aside"
find "$LB_STATE_DIR" -mindepth 1 -maxdepth 1 ! -name "$(basename "$candidate")" -exec cp -a -t "$aside" {} +

echo "== putting the snapshot in place"
rm -f "$LB_STATE_DIR/loan-broker.db" "$LB_STATE_DIR/loan-broker.db-wal" "$LB_STATE_DIR/loan-broker.db-shm"
mv "$candidate" "$LB_STATE_DIR/loan-broker.db"
rm -rf "$LB_STATE_DIR/uploads"
if [ -d "$uploads" ]; then cp -a "$uploads" "$LB_STATE_DIR/uploads"; else mkdir "$LB_STATE_DIR/uploads"; fi
chown -R "$LB_USER:$LB_USER" "$LB_STATE_DIR"
chmod 0700 "$LB_STATE_DIR"
chmod 0600 "$LB_STATE_DIR/loan-broker.db"

echo "== starting $LB_UNIT"
"$ctl" start "$LB_UNIT"
for _ in $(seq 1 120); do
  if curl -fsS --max-time 2 "$LB_HEALTH_URL" >/dev/null 2>&1; then
    echo "restored $LB_NAME from snapshot $snapshot; it is healthy ($LB_HEALTH_URL)."
    echo "The state before the restore is in $aside (delete it once you are satisfied)."
    exit 0
  fi
  sleep 0.5
done
die "$LB_UNIT did not become healthy within 60 s after the restore (journalctl -u $LB_UNIT); the previous state is in $aside"
