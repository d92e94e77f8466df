#!/usr/bin/env bash
# Benchmark of `flowaudit analyze` against DuckDB on the same files. Prints
# figures; it is not a test and asserts nothing about time.
#
#   bench/analyze.sh [N] [FILES]   N records (default 10,000,000) of seeded
#                                  background in FILES gzip text files (default 16)
#
# For `flowaudit analyze` (every detection in one pass) and for DuckDB (from
# PyPI, in target/bench-venv) running the port-scan and the exfiltration
# aggregation, each in a process of its own over the same files, and both in one
# session after loading the files into a table: wall time, records per second,
# CPU time and peak memory (max RSS, from /usr/bin/time or getrusage).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-10000000}"
FILES="${2:-16}"
VENV="${FLOWAUDIT_BENCH_VENV:-$PWD/target/bench-venv}"
. bench/common.sh
venv_with "$VENV" duckdb "duckdb==2.0.0"
cargo build --release --quiet -p flowaudit
BIN="$PWD/target/release/flowaudit"
DATA="$PWD/target/bench-flowlogs/$N-$FILES"
if [ ! -f "$DATA/.done" ]; then
  echo "generating $N records in $FILES files..."
  rm -rf "$DATA"
  python3 tests/flowlogs/generate.py "$DATA" --records "$N" --files "$FILES" --background-only >/dev/null
  touch "$DATA/.done"
fi
echo "data: $(du -sh --exclude=.done "$DATA" | cut -f1) gzip text in $FILES files, $N records; $(nproc) CPUs"
echo "DuckDB $("$VENV/bin/python" -c 'import duckdb; print(duckdb.__version__)')"

measure() { # label, command...
  local label="$1"; shift
  local t; t=$(mktemp)
  /usr/bin/time -f "%e %U %S %M" -o "$t" "$@" >/dev/null 2>&1 || true
  read -r wall user sys rss <"$t"; rm -f "$t"
  awk -v l="$label" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v n="$N" \
    'BEGIN { printf "%-34s %6.2f s wall  %10.0f records/s  %6.2f s CPU  %7.1f MiB peak\n", l, w, n / w, u + s, r / 1024 }'
}

for run in 1 2 3; do
  echo "-- run $run"
  measure "flowaudit analyze (all detections)" "$BIN" analyze "$DATA" -q --no-config --format json
  measure "duckdb port-scan query" "$VENV/bin/python" bench/analyze/duckdb_queries.py scan "$DATA"
  measure "duckdb exfiltration query" "$VENV/bin/python" bench/analyze/duckdb_queries.py exfil "$DATA"
  measure "duckdb load + both queries" "$VENV/bin/python" bench/analyze/duckdb_queries.py both "$DATA"
done
