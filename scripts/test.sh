#!/usr/bin/env bash
# Runs flowaudit's whole test suite: formatting, lints, unit tests, CLI tests, and
# the integration tests that run the real binary against a real moto server.
#
# Installs moto[server] into a Python virtual environment (once; reused after) and
# tells the tests where it is. The integration tests start their own moto servers
# on free loopback ports and fail, not skip, when moto cannot be found.
#
#   scripts/test.sh            everything
#   scripts/test.sh --no-lint  skip cargo fmt --check and clippy
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$PWD"
VENV="${FLOWAUDIT_VENV:-$ROOT/target/moto-venv}"
MOTO_VERSION="5.2.5"
lint=1
for arg in "$@"; do
  case "$arg" in
    --no-lint) lint=0 ;;
    *) echo "usage: scripts/test.sh [--no-lint]" >&2; exit 2 ;;
  esac
done

# 1. moto in a virtual environment.
if ! "$VENV/bin/python" -c "import moto, boto3; assert moto.__version__ == '$MOTO_VERSION'" 2>/dev/null; then
  echo "==> installing moto[server]==$MOTO_VERSION into $VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi
if [ ! -x "$VENV/bin/moto_server" ]; then
  echo "error: $VENV/bin/moto_server is missing after installing moto[server]" >&2
  exit 1
fi
export FLOWAUDIT_MOTO_SERVER="$VENV/bin/moto_server"
export FLOWAUDIT_PYTHON="$VENV/bin/python"
echo "==> moto server: $FLOWAUDIT_MOTO_SERVER ($("$FLOWAUDIT_PYTHON" -c 'import moto; print(moto.__version__)'))"

# shellcheck checks the bash scripts that `flowaudit remediation` exports.
if ! command -v shellcheck >/dev/null 2>&1; then
  echo "==> installing shellcheck (Debian package)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq shellcheck >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq shellcheck >/dev/null
  fi
fi

# 2. Lints.
if [ "$lint" = 1 ]; then
  echo "==> cargo fmt --check"
  cargo fmt --all -- --check
  echo "==> cargo clippy"
  cargo clippy --workspace --all-targets --locked -- -D warnings
fi

# 3. Tests: unit, CLI and moto integration tests.
echo "==> cargo test"
cargo test --workspace --all-targets --locked --no-fail-fast
