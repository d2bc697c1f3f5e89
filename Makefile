# The two commands of the README:
#   make demo   installs missing packages, builds, runs the demo host
#   make test   installs missing packages, builds, runs every test: the normal
#               build (warnings are errors), the AddressSanitizer +
#               UndefinedBehaviorSanitizer build, and the ThreadSanitizer build
#               of the concurrency tests
#   make fuzz   the libFuzzer run of the page loader and a host scenario
#               (docs/fuzzing.md): clang, ASan+UBSan, build-fuzz/, FUZZ_TIME
#               seconds (default 600) from the committed seed corpus
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build build-asan build-tsan build-fuzz demo test test-default test-asan test-tsan fuzz clean

all: build

deps:
	@bash tools/install-deps.sh

build: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCCGC_WERROR=ON $(CMAKE_FLAGS)
	cmake --build build -j $(JOBS)

build-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCCGC_SANITIZE=address,undefined -DCCGC_WERROR=ON $(CMAKE_FLAGS)
	cmake --build build-asan -j $(JOBS)

build-tsan: deps
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCCGC_SANITIZE=thread -DCCGC_WERROR=ON $(CMAKE_FLAGS)
	cmake --build build-tsan -j $(JOBS)

# The fuzz target with libFuzzer: clang (install-deps.sh --fuzz adds its
# runtime, libclang-rt-14-dev), the library's objects instrumented with
# -fsanitize=fuzzer-no-link, the target linked with -fsanitize=fuzzer.
build-fuzz:
	@bash tools/install-deps.sh --fuzz
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCCGC_SANITIZE=address,undefined -DCCGC_FUZZ=ON -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link $(CMAKE_FLAGS)
	cmake --build build-fuzz -j $(JOBS) --target fuzz-page

# New inputs go to build-fuzz/corpus (the seeds in tests/fuzz/corpus stay as
# they are), a crash or a slow input to build-fuzz/artifacts/.
FUZZ_TIME ?= 600
FUZZ_FLAGS ?=
fuzz: build-fuzz
	mkdir -p build-fuzz/corpus build-fuzz/artifacts
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ./build-fuzz/tests/fuzz-page build-fuzz/corpus tests/fuzz/corpus \
	  -dict=tests/fuzz/html.dict -max_len=8192 -timeout=30 -max_total_time=$(FUZZ_TIME) \
	  -artifact_prefix=build-fuzz/artifacts/ -print_final_stats=1 $(FUZZ_FLAGS)

demo: build
	./build/tools/ccgc demo --out build/demo

test: test-default test-asan test-tsan

test-default: build
	ctest --test-dir build --output-on-failure -j $(JOBS)

test-asan: build-asan
	ctest --test-dir build-asan --output-on-failure -j $(JOBS)

# ThreadSanitizer: the tests that run marker threads, in-process (CK_FORK=no).
test-tsan: build-tsan
	CK_FORK=no ctest --test-dir build-tsan --output-on-failure -j $(JOBS) -L concurrent

clean:
	rm -rf build build-asan build-tsan build-fuzz
