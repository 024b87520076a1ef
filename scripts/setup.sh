#!/usr/bin/env bash
# Installs what the tests and drills need: Debian packages (servers and linters) and npm packages.
# Safe to run again; runs as root (CI, fresh machines) or with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

DEBIAN_PACKAGES=(
  postgresql-15 postgresql-client-15   # PostgreSQL: config lint (postgres -C), backup/restore tests, drills
  redis-server redis-sentinel          # Redis: config lint, role discovery tests, drills
  patroni etcd-server etcd-client      # Patroni drills with a local etcd
  shellcheck                           # every shell script we ship
  awscli                               # the backup scripts' uploader, against a local S3 endpoint
  prometheus prometheus-postgres-exporter prometheus-redis-exporter  # promtool rule tests, signal drills
)

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  # Servers are started by the tests themselves, never as system services.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts the packaged services on install; the tests run their own instances on other ports.
for svc in redis-server redis-sentinel etcd patroni postgresql prometheus prometheus-postgres-exporter prometheus-redis-exporter; do
  $SUDO systemctl stop "$svc" >/dev/null 2>&1 || $SUDO service "$svc" stop >/dev/null 2>&1 || true
done

# PostgreSQL refuses to run as root: tests and drills run servers as this unprivileged user.
if ! id agentdr >/dev/null 2>&1; then
  $SUDO useradd --system --create-home --shell /bin/bash agentdr
fi
# The servers run the checkout's Node and scripts as that user, so every directory above the
# checkout must be searchable by it (a checkout under `mktemp -d` sits in a 0700 directory).
dir=""
IFS=/ read -ra parts <<< "$(pwd -P)"
for part in "${parts[@]}"; do
  [ -n "$part" ] || continue
  dir="$dir/$part"
  if ! $SUDO runuser -u agentdr -- test -x "$dir" 2>/dev/null; then
    echo "setup: letting agentdr traverse $dir (search permission only)"
    $SUDO chmod o+x "$dir"
  fi
done

# The project pins Node 22 as an npm package (devDependency "node"); npm scripts run with it.
npm ci --no-audit --no-fund
