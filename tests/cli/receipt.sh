#!/usr/bin/env bash
# consentry key generate, receipt issue, verify and show, end to end on the example policy.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
policy="$SOURCE_DIR/tests/fixtures/policies/example"

"$CONSENTRY" key generate --alg Ed25519 -o device.pem >key.out
grep -q '^thumbprint: [A-Za-z0-9_-]\{43\}$' key.out || fail "key generate: $(cat key.out)"
[ "$(stat -c %a device.pem)" = 600 ] || fail "the key file is readable by others"
if "$CONSENTRY" key generate -o device.pem 2>err; then fail "a key was overwritten"; fi
grep -q 'never overwritten' err || fail "overwrite message: $(cat err)"
"$CONSENTRY" key generate --alg ES256 -o other.pem >/dev/null

cat >accept.json <<'JSON'
{"time": "2025-03-02T10:00:00.000Z", "act": {"action": "accept_all", "method": "phone", "language": "fr"}}
JSON
cat >withdraw.json <<'JSON'
{"time": "2025-03-09T10:00:00.000Z", "act": {"action": "withdraw_purpose", "method": "paper", "purpose": "advertising"}}
JSON
"$CONSENTRY" receipt issue --key device.pem --policy "$policy" --decision accept.json -o r1.jws
"$CONSENTRY" receipt issue --key device.pem --policy "$policy" --decision withdraw.json --previous r1.jws >r2.jws
[ "$(tail -c 1 r2.jws | od -An -c | tr -d ' ')" != '\n' ] || fail "issue wrote a trailing newline"

"$CONSENTRY" receipt verify r1.jws r2.jws --policy "$policy" >out || fail "verify: $(cat out)"
grep -qx '2 receipts verified' out || fail "verify output: $(cat out)"
printf '\n' >>r1.jws  # a final line feed, as an editor leaves it, is not part of the JWS
"$CONSENTRY" receipt verify r1.jws >/dev/null || fail "a final line feed was refused"

status=0
"$CONSENTRY" receipt verify r2.jws r1.jws >out || status=$?
[ "$status" = 1 ] || fail "out of order: exit $status"
[ "$(wc -l <out)" = 1 ] || fail "out of order: $(cat out)"
grep -q '^r1.jws: error: receipt .* starts a new chain, but follows receipt' out || fail "out of order: $(cat out)"

# A receipt of another policy, or of a changed one.
mkdir changed
sed 's/"transfer_country": "US"/"transfer_country": "CN"/' "$policy/policy.json" >changed/policy.json
status=0
"$CONSENTRY" receipt verify r1.jws r2.jws --policy changed >out || status=$?
[ "$status" = 1 ] && [ "$(grep -c "material_hash" out)" = 2 ] || fail "changed policy: $(cat out)"

# One changed byte of the payload: the signature no longer holds.
python3 - r2.jws bad.jws <<'PY'
import sys
text = open(sys.argv[1]).read()
at = text.index('.') + 40
open(sys.argv[2], 'w').write(text[:at] + ('B' if text[at] != 'B' else 'C') + text[at + 1:])
PY
status=0
"$CONSENTRY" receipt verify bad.jws >out || status=$?
[ "$status" = 1 ] || fail "a changed receipt verified"
grep -qx 'bad.jws: error: the signature does not match the header and payload' out || fail "changed: $(cat out)"

# A decision the engine refuses, and a malformed one.
echo '{"act": {"action": "set_purpose", "method": "phone", "purpose": "service", "granted": false}}' >refuse.json
if "$CONSENTRY" receipt issue --key device.pem --policy "$policy" --decision refuse.json 2>err >/dev/null; then
  fail "refusing a contract purpose was recorded"
fi
grep -q '^refuse.json:/act: error: not_refusable: ' err || fail "refusal: $(cat err)"
echo '{"act": {"action": "accept_all", "method": "phone", "ip_address": "192.0.2.1"}}' >personal.json
if "$CONSENTRY" receipt issue --key device.pem --policy "$policy" --decision personal.json 2>err >/dev/null; then
  fail "an unknown member was accepted"
fi
grep -q 'personal.json:/act/ip_address: error: unknown member "ip_address"' err || fail "unknown member: $(cat err)"
if "$CONSENTRY" receipt issue --key other.pem --policy "$policy" --decision withdraw.json --previous r1.jws 2>err; then
  fail "a chain was continued with another device's key"
fi
grep -q 'another device key' err || fail "other key: $(cat err)"

# The proof, as text and HTML.
"$CONSENTRY" receipt show r1.jws >show.txt
grep -q '^Signature verified (Ed25519)' show.txt || fail "show: $(head -3 show.txt)"
grep -q 'Mesure d.audience (analytics): granted' show.txt || fail "show lacks the French title"
"$CONSENTRY" receipt show --html r2.jws >show.html
grep -q '<article class="consentry-receipt" lang="en">' show.html || fail "show --html: $(head -3 show.html)"
grep -q 'Advertising (advertising): refused' show.html || fail "show --html lacks the withdrawal"
status=0
"$CONSENTRY" receipt show bad.jws >show.txt 2>err || status=$?
[ "$status" = 1 ] && grep -qx 'bad.jws: error: the signature does not match the header and payload' err ||
  fail "show of a changed receipt: $(cat err)"
# Another receipt's signature on this one's header and payload: readable, but proves nothing.
printf '%s.%s' "$(cut -d. -f1,2 r2.jws)" "$(cut -d. -f3 r1.jws)" >swapped.jws
status=0
"$CONSENTRY" receipt show swapped.jws >show.txt || status=$?
[ "$status" = 1 ] && grep -q '^NOT VERIFIED: the signature does not match' show.txt ||
  fail "show of a wrongly signed receipt: $(head -3 show.txt)"
echo ok
