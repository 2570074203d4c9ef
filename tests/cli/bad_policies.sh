#!/usr/bin/env bash
# Every malformed policy in tests/fixtures/bad-policies/ — and three generated here,
# too big to commit (over the size limit, too deep, wrong a hundred thousand times) —
# makes `consentry lint` exit 1 with the precise error its expected.txt names, and
# never crash: a signal, or a sanitizer report under the asan preset, is a failure.
set -uo pipefail
: "${CONSENTRY:?the consentry binary}" "${SOURCE_DIR:?the repository}"

fixtures="$SOURCE_DIR/tests/fixtures/bad-policies"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
checked=0

# lint_fails NAME DIR EXPECTED...: each EXPECTED is a line lint must print, exactly
# (a leading "~" makes it a substring of some line instead).
lint_fails() {
  local name=$1 dir=$2
  shift 2
  local out="$work/$name.out" err="$work/$name.err" status problems=()
  "$CONSENTRY" lint "$dir" >"$out" 2>"$err"
  status=$?
  checked=$((checked + 1))
  if ((status >= 128)); then
    problems+=("crashed with signal $((status - 128))")
  elif grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|Sanitizer' "$err"; then
    problems+=("sanitizer report")
  elif ((status != 1)); then
    problems+=("exit code $status, expected 1")
  fi
  local expected
  for expected in "$@"; do
    if [[ $expected == "~"* ]]; then
      grep -qF -- "${expected:1}" "$out" || problems+=("no line contains: ${expected:1}")
    else
      grep -qxF -- "$expected" "$out" || problems+=("missing line: $expected")
    fi
  done
  if ((${#problems[@]})); then
    failures=$((failures + 1))
    echo "FAIL $name"
    printf '  %s\n' "${problems[@]}"
    echo "  --- stdout:"; head -n 20 "$out" | sed 's/^/  /'
    echo "  --- stderr:"; head -n 20 "$err" | sed 's/^/  /'
  else
    echo "ok   $name"
  fi
}

for dir in "$fixtures"/*/; do
  dir=${dir%/}
  name=$(basename "$dir")
  if [[ ! -s $dir/expected.txt ]]; then
    echo "FAIL $name: no expected.txt"
    failures=$((failures + 1))
    continue
  fi
  expected=()
  while IFS= read -r line || [[ -n $line ]]; do
    [[ -n $line ]] && expected+=("${line/#policy.json/$dir/policy.json}")
  done <"$dir/expected.txt"
  lint_fails "$name" "$dir" "${expected[@]}"
done
((checked >= 15)) || { echo "FAIL: only $checked committed fixtures, at least 15 expected"; failures=$((failures + 1)); }

# Over the 16 MiB limit: refused before parsing, whatever it holds.
mkdir -p "$work/huge"
{ printf '{"format": 1, "id": "huge", "summary": {"en": "'; head -c $((17 << 20)) /dev/zero | tr '\0' 'a'; printf '"}}\n'; } \
  >"$work/huge/policy.json"
size=$(stat -c %s "$work/huge/policy.json")
lint_fails huge "$work/huge" "$work/huge/policy.json: error: input is $size bytes, more than the limit of 16777216"

# Nested 100 000 deep: refused at the 64th level with the pointer of where, not a stack overflow.
mkdir -p "$work/deep"
{ printf '{"summary": {"en": '; head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; printf '}}\n'; } \
  >"$work/deep/policy.json"
lint_fails deep "$work/deep" "~$work/deep/policy.json:/summary/en/0/0/0/0/0/0/0/0/0/0/" "~: error: nesting deeper than 64 levels"

# One mistake a hundred thousand times: the first hundred, then one line that says so.
mkdir -p "$work/many"
{ printf '{"languages": ['; printf '1,%.0s' $(seq 99999); printf '1]}\n'; } >"$work/many/policy.json"
lint_fails many "$work/many" "$work/many/policy.json:/languages/0: error: expected a string, found an integer" \
  "$work/many/policy.json: error: stopped after 100 errors"
lines=$(wc -l <"$work/many.out")
((lines <= 110)) || { echo "FAIL many: $lines lines of output for one repeated mistake"; failures=$((failures + 1)); }

if ((failures)); then
  echo "$failures of $checked malformed policies failed"
  exit 1
fi
echo "all $checked malformed policies refused with their expected errors"
