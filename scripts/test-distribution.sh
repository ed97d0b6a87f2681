#!/usr/bin/env bash
# The ways rampart is shipped and run, tested end to end on this machine
# (run by .ci/run after cargo test):
#   1. the static binary (musl) has no shared libraries;
#   2. the FROM-scratch image builds with podman, and its binary runs from the
#      mounted image under chroot;
#   3. the Ansible role scans three inventory hosts (each an offline root
#      fixture) and the controller merges one fleet report of three hosts;
#   4. the Kubernetes manifests pass the OpenAPI schemas (strict);
#   5. the workflows and the composite action pass actionlint.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
step() { printf '\n== %s\n' "$*"; }

step "static binary"
scripts/build-static.sh
bin=$repo/dist/rampart
ldd_out=$(ldd "$bin" 2>&1 || true)
echo "ldd: $ldd_out"
echo "$ldd_out" | grep -Eq 'not a dynamic executable|statically linked' ||
  { echo "FAIL: dist/rampart is dynamically linked"; exit 1; }
"$bin" --version

step "container image (podman, FROM scratch)"
if ! command -v podman >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends podman >/dev/null
fi
image=localhost/rampart:test
podman build --quiet -f Containerfile -t "$image" . >/dev/null
mnt=$(podman image mount "$image")
trap 'podman image unmount "$image" >/dev/null 2>&1 || true' EXIT
files=$(cd "$mnt" && find . -mindepth 1 | sort | tr '\n' ' ')
echo "image holds: $files"
[ "$files" = "./rampart " ] || { echo "FAIL: the image should hold only /rampart"; exit 1; }
chroot "$mnt" /rampart --version
chroot "$mnt" /rampart rules --pack tls | head -n 2
podman image unmount "$image" >/dev/null
# Each build retags the name and leaves the previous image behind: remove
# this one so repeated runs do not fill the disk.
podman rmi "$image" >/dev/null
trap - EXIT

step "Ansible fleet (three inventory hosts, one merged report)"
python3 -c 'import ansible' 2>/dev/null || python3 -m pip install -q ansible-core
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/inventory.ini" <<INV
[fleet]
web-1 rampart_root=$repo/fixtures/hosts/debian-default
web-2 rampart_root=$repo/fixtures/hosts/debian-hardened
db-1 rampart_root=$repo/fixtures/hosts/plain-disk-offline

[fleet:vars]
ansible_connection=local
ansible_python_interpreter=$(command -v python3)
rampart_become=false
rampart_remote_dir=$work/remote
INV
run_playbook() {
  # SOURCE_DATE_EPOCH pins the reports' header, so an unchanged host gives
  # an unchanged report and the second run can show that nothing changed.
  SOURCE_DATE_EPOCH=1796031000 ANSIBLE_CONFIG=deploy/ansible/ansible.cfg ANSIBLE_NOCOLOR=1 \
    ansible-playbook -i "$work/inventory.ini" deploy/ansible/playbook.yml \
    -e "rampart_binary=$bin" -e "rampart_reports_dir=$work/reports" \
    -e "rampart_controller_binary=$bin" -e "rampart_policy=cht-production" > "$work/run$1.log" ||
    { cat "$work/run$1.log"; echo "FAIL: playbook run $1"; exit 1; }
}
mkdir -p "$work/reports"
run_playbook 1
run_playbook 2
python3 - "$work" <<'PY'
import json, re, sys
work = sys.argv[1]
# Idempotent on the hosts: the second run changes nothing there (only the
# controller renders the fleet report again).
recap = {m.group(1): (int(m.group(2)), int(m.group(3)))
         for m in re.finditer(r"^(\S+)\s+: ok=\d+\s+changed=(\d+).*?failed=(\d+)",
                              open(f"{work}/run2.log").read(), re.M)}
for host in ("web-1", "web-2", "db-1"):
    changed, failed = recap[host]
    assert failed == 0 and changed == 0, f"second run on {host}: changed={changed} failed={failed}"
fleet = json.load(open(f"{work}/reports/fleet.json"))
hosts = {h["name"]: h for h in fleet["hosts"]}
assert set(hosts) == {"debian-default", "debian-hardened", "plain-image"}, sorted(hosts)
fails = {n: h["summary"]["fail"] for n, h in hosts.items()}
assert fails["debian-hardened"] < fails["debian-default"], fails
assert any(s["rule_id"] == "DISK-001" and s["failing"] == ["plain-image"] for s in fleet["rules"]), fleet["rules"]
for n, h in hosts.items():
    assert h["policy"]["name"] == "cht-production", (n, h["policy"])
print("second run: hosts unchanged", recap)
print("fleet:", {n: (h["summary"]["fail"], h["summary"]["pass"], h["summary"]["not_evaluated"]) for n, h in sorted(hosts.items())})
html = open(f"{work}/reports/fleet.html").read()
assert all(f'id="host-{n}"' in html for n in hosts), "every host has a section"
PY
sed -n '1,12p' "$work/reports/fleet.txt"

step "Kubernetes manifests"
command -v kubernetes-validate >/dev/null 2>&1 || python3 -m pip install -q kubernetes-validate
kubernetes-validate --strict --quiet deploy/kubernetes/*.yaml
echo "kubernetes-validate: deploy/kubernetes/*.yaml valid (strict)"

step "GitHub workflows and action"
scripts/lint-actions.sh
echo
echo "distribution tests passed"
