# The front door. `make demo` runs the demo, `make test` runs every test.
# Both install what they need (Debian packages, npm for the tests) and build.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_GEN  := -G Ninja

.PHONY: all deps test-deps build build-asan test unit-test system-test demo bench fuzz format format-check clean

all: build

deps:
	@scripts/install-deps.sh build

test-deps:
	@scripts/install-deps.sh test

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DCLT_SANITIZE=ON -DCLT_BENCH=OFF

build-asan: test-deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target unit_tests

# Unit tests under ASan+UBSan; everything else (kernel, interop, browser,
# end-to-end) against the binaries as built for users.
test: test-deps build build-asan
	ctest --test-dir $(ASAN_BUILD) -L unit --output-on-failure
	ctest --test-dir $(BUILD) -LE unit --output-on-failure

unit-test: build-asan
	ctest --test-dir $(ASAN_BUILD) -L unit --output-on-failure

system-test: test-deps build
	ctest --test-dir $(BUILD) -LE unit --output-on-failure

demo: build
	$(BUILD)/clt demo

bench: test-deps build
	scripts/run-benchmarks.sh $(BUILD)

fuzz: test-deps
	cmake -S . -B build-fuzz $(CMAKE_GEN) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DCLT_FUZZ=ON -DCLT_BENCH=OFF
	cmake --build build-fuzz -j $(JOBS) --target fuzz_decode fuzz_otlp_receivers
	build-fuzz/fuzz/fuzz_decode -max_total_time=$${FUZZ_SECONDS:-300} tests/data/fuzz-seeds
	mkdir -p build-fuzz/corpus-otlp && (cp -n tests/data/fuzz-otlp-seeds/* build-fuzz/corpus-otlp/ || true)
	build-fuzz/fuzz/fuzz_otlp_receivers -max_total_time=$${FUZZ_SECONDS:-300} -rss_limit_mb=2048 \
	  build-fuzz/corpus-otlp

format:
	find src include tests bench fuzz examples \( -name '*.cpp' -o -name '*.h' -o -name '*.c' \) -not -path '*/node_modules/*' | xargs clang-format -i

format-check:
	find src include tests bench fuzz examples \( -name '*.cpp' -o -name '*.h' -o -name '*.c' \) -not -path '*/node_modules/*' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
