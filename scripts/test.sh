#!/usr/bin/env bash
# `npm test`: everything, on a fresh machine too. Native Rust tests, the same vectors as wasm in Node and in
# headless Chromium, the package build, the JS tests (package, vectors, sandbox, client), and the size budget.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh

# Every test command runs under the secret scanner: the sandbox logs each secret it issues or sees to
# DD_SECRET_LOG, and any of them (or a vector's secrets) in the output fails the run.
export DD_SECRET_LOG="$(mktemp)"
trap 'rm -f "$DD_SECRET_LOG"' EXIT
SCAN="node scripts/secret-scan.mjs --"

echo "== Rust formatting and lints (both feature sets, and the wasm boundary)"
cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings
cargo clippy --all-targets --quiet --no-default-features -- -D warnings
cargo clippy --lib --quiet --target wasm32-unknown-unknown -- -D warnings

echo "== JavaScript lints (ESLint, eslint.config.js)"
npx eslint js sandbox www scripts bin

echo "== Rust, native (full, then the authorization-only flavour the browser entry ships)"
$SCAN cargo test --quiet -- --show-output
$SCAN cargo test --quiet --no-default-features -- --show-output

echo "== Rust as wasm, in Node"
$SCAN cargo test --target wasm32-unknown-unknown --tests

echo "== Rust as wasm, in headless Chromium"
WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver $SCAN cargo test --target wasm32-unknown-unknown --tests

echo "== build"
node scripts/build.mjs
node scripts/size.mjs

echo "== JavaScript (package, vectors, sandbox, client, end to end, short fault soak)"
$SCAN node --test --test-concurrency=1 tests/js/ sandbox/test/ tests/e2e/ tests/soak/
