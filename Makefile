# The two commands of the README:
#   make train   set everything up, then train PPO on CoinRun (progress bar, checkpoints,
#                a final train/test evaluation)
#   make test    set up what is missing, then run every test (C++ via ctest, Python via pytest)
# Everything else is optional.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
BUILD := build
# Training arguments can be overridden: make train TRAIN_ARGS="--num-levels 200 ..."
TRAIN_ARGS ?=

.PHONY: all setup build test test-cpp test-python test-asan lint train demo bench bench-engine gallery \
        sanitize tsan fuzz soak clean

all: build

setup:
	@scripts/setup.sh

build: setup

test: setup
	@$(MAKE) --no-print-directory test-cpp test-python test-asan

test-cpp:
	cd $(BUILD) && ctest --output-on-failure -j2 --timeout 600

test-python:
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider tests/python

# The C++ tests again under AddressSanitizer + UndefinedBehaviorSanitizer, minus the long
# many-seed sweeps (they run in the normal build above; `make sanitize` runs everything).
ASAN_SKIP := Reachability|Invariants|EnvStateBench|NoBlankFrames
test-asan:
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOINRUN_SANITIZE=ON -DCOINRUN_BUILD_VIEWER=OFF >/dev/null
	@echo "[test] building the ASan + UBSan tests in build-asan/"
	@cmake --build build-asan -j$$(nproc) --target coinrun_tests coinrun-engine fuzz_decoder_replay fuzz_session_replay > build-asan/build.log 2>&1 \
	  || { grep -E 'error' build-asan/build.log | head -40; exit 1; }
	cd build-asan && ASAN_OPTIONS=alloc_dealloc_mismatch=0 ctest --output-on-failure -j2 --timeout 900 -E '$(ASAN_SKIP)'

lint: setup
	$(VENV)/bin/ruff check pyclient train tools tests/python examples

train: setup
	$(PY) train/ppo.py $(TRAIN_ARGS)

# A short random-agent run: steps/s of the engine through the Python client.
demo: setup
	$(PY) -m coinrun bench

bench-engine: setup
	$(BUILD)/bench_engine --envs 1,16,64,256 --threads 1,2 --seconds 3 --repeats 5

bench: setup
	$(PY) tools/bench_throughput.py

gallery: setup
	$(BUILD)/level_gallery --game standard --seeds 0-11 --size 512 --out docs/img/gallery_standard.png

# C++ tests under AddressSanitizer + UndefinedBehaviorSanitizer, and the thread pool under
# ThreadSanitizer.
sanitize: setup
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOINRUN_SANITIZE=ON -DCOINRUN_BUILD_VIEWER=OFF >/dev/null
	cmake --build build-asan -j2 --target coinrun_tests coinrun-engine fuzz_decoder_replay fuzz_session_replay >/dev/null
	# The distribution's libzmq frees with free() what its decoder allocated with
	# new(std::nothrow) (its zmq I/O thread, on oversized or malformed peers): not our code.
	cd build-asan && ASAN_OPTIONS=alloc_dealloc_mismatch=0 ctest --output-on-failure -j2 --timeout 900

# libFuzzer (clang): the request decoder and the session state machine, FUZZ_SECONDS each
# (docs/reliability.md). New corpus entries go to build-fuzz/corpus-*; crashes to build-fuzz/.
FUZZ_SECONDS ?= 60
fuzz:
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOINRUN_FUZZ=ON \
	  -DCOINRUN_SANITIZE=ON -DCOINRUN_WERROR=OFF -DCOINRUN_BUILD_VIEWER=OFF -DCOINRUN_BUILD_TESTS=OFF \
	  -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link >/dev/null
	cmake --build build-fuzz -j2 --target fuzz_decoder fuzz_session >/dev/null
	@for t in decoder session; do \
	  mkdir -p build-fuzz/corpus-$$t; \
	  (cd build-fuzz && ./fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -timeout=20 \
	    -print_final_stats=1 corpus-$$t ../tools/fuzz/corpus/$$t >fuzz_$$t.log 2>&1; rc=$$?; \
	    grep -E "^(stat::|==|SUMMARY|Done)" fuzz_$$t.log; exit $$rc) || exit 1; \
	done

# Soak: several sessions with random resets/closes/reconnects; fails on RSS or fd growth.
SOAK_MINUTES ?= 20
soak: setup
	nice -n 10 $(PY) tools/soak.py --minutes $(SOAK_MINUTES) --engine $(BUILD)/coinrun-engine

tsan: setup
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOINRUN_TSAN=ON -DCOINRUN_BUILD_VIEWER=OFF >/dev/null
	cmake --build build-tsan -j2 --target coinrun_tests >/dev/null
	cd build-tsan && ./coinrun_tests --gtest_filter='*Determinism*:*ThreadPool*:*EnvPool*:*StepStream*:*BackgroundImage*'

clean:
	rm -rf $(BUILD) build-asan build-tsan
