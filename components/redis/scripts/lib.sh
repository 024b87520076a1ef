# shellcheck shell=sh
# Shared by the Redis tier's scripts, which source it from beside them: the repository's folder
# when tests and drills run them, the ConfigMap's mount in the pods (key lib.sh). The sourcing
# script sets SCRIPT_NAME first.

log() { printf '%s %s: %s\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "${SCRIPT_NAME:-redis}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# read_secret FILE WHAT CONF: the secret in FILE, refused unless it can be written into CONF as is.
read_secret() {
  [ -r "$1" ] || die "cannot read $2 from $1"
  secret=$(cat "$1")
  [ -n "$secret" ] || die "$2 in $1 is empty"
  case "$secret" in *[!A-Za-z0-9_.-]*) die "$2 in $1 must be letters, digits, '_', '.' or '-' (it is written into $3)" ;; esac
  printf '%s' "$secret"
}
