#!/usr/bin/env bash
# Seeds each fuzz target's corpus (fuzz/corpus/<target>/, not committed)
# from the repo's fixtures, by file name. Multi-file targets (nginx, sshd,
# pam) get the files of one fixture joined with "%%" lines, in the order the
# target names them. Safe to run again: it only adds files.
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/corpus
mkdir -p "$out"

seed() { # target, then find(1) name patterns
  local t=$1; shift
  mkdir -p "$out/$t"
  local args=() first=1
  for p in "$@"; do
    [ $first = 1 ] || args+=(-o)
    args+=(-name "$p"); first=0
  done
  find fixtures tests -type f \( "${args[@]}" \) -size -64k -print0 |
    while IFS= read -r -d '' f; do
      cp "$f" "$out/$t/$(sha1sum "$f" | cut -c1-16)"
    done
}

seed dotenv '.env' '*.env' 'env.template' '.env.*'
seed compose_yaml 'docker-compose*.yml' 'cht-*.yml' 'compose*.yml' '*.yml.template'
seed json '*.json'
seed couchdb_ini '*.ini'
seed vmargs 'vm.args'
seed login_defs 'login.defs'
seed pwquality 'pwquality.conf' '*.conf'
seed shadow 'shadow' 'passwd' 'group'
seed crypttab_mounts 'crypttab' 'fstab' 'mounts' 'swaps' 'cmdline' 'grub'
seed proc_net 'tcp' 'tcp6' 'udp' 'udp6'
seed users_csv '*.csv'
seed helm 'values*.yaml' 'values*.yml' 'base.yaml' 'deployment-*.yaml' 'platform-*.yaml'
seed k8s '*.yaml'
seed yaml_fast_path '*.yml' '*.yaml'
seed pem_x509 '*.pem' '*.crt' '*.key' '*.der'
seed openssl_ciphers 'nginx.conf'   # ssl_ciphers lines, below
seed nginx 'nginx.conf' '*.conf'
seed sshd 'sshd_config' '*.conf'
seed pam 'common-*' 'system-auth' 'password-auth' 'sshd' 'login' 'other'

# Cipher strings: the ssl_ciphers values of the fixtures, and a few classics.
grep -rhoE 'ssl_ciphers[[:space:]]+[^;]+' fixtures 2>/dev/null |
  sed -E 's/ssl_ciphers[[:space:]]+//; s/["'"'"']//g' |
  while IFS= read -r c; do
    printf '%s' "$c" > "$out/openssl_ciphers/$(printf '%s' "$c" | sha1sum | cut -c1-16)"
  done
for c in 'DEFAULT' 'HIGH:!aNULL:!MD5' 'ALL:@STRENGTH' 'ECDHE+AESGCM:-3DES:@SECLEVEL=2' 'RC4:+MEDIUM:!EXP'; do
  printf '%s' "$c" > "$out/openssl_ciphers/$(printf '%s' "$c" | sha1sum | cut -c1-16)"
done

# Multi-file seeds: one fixture's files joined in the target's order.
join_files() { # target, files...
  local t=$1; shift
  local tmp; tmp=$(mktemp)
  local first=1
  for f in "$@"; do
    [ $first = 1 ] || printf '\n%%%%\n' >> "$tmp"
    [ -f "$f" ] && cat "$f" >> "$tmp"
    first=0
  done
  cp "$tmp" "$out/$t/$(sha1sum "$tmp" | cut -c1-16)"
  rm -f "$tmp"
}
for d in $(find fixtures -type d -path '*etc/ssh' 2>/dev/null); do
  join_files sshd "$d/sshd_config" $(ls "$d"/sshd_config.d/*.conf 2>/dev/null | head -3)
done
for d in $(find fixtures -type d -path '*etc/nginx' 2>/dev/null); do
  join_files nginx "$d/nginx.conf" $(find "$d" -name '*.conf' ! -name nginx.conf | head -4)
done
for d in $(find fixtures -type d -path '*pam.d' 2>/dev/null); do
  join_files pam "$d/sshd" "$d/common-auth" "$d/system-auth" "$d/password-auth" "$d/other" "$d/login"
done

# The TLS record reader: a minimal ServerHello and an alert.
mkdir -p "$out/tls_hello"
printf '\x16\x03\x03\x00\x2a\x02\x00\x00\x26\x03\x03%032d\x00\xc0\x2f\x00' 0 > "$out/tls_hello/server-hello"
printf '\x15\x03\x01\x00\x02\x02\x46' > "$out/tls_hello/alert"
printf 'HTTP/1.1 301 Moved\r\nLocation: https://x/\r\nStrict-Transport-Security: max-age=63072000\r\n\r\n' > "$out/tls_hello/http"

# Non-ASCII text for every text target: the fixtures are nearly all ASCII,
# and byte-indexed slicing inside a multi-byte character is a classic panic.
for t in dotenv compose_yaml json couchdb_ini vmargs login_defs pwquality shadow \
         crypttab_mounts proc_net users_csv helm k8s pem_x509 openssl_ciphers nginx sshd pam; do
  printf 'k\xc3\xa9y=v\xc3\xa9l \xe2\x82\xac \xf0\x9d\x84\x9e\n# \xc3\xa9\n"\xc3\xa9": "\xe2\x82\xac"\n' > "$out/$t/unicode"
done

# Inputs that once failed a target (fuzz/regressions/<target>/, committed):
# every run, the smoke run in .ci/run included, replays them first.
for d in fuzz/regressions/*/; do
  [ -d "$d" ] || continue
  t=$(basename "$d")
  mkdir -p "$out/$t"
  cp "$d"* "$out/$t/"
done

for t in "$out"/*/; do printf '%s %s\n' "$(ls "$t" | wc -l)" "$(basename "$t")"; done
