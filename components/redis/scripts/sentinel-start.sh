#!/bin/sh
# Build this Sentinel's writable config from the rendered source, then exec redis-sentinel.
#
# Sentinel keeps what it has learnt (its id, epochs, the current primary, known replicas and
# peers) by rewriting its own config file, which lives on the Sentinel's volume. At each start the
# rendered source is copied afresh (so changed timings apply) and that learnt state is carried
# over. A Sentinel without state (first start, or a lost volume) asks its peers which node is
# primary instead of trusting the rendered bootstrap node, which may have been failed over since.
#
# Environment:
#   SENTINEL_CONF_SOURCE    rendered sentinel.conf (read-only)                    required
#   SENTINEL_CONF           writable config on the Sentinel's volume              required
#   REDIS_PASSWORD_FILE     file holding the Redis password (sentinel auth-pass)  required
#   ANNOUNCE_HOST           the address this Sentinel announces                   required
#   ANNOUNCE_PORT           its port (default: the `port` of the rendered config)
#   SENTINELS               peer Sentinels, host:port, space or comma separated (optional)
#   SENTINEL_PASSWORD_FILE  file holding the Sentinels' own requirepass (optional)
#   MASTER_NAME             default agent-redis
#   QUERY_TIMEOUT_SECONDS   per-peer query timeout (default 2)
#   REDIS_SENTINEL, REDIS_CLI  binaries (default redis-sentinel, redis-cli)
set -eu

SCRIPT_NAME="sentinel-start"
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

: "${SENTINEL_CONF_SOURCE:?set SENTINEL_CONF_SOURCE to the rendered sentinel.conf}"
: "${SENTINEL_CONF:?set SENTINEL_CONF to the writable config path}"
: "${REDIS_PASSWORD_FILE:?set REDIS_PASSWORD_FILE to the file holding the Redis password}"
: "${ANNOUNCE_HOST:?set ANNOUNCE_HOST to the address this Sentinel announces}"
MASTER_NAME=${MASTER_NAME:-agent-redis}
SENTINELS=${SENTINELS:-}
QUERY_TIMEOUT_SECONDS=${QUERY_TIMEOUT_SECONDS:-2}
REDIS_SENTINEL=${REDIS_SENTINEL:-redis-sentinel}
REDIS_CLI=${REDIS_CLI:-redis-cli}

[ -r "$SENTINEL_CONF_SOURCE" ] || die "cannot read SENTINEL_CONF_SOURCE $SENTINEL_CONF_SOURCE"
ANNOUNCE_PORT=${ANNOUNCE_PORT:-$(awk '$1 == "port" { v = $2 } END { print v }' "$SENTINEL_CONF_SOURCE")}

REDIS_PASSWORD=$(read_secret "$REDIS_PASSWORD_FILE" "the Redis password" sentinel.conf)
SENTINEL_PASSWORD=''
if [ -n "${SENTINEL_PASSWORD_FILE:-}" ]; then
  SENTINEL_PASSWORD=$(read_secret "$SENTINEL_PASSWORD_FILE" "the Sentinel password" sentinel.conf)
  REDISCLI_AUTH=$SENTINEL_PASSWORD
  export REDISCLI_AUTH
fi

primary=''
state=''
if [ -s "$SENTINEL_CONF" ]; then
  primary=$(awk -v m="$MASTER_NAME" '$1 == "sentinel" && $2 == "monitor" && $3 == m { print $4, $5; exit }' "$SENTINEL_CONF")
  state=$(grep -E "^sentinel (myid|current-epoch|config-epoch|leader-epoch|known-replica|known-sentinel) " "$SENTINEL_CONF" || true)
  [ -z "$primary" ] || log "keeping this Sentinel's own record: primary $primary"
fi
if [ -z "$primary" ]; then
  for addr in $(printf '%s' "$SENTINELS" | tr ',' ' '); do
    [ "$addr" = "$ANNOUNCE_HOST:$ANNOUNCE_PORT" ] && continue
    if reply=$(timeout "$QUERY_TIMEOUT_SECONDS" "$REDIS_CLI" -h "${addr%:*}" -p "${addr##*:}" --no-auth-warning -e --raw SENTINEL GET-MASTER-ADDR-BY-NAME "$MASTER_NAME" 2>/dev/null); then
      primary=$(printf '%s\n' "$reply" | awk 'NR == 1 { h = $0 } NR == 2 { p = $0 } END { if (h != "" && p != "") print h, p }')
      if [ -n "$primary" ]; then
        log "peer $addr names primary $primary"
        break
      fi
    fi
  done
fi

umask 077
tmp="$SENTINEL_CONF.tmp.$$"
if [ -n "$primary" ]; then
  # shellcheck disable=SC2086 # primary is "host port" by construction
  set -- $primary
  awk -v m="$MASTER_NAME" -v h="$1" -v p="$2" '$1 == "sentinel" && $2 == "monitor" && $3 == m { $4 = h; $5 = p } { print }' "$SENTINEL_CONF_SOURCE" >"$tmp"
else
  log "no state and no peer answered; monitoring the rendered bootstrap primary"
  cp "$SENTINEL_CONF_SOURCE" "$tmp"
fi
{
  printf '\n# Added at start by sentinel-start.sh\n'
  printf 'sentinel announce-ip %s\n' "$ANNOUNCE_HOST"
  printf 'sentinel announce-port %s\n' "$ANNOUNCE_PORT"
  printf 'sentinel auth-pass %s %s\n' "$MASTER_NAME" "$REDIS_PASSWORD"
  if [ -n "$SENTINEL_PASSWORD" ]; then printf 'requirepass %s\n' "$SENTINEL_PASSWORD"; fi
  if [ -n "$state" ]; then printf '%s\n' "$state"; fi
} >>"$tmp"
mv "$tmp" "$SENTINEL_CONF"

exec "$REDIS_SENTINEL" "$SENTINEL_CONF"
