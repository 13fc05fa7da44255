# Thin front for CMake.  `make` builds into build/; `make test` installs
# what is missing, builds (warnings are errors) and runs every test, then
# again with ASan+UBSan; `make demo` runs the main job on bundled examples.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
BENCH_BUILD ?= build-bench
CMAKE ?= cmake
CTEST_FLAGS ?= --output-on-failure

.PHONY: all deps test test-plain test-asan bench fuzz fuzz-run demo clean format \
	manifests install

# `make`, `make demo` and `make test` configure build/ the same way
# (-Wall -Wextra -Werror included), so one never rebuilds what another built.
CONFIGURE_BUILD = $(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DRN_BENCH=ON -DRN_WERROR=ON >/dev/null

all:
	@$(CONFIGURE_BUILD)
	@$(CMAKE) --build $(BUILD) -j$(JOBS)

deps:
	@scripts/install-deps.sh

test: deps test-plain test-asan

test-plain:
	$(CONFIGURE_BUILD)
	$(CMAKE) --build $(BUILD) -j$(JOBS)
	cd $(BUILD) && ctest $(CTEST_FLAGS) -j$(JOBS)

test-asan:
	$(CMAKE) -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DRN_WERROR=ON \
	    -DRN_BENCH=OFF -DRN_SANITIZE=address,undefined >/dev/null
	$(CMAKE) --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    ctest $(CTEST_FLAGS) -j$(JOBS) -L 'unit|conformance|fuzz|cli|services'

# make bench: rn-bench (templates, conditions, the event path, JSON, the
# informer's cache), then the controller group (bench/controller_bench.py:
# the controller against the sandbox, a minute or two), both into
# $(BUILD)/bench.json.  A case that errors fails the target, named.
BENCH_SHARED ?= ../shared/bench
bench: deps
	$(CMAKE) -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DRN_BENCH=ON >/dev/null
	$(CMAKE) --build $(BENCH_BUILD) -j$(JOBS)
	mkdir -p $(BUILD)
	$(BENCH_BUILD)/bench/rn-bench --shared $(BENCH_SHARED) --json $(BUILD)/bench.json
	/usr/bin/python3 bench/controller_bench.py --build $(BENCH_BUILD) \
	    --shared $(BENCH_SHARED) --json $(BUILD)/bench.json

fuzz: deps
	CC=clang $(CMAKE) -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DRN_FUZZ=ON -DRN_SANITIZE=address,undefined >/dev/null
	$(CMAKE) --build $(FUZZ_BUILD) -j$(JOBS)

# make fuzz-run FUZZ_SECONDS=600 runs each target for that long
FUZZ_SECONDS ?= 60
fuzz-run: fuzz
	@for t in $(FUZZ_BUILD)/fuzz/fuzz_*; do \
	  n=$$(basename $$t); mkdir -p fuzz/corpus/$$n; \
	  echo "== $$n ($(FUZZ_SECONDS)s)"; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -dict=fuzz/dict/$$n.dict \
	      fuzz/corpus/$$n || exit 1; \
	done

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh $(BUILD)

# make install [PREFIX=/usr/local] [DESTDIR=/staging]: the binary, the man
# page (docs/rnotify.1) and the bash completion (completion/rnotify.bash)
PREFIX ?= /usr/local
install: all
	DESTDIR="$(DESTDIR)" $(CMAKE) --install $(BUILD) --prefix "$(PREFIX)"

# deploy/install.yaml is deploy/base rendered (tests/deploy checks it)
manifests:
	@{ echo '# rnotify install manifest: `kubectl apply -f deploy/install.yaml`.'; \
	   echo '# Generated from deploy/base by `make manifests` (kubectl kustomize);'; \
	   echo '# edit the base, not this file.'; \
	   kubectl kustomize deploy/base; } > deploy/install.yaml.tmp
	@mv deploy/install.yaml.tmp deploy/install.yaml

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(BENCH_BUILD)
