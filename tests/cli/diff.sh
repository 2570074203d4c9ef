#!/usr/bin/env bash
# consentry diff: one vendor added to a copy of a policy is exactly one material change,
# in text and in JSON; an unreadable directory fails with exit 1.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
policy="$SOURCE_DIR/tests/fixtures/policies/sample"
# Once the AloPal data is in the repository, the same holds for it.
[ -f "$SOURCE_DIR/policy-data/alopal/policy.json" ] && policies=("$policy" "$SOURCE_DIR/policy-data/alopal") || policies=("$policy")

for policy in "${policies[@]}"; do
  mkdir -p "$work/new"
  node -e '
    const fs = require("fs");
    const p = JSON.parse(fs.readFileSync(process.argv[1] + "/policy.json", "utf8"));
    const target = p.purposes.find((x) => x.basis === "consent") || p.purposes[0];
    p.vendors.push({id: "added-vendor", name: "Added Vendor", purposes: [target.id], hosts: ["added-vendor.example"],
                    privacy_policy_url: "https://added-vendor.example/privacy", transfer_country: "US"});
    (target.vendors = target.vendors || []).push("added-vendor");
    fs.writeFileSync(process.argv[2] + "/policy.json", JSON.stringify(p, null, 2));
  ' "$policy" "$work/new"

  "$CONSENTRY" diff "$policy" "$work/new" > "$work/out.txt"
  cat "$work/out.txt"
  [ "$(grep -c '^material ' "$work/out.txt")" = 1 ] || { echo "FAIL: expected exactly one material change"; exit 1; }
  grep -q '^material vendor added added-vendor: ' "$work/out.txt" || { echo "FAIL: the change is not the vendor"; exit 1; }
  grep -q ': 1 material, 0 editorial$' "$work/out.txt" || { echo "FAIL: wrong count line"; exit 1; }

  "$CONSENTRY" diff "$policy" "$work/new" --json > "$work/out.json"
  node -e '
    const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const ok = d.material === true && d.counts.material === 1 && d.changes.length === 1 &&
               d.changes[0].subject === "vendor" && d.changes[0].kind === "added" && d.changes[0].id === "added-vendor";
    if (!ok) { console.error("FAIL: JSON", JSON.stringify(d)); process.exit(1); }
  ' "$work/out.json"

  "$CONSENTRY" diff "$policy" "$policy" | grep -q ': 0 material, 0 editorial$' || { echo "FAIL: self-diff"; exit 1; }
  rm -rf "$work/new"
done

status=0
"$CONSENTRY" diff "$policy" "$work/missing" 2> "$work/err.txt" || status=$?
[ "$status" = 1 ] || { echo "FAIL: missing directory gave exit $status"; exit 1; }
grep -q 'missing/policy.json' "$work/err.txt" || { echo "FAIL: error does not name the file"; exit 1; }
echo "diff: ok"
