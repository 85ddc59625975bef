# SPDX-License-Identifier: MIT
# loader.mk - BPF object fixtures of the loader tests (tests/elf/*.bpf.c)
# compiled with clang -target bpf into $(BUILD)/elf/, and the vmlinux.h
# they may include, dumped from this machine's kernel BTF into $(BUILD)/
# (never committed: it is huge and machine-specific).  The test runner
# depends on them; without clang (or without kernel BTF for the vmlinux.h
# fixtures) they are skipped and the tests that need them say so.
#
#   make loader-corpus   refresh tests/corpus/elf/ (fuzz seeds) from them,
#                        without DWARF (llvm-strip -g keeps .BTF/.BTF.ext)

BPF_CLANG     ?= clang
BPF_CFLAGS    ?= -g -O2 -target bpf -mcpu=v3
BPFTOOL       ?= bpftool
VMLINUX_BTF   ?= /sys/kernel/btf/vmlinux
BPF_ARCH_INC  ?= /usr/include/$(shell $(CC) -dumpmachine 2>/dev/null)
BPF_TARGET_ARCH ?= x86

LOADER_ELF_DIR  := $(BUILD)/elf
LOADER_SRCS     := $(sort $(wildcard tests/elf/*.bpf.c))
# Fixtures whose name starts with "vmlinux_" include vmlinux.h; those
# starting with "vmlinux_c19_" need a newer clang (BPF_CLANG19).
BPF_CLANG19   ?= clang-19
LOADER_C19_SRCS     := $(filter tests/elf/vmlinux_c19_%,$(LOADER_SRCS))
LOADER_VMLINUX_SRCS := $(filter-out $(LOADER_C19_SRCS),$(filter tests/elf/vmlinux_%,$(LOADER_SRCS)))
LOADER_PLAIN_SRCS   := $(filter-out tests/elf/vmlinux_%,$(LOADER_SRCS))

ifneq ($(shell command -v $(BPF_CLANG) 2>/dev/null),)
LOADER_FIXTURES := $(LOADER_PLAIN_SRCS:tests/elf/%.bpf.c=$(LOADER_ELF_DIR)/%.bpf.o)
ifneq ($(and $(wildcard $(VMLINUX_BTF)),$(shell command -v $(BPFTOOL) 2>/dev/null)),)
LOADER_FIXTURES += $(LOADER_VMLINUX_SRCS:tests/elf/%.bpf.c=$(LOADER_ELF_DIR)/%.bpf.o)
ifneq ($(shell command -v $(BPF_CLANG19) 2>/dev/null),)
LOADER_FIXTURES += $(LOADER_C19_SRCS:tests/elf/%.bpf.c=$(LOADER_ELF_DIR)/%.bpf.o)
endif
endif
endif

.PHONY: loader-fixtures loader-corpus
loader-fixtures: $(LOADER_FIXTURES)
all: loader-fixtures
$(TEST_BIN): | $(LOADER_FIXTURES)

$(BUILD)/vmlinux.h:
	@mkdir -p $(dir $@)
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

$(LOADER_ELF_DIR)/vmlinux_c19_%.bpf.o: tests/elf/vmlinux_c19_%.bpf.c $(BUILD)/vmlinux.h tests/elf/fixture.h
	@mkdir -p $(dir $@)
	$(BPF_CLANG19) $(BPF_CFLAGS) -D__TARGET_ARCH_$(BPF_TARGET_ARCH) -I$(BUILD) -Itests/elf -c $< -o $@

$(LOADER_ELF_DIR)/vmlinux_%.bpf.o: tests/elf/vmlinux_%.bpf.c $(BUILD)/vmlinux.h tests/elf/fixture.h
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -D__TARGET_ARCH_$(BPF_TARGET_ARCH) -I$(BUILD) -Itests/elf -c $< -o $@

$(LOADER_ELF_DIR)/%.bpf.o: tests/elf/%.bpf.c tests/elf/fixture.h
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -I$(BPF_ARCH_INC) -Itests/elf -c $< -o $@

loader-corpus: $(LOADER_FIXTURES)
	@mkdir -p tests/corpus/elf
	for f in $(LOADER_FIXTURES); do \
		llvm-strip -g -o tests/corpus/elf/seed-$$(basename $$f) $$f; done
