#!/usr/bin/env bash
# Run every cargo-fuzz target for a bounded time, one after the other, one job each (the machine has 2 cores).
#   bash scripts/fuzz.sh            # 30 s per target
#   bash scripts/fuzz.sh 60         # 60 s per target
#   bash scripts/fuzz.sh 30 site uri   # only these targets
# Needs the nightly toolchain and cargo-fuzz (installed from crates.io when missing). Corpora grow in
# fuzz/corpus/<target>, crashes land in fuzz/artifacts/<target>, logs in fuzz/logs/<target>.log. Exits non-zero
# when a target found a crash, a timeout or an out-of-memory; each finding belongs in tests/vectors/hostile.json.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

SECONDS_EACH="${1:-${FUZZ_SECONDS:-30}}"
shift || true
TARGETS=("$@")

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz.sh: the nightly toolchain is missing (rustup toolchain install nightly)" >&2
  exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

cd fuzz
if [ ${#TARGETS[@]} -eq 0 ]; then
  mapfile -t TARGETS < <(cargo +nightly fuzz list)
fi

# No sanitizer (safe Rust: ASan would only slow it down), but debug assertions on, so `debug_assert!`s are checked.
cargo +nightly fuzz build -O -a -s none || exit 2

dict_for() {
  case "$1" in
    site|uri|uri_differential|onboarding|callback) echo "-dict=dicts/url.dict" ;;
    token_response|api_key_response|error_body|retry|json_reader|api_call) echo "-dict=dicts/json.dict" ;;
    *) echo "" ;;
  esac
}

maxlen_for() {
  case "$1" in
    intake_*|api_call) echo 16384 ;;
    *) echo 8192 ;;
  esac
}

mkdir -p logs
status=0
printf '%-24s %12s %10s %s\n' target executions exec/s result > logs/summary.txt
for t in "${TARGETS[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb / -malloc_limit_mb: unbounded allocation.
  cargo +nightly fuzz run -O -a -s none "$t" "corpus/$t" -- \
    -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -max_len="$(maxlen_for "$t")" -print_final_stats=1 $(dict_for "$t") \
    >"logs/$t.log" 2>&1
  rc=$?
  runs=$(grep -oE 'Done [0-9]+ runs' "logs/$t.log" | grep -oE '[0-9]+' | tail -1)
  runs=${runs:-$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "logs/$t.log" | grep -oE '[0-9]+$' | tail -1)}
  rate=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "logs/$t.log" | grep -oE '[0-9]+$' | tail -1)
  if [ $rc -eq 0 ]; then result=ok; else result="FINDING (rc $rc, see fuzz/logs/$t.log, fuzz/artifacts/$t)"; status=1; fi
  printf '%-24s %12s %10s %s\n' "$t" "${runs:-?}" "${rate:-?}" "$result" | tee -a logs/summary.txt
done
echo "summary: fuzz/logs/summary.txt"
exit $status
