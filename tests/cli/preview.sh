#!/usr/bin/env bash
# consentry preview: its errors (no wasm build, a broken policy, misuse) and what it
# inlines, against a stand-in dist/ so that this test needs no wasm build. The real
# page is tested in Chromium by tests/browser/preview.test.mjs.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sample="$SOURCE_DIR/tests/fixtures/policies/sample"
fail() { echo "FAIL: $*"; exit 1; }

status=0
CONSENTRY_WASM_DIST="$work/nowhere" "$CONSENTRY" preview "$sample" -o "$work/p.html" 2> "$work/err" || status=$?
[ "$status" = 1 ] || fail "missing wasm build gave exit $status"
grep -q 'the wasm build is missing: .*nowhere/consentry-render.js' "$work/err" || fail "unclear message: $(cat "$work/err")"
grep -q 'cmake --build --preset wasm' "$work/err" || fail "the message does not say how to build it"
[ ! -e "$work/p.html" ] || fail "wrote a file anyway"

status=0; "$CONSENTRY" preview "$sample" 2>/dev/null || status=$?
[ "$status" = 2 ] || fail "no -o gave exit $status"
status=0; "$CONSENTRY" preview -o "$work/p.html" 2>/dev/null || status=$?
[ "$status" = 2 ] || fail "no directory gave exit $status"
mkdir -p "$work/broken" && echo '{"format": 1}' > "$work/broken/policy.json"
status=0; "$CONSENTRY" preview "$work/broken" -o "$work/p.html" 2> "$work/err" || status=$?
[ "$status" = 1 ] || fail "a broken policy gave exit $status"
grep -q 'broken/policy.json: error: missing required member' "$work/err" || fail "no diagnostics: $(cat "$work/err")"

# A stand-in dist/: the page must carry each file whole, and a CSP that allows exactly them.
dist="$work/dist"; mkdir -p "$dist"
printf 'var createConsentryRender = function () {};' > "$dist/consentry-render.js"
printf 'globalThis.ConsentryRenderApi = {};' > "$dist/consentry-render-api.js"
printf '.consentry-root { color: black; }' > "$dist/consentry.css"
printf '\0asm\1\0\0\0' > "$dist/consentry-render.wasm"
CONSENTRY_WASM_DIST="$dist" "$CONSENTRY" preview "$sample" -o "$work/p.html" --since "$sample" 2>/dev/null
page="$work/p.html"
grep -q "var createConsentryRender = function () {};" "$page" || fail "the module's script is not inlined"
grep -q "AGFzbQEAAAA=" "$page" || fail "the wasm bytes are not inlined as base64"
grep -q '<script type="application/json" id="preview-policy">' "$page" || fail "the policy is not inlined"
grep -q '<script type="application/json" id="preview-previous">' "$page" || fail "--since is not inlined"
grep -q "Content-Security-Policy\" content=\"default-src 'none'; script-src 'sha256-" "$page" || fail "no CSP"
if grep -Eq '(src|href)="(https?:)?//' "$page"; then fail "the page loads something from the network"; fi
node -e '
  const fs = require("fs"), crypto = require("crypto");
  const html = fs.readFileSync(process.argv[1], "utf8");
  const csp = html.match(/content="(default-src[^"]*)"/)[1];
  const hash = (t) => "sha256-" + crypto.createHash("sha256").update(t, "utf8").digest("base64");
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
  if (scripts.length !== 3 || styles.length !== 1) throw new Error("expected 3 scripts and 1 style");
  for (const t of [...scripts, ...styles]) if (!csp.includes(hash(t))) throw new Error("CSP lacks " + hash(t));
  // The JSON data blocks parse, and the policy in them is the file itself.
  const data = html.match(/id="preview-policy">([\s\S]*?)<\/script>/)[1];
  const policy = JSON.parse(data), file = JSON.parse(fs.readFileSync(process.argv[2] + "/policy.json", "utf8"));
  if (JSON.stringify(policy) !== JSON.stringify(file)) throw new Error("the inlined policy differs");
' "$page" "$sample" || fail "the page does not match its CSP or its policy"

# A policy whose text holds "</script>" cannot close the data block.
mkdir -p "$work/hostile"
CONSENTRY_WASM_DIST="$dist" "$CONSENTRY" preview "$SOURCE_DIR/tests/fixtures/policies/hostile" -o "$work/h.html" 2>/dev/null
[ "$(grep -c '</script>' "$work/h.html")" = 5 ] || fail "a policy string closed a script element"

# render: --lang reaches the interface, unknown formats are refused.
"$CONSENTRY" render "$sample" --format banner --lang fr | grep -q '>Tout accepter<' || fail "render --lang fr"
"$CONSENTRY" render "$sample" --format preferences --lang "de-CH, en;q=0.5" | grep -q '>Alle ablehnen<' || fail "render --lang de-CH"
status=0; "$CONSENTRY" render "$sample" --format poster 2>/dev/null || status=$?
[ "$status" = 2 ] || fail "unknown format gave exit $status"
echo "preview: ok"
