#!/bin/sh
# A throwaway MariaDB server for the README demo and CI.
#
#   scripts/throwaway-mariadb.sh start DIR   # prints the socket path
#   scripts/throwaway-mariadb.sh stop DIR
#
# start: creates DIR if needed, runs mariadb-install-db into DIR/data (once),
# starts mariadbd in the background on the unix socket DIR/mariadb.sock with
# networking off, writes its PID to DIR/mariadbd.pid and waits until it takes
# connections (up to 60 s). Root connects over the socket with no password.
# Only the socket path goes to stdout, so that
#   SOCK=$(scripts/throwaway-mariadb.sh start /tmp/demo-db)
# works; progress and errors go to stderr. The error log is DIR/mariadbd.err.
#
# stop: sends SIGTERM to the PID in DIR/mariadbd.pid (only if that process is
# a mariadbd), waits up to 30 s, then SIGKILL. DIR is left in place. Stopping
# a stopped server succeeds, so it is safe in a CI cleanup step.
#
# Environment: MARIADBD, MARIADB_INSTALL_DB override the programs' paths.
set -eu

die() { echo "throwaway-mariadb: $*" >&2; exit 1; }

find_prog() {
  for p in $(command -v "$1" 2>/dev/null) "/usr/sbin/$1" "/usr/bin/$1" "/usr/local/sbin/$1"; do
    if [ -x "$p" ]; then echo "$p"; return 0; fi
  done
  return 1
}

# True while PID $1 is a live process (not a zombie).
is_alive() {
  [ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  state=${stat##*) }
  state=${state%% *}
  [ "$state" != Z ]
}

# True while PID $1 is a live mariadbd.
is_mariadbd() {
  is_alive "$1" || return 1
  case "$(cat "/proc/$1/comm" 2>/dev/null)" in mariadbd|mysqld) return 0 ;; *) return 1 ;; esac
}

start() {
  mkdir -p "$1"
  dir=$(cd "$1" && pwd)
  sock="$dir/mariadb.sock"
  pidfile="$dir/mariadbd.pid"
  errlog="$dir/mariadbd.err"
  [ ${#sock} -lt 100 ] || die "socket path '$sock' is too long for a unix socket (max ~100 bytes)"
  if [ -f "$pidfile" ] && is_mariadbd "$(cat "$pidfile")"; then
    die "a server is already running in $dir (pid $(cat "$pidfile")); stop it first"
  fi

  mariadbd=${MARIADBD:-$(find_prog mariadbd)} || die "mariadbd not found (install mariadb-server)"
  install_db=${MARIADB_INSTALL_DB:-$(find_prog mariadb-install-db)} ||
    die "mariadb-install-db not found (install mariadb-server)"
  admin=$(find_prog mariadb-admin) || die "mariadb-admin not found (install mariadb-client)"
  user_opt=""
  [ "$(id -u)" -ne 0 ] || user_opt="--user=root"

  if [ ! -d "$dir/data/mysql" ]; then
    echo "throwaway-mariadb: installing system tables in $dir/data" >&2
    # shellcheck disable=SC2086  # $user_opt is empty or one word
    "$install_db" --no-defaults --auth-root-authentication-method=normal --skip-test-db \
      --datadir="$dir/data" --innodb-log-file-size=8M $user_opt >"$dir/install-db.log" 2>&1 ||
      { tail -n 20 "$dir/install-db.log" >&2; die "mariadb-install-db failed (log: $dir/install-db.log)"; }
  fi

  rm -f "$sock"
  # shellcheck disable=SC2086
  nohup "$mariadbd" --no-defaults --datadir="$dir/data" --socket="$sock" --skip-networking \
    --pid-file="$pidfile" --log-error="$errlog" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci --innodb-log-file-size=8M \
    $user_opt </dev/null >"$dir/mariadbd.out" 2>&1 &
  pid=$!
  echo "$pid" >"$pidfile"

  i=0
  while :; do
    # Not is_mariadbd: until nohup has exec'd, the process is not named so.
    if ! is_alive "$pid"; then
      tail -n 20 "$errlog" >&2 || true
      rm -f "$pidfile"
      die "mariadbd exited before taking connections (log: $errlog)"
    fi
    if [ -S "$sock" ] && "$admin" --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1; then
      break
    fi
    i=$((i + 1))
    if [ "$i" -ge 600 ]; then
      tail -n 20 "$errlog" >&2 || true
      kill -KILL "$pid" 2>/dev/null || true
      rm -f "$pidfile"
      die "mariadbd (pid $pid) not ready within 60 s (log: $errlog)"
    fi
    sleep 0.1
  done
  echo "throwaway-mariadb: mariadbd pid $pid ready on $sock" >&2
  echo "$sock"
}

stop() {
  dir=$(cd "$1" 2>/dev/null && pwd) || die "no directory '$1'"
  pidfile="$dir/mariadbd.pid"
  if [ ! -f "$pidfile" ]; then
    echo "throwaway-mariadb: no $pidfile: nothing to stop" >&2
    return 0
  fi
  pid=$(cat "$pidfile")
  if ! is_mariadbd "$pid"; then
    rm -f "$pidfile"
    echo "throwaway-mariadb: pid $pid from $pidfile is not running mariadbd; nothing to stop" >&2
    return 0
  fi
  kill -TERM "$pid"
  i=0
  while is_mariadbd "$pid"; do
    i=$((i + 1))
    if [ "$i" -ge 300 ]; then
      echo "throwaway-mariadb: mariadbd pid $pid still running after 30 s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  rm -f "$pidfile"
  echo "throwaway-mariadb: stopped mariadbd pid $pid" >&2
}

[ $# -eq 2 ] || die "usage: $0 start|stop DIR"
case "$1" in
  start) start "$2" ;;
  stop) stop "$2" ;;
  *) die "unknown command '$1' (usage: $0 start|stop DIR)" ;;
esac
