#!/usr/bin/env bash
# Benchmark of the report at scale: `flowaudit check` on a generated inventory of
# N VPCs in one region (half with a healthy flow log, half with none, so half fail
# with a fix plan each), with E exceptions (literal VPC ids), written as JSON and
# as the table. Prints figures; it is not a test and asserts nothing.
#
#   bench/report.sh [N] [E]   N VPCs (default 50000), E exceptions (default 40000)
#   FLOWAUDIT_BIN=PATH        measure that binary instead of a fresh release build
#
# Prints, per run: wall time, peak memory (max RSS of the child), report size.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-50000}"
E="${2:-40000}"
if [ -n "${FLOWAUDIT_BIN:-}" ]; then
  BIN="$FLOWAUDIT_BIN"
else
  cargo build --release --quiet -p flowaudit
  BIN="$PWD/target/release/flowaudit"
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 - "$WORK" "$N" "$E" <<'PY'
import copy, json, sys
work, n, e = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
demo = json.load(open("crates/core/src/demo/inventory.json"))
account = demo["accounts"][0]
region = account["regions"][0]
vpc0, fl0, lg0 = region["vpcs"][0], region["flow_logs"][0], region["log_groups"][0]
vpcs, flow_logs, groups = [], [], []
for i in range(n):
    vid = "vpc-%017x" % i
    v = copy.deepcopy(vpc0)
    v.update(vpc_id=vid, tags={"Name": "vpc-%d" % i, "env": "prod" if i % 3 == 0 else "dev"})
    vpcs.append(v)
    if i % 2 == 0:
        group = "/aws/vpc-flow-logs/" + vid
        f = copy.deepcopy(fl0)
        f.update(flow_log_id="fl-%017x" % i, resource_id=vid, log_group_name=group,
                 log_destination="arn:aws:logs:us-east-1:123456789012:log-group:" + group)
        flow_logs.append(f)
        g = copy.deepcopy(lg0)
        g["log_group_name"] = group
        groups.append(g)
region = {"region": "us-east-1", "vpcs": vpcs, "subnets": [], "network_interfaces": [],
          "flow_logs": flow_logs, "log_groups": groups}
account = dict(account, regions=[region])
json.dump(dict(demo, accounts=[account]), open(f"{work}/inventory.json", "w"))
with open(f"{work}/flowaudit.toml", "w") as out:
    for i in range(e):
        out.write('[[exception]]\ncheck = "vpc-flow-logs-enabled"\nvpc = "vpc-%017x"\n'
                  'reason = "bench"\nowner = "bench@example.com"\nexpires = 2099-01-01\n\n' % (2 * i + 1))
PY
echo "inventory: $N VPCs ($(du -h "$WORK/inventory.json" | cut -f1)), $E exceptions"
run() {
  local label="$1"
  shift
  python3 - "$label" "$@" <<'PY'
import os, subprocess, sys, time
label, args = sys.argv[1], sys.argv[2:]
started = time.time()
child = subprocess.Popen(args, env=dict(os.environ, FLOWAUDIT_NO_HISTORY="1"))
_, status, usage = os.wait4(child.pid, 0)
out = args[args.index("--output") + 1]
print(f"{label}: {time.time() - started:.1f} s, peak {usage.ru_maxrss // 1024} MB, "
      f"report {os.path.getsize(out) / 1e6:.0f} MB, exit {os.waitstatus_to_exitcode(status)}")
PY
}
for format in json table; do
  run "check --format $format" "$BIN" check --inventory "$WORK/inventory.json" --no-config \
    --format "$format" --output "$WORK/report.$format"
done
run "check --format json with $E exceptions" "$BIN" check --inventory "$WORK/inventory.json" \
  --config "$WORK/flowaudit.toml" --format json --output "$WORK/report-excepted.json"
