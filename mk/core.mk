# SPDX-License-Identifier: MIT
# ==== The freestanding core (issue 16) ====
#
#   make core                             $(BUILD)/libuserbpf-core.a (this machine)
#   make core CROSS=aarch64-linux-gnu-    $(BUILD)/core-aarch64/libuserbpf-core.a
#   make core CROSS=riscv64-linux-gnu-    $(BUILD)/core-riscv64/libuserbpf-core.a
#   make core-test                        the core's own checks (tests/core/)
#   make core-size                        text/data/bss of the core, with and without JIT
#
# The core is isa, vm, verifier, maps, the helpers that need no operating
# system, the loader from memory, the bpf() command layer, the program
# types and the JIT (x86-64 back end on x86-64 only), over the platform
# interface (include/userbpf/platform.h).  It is compiled without any C
# library header: -nostdinc, and only the compiler's own headers (stddef,
# stdint, stdbool, stdarg, limits, stdatomic) plus the kernel's UAPI
# <linux/bpf.h> and <linux/bpf_common.h> (the bpf() ABI itself; linux/types.h
# comes from src/util/freestanding/) are visible.  Undefined symbols of the
# archive: memcpy, memset, memmove, memcmp (tests/core checks it).
#
# Host-only files (OS services; the hosted library has them, the core not):
CORE_HOST_ONLY := src/util/platform_posix.c src/maps/cgroup_array.c \
	src/maps/perf_event_array.c src/helpers/task_struct.c \
	src/progs/test_run.c
CORE_SRC_DIRS := isa vm verifier maps helpers jit loader syscall progs util
# ... and every *_host.c / *_posix.c file (the naming rule for OS-only code).
CORE_SRCS := $(filter-out $(CORE_HOST_ONLY) %_host.c %_posix.c,\
	$(sort $(wildcard $(CORE_SRC_DIRS:%=src/%/*.c))))

CROSS    ?=
CORE_CC  ?= $(if $(CROSS),$(CROSS)gcc,$(CC))
CORE_AR  ?= $(if $(CROSS),$(CROSS)ar,ar)
CORE_NM  ?= $(if $(CROSS),$(CROSS)nm,nm)
CORE_SIZE ?= $(if $(CROSS),$(CROSS)size,size)
# Evaluated only when a core target runs (the compiler may be absent).
CORE_ARCH = $(shell $(CORE_CC) -dumpmachine 2>/dev/null | cut -d- -f1)
CORE_DIR ?= $(BUILD)/core-$(CORE_ARCH)
# The kernel's UAPI headers (linux-libc-dev): only linux/bpf.h and
# linux/bpf_common.h are linked into the core's include directory.
CORE_UAPI ?= /usr/include
# Interrupt- and kernel-safe code generation: no red zone, no FP/SIMD
# registers (a kernel saves only the general registers on a trap).
CORE_ARCH_CFLAGS_x86_64  := -mno-red-zone -mgeneral-regs-only
CORE_ARCH_CFLAGS_aarch64 := -mgeneral-regs-only -mno-outline-atomics
CORE_ARCH_CFLAGS_riscv64 := -march=rv64imac_zicsr_zifencei -mabi=lp64
CORE_ARCH_CFLAGS ?= $(CORE_ARCH_CFLAGS_$(CORE_ARCH))
CORE_CFLAGS ?= -O2 -g
CORE_ALL_CFLAGS = -std=gnu11 $(CFLAGS_WARN) -ffreestanding -nostdlib -fno-builtin \
	-nostdinc -isystem $(shell $(CORE_CC) -print-file-name=include) \
	-Isrc/util/freestanding -I$(CORE_DIR)/uapi -Iinclude -Isrc \
	-D_LIBC_LIMITS_H_ -fno-stack-protector -fvisibility=hidden -fPIE -DUSERBPF_CORE \
	$(CORE_ARCH_CFLAGS) $(CORE_CFLAGS) $(CORE_EXTRA_CFLAGS)

.PHONY: core core-test core-size
core: $(CORE_DIR)/libuserbpf-core.a
ifeq ($(CROSS),)
	cp $(CORE_DIR)/libuserbpf-core.a $(BUILD)/libuserbpf-core.a
endif

$(CORE_DIR)/uapi/linux/bpf.h:
	@mkdir -p $(dir $@)
	ln -sf $(abspath $(CORE_UAPI))/linux/bpf.h $(CORE_DIR)/uapi/linux/bpf.h
	ln -sf $(abspath $(CORE_UAPI))/linux/bpf_common.h $(CORE_DIR)/uapi/linux/bpf_common.h

$(CORE_DIR)/obj/%.o: %.c | $(CORE_DIR)/uapi/linux/bpf.h
	@mkdir -p $(dir $@)
	$(CORE_CC) $(CORE_ALL_CFLAGS) -MMD -MP -c $< -o $@

$(CORE_DIR)/libuserbpf-core.a: $(CORE_SRCS:%.c=$(CORE_DIR)/obj/%.o)
	rm -f $@ && $(CORE_AR) rcs $@ $^

-include $(wildcard $(CORE_DIR)/obj/src/*/*.d)

# ==== The core's tests (tests/core/): built by 'make test' ====
# core_embed: tests/core/embed/embed_main.c linked against the freestanding
# archive (not the hosted library), with its fixture compiled by clang.
CORE_EMBED := $(CORE_DIR)/core_embed
CORE_EMBED_BPF := $(CORE_DIR)/embed.bpf.o
# Examples that load in the core, and ones that need a host-only map type
# or helper (perf event array, bpf_get_current_task): a fixed list, as in
# tests/core/test_core.c, so new examples do not change this test.
CORE_EMBED_EXAMPLES := minimal log2_hist loops tail_calls call_chain lpm_route \
	map_in_map rodata_config flow_table helpers_tour
CORE_HOST_EXAMPLES := ringbuf_events bootstrap execsnoop
$(CORE_EMBED): tests/core/embed/embed_main.c $(CORE_DIR)/libuserbpf-core.a
	$(CC) -std=gnu11 $(CFLAGS_WARN) -D_GNU_SOURCE -O2 -g -Iinclude -o $@ $< \
		$(CORE_DIR)/libuserbpf-core.a
$(CORE_EMBED_BPF): tests/core/embed/embed.bpf.c examples/probe_regs.h
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -I$(BPF_ARCH_INC) -Wall -Werror -c $< -o $@

core-test: $(CORE_DIR)/libuserbpf-core.a $(if $(CROSS),,$(CORE_EMBED) $(CORE_EMBED_BPF) \
		$(CORE_EMBED_EXAMPLES:%=$(BUILD)/examples/%.bpf.o) $(CORE_HOST_EXAMPLES:%=$(BUILD)/examples/%.bpf.o))
	CORE_NM=$(CORE_NM) CORE_LD=$(if $(CROSS),$(CROSS)ld,ld) CORE_ARCH=$(CORE_ARCH) \
		sh tests/core/check_symbols.sh $(CORE_DIR)/libuserbpf-core.a
ifeq ($(CROSS),)
	$(CORE_EMBED) $(CORE_EMBED_BPF) $(CORE_EMBED_EXAMPLES:%=$(BUILD)/examples/%.bpf.o) \
		--host-only $(CORE_HOST_EXAMPLES:%=$(BUILD)/examples/%.bpf.o)
endif
test: $(CORE_DIR)/libuserbpf-core.a $(CORE_EMBED) $(CORE_EMBED_BPF)

# text/data/bss of the archive, with and without the JIT (x86-64 back end).
core-size: $(CORE_DIR)/libuserbpf-core.a
	@$(CORE_SIZE) -t $(CORE_DIR)/libuserbpf-core.a | tail -1 | \
		awk '{printf "core (%s): text %d data %d bss %d total %d bytes\n", "$(CORE_ARCH)", $$1, $$2, $$3, $$4}'
	@$(CORE_SIZE) -t $(filter-out %/jit/jit.o %/jit/x86_64.o,$(CORE_SRCS:%.c=$(CORE_DIR)/obj/%.o)) | tail -1 | \
		awk '{printf "core without JIT (%s): text %d data %d bss %d total %d bytes\n", "$(CORE_ARCH)", $$1, $$2, $$3, $$4}'
