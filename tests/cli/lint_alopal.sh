#!/usr/bin/env bash
# `consentry lint policy-data/alopal` passes with exactly the two warnings the
# AloPal text deserves: its list of uses given twice (payment- vs billing-related),
# and a revision date it promises but does not give.
set -euo pipefail
: "${CONSENTRY:?the consentry binary}" "${SOURCE_DIR:?the repository}"

output=$(cd "$SOURCE_DIR" && "$CONSENTRY" lint policy-data/alopal) || {
  echo "lint failed with exit code $?:"; echo "$output"; exit 1
}
fail() { echo "FAIL: $*"; echo "--- lint printed:"; echo "$output"; exit 1; }

count=$(printf '%s\n' "$output" | grep -c . || true)
[[ $count -eq 2 ]] || fail "expected exactly 2 findings, found $count"
! grep -q ': error: ' <<<"$output" || fail "an error where only warnings are expected"

lists=$(grep -F 'policy-data/alopal/policy.json:/notice/sections/' <<<"$output" | grep -F ': warning: this list repeats the list at /notice/sections/' || true)
[[ -n $lists ]] || fail "no warning that the list of uses is given twice"
grep -qF '"For payment-related purposes." there' <<<"$lists" || fail "the repeated-list warning does not name the payment-related item"
grep -qF '"For billing-related purposes." here' <<<"$lists" || fail "the repeated-list warning does not name the billing-related item"

revision=$(grep -F ': warning: the text promises the date of the last revision' <<<"$output" || true)
[[ -n $revision ]] || fail "no warning about the promised revision date"
grep -qF 'appears at the end of this page' <<<"$revision" || fail "the revision warning does not quote the promise"
grep -qF 'no "revision_date"' <<<"$revision" || fail "the revision warning does not say what is missing"
echo "lint: exit 0, exactly the two expected warnings"
