#!/usr/bin/env bash
# Install (Debian packages wordpress, php-cli, php-mysql, mariadb-server) and start MariaDB for
# the tests that run a real WordPress (tests/integration/test_wordpress_real.py).
# Idempotent. When the packages cannot be installed, say why and exit 0: those tests skip
# with the same reason.
set -uo pipefail

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

need=()
[ -f /usr/share/wordpress/wp-settings.php ] || need+=(wordpress)
command -v php >/dev/null 2>&1 || need+=(php-cli)
if ! command -v php >/dev/null 2>&1 || ! php -m 2>/dev/null | grep -qx mysqli; then need+=(php-mysql); fi
[ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing ${need[*]} for the real-WordPress tests"
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null; }; then
    echo "could not install ${need[*]}: the real-WordPress tests will be skipped" >&2
    exit 0
  fi
fi

answers() { mariadb -uroot -e 'SELECT 1' >/dev/null 2>&1; }
if ! answers; then
  echo "starting mariadbd"
  $SUDO mkdir -p /run/mysqld && $SUDO chown mysql:mysql /run/mysqld 2>/dev/null
  $SUDO start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
  for _ in $(seq 1 60); do answers && break; sleep 0.5; done
fi
if answers; then
  echo "mariadb is up"
else
  echo "mariadb is not answering as root over its socket: the real-WordPress tests will be skipped" >&2
fi
exit 0
