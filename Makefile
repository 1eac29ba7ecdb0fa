# vmsg — every command a person needs. `make run` and `make test` do all the set-up.
BUILD_DIR ?= build
FUZZ_DIR ?= build-fuzz
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 30
CMAKE_ARGS ?=

# Precompiled headers and ccache get along only with these.
export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime

SOURCES = $(shell git ls-files --cached --others --exclude-standard '*.cc' '*.h')

.PHONY: all setup configure build run test test-unit test-photos fuzz-build fuzz test-sanitize \
        test-sanitize-core bench bench-smoke gallery format format-check lint clean help

all: build

help:
	@echo "make run            set up, build and start vmsg on http://localhost:8080"
	@echo "make test           set up, build and run every test (unit, integration, fuzz)"
	@echo "make build          build build/vmsg and the tests"
	@echo "make test-sanitize  the whole suite built with ASan and UBSan (build-asan/)"
	@echo "make test-sanitize-core  the state, http, blob and worker tests under ASan and UBSan (CI)"
	@echo "make fuzz           run the libFuzzer harnesses for FUZZ_SECONDS each"
	@echo "make bench          benchmarks, each against its peer in the same run"
	@echo "make bench-smoke    every benchmark in a tiny configuration (make test runs these too)"
	@echo "make gallery        framed stills and video frames of the test photos in build/gallery.png"
	@echo "make format         clang-format every source file"
	@echo "make lint           clang-tidy over src/"

setup:
	@scripts/setup.sh

configure: setup
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_CXX_COMPILER_LAUNCHER=ccache $(CMAKE_ARGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/vmsg serve

fuzz-build: setup
	@cmake -S . -B $(FUZZ_DIR) -G Ninja -DVMSG_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_BUILD_TYPE=Release \
	  "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -gline-tables-only" -DVMSG_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build $(FUZZ_DIR) -j $(JOBS)

# The real photos the composition tests and the gallery use (from Debian's packages).
TEST_PHOTOS = build/test-photos
test-photos: setup
	@scripts/test-photos.sh $(TEST_PHOTOS)

test-unit: build test-photos
	cd $(BUILD_DIR) && ctest -j $(JOBS) --output-on-failure

fuzz: fuzz-build
	cd $(FUZZ_DIR) && ctest -j $(JOBS) --output-on-failure

test: format-check build fuzz-build test-photos
	cd $(BUILD_DIR) && ctest -j $(JOBS) --output-on-failure
	cd $(FUZZ_DIR) && ctest -j $(JOBS) --output-on-failure

# -O1 and -g1 (functions and line tables, no variables), as sanitizer builds usually are:
# reports keep file and line, and the build takes far less time than -O2 -g.
ASAN_CONFIGURE = cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DVMSG_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" >/dev/null

# Leaks inside third-party libraries, each explained in the file.
SANITIZER_ENV = LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizer/lsan.supp

test-sanitize: setup test-photos
	@$(ASAN_CONFIGURE)
	@cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && $(SANITIZER_ENV) ctest -j $(JOBS) --output-on-failure

# The unit and integration tests of the state stores, the HTTP server, the object stores and
# the worker pool under ASan and UBSan: only what they link is built (no pipeline), so CI
# can afford it after make test.
SANITIZE_CORE_TESTS = base_test state_test worker_test objects_test sigv4_test s3_test s3_store_test \
                      access_test webhooks_test disclosure_test \
                      http_test api_test http_server_test progress_stream_test
test-sanitize-core: setup
	@$(ASAN_CONFIGURE)
	@cmake --build $(ASAN_DIR) -j $(JOBS) --target $(SANITIZE_CORE_TESTS)
	cd $(ASAN_DIR) && $(SANITIZER_ENV) ctest -j $(JOBS) --output-on-failure \
	  -R '^($(subst $() ,|,$(strip $(SANITIZE_CORE_TESTS))))$$'

bench: build
	$(BUILD_DIR)/bench/queue/queue_bench 5000 bench/queue
	$(BUILD_DIR)/bench/voice/voice_bench
	$(BUILD_DIR)/bench/image/image_bench --runs 5
	$(BUILD_DIR)/bench/generate/generate_bench --runs 3

# The benchmarks as CTest tests labelled "bench" (make test runs them with the rest).
bench-smoke: build
	cd $(BUILD_DIR) && ctest -L bench --output-on-failure

gallery: build test-photos
	$(BUILD_DIR)/tests/gallery/vmsg-gallery $(BUILD_DIR)/gallery.png $(TEST_PHOTOS)/*

format:
	clang-format -i $(SOURCES)

format-check: setup
	clang-format --dry-run -Werror $(SOURCES)

lint: configure
	clang-tidy -p $(BUILD_DIR) --quiet $(filter src/%.cc,$(SOURCES))

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR) $(ASAN_DIR)
