#!/usr/bin/env bash
# Opens an inventory's HTML page (hashpin inventory LOCK --format html) in headless Chromium,
# Debian's package, and takes a screenshot of it: what a reviewer sees, without a browser.
#
#   scripts/inventory-screenshot.sh inventory.html [inventory.png [HEIGHT]]
#
# The screenshot is of the window, 1100 pixels wide and HEIGHT tall (default 1500): give a
# larger HEIGHT to see a long table to its end.
# Installs chromium with apt-get when it is missing. The page has no script and no network
# resource (its content security policy forbids both); Chromium's own background traffic is
# turned off, since these machines refuse it.
set -euo pipefail
page=${1:?usage: scripts/inventory-screenshot.sh PAGE.html [OUT.png]}
out=${2:-${page%.html}.png}
height=${3:-1500}
if ! command -v chromium >/dev/null; then
    apt-get install -y -q chromium >/dev/null
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --window-size=1100,"$height" \
    --screenshot="$(realpath -m "$out")" "file://$(realpath "$page")" 2>/dev/null
echo "$out"
