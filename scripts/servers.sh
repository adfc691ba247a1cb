#!/usr/bin/env bash
# Throwaway servers for the suites of the distributed engines (CTest labels
# `nats` and `postgres`), on loopback, with their data in DIR:
#   servers.sh start DIR   starts nats-server (JetStream) and a PostgreSQL
#                          cluster on free ports; prints the variables the
#                          suites read, as shell assignments:
#                            STAYLAB_NATS_URL=nats://127.0.0.1:PORT
#                            STAYLAB_POSTGRES_URL=host=127.0.0.1 port=PORT ...
#   servers.sh stop DIR    stops both (fast shutdown, then SIGKILL) and
#                          removes DIR.
# scripts/test.sh starts them before CTest and stops them on exit, whatever
# happens. A suite run without these variables starts servers of its own.
# As root, PostgreSQL runs as the user postgres.
set -euo pipefail

usage() {
  echo "usage: servers.sh start|stop DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
command=$1
dir=$2

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
as_postgres=()
if [ "$(id -u)" -eq 0 ]; then
  as_postgres=(/usr/bin/setpriv --reuid=postgres --regid=postgres --init-groups --)
fi

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_port() {
  local name=$1 port=$2 log=$3
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "servers.sh: $name did not listen on port $port within 30 s; it wrote:" >&2
  cat "$log" >&2
  return 1
}

start() {
  if [ -z "$pg_bin" ]; then
    echo "servers.sh: no PostgreSQL under /usr/lib/postgresql (scripts/setup.sh installs it)" >&2
    exit 1
  fi
  # Whatever fails from here on, what started is stopped.
  trap 'echo "servers.sh: start failed; stopping what started" >&2; stop' ERR
  mkdir -p "$dir/nats" "$dir/sockets"
  local nats_port pg_port
  nats_port=$(free_port)
  /usr/sbin/nats-server --jetstream --store_dir "$dir/nats" --addr 127.0.0.1 --port "$nats_port" \
    >"$dir/nats.log" 2>&1 &
  echo $! >"$dir/nats.pid"
  wait_for_port nats-server "$nats_port" "$dir/nats.log"

  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$dir" "$dir/sockets"
    if ! "${as_postgres[@]}" test -w "$dir"; then
      echo "servers.sh: the user postgres cannot reach $dir (a parent directory is closed to" \
        "other users); give a DIR under /tmp, for instance" >&2
      stop
      exit 1
    fi
  fi
  "${as_postgres[@]}" "$pg_bin/initdb" --pgdata "$dir/postgres" --username staylab --auth trust \
    --encoding UTF8 --locale C --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; stop; exit 1; }
  pg_port=$(free_port)
  "${as_postgres[@]}" "$pg_bin/postgres" -D "$dir/postgres" -p "$pg_port" \
    -c listen_addresses=127.0.0.1 -c "unix_socket_directories=$dir/sockets" \
    -c max_connections=100 -c shared_buffers=32MB >"$dir/postgres.log" 2>&1 &
  echo $! >"$dir/postgres.pid"
  wait_for_port postgres "$pg_port" "$dir/postgres.log"
  local ready=false
  for _ in $(seq 1 300); do
    if "$pg_bin/pg_isready" --quiet --host 127.0.0.1 --port "$pg_port"; then
      ready=true
      break
    fi
    sleep 0.1
  done
  if ! $ready; then
    echo "servers.sh: PostgreSQL did not accept sessions within 30 s; it wrote:" >&2
    cat "$dir/postgres.log" >&2
    stop
    exit 1
  fi

  echo "STAYLAB_NATS_URL=nats://127.0.0.1:$nats_port"
  echo "STAYLAB_POSTGRES_URL='host=127.0.0.1 port=$pg_port user=staylab dbname=postgres connect_timeout=10'"
}

# Sends `signal` to the pid in FILE, then SIGKILL if it has not ended in 10 s.
stop_one() {
  local file=$1 signal=$2 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  kill "-$signal" "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

stop() {
  stop_one "$dir/nats.pid" TERM
  stop_one "$dir/postgres.pid" INT  # PostgreSQL's fast shutdown.
  rm -rf "$dir"
}

case "$command" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
