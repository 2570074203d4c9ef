# The server benchmark's receipts, for run.sh and compare.sh (sourced; uses $bin and
# $policy). make_bodies DIR DEVICES PER_DEVICE writes DIR/bodies.txt: DEVICES distinct
# device keys, each a chain of PER_DEVICE valid receipts, one JWS per line.
make_bodies() {
  local dir=$1 devices=$2 per_device=$3
  "$bin/consentry" key generate --alg Ed25519 -o "$dir/device.pem" >/dev/null
  # Three decisions, as people make them: accept all, reject all, and one purpose chosen
  # (the policy's first purpose that asks for consent). Each has its own services bytes;
  # consentry-make-receipts lets them take turns.
  local chosen
  chosen=$(python3 -c "
import json, sys
policy = json.load(open(sys.argv[1] + '/policy.json'))
print(next(p['id'] for p in policy['purposes'] if p.get('basis') == 'consent'))" "$policy")
  local templates=() act
  for act in '"action":"accept_all"' '"action":"reject_all"' "\"action\":\"set_purpose\",\"purpose\":\"$chosen\",\"granted\":true"; do
    printf '{"time":"2025-03-02T10:00:00.000Z","act":{%s,"method":"banner","language":"en"}}' "$act" >"$dir/decision.json"
    "$bin/consentry" receipt issue --key "$dir/device.pem" --policy "$policy" --decision "$dir/decision.json" \
      -o "$dir/template-${#templates[@]}.jws"
    templates+=(--template "$dir/template-${#templates[@]}.jws")
  done
  "$bin/consentry-make-receipts" "${templates[@]}" --devices "$devices" --per-device "$per_device" \
    --out "$dir/bodies.txt"
  # The bodies just written (gigabytes) go to the disk now, not while the first runs are
  # measured: their writeback would take CPU and the disk from the server's own syncs.
  sync
}
