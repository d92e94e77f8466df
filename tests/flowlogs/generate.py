"""Writes synthetic VPC flow logs, seeded, as AWS delivers them to S3.

    generate.py OUT_DIR [--records N] [--files F] [--seed S] [--background-only]
                        [--custom-format] [--malformed K]

Two days of benign background across many network interfaces (internal services,
clients, internet users of a web tier, a bastion reaching servers over SSH, a
little rejected noise spread thin), plus, unless --background-only, planted
events: a port scan, a host sweep, an RDP port accepted from the internet, an
exfiltration burst, lateral movement on the second day (SSH and SMB to servers
the host never reached on the first), an interface that stops reporting after
twelve hours, two hours in which nothing was delivered at all, lost records
(SKIPDATA). Files are gzip text with the header line
(default format, or a version-5 custom format with --custom-format), or, with
--parquet, Parquet files as AWS writes them (FileFormat=parquet: a column per
field, `-` as null, Gzip; needs pyarrow). Prints the planted events as JSON.
"""

import argparse
import gzip
import json
import os
import random

DEFAULT = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
CUSTOM = "version vpc-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status pkt-srcaddr pkt-dstaddr flow-direction traffic-path"
ACCOUNT = "123456789012"
T0 = 1795176000  # 2026-11-20 12:00 UTC
SPAN = 2 * 86400
SERVERS = [f"10.0.{10 + i // 50}.{i % 50 + 10}" for i in range(120)]
CLIENTS = [f"10.1.{i // 100}.{i % 100 + 10}" for i in range(400)]
BASTION = "10.0.9.10"
GAP_START = T0 + 18 * 3600  # 2026-11-21 06:00 UTC


def record_start(rec):
    return int(rec.split(" ")[10])


def line(custom, eni, src, dst, sport, dport, proto, packets, nbytes, start, action, status="OK", direction="egress"):
    if custom:
        return (f"5 vpc-0a1b2c3d {eni} {src} {dst} {sport} {dport} {proto} {packets} {nbytes} "
                f"{start} {start + 60} {action} {status} {src} {dst} {direction} -")
    return f"2 {ACCOUNT} {eni} {src} {dst} {sport} {dport} {proto} {packets} {nbytes} {start} {start + 60} {action} {status}"


def background(rng, n, custom):
    servers, clients = SERVERS, CLIENTS
    public = [f"{rng.randint(11, 99)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}" for _ in range(3000)]
    peers = {c: rng.sample(servers, 8) for c in clients}
    for i in range(n):
        start = T0 + rng.randint(0, SPAN - 60)
        kind = rng.random()
        if kind < 0.03:
            s = servers[rng.randrange(10)]
            yield line(custom, "eni-bastion", BASTION, s, rng.randint(32768, 60999), 22, 6,
                       rng.randint(10, 400), rng.randint(2000, 90000), start, "ACCEPT")
        elif kind < 0.55:
            c = rng.choice(clients)
            s = rng.choice(peers[c])
            port = rng.choice([443, 80, 5432, 6379, 8080])
            yield line(custom, f"eni-c{clients.index(c):04}", c, s, rng.randint(32768, 60999), port, 6,
                       rng.randint(1, 40), rng.randint(200, 60000), start, "ACCEPT")
        elif kind < 0.85:
            p = rng.choice(public)
            s = rng.choice(servers[:20])
            yield line(custom, f"eni-s{servers.index(s):04}", p, s, rng.randint(1024, 65535), 443, 6,
                       rng.randint(1, 30), rng.randint(100, 40000), start, "ACCEPT", direction="ingress")
        elif kind < 0.97:
            c = rng.choice(clients)
            p = rng.choice(public)
            yield line(custom, f"eni-c{clients.index(c):04}", c, p, rng.randint(32768, 60999), 443, 6,
                       rng.randint(1, 20), rng.randint(100, 20000), start, "ACCEPT")
        else:
            # Internet background radiation: a new address almost every time, so
            # the noise stays thin at any size.
            p = f"{rng.randint(11, 99)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
            s = rng.choice(servers)
            yield line(custom, f"eni-s{servers.index(s):04}", p, s, rng.randint(1024, 65535), rng.choice([23, 445, 8443]), 6,
                       1, 40, start, "REJECT", direction="ingress")


def planted(custom):
    events, lines = [], []
    scanner, target = "203.0.113.66", SERVERS[5]  # a web server (eni-s0005)
    for rnd in range(3):
        for port in range(1, 201):
            lines.append(line(custom, "eni-s0005", scanner, target, 40000 + rnd, port, 6, 1, 44,
                              T0 + 3600 + rnd * 300 + port, "ACCEPT" if port == 443 else "REJECT", direction="ingress"))
    events.append({"check": "flowlog-port-scan", "resource": scanner})
    events.append({"check": "flowlog-rejected-hotspot", "resource": scanner})
    sweeper = "198.51.100.23"
    for h in range(60):
        lines.append(line(custom, f"eni-h{h:02}", sweeper, f"10.0.30.{h + 1}", 50000, 22, 6, 1, 60,
                          T0 + 7200 + h, "REJECT", direction="ingress"))
    events.append({"check": "flowlog-host-sweep", "resource": sweeper})
    rdp = SERVERS[3]  # an internet-facing web server (eni-s0003)
    for k in range(5):
        lines.append(line(custom, "eni-s0003", "192.0.2.77", rdp, 50100 + k, 3389, 6, 300, 250000,
                          T0 + 9000 + k * 60, "ACCEPT", direction="ingress"))
    events.append({"check": "flowlog-exposed-admin-port", "resource": rdp})
    leaker = CLIENTS[7]  # eni-c0007
    for k in range(30):
        lines.append(line(custom, "eni-c0007", leaker, "198.51.100.200", 55000 + k, 443, 6, 80000, 110_000_000,
                          T0 + 36000 + k * 60, "ACCEPT"))
    events.append({"check": "flowlog-exfiltration", "resource": leaker})
    mover = CLIENTS[10]  # eni-c0010, on the second day
    for k, (target, port) in enumerate([(SERVERS[30], 22), (SERVERS[31], 22), (SERVERS[32], 445), (SERVERS[33], 3389)]):
        lines.append(line(custom, "eni-c0010", mover, target, 51000 + k, port, 6, 40, 9000,
                          T0 + 86400 + 7200 + k * 120, "ACCEPT"))
    events.append({"check": "flowlog-lateral-movement", "resource": mover})
    gone = "10.0.60.7"
    for k in range(144):
        lines.append(line(custom, "eni-gone", gone, SERVERS[0], 40000 + k, 443, 6, 12, 3000,
                          T0 + k * 300, "ACCEPT"))
    events.append({"check": "flowlog-interface-silent", "resource": "eni-gone"})
    for k in range(3):
        lines.append(line(custom, "eni-skip", "-", "-", "-", "-", "-", "-", "-", T0 + 40000 + k * 60, "-", "SKIPDATA"))
    events.append({"check": "flowlog-skipdata", "resource": "eni-skip"})
    return events, lines


NUMBERS = {"version", "srcport", "dstport", "protocol", "packets", "bytes", "start", "end", "tcp-flags"}


def write_parquet(path, fields, records):
    """Columns named as AWS names them in Parquet (`_` for `-`), numbers as
    integers, `-` as null, Gzip-compressed."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    values = [r.split(" ") for r in records]
    columns = {}
    for i, name in enumerate(fields):
        col = [v[i] if v[i] != "-" else None for v in values]
        if name in NUMBERS:
            columns[name.replace("-", "_")] = pa.array([int(c) if c is not None else None for c in col], pa.int64())
        else:
            columns[name.replace("-", "_")] = pa.array(col, pa.string())
    pq.write_table(pa.table(columns), path, compression="gzip")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--background-only", action="store_true")
    ap.add_argument("--custom-format", action="store_true")
    ap.add_argument("--malformed", type=int, default=0)
    ap.add_argument("--parquet", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    header = CUSTOM if args.custom_format else DEFAULT
    events, extra = ([], []) if args.background_only else planted(args.custom_format)
    per_file = max(1, args.records // args.files)
    gen = background(rng, args.records, args.custom_format)
    if not args.background_only:
        # A delivery gap: nothing at all from 06:00 to 08:00 on the second day.
        gap = (GAP_START, GAP_START + 7200)
        gen = (r for r in gen if not gap[0] <= record_start(r) < gap[1])
        events.append({"check": "flowlog-delivery-gap", "resource": "2026-11-21 06:00/2026-11-21 08:00"})
    for f in range(args.files):
        records = [rec for rec in (next(gen, None) for _ in range(per_file)) if rec is not None]
        if f == 0:
            records += extra
        stem = os.path.join(args.out, f"{ACCOUNT}_vpcflowlogs_us-east-1_fl-0123_{f:04}")
        if args.parquet:
            write_parquet(stem + ".parquet", header.split(), records)
            continue
        with gzip.open(stem + ".log.gz", "wt", compresslevel=1) as out:
            out.write(header + "\n")
            for rec in records:
                out.write(rec + "\n")
            if f == 0:
                for k in range(args.malformed):
                    out.write(f"2 {ACCOUNT} eni-bad not-an-address\n")
    print(json.dumps({"planted": events, "files": args.files, "records": args.records + len(extra)}))


if __name__ == "__main__":
    main()
