#!/usr/bin/env bash
# Fuzz every parser of outside input with cargo fuzz (libFuzzer), for a bounded time each.
#
#   scripts/fuzz.sh                 # every target, 60 s each
#   SECONDS_EACH=600 scripts/fuzz.sh simple_json wheel
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`); installs the latter
# when missing. Each target starts from its committed seeds (fuzz/seeds/TARGET) plus the
# corpus grown by earlier runs on this machine (FUZZ_WORK, default /tmp/hashpin-fuzz), which
# is not committed. A crash stops the target and leaves its input in fuzz/artifacts/TARGET/:
# fix the bug, then copy the input to fuzz/regressions/TARGET/, where every test run replays
# it (crates/hashpin-pypi/tests/it/fuzz_corpus.rs, crates/hashpin-formats/src/fuzz.rs,
# crates/hashpin-build/src/fuzz.rs).
#
# Limits: 10 s per input, 2 GiB per allocation (an input that takes longer or more is a bug of
# its own), and RSS_MB (default 6144) for the whole process: pep508_rs interns every marker it
# parses in a process-wide table that never shrinks, so a long run's memory creeps up
# (about 2 GiB in 400 s on the `requirement` target) without any one input being at fault.
# JOBS (default 1) runs that many targets at once.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${SECONDS_EACH:-60}
work=${FUZZ_WORK:-/tmp/hashpin-fuzz}
jobs=${JOBS:-1}

cd "$root/fuzz"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
mapfile -t all < <(cargo +nightly fuzz list)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

cargo +nightly fuzz build

run() {
    local target=$1
    mkdir -p "$work/corpus/$target" "$root/fuzz/artifacts/$target"
    local log="$work/$target.log"
    if cargo +nightly fuzz run "$target" "$work/corpus/$target" "$root/fuzz/seeds/$target" -- \
        -max_total_time="$seconds" -timeout=10 -malloc_limit_mb=2048 -rss_limit_mb="${RSS_MB:-6144}" -print_final_stats=1 \
        >"$log" 2>&1; then
        local runs
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
        printf '%-14s ok    %s s, %s inputs run, corpus %s\n' "$target" "$seconds" "$runs" \
            "$(ls "$work/corpus/$target" | wc -l)"
    else
        printf '%-14s CRASH see %s and fuzz/artifacts/%s/\n' "$target" "$log" "$target"
        return 1
    fi
}

status=0
running=0
for target in "${targets[@]}"; do
    run "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n || status=1
        running=$((running - 1))
    fi
done
while [ "$running" -gt 0 ]; do
    wait -n || status=1
    running=$((running - 1))
done
exit $status
