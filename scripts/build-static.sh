#!/usr/bin/env bash
# Builds the static rampart binary (x86_64-unknown-linux-musl, no shared
# libraries) into dist/, with its SHA-256 sum beside it. Used by the release
# workflow, the container image and the fleet tests.
#
#   scripts/build-static.sh            # dist/rampart, dist/rampart-<version>-x86_64-unknown-linux-musl{,.sha256}
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-unknown-linux-musl
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

rustup target list --installed | grep -qx "$target" || rustup target add "$target"
if ! command -v musl-gcc >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends musl-tools >/dev/null
fi

# ring builds C and assembly: compile it with musl's gcc wrapper.
CC_x86_64_unknown_linux_musl=musl-gcc \
  cargo build --release --locked --target "$target" --bin rampart

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
name="rampart-$version-$target"
mkdir -p dist
install -m 0755 "target/$target/release/rampart" "dist/$name"
install -m 0755 "target/$target/release/rampart" dist/rampart
(cd dist && sha256sum "$name" > "$name.sha256")
echo "dist/$name"
