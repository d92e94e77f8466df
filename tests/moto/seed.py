#!/usr/bin/env python3
"""Plants resources in a moto server through its real AWS APIs (boto3).

Used by the integration tests (crates/cli/tests/scan_moto.rs) and the benchmark
(bench/scan.sh). Prints one JSON object describing what it created.

  seed.py --endpoint URL checks
  seed.py --endpoint URL many --regions us-east-1,eu-west-1 --vpcs 50 [--with-flow-logs 1.0]
  seed.py --endpoint URL role --name NAME [--service S]   (a role trusting S)
  seed.py --endpoint URL orphan [--region R]   (a flow log whose VPC was then deleted)
  seed.py --endpoint URL lifecycle --bucket B --rules JSON   (replaces B's lifecycle rules)
  seed.py --endpoint URL encryption --bucket B --algorithm ALG [--kms-vpc]
      (sets B's default encryption; --kms-vpc adds, after `checks`, a VPC whose flow
      log writes to a log group created with a KMS key)
  seed.py --endpoint URL inspect [--region R]   (log groups, roles, buckets and flow logs, with their settings)
  seed.py --endpoint URL cost [--bare N]   (measured volumes for `flowaudit cost`:
      IncomingBytes of a flow log's group, S3 objects of known sizes; N more VPCs)
  seed.py --endpoint URL hostile --canary FILE   (names an attacker can set: a role path
      holding a command that would create FILE, a VPC name that forges output)
"""

import argparse
import gzip
import datetime
import json
import os
import sys
import time

import boto3

ACCOUNT = "123456789012"
FLOW_LOGS = "vpc-flow-logs.amazonaws.com"


def clients(endpoint, region, creds=None):
    kw = dict(
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    if creds:
        kw.update(creds)
    return {name: boto3.client(name, **kw) for name in ("ec2", "logs", "iam", "s3", "cloudwatch")}


def trust(service=FLOW_LOGS, condition=True):
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


WRITE_LOGS = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                "Resource": "*",
            }
        ],
    }
)
ALL_LOGS = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}
)


def role(iam, name, trust_doc, inline=None, managed=None):
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_doc)["Role"]["Arn"]
    if inline:
        iam.put_role_policy(RoleName=name, PolicyName=f"{name}-inline", PolicyDocument=inline)
    if managed:
        policy = iam.create_policy(PolicyName=f"{name}-managed", PolicyDocument=managed)
        iam.attach_role_policy(RoleName=name, PolicyArn=policy["Policy"]["Arn"])
    return arn


def vpc(ec2, name, cidr):
    vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "Name", "Value": name}])
    return vpc_id


def with_interface(ec2, vpc_id, cidr):
    """A subnet and a network interface, so the VPC has traffic to log."""
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr)["Subnet"]["SubnetId"]
    ec2.create_network_interface(SubnetId=subnet)
    return subnet


def cw_flow_log(ec2, resource, group, role_arn, traffic="ALL", resource_type="VPC"):
    out = ec2.create_flow_logs(
        ResourceIds=[resource],
        ResourceType=resource_type,
        TrafficType=traffic,
        LogGroupName=group,
        DeliverLogsPermissionArn=role_arn,
    )
    if out.get("Unsuccessful"):
        sys.exit(f"create_flow_logs failed: {out['Unsuccessful']}")
    return out["FlowLogIds"][0]


def s3_flow_log(ec2, resource, destination):
    out = ec2.create_flow_logs(
        ResourceIds=[resource],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination=destination,
    )
    if out.get("Unsuccessful"):
        sys.exit(f"create_flow_logs failed: {out['Unsuccessful']}")
    return out["FlowLogIds"][0]


def delivered(cloudwatch, group):
    """Records incoming events for the group, as CloudWatch Logs would."""
    cloudwatch.put_metric_data(
        Namespace="AWS/Logs",
        MetricData=[
            {
                "MetricName": "IncomingLogEvents",
                "Dimensions": [{"Name": "LogGroupName", "Value": group}],
                "Value": 42.0,
                "Timestamp": datetime.datetime.now(datetime.timezone.utc),
            }
        ],
    )


def encryption(endpoint, bucket, algorithm, kms_vpc):
    """Sets `bucket`'s default encryption; with `kms_vpc`, adds a VPC logging to
    a log group created with a KMS key (the role of `checks`). Returns the VPC id."""
    c = clients(endpoint, "us-east-1")
    rule = {"SSEAlgorithm": algorithm}
    if algorithm.startswith("aws:kms"):
        rule["KMSMasterKeyID"] = "arn:aws:kms:us-east-1:123456789012:key/flowaudit-test"
    c["s3"].put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": rule}]},
    )
    out = {"bucket": bucket}
    if kms_vpc:
        ec2, logs = c["ec2"], c["logs"]
        good = c["iam"].get_role(RoleName="flowaudit-good")["Role"]["Arn"]
        out["vpc"] = vpc(ec2, "kms", "10.9.0.0/16")
        logs.create_log_group(
            logGroupName="/flowaudit/kms",
            kmsKeyId="arn:aws:kms:us-east-1:123456789012:key/flowaudit-test",
        )
        cw_flow_log(ec2, out["vpc"], "/flowaudit/kms", good)
    return out


def checks(endpoint):
    """Every check's PASS and FAIL cases; returns VPC name -> id."""
    c = clients(endpoint, "us-east-1")
    ec2, logs, iam, s3, cw = c["ec2"], c["logs"], c["iam"], c["s3"], c["cloudwatch"]
    good = role(iam, "flowaudit-good", trust(), inline=WRITE_LOGS)
    nocond = role(iam, "flowaudit-nocond", trust(condition=False), managed=ALL_LOGS)
    badtrust = role(iam, "flowaudit-badtrust", trust(service="ec2.amazonaws.com"), inline=ALL_LOGS)
    noperm = role(iam, "flowaudit-noperm", trust())
    vpcs = {}

    vpcs["good"] = vpc(ec2, "good", "10.1.0.0/16")
    with_interface(ec2, vpcs["good"], "10.1.1.0/24")
    logs.create_log_group(logGroupName="/flowaudit/good")
    logs.put_retention_policy(logGroupName="/flowaudit/good", retentionInDays=365)
    cw_flow_log(ec2, vpcs["good"], "/flowaudit/good", good)
    delivered(cw, "/flowaudit/good")

    vpcs["missing"] = vpc(ec2, "missing", "10.2.0.0/16")
    cw_flow_log(ec2, vpcs["missing"], "/flowaudit/missing", good)

    vpcs["accept"] = vpc(ec2, "accept", "10.3.0.0/16")
    with_interface(ec2, vpcs["accept"], "10.3.1.0/24")
    logs.create_log_group(logGroupName="/flowaudit/shared")
    logs.put_retention_policy(logGroupName="/flowaudit/shared", retentionInDays=7)
    cw_flow_log(ec2, vpcs["accept"], "/flowaudit/shared", badtrust, traffic="ACCEPT")

    vpcs["subnet-only"] = vpc(ec2, "subnet-only", "10.4.0.0/16")
    subnet = ec2.create_subnet(VpcId=vpcs["subnet-only"], CidrBlock="10.4.1.0/24")["Subnet"]["SubnetId"]
    cw_flow_log(ec2, subnet, "/flowaudit/shared", noperm, resource_type="Subnet")

    vpcs["nocond"] = vpc(ec2, "nocond", "10.5.0.0/16")
    logs.create_log_group(logGroupName="/flowaudit/nocond")
    cw_flow_log(ec2, vpcs["nocond"], "/flowaudit/nocond", nocond, traffic="REJECT")
    delivered(cw, "/flowaudit/nocond")

    vpcs["s3"] = vpc(ec2, "s3", "10.6.0.0/16")
    with_interface(ec2, vpcs["s3"], "10.6.1.0/24")
    s3.create_bucket(Bucket="flowaudit-short-lived")
    s3.put_bucket_lifecycle_configuration(
        Bucket="flowaudit-short-lived",
        LifecycleConfiguration={
            "Rules": [
                {"ID": "expire", "Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Days": 30}}
            ]
        },
    )
    # moto takes the whole ARN remainder as the bucket name, so no key prefix here.
    s3_flow_log(ec2, vpcs["s3"], "arn:aws:s3:::flowaudit-short-lived")
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y/%m/%d")
    s3.put_object(
        Bucket="flowaudit-short-lived",
        Key=f"AWSLogs/{ACCOUNT}/vpcflowlogs/us-east-1/{today}/{ACCOUNT}_vpcflowlogs_us-east-1_fl_x.log.gz",
        Body=b"version account-id\n",
    )

    vpcs["s3-gone"] = vpc(ec2, "s3-gone", "10.7.0.0/16")
    s3.create_bucket(Bucket="flowaudit-deleted-bucket")
    s3_flow_log(ec2, vpcs["s3-gone"], "arn:aws:s3:::flowaudit-deleted-bucket")
    s3.delete_bucket(Bucket="flowaudit-deleted-bucket")

    eu = clients(endpoint, "eu-west-1")
    vpcs["good-eu"] = vpc(eu["ec2"], "good-eu", "10.8.0.0/16")
    eu["logs"].create_log_group(logGroupName="/flowaudit/eu-good")
    eu["logs"].put_retention_policy(logGroupName="/flowaudit/eu-good", retentionInDays=400)
    cw_flow_log(eu["ec2"], vpcs["good-eu"], "/flowaudit/eu-good", good)
    delivered(eu["cloudwatch"], "/flowaudit/eu-good")
    return {"vpcs": vpcs}


def orphan(endpoint, region):
    """A flow log whose VPC was deleted after it was created (moto, like AWS for a
    while, keeps the flow log); returns both ids."""
    c = clients(endpoint, region)
    bucket = f"flowaudit-orphan-{region}"
    c["s3"].create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    vpc_id = vpc(c["ec2"], "deleted-later", "10.42.0.0/16")
    flow_log_id = s3_flow_log(c["ec2"], vpc_id, f"arn:aws:s3:::{bucket}")
    c["ec2"].delete_vpc(VpcId=vpc_id)
    return {"vpc_id": vpc_id, "flow_log_id": flow_log_id}


def many(endpoint, regions, count, ratio):
    """`count` VPCs per region; a share of them with a flow log into a log group of
    their own (/aws/vpc-flow-logs/<vpc-id>), all using one delivery role."""
    iam = clients(endpoint, regions[0])["iam"]
    try:
        role_arn = iam.get_role(RoleName="flowaudit-bench")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role_arn = role(iam, "flowaudit-bench", trust(), inline=WRITE_LOGS)
    created = {}
    for region in regions:
        c = clients(endpoint, region)
        ec2, logs = c["ec2"], c["logs"]
        with_logs = int(round(count * ratio))
        for i in range(count):
            vpc_id = vpc(ec2, f"bench-{i}", f"10.{i % 250}.0.0/16")
            if i < with_logs:
                group = f"/aws/vpc-flow-logs/{vpc_id}"
                logs.create_log_group(logGroupName=group)
                logs.put_retention_policy(logGroupName=group, retentionInDays=365)
                cw_flow_log(ec2, vpc_id, group, role_arn)
        created[region] = {"vpcs": count, "flow_logs": with_logs}
    return {"regions": created}


TIB = 1 << 40
MIB = 1 << 20


def flow_log_key(prefix, region, flow_log_id, day, n):
    """An S3 key in the layout VPC Flow Logs writes."""
    folder = f"{prefix}AWSLogs/{ACCOUNT}/vpcflowlogs/{region}/{day:%Y/%m/%d}/"
    return folder + f"{ACCOUNT}_vpcflowlogs_{region}_{flow_log_id}_{day:%Y%m%dT%H%MZ}_{n:08x}.log.gz"


def cost(endpoint, bare):
    """us-east-1: `cw` (2 interfaces) logs ALL to CloudWatch Logs, 12 TiB in the
    last 3 days by IncomingBytes; `s3` (1 interface) logs ALL to S3, 2 MiB of its
    objects (and 5 MiB of another flow log's) in the last 2 days, kept 90 days;
    `firehose` (no interface) logs ALL to a delivery stream that received 1 GiB;
    `bare` (4 interfaces) has no flow log. ap-northeast-1: `tokyo` (1 interface),
    no flow log. `bare` more VPCs without interfaces in us-east-1."""
    c = clients(endpoint, "us-east-1")
    ec2, logs, s3, cloudwatch = c["ec2"], c["logs"], c["s3"], c["cloudwatch"]
    role_arn = role(c["iam"], "cost-delivery", trust(), inline=WRITE_LOGS)
    now = datetime.datetime.now(datetime.timezone.utc)
    out = {"vpcs": {}, "flow_logs": {}}

    cw = vpc(ec2, "cw", "10.1.0.0/16")
    subnet = with_interface(ec2, cw, "10.1.1.0/24")
    ec2.create_network_interface(SubnetId=subnet)
    group = "/aws/vpc-flow-logs/cost-cw"
    logs.create_log_group(logGroupName=group)
    logs.put_retention_policy(logGroupName=group, retentionInDays=365)
    out["flow_logs"]["cw"] = cw_flow_log(ec2, cw, group, role_arn)
    cloudwatch.put_metric_data(
        Namespace="AWS/Logs",
        MetricData=[
            {
                "MetricName": "IncomingBytes",
                "Dimensions": [{"Name": "LogGroupName", "Value": group}],
                "Value": float(4 * TIB),
                "Timestamp": now - datetime.timedelta(days=back, hours=1),
            }
            for back in range(3)
        ],
    )

    s3_vpc = vpc(ec2, "s3", "10.2.0.0/16")
    with_interface(ec2, s3_vpc, "10.2.1.0/24")
    s3.create_bucket(Bucket="cost-bucket")
    s3.put_bucket_lifecycle_configuration(
        Bucket="cost-bucket",
        LifecycleConfiguration={
            "Rules": [{"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 90}}]
        },
    )
    flow_log_id = s3_flow_log(ec2, s3_vpc, "arn:aws:s3:::cost-bucket")  # moto takes no key prefix
    out["flow_logs"]["s3"] = flow_log_id
    for back in range(2):
        day = now - datetime.timedelta(days=back)
        s3.put_object(Bucket="cost-bucket", Key=flow_log_key("", "us-east-1", flow_log_id, day, back), Body=b"\0" * MIB)
    other = flow_log_key("", "us-east-1", "fl-0000000000000other", now, 9)
    s3.put_object(Bucket="cost-bucket", Key=other, Body=b"\0" * (5 * MIB))

    # firehose (no interfaces, so not in the account's rate): ALL into a delivery
    # stream that received 1 GiB in the last day.
    hose_vpc = vpc(ec2, "firehose", "10.5.0.0/16")
    out["flow_logs"]["firehose"] = ec2.create_flow_logs(
        ResourceIds=[hose_vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="kinesis-data-firehose",
        LogDestination=f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/cost-flows",
    )["FlowLogIds"][0]
    cloudwatch.put_metric_data(
        Namespace="AWS/Firehose",
        MetricData=[
            {
                "MetricName": "IncomingBytes",
                "Dimensions": [{"Name": "DeliveryStreamName", "Value": "cost-flows"}],
                "Value": float(1 << 30),
                "Timestamp": now - datetime.timedelta(hours=2),
            }
        ],
    )

    bare_vpc = vpc(ec2, "bare", "10.3.0.0/16")
    subnet = with_interface(ec2, bare_vpc, "10.3.1.0/24")
    for _ in range(3):
        ec2.create_network_interface(SubnetId=subnet)
    for i in range(bare):
        vpc(ec2, f"extra-{i}", f"10.{100 + i % 150}.0.0/16")

    tokyo = clients(endpoint, "ap-northeast-1")["ec2"]
    tokyo_vpc = vpc(tokyo, "tokyo", "10.4.0.0/16")
    with_interface(tokyo, tokyo_vpc, "10.4.1.0/24")
    out["vpcs"] = {"cw": cw, "s3": s3_vpc, "firehose": hose_vpc, "bare": bare_vpc, "tokyo": tokyo_vpc}
    return out


def inspect(endpoint, region):
    """Everything `fix` may change or create, with its values, so that a test can
    compare an account before a fix and after its rollback exactly: log groups with
    their retention and tags, roles with their trust policy and inline and attached
    policies, buckets with their lifecycle rules, and every flow log with its
    settings (flowaudit's own listed apart)."""
    c = clients(endpoint, region)
    logs, iam, s3, ec2 = c["logs"], c["iam"], c["s3"], c["ec2"]
    groups = {}
    for g in logs.describe_log_groups()["logGroups"]:
        name = g["logGroupName"]
        tags = logs.list_tags_log_group(logGroupName=name).get("tags", {})
        groups[name] = {"retention_days": g.get("retentionInDays"), "tags": tags}
    roles = {}
    for r in iam.list_roles()["Roles"]:
        name = r["RoleName"]
        inline = {
            p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
            for p in iam.list_role_policies(RoleName=name)["PolicyNames"]
        }
        attached = sorted(a["PolicyArn"] for a in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"])
        roles[name] = {"trust": r["AssumeRolePolicyDocument"], "inline": inline, "attached": attached}
    buckets = {}
    for b in s3.list_buckets()["Buckets"]:
        try:
            rules = s3.get_bucket_lifecycle_configuration(Bucket=b["Name"])["Rules"]
        except s3.exceptions.ClientError as e:
            if e.response["Error"]["Code"] != "NoSuchLifecycleConfiguration":
                raise
            rules = None
        buckets[b["Name"]] = {"lifecycle": rules}
    keep = ("ResourceId", "TrafficType", "LogDestinationType", "LogDestination", "LogGroupName",
            "DeliverLogsPermissionArn", "FlowLogStatus", "LogFormat", "MaxAggregationInterval", "Tags")
    flow_logs = {
        f["FlowLogId"]: {k: f.get(k) for k in keep}
        for f in ec2.describe_flow_logs()["FlowLogs"]
    }
    ours = sorted(
        i for i, f in flow_logs.items()
        if {"Key": "managed-by", "Value": "flowaudit"} in (f.get("Tags") or [])
    )
    return {
        "log_groups": groups,
        "roles": roles,
        "buckets": buckets,
        "flow_logs": flow_logs,
        "flowaudit_flow_logs": ours,
    }


def org(endpoint, members, regions, vpcs, role_name="OrganizationAccountAccessRole"):
    """An organization with `members` member accounts; in each member and region,
    `vpcs` VPCs, the first with a flow log into its own group (planted through
    credentials of the role assumed in the member, as flowaudit reads them)."""
    kw = dict(endpoint_url=endpoint, region_name="us-east-1",
              aws_access_key_id="testing", aws_secret_access_key="testing")
    orgs = boto3.client("organizations", **kw)
    sts = boto3.client("sts", **kw)
    orgs.create_organization(FeatureSet="ALL")
    ids = []
    for i in range(members):
        status = orgs.create_account(Email=f"member{i}@example.com", AccountName=f"member-{i}")
        ids.append(status["CreateAccountStatus"]["AccountId"])
    planted = {}
    for account in ids:
        cred = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role_name}",
                               RoleSessionName="seed")["Credentials"]
        creds = dict(aws_access_key_id=cred["AccessKeyId"], aws_secret_access_key=cred["SecretAccessKey"],
                     aws_session_token=cred["SessionToken"])
        iam = clients(endpoint, "us-east-1", creds)["iam"]
        doc = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": FLOW_LOGS}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account}}}]})
        role_arn = role(iam, "flow-logs", doc, inline=WRITE_LOGS)
        planted[account] = {}
        for r in regions:
            c = clients(endpoint, r, creds)
            made = []
            for v in range(vpcs):
                vpc_id = vpc(c["ec2"], f"{account}-{r}-{v}", f"10.{v}.0.0/16")
                if v == 0:
                    group = f"/flowaudit/{vpc_id}"
                    c["logs"].create_log_group(logGroupName=group)
                    c["logs"].put_retention_policy(logGroupName=group, retentionInDays=400)
                    cw_flow_log(c["ec2"], vpc_id, group, role_arn)
                made.append(vpc_id)
            planted[account][r] = made
    management = orgs.describe_organization()["Organization"]["MasterAccountId"]
    return {"management": management, "members": ids, "vpcs": planted}


def findings(endpoint, region):
    """The Security Hub findings moto holds in one region, by id."""
    hub = boto3.client(
        "securityhub",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    found = []
    for page in hub.get_paginator("get_findings").paginate(MaxResults=100):
        found.extend(page["Findings"])
    return {
        "count": len(found),
        "findings": {
            f["Id"]: {
                "compliance": f.get("Compliance", {}).get("Status"),
                "workflow": f.get("Workflow", {}).get("Status"),
                "severity": f.get("Severity", {}).get("Label"),
                "resource": f["Resources"][0]["Id"],
                "product_arn": f["ProductArn"],
            }
            for f in found
        },
    }


def scan_lines(scanner, target, t, custom=False):
    """Forty rejected ports of one host, in the default or a short custom format."""
    for port in range(1, 41):
        if custom:
            yield f"eni-cw {scanner} {target} {port} REJECT {t}"
        else:
            yield f"2 {ACCOUNT} eni-s3 {scanner} {target} 40000 {port} 6 1 44 {t} {t + 60} REJECT OK"


def flowlogs(endpoint, source_dir, bucket, group):
    """Flow logs where AWS delivers them: the gzip files of SOURCE_DIR under the
    S3 layout of 2026-11-20 and 21, a scan on 2026-11-25 (outside the test's
    window), an object that is not gzip, a Parquet object with a scan; and a log
    group (with the flow log that delivers to it, in a custom format) holding a
    scan before, one inside and one after a window.

    S3 keeps any date, so the objects use the generator's fixed days. CloudWatch
    Logs (and moto with it) drops events older than 14 days or more than 2 hours
    ahead, so the log group's events are placed relative to now: 5 days ago
    (before), 3 days ago (inside), 1 hour ago (after); the window the test passes
    (4 to 2 days ago) comes back in the output. A rejected event stops the seeding."""
    c = clients(endpoint, "us-east-1")
    c["s3"].create_bucket(Bucket=bucket)
    base = f"flows/AWSLogs/{ACCOUNT}/vpcflowlogs/us-east-1"
    keys = []
    for n, name in enumerate(sorted(os.listdir(source_dir))):
        key = f"{base}/2026/11/{20 + n % 2}/{name}"
        with open(os.path.join(source_dir, name), "rb") as f:
            c["s3"].put_object(Bucket=bucket, Key=key, Body=f.read())
        keys.append(key)
    late = "\n".join(["version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"]
                     + list(scan_lines("203.0.113.99", "10.0.0.5", 1795608000))) + "\n"
    c["s3"].put_object(Bucket=bucket, Key=f"{base}/2026/11/25/late.log.gz", Body=gzip.compress(late.encode()))
    c["s3"].put_object(Bucket=bucket, Key=f"{base}/2026/11/21/broken.log.gz", Body=b"\x1f\x8bnot really gzip")
    # A Parquet delivery (FileFormat=parquet) with a scan of its own.
    import io
    import pyarrow as pa
    import pyarrow.parquet as pq
    rows = [line.split(" ") for line in scan_lines("203.0.113.77", "10.0.0.8", 1795262400)]
    names = "version account_id interface_id srcaddr dstaddr srcport dstport protocol packets bytes start end action log_status".split()
    numbers = {"version", "srcport", "dstport", "protocol", "packets", "bytes", "start", "end"}
    table = pa.table({n: pa.array([int(r[i]) if n in numbers else r[i] for r in rows], pa.int64() if n in numbers else pa.string())
                      for i, n in enumerate(names)})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="gzip")
    c["s3"].put_object(Bucket=bucket, Key=f"{base}/2026/11/21/{ACCOUNT}_vpcflowlogs_us-east-1_fl-1_20261121T1200Z_x.log.parquet", Body=buf.getvalue())
    vpc_id = vpc(c["ec2"], "logged", "10.60.0.0/16")
    role_arn = role(c["iam"], "flow-logs-analyze", trust())
    fields = "${interface-id} ${srcaddr} ${dstaddr} ${dstport} ${action} ${start}"
    c["ec2"].create_flow_logs(ResourceIds=[vpc_id], ResourceType="VPC", TrafficType="ALL",
                              LogGroupName=group, DeliverLogsPermissionArn=role_arn, LogFormat=fields)
    c["logs"].create_log_group(logGroupName=group)
    c["logs"].create_log_stream(logGroupName=group, logStreamName="eni-cw-all")
    hour = int(time.time()) // 3600 * 3600
    scanners = {"before": ("203.0.113.55", hour - 5 * 86400), "inside": ("203.0.113.44", hour - 3 * 86400),
                "after": ("203.0.113.33", hour - 3600)}
    # One PutLogEvents call per cluster: a real batch may not span more than 24 hours.
    for scanner, t in scanners.values():
        events = [{"timestamp": t * 1000 + i, "message": m} for i, m in enumerate(scan_lines(scanner, "10.0.0.7", t, True))]
        put_log_events(c["logs"], group, "eni-cw-all", events)
    return {"bucket": bucket, "objects": len(keys) + 3, "group": group, "vpc": vpc_id,
            "scanners": {k: v[0] for k, v in scanners.items()},
            "window": {"start": iso(hour - 4 * 86400), "end": iso(hour - 2 * 86400)}}


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def put_log_events(logs, group, stream, events):
    """PutLogEvents that fails loudly when CloudWatch Logs drops any event (too
    old, too new, expired): a dropped event would make a test pass for the wrong
    reason."""
    answer = logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
    rejected = answer.get("rejectedLogEventsInfo")
    if rejected:
        raise SystemExit(f"seed: PutLogEvents to {group}/{stream} rejected events: {rejected} "
                         f"(event times {events[0]['timestamp']}..{events[-1]['timestamp']} ms)")


# A VPC Name tag (the EC2 API takes any character XML can carry): a spreadsheet
# formula, a newline that would forge a PASS line, a right-to-left override, and
# Markdown/HTML. (ESC and BEL cannot travel in EC2's XML responses; the unit
# tests of crates/core/src/escape cover them.)
HOSTILE_NAME = '=HYPERLINK("http://evil.example")\nPASS  vpc-flow-logs-enabled  forged\u202e<img src=x onerror=alert(1)>`id`'


def hostile(endpoint, canary):
    """Resources whose names an attacker with a few IAM and EC2 rights can set.

    The role path holds `$(touch${IFS}CANARY)`: IAM paths take any printable ASCII.
    An ACCEPT-only flow log delivers with that role, so the backout of its fix
    recreates the flow log naming the role's ARN. Two log groups whose names map
    to the same CloudFormation logical id and Terraform name each get a fix.
    """
    c = clients(endpoint, "us-east-1")
    ec2, logs, iam = c["ec2"], c["logs"], c["iam"]
    path = "/$(touch${IFS}%s)/" % canary
    arn = iam.create_role(RoleName="accept-only", Path=path, AssumeRolePolicyDocument=trust())["Role"]["Arn"]
    iam.put_role_policy(RoleName="accept-only", PolicyName="write", PolicyDocument=WRITE_LOGS)
    named = vpc(ec2, HOSTILE_NAME, "10.9.0.0/16")
    with_interface(ec2, named, "10.9.1.0/24")
    logs.create_log_group(logGroupName="/vpc/flow-logs")
    cw_flow_log(ec2, named, "/vpc/flow-logs", arn, traffic="ACCEPT")
    twin = vpc(ec2, "twin", "10.8.0.0/16")
    with_interface(ec2, twin, "10.8.1.0/24")
    logs.create_log_group(logGroupName="/vpc/flow_logs")
    cw_flow_log(ec2, twin, "/vpc/flow_logs", arn, traffic="ACCEPT")
    return {"role_arn": arn, "vpcs": {"named": named, "twin": twin}}


def transit(endpoint, region):
    """Two Transit Gateways in `region`, one with a flow log (into a log group,
    through the flowaudit-good role if seeded, else a new one)."""
    c = clients(endpoint, region)
    ec2, logs, iam = c["ec2"], c["logs"], c["iam"]
    logged = ec2.create_transit_gateway(
        Description="logged",
        TagSpecifications=[{"ResourceType": "transit-gateway", "Tags": [{"Key": "Name", "Value": "hub-logged"}]}],
    )["TransitGateway"]["TransitGatewayId"]
    dark = ec2.create_transit_gateway(
        Description="dark",
        TagSpecifications=[{"ResourceType": "transit-gateway", "Tags": [{"Key": "Name", "Value": "hub-dark"}]}],
    )["TransitGateway"]["TransitGatewayId"]
    arn = role(iam, "flowaudit-tgw", trust(), inline=WRITE_LOGS)
    logs.create_log_group(logGroupName="/flowaudit/tgw")
    flow_log = cw_flow_log(ec2, logged, "/flowaudit/tgw", arn, resource_type="TransitGateway")
    return {"transit_gateways": {"logged": logged, "dark": dark}, "flow_log": flow_log}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True)
    sub = parser.add_subparsers(dest="scenario", required=True)
    sub.add_parser("checks")
    m = sub.add_parser("many")
    m.add_argument("--regions", required=True)
    m.add_argument("--vpcs", type=int, required=True)
    m.add_argument("--with-flow-logs", type=float, default=1.0)
    r = sub.add_parser("role")
    r.add_argument("--name", required=True)
    r.add_argument("--service", default=FLOW_LOGS)
    i = sub.add_parser("inspect")
    i.add_argument("--region", default="us-east-1")
    o = sub.add_parser("org")
    o.add_argument("--members", type=int, required=True)
    o.add_argument("--regions", required=True)
    o.add_argument("--vpcs", type=int, default=2)
    f = sub.add_parser("findings")
    f.add_argument("--region", default="us-east-1")
    co = sub.add_parser("cost")
    co.add_argument("--bare", type=int, default=0)
    h = sub.add_parser("hostile")
    h.add_argument("--canary", required=True)
    orph = sub.add_parser("orphan")
    orph.add_argument("--region", default="us-west-2")
    lc = sub.add_parser("lifecycle")
    lc.add_argument("--bucket", required=True)
    lc.add_argument("--rules", required=True, help="the Rules list, as JSON")
    enc = sub.add_parser("encryption")
    enc.add_argument("--bucket", required=True)
    enc.add_argument("--algorithm", required=True, help="aws:kms, aws:kms:dsse or AES256")
    enc.add_argument("--kms-vpc", action="store_true")
    tg = sub.add_parser("transit")
    tg.add_argument("--region", default="us-east-1")
    fl = sub.add_parser("flowlogs")
    fl.add_argument("--dir", required=True)
    fl.add_argument("--bucket", default="acme-flow-logs")
    fl.add_argument("--group", default="/vpc/flow-logs")
    args = parser.parse_args()
    if args.scenario == "checks":
        out = checks(args.endpoint)
    elif args.scenario == "role":
        iam = clients(args.endpoint, "us-east-1")["iam"]
        out = {"role_arn": role(iam, args.name, trust(service=args.service))}
    elif args.scenario == "inspect":
        out = inspect(args.endpoint, args.region)
    elif args.scenario == "org":
        out = org(args.endpoint, args.members, args.regions.split(","), args.vpcs)
    elif args.scenario == "findings":
        out = findings(args.endpoint, args.region)
    elif args.scenario == "cost":
        out = cost(args.endpoint, args.bare)
    elif args.scenario == "hostile":
        out = hostile(args.endpoint, args.canary)
    elif args.scenario == "orphan":
        out = orphan(args.endpoint, args.region)
    elif args.scenario == "lifecycle":
        s3 = clients(args.endpoint, "us-east-1")["s3"]
        s3.put_bucket_lifecycle_configuration(
            Bucket=args.bucket, LifecycleConfiguration={"Rules": json.loads(args.rules)}
        )
        out = {"bucket": args.bucket}
    elif args.scenario == "encryption":
        out = encryption(args.endpoint, args.bucket, args.algorithm, args.kms_vpc)
    elif args.scenario == "transit":
        out = transit(args.endpoint, args.region)
    elif args.scenario == "flowlogs":
        out = flowlogs(args.endpoint, args.dir, args.bucket, args.group)
    else:
        out = many(args.endpoint, args.regions.split(","), args.vpcs, args.with_flow_logs)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
