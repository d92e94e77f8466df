#!/usr/bin/env bash
# Packs a built flowaudit binary as a release archive, with its SHA-256 checksum.
#
#   scripts/package.sh TARGET BINARY [OUT_DIR]
#
# writes OUT_DIR (default: dist) /flowaudit-TARGET.tar.gz, holding a folder
# flowaudit-TARGET with the binary and README.md, and flowaudit-TARGET.tar.gz.sha256
# ("<hex>  <file name>", the line `sha256sum -c` reads). The release workflow
# (.github/workflows/release.yml) runs it for each target; scripts/install.sh
# downloads and checks what it writes.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: scripts/package.sh TARGET BINARY [OUT_DIR]" >&2
  exit 2
fi
target="$1"
binary="$2"
out="${3:-dist}"
if ! [[ "$target" =~ ^[a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+(-[a-z0-9_]+)?$ ]]; then
  echo "package.sh: '$target' is not a target triple (such as x86_64-unknown-linux-musl)" >&2
  exit 2
fi
if [ ! -f "$binary" ] || [ ! -x "$binary" ]; then
  echo "package.sh: $binary is not an executable file; build it first (cargo build --release --target $target)" >&2
  exit 2
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
name="flowaudit-$target"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name" "$out"
cp "$binary" "$stage/$name/flowaudit"
chmod 0755 "$stage/$name/flowaudit"
cp "$root/README.md" "$stage/$name/README.md"
# Reproducible archive: fixed owner, order and times.
tar -C "$stage" --owner=0 --group=0 --numeric-owner --sort=name --mtime='2026-01-01 00:00:00Z' \
  -czf "$out/$name.tar.gz" "$name"
(cd "$out" && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
echo "$out/$name.tar.gz"
echo "$out/$name.tar.gz.sha256"
