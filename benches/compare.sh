#!/usr/bin/env bash
# Output comparison (for changes that must not change results): runs two
# rampart binaries over the same inputs — ../shared/cht (if present), every
# fixture tree, the environment fixtures, every host root, and the synthetic
# scale trees of benches/scale.sh that exist — with the date and
# SOURCE_DATE_EPOCH pinned, and diffs their JSON, text and SARIF outputs and
# exit codes byte for byte.
#
#   bash benches/compare.sh OLD_BINARY NEW_BINARY
#   SCALE_SIZES="1000 10000" bash benches/compare.sh old new
#
# Prints one line per differing output and a count; exits 1 when any differ.
set -uo pipefail

old=${1:?usage: compare.sh OLD_BINARY NEW_BINARY}
new=${2:?usage: compare.sh OLD_BINARY NEW_BINARY}
here=$(cd "$(dirname "$0")/.." && pwd)
SCALE_DIR=${SCALE_DIR:-/tmp/rampart-scale}
SCALE_SIZES=${SCALE_SIZES:-"1000 10000"}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1780000000}
today=2026-11-30
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# run NAME FORMAT ARGS... : both binaries, outputs and exit codes side by side.
run() {
    local name=$1 fmt=$2
    shift 2
    local which bin
    for which in old new; do
        if [[ $which == old ]]; then bin=$old; else bin=$new; fi
        (cd "$here" && "$bin" scan "$@" --today "$today" --format "$fmt" \
            --output "$out/$which.$name.$fmt" >/dev/null 2>&1)
        echo "$?" >"$out/$which.$name.$fmt.rc"
    done
}

cd "$here" || exit 2
inputs=0
if [[ -d ../shared/cht ]]; then
    for f in json text sarif; do run cht "$f" ../shared/cht; done
    inputs=$((inputs + 1))
fi
while IFS= read -r d; do
    case $d in fixtures/hosts/*) continue ;; esac
    n=$(echo "$d" | tr / _)
    run "$n" json "$d"
    inputs=$((inputs + 1))
done < <(find fixtures -mindepth 3 -maxdepth 3 -type d | sort)
for d in fixtures/environments/* fixtures/trees/*; do
    n=$(echo "$d" | tr / _)
    for f in json text sarif; do run "$n" "$f" "$d"; done
    inputs=$((inputs + 1))
done
for d in fixtures/hosts/*; do
    n=$(echo "$d" | tr / _)
    run "$n" json --root "$d"
    run "$n" text --root "$d"
    inputs=$((inputs + 1))
done
for n in $SCALE_SIZES; do
    t=$SCALE_DIR/$n/t
    [[ -d $t ]] || continue
    for f in json sarif; do run "scale$n" "$f" "$t"; done
    inputs=$((inputs + 1))
done

differ=0 total=0
for o in "$out"/old.*; do
    rest=${o#"$out"/old.}
    total=$((total + 1))
    if ! cmp -s "$o" "$out/new.$rest"; then
        echo "differs: $rest"
        differ=$((differ + 1))
    fi
done
echo "compare.sh: $inputs inputs, $total outputs (with exit codes), $differ differ"
[[ $differ == 0 ]]
