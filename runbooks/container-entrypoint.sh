#!/bin/sh
# Entry point of the runbooks image: `controller ...` runs the failover controller, `runbook <name> ...`
# runs one runbook (the DR test CronJobs), `probe ...` the recovery probe. exec keeps node as PID 1's only child for clean SIGTERM.
set -eu
cd /app
cmd="${1:-}"
if [ "$#" -gt 0 ]; then shift; fi
case "$cmd" in
  controller) exec node -r @swc-node/register cli/controller.ts "$@" ;;
  runbook) exec node -r @swc-node/register cli/runbook.ts "$@" ;;
  probe) exec node -r @swc-node/register cli/probe.ts "$@" ;;
  *)
    echo "usage: controller [options] | runbook <name> [options] | probe [options]" >&2
    exit 2
    ;;
esac
