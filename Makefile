# The front door. `make demo` runs the demo, `make test` runs every test.
# Both install what they need (Debian packages, npm for the tests) and build.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_GEN  := -G Ninja

.PHONY: all deps zero-code-deps test-deps build demo-zero-code build-tests build-asan test unit-test system-test demo bench fuzz install package format format-check clean

all: build

deps:
	@scripts/install-deps.sh build

zero-code-deps:
	@scripts/install-deps.sh zero-code

test-deps:
	@scripts/install-deps.sh test

# The user build needs no test package, so it is configured without the tests.
# `make test` and `make bench` turn the tests (and the benchmarks) on in the
# same build dir; they stay on.
TESTING ?= OFF
$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=$(TESTING)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

build-tests: TESTING = ON
build-tests: test-deps $(BUILD)/build.ninja
	@grep -qx 'BUILD_TESTING:BOOL=ON' $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) -DBUILD_TESTING=ON
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DCLT_SANITIZE=ON -DCLT_BENCH=OFF

build-asan: test-deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target unit_tests

# Unit tests under ASan+UBSan; everything else (kernel, interop, browser,
# end-to-end) against the binaries as built for users.
test: build-tests build-asan
	ctest --test-dir $(ASAN_BUILD) -L unit --output-on-failure
	ctest --test-dir $(BUILD) -LE unit --output-on-failure

unit-test: build-asan
	ctest --test-dir $(ASAN_BUILD) -L unit --output-on-failure

system-test: build-tests
	ctest --test-dir $(BUILD) -LE unit --output-on-failure

demo: build
	$(BUILD)/clt demo

# The same scenario with unmodified Node.js services traced by the official
# OpenTelemetry SDK: Node.js and its npm packages are installed for it only.
demo-zero-code: build zero-code-deps
	$(BUILD)/clt demo --zero-code

bench: build-tests
	scripts/run-benchmarks.sh $(BUILD)

# The binary, libclt.so, clt.h and clt.pc under CMAKE_INSTALL_PREFIX (as
# configured, /usr/local by default, or PREFIX=DIR), below DESTDIR if set.
install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

# A .deb (build/package/clt_VERSION_ARCH.deb): the above under /usr, and the
# systemd units (docs/operations.md).
package: build
	cmake --build $(BUILD) --target package

# Every libFuzzer target (fuzz/CMakeLists.txt), FUZZ_SECONDS each.
FUZZ_SECONDS ?= 300
fuzz: test-deps
	JOBS=$(JOBS) fuzz/run_fuzz.sh build-fuzz $(FUZZ_SECONDS)
	fuzz/run_fuzz_otlp.sh build-fuzz/otlp $(FUZZ_SECONDS)
	fuzz/run_fuzz_parsers.sh build-fuzz/parsers $(FUZZ_SECONDS)

format:
	find src include tests bench fuzz examples \( -name '*.cpp' -o -name '*.h' -o -name '*.c' \) -not -path '*/node_modules/*' | xargs clang-format -i

format-check:
	find src include tests bench fuzz examples \( -name '*.cpp' -o -name '*.h' -o -name '*.c' \) -not -path '*/node_modules/*' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
