#!/usr/bin/env bash
# `npm test`: everything, on a fresh machine too. Native Rust tests, the same vectors as wasm in Node and in
# headless Chromium, the package build, the JS tests (package, vectors, sandbox, client), and the size budget.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh

echo "== Rust, native (full, then the authorization-only flavour the browser entry ships)"
cargo test --quiet
cargo test --quiet --no-default-features

echo "== Rust as wasm, in Node"
cargo test --target wasm32-unknown-unknown --tests

echo "== Rust as wasm, in headless Chromium"
WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --tests

echo "== build"
node scripts/build.mjs
node scripts/size.mjs

echo "== JavaScript (package, vectors, sandbox, client, end to end)"
node --test --test-concurrency=1 tests/js/ sandbox/test/ tests/e2e/
