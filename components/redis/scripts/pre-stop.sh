#!/bin/sh
# preStop of a Redis node: when this node is the primary, ask the Sentinels to fail over to a
# replica and wait until they name another primary, so a planned restart (rolling update, node
# drain) costs about a second of writes instead of down-after-milliseconds plus the election.
# Once another node is named, this node makes itself its replica, so nothing more is written here.
# A replica, or a node that cannot reach the Sentinels, just stops: Sentinel handles the rest.
# So does a primary the Redis primary kill (DR test) has marked: the key UNPLANNED_KILL_KEY holds
# this node's address, set just before its pod is deleted with grace period 0, and that test
# measures Sentinel noticing a dead primary on its own (a kubelet may still run this hook then).
#
# Environment: the container's (see role-discovery.sh): SENTINELS, ANNOUNCE_HOST, ANNOUNCE_PORT,
# REDIS_PASSWORD_FILE, SENTINEL_PASSWORD_FILE, MASTER_NAME, SELF_ADDRESSES, REDIS_CLI, and
#   PRESTOP_WAIT_SECONDS  how long to wait for the promotion (default 20; keep it below the
#                         pod's terminationGracePeriodSeconds)
#   UNPLANNED_KILL_KEY    the kill test's marker key (default agent-dr:unplanned-kill, contract/redis.ts)
set -u

SCRIPT_NAME="pre-stop"
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

: "${SENTINELS:?}" "${ANNOUNCE_HOST:?}" "${REDIS_PASSWORD_FILE:?}"
MASTER_NAME=${MASTER_NAME:-agent-redis}
ANNOUNCE_PORT=${ANNOUNCE_PORT:-6379}
PRESTOP_WAIT_SECONDS=${PRESTOP_WAIT_SECONDS:-20}
REDIS_CLI=${REDIS_CLI:-redis-cli}
SELF_ADDRESSES=${SELF_ADDRESSES:-}
UNPLANNED_KILL_KEY=${UNPLANNED_KILL_KEY:-agent-dr:unplanned-kill}

local_redis() {
  REDISCLI_AUTH=$(cat "$REDIS_PASSWORD_FILE") timeout 2 "$REDIS_CLI" -p "$ANNOUNCE_PORT" --no-auth-warning --raw "$@" 2>/dev/null | head -n 1
}
is_self() {
  [ "$2" = "$ANNOUNCE_PORT" ] || return 1
  [ "$1" = "$ANNOUNCE_HOST" ] && return 0
  for alias in $SELF_ADDRESSES; do [ "$1" = "$alias" ] && return 0; done
  return 1
}

role=$(local_redis ROLE)
if [ "$role" != master ]; then
  log "role '$role': nothing to hand over"
  exit 0
fi
marked=$(local_redis GET "$UNPLANNED_KILL_KEY")
if [ -n "$marked" ] && is_self "${marked%:*}" "${marked##*:}"; then
  log "the Redis primary kill marked this node ($marked): no hand-over, Sentinel must notice on its own"
  exit 0
fi

if [ -n "${SENTINEL_PASSWORD_FILE:-}" ]; then
  REDISCLI_AUTH=$(cat "$SENTINEL_PASSWORD_FILE")
  export REDISCLI_AUTH
fi
sentinel() {
  timeout 2 "$REDIS_CLI" -h "${1%:*}" -p "${1##*:}" --no-auth-warning -e --raw SENTINEL "$2" "$MASTER_NAME" 2>/dev/null
}

asked=''
for addr in $(printf '%s' "$SENTINELS" | tr ',' ' '); do
  if sentinel "$addr" FAILOVER >/dev/null; then
    asked=$addr
    log "Sentinel $addr accepted the failover"
    break
  fi
done
if [ -z "$asked" ]; then
  log "no Sentinel accepted a failover; stopping anyway (Sentinel fails over after down-after-milliseconds)"
  exit 0
fi

end=$(($(date +%s) + PRESTOP_WAIT_SECONDS))
while [ "$(date +%s)" -lt "$end" ]; do
  reply=$(sentinel "$asked" GET-MASTER-ADDR-BY-NAME | tr '\n' ' ')
  # shellcheck disable=SC2086 # reply is "host port" from redis-cli --raw
  set -- $reply
  if [ $# -eq 2 ] && ! is_self "$1" "$2"; then
    # Sentinel would demote this node only some seconds later; until then a client that bypasses
    # Sentinel could still write here, and those writes would be lost. Demote it now.
    REDISCLI_AUTH=$(cat "$REDIS_PASSWORD_FILE") timeout 2 "$REDIS_CLI" -p "$ANNOUNCE_PORT" --no-auth-warning REPLICAOF "$1" "$2" >/dev/null 2>&1 || true
    log "Sentinels now name $1:$2; this node follows it until it stops"
    exit 0
  fi
  sleep 0.2 2>/dev/null || sleep 1
done
log "no replica was promoted within ${PRESTOP_WAIT_SECONDS}s; stopping anyway"
exit 0
