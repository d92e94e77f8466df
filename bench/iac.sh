#!/usr/bin/env bash
# Benchmark of `flowaudit iac` on a generated corpus. Prints figures; it is not a
# test and asserts nothing about time.
#
#   bench/iac.sh [DIRS] [FILES]   DIRS Terraform module directories (default 1000),
#                                 each FILES files (default 3) of VPCs, flow logs,
#                                 log groups and roles with count and for_each,
#                                 plus DIRS CloudFormation templates.
#
# Prints: files, resources, wall time, files per second, peak memory (max RSS).
set -euo pipefail
cd "$(dirname "$0")/.."
DIRS="${1:-1000}"
FILES="${2:-3}"
cargo build --release --quiet -p flowaudit
BIN="$PWD/target/release/flowaudit"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 - "$WORK" "$DIRS" "$FILES" <<'PY'
import os, sys
root, dirs, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
resources = 0
for d in range(dirs):
    tf = os.path.join(root, "terraform", f"m{d:05}")
    os.makedirs(tf)
    for f in range(files):
        parts = [f'variable "n{f}" {{\n  default = 2\n}}\n']
        for v in range(4):
            n = f"v{f}_{v}"
            parts.append(f'''
resource "aws_vpc" "{n}" {{
  count      = var.n{f}
  cidr_block = "10.{v}.0.0/16"
  tags       = {{ Name = "{n}" }}
}}

resource "aws_flow_log" "{n}" {{
  count           = {1 if v % 3 else 0} == 1 ? var.n{f} : 0
  vpc_id          = aws_vpc.{n}[count.index].id
  traffic_type    = "{"ALL" if v % 2 else "ACCEPT"}"
  log_destination = aws_cloudwatch_log_group.{n}.arn
  iam_role_arn    = aws_iam_role.{n}.arn
}}

resource "aws_cloudwatch_log_group" "{n}" {{
  name              = "/vpc/{n}"
  retention_in_days = {365 if v % 2 else 30}
}}

resource "aws_iam_role" "{n}" {{
  name = "{n}"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole", Principal = {{ Service = "vpc-flow-logs.amazonaws.com" }} }}]
  }})
}}
''')
            resources += 4
        with open(os.path.join(tf, f"f{f}.tf"), "w") as out:
            out.write("".join(parts))
    cfn = os.path.join(root, "cloudformation")
    os.makedirs(cfn, exist_ok=True)
    with open(os.path.join(cfn, f"t{d:05}.yaml"), "w") as out:
        out.write(f"""Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
  Group:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 400
  FlowLog:
    Type: AWS::EC2::FlowLog
    Properties:
      ResourceType: VPC
      ResourceId: !Ref Vpc
      TrafficType: ALL
      LogGroupName: !Ref Group
""")
    resources += 3
print(f"generated {dirs * files + dirs} files, {resources} resources")
PY
python3 - "$BIN" "$WORK" <<'PY'
import json, resource, subprocess, sys, time
binary, work = sys.argv[1], sys.argv[2]
t0 = time.monotonic()
proc = subprocess.run([binary, "iac", work, "--format", "json", "--quiet"], capture_output=True, text=True)
wall = time.monotonic() - t0
if proc.returncode not in (0, 1):
    sys.exit(f"iac failed ({proc.returncode}): {proc.stderr[:2000]}")
report = json.loads(proc.stdout)
files = sum(1 for _ in __import__("pathlib").Path(work).rglob("*") if _.is_file())
s = report["summary"]
print(f"files:        {files}")
print(f"VPCs:         {s['vpcs']}; results {s['results']}  {s['by_status']}")
print(f"wall time:    {wall:.2f} s  ({files / wall:.0f} files/s)")
print(f"peak memory:  {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.1f} MiB (max RSS)")
PY
