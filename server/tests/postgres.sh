#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL for the server tests:
#   postgres.sh start STATE_FILE   initdb in a temporary folder, start on a free port,
#                                  write the connection URL and the folder to STATE_FILE
#   postgres.sh stop STATE_FILE    stop it and delete the folder
# PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres`
# user that Debian's package creates (or to a `consentry-test` user made here).
set -euo pipefail
action=$1
state=$2
bin=${POSTGRES_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$bin/initdb" ] || { echo "postgres.sh: no PostgreSQL server found (apt-get install postgresql)" >&2; exit 1; }

as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  owner=postgres
  if ! id -u "$owner" >/dev/null 2>&1; then
    owner=consentry-test
    id -u "$owner" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$owner"
  fi
  as_owner=(runuser -u "$owner" --)
fi

case "$action" in
  start)
    if [ -f "$state" ]; then "$0" stop "$state" || true; fi
    folder=$(mktemp -d /tmp/consentry-postgres.XXXXXX)
    chmod 755 "$folder"
    [ ${#as_owner[@]} -eq 0 ] || chown "$owner" "$folder"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    "${as_owner[@]}" "$bin/initdb" -D "$folder/data" -U postgres --auth=trust --no-instructions --no-sync -E UTF8 \
      >"$folder/initdb.log" 2>&1 || { cat "$folder/initdb.log" >&2; exit 1; }
    "${as_owner[@]}" "$bin/pg_ctl" -D "$folder/data" -l "$folder/server.log" -w -t 30 \
      -o "-p $port -k $folder -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on" start >/dev/null \
      || { cat "$folder/server.log" >&2; exit 1; }
    mkdir -p "$(dirname "$state")"
    printf 'url=postgresql://postgres@127.0.0.1:%s/postgres\nfolder=%s\nport=%s\n' "$port" "$folder" "$port" >"$state"
    echo "postgres.sh: PostgreSQL on 127.0.0.1:$port in $folder"
    ;;
  stop)
    [ -f "$state" ] || exit 0
    folder=$(sed -n 's/^folder=//p' "$state")
    if [ -n "$folder" ] && [ -d "$folder/data" ]; then
      "${as_owner[@]}" "$bin/pg_ctl" -D "$folder/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    case "$folder" in /tmp/consentry-postgres.*) rm -rf "$folder" ;; esac
    rm -f "$state"
    ;;
  *)
    echo "usage: postgres.sh start|stop STATE_FILE" >&2
    exit 2
    ;;
esac
