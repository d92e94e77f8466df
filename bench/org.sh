#!/usr/bin/env bash
# Benchmark of `flowaudit scan --org` against a local moto organization. Prints
# figures; it is not a test and asserts nothing about time.
#
#   bench/org.sh [MEMBERS] [VPCS]   MEMBERS member accounts (default 100), each with
#                                   VPCS VPCs (default 1; the first with a flow log)
#                                   in each of 17 regions, plus moto's default VPCs.
#
# Runs the scan twice: straight to moto, and through tests/faults/proxy.py with 20%
# of requests faulted (throttling, 503, resets, delays). For each: wall time, API
# calls and retries, peak memory (max RSS), and the CPU time of flowaudit and of
# the emulator (and proxy) during the scan, to show where the time goes.
set -euo pipefail
cd "$(dirname "$0")/.."
MEMBERS="${1:-100}"
VPCS="${2:-1}"
VENV="${FLOWAUDIT_VENV:-$PWD/target/moto-venv}"
. bench/common.sh
venv_with "$VENV" moto "moto[server]==5.2.5"
cargo build --release --quiet -p flowaudit
BIN="$PWD/target/release/flowaudit"

start_moto "$VENV"
PROXY_PID=""
trap 'kill $MOTO_PID $PROXY_PID 2>/dev/null || true' EXIT

echo "seeding $MEMBERS member accounts × 17 regions × $VPCS VPC(s)..."
SECONDS=0
"$VENV/bin/python" tests/moto/seed.py --endpoint "$URL" org --members "$MEMBERS" --regions "$REGIONS" --vpcs "$VPCS" >/dev/null
echo "seeded in ${SECONDS} s"

PROXY_OUT=$(mktemp)
"$VENV/bin/python" tests/faults/proxy.py --upstream "$URL" --fault-rate 0.2 --delay 0.05 >"$PROXY_OUT" &
PROXY_PID=$!
for _ in $(seq 1 100); do
  grep -q ready "$PROXY_OUT" && break
  sleep 0.1
done
PROXY_URL="http://127.0.0.1:$(awk '{print $2}' "$PROXY_OUT")"

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 FLOWAUDIT_NO_HISTORY=1
"$VENV/bin/python" - "$BIN" "$URL" "$PROXY_URL" "$REGIONS" "$MOTO_PID" "$PROXY_PID" <<'PY'
import json, os, resource, subprocess, sys, time
binary, url, proxy_url, regions, moto_pid, proxy_pid = sys.argv[1:7]

def cpu(pid):
    """User+system CPU seconds of a running process (from /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def run(label, endpoint, extra):
    before = {p: cpu(p) for p in (moto_pid, proxy_pid)}
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    proc = subprocess.run(
        [binary, "scan", "--org", "--endpoint-url", endpoint, "--regions", regions,
         "--stats", "--format", "json", "--quiet", *extra],
        capture_output=True, text=True)
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        sys.exit(f"scan failed ({proc.returncode}): {proc.stderr}")
    report = json.loads(proc.stdout)
    stats, summary = report["stats"], report["summary"]
    own = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    emu = cpu(moto_pid) - before[moto_pid]
    prx = cpu(proxy_pid) - before[proxy_pid]
    print(f"\n== {label}")
    print(f"accounts:          {summary['accounts']}, regions read: {summary['regions']} ({summary['regions_failed']} failed)")
    print(f"VPCs:              {summary['vpcs']}; results {summary['results']}  {summary['by_status']}")
    print(f"wall time:         {wall:.1f} s")
    print(f"API calls:         {stats['total_calls']} ({stats['total_retries']} retries)")
    print(f"peak memory:       {r1.ru_maxrss / 1024:.1f} MiB (max RSS of the scans so far)")
    print(f"CPU time:          flowaudit {own:.1f} s, moto {emu:.1f} s, proxy {prx:.1f} s")
    return report

clean = run("straight to moto", url, [])
faulty = run("20% of requests faulted (proxy)", proxy_url, ["--max-attempts", "10"])
key = lambda r: (r["check_id"], r["account_id"], r["region"], r["resource_id"], r["status"], r["message"])
same = sorted(map(key, clean["results"])) == sorted(map(key, faulty["results"]))
print(f"\nreports equal (apart from stats): {same}")
PY
