# The two commands of the README:
#   make demo   installs missing packages, builds, runs the demo host
#   make test   installs missing packages, builds, runs every test: the normal
#               build (warnings are errors), the AddressSanitizer +
#               UndefinedBehaviorSanitizer build, and the ThreadSanitizer build
#               of the concurrency tests
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build build-asan build-tsan demo test test-default test-asan test-tsan clean

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
	rm -rf build build-asan build-tsan
