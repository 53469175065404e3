#!/usr/bin/env bash
# A throw-away PostgreSQL server on 127.0.0.1 for tests and local trials.
#
#   eval "$(scripts/postgres.sh start)"   # starts one; prints `export REVLEDGER_TEST_DATABASE_URL=...`
#   scripts/postgres.sh stop              # stops it and removes its data directory
#
# Data lives in a temporary directory (recorded in $STATE: $REVLEDGER_PG_STATE, default
# /tmp/revledger-pg-$USER.state).
# As root the server runs as the `postgres` user (initdb refuses root). fsync=off: tests only,
# never for a ledger you care about (see docs/postgresql.md for a real setup).
set -euo pipefail

STATE=${REVLEDGER_PG_STATE:-${TMPDIR:-/tmp}/revledger-pg-$(id -un).state}

find_bin() {
  local name=$1 dir
  if command -v "$name" >/dev/null 2>&1 && [[ "$(command -v "$name")" != /usr/bin/* ]]; then
    command -v "$name"; return
  fi
  for dir in /usr/lib/postgresql/*/bin; do
    if [[ -x "$dir/$name" ]]; then echo "$dir/$name"; return; fi
  done
  command -v "$name" 2>/dev/null || { echo "postgres.sh: $name not found (apt-get install -y postgresql)" >&2; exit 1; }
}

as_owner() {  # run a command as the server's owner
  if [[ $(id -u) -eq 0 ]]; then su postgres -s /bin/bash -c "$(printf '%q ' "$@")"; else "$@"; fi
}

start() {
  local initdb pg_ctl dir port password owner
  initdb=$(find_bin initdb); pg_ctl=$(find_bin pg_ctl)
  if [[ -f $STATE ]]; then echo "postgres.sh: already running (see $STATE); stop it first" >&2; exit 1; fi
  dir=$(mktemp -d /tmp/revledger-pg.XXXXXX)
  owner=$(id -un); [[ $(id -u) -eq 0 ]] && owner=postgres
  chown "$owner" "$dir"; chmod 700 "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  password=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
  printf '%s\n' "$password" > "$dir/pwfile"; chown "$owner" "$dir/pwfile"
  as_owner "$initdb" -D "$dir/data" -U revledger --pwfile="$dir/pwfile" --auth=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$dir/pwfile"
  as_owner "$pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null || { cat "$dir/log" >&2; exit 1; }
  printf 'DIR=%q\nPG_CTL=%q\nURL=%q\n' "$dir" "$pg_ctl" \
    "postgresql://revledger:$password@127.0.0.1:$port/postgres" > "$STATE"
  echo "export REVLEDGER_TEST_DATABASE_URL=postgresql://revledger:$password@127.0.0.1:$port/postgres"
}

stop() {
  [[ -f $STATE ]] || { echo "postgres.sh: nothing to stop ($STATE missing)" >&2; return 0; }
  # shellcheck disable=SC1090
  source "$STATE"
  as_owner "$PG_CTL" -D "$DIR/data" -m fast -w stop >/dev/null || true
  rm -rf -- "$DIR" "$STATE"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  url) source "$STATE"; echo "$URL" ;;
  *) echo "usage: scripts/postgres.sh start|stop|url" >&2; exit 2 ;;
esac
