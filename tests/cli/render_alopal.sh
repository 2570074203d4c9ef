#!/usr/bin/env bash
# `consentry render policy-data/alopal` holds every sentence of source.txt, in order,
# in each format; the check itself is shown to catch a missing sentence.
set -euo pipefail
: "${CONSENTRY:?the consentry binary}" "${SOURCE_DIR:?the repository}"

source_text="$SOURCE_DIR/policy-data/alopal/source.txt"
sentences="$SOURCE_DIR/tests/support/sentences.mjs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

for format in text markdown html; do
  "$CONSENTRY" render "$SOURCE_DIR/policy-data/alopal" --format "$format" >"$work/notice.$format" 2>"$work/err" ||
    fail "render --format $format exited $?: $(cat "$work/err")"
  [[ ! -s $work/err ]] || fail "render --format $format wrote to stderr: $(cat "$work/err")"
  node "$sentences" "$source_text" "$work/notice.$format" --format "$format"
done

head -n 1 "$work/notice.text" | grep -qx 'Privacy Policy' || fail "the text rendering does not open with the title"
grep -qF 'AloPal <privacy@alopal.net>' "$work/notice.text" || fail "the text rendering lacks the controller's contact"
head -n 1 "$work/notice.markdown" | grep -qx '# Privacy Policy' || fail "the Markdown rendering does not open with a level-1 title"
grep -qx '## Non-Discrimination' "$work/notice.markdown" || fail "the Markdown rendering lacks a level-2 section heading"
grep -qx '  - run, grow and develop our business;' "$work/notice.markdown" || fail "the nested legitimate-interest list is not nested in Markdown"
grep -qF '<article class="consentry-notice" lang="en">' "$work/notice.html" || fail "the HTML rendering is not an article in English"
grep -qF '<section class="consentry-section" id="non-discrimination"' "$work/notice.html" || fail "the HTML rendering lacks section anchors"
grep -qF 'Confidentiality &amp; Security' "$work/notice.html" || fail "the HTML rendering does not escape '&'"
grep -qF '<a href="mailto:privacy@alopal.net">' "$work/notice.html" || fail "the HTML rendering lacks the controller's e-mail"

# The check must catch a sentence that is missing, and one that is out of order.
sed 's/ We do not exchange or sell personal information\.//' "$work/notice.text" >"$work/missing.text"
if node "$sentences" "$source_text" "$work/missing.text" 2>"$work/err"; then fail "a missing sentence went unnoticed"; fi
grep -qF 'We do not exchange or sell personal information.' "$work/err" || fail "the failure does not name the missing sentence: $(cat "$work/err")"
{ grep -F 'Phishing' "$work/notice.text"; grep -vxF 'Phishing' "$work/notice.text"; } >"$work/reordered.text"
if node "$sentences" "$source_text" "$work/reordered.text" 2>/dev/null; then fail "a sentence out of order went unnoticed"; fi
echo "render: every sentence in text, Markdown and HTML"
