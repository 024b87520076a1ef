#!/usr/bin/env bash
# Logical backup of the platform's PostgreSQL databases: pg_dump -Fc of each database, uploaded to
# S3 under a timestamped key. Runs in two phases because no single image holds both tools: the
# CronJob runs "dump" in a PostgreSQL image (init container) and "upload" in an AWS CLI image, with
# DUMP_DIR on a shared emptyDir. "all" runs both (local use and tests).
#
# Usage: logical-backup.sh dump|upload|all
#
# Environment:
#   DATABASES          space-separated database names to dump (required for dump)
#   DUMP_DIR           directory for the dump files, shared between phases (required)
#   PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSLMODE
#                      libpq connection to the cluster's primary (dump)
#   BACKUP_BUCKET      S3 bucket (required for upload)
#   BACKUP_PREFIX      key prefix, e.g. logical-backups/<cluster> (required for upload)
#   AWS_REGION         region of the bucket (upload)
#   AWS_ENDPOINT_URL   optional S3 endpoint (an S3-compatible store such as s3rver); passed to the
#                      AWS CLI as --endpoint-url because older CLIs ignore the variable
#   AWS_CLI            AWS CLI binary (default: aws)
#   S3_SSE             optional server-side encryption for uploads (AES256 or aws:kms)
#   S3_SSE_KMS_KEY_ID  KMS key ARN for aws:kms (required with S3_SSE=aws:kms: without it S3 uses the
#                      AWS managed aws/s3 key, which the backup bucket refuses)
#
# Keys written: <BACKUP_PREFIX>/<database>/<YYYYmmddTHHMMSSZ>.dump and a .sha256 next to it.
# Exits non-zero on any failure: a missing variable, an unreachable server, a pg_dump older than
# the server, a failed upload.
set -euo pipefail

SCRIPT_NAME=logical-backup
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

major_of_version_num() { echo $(( $1 / 10000 )); }

dump() {
  require DATABASES DUMP_DIR
  mkdir -p "$DUMP_DIR"
  # pg_dump refuses servers newer than itself only at dump time; check first so the message is clear.
  local server_num client_major server_major
  server_num="$(psql -X -At -d postgres -c 'SHOW server_version_num')"
  server_major="$(major_of_version_num "$server_num")"
  client_major="$(pg_dump --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')"
  if (( client_major < server_major )); then
    die "pg_dump $client_major is older than the server ($server_major); use a client image of major $server_major or newer"
  fi
  local stamp db file
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  for db in $DATABASES; do
    file="$DUMP_DIR/$db.dump"
    log "dumping $db (pg_dump $client_major, server $server_major)"
    pg_dump -Fc --no-password -d "$db" -f "$file.partial"
    # A dump that its own reader can not list is not worth uploading.
    pg_restore --list "$file.partial" > /dev/null
    mv "$file.partial" "$file"
    sha256_of "$file" > "$file.sha256"
    log "dumped $db: $(wc -c < "$file") bytes"
  done
  printf '%s\n' "$stamp" > "$DUMP_DIR/STAMP"
}

upload() {
  require DUMP_DIR BACKUP_BUCKET BACKUP_PREFIX
  [[ -s "$DUMP_DIR/STAMP" ]] || die "no STAMP in $DUMP_DIR: the dump phase did not finish"
  local stamp prefix file db outbox sse=()
  stamp="$(cat "$DUMP_DIR/STAMP")"
  prefix="${BACKUP_PREFIX%/}"
  if [[ -n "${S3_SSE:-}" ]]; then sse=(--sse "$S3_SSE"); fi
  if [[ "${S3_SSE:-}" == aws:kms* ]]; then
    require S3_SSE_KMS_KEY_ID
    sse+=(--sse-kms-key-id "$S3_SSE_KMS_KEY_ID")
  fi
  # Lay the keys out locally and upload them in one CLI call (each call costs a Python start-up).
  outbox="$DUMP_DIR/outbox"
  rm -rf "$outbox"
  local count=0
  for file in "$DUMP_DIR"/*.dump; do
    [[ -e "$file" ]] || continue
    db="$(basename "$file" .dump)"
    mkdir -p "$outbox/$db"
    ln "$file" "$outbox/$db/$stamp.dump" 2> /dev/null || cp "$file" "$outbox/$db/$stamp.dump"
    cp "$file.sha256" "$outbox/$db/$stamp.dump.sha256"
    log "uploading s3://$BACKUP_BUCKET/$prefix/$db/$stamp.dump"
    count=$((count + 1))
  done
  (( count > 0 )) || die "no dump files in $DUMP_DIR"
  aws_s3 s3 cp --only-show-errors --recursive "${sse[@]}" "$outbox" "s3://$BACKUP_BUCKET/$prefix/"
  rm -rf "$outbox"
  log "uploaded $count dump(s) with stamp $stamp"
}

run_phase "${1:-all}" dump upload
