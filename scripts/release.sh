#!/usr/bin/env bash
# The release build: the binary, and beside it hashpin.cdx.json, the CycloneDX SBOM of the
# crates built into it (scripts/sbom.py; docs/dependencies.md), for the same target.
#
#   scripts/release.sh [--target TRIPLE]
set -euo pipefail
cd "$(dirname "$0")/.."
target_args=()
if [ "${1:-}" = "--target" ]; then
    target_args=(--target "$2")
fi
cargo build --release --locked -p hashpin "${target_args[@]}"
out="${CARGO_TARGET_DIR:-target}"
[ ${#target_args[@]} -gt 0 ] && out="$out/$2"
out="$out/release"
python3 scripts/sbom.py "${target_args[@]}" -o "$out/hashpin.cdx.json"
echo "release: $out/hashpin and $out/hashpin.cdx.json"
