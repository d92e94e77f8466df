# shellcheck shell=bash
# Shared by the benchmarks (sourced, not run).

# venv_with VENV MODULE PACKAGE...: a virtual environment at VENV in which
# MODULE imports, installing the pinned PACKAGEs when it does not.
venv_with() {
  local venv="$1" module="$2"
  shift 2
  if ! "$venv/bin/python" -c "import $module" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
  fi
}
