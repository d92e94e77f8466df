"""A fault-injecting HTTP proxy between flowaudit and moto, for the resilience tests.

    proxy.py --upstream http://127.0.0.1:5000 [--fault-rate 0.2] [--seed 7]
             [--unreachable-region eu-west-1] [--deny-assume ACCOUNT_ID] [--delay 0.2]
             [--fail OPERATION[:NTH[:CODE]]]... [--strip-trust-policy ROLE]...

Listens on a free loopback port and prints `ready <port>` on stdout. Every request
is forwarded to moto, except that:
  - a `--fault-rate` share is answered with a fault, chosen in turn: a throttling
    error in the service's own protocol (EC2 `RequestLimitExceeded`, query
    `Throttling`, JSON `ThrottlingException`, S3 `SlowDown`, REST-JSON 429), a bare
    HTTP 503, a connection reset, or a delay (then forwarded);
  - every request signed for `--unreachable-region` has its connection reset;
  - `sts:AssumeRole` into `--deny-assume` accounts gets AccessDenied;
  - every request for `--slow-region` waits `--slow` seconds first;
  - `--reject-findings`: every BatchImportFindings is forwarded, and its reply
    rewritten so that Security Hub rejects the first finding of the batch
    (FailedFindings, as the API reports invalid findings);
  - `--fail CreateFlowLogs:2:InternalError` answers the 2nd call of that operation
    (counted from 1; default 1, `*` for every call) with that error code (default
    `InternalError`) in the service's own protocol, and forwards nothing: the
    failure of one chosen AWS call, for the tests of what `fix` and `rollback` do
    part-way. Repeatable.
  - `--strip-trust-policy ROLE`: iam:GetRole replies for that role are forwarded
    without their AssumeRolePolicyDocument (the SDK models it as optional), so
    the role's trust policy is unknown to flowaudit. Repeatable.
The region and service come from the request's SigV4 credential scope; the
operation from the query `Action=`, the JSON `X-Amz-Target`, or, for S3's REST
API, the method and sub-resource (`PUT ?lifecycle` is PutBucketLifecycleConfiguration).
GET /__proxy_stats returns the counts as JSON, with `failed` per operation.
"""

import argparse
import http.client
import http.server
import json
import random
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse

SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
KINDS = ["throttle", "http503", "reset", "delay"]


class State:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.lock = threading.Lock()
        self.counts = {"requests": 0, "forwarded": 0, "denied": 0, "unreachable": 0, "slowed": 0, "rejected": 0, "stripped": 0}
        for k in KINDS:
            self.counts[k] = 0
        self.turn = 0
        self.calls = {}
        self.failed = {}
        self.rules = [parse_fail(spec) for spec in args.fail]

    def chosen_failure(self, operation):
        """The error code to answer this call of `operation` with, or None."""
        with self.lock:
            n = self.calls.get(operation, 0) + 1
            self.calls[operation] = n
            for op, nth, code in self.rules:
                if op == operation and (nth is None or nth == n):
                    self.failed[operation] = self.failed.get(operation, 0) + 1
                    return code
            return None

    def count(self, key):
        with self.lock:
            self.counts[key] += 1

    def fault(self):
        with self.lock:
            self.counts["requests"] += 1
            if self.rng.random() >= self.args.fault_rate:
                return None
            kind = KINDS[self.turn % len(KINDS)]
            self.turn += 1
            self.counts[kind] += 1
            return kind


def parse_fail(spec):
    """`OPERATION[:NTH[:CODE]]` -> (operation, nth or None for every call, code)."""
    parts = spec.split(":")
    if not parts[0] or len(parts) > 3:
        sys.exit(f"--fail {spec!r}: expected OPERATION[:NTH[:CODE]]")
    nth = parts[1] if len(parts) > 1 else "1"
    if nth != "*" and not nth.isdigit():
        sys.exit(f"--fail {spec!r}: NTH is a call number from 1, or *")
    code = parts[2] if len(parts) > 2 and parts[2] else "InternalError"
    return parts[0], None if nth == "*" else int(nth), code


S3_SUBRESOURCES = {
    "lifecycle": "BucketLifecycleConfiguration",
    "policy": "BucketPolicy",
    "acl": "BucketAcl",
    "tagging": "BucketTagging",
    "versioning": "BucketVersioning",
    "encryption": "BucketEncryption",
    "location": "BucketLocation",
}
S3_VERBS = {"GET": "Get", "PUT": "Put", "DELETE": "Delete", "HEAD": "Head", "POST": "Post"}
# REST-JSON operations the tests fail by name: (service, method, path) -> operation.
REST = {("securityhub", "POST", "/findings/import"): "BatchImportFindings"}


def operation(method, path, headers, body, service):
    """The AWS operation a request calls."""
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    query = urllib.parse.urlparse(path).query
    for source in (query, body.decode(errors="replace") if body else ""):
        action = urllib.parse.parse_qs(source).get("Action")
        if action:
            return action[0]
    rest = REST.get((service, method, urllib.parse.urlparse(path).path))
    if rest:
        return rest
    if service == "s3":
        keys = urllib.parse.parse_qs(query, keep_blank_values=True)
        for sub, name in S3_SUBRESOURCES.items():
            if sub in keys:
                return S3_VERBS.get(method, method.title()) + name
        parts = [p for p in urllib.parse.urlparse(path).path.split("/") if p]
        kind = "Object" if len(parts) > 1 else "Bucket" if parts else "Buckets"
        return S3_VERBS.get(method, method.title()) + kind
    return f"{method} {path}"


def error(service, code):
    """(status, headers, body) of the error `code` in the service's protocol."""
    message = f"{code} injected by the fault proxy"
    if service == "ec2":
        body = ('<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error>'
                f"<Code>{code}</Code><Message>{message}</Message>"
                "</Error></Errors><RequestID>fault</RequestID></Response>")
        return 400, {"Content-Type": "text/xml"}, body
    if service in ("logs", "organizations"):
        return 400, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps({"__type": code, "message": message})
    if service == "s3":
        return 400, {"Content-Type": "application/xml"}, f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    if service == "securityhub":
        return 400, {"Content-Type": "application/json", "x-amzn-ErrorType": code}, json.dumps({"message": message})
    body = ('<ErrorResponse><Error><Type>Sender</Type>'
            f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>")
    return 400, {"Content-Type": "text/xml"}, body


def reject_first(request, reply):
    """The BatchImportFindings reply with the request's first finding rejected."""
    findings = json.loads(request or b"{}").get("Findings") or []
    out = json.loads(reply or b"{}")
    if findings:
        out["FailedFindings"] = (out.get("FailedFindings") or []) + [{
            "Id": findings[0].get("Id", ""),
            "ErrorCode": "InvalidInput",
            "ErrorMessage": "Finding rejected by the fault proxy",
        }]
        out["FailedCount"] = len(out["FailedFindings"])
        out["SuccessCount"] = max(0, len(findings) - out["FailedCount"])
    return json.dumps(out).encode()


def throttle(service):
    """(status, headers, body) of a throttling error in the service's protocol."""
    if service == "ec2":
        body = ('<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error>'
                "<Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>"
                "</Error></Errors><RequestID>fault</RequestID></Response>")
        return 503, {"Content-Type": "text/xml"}, body
    if service in ("logs", "organizations"):
        kind = "TooManyRequestsException" if service == "organizations" else "ThrottlingException"
        body = json.dumps({"__type": kind, "message": "Rate exceeded"})
        return 400, {"Content-Type": "application/x-amz-json-1.1"}, body
    if service == "s3":
        body = "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
        return 503, {"Content-Type": "application/xml"}, body
    if service == "securityhub":
        return 429, {"Content-Type": "application/json", "x-amzn-ErrorType": "TooManyRequestsException"}, '{"message":"Rate exceeded"}'
    body = ('<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>'
            "<Message>Rate exceeded</Message></Error><RequestId>fault</RequestId></ErrorResponse>")
    return 400, {"Content-Type": "text/xml"}, body


def make_handler(state):
    upstream = urllib.parse.urlparse(state.args.upstream)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reset(self):
            self.close_connection = True
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
            except OSError:
                pass

        def reply(self, status, headers, body):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.path == "/__proxy_stats":
                with state.lock:
                    counts = dict(state.counts, failed=dict(state.failed))
                    return self.reply(200, {"Content-Type": "application/json"}, json.dumps(counts))
            m = SCOPE.search(self.headers.get("Authorization", ""))
            region, service = (m.group(1), m.group(2)) if m else ("", "")
            if state.args.unreachable_region and region == state.args.unreachable_region:
                state.count("unreachable")
                return self.reset()
            if state.args.slow_region and region == state.args.slow_region:
                state.count("slowed")
                time.sleep(state.args.slow)
            if service == "sts" and b"Action=AssumeRole" in body:
                form = urllib.parse.parse_qs(body.decode(errors="replace"))
                role = (form.get("RoleArn") or [""])[0]
                if any(f":{acct}:" in role for acct in state.args.deny_assume):
                    state.count("denied")
                    xml = ('<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>'
                           f"<Message>User is not authorized to perform: sts:AssumeRole on resource: {role}</Message>"
                           "</Error><RequestId>denied</RequestId></ErrorResponse>")
                    return self.reply(403, {"Content-Type": "text/xml"}, xml)
            if state.rules:
                code = state.chosen_failure(operation(self.command, self.path, self.headers, body, service))
                if code:
                    return self.reply(*error(service, code))
            kind = state.fault()
            if kind == "throttle":
                return self.reply(*throttle(service))
            if kind == "http503":
                return self.reply(503, {"Content-Type": "text/plain"}, "Service Unavailable")
            if kind == "reset":
                return self.reset()
            if kind == "delay":
                time.sleep(state.args.delay)
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            out = {k: v for k, v in resp.getheaders()
                   if k.lower() not in ("transfer-encoding", "connection", "content-length", "keep-alive")}
            conn.close()
            state.count("forwarded")
            if (state.args.reject_findings and resp.status == 200
                    and operation(self.command, self.path, self.headers, body, service) == "BatchImportFindings"):
                data = reject_first(body, data)
                state.count("rejected")
            if (state.args.strip_trust_policy and resp.status == 200
                    and operation(self.command, self.path, self.headers, body, service) == "GetRole"):
                form = urllib.parse.parse_qs(body.decode(errors="replace"))
                if (form.get("RoleName") or [""])[0] in state.args.strip_trust_policy:
                    data = re.sub(rb"<AssumeRolePolicyDocument>.*?</AssumeRolePolicyDocument>", b"", data, flags=re.S)
                    state.count("stripped")
            self.reply(resp.status, out, data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--upstream", required=True)
    p.add_argument("--fault-rate", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--delay", type=float, default=0.2)
    p.add_argument("--unreachable-region", default="")
    p.add_argument("--deny-assume", action="append", default=[])
    p.add_argument("--slow-region", default="")
    p.add_argument("--slow", type=float, default=5.0)
    p.add_argument("--reject-findings", action="store_true")
    p.add_argument("--fail", action="append", default=[], metavar="OPERATION[:NTH[:CODE]]")
    p.add_argument("--strip-trust-policy", action="append", default=[], metavar="ROLE")
    args = p.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(State(args)))
    server.daemon_threads = True
    print(f"ready {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
