# shellcheck shell=bash
# Functions the PostgreSQL tier's scripts share. Not run on its own: a script sets SCRIPT_NAME (the
# name its log lines carry) and sources this file from beside it. The Jobs run a script as
# `bash -c <text>`, with no file beside it; render/jobs.ts (readScript) puts this file's text in
# place of the line that sources it.

: "${SCRIPT_NAME:?set SCRIPT_NAME before sourcing lib.sh}"

log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$SCRIPT_NAME" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Fails unless every named environment variable is set and not empty.
require() {
  local name
  for name in "$@"; do
    [[ -n "${!name:-}" ]] || die "environment variable $name is required"
  done
}

# The AWS CLI (AWS_CLI, default aws), with --endpoint-url when AWS_ENDPOINT_URL is set: older CLIs
# ignore the variable.
aws_s3() {
  local cli="${AWS_CLI:-aws}"
  if [[ -n "${AWS_ENDPOINT_URL:-}" ]]; then
    "$cli" --endpoint-url "$AWS_ENDPOINT_URL" "$@"
  else
    "$cli" "$@"
  fi
}

# The hex sha256 of a file, as stored next to each dump and checked after its download.
sha256_of() { sha256sum "$1" | awk '{print $1}'; }

# Runs phase $1 of a script whose phases are the functions named by the other arguments; "all"
# runs every one of them in order.
run_phase() {
  local phase="$1" p expected
  shift
  if [[ "$phase" == all ]]; then
    for p in "$@"; do "$p"; done
    return
  fi
  for p in "$@"; do
    if [[ "$p" == "$phase" ]]; then
      "$p"
      return
    fi
  done
  expected="$(printf '%s, ' "$@")"
  die "unknown phase '$phase'; expected ${expected%, } or all"
}
