#!/usr/bin/env bash
# Scale benchmark (measured, never asserted): builds synthetic deployment
# repos of ~1k, ~10k and ~100k files from the repo's own fixtures and runs
# `rampart scan T --format json --output /dev/null` against
# `rg -uuu -c 'password|secret' T` (which walks and reads every file),
# alternating the two in one run. Prints wall (best of the rounds), peak RSS,
# the ratio to rg, the time per 1,000 files, and --jobs 1 against --jobs 2.
#
#   bash benches/scale.sh                 # 1k 10k 100k, 3 rounds each
#   SIZES="1000 10000" ROUNDS=5 bash benches/scale.sh
#   RAMPART=/path/to/rampart bash benches/scale.sh   # a given binary
#
# Trees are kept under $SCALE_DIR (default /tmp/rampart-scale) and reused.
# Needs: ripgrep, GNU time (/usr/bin/time), python3.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
SIZES=${SIZES:-"1000 10000 100000"}
ROUNDS=${ROUNDS:-3}
SCALE_DIR=${SCALE_DIR:-/tmp/rampart-scale}
JOBS_COMPARE=${JOBS_COMPARE:-1}

for tool in rg /usr/bin/time python3; do
    command -v "$tool" >/dev/null || {
        echo "scale.sh: $tool is missing (apt-get install -y ripgrep time)" >&2
        exit 1
    }
done

if [[ -z ${RAMPART:-} ]]; then
    (cd "$here" && cargo build --release --quiet)
    RAMPART=$here/target/release/rampart
fi

# --- Tree generation -------------------------------------------------------
# One "site" is a CHT deployment directory in the image of a ministry repo:
# compose files, upgrade-service and watchdog .env, CouchDB ini, helm values
# (base + deployment + platform), a Kubernetes manifest, app_settings.json,
# a users CSV, the watchdog instances file, and nginx. Sites sit under
# deploy/<environment>/<region>/<district>-NNNN; secrets, UUIDs, passwords
# and host names are made unique per site, except every 50th site, which
# keeps the fixture values (so ENV-001 finds secrets shared across
# environments, as in a real repo that copied a page).
generate() {
    local n=$1 dir=$2
    python3 - "$here" "$n" "$dir" <<'PY'
import os, re, sys, hashlib
here, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
src = os.path.join(here, "fixtures/trees/cht-production-clean")
files = []
for root, _, names in os.walk(src):
    for name in names:
        p = os.path.join(root, name)
        files.append((os.path.relpath(p, src), open(p, encoding="utf-8").read()))
files.append(("nginx/nginx.conf",
              open(os.path.join(here, "fixtures/tls/TLS-012/pass-tree/nginx/nginx.conf")).read()))
files.append(("config/base_settings.json",
              open(os.path.join(here, "fixtures/environments/multi-env-broken/deploy/uat/config/app_settings.json")).read()))
files.append(("cht/.env",
              open(os.path.join(here, "fixtures/environments/multi-env-broken/deploy/uat/cht/upgrade-service/.env")).read()))
files.append(("cht/compose/cht-core.yml",
              open(os.path.join(here, "fixtures/environments/multi-env-broken/deploy/uat/cht/compose/cht-core.yml")).read()))
files.sort()
per_site = len(files)
sites = max(1, round(n / per_site))
envs = ["production", "uat", "dev"]
regions = ["north", "south", "east", "west", "central", "coast", "lakes", "highlands"]
districts = ["kisumu", "nakuru", "mombasa", "eldoret", "garissa", "kitui", "meru", "nyeri", "machakos", "kakamega"]
hex32 = re.compile(r"\b[0-9a-f]{32}\b")
uuid = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
pw = re.compile(r"((?:PASSWORD|password)[\"']?\s*[=:]\s*[\"']?)([^\s\"',]+)")
host = re.compile(r"\b([a-z0-9-]+)\.(example\.(?:org|com)|medicmobile\.org)\b")
count = 0
for i in range(sites):
    env = envs[i % 3]
    region = regions[(i // 3) % len(regions)]
    district = districts[(i // 24) % len(districts)]
    site = os.path.join(out, "deploy", env, region, f"{district}-{i:05d}")
    shared = i % 50 == 0
    h = hashlib.sha256(str(i).encode()).hexdigest()
    def uu(m, h=h):
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"
    for rel, text in files:
        if not shared:
            text = hex32.sub(h[:32], text)
            text = uuid.sub(uu, text)
            text = pw.sub(lambda m: m.group(1) + m.group(2) + "-" + h[:6], text)
            text = host.sub(lambda m: f"{m.group(1)}-{district}{i}.{m.group(2)}", text)
        p = os.path.join(site, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
        count += 1
print(count)
PY
}

tree_for() {
    local n=$1 dir=$SCALE_DIR/$1
    if [[ ! -f $dir/.complete ]]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        generate "$n" "$dir/t" >"$dir/.count"
        touch "$dir/.complete"
    fi
    echo "$dir"
}

# --- Measuring --------------------------------------------------------------
# Runs "$@" under GNU time; prints "wall_seconds max_rss_kb cpu_seconds"
# (cpu = user + system: on a shared, loaded machine it is steadier than wall).
timed() {
    local f
    f=$(mktemp)
    /usr/bin/time -f '%e %M %U %S' -o "$f" "$@" >/dev/null 2>&1 || true
    tail -n1 "$f" | awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }'
    rm -f "$f"
}

min() { printf '%s\n' "$@" | sort -g | head -n1; }
max() { printf '%s\n' "$@" | sort -g | tail -n1; }

printf '%-7s %9s %8s %7s %7s %7s %6s %6s %9s %8s %8s %6s\n' \
    files rampart_s cpu_s rss_MB rg_s rg_cpu ratio cpu_r ms/1kfile jobs1_s jobs2_s j1/j2
for n in $SIZES; do
    dir=$(tree_for "$n")
    t=$dir/t
    files=$(cat "$dir/.count")
    rg -uuu -c 'password|secret' "$t" >/dev/null || true # warm the page cache
    rw=() rr=() rc=() gw=() gc=() j1=() j2=()
    for _ in $(seq "$ROUNDS"); do
        read -r w r c < <(timed "$RAMPART" scan "$t" --format json --output /dev/null)
        rw+=("$w") rr+=("$r") rc+=("$c")
        read -r w _ c < <(timed rg -uuu -c 'password|secret' "$t")
        gw+=("$w") gc+=("$c")
        if [[ $JOBS_COMPARE == 1 ]]; then
            read -r w _ < <(timed "$RAMPART" scan "$t" --jobs 1 --format json --output /dev/null)
            j1+=("$w")
            read -r w _ < <(timed "$RAMPART" scan "$t" --jobs 2 --format json --output /dev/null)
            j2+=("$w")
        fi
    done
    best=$(min "${rw[@]}")
    rss=$(max "${rr[@]}")
    rgbest=$(min "${gw[@]}")
    cpu=$(min "${rc[@]}")
    rgcpu=$(min "${gc[@]}")
    if [[ $JOBS_COMPARE == 1 ]]; then
        b1=$(min "${j1[@]}") b2=$(min "${j2[@]}")
    else
        b1=0 b2=0
    fi
    awk -v f="$files" -v w="$best" -v c="$cpu" -v r="$rss" -v g="$rgbest" -v gc="$rgcpu" \
        -v a="$b1" -v b="$b2" 'BEGIN {
        ratio = (g > 0) ? w / g : 0
        cr = (gc > 0) ? c / gc : 0
        sp = (b > 0) ? a / b : 0
        printf "%-7d %9.2f %8.2f %7.0f %7.2f %7.2f %6.1f %6.1f %9.1f %8.2f %8.2f %6.2f\n",
            f, w, c, r / 1024, g, gc, ratio, cr, w * 1000000 / f, a, b, sp
    }'
done
