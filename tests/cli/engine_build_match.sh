#!/usr/bin/env bash
# consentry build and match: the tracker engine's "Done when" on policy-data/alopal with
# EasyPrivacy, and the bundle's hashes, refusals and errors.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
has() {  # has OUTPUT TEXT...: every TEXT is a line fragment of OUTPUT
  local out=$1; shift
  for text in "$@"; do grep -qF -- "$text" <<<"$out" || fail "expected $text in: $out"; done
}

"$CONSENTRY" build "$SOURCE_DIR/policy-data/alopal" --list "$SHARED_DIR/testdata/lists/easyprivacy.txt" \
  -o bundle 2>build.log || fail "build: $(cat build.log)"
for f in policy.json rules.bin bundle.json; do [ -s "bundle/$f" ] || fail "no bundle/$f"; done
grep -q '^easyprivacy.txt: [0-9]* rules compiled' build.log || fail "no list summary: $(cat build.log)"
# The policy file is the canonical policy: its SHA-256 is the policy hash.
policy_hash=$(sha256sum bundle/policy.json | cut -d' ' -f1)
rules_hash=$(sha256sum bundle/rules.bin | cut -d' ' -f1)
manifest=$(cat bundle/bundle.json)
has "$manifest" "\"policy_hash\": \"$policy_hash\"" "\"sha256\": \"$rules_hash\"" '"policy_id": "alopal"' \
  '"material_hash": "' '"name": "easyprivacy.txt"' "\"size\": $(stat -c %s bundle/rules.bin)"

match() { "$CONSENTRY" match --rules bundle/rules.bin "$@"; }
page=https://www.alopal.net/find-a-pal

# A Google Analytics collect request: blocked, purpose analytics, vendor Google Analytics.
out=$(match --url 'https://www.google-analytics.com/g/collect?v=2&tid=G-ABC123&cid=1.2' --type ping --page "$page")
has "$out" '"verdict": "block"' '"id": "google_analytics"' '"name": "Google Analytics"' '"analytics"' \
  '"allowed": false'
out=$(match --url 'https://www.google-analytics.com/g/collect?v=2' --type ping --page "$page" --granted analytics)
has "$out" '"verdict": "block"' '"allowed": true'
out=$(match --url 'https://www.google-analytics.com/g/collect?v=2' --type ping --page "$page" --granted advertising)
has "$out" '"allowed": false'

# A tracker EasyPrivacy knows and the AloPal policy does not name: undisclosed.
out=$(match --url 'https://www.clarity.ms/tag/abc123' --type script --page "$page" \
  --granted analytics,advertising,site_experiments)
has "$out" '"verdict": "undisclosed"' '"host": "www.clarity.ms"' '"filter": "||clarity.ms^"' '"allowed": false'

# A first-party stylesheet: allowed.
out=$(match --url 'https://www.alopal.net/wp-content/themes/alopal/style.css?ver=6.4' --type stylesheet --page "$page")
has "$out" '"verdict": "allow"' '"allowed": true'

# A vendor URL pattern on a shared host, and a vendor whose purpose needs no consent.
out=$(match --url 'https://www.googletagmanager.com/gtag/js?id=AW-1234' --type script --page "$page")
has "$out" '"id": "google_ads"' '"advertising"'
out=$(match --url 'https://yoast.com/app/x.js' --type script --page "$page")
has "$out" '"id": "yoast"' '"allowed": true'

# Refusals: a damaged image, a foreign file, unknown names.
cp bundle/rules.bin damaged.bin
printf '\x01' | dd of=damaged.bin bs=1 seek=4000 conv=notrunc status=none
status=0; "$CONSENTRY" match --rules damaged.bin --url https://a.test/ --type script --page https://b.test/ \
  >out 2>err || status=$?
[ "$status" = 1 ] || fail "damaged image: exit $status"
grep -q 'damaged (checksum mismatch)' err || fail "damaged image: $(cat err)"
status=0; "$CONSENTRY" match --rules bundle/policy.json --url https://a.test/ --type script --page https://b.test/ \
  2>err || status=$?
[ "$status" = 1 ] && grep -q 'not a Consentry rules image' err || fail "foreign file: $status $(cat err)"
status=0; match --url https://a.test/ --type pigeon --page https://b.test/ 2>err || status=$?
[ "$status" = 2 ] && grep -q 'unknown request type "pigeon"' err || fail "unknown type: $status $(cat err)"
status=0; match --url https://a.test/ --type script --page https://b.test/ --granted nothing 2>err || status=$?
[ "$status" = 2 ] && grep -q 'no purpose "nothing"' err || fail "unknown purpose: $status $(cat err)"

# A list that is not there, and a policy with errors, stop the build.
status=0; "$CONSENTRY" build "$SOURCE_DIR/policy-data/alopal" --list missing.txt -o x 2>err || status=$?
[ "$status" = 1 ] && grep -q 'missing.txt' err || fail "missing list: $status $(cat err)"
status=0; "$CONSENTRY" build "$SOURCE_DIR/tests/fixtures/bad-policies/bad-host-name" -o x 2>err || status=$?
[ "$status" = 1 ] || fail "bad policy: exit $status"
[ ! -e x ] || fail "a bundle was written for a bad policy"
echo ok
