#!/usr/bin/env bash
# Regenerates the documentation that comes from the check and finding registries
# and the query schema: the tables in README.md (between the "generated" markers) and one page per
# check and finding under docs/checks/. The test
# `present::docs::tests::generated_docs_match_the_registries` fails when the
# committed text differs from what this writes.
set -euo pipefail
cd "$(dirname "$0")/.."
FLOWAUDIT_BLESS_DOCS=1 cargo test --quiet -p flowaudit-core --lib -- \
  present::docs::tests::generated_docs_match_the_registries
FLOWAUDIT_BLESS_DOCS=1 cargo test --quiet -p flowaudit-query --lib -- \
  render::tests::readme_query_tables_are_generated
echo "README.md and docs/checks/ regenerated from the registries"
