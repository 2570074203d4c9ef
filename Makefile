# The two commands of the README, and the builds behind them.
#   make demo   set up, build, and run the demo
#   make test   set up, build every target, and run every test
.PHONY: demo test setup build native wasm asan release bench bench-engine bench-server fuzz fuzz-build fuzz-ci clean

JOBS ?= $(shell nproc)

setup:
	@scripts/setup

native: setup
	cmake --preset native >/dev/null
	cmake --build --preset native -j $(JOBS)

wasm: setup
	NODE_PATH=/usr/share/nodejs cmake --preset wasm >/dev/null
	NODE_PATH=/usr/share/nodejs cmake --build --preset wasm -j $(JOBS)

asan: setup
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

release: setup
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

# libFuzzer targets (fuzz/README.md). FUZZ_SECONDS per target; FUZZ_JOBS side by side.
FUZZ_SECONDS ?= 300
FUZZ_JOBS ?= 1
fuzz-build: setup
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) fuzz/run

# What CI runs: every target for 60 s under ASan and UBSan; a finding fails the build.
fuzz-ci: fuzz-build
	FUZZ_SECONDS=60 FUZZ_JOBS=$(FUZZ_JOBS) fuzz/run

build: native wasm

test: native wasm asan
	ctest --preset native
	ctest --preset asan

# Benchmarks beside their peers (bench/README.md): optimised native and wasm builds first.
bench: bench-engine bench-server

bench-engine: release wasm
	node bench/engine/run.mjs

# The receipt server's benchmark (bench/server/README.md): an optimised build, then
# SQLite and PostgreSQL at saturation and at 5,000 receipts/s.
bench-server: release
	bench/server/run.sh

# One process on http://localhost:8080: the receipt server with its SQLite database and
# key under var/, serving the demo's static files (scripts/demo).
demo: native
	scripts/demo

clean:
	rm -rf build
