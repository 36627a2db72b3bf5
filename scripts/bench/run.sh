#!/usr/bin/env bash
# Benchmark `hashpin compile` against `uv pip compile --generate-hashes` and
# `pip-compile --generate-hashes` (pip-tools). See docs/benchmarks.md.
#
#   scripts/bench/run.sh
#
# Idempotent setup: hyperfine and GNU time from apt, a throwaway venv with uv and pip-tools,
# a release build of hashpin in its own target directory. Then, for every requirement set
# in scripts/bench/sets/: cold, warm and offline runs under hyperfine, peak memory of every
# timed run, and a check that the locks agree. Results go to scripts/bench/results/.
#
# Knobs (environment): RUNS (hashpin and uv, default 5), PC_RUNS (pip-compile, default 3),
# SETS (default: every sets/*.in), PC_MODES (pip-compile modes, default "cold warm"),
# BENCH_BUDGET (seconds, default 1200: pip-compile's warm runs of a set are skipped when
# its cold runs took so long that repeating them would end past it),
# BENCH_WORK (scratch: caches, locks, venv; default /tmp/hashpin-bench),
# BENCH_TARGET_DIR (cargo target dir; default ../target-bench beside the repository).
#
# No index address is written anywhere: hashpin and pip-compile read pip's configuration,
# and uv is handed pip's index at run time through UV_DEFAULT_INDEX.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cutoff=2025-06-01T00:00:00Z
runs=${RUNS:-5}
pc_runs=${PC_RUNS:-3}
pc_modes=${PC_MODES:-cold warm}
budget=${BENCH_BUDGET:-1200}
work=${BENCH_WORK:-/tmp/hashpin-bench}
target_dir=${BENCH_TARGET_DIR:-$(cd "$root/.." && pwd)/target-bench}
results=$here/results
venv=$work/venv
started=$(date +%s)

log() { printf '\n== %s\n' "$*" >&2; }

# --- setup -------------------------------------------------------------------------------
log "setup"
if ! command -v hyperfine >/dev/null || [ ! -x /usr/bin/time ]; then
    apt-get install -y hyperfine time >/dev/null 2>&1 ||
        { apt-get update >/dev/null && apt-get install -y hyperfine time >/dev/null; }
fi
# The interpreter every tool locks for: the real python3, not a shim in front of it.
py=$(python3 -c 'import sys; print(sys.executable)')
if [ ! -x "$venv/bin/uv" ] || [ ! -x "$venv/bin/pip-compile" ]; then
    rm -rf "$venv"
    "$py" -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip
    "$venv/bin/pip" install -q uv pip-tools
fi
(cd "$root" && CARGO_TARGET_DIR=$target_dir cargo build --release --locked --quiet)
hashpin=$target_dir/release/hashpin
uv=$venv/bin/uv
pipcompile=$venv/bin/pip-compile

# pip's index, as pip itself would use it; handed to uv through the environment so that no
# command line, export or lock written below contains it.
index=${PIP_INDEX_URL:-$("$py" -m pip config get global.index-url 2>/dev/null ||
    "$py" -c 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)')}
export UV_DEFAULT_INDEX=$index
index_host=$("$py" -c 'import sys, urllib.parse; print(urllib.parse.urlsplit(sys.argv[1]).hostname or "")' "$index")
# uv reads SSL_CERT_FILE; without it, have it trust the system store (TLS-intercepting proxies).
if [ -z "${SSL_CERT_FILE:-}" ]; then export UV_SYSTEM_CERTS=1 UV_NATIVE_TLS=1; fi
unset HASHPIN_CACHE_DIR UV_CACHE_DIR PIP_TOOLS_CACHE_DIR UV_OFFLINE UV_EXCLUDE_NEWER

rm -rf "$results" "$work/cache" "$work/out" "$work/mem" "$work/err"
mkdir -p "$results/raw" "$work/cache" "$work/out" "$work/mem" "$work/err"

# --- what ran, and where ------------------------------------------------------------------
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "nproc: $(nproc)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "kernel: $(uname -sr)"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$results/machine.txt"
{
    echo "hashpin: $("$hashpin" --version | awk '{print $2}') (commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- crates Cargo.toml Cargo.lock || echo ', dirty'))"
    echo "uv: $("$uv" --version | awk '{print $2}')"
    echo "pip-tools: $("$pipcompile" --version | awk '{print $NF}') (pip $("$venv/bin/pip" --version | awk '{print $2}'))"
    echo "python: $("$py" -c 'import platform; print(platform.python_version())')"
    echo "hyperfine: $(hyperfine --version | awk '{print $2}')"
} >"$results/versions.txt"
cat "$results/machine.txt" "$results/versions.txt" >&2

# --- the commands ---------------------------------------------------------------------------
# Each timed command runs under GNU time (peak RSS of every run, appended to a file) with its
# standard error appended to a log (hashpin and uv print their own timing there).
# Output files are removed before every run: an existing lock's pins would be reused.
cmd() { # tool set mode -> the shell command hyperfine times
    local tool=$1 set=$2 mode=$3 in=$here/sets/$2.in out=$work/out/$2.$3.$1.txt
    local wrap="/usr/bin/time -a -o $work/mem/$set.$mode.$tool -f %M"
    local offline=""
    [ "$mode" = offline ] && offline=--offline
    case $tool in
    hashpin) echo "$wrap $hashpin compile $in -o $out --exclude-newer $cutoff --python $py --cache-dir $work/cache/$set.hashpin $offline 2>>$work/err/$set.$mode.$tool" ;;
    uv) echo "$wrap $uv pip compile $in -o $out --generate-hashes --exclude-newer $cutoff --python $py --cache-dir $work/cache/$set.uv $offline 2>>$work/err/$set.$mode.$tool" ;;
    pip-compile) echo "$wrap $pipcompile $in -o $out -q --generate-hashes --allow-unsafe --strip-extras --cache-dir $work/cache/$set.pip-compile --pip-args '--uploaded-prior-to $cutoff' 2>>$work/err/$set.$mode.$tool" ;;
    esac
}
prep() { # tool set mode -> what runs before each timed run
    local out=$work/out/$2.$3.$1.txt
    if [ "$3" = cold ]; then echo "rm -rf $work/cache/$2.$1 $out"; else echo "rm -f $out"; fi
}
bench() { # set mode nruns tool... : one hyperfine call, the tools side by side
    local set=$1 mode=$2 n=$3 args=() tool
    shift 3
    for tool in "$@"; do args+=(-n "$tool" --prepare "$(prep "$tool" "$set" "$mode")" "$(cmd "$tool" "$set" "$mode")"); done
    log "$set / $mode: $* ($n runs)"
    # -i: a failing tool is still timed; its exit codes land in the export and its error in
    # the log, and the report says so instead of the whole run stopping.
    hyperfine -i --style basic --runs "$n" --export-json "$results/raw/$set.$mode.$(echo "$*" | tr ' ' '+').json" \
        "${args[@]}" 2>&1 | tee -a "$results/hyperfine.log" >&2
}

sets=${SETS:-$(cd "$here/sets" && ls -- *.in | sed 's/\.in$//')}
for set in $sets; do
    # Cold first: it leaves the caches that the warm and offline runs use.
    bench "$set" cold "$runs" hashpin uv
    case " $pc_modes " in *" cold "*) bench "$set" cold "$pc_runs" pip-compile ;; esac
    bench "$set" warm "$runs" hashpin uv
    # pip-compile caches nothing from an index that sends no cache headers, so its warm runs
    # repeat its cold ones; they are the first thing dropped when time runs short.
    case " $pc_modes " in *" warm "*)
        pc_cold=$(python3 -c 'import json, sys; print(int(sum(sum(r["times"]) for r in json.load(open(sys.argv[1]))["results"])))' \
            "$results/raw/$set.cold.pip-compile.json" 2>/dev/null || echo 0)
        if [ $(($(date +%s) - started + pc_cold)) -lt "$budget" ]; then
            bench "$set" warm "$pc_runs" pip-compile
        else
            echo "$set" >>"$results/pc-warm-skipped.txt"
        fi ;;
    esac
    bench "$set" offline "$runs" hashpin uv
    for tool in hashpin uv pip-compile; do
        [ -d "$work/cache/$set.$tool" ] && echo "$set $tool $(du -sk "$work/cache/$set.$tool" | cut -f1)" >>"$results/cache-kib.txt"
    done
done

# --- report --------------------------------------------------------------------------------
for f in "$work"/mem/*; do cp "$f" "$results/raw/$(basename "$f").peak-kib"; done
for f in "$work"/err/*; do cp "$f" "$results/raw/$(basename "$f").stderr"; done
elapsed=$(($(date +%s) - started))
echo "elapsed: ${elapsed}s" >>"$results/machine.txt"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$results/machine.txt"
python3 "$here/summarize.py" "$results" "$work/out" $sets >"$results/summary.md"
# Nothing written may name the index: check, and scrub if something slipped through.
if [ -n "$index_host" ] && grep -rlF "$index_host" "$results" >/dev/null 2>&1; then
    echo "warning: the index host appeared in results; scrubbing" >&2
    grep -rlF "$index_host" "$results" | xargs sed -i "s/$(printf '%s' "$index_host" | sed 's/[.]/\\./g')/INDEX-HOST/g"
fi
cat "$results/summary.md"
log "done in ${elapsed}s; results in ${results#"$root"/}/"
