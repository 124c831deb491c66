#!/usr/bin/env bash
# Runs the test suite against a throwaway PostgreSQL cluster and Debian's chromium.
#
#   scripts/run-tests.sh [pytest arguments...]
#
# A fresh cluster is initialised in a temporary directory, listens on a free
# loopback port (unix socket inside the temporary directory, trust auth), and
# gets a database `xinzhi_test`. The cluster is stopped and the directory
# removed on every exit, whatever pytest did. pytest's exit code is passed
# through; "no tests collected" (5) is reported and is a failure too.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)

log() { printf 'run-tests: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

PYTHON=${PYTHON:-$repo/.venv/bin/python}
[[ -x $PYTHON ]] || die "$PYTHON not found: run \`make install\` (or \`make test\`) first"

# --- PostgreSQL server binaries --------------------------------------------------------
pg_bindir=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -n -r); do
    if [[ -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]]; then pg_bindir=$d; break; fi
done
if [[ -z $pg_bindir ]] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    pg_bindir=$(dirname "$(readlink -f "$(command -v initdb)")")
fi
[[ -n $pg_bindir ]] || die "no PostgreSQL server binaries (initdb, pg_ctl): run \`make system-deps\`"
pg_isready=$pg_bindir/pg_isready
[[ -x $pg_isready ]] || pg_isready=$(command -v pg_isready || true)

# PostgreSQL refuses to run as root: then the cluster belongs to the `postgres` user.
as_pg=()
if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user to run the cluster as"
    if command -v runuser >/dev/null 2>&1; then
        as_pg=(runuser -u postgres --)
    else
        as_pg=(su postgres -s /bin/sh -c '"$0" "$@"')
    fi
fi

pg_tmp=$(mktemp -d "${TMPDIR:-/tmp}/xinzhi-pg.XXXXXX")
pg_data=$pg_tmp/data
pg_sock=$pg_tmp/sock
pg_log=$pg_tmp/postgres.log
pg_started=0

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [[ $pg_started -eq 1 ]]; then
        if ! "${as_pg[@]}" "$pg_bindir/pg_ctl" stop -D "$pg_data" -m fast -w -t 30 >/dev/null 2>&1; then
            log "pg_ctl stop failed; killing the postmaster"
            if [[ -f $pg_data/postmaster.pid ]]; then
                kill -9 "$(head -1 "$pg_data/postmaster.pid")" 2>/dev/null || true
            fi
        fi
    fi
    rm -rf "$pg_tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

mkdir -p "$pg_sock"
[[ ${#as_pg[@]} -eq 0 ]] || chown -R postgres: "$pg_tmp"
chmod 700 "$pg_tmp"

locale=C
locale -a 2>/dev/null | grep -qix 'c.utf-\?8' && locale=C.UTF-8

pg_start_time=$SECONDS
"${as_pg[@]}" "$pg_bindir/initdb" -D "$pg_data" -U postgres -A trust -E UTF8 --locale="$locale" \
    --no-sync >"$pg_tmp/initdb.log" 2>&1 || { cat "$pg_tmp/initdb.log" >&2; die "initdb failed"; }

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# A port found free can be taken before the server binds it: try a few.
PG_START_TIMEOUT=${PG_START_TIMEOUT:-60}
for attempt in 1 2 3; do
    port=$(free_port)
    if "${as_pg[@]}" "$pg_bindir/pg_ctl" start -D "$pg_data" -l "$pg_log" -w -t "$PG_START_TIMEOUT" -o \
        "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$pg_sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        >/dev/null 2>&1; then
        pg_started=1
        break
    fi
    # pg_ctl may have timed out while the server is still coming up: make sure it is gone.
    [[ -f $pg_data/postmaster.pid ]] && { pg_started=1; "${as_pg[@]}" "$pg_bindir/pg_ctl" stop -D "$pg_data" -m immediate -w >/dev/null 2>&1 || true; pg_started=0; }
    log "PostgreSQL did not start on port $port (attempt $attempt); its log:"
    tail -n 20 "$pg_log" >&2 || true
done
[[ $pg_started -eq 1 ]] || die "could not start PostgreSQL within ${PG_START_TIMEOUT}s (3 attempts); see the log above"

# pg_ctl -w already waited; confirm over TCP, as the tests will connect.
ready=0
for _ in $(seq 1 $((PG_START_TIMEOUT * 4))); do
    if [[ -n $pg_isready ]]; then
        "$pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres && { ready=1; break; }
    elif "$PYTHON" -c "import psycopg; psycopg.connect('host=127.0.0.1 port=$port user=postgres dbname=postgres', connect_timeout=2).close()" 2>/dev/null; then
        ready=1; break
    fi
    sleep 0.25
done
if [[ $ready -ne 1 ]]; then
    tail -n 50 "$pg_log" >&2 || true
    die "PostgreSQL on 127.0.0.1:$port did not answer within ${PG_START_TIMEOUT}s"
fi

"$pg_bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres xinzhi_test \
    || die "could not create database xinzhi_test"
log "PostgreSQL $("$pg_bindir/postgres" --version | awk '{print $3}') ready on 127.0.0.1:$port in $((SECONDS - pg_start_time))s ($pg_tmp)"

export XINZHI_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/xinzhi_test"
export XINZHI_REQUIRE_POSTGRES=1
export XINZHI_CHROMIUM=${XINZHI_CHROMIUM:-/usr/bin/chromium}
export XINZHI_REQUIRE_BROWSER=1

# pytest runs in the background so that a TERM/HUP sent to this script is acted on at once
# (passed on to pytest, then the cluster is stopped) instead of after pytest ends. Ctrl-C
# reaches pytest directly from the terminal, so INT is not passed on a second time.
# One pytest worker per core (pytest-xdist), a test module kept on one worker so that its
# module-scoped fixtures (demo cities, Spark sessions) are built once. XINZHI_TEST_WORKERS=0
# runs everything in this process (for --pdb).
workers=${XINZHI_TEST_WORKERS:-auto}
xdist=(-n "$workers")
[[ $workers != 0 ]] && xdist+=(--dist loadscope)
( trap - INT TERM HUP; exec "$PYTHON" -m pytest "${xdist[@]}" "$@" ) <&0 &   # keep stdin (for --pdb)
pytest_pid=$!
trap ':' INT
trap 'kill -TERM "$pytest_pid" 2>/dev/null || true' TERM HUP
rc=0
while :; do
    wait "$pytest_pid" && rc=0 || rc=$?
    kill -0 "$pytest_pid" 2>/dev/null || break   # still running: wait was cut short by a signal
done
trap 'exit 130' INT
trap 'exit 143' TERM HUP
case $rc in
    0) ;;
    5) log "pytest collected no tests (exit 5): that is a failure here" ;;
    *) log "pytest exited with $rc" ;;
esac
exit "$rc"
