# SPDX-License-Identifier: MIT
# JIT extras: capstone (libcapstone-dev) disassembles native code for
# "userbpf disasm --jited" when present; without it the CLI prints bytes.
HAVE_CAPSTONE ?= $(shell printf '\043include <capstone/capstone.h>\n' | \
	$(CC) -E -x c - >/dev/null 2>&1 && echo 1)
ifeq ($(HAVE_CAPSTONE),1)
$(BUILD)/obj/tools/cmd_jited.o: CPPFLAGS += -DUSERBPF_HAVE_CAPSTONE
$(CLI): LDLIBS += -lcapstone
endif

# bench_jit's workloads, compiled by clang -target bpf as well (the native
# twin is built by the Makefile's bench/ref rule).
ifneq ($(shell command -v $(BPF_CLANG) 2>/dev/null),)
BENCH_BPF_OBJS := $(BUILD)/bench/jit_workloads.bpf.o
endif
$(BUILD)/bench/%.bpf.o: bench/ref/%.c
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -I$(BPF_ARCH_INC) -Wall -Werror -c $< -o $@
$(BUILD)/bench_jit: | $(BENCH_BPF_OBJS)
