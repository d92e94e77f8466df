#!/usr/bin/env bash
# The run step of the GitHub Action (action.yml): runs `flowaudit iac` or
# `flowaudit scan` with the action's inputs, writes a SARIF report and a table on
# stdout, and hands the exit code on as a step output instead of failing, so the
# SARIF is uploaded before the job fails.
#
# Inputs arrive as environment variables, never interpolated into a script:
#   FLOWAUDIT_COMMAND           iac | scan
#   FLOWAUDIT_PATHS             iac's files and directories, separated by white space
#   FLOWAUDIT_CONFIG            a flowaudit.toml to use; empty: --no-config
#   FLOWAUDIT_ARGS              more arguments, separated by white space (no quoting)
#   FLOWAUDIT_SARIF_FILE        where the SARIF report goes
#   FLOWAUDIT_BIN               the flowaudit to run (default: flowaudit on PATH)
#   GITHUB_OUTPUT               the step's output file (outside Actions: none)
# Words are split on white space only: no globbing, no quotes, no expansions.
set -euo pipefail
set -f

fail() {
  printf 'flowaudit action: %s\n' "$*" >&2
  exit 2
}

command="${FLOWAUDIT_COMMAND:-iac}"
sarif="${FLOWAUDIT_SARIF_FILE:-flowaudit.sarif}"
config="${FLOWAUDIT_CONFIG:-}"
bin="${FLOWAUDIT_BIN:-flowaudit}"
case "$sarif" in
  "" | *$'\n'* | *$'\r'*) fail "sarif-file must be one line naming a file" ;;
esac

read -r -d '' -a paths <<<"${FLOWAUDIT_PATHS:-.}" || true
read -r -d '' -a extra <<<"${FLOWAUDIT_ARGS:-}" || true

case "$command" in
  iac)
    [ "${#paths[@]}" -gt 0 ] || fail "paths is empty: name the files or directories iac checks"
    args=(iac "${paths[@]}")
    ;;
  scan) args=(scan) ;;
  *) fail "command must be iac or scan, not $(printf '%q' "$command")" ;;
esac
if [ -n "$config" ]; then
  args+=(--config "$config")
else
  # A pull request could add exceptions in its own flowaudit.toml: none is read
  # unless the workflow names one.
  args+=(--no-config)
fi
args+=(--format sarif -o "sarif=$sarif" -o table=/dev/stdout "${extra[@]}")

set +e
"$bin" "${args[@]}"
rc=$?
set -e
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$rc"
    if [ -s "$sarif" ]; then echo "sarif-file=$sarif"; fi
  } >>"$GITHUB_OUTPUT"
fi
case "$rc" in
  0) echo "flowaudit: no failing result" ;;
  1) echo "flowaudit: failing results (exit 1); see the table above and the SARIF in $sarif" ;;
  *) echo "flowaudit: the run itself failed (exit $rc); see the message above" >&2 ;;
esac
exit 0
