# SPDX-License-Identifier: MIT
# probe.mk - in-process probes (src/probe/) decode x86-64 instructions
# with Zydis (libzydis-dev) to relocate the instructions a trampoline
# displaces; without it attaching a probe fails with EOPNOTSUPP.
ZYDIS_HEADER ?= /usr/include/Zydis/Zydis.h
ifneq ($(wildcard $(ZYDIS_HEADER)),)
CPPFLAGS += -DUSERBPF_HAVE_ZYDIS
LDLIBS   += -lZydis
endif

# BPF fixtures of the probe tests (tests/probe/*.bpf.c) in $(BUILD)/probe/.
PROBE_BPF_SRCS := $(sort $(wildcard tests/probe/*.bpf.c))
ifneq ($(shell command -v $(BPF_CLANG) 2>/dev/null),)
PROBE_FIXTURES := $(PROBE_BPF_SRCS:tests/probe/%.bpf.c=$(BUILD)/probe/%.bpf.o)
endif
all: $(PROBE_FIXTURES)
$(TEST_BIN): | $(PROBE_FIXTURES)

$(BUILD)/probe/%.bpf.o: tests/probe/%.bpf.c examples/probe_regs.h
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -D__TARGET_ARCH_x86 -I$(BPF_ARCH_INC) -Wall -Werror -c $< -o $@
