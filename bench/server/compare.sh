#!/usr/bin/env bash
# Two builds of the receipt server side by side (make bench-server measures one):
#
#   bench/server/compare.sh OLD/consentry-server NEW/consentry-server [ROUNDS]
#
# This machine's cores are virtual and its host's other tenants change their speed by
# 20% and more from one minute to the next, so one build measured after the other says
# more about the minute than about the build. Here both run at once, each on its own
# SQLite file with its own load generator (saturation, BENCH_CONNECTIONS connections
# each; or, with BENCH_RATE=R, R receipts/s each on 256 connections, which is where
# batching shows), so both see the same minute; the builds swap ports every round. Printed per
# round and build: durable receipts/s, p99, and the server's CPU time per receipt (user +
# system, over the middle of the measured window), then the median of each.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
bin=$root/build/release/bin
[ $# -ge 2 ] || { echo "usage: bench/server/compare.sh SERVER_A SERVER_B [ROUNDS]" >&2; exit 2; }
servers=("$1" "$2")
rounds=${3:-6}
seconds=${BENCH_SECONDS:-8}
connections=${BENCH_CONNECTIONS:-64}
rate=${BENCH_RATE:-}  # set: each server gets this fixed rate (256 connections) instead of saturation
policy=${BENCH_POLICY:-$root/policy-data/alopal}
for tool in consentry consentry-make-receipts consentry-load; do
  [ -x "$bin/$tool" ] || { echo "compare: $bin/$tool is missing: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
done
for server in "${servers[@]}"; do [ -x "$server" ] || { echo "compare: $server is not executable" >&2; exit 1; }; done

work=$(mktemp -d /tmp/consentry-compare.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The benchmark's receipts (bench/server/bodies.sh), enough for one server's run.
# shellcheck source=bench/server/bodies.sh
. "$root/bench/server/bodies.sh"
make_bodies "$work" $(( (seconds + 3) * 6000 / 4 )) 4 >/dev/null

load_args=(--connections "$connections")
[ -n "$rate" ] && load_args=(--rate "$rate" --connections 256)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
results=$work/results.txt
for round in $(seq "$rounds"); do
  order=(0 1)
  (( round % 2 == 0 )) && order=(1 0)
  ports=()
  pids=()
  for i in 0 1; do
    which=${order[$i]}
    rm -f "$work/db-$which"*
    "${servers[$which]}" --listen 127.0.0.1:0 --db "sqlite:$work/db-$which" --policy "$policy" \
      --key "$work/server-key.pem" --client-rate 0 --device-rate 0 >"$work/out-$which" 2>"$work/err-$which" &
    pids+=($!)
  done
  for i in 0 1; do
    which=${order[$i]}
    for _ in $(seq 100); do
      port=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/out-$which" | head -1 | cut -d: -f3 || true)
      [ -n "$port" ] && break
      sleep 0.1
    done
    [ -n "$port" ] || { echo "compare: ${servers[$which]} did not start: $(cat "$work/err-$which")" >&2; exit 1; }
    ports[$which]=$port
  done
  loads=()
  for which in 0 1; do
    "$bin/consentry-load" --target "127.0.0.1:${ports[$which]}" --bodies "$work/bodies.txt" --warmup 3 \
      --seconds "$seconds" "${load_args[@]}" >"$work/load-$which.json" &
    loads+=($!)
  done
  sleep $((3 + 1))
  declare -A before
  for i in 0 1; do before[${order[$i]}]=$(cpu_ticks "${pids[$i]}"); done
  window=$((seconds - 2))
  sleep "$window"
  declare -A after
  for i in 0 1; do after[${order[$i]}]=$(cpu_ticks "${pids[$i]}"); done
  wait "${loads[@]}"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  for which in 0 1; do
    python3 - "$work/load-$which.json" "$which" "$round" "$((after[$which] - before[$which]))" "$window" \
      "$(getconf CLK_TCK)" >>"$results" <<'PY'
import json, sys
load = json.load(open(sys.argv[1]))
which, round_, ticks, window, hz = sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
rate = load["ok_per_second"]
cpu_us = ticks / hz * 1e6 / (rate * window) if rate else 0
print(json.dumps({"build": int(which), "round": int(round_), "rate": rate, "p99": load["latency_ms"]["p99"],
                  "cpu_us": cpu_us, "statuses": load["statuses"]}))
PY
  done
  tail -2 "$results" | python3 -c "
import json, sys
rows = sorted((json.loads(l) for l in sys.stdin), key=lambda r: r['build'])
print('round %d: ' % rows[0]['round'] + ' | '.join('%s: %d/s p99 %.1f ms, %.0f µs CPU per receipt' % ('AB'[r['build']], r['rate'], r['p99'], r['cpu_us']) for r in rows))"
done

python3 - "$results" "${servers[@]}" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for build, name in enumerate(sys.argv[2:4]):
    mine = [r for r in rows if r["build"] == build]
    print("%s %s: median %d receipts/s, p99 %.1f ms, %.0f µs of server CPU per receipt" % (
        "AB"[build], name, statistics.median(r["rate"] for r in mine), statistics.median(r["p99"] for r in mine),
        statistics.median(r["cpu_us"] for r in mine)))
a = {r["round"]: r["cpu_us"] for r in rows if r["build"] == 0}
b = {r["round"]: r["cpu_us"] for r in rows if r["build"] == 1}
print("B's CPU per receipt against A's in the same round: %s" % ", ".join("%+.0f%%" % (100 * (b[k] / a[k] - 1)) for k in sorted(a) if a[k]))
PY
