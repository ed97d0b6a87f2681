#!/usr/bin/env bash
# Benchmark: `rampart report` merging N host reports into a fleet report
# (text, JSON and HTML). The reports are real scans of the host fixtures,
# copied under N host names.
#
#   benches/fleet_report.sh [N] [BINARY]      # defaults: 1000, target/release/rampart
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
bin=${2:-target/release/rampart}
[ -x "$bin" ] || cargo build --release --bin rampart
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/reports"
i=0
for root in fixtures/hosts/*/; do
  "$bin" scan --root "$root" --format json --fail-on never --no-progress -q \
    --output "$work/src-$i.json" 2>/dev/null || true
  [ -s "$work/src-$i.json" ] && i=$((i + 1))
done
python3 - "$work" "$n" "$i" <<'PY'
import json, sys
work, n, sources = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
srcs = [json.load(open(f"{work}/src-{k}.json")) for k in range(sources)]
for k in range(n):
    r = srcs[k % sources]
    r["scan"]["host"] = f"host-{k:04d}"
    json.dump(r, open(f"{work}/reports/host-{k:04d}.json", "w"), indent=2)
PY
size=$(du -sh "$work/reports" | cut -f1)
echo "$n reports ($size) from $i fixture scans; $(nproc) cores"
for fmt in text json html; do
  /usr/bin/time -f "report --format $fmt: %e s wall, %M KB peak RSS" \
    "$bin" report "$work"/reports/*.json --format "$fmt" --output "$work/fleet.$fmt"
done
