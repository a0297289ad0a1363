#!/usr/bin/env bash
# Start (and if needed install) the Redis and PostgreSQL that the test suite talks to.
# Idempotent: does nothing when both already answer on 127.0.0.1.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- Redis -------------------------------------------------------------------------
if ! port_open 6379; then
  command -v redis-server >/dev/null || apt_install redis-server
  echo "starting redis-server on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
fi

# --- PostgreSQL ----------------------------------------------------------------------
if ! port_open 5432; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then apt_install postgresql; fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  # Tests connect as postgres over TCP without a password (local, throwaway databases).
  if ! grep -q "colombe-tests" "$hba"; then
    $SUDO sed -i '1i host all all 127.0.0.1/32 trust # colombe-tests\nhost all all ::1/128 trust # colombe-tests' "$hba"
  fi
  echo "starting postgresql $version"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start
fi

for i in $(seq 1 60); do
  if port_open 6379 && port_open 5432; then break; fi
  sleep 0.5
done
port_open 6379 || { echo "redis is not answering on 127.0.0.1:6379" >&2; exit 1; }
port_open 5432 || { echo "postgresql is not answering on 127.0.0.1:5432" >&2; exit 1; }
echo "redis and postgresql are up"
