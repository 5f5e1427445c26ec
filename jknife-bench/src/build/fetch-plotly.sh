#!/usr/bin/env bash
# Fetches the Plotly bundle embedded in `jknife bench plot` pages from the npm registry into the
# build's generated resources: fetch-plotly.sh PACKAGE VERSION INTEGRITY OUTDIR
# The tarball is checked against the pinned integrity (sha512, as npm records it). Never fails the
# build: without npm or the registry, it warns and `bench plot` reports the bundle as missing.
set -uo pipefail
pkg="$1" ver="$2" integrity="$3" out="$4"
warn() { echo "[fetch-plotly] WARNING: $*; 'jknife bench plot' will report the Plotly bundle as missing" >&2; exit 0; }

if [ -f "$out/plotly.min.js" ] && grep -qx "version=$ver" "$out/plotly.properties" 2>/dev/null; then
    exit 0
fi
command -v npm >/dev/null 2>&1 || warn "npm not found"
command -v node >/dev/null 2>&1 || warn "node not found"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent --prefer-offline --no-fund --no-audit "$pkg@$ver" >pack.out 2>pack.err) \
    || warn "npm pack $pkg@$ver failed: $(tail -n 3 "$tmp/pack.err" 2>/dev/null | tr '\n' ' ')"
tarball="$(ls "$tmp"/*.tgz 2>/dev/null | head -n 1)"
[ -n "$tarball" ] || warn "npm pack $pkg@$ver produced no tarball"
actual="sha512-$(node -e 'const c=require("crypto");process.stdout.write(c.createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$tarball")"
[ "$actual" = "$integrity" ] || warn "$pkg@$ver integrity mismatch (expected $integrity, got $actual)"
tar -xzf "$tarball" -C "$tmp" package/plotly.min.js package/LICENSE 2>/dev/null || tar -xzf "$tarball" -C "$tmp" package/plotly.min.js \
    || warn "$pkg@$ver has no plotly.min.js"
mkdir -p "$out"
cp "$tmp/package/plotly.min.js" "$out/plotly.min.js.part" && mv "$out/plotly.min.js.part" "$out/plotly.min.js"
[ -f "$tmp/package/LICENSE" ] && cp "$tmp/package/LICENSE" "$out/plotly.LICENSE"
printf 'package=%s\nversion=%s\nintegrity=%s\n' "$pkg" "$ver" "$integrity" >"$out/plotly.properties"
echo "[fetch-plotly] embedded $pkg@$ver ($(wc -c <"$out/plotly.min.js") bytes)" >&2
