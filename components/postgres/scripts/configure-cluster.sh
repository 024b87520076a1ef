#!/usr/bin/env bash
# Post-deploy configuration the postgresql custom resource can not express:
#   1. Patroni dynamic config keys the CRD has no field for (primary_start_timeout), PATCHed into
#      Patroni's /config on any member (the operator leaves keys it does not manage alone);
#   2. synchronous_commit per role and database, so only RPO-0 data waits for the sync standby
#      while the cluster default stays "local";
#   3. the least-privileged login roles of the stack's own clients: the logical backup reads every
#      row (pg_read_all_data, BYPASSRLS so row-level security hides none from the dump, CONNECT on
#      the databases it dumps) and the exporter reads statistics (pg_monitor); neither is a
#      superuser, owns anything or may write. Their passwords come from the stack's Secrets.
# Idempotent: it sets the same values every run and reads them back.
#
# Usage: configure-cluster.sh
#
# Environment:
#   PATRONI_URL             Patroni REST API of any member, e.g. http://<cluster>-patroni:8008
#   PATRONI_CONFIG_PATCH    JSON object merged into Patroni's dynamic config (may be "{}")
#   ROLE_SYNCHRONOUS_COMMIT space-separated "role:database:level" entries (empty on a standby cluster)
#   BACKUP_ROLE, BACKUP_PASSWORD
#                           the logical backup's role, created or updated (unset on a standby: roles
#                           reach it through WAL)
#   BACKUP_DATABASES        space-separated databases the backup role may CONNECT to (and dumps)
#   EXPORTER_ROLE, EXPORTER_PASSWORD
#                           the metrics exporter's role, created or updated (unset on a standby)
#   PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSLMODE
#                           libpq connection to the primary as a superuser
#   WAIT_SECONDS            how long to wait for the primary, roles and databases (default 1200)
set -euo pipefail

SCRIPT_NAME=configure-cluster
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

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
if [[ -n "${ROLE_SYNCHRONOUS_COMMIT:-}${BACKUP_ROLE:-}${EXPORTER_ROLE:-}" ]]; then
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

# A login role with exactly one predefined role granted: created if missing, then brought to these
# attributes and this password every run (a rotated Secret takes effect on the next run). The
# password travels as a psql variable on stdin, never on a command line.
ensure_login_role() {
  local role="$1" password="$2" grant="$3" attributes="$4"
  [[ "$role" =~ ^[a-z_][a-z0-9_]*$ ]] || die "bad role name '$role'"
  [[ -n "$password" ]] || die "no password for role $role"
  psql -X -q -v ON_ERROR_STOP=1 -d postgres -v role="$role" -v password="$password" -v grant="$grant" -v attributes="$attributes" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION %s PASSWORD %L', :'role', :'attributes', :'password') \gexec
SELECT format('GRANT %I TO %I', :'grant', :'role') \gexec
SQL
  local got
  got="$(psql -X -At -d postgres -v role="$role" -v grant="$grant" <<'SQL'
SELECT r.rolsuper::text || ' ' || pg_has_role(r.oid, g.oid, 'USAGE')::text FROM pg_roles r, pg_roles g WHERE r.rolname = :'role' AND g.rolname = :'grant'
SQL
)"
  [[ "$got" == "false true" ]] || die "role $role reads back superuser/member-of-$grant '$got', expected 'false true'"
  log "role $role: login, member of $grant, no superuser"
}

if [[ -n "${BACKUP_ROLE:-}" ]]; then
  ensure_login_role "$BACKUP_ROLE" "${BACKUP_PASSWORD:-}" pg_read_all_data "BYPASSRLS"
  for database in ${BACKUP_DATABASES:-}; do
    [[ "$database" =~ ^[a-z_][a-z0-9_]*$ ]] || die "bad database name '$database'"
    wait_for "database $database" database_exists "$database"
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "GRANT CONNECT ON DATABASE \"$database\" TO \"$BACKUP_ROLE\""
  done
fi
if [[ -n "${EXPORTER_ROLE:-}" ]]; then
  ensure_login_role "$EXPORTER_ROLE" "${EXPORTER_PASSWORD:-}" pg_monitor "NOBYPASSRLS"
fi
log "done"
