#!/usr/bin/env bash
# Benchmark of `flowaudit scan` against a local moto server. Prints figures; it is
# not a test and asserts nothing about time.
#
#   bench/scan.sh [N]    N VPCs per region (default 40), half with flow logs, each
#                        flow log into a log group of its own, in 17 regions.
#
# Prints: seeded resources, then for `flowaudit scan --regions all`: wall time,
# API calls (total and per region), retries, peak memory (max RSS).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-40}"
VENV="${FLOWAUDIT_VENV:-$PWD/target/moto-venv}"
. bench/common.sh
venv_with "$VENV" moto "moto[server]==5.2.5"
cargo build --release --quiet -p flowaudit
BIN="$PWD/target/release/flowaudit"

start_moto "$VENV"
trap 'kill $MOTO_PID 2>/dev/null || true' EXIT

echo "seeding $N VPCs per region (half with flow logs) in 17 regions..."
SECONDS=0
"$VENV/bin/python" tests/moto/seed.py --endpoint "$URL" many --regions "$REGIONS" --vpcs "$N" --with-flow-logs 0.5 >/dev/null
echo "seeded in ${SECONDS} s"

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
"$VENV/bin/python" - "$BIN" "$URL" <<'PY'
import json, resource, subprocess, sys, time
binary, url = sys.argv[1], sys.argv[2]
t0 = time.monotonic()
proc = subprocess.run(
    [binary, "scan", "--endpoint-url", url, "--regions", "all", "--stats", "--format", "json", "--quiet"],
    capture_output=True, text=True)
wall = time.monotonic() - t0
rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
if proc.returncode not in (0, 1):
    sys.exit(f"scan failed ({proc.returncode}): {proc.stderr}")
report = json.loads(proc.stdout)
stats, summary = report["stats"], report["summary"]
print(f"regions scanned:   {summary['regions']} ({summary['regions_failed']} failed)")
print(f"VPCs:              {summary['vpcs']}")
print(f"results:           {summary['results']}  {summary['by_status']}")
print(f"wall time:         {wall:.2f} s (scan's own: {stats['wall_ms']} ms)")
print(f"API calls:         {stats['total_calls']} ({stats['total_retries']} retries)")
per_region = {k: v for k, v in stats["calls_by_scope"].items() if k != "global"}
print(f"calls per region:  min {min(per_region.values())}, max {max(per_region.values())}; global {stats['calls_by_scope'].get('global', 0)}")
print(f"peak memory:       {rss_kib / 1024:.1f} MiB (max RSS)")
PY
