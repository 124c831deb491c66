#!/usr/bin/env bash
# Installs, with apt-get, the system packages the test suite and the demo need,
# but only those that are missing. Safe to run again and again: when everything
# is present it does nothing and touches no network.
#
#   postgresql      server binaries (initdb, pg_ctl, postgres) for the throwaway test cluster
#   chromium        headless browser for the end-to-end tests (driven by Playwright)
#   fonts-noto-cjk  Chinese fonts, so screenshots and generated notices render 汉字
#   java 17         openjdk-17-jre-headless, for the PySpark engine tests (Spark runs on the JVM)
#   poppler-utils   pdftoppm, to render generated PDF notices to images in the tests
#   wrk             HTTP load generator for the web benchmark (benchmarks/bench_web.py)
set -euo pipefail

log() { printf 'ensure-system-packages: %s\n' "$*" >&2; }

have_postgres_server() {
    # A server install gives initdb and pg_ctl, on PATH or under /usr/lib/postgresql/<v>/bin.
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        return 0
    fi
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]] && return 0
    done
    return 1
}

have_pg_isready() { command -v pg_isready >/dev/null 2>&1 || compgen -G '/usr/lib/postgresql/*/bin/pg_isready' >/dev/null; }

have_chromium() { [[ -x /usr/bin/chromium ]] || command -v chromium >/dev/null 2>&1; }

have_cjk_fonts() {
    if dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'install ok installed'; then
        return 0
    fi
    compgen -G '/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc' >/dev/null
}

have_java17() {
    command -v java >/dev/null 2>&1 && java -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])'
}

missing=()
if ! have_postgres_server || ! have_pg_isready; then missing+=(postgresql); fi
have_chromium  || missing+=(chromium)
have_cjk_fonts || missing+=(fonts-noto-cjk)
have_java17    || missing+=(openjdk-17-jre-headless)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)

if ((${#missing[@]} == 0)); then
    log "all present (postgresql server, chromium, fonts-noto-cjk, java 17, poppler-utils, wrk)"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    log "missing: ${missing[*]}, and there is no apt-get on this machine."
    log "Install them with your system's package manager, then run this again."
    exit 1
fi

as_root=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        as_root=(sudo)
    else
        log "missing: ${missing[*]}. Installing them needs root, and sudo is not available."
        log "As root, run:  apt-get update && apt-get install --no-install-recommends ${missing[*]}"
        exit 1
    fi
fi

log "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
start=$SECONDS
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
log "installed in $((SECONDS - start))s: ${missing[*]}"

# Check the result rather than trusting apt's exit code alone.
fail=0
have_postgres_server || { log "still no PostgreSQL server binaries (initdb, pg_ctl)"; fail=1; }
have_chromium        || { log "still no /usr/bin/chromium"; fail=1; }
have_cjk_fonts       || { log "still no fonts-noto-cjk"; fail=1; }
exit $fail
