#!/usr/bin/env bash
# A fuzzing campaign: every target (or the ones named) for FUZZ_SECONDS each
# (default 600), STREAMS targets at a time (default 1), at FUZZ_NICE
# (default 19, so builds and benchmarks on the same machine go first).
# Builds once, then runs the built binaries directly, so edits to the
# checkout during the campaign do not trigger rebuilds. The corpus grows in
# fuzz/corpus/<target>/ and crashes land in fuzz/artifacts/<target>/.
#
# Prints one line per target: wall seconds, CPU seconds, executions, the
# final coverage and features, corpus size and the number of crash/timeout/
# oom artifacts; the table is also written to fuzz/campaign-<date>.tsv.
#
#   bash fuzz/campaign.sh                    # all 19 targets, 10 min each
#   FUZZ_SECONDS=60 bash fuzz/campaign.sh nginx sshd
#   STREAMS=2 bash fuzz/campaign.sh
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-600}
streams=${STREAMS:-1}
nice_level=${FUZZ_NICE:-19}
tdir=${FUZZ_TARGET_DIR:-${HOME:-/tmp}/.cache/rampart-fuzz-target}
bash fuzz/seed.sh >/dev/null
cargo +nightly fuzz build -s none -O --target-dir "$tdir"
bindir=$tdir/x86_64-unknown-linux-gnu/release
if (($# > 0)); then targets=("$@"); else mapfile -t targets < <(cargo +nightly fuzz list); fi
log=fuzz/campaign-logs
mkdir -p "$log"
table=fuzz/campaign-$(date -u +%Y%m%dT%H%M%SZ).tsv
printf 'target\twall_s\tcpu_s\texecs\tcov\tft\tcorpus\tartifacts\n' >"$table"

run_one() {
  local t=$1
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  local before after start end
  before=$(find "fuzz/artifacts/$t" -type f | wc -l)
  start=$(date +%s)
  # -timeout: one input may take at most 10 s; -rss_limit_mb: 2 GiB.
  # libFuzzer exits non-zero on a crash; the campaign goes on to the next.
  /usr/bin/time -f '%U %S' -o "$log/$t.time" \
    nice -n "$nice_level" "$bindir/$t" "fuzz/corpus/$t" \
    -artifact_prefix="fuzz/artifacts/$t/" -max_total_time="$secs" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$log/$t.log" 2>&1 || true
  end=$(date +%s)
  after=$(find "fuzz/artifacts/$t" -type f | wc -l)
  local cpu execs cov ft corpus
  # The last line: GNU time writes "Command exited with non-zero status" first on a crash.
  cpu=$(tail -n 1 "$log/$t.time" 2>/dev/null | awk '{printf "%.0f", $1 + $2}' || echo '?')
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log/$t.log" | grep -oE '[0-9]+$' || echo '?')
  cov=$(grep -oE 'cov: [0-9]+' "$log/$t.log" | tail -1 | grep -oE '[0-9]+' || echo '?')
  ft=$(grep -oE 'ft: [0-9]+' "$log/$t.log" | tail -1 | grep -oE '[0-9]+' || echo '?')
  corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$((end - start))" "$cpu" \
    "$execs" "$cov" "$ft" "$corpus" "$((after - before))" | tee -a "$table"
}

i=0
for t in "${targets[@]}"; do
  run_one "$t" &
  i=$((i + 1))
  if ((i % streams == 0)); then wait; fi
done
wait
echo "campaign: table in $table; logs in $log/"
