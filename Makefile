# delivery-metrics: every set-up step lives here, so `make run` and `make test` work on a fresh Debian machine that
# has only the Swift toolchain.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

SWIFT ?= swift
# Debian packages the build needs; `deps` installs the missing ones. The acceptance run also needs promtool (Debian's
# `prometheus`), openssl (a TLS server for the client's tests), chromium (the status page in a browser) and binutils
# (readelf, for the runtime-packages check).
APT_PACKAGES := libuv1-dev zlib1g-dev libcurl4-openssl-dev pkg-config curl ca-certificates
ACCEPTANCE_PACKAGES := $(APT_PACKAGES) prometheus openssl chromium binutils prometheus-pushgateway golang-go golang-github-prometheus-client-golang-dev python3 python3-pip pip:prometheus_client chromium-driver pip:selenium
BENCH_PACKAGES := $(APT_PACKAGES) wrk prometheus-pushgateway valgrind gcc libc6-dev python3 golang-go golang-github-prometheus-client-golang-dev
BENCH_SECONDS ?= 10
FUZZ_SECONDS ?= 60
DEV_TOKEN ?= dev-token
PORT ?= 2112

REVISION := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo Unknown)
BUILD_DATE := $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
STAMP_FILE := Sources/DeliveryMetrics/Generated/BuildStamp.swift
STAMP_FLAGS := -Xswiftc -DDELIVERY_METRICS_STAMPED
# The Swift standard library linked statically: the binary then needs only libc, libuv and their kin at run time.
# Cross-module optimisation: generic code of Loop, swift-log and the standard library is specialised and inlined
# into its callers across module boundaries (a push costs 163k instructions instead of 204k; docs/benchmarks.md).
# Exclusivity checked at compile time only: the loop thread owns all mutable state, the run-time checks cost a
# thread-local look-up per access (800 instructions a push), and the debug and AddressSanitizer builds of
# `make test` keep them.
# Type layouts off: without it, copying or destroying a struct of several references (a request head, an optional
# answer) calls the type's value witnesses through its metadata instead of retaining and releasing inline (about
# 530 instructions a push, 14,990 against 14,460; docs/benchmarks.md). A frontend flag of Swift 6.3.
OPTIMIZE_FLAGS := -Xswiftc -cross-module-optimization -Xswiftc -enforce-exclusivity=unchecked \
	-Xswiftc -Xfrontend -Xswiftc -disable-type-layout
# Linked by the toolchain's lld, for two things the default gold cannot do: packed relative relocations (DT_RELR,
# glibc 2.36: 26,000 relocations in 5 KiB instead of 620 KiB the loader reads at every start) and laying out first,
# together, the functions a running service executes (scripts/link-order.txt, written by `make link-order`), so
# they fill a few pages rather than faulting in the whole text. See docs/benchmarks.md, "Memory".
LINK_ORDER := scripts/link-order.txt
LINK_FLAGS := -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs \
	-Xlinker --symbol-ordering-file=$(CURDIR)/$(LINK_ORDER) -Xlinker --no-warn-symbol-ordering
RELEASE_FLAGS := -c release --static-swift-stdlib $(STAMP_FLAGS) $(OPTIMIZE_FLAGS) $(LINK_FLAGS)
BINARY := .build/release/delivery-metrics

.PHONY: deps deps-acceptance deps-bench build run test lint screenshots check-recursion unit asan acceptance bench bench-smoke push-cost link-order micro-bench fuzz fuzz-build fuzz-smoke catalogue image image-check clean stamp help

help:
	@echo "make run         build and serve on 127.0.0.1:$(PORT) with a development token"
	@echo "make test        lint, unit tests, unit tests under AddressSanitizer, acceptance tests"
	@echo "make build       release binary at $(BINARY)"
	@echo "make acceptance  black-box tests against the release binary"
	@echo "make bench       benchmarks and gates beside the C ceiling, the Go shape and a Pushgateway, then micro-bench"
	@echo "make push-cost   instructions and allocations per push under callgrind"
	@echo "make link-order  rewrite scripts/link-order.txt (the hot functions' layout) and link again"
	@echo "make micro-bench hot-path micro-benchmarks with malloc counts (the Benchmarks package)"
	@echo "make fuzz        fuzz the parser, form decoders and webhook JSON for FUZZ_SECONDS each (default 60)"
	@echo "make catalogue   rewrite the README's metric catalogue from the code"
	@echo "make image       build the container image (docker or nerdctl)"
	@echo "make image-check run the binary in the runtime stage's root, without an engine"
	@echo "make clean       remove build output"

## deps: install the Debian packages that are missing (as root), or print the command to run.
deps:
	@scripts/install-packages.sh $(APT_PACKAGES)

deps-acceptance:
	@scripts/install-packages.sh $(ACCEPTANCE_PACKAGES)

deps-bench:
	@scripts/install-packages.sh $(BENCH_PACKAGES)

## stamp: write the revision and build date into the binary's source (only when they changed).
stamp:
	@mkdir -p $(dir $(STAMP_FILE))
	@printf '// Written by `make stamp`; not committed.\nenum BuildStamp {\n    static let revision = "%s"\n    static let buildDate = "%s"\n}\n' \
	    "$(REVISION)" "$(BUILD_DATE)" > $(STAMP_FILE).new
	@# Same revision: keep the file, so an unchanged tree does not rebuild just for a new date.
	@if [ -f $(STAMP_FILE) ] && grep -q '"$(REVISION)"' $(STAMP_FILE); then rm $(STAMP_FILE).new; \
	    else mv $(STAMP_FILE).new $(STAMP_FILE); fi

build: deps stamp
	$(SWIFT) build $(RELEASE_FLAGS) --product delivery-metrics
	@echo "built $(BINARY)"

run: build
	@echo "serving on http://127.0.0.1:$(PORT) with AUTH_TOKEN=$(DEV_TOKEN); push a value and read it back:"
	@echo "  curl -X POST -H 'X-Private-Token: $(DEV_TOKEN)' -F value=18000 -F 'labels=coordinator_pipeline,success' http://127.0.0.1:$(PORT)/api/deployment_duration_seconds/observe"
	@echo "  curl -s http://127.0.0.1:$(PORT)/metrics | grep deployment_duration_seconds_count"
	@echo "the README's examples use: export DELIVERY_METRICS_URL=http://127.0.0.1:$(PORT) DELIVERY_METRICS_TOKEN=$(DEV_TOKEN)"
	@echo "state is kept in var/delivery-metrics.state (and its journal beside it): rm -r var to start empty"
	AUTH_TOKEN=$(DEV_TOKEN) $(BINARY) --listen-address 127.0.0.1 --port $(PORT) --log-format color \
		--persistence-file var/delivery-metrics.state

## test: every stage, with how long each took.
test: deps-acceptance deps-bench
	@scripts/timed.sh lint $(MAKE) --no-print-directory lint
	@scripts/timed.sh unit $(MAKE) --no-print-directory unit
	@scripts/timed.sh asan $(MAKE) --no-print-directory asan
	@scripts/timed.sh acceptance $(MAKE) --no-print-directory acceptance
	@scripts/timed.sh bench-smoke $(MAKE) --no-print-directory bench-smoke
	@scripts/timed.sh fuzz-smoke $(MAKE) --no-print-directory fuzz-smoke
	@cat .build/stage-times.txt

lint: check-recursion
	$(SWIFT) format lint --strict --parallel -r Sources Tests Acceptance Fuzz Plugins Package.swift

## check-recursion: no cycle in the direct call graph of what the fuzzers reach (the decoders of client input), but
## the JSON parser's, which is capped at depth 64. The Fuzz package's debug build gives SwiftPM's description of its
## modules (sources and flags), which emit-module-ir.py compiles to LLVM IR at -Onone. Its plan file goes first, as
## fuzz-build's does (see there).
RECURSION_BUILD := .build-recursion
check-recursion:
	rm -f $(RECURSION_BUILD)/debug.yaml
	$(SWIFT) build --package-path Fuzz --scratch-path $(RECURSION_BUILD)
	scripts/emit-module-ir.py $(RECURSION_BUILD)/debug/description.json $(RECURSION_BUILD)/ir \
	    Loop DeliveryMetrics $(FUZZ_MODULES) >/dev/null
	scripts/check-recursion.py --allow "JSONParser." \
	    $(foreach module,$(FUZZ_MODULES),--from $(RECURSION_BUILD)/ir/$(module).ll) \
	    $(RECURSION_BUILD)/ir/Loop.ll $(RECURSION_BUILD)/ir/DeliveryMetrics.ll

unit: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## asan: the unit tests again under AddressSanitizer, with LeakSanitizer on, in a build folder of their own.
asan: deps
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan-suppressions.txt \
	    SWIFT_BACKTRACE=enable=no $(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan

acceptance: deps-acceptance build
	$(SWIFT) build --build-tests
	scripts/acceptance.sh $(BINARY)

## fuzz: libFuzzer over the decoders, from the Fuzz package (Fuzz/Package.swift, over this one): one fuzzer per
## Fuzz/<name>/main.swift. Every module is instrumented for coverage (what -sanitize=fuzzer instruments with, which
## SwiftPM cannot apply to the plugin's build tool) and AddressSanitizer; libFuzzer is linked into the fuzzers only.
## Crashes land in Fuzz/ as crash-* files.
FUZZERS := $(patsubst Fuzz/%/main.swift,%,$(wildcard Fuzz/*/main.swift))
FUZZ_MODULES := $(addsuffix _fuzzer,$(FUZZERS))
FUZZ_BUILD := .build-fuzz
FUZZ_COVERAGE := edge,indirect-calls,trace-cmp,inline-8bit-counters,pc-table

# SwiftPM keeps its plan of a path dependency's files until the plan file goes: removed first, so a file added to
# Loop or DeliveryMetrics is built (and analysed) with it.
fuzz-build:
	rm -f $(FUZZ_BUILD)/release.yaml
	$(SWIFT) build --package-path Fuzz --scratch-path $(FUZZ_BUILD) -c release --sanitize=address \
	    -Xswiftc -sanitize-coverage=$(FUZZ_COVERAGE) -Xswiftc -enable-testing

FUZZ_MAX_LEN ?= 65536

fuzz: fuzz-build
	@for fuzzer in $(FUZZERS); do \
	    mkdir -p Fuzz/corpus-run/$$fuzzer; \
	    echo "fuzzing $$fuzzer for $(FUZZ_SECONDS) s"; \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan-suppressions.txt SWIFT_BACKTRACE=enable=no \
	        $(FUZZ_BUILD)/release/$$fuzzer-fuzzer -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) \
	        -print_final_stats=1 -artifact_prefix=Fuzz/$$fuzzer- Fuzz/corpus-run/$$fuzzer Fuzz/corpus/$$fuzzer \
	        2>&1 | grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|Done)" || exit 1; \
	done

## fuzz-smoke: every fuzzer built and run for 20 s, so the fuzz build cannot rot; part of make test.
fuzz-smoke:
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=12

## image: the container image, when docker or nerdctl has an engine that answers.
image:
	scripts/image.sh

## image-check: the runtime stage verified without an engine (mmdebstrap root, chroot, /-/ready).
image-check: build
	scripts/install-packages.sh mmdebstrap
	scripts/image-check.sh $(BINARY)

## bench: every scenario beside the C ceiling, the Go original's shape and a Pushgateway, push cost under callgrind,
## start to ready and memory, with a PASS/FAIL line per gate; results in bench/results.md (BENCH_SECONDS per run;
## BENCH_STRICT=1 fails on a failed gate).
bench: deps-bench build
	BENCH_SECONDS=$(BENCH_SECONDS) scripts/bench.sh $(BINARY)
	scripts/micro-bench.sh

## push-cost: instructions and allocations per push under callgrind, alone (PUSH_COST_N pushes, default 2000).
push-cost: deps-bench build
	scripts/push-cost.sh $(BINARY)

## link-order: rewrite scripts/link-order.txt from a callgrind run of the release binary, then link again with it.
link-order: deps-bench build
	scripts/link-order.sh $(BINARY) $(LINK_ORDER)
	rm -f $$(realpath $(BINARY))
	$(MAKE) --no-print-directory build

## micro-bench: the Benchmarks package (ordo-one/benchmark), results in bench/micro-results.md; not in make test.
micro-bench: deps
	scripts/micro-bench.sh

## bench-smoke: the same harness for one second a scenario, results thrown away; part of make test.
bench-smoke: deps-bench build
	BENCH_SECONDS=1 BENCH_ROUNDS=1 PUSH_COST_N=100 BENCH_RESULTS=.build/bench-smoke.md scripts/bench.sh $(BINARY) >/dev/null
	@grep -q "| 1. push" .build/bench-smoke.md && grep -q "| delivery-metrics, access log off | [1-9]" .build/bench-smoke.md \
	    && grep -q "| Go shape" .build/bench-smoke.md \
	    && grep -q '^| 7\. .*lua`) | [1-9]' .build/bench-smoke.md && grep -q '^| 7b\. .*lua`) | [1-9]' .build/bench-smoke.md \
	    && echo "bench smoke ran every scenario"

## screenshots: the README's two pictures of the status page, taken in Chromium from a fresh copy with sample data.
screenshots: deps-acceptance build
	scripts/status-page-screenshots.sh $(BINARY)

## catalogue: rewrite the README's catalogue table from the code.
catalogue: deps
	$(SWIFT) build --product delivery-metrics
	scripts/update-catalogue.sh .build/debug/delivery-metrics

clean:
	rm -rf .build .build-asan .build-fuzz .build-recursion Sources/DeliveryMetrics/Generated Fuzz/corpus-run
