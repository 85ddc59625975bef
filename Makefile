# SPDX-License-Identifier: MIT
# userbpf build.  Plain GNU make: no configure step, nothing generated at
# build time, every source file picked up by wildcard.
#
#   make                      library (static + shared), CLI, tests, bench
#   make test                 build and run the whole test suite
#   make SANITIZER=address,undefined test   sanitizer build in build-san/
#   make SANITIZER=thread tsan-test         concurrency tests under TSan (build-tsan/)
#   make DISPATCH=switch test  interpreter with switch dispatch (build-switch/)
#   make fuzz                 libFuzzer targets (clang) in build-fuzz/
#   make examples             compile examples/*.bpf.c (clang -target bpf)

CC       ?= cc
BUILD    ?= build
CFLAGS_WARN := -Wall -Wextra -Werror -Wshadow -Wundef -Wstrict-prototypes \
	       -Wmissing-prototypes -Wwrite-strings
CFLAGS   ?= -O2 -g
CPPFLAGS += -Iinclude -Isrc -D_GNU_SOURCE
ALL_CFLAGS = -std=gnu11 $(CFLAGS_WARN) -fPIC -fvisibility=hidden $(CFLAGS) $(EXTRA_CFLAGS)
LDLIBS   += -lpthread -lm
# Tests and benchmarks compare against the kernel through libbpf (libbpf-dev).
TEST_LDLIBS ?= -lbpf

ifneq ($(SANITIZER),)
BUILD    := $(if $(filter thread,$(SANITIZER)),build-tsan,build-san)
ALL_CFLAGS += -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all
# TSan does not model fences (the probe trampolines' patching uses one): warn, not fail
ALL_CFLAGS += $(if $(filter thread,$(SANITIZER)),-Wno-error=tsan)
LDFLAGS  += -fsanitize=$(SANITIZER)
endif
ifeq ($(DISPATCH),switch)
BUILD    := build-switch
CPPFLAGS += -DUSERBPF_VM_SWITCH
endif
ifneq ($(FAULT),)
BUILD    := $(BUILD)-fault
CPPFLAGS += -DUSERBPF_FAULT_INJECT
endif

LIB_SRCS   := $(sort $(wildcard src/*/*.c))
TOOL_SRCS  := $(sort $(wildcard tools/*.c))
# Every C file of a tests/ subfolder (unit/, sandbox/, verifier/, jit/ ...) but
# the BPF sources of fixtures (*.bpf.c).
TEST_SRCS  := $(sort $(filter-out %.bpf.c,$(wildcard tests/*/*.c))) $(wildcard fuzz/targets*.c)
BENCH_SRCS := $(sort $(wildcard bench/*.c))
# The native reference of the benchmarks is compiled by clang -O2 when present.
BENCH_REF_CC ?= $(shell command -v clang >/dev/null 2>&1 && echo clang || echo $(CC))
BENCH_REF_OBJS := $(patsubst %.c,$(BUILD)/obj/%.ref.o,$(wildcard bench/ref/*.c))

LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
TOOL_OBJS  := $(TOOL_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_OBJS  := $(TEST_SRCS:%.c=$(BUILD)/obj/%.o)
BENCH_OBJS := $(BENCH_SRCS:%.c=$(BUILD)/obj/%.o)

STATIC_LIB := $(BUILD)/libuserbpf.a
SHARED_LIB := $(BUILD)/libuserbpf.so
CLI        := $(BUILD)/userbpf
TEST_BIN   := $(BUILD)/test_runner
# One binary per bench/*.c: bench_interp.c -> $(BUILD)/bench_interp
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/%)

# Keep intermediate objects (bench and fixtures are built through chains).
.SECONDARY:

.PHONY: all lib test tsan-test fault-test headers-check check demo deps bench fuzz examples clean format format-check docs
all: lib $(CLI) $(TEST_BIN) $(BENCH_BINS)
lib: $(STATIC_LIB) $(SHARED_LIB)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(STATIC_LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(SHARED_LIB): $(LIB_OBJS) src/libuserbpf.map
	$(CC) -shared -Wl,--version-script=src/libuserbpf.map -Wl,-soname,libuserbpf.so.0 \
		$(LDFLAGS) -o $@ $(LIB_OBJS) $(LDLIBS)

$(CLI): $(TOOL_OBJS) $(STATIC_LIB)
	$(CC) $(LDFLAGS) -o $@ $(TOOL_OBJS) $(STATIC_LIB) $(LDLIBS)
	ln -sf userbpf $(BUILD)/userbpf-plugin

$(TEST_BIN): $(TEST_OBJS) $(STATIC_LIB)
	$(CC) $(LDFLAGS) -o $@ $(TEST_OBJS) $(STATIC_LIB) $(TEST_LDLIBS) $(LDLIBS)

$(BUILD)/bench_%: $(BUILD)/obj/bench/bench_%.o $(BENCH_REF_OBJS) $(STATIC_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(BENCH_REF_OBJS) $(STATIC_LIB) $(TEST_LDLIBS) $(LDLIBS)

$(BUILD)/obj/bench/ref/%.ref.o: bench/ref/%.c
	@mkdir -p $(dir $@)
	$(BENCH_REF_CC) -std=gnu11 -O2 -Wall -Werror -c $< -o $@

# The suite: unit, data, property, CLI, kernel-oracle and corpus tests.
test: all headers-check
	$(TEST_BIN) --build $(BUILD)

# The multi-threaded tests (programs on many threads plus a reader) and
# the VM under ThreadSanitizer.
tsan-test: $(TEST_BIN)
	$(TEST_BIN) --build $(BUILD) _stress vm_ progs_

# Every allocation-failure point of the loader, map creation and bpf()
# commands, once each (make FAULT=1 [SANITIZER=address] fault-test).
fault-test: $(TEST_BIN)
	$(TEST_BIN) --build $(BUILD) fault_

# Every public header compiles on its own (STYLE rule 10).
headers-check:
	@for h in include/userbpf/*.h; do \
		printf '#include "%s"\n' "$$h" | $(CC) -std=gnu11 -Wall -Wextra -Werror \
			-Iinclude -x c -c - -o /dev/null || exit 1; done

# The README's two commands: dependencies (installed when root), build, run.
deps:
	@scripts/deps.sh
check: deps
	@$(MAKE) --no-print-directory test
demo: deps
	@$(MAKE) --no-print-directory all
	BUILD=$(BUILD) scripts/demo.sh

bench: $(BENCH_BINS)
	@for b in $(BENCH_BINS); do echo "== $$b"; $$b || exit 1; done

# ==== Fuzzing (clang + libFuzzer) ====
FUZZ_CC    ?= clang
FUZZ_BUILD := build-fuzz
FUZZ_SRCS  := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BINS  := $(FUZZ_SRCS:fuzz/%.c=$(FUZZ_BUILD)/%)
fuzz: $(FUZZ_BINS)
# The library and targets.c are compiled once (instrumented, no libFuzzer
# main) and linked into every target: one compile of 120 files, not one
# per target.
FUZZ_FLAGS  = -std=gnu11 -g -O1 $(CPPFLAGS) -fsanitize=fuzzer-no-link,address,undefined
FUZZ_OBJS   = $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(LIB_SRCS) $(wildcard fuzz/targets*.c))
$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -MMD -MP -c -o $@ $<
-include $(FUZZ_OBJS:.o=.d)
$(FUZZ_BUILD)/%: fuzz/%.c $(FUZZ_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(LDLIBS)

clean:
	rm -rf build build-san build-tsan build-switch build-fuzz build-fault build-san-fault

# clang-format 19 with .clang-format, on every C source and header of the
# tree except the paths listed in .clang-format-ignore (code that must
# keep another project's layout).  Data tables that one row a line keeps
# readable are fenced with clang-format off/on comments.
CLANG_FORMAT ?= $(shell command -v clang-format-19 || command -v clang-format)
FORMAT_IGNORE := $(shell grep -v '^\#' .clang-format-ignore)
FORMAT_FILES ?= $(filter-out $(FORMAT_IGNORE),$(shell git ls-files '*.c' '*.h' 2>/dev/null || \
	find src include tools tests bench fuzz examples kernel -name '*.[ch]'))
format:
	$(CLANG_FORMAT) -i $(FORMAT_FILES)
format-check:
	@$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_FILES) && \
		echo "format-check: $(words $(FORMAT_FILES)) files in the house format"

# Subsystem rules (BPF objects for examples and test fixtures, ...).
-include $(sort $(wildcard mk/*.mk))

-include $(LIB_OBJS:.o=.d) $(TOOL_OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(BENCH_OBJS:.o=.d)
