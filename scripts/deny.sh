#!/usr/bin/env bash
# hashpin's own supply chain, offline: the size of the binary's dependency tree against its
# budget, then cargo-deny (deny.toml) for bans, licences, sources and advisories. Advisories
# come from the RustSec snapshot in ../shared/data (see its README): the advisory services
# are not reachable from these machines, so nothing is fetched.
#
#   scripts/deny.sh            # what .ci/run runs
#   HASHPIN_SHARED_DATA=DIR    # where rustsec-advisory-db.tar.gz is, if not ../shared/data
set -euo pipefail
cd "$(dirname "$0")/.."

# Crates (name and version) in the normal dependency tree of the binary, hashpin's own
# included. Raising the budget is a reviewed change: docs/dependencies.md says what each
# family is for.
BUDGET=141
count=$(cargo tree --locked -e normal -p hashpin --prefix none | sed 's/ (\*)$//' | sort -u | wc -l)
echo "dependency tree of the hashpin binary: $count crates (budget $BUDGET)"
if [ "$count" -gt "$BUDGET" ]; then
    echo "the tree grew past its budget of $BUDGET crates; see docs/dependencies.md" >&2
    exit 1
fi

DENY_VERSION=0.20.2
if ! cargo deny --version 2>/dev/null | grep -qx "cargo-deny $DENY_VERSION"; then
    cargo install --quiet --locked "cargo-deny@$DENY_VERSION"
fi

# The snapshot: named by the environment, or beside one of the checkout's ancestors (a
# clone made elsewhere than the project's folder has none), or in the workplace's folder.
snapshot=""
for dir in ${HASHPIN_SHARED_DATA:+"$HASHPIN_SHARED_DATA"} ../shared/data ../../shared/data /work/shared/data; do
    if [ -f "$dir/rustsec-advisory-db.tar.gz" ]; then
        snapshot="$dir/rustsec-advisory-db.tar.gz"
        break
    fi
done
if [ -z "$snapshot" ]; then
    echo "cannot find rustsec-advisory-db.tar.gz: set HASHPIN_SHARED_DATA to its folder" >&2
    exit 2
fi
# The snapshot's commit and date, from the data's README (source: rustsec/advisory-db).
SNAPSHOT_COMMIT=bf5c0d245a92671908518d7e765914d437954ed6
SNAPSHOT_DATE=2026-08-21T00:00:00Z

# cargo-deny opens a git checkout named after the database's URL, under deny.toml's
# db-path; its commit date is the snapshot's, so the age cargo-deny judges is the real one.
db=target/advisory-dbs/advisory-db-3157b0e258782691
rm -rf "$db"
mkdir -p "$db"
tar -xzf "$snapshot" -C "$db"
git -C "$db" init -q
git -C "$db" add -A
GIT_AUTHOR_DATE=$SNAPSHOT_DATE GIT_COMMITTER_DATE=$SNAPSHOT_DATE \
    git -C "$db" -c user.name=snapshot -c user.email=snapshot@invalid \
    commit -qm "rustsec/advisory-db at $SNAPSHOT_COMMIT"
echo "advisories: RustSec snapshot ${SNAPSHOT_COMMIT:0:12} of ${SNAPSHOT_DATE%%T*}"

# cargo-deny reads the metadata of every platform's crates, which a build on this one never
# downloads (windows-sys, wasm's bumpalo): fetched here from crates.io, as the lock pins them.
cargo fetch --locked --quiet
cargo deny --frozen --workspace check
