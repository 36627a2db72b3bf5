#!/usr/bin/env bash
# README's test command: the tools the tests drive (pip >= 26.1, packaging, uv,
# cyclonedx-python-lib; hash-pinned in scripts/test-tools/requirements.txt, installed once
# into a virtual environment), then every test. Arguments go to cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."
tools="${HASHPIN_TEST_TOOLS:-${CARGO_TARGET_DIR:-$PWD/target}/test-tools}"
lock=scripts/test-tools/requirements.txt
if ! cmp -s "$lock" "$tools/installed.txt" 2>/dev/null; then
    rm -rf "$tools"
    python3 -m venv "$tools"
    "$tools/bin/python" -m pip install --quiet --disable-pip-version-check \
        --require-hashes --no-deps -r "$lock"
    cp "$lock" "$tools/installed.txt"
fi
export HASHPIN_TEST_TOOLS="$tools"
exec cargo test --workspace --locked "$@"
