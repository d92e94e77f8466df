"""Lints a CloudFormation template with cfn-lint and prints what it holds.

    cfn.py TEMPLATE

Prints one JSON object: "problems" (cfn-lint's findings, one line each) and
"template" (the template decoded, intrinsic functions as cfn-lint reads them).
Exits 0; the Rust test asserts on the output.
"""

import json
import os
import subprocess
import sys

from cfnlint.decode import decode


def main():
    path = sys.argv[1]
    lint = os.path.join(os.path.dirname(sys.executable), "cfn-lint")
    run = subprocess.run([lint, "--format", "parseable", path], capture_output=True, text=True)
    problems = [line for line in run.stdout.splitlines() if line.strip()]
    if run.returncode not in (0, 2, 4, 6, 8, 10, 12, 14) and not problems:
        problems = [f"cfn-lint exited {run.returncode}: {run.stderr.strip()}"]
    template, matches = decode(path)
    problems += [str(m) for m in matches or []]
    print(json.dumps({"problems": problems, "template": template}, default=str))


if __name__ == "__main__":
    main()
