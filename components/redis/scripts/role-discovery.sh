#!/bin/sh
# Decide this Redis node's role at start, then exec redis-server.
#
# The Sentinels are the only authority on which node is primary. This script asks them and:
#   - a Sentinel names another node            -> start as its replica (`replicaof` is in the config
#                                                  from the first second, so a restarted old primary
#                                                  never serves a single write as primary);
#   - the Sentinels name this node, and the set has never formed (every answer has config-epoch 0
#     and no known replica, from a majority of the Sentinels) -> the bootstrap node (ordinal 0)
#                                                  starts as primary; any other node waits;
#   - the Sentinels name this node (a quick restart, before any failover):
#       no data on disk while replicas are known -> wait: starting empty as primary would wipe
#                                                  the replicas by full resync; Sentinel promotes one;
#       marked down or failing over              -> wait up to FAILOVER_WAIT_SECONDS for Sentinel to
#                                                  promote another node; if none is promoted (no
#                                                  eligible replica) the node resumes as primary;
#       otherwise                                -> resume as primary (Sentinel still trusts it).
#   - no Sentinel answers                        -> wait; never guess.
# Among Sentinels that disagree (mid-failover), the highest config-epoch wins.
#
# Environment (the same interface in a pod and in the loopback drills):
#   REDIS_CONF_SOURCE       rendered redis.conf (read-only)                       required
#   REDIS_CONF              writable per-node copy that Redis may rewrite         required
#   REDIS_PASSWORD_FILE     file holding requirepass/masterauth                   required
#   SENTINELS               Sentinel addresses, host:port, space or comma separated  required
#   ANNOUNCE_HOST           the address this node is known by (pod FQDN / 127.0.0.1)  required
#   ANNOUNCE_PORT           its port (default: the `port` of the rendered config)
#   SELF_ADDRESSES          other addresses that also mean this node (e.g. the pod IP)
#   SENTINEL_PASSWORD_FILE  file holding the Sentinels' requirepass (optional)
#   MASTER_NAME             Sentinel master name (default agent-redis)
#   ORDINAL                 this node's ordinal (default: the suffix of $POD_NAME or the host name)
#   BOOTSTRAP_ORDINAL       the only node that may found the set (default 0)
#   DISCOVERY_TIMEOUT_SECONDS  give up (exit 1, the kubelet restarts us) after this (default 300)
#   FAILOVER_WAIT_SECONDS   see above (default 60)
#   QUERY_TIMEOUT_SECONDS   per-Sentinel query timeout (default 2)
#   REDIS_SERVER, REDIS_CLI binaries (default redis-server, redis-cli)
#   ROLE_DISCOVERY_EXEC     0: print the decision and the config instead of starting Redis
set -eu

SCRIPT_NAME="role-discovery"
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

: "${REDIS_CONF_SOURCE:?set REDIS_CONF_SOURCE to the rendered redis.conf}"
: "${REDIS_CONF:?set REDIS_CONF to the writable config path}"
: "${REDIS_PASSWORD_FILE:?set REDIS_PASSWORD_FILE to the file holding the Redis password}"
: "${SENTINELS:?set SENTINELS to the Sentinel host:port list}"
: "${ANNOUNCE_HOST:?set ANNOUNCE_HOST to the address this node announces}"
MASTER_NAME=${MASTER_NAME:-agent-redis}
BOOTSTRAP_ORDINAL=${BOOTSTRAP_ORDINAL:-0}
DISCOVERY_TIMEOUT_SECONDS=${DISCOVERY_TIMEOUT_SECONDS:-300}
FAILOVER_WAIT_SECONDS=${FAILOVER_WAIT_SECONDS:-60}
QUERY_TIMEOUT_SECONDS=${QUERY_TIMEOUT_SECONDS:-2}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_CLI=${REDIS_CLI:-redis-cli}
SELF_ADDRESSES=${SELF_ADDRESSES:-}

[ -r "$REDIS_CONF_SOURCE" ] || die "cannot read REDIS_CONF_SOURCE $REDIS_CONF_SOURCE"
conf_value() { awk -v k="$1" '$1 == k { v = $2 } END { gsub(/"/, "", v); print v }' "$REDIS_CONF_SOURCE"; }
ANNOUNCE_PORT=${ANNOUNCE_PORT:-$(conf_value port)}
DATA_DIR=$(conf_value dir)
if [ -z "${ORDINAL:-}" ]; then
  host_name=${POD_NAME:-$(uname -n)}
  ORDINAL=${host_name##*-}
fi
case "$ORDINAL" in '' | *[!0-9]*) die "ORDINAL must be a number, got '$ORDINAL' (set ORDINAL, or POD_NAME ending in -<n>)" ;; esac

REDIS_PASSWORD=$(read_secret "$REDIS_PASSWORD_FILE" "the Redis password" redis.conf)
if [ -n "${SENTINEL_PASSWORD_FILE:-}" ]; then
  REDISCLI_AUTH=$(read_secret "$SENTINEL_PASSWORD_FILE" "the Sentinel password" redis.conf)
  export REDISCLI_AUTH
fi

is_self() {
  [ "$1" = "$ANNOUNCE_HOST" ] && [ "$2" = "$ANNOUNCE_PORT" ] && return 0
  for alias in $SELF_ADDRESSES; do
    [ "$1" = "$alias" ] && [ "$2" = "$ANNOUNCE_PORT" ] && return 0
  done
  return 1
}

has_data() {
  for f in "$DATA_DIR/dump.rdb" "$DATA_DIR"/appendonlydir/*.manifest; do
    [ -s "$f" ] && return 0
  done
  return 1
}

# Ask every Sentinel for the master record. Sets: answered, best_host, best_port, best_epoch,
# max_replicas, any_down.
query_sentinels() {
  answered=0 best_host='' best_port='' best_epoch=-1 max_replicas=0 any_down=0
  for addr in $(printf '%s' "$SENTINELS" | tr ',' ' '); do
    s_host=${addr%:*}
    s_port=${addr##*:}
    if ! reply=$(timeout "$QUERY_TIMEOUT_SECONDS" "$REDIS_CLI" -h "$s_host" -p "$s_port" --no-auth-warning -e --raw SENTINEL MASTER "$MASTER_NAME" 2>/dev/null); then
      log "Sentinel $addr did not answer"
      continue
    fi
    # The reply alternates field names and values, one per line.
    fields=$(printf '%s\n' "$reply" | awk 'NR % 2 == 1 { k = $0; next } k == "ip" { ip = $0 } k == "port" { port = $0 } k == "flags" { flags = $0 } k == "config-epoch" { epoch = $0 } k == "num-slaves" { n = $0 } END { if (ip != "" && port != "") printf "%s %s %s %s %s\n", ip, port, epoch + 0, n + 0, flags }')
    [ -n "$fields" ] || { log "Sentinel $addr gave no master record"; continue; }
    # shellcheck disable=SC2086 # fields is five space-separated words by construction
    set -- $fields
    answered=$((answered + 1))
    log "Sentinel $addr: primary $1:$2, config-epoch $3, known replicas $4, flags $5"
    if [ "$3" -gt "$best_epoch" ]; then best_host=$1 best_port=$2 best_epoch=$3; fi
    [ "$4" -gt "$max_replicas" ] && max_replicas=$4
    case ",$5," in *,s_down,* | *,o_down,* | *,failover_in_progress,*) any_down=1 ;; esac
  done
}

sentinel_count=$(printf '%s' "$SENTINELS" | tr ',' ' ' | wc -w)
majority=$((sentinel_count / 2 + 1))
started=$(date +%s)
down_since=''
role='' primary_host='' primary_port=''

while :; do
  now=$(date +%s)
  [ $((now - started)) -lt "$DISCOVERY_TIMEOUT_SECONDS" ] || die "no decision after ${DISCOVERY_TIMEOUT_SECONDS}s; not starting rather than risk a second primary"
  query_sentinels
  if [ "$answered" -eq 0 ]; then
    log "no Sentinel answered; waiting"
  elif ! is_self "$best_host" "$best_port"; then
    role=replica primary_host=$best_host primary_port=$best_port
    break
  elif [ "$best_epoch" -eq 0 ] && [ "$max_replicas" -eq 0 ]; then
    # Sentinels still hold the rendered bootstrap record: the set has never formed.
    if [ "$ORDINAL" -ne "$BOOTSTRAP_ORDINAL" ]; then
      log "Sentinels name this node but it is not the bootstrap ordinal $BOOTSTRAP_ORDINAL; waiting"
    elif [ "$answered" -lt "$majority" ]; then
      log "only $answered of $sentinel_count Sentinels answered; bootstrapping needs $majority"
    else
      log "no Sentinel has ever known a primary; bootstrapping as the first primary"
      role=primary
      break
    fi
  elif ! has_data && [ "$max_replicas" -gt 0 ]; then
    log "Sentinels still name this node, but it has no data in $DATA_DIR and $max_replicas replica(s) are known; refusing to start as primary (it would wipe them); waiting for Sentinel to promote a replica"
  elif [ "$any_down" -eq 1 ]; then
    down_since=${down_since:-$now}
    if [ $((now - down_since)) -lt "$FAILOVER_WAIT_SECONDS" ]; then
      log "Sentinels name this node but mark it down or failing over; waiting for their decision"
    else
      log "no other node was promoted within ${FAILOVER_WAIT_SECONDS}s; resuming as primary with the data on disk"
      role=primary
      break
    fi
  else
    log "Sentinels still name this node as primary; resuming as primary"
    role=primary
    break
  fi
  sleep 1
done

umask 077
tmp="$REDIS_CONF.tmp.$$"
cp "$REDIS_CONF_SOURCE" "$tmp"
{
  printf '\n# Added at start by role-discovery.sh (role: %s)\n' "$role"
  printf 'requirepass %s\n' "$REDIS_PASSWORD"
  printf 'masterauth %s\n' "$REDIS_PASSWORD"
  printf 'replica-announce-ip %s\n' "$ANNOUNCE_HOST"
  printf 'replica-announce-port %s\n' "$ANNOUNCE_PORT"
  if [ "$role" = replica ]; then printf 'replicaof %s %s\n' "$primary_host" "$primary_port"; fi
} >>"$tmp"
mv "$tmp" "$REDIS_CONF"

if [ "$role" = replica ]; then
  log "starting as replica of $primary_host:$primary_port"
else
  log "starting as primary"
fi
if [ "${ROLE_DISCOVERY_EXEC:-1}" = 0 ]; then
  printf 'role=%s primary=%s:%s\n' "$role" "$primary_host" "$primary_port"
  exit 0
fi
exec "$REDIS_SERVER" "$REDIS_CONF"
