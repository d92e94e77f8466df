#!/bin/sh
# Installs a flowaudit release binary for this machine.
#
#   curl -fsSL https://raw.githubusercontent.com/flowaudit/flowaudit/main/scripts/install.sh | sh
#   sh install.sh [--version TAG] [--to DIR] [--target TRIPLE]
#
#   --version TAG    a release tag such as v0.1.0 (default: the latest release)
#   --to DIR         where the binary goes (default: $HOME/.local/bin)
#   --target TRIPLE  the build to install (default: this machine's, from uname)
#
# It downloads flowaudit-TRIPLE.tar.gz and flowaudit-TRIPLE.tar.gz.sha256 from the
# release (FLOWAUDIT_DOWNLOAD_URL replaces https://github.com/flowaudit/flowaudit/releases,
# for a mirror), refuses an archive whose SHA-256 differs from the published one,
# and only then replaces DIR/flowaudit (atomically). Exit codes: 0 installed,
# 1 download, checksum or install failed, 2 bad arguments or an unsupported machine.
# POSIX sh: it runs under dash, busybox and bash alike.
set -eu

base="${FLOWAUDIT_DOWNLOAD_URL:-https://github.com/flowaudit/flowaudit/releases}"
version="latest"
dest=""
target=""
targets="x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-apple-darwin aarch64-apple-darwin"

say() { printf 'flowaudit install: %s\n' "$*" >&2; }
usage_error() {
  say "$*"
  say "usage: install.sh [--version TAG] [--to DIR] [--target TRIPLE]"
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --version | --to | --target)
      if [ $# -lt 2 ] || [ -z "$2" ]; then usage_error "$1 needs a value"; fi
      case "$1" in
        --version) version="$2" ;;
        --to) dest="$2" ;;
        --target) target="$2" ;;
      esac
      shift 2
      ;;
    -h | --help)
      sed -n '2,17p' "$0" 2>/dev/null | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
done

case "$version" in
  latest | v[0-9]*) ;;
  *) usage_error "--version takes 'latest' or a release tag such as v0.1.0, not '$version'" ;;
esac
if [ -z "$dest" ]; then
  [ -n "${HOME:-}" ] || usage_error "HOME is not set; pass --to DIR"
  dest="$HOME/.local/bin"
fi

if [ -z "$target" ]; then
  os="$(uname -s)"
  arch="$(uname -m)"
  case "$arch" in
    x86_64 | amd64) arch="x86_64" ;;
    aarch64 | arm64) arch="aarch64" ;;
    *) say "no release build for the $arch architecture; builds exist for: $targets"
       say "build from source instead: cargo install --locked --git https://github.com/flowaudit/flowaudit flowaudit"
       exit 2 ;;
  esac
  case "$os" in
    Linux) target="$arch-unknown-linux-musl" ;;
    Darwin) target="$arch-apple-darwin" ;;
    *) say "no release build for $os; builds exist for: $targets"
       say "build from source instead: cargo install --locked --git https://github.com/flowaudit/flowaudit flowaudit"
       exit 2 ;;
  esac
fi
case " $targets " in
  *" $target "*) ;;
  *) usage_error "no release build for '$target'; builds exist for: $targets" ;;
esac

asset="flowaudit-$target.tar.gz"
if [ "$version" = latest ]; then
  url="$base/latest/download/$asset"
else
  url="$base/download/$version/$asset"
fi

# download URL FILE: HTTPS only (redirects included), unless the mirror named in
# FLOWAUDIT_DOWNLOAD_URL is plain http://.
case "$base" in
  https://*) proto="=https"; wget_https="--https-only" ;;
  http://*) proto="=http,https"; wget_https="" ;;
  *) usage_error "FLOWAUDIT_DOWNLOAD_URL must start with https:// or http://, not '$base'" ;;
esac
if command -v curl >/dev/null 2>&1; then
  download() { curl --proto "$proto" --proto-redir "$proto" -fsSL --retry 3 -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  # shellcheck disable=SC2086 # wget_https is one option or none
  download() { wget -q $wget_https -O "$2" "$1"; }
else
  say "neither curl nor wget is installed; install one of them and run this again"
  exit 1
fi
# sha256 FILE: prints the hex digest
if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | cut -d ' ' -f 1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | cut -d ' ' -f 1; }
else
  say "neither sha256sum nor shasum is installed; the download cannot be checked, so nothing was installed"
  exit 1
fi

tmp="$(mktemp -d 2>/dev/null || mktemp -d -t flowaudit)"
trap 'rm -rf "$tmp"' EXIT INT TERM

say "downloading $url"
download "$url" "$tmp/$asset" || { say "could not download $url"; exit 1; }
download "$url.sha256" "$tmp/$asset.sha256" || { say "could not download $url.sha256"; exit 1; }
expected="$(cut -d ' ' -f 1 < "$tmp/$asset.sha256")"
case "$expected" in
  *[!0-9a-f]* | "") say "$url.sha256 does not hold a SHA-256 digest; nothing was installed"; exit 1 ;;
esac
[ "${#expected}" -eq 64 ] || { say "$url.sha256 does not hold a SHA-256 digest; nothing was installed"; exit 1; }
actual="$(sha256 "$tmp/$asset")"
if [ "$actual" != "$expected" ]; then
  say "checksum mismatch for $asset: expected $expected, got $actual; nothing was installed"
  exit 1
fi

tar -xzf "$tmp/$asset" -C "$tmp" || { say "$asset is not a readable gzip tar archive"; exit 1; }
binary="$tmp/flowaudit-$target/flowaudit"
[ -f "$binary" ] || { say "$asset has no flowaudit-$target/flowaudit"; exit 1; }

mkdir -p "$dest" || { say "cannot create $dest"; exit 1; }
staged="$dest/.flowaudit.new.$$"
if ! { cp "$binary" "$staged" && chmod 0755 "$staged" && mv -f "$staged" "$dest/flowaudit"; }; then
  rm -f "$staged"
  say "cannot write $dest/flowaudit"
  exit 1
fi
say "installed $dest/flowaudit ($target, $version)"
case ":${PATH:-}:" in
  *":$dest:"*) ;;
  *) say "$dest is not on PATH; add it, e.g. export PATH=\"$dest:\$PATH\"" ;;
esac
