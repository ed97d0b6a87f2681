#!/usr/bin/env bash
# Runs every fuzz target for a few seconds (FUZZ_SECONDS, default 4) from
# the fixtures' seeds; fails on the first crash, hang or leak of memory.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-4}
# A build directory outside the checkout, kept between runs on one machine:
# the first build (rampart with coverage instrumentation) is the slow part.
tdir=${FUZZ_TARGET_DIR:-${HOME:-/tmp}/.cache/rampart-fuzz-target}
bash fuzz/seed.sh >/dev/null
start=$(date +%s)
cargo +nightly fuzz build -s none -O --target-dir "$tdir"
echo "fuzz smoke: built in $(( $(date +%s) - start )) s"
for t in $(cargo +nightly fuzz list); do
  # -timeout: one input may take at most 10 s; -rss_limit_mb: 2 GiB.
  out=$(cargo +nightly fuzz run -s none -O --target-dir "$tdir" "$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 2>&1) || {
    printf '%s\n' "$out" | tail -40
    echo "fuzz smoke: $t failed" >&2
    exit 1
  }
  printf 'fuzz smoke: %-16s %s\n' "$t" "$(printf '%s\n' "$out" | grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE|INITED)' | tail -1)"
done
