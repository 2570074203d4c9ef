#!/usr/bin/env bash
# consentry jcs: canonical output without a trailing newline, from a file or standard
# input; invalid input gives `file:location: error: message` and exit 1.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

for input in "$SHARED_DIR"/testdata/jcs/input/*.json; do
  name=$(basename "$input")
  "$CONSENTRY" jcs "$input" >"$work/out" || fail "$name: exit $?"
  cmp -s "$work/out" "$SHARED_DIR/testdata/jcs/output/$name" || fail "$name: output differs"
  "$CONSENTRY" jcs <"$input" >"$work/stdin" || fail "$name from stdin: exit $?"
  cmp -s "$work/stdin" "$work/out" || fail "$name: stdin output differs"
  "$CONSENTRY" jcs - <"$input" | cmp -s - "$work/out" || fail "$name: '-' output differs"
done

check_error() {  # input, expected stderr
  local status=0
  printf '%s' "$1" >"$work/bad.json"
  "$CONSENTRY" jcs "$work/bad.json" >"$work/out" 2>"$work/err" || status=$?
  [ "$status" = 1 ] || fail "$1: exit $status, expected 1"
  [ ! -s "$work/out" ] || fail "$1: wrote to standard output"
  grep -qxF "$work/bad.json:$2" "$work/err" || fail "$1: stderr was: $(cat "$work/err")"
}
check_error '{"a": 1, "a": 2}' '/a: error: duplicate member name "a"'
check_error '[1e400]' '1:6: error: number overflow parsing '"'1e400'"
check_error '["\ud800"]' "1:9: error: syntax error while parsing value - invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF; last read: '\"\\ud800\"'"
check_error '[NaN]' "1:2: error: syntax error while parsing value - invalid literal; last read: '[N'"

printf '{"a":1}' | "$CONSENTRY" jcs "$work/missing.json" 2>"$work/err" && fail "a missing file succeeded"
grep -qF "$work/missing.json: error: No such file or directory" "$work/err" || fail "missing file: $(cat "$work/err")"
"$CONSENTRY" jcs --help | grep -q '^usage: consentry jcs \[FILE\]' || fail "--help"
echo ok
