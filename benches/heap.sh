#!/usr/bin/env bash
# Heap profile of one scan (measured, never asserted): builds rampart with the
# system allocator (`--cfg rampart_system_alloc`, so heaptrack sees every
# allocation), runs `rampart scan TREE --jobs 1 --format json --output
# /dev/null` (one thread: the peak falls at the same point every run)
# under heaptrack, and prints the peak heap and what held it, grouped by the
# innermost rampart source file on each allocation's stack (rules by rule).
#
#   bash benches/heap.sh /tmp/rampart-scale/10000
#   TOP=60 bash benches/heap.sh TREE
#
# The build goes to $HEAP_TARGET (default target/heap-sysalloc of this
# checkout, so scans of several worktrees never share a build or a profile). Needs
# heaptrack (apt-get install -y heaptrack) and python3. A 10k-file tree takes
# a few seconds; heap scales linearly with the tree, so 10k is representative.
set -euo pipefail

tree=${1:?usage: benches/heap.sh TREE}
here=$(cd "$(dirname "$0")/.." && pwd)
target=${HEAP_TARGET:-$here/target/heap-sysalloc}
out=${HEAP_OUT:-$target/heap}
command -v heaptrack >/dev/null || {
    echo "heap.sh: heaptrack is missing (apt-get install -y heaptrack)" >&2
    exit 1
}
(cd "$here" && RUSTFLAGS="--cfg rampart_system_alloc" CARGO_TARGET_DIR=$target \
    cargo build --release --quiet)
rm -f "$out".zst "$out".flame
heaptrack -o "$out" "$target/release/rampart" scan "$tree" --jobs 1 --format json \
    --output /dev/null >/dev/null 2>&1 || true
heaptrack_print -f "$out.zst" --print-peaks 0 --print-allocators 0 \
    --print-temporary 0 --print-leaks 0 --print-flamegraph "$out.flame" \
    --flamegraph-cost-type peak 2>/dev/null | grep -E '^peak heap|^total runtime'
TOP=${TOP:-40} SRC="$here/src" python3 - "$out.flame" <<'EOF'
import collections, os, re, sys
# Source files of rampart (mod.rs is too common to tell apart: left out).
ours = set()
for d, _, fs in os.walk(os.environ["SRC"]):
    ours.update(f[:-3] for f in fs if f.endswith(".rs") and f != "mod.rs")
held = collections.Counter()
for line in open(sys.argv[1]):
    stack, _, n = line.rstrip().rpartition(" ")
    if not int(n):
        continue
    files = [f for f in re.findall(r"\((\w+)\.rs\)", stack) if f in ours]
    key = files[-1] if files else "(outside rampart's files)"
    rule = re.findall(r"\(([a-z]+\d{3})\.rs\)", stack)
    if rule and key in ("outcome", "scan"):
        key = "rule " + rule[-1]
    held[key] += int(n)
total = sum(held.values())
for k, v in held.most_common(int(os.environ["TOP"])):
    print(f"{v / 1e6:8.2f} MB {100 * v / total:5.1f}%  {k}")
EOF
