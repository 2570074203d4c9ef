#!/usr/bin/env bash
# The committed JSON Schemas are exactly what the model's description generates:
# a change to the model without `consentry schema NAME -o ...` fails here.
set -euo pipefail
status=0
for schema in "$SOURCE_DIR"/policy-data/schema/*.schema.json; do
  name=$(basename "$schema" .schema.json)
  if ! difference=$(diff -u "$schema" <("$CONSENTRY" schema "$name")); then
    echo "policy-data/schema/$name.schema.json is out of date; run: consentry schema $name -o $schema"
    echo "$difference" | head -40
    status=1
  fi
done
if "$CONSENTRY" schema no-such-document >/dev/null 2>&1; then
  echo "an unknown schema name must fail"
  status=1
fi
exit $status
