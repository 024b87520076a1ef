#!/usr/bin/env bash
# Post-deploy configuration the postgresql custom resource can not express:
#   1. Patroni dynamic config keys the CRD has no field for (primary_start_timeout), PATCHed into
#      Patroni's /config on any member (the operator leaves keys it does not manage alone);
#   2. synchronous_commit per role and database, so only RPO-0 data waits for the sync standby
#      while the cluster default stays "local".
# Idempotent: it sets the same values every run and reads them back.
#
# Usage: configure-cluster.sh
#
# Environment:
#   PATRONI_URL             Patroni REST API of any member, e.g. http://<cluster>-patroni:8008
#   PATRONI_CONFIG_PATCH    JSON object merged into Patroni's dynamic config (may be "{}")
#   ROLE_SYNCHRONOUS_COMMIT space-separated "role:database:level" entries (empty on a standby cluster)
#   PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSLMODE
#                           libpq connection to the primary as a superuser
#   WAIT_SECONDS            how long to wait for the primary, roles and databases (default 1200)
set -euo pipefail

log() { printf '%s configure-cluster: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

: "${PATRONI_URL:?PATRONI_URL is required}"
: "${PATRONI_CONFIG_PATCH:?PATRONI_CONFIG_PATCH is required}"
wait_seconds="${WAIT_SECONDS:-1200}"
deadline=$(( $(date +%s) + wait_seconds ))

wait_for() {
  local what="$1"; shift
  until "$@"; do
    (( $(date +%s) < deadline )) || die "gave up after ${wait_seconds}s waiting for $what"
    sleep 5
  done
}

primary_ready() { [[ "$(psql -X -At -d postgres -c 'SELECT pg_is_in_recovery()' 2> /dev/null)" == "f" ]]; }
patroni_ready() { curl -fsS -o /dev/null "$PATRONI_URL/config"; }
role_exists() { [[ "$(psql -X -At -d postgres -c "SELECT count(*) FROM pg_roles WHERE rolname = '$1'")" == "1" ]]; }
database_exists() { [[ "$(psql -X -At -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = '$1'")" == "1" ]]; }

# A standby cluster is read-only (role settings reach it through WAL): it only gets the Patroni patch.
if [[ -n "${ROLE_SYNCHRONOUS_COMMIT:-}" ]]; then
  wait_for "the primary" primary_ready
fi
wait_for "the Patroni REST API at $PATRONI_URL" patroni_ready

log "patching Patroni dynamic config: $PATRONI_CONFIG_PATCH"
curl -fsS -X PATCH -H 'Content-Type: application/json' -d "$PATRONI_CONFIG_PATCH" "$PATRONI_URL/config" > /dev/null

for entry in ${ROLE_SYNCHRONOUS_COMMIT:-}; do
  role="${entry%%:*}"
  rest="${entry#*:}"
  database="${rest%%:*}"
  level="${rest##*:}"
  [[ "$role" =~ ^[a-z_][a-z0-9_]*$ && "$database" =~ ^[a-z_][a-z0-9_]*$ ]] || die "bad entry '$entry': expected role:database:level"
  case "$level" in on | remote_apply | remote_write | local | off) ;; *) die "bad level '$level' in '$entry'" ;; esac
  wait_for "role $role" role_exists "$role"
  wait_for "database $database" database_exists "$database"
  psql -X -q -v ON_ERROR_STOP=1 -d postgres \
    -c "ALTER ROLE \"$role\" SET synchronous_commit = '$level'" \
    -c "ALTER DATABASE \"$database\" SET synchronous_commit = '$level'"
  got="$(psql -X -At -d postgres -c "SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting s
      JOIN pg_roles r ON r.oid = s.setrole WHERE s.setdatabase = 0 AND r.rolname = '$role'")"
  [[ "$got" == *"synchronous_commit=$level"* ]] || die "role $role reads back '$got', expected synchronous_commit=$level"
  log "role $role and database $database: synchronous_commit = $level"
done
log "done"
