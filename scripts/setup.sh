#!/usr/bin/env bash
# Installs what a brand-new machine lacks, and nothing it already has: the wasm target, the wasm-bindgen
# CLI at exactly the version in Cargo.lock, Debian's Chromium and chromedriver, PostgreSQL 15, and the npm packages.
# `--no-browser` skips Chromium (the demo needs only what builds the package).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
browser=1
[ "${1:-}" = "--no-browser" ] && browser=0

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "installing wasm-bindgen-cli $want (have: ${have:-none}); this takes a few minutes"
  # --locked first; the registry mirror may lack a locked transitive version, then resolve afresh.
  cargo install wasm-bindgen-cli --version "$want" --locked || cargo install wasm-bindgen-cli --version "$want" --force
fi

if [ "$browser" = 1 ] && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# The store tests start a throwaway PostgreSQL 15 of their own (tests/js/support/pg.mjs); the server comes from Debian.
if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
