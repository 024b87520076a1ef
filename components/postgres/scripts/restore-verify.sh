#!/usr/bin/env bash
# Restore verification: download the newest logical backup of each database, restore it into a
# scratch database and check it. The restore-drill CronJob runs "download" in an AWS CLI image and
# "verify" in a PostgreSQL image against a throwaway server in the same pod (so the drill neither
# loads nor needs credentials for the production cluster). "all" runs both phases.
#
# Usage: restore-verify.sh download|verify|all
#
# Environment:
#   DATABASES          space-separated database names whose newest dump is restored (required)
#   RESTORE_DIR        directory shared between the phases (required)
#   BACKUP_BUCKET, BACKUP_PREFIX
#                      where logical-backup.sh uploaded (<prefix>/<database>/<stamp>.dump) (download)
#   AWS_REGION, AWS_ENDPOINT_URL, AWS_CLI
#                      as in logical-backup.sh; AWS_ENDPOINT_URL points at an S3-compatible store
#   MAX_AGE_HOURS      fail when the newest dump is older than this (default 48): a stopped backup
#                      job is caught by the drill
#   ARCHIVE_PREFIX     WAL-G's archive (spilo/<cluster>/wal/<version>) in the same bucket: the drill
#                      also lists its base backups (key names only; it can not read them) and fails
#                      when none completed within ARCHIVE_MAX_AGE_HOURS, so a destroyed or stalled
#                      archive is found on the drill's schedule, as the credential-compromise budget
#                      assumes (optional)
#   ARCHIVE_MAX_AGE_HOURS
#                      newest completed base backup may be at most this old (required with ARCHIVE_PREFIX)
#   PGHOST, PGPORT, PGUSER, PGPASSWORD
#                      libpq connection to the server that receives the scratch databases (verify)
#   SCRATCH_PREFIX     scratch database name prefix (default restore_check_)
#   VERIFY_TABLES      space-separated key tables "database:schema.table:min_rows"; each must exist
#                      after the restore with at least min_rows rows
#   KEEP_SCRATCH       1 keeps the scratch databases for inspection (default: dropped)
#
# Checks, each fatal: the dump's sha256 matches; pg_restore succeeds with --exit-on-error; every
# table in the dump's table of contents exists; every table has exactly the rows the dump holds;
# every VERIFY_TABLES entry has at least its minimum. `pg_restore --list` alone is not verification.
set -euo pipefail

SCRIPT_NAME=restore-verify
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# 20261126T020000Z -> seconds since the epoch
stamp_epoch() {
  local s="$1"
  date -u -d "${s:0:4}-${s:4:2}-${s:6:2} ${s:9:2}:${s:11:2}:${s:13:2}" +%s
}

# The newest completed base backup of the archive: WAL-G writes <name>_backup_stop_sentinel.json last.
check_archive() {
  local base="${ARCHIVE_PREFIX%/}/basebackups_005/" newest age
  require ARCHIVE_MAX_AGE_HOURS
  # The backticks are JMESPath literals, not a shell expansion.
  # shellcheck disable=SC2016
  newest="$(aws_s3 s3api list-objects-v2 --bucket "$BACKUP_BUCKET" --prefix "$base" \
    --query 'Contents[?ends_with(Key, `_backup_stop_sentinel.json`)].LastModified' --output text | tr '\t' '\n' | grep -v '^None$' | sort | tail -n 1 || true)"
  [[ -n "$newest" ]] || die "no completed base backup under s3://$BACKUP_BUCKET/$base: the archive is gone or was never written"
  age=$(( $(date -u +%s) - $(date -u -d "$newest" +%s) ))
  (( age <= ARCHIVE_MAX_AGE_HOURS * 3600 )) || die "newest completed base backup under s3://$BACKUP_BUCKET/$base is $((age / 3600)) h old; expected at most $ARCHIVE_MAX_AGE_HOURS h"
  log "archive: newest completed base backup under s3://$BACKUP_BUCKET/$base finished $newest"
}

download() {
  require DATABASES RESTORE_DIR BACKUP_BUCKET BACKUP_PREFIX
  [[ -z "${ARCHIVE_PREFIX:-}" ]] || check_archive
  mkdir -p "$RESTORE_DIR"
  local prefix db keys newest stamp age max_age includes=() chosen=()
  prefix="${BACKUP_PREFIX%/}"
  max_age=$(( ${MAX_AGE_HOURS:-48} * 3600 ))
  keys="$(aws_s3 s3api list-objects-v2 --bucket "$BACKUP_BUCKET" --prefix "$prefix/" --query 'Contents[].Key' --output text)"
  for db in $DATABASES; do
    # Stamps sort lexically in time order, so the last .dump key of a database is its newest.
    newest="$(tr '\t' '\n' <<< "$keys" | grep -E "^$prefix/$db/[0-9]{8}T[0-9]{6}Z\.dump\$" | sort | tail -n 1 || true)"
    [[ -n "$newest" ]] || die "no dump of $db under s3://$BACKUP_BUCKET/$prefix/$db/"
    stamp="$(basename "$newest" .dump)"
    age=$(( $(date -u +%s) - $(stamp_epoch "$stamp") ))
    (( age <= max_age )) || die "newest dump of $db ($newest) is $((age / 3600)) h old; expected at most ${MAX_AGE_HOURS:-48} h"
    log "downloading s3://$BACKUP_BUCKET/$newest"
    includes+=(--include "$db/$stamp.dump" --include "$db/$stamp.dump.sha256")
    chosen+=("$db:$stamp")
  done
  # One CLI call for every file (each call costs a Python start-up).
  aws_s3 s3 cp --only-show-errors --recursive --exclude '*' "${includes[@]}" "s3://$BACKUP_BUCKET/$prefix/" "$RESTORE_DIR/s3/"
  local entry file want got
  for entry in "${chosen[@]}"; do
    db="${entry%%:*}"
    stamp="${entry#*:}"
    file="$RESTORE_DIR/s3/$db/$stamp.dump"
    [[ -s "$file" ]] || die "download of $prefix/$db/$stamp.dump produced no file"
    if [[ -s "$file.sha256" ]]; then
      want="$(tr -d '[:space:]' < "$file.sha256")"
      got="$(sha256_of "$file")"
      [[ "$want" == "$got" ]] || die "checksum mismatch for $prefix/$db/$stamp.dump: stored $want, downloaded $got"
    else
      log "no checksum stored next to $prefix/$db/$stamp.dump; relying on the restore checks"
    fi
    mv "$file" "$RESTORE_DIR/$db.dump"
    printf '%s\n' "$prefix/$db/$stamp.dump" > "$RESTORE_DIR/$db.key"
  done
  rm -rf "$RESTORE_DIR/s3"
}

# Per-table row counts held in a custom-format dump: the rows of each COPY block.
dump_row_counts() {
  pg_restore --data-only -f - "$1" | awk '
    /^COPY / {
      # COPY <schema>.<table> (<columns>) FROM stdin; names may be quoted and hold spaces.
      table = $0; sub(/^COPY /, "", table); sub(/ *(\(.*\))? FROM stdin;$/, "", table)
      rows = 0; inside = 1; next
    }
    inside && /^\\\.$/ { print table "\t" rows; inside = 0; next }
    inside { rows++ }'
}

verify_one() {
  local db="$1" file="$2" scratch="${SCRATCH_PREFIX:-restore_check_}$1"
  log "restoring $file into scratch database $scratch"
  psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS \"$scratch\""
  psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \"$scratch\""
  # Owners and grants refer to roles of the source cluster that a scratch server need not have.
  pg_restore --exit-on-error --no-owner --no-acl -d "$scratch" "$file" \
    || die "pg_restore of $file into $scratch failed"

  local toc_tables restored_tables
  # TOC lines read "<id>; <catalog> <oid> TABLE <schema> <name> <owner>"; TABLE DATA entries are the rows.
  toc_tables="$(pg_restore --list "$file" | awk '$4 == "TABLE" && $5 != "DATA" { n++ } END { print n + 0 }')"
  restored_tables="$(psql -X -At -d "$scratch" -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'")"
  [[ "$toc_tables" == "$restored_tables" ]] \
    || die "$db: the dump lists $toc_tables tables but $restored_tables were restored"

  local table rows restored checked=0 total=0
  while IFS=$'\t' read -r table rows; do
    [[ -n "$table" ]] || continue
    restored="$(psql -X -At -d "$scratch" -c "SELECT count(*) FROM $table")"
    [[ "$restored" == "$rows" ]] || die "$db: $table holds $rows rows in the dump but $restored after the restore"
    checked=$((checked + 1))
    total=$((total + rows))
  done < <(dump_row_counts "$file")

  local entry entry_db rest key_table min_rows have
  for entry in ${VERIFY_TABLES:-}; do
    entry_db="${entry%%:*}"
    [[ "$entry_db" == "$db" ]] || continue
    rest="${entry#*:}"
    key_table="${rest%%:*}"
    min_rows="${rest##*:}"
    [[ "$min_rows" =~ ^[0-9]+$ ]] || die "VERIFY_TABLES entry '$entry': expected database:schema.table:min_rows"
    have="$(psql -X -At -d "$scratch" -c "SELECT to_regclass('$key_table') IS NOT NULL")"
    [[ "$have" == "t" ]] || die "$db: key table $key_table is missing after the restore"
    restored="$(psql -X -At -d "$scratch" -c "SELECT count(*) FROM $key_table")"
    (( restored >= min_rows )) || die "$db: key table $key_table has $restored rows; expected at least $min_rows"
    log "$db: key table $key_table has $restored rows (minimum $min_rows)"
  done

  log "VERIFIED $db: $restored_tables tables, $checked with data, $total rows match the dump"
  if [[ "${KEEP_SCRATCH:-0}" != "1" ]]; then
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE \"$scratch\""
  fi
}

verify() {
  require DATABASES RESTORE_DIR
  local db
  for db in $DATABASES; do
    [[ -s "$RESTORE_DIR/$db.dump" ]] || die "no downloaded dump for $db in $RESTORE_DIR"
    verify_one "$db" "$RESTORE_DIR/$db.dump"
  done
}

run_phase "${1:-all}" download verify
