#!/usr/bin/env bash
# Refreshes the dashboard's vendored chart library (uPlot, MIT) from npm: `npm pack` fetches the release tarball,
# its sha512 must equal the integrity the registry publishes (and the one pinned here), and the minified build,
# its stylesheet and the licence are copied into the jar's resources. The committed files are what the jar serves.
# usage: scripts/vendor-uplot.sh [VERSION INTEGRITY]   (both default to the pinned release)
set -euo pipefail
version="${1:-1.6.32}"
integrity="${2:-sha512-KIMVnG68zvu5XXUbC4LQEPnhwOxBuLyW1AHtpm6IKTXImkbLgkMy+jabjLgSLMasNuGGzQm/ep3tOkyTxpiQIw==}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$root/src/main/resources/dev/reason4j/dashboard"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
published="$(npm view "uplot@$version" dist.integrity)"
[ "$published" = "$integrity" ] || { echo "uplot@$version: the registry's integrity $published is not the pinned $integrity" >&2; exit 1; }
npm pack --silent "uplot@$version" >/dev/null
actual="sha512-$(openssl dgst -sha512 -binary "uplot-$version.tgz" | base64 -w0)"
[ "$actual" = "$integrity" ] || { echo "uplot-$version.tgz: sha512 $actual, expected $integrity" >&2; exit 1; }
tar xzf "uplot-$version.tgz"
cp package/dist/uPlot.iife.min.js package/dist/uPlot.min.css "$target/"
cp package/LICENSE "$target/uPlot.LICENSE"
echo "uplot $version ($integrity) vendored into $target"
