# SPDX-License-Identifier: MIT
# kernel.mk - the small x86-64 kernel that embeds the userbpf core
# (kernel/), booted by QEMU as a multiboot image.
#
#   make kernel        build/kernel/kernel.bin (+ kernel.elf with symbols)
#   make kernel-test   build it, boot it in QEMU, check the console
#
# The kernel is linked twice (ksym): the first link's `nm` output becomes
# the symbol table of the second; both links must agree on every address.
KERNEL_CC    ?= gcc
KERNEL_LD    ?= ld
KBUILD       := $(BUILD)/kernel
KERNEL_WARN  := -Wall -Wextra -Werror -Wshadow -Wundef -Wstrict-prototypes \
		-Wmissing-prototypes -Wno-address-of-packed-member
KERNEL_FLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -fno-pic -fno-pie \
		-fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
		-fcf-protection=none -mno-red-zone -mgeneral-regs-only
KERNEL_CFLAGS := $(KERNEL_FLAGS) -mcmodel=kernel $(KERNEL_WARN) -Iinclude -I$(BPF_ARCH_INC)
USER_CFLAGS  := $(KERNEL_FLAGS) $(KERNEL_WARN) -Iinclude -I$(BPF_ARCH_INC)

KERNEL_SRCS  := $(sort $(wildcard kernel/*.c))
KERNEL_ASMS  := kernel/boot.S kernel/entry.S
KERNEL_OBJS  := $(KERNEL_SRCS:kernel/%.c=$(KBUILD)/%.o) $(KERNEL_ASMS:kernel/%.S=$(KBUILD)/%.o) \
		$(KBUILD)/user_progs.o
# The user programs linked into the image; the kernel runs them one after
# another, in this order, or those named by "run=a,b" on its command line.
KERNEL_USER_PROGS := hello bpfdemo reject fault
KERNEL_USER_ELFS  := $(KERNEL_USER_PROGS:%=$(KBUILD)/user/%.elf)
KERNEL_ULIB  := $(KBUILD)/user/crt0.o $(KBUILD)/user/ulib.o $(KBUILD)/user/format.o

.PHONY: kernel kernel-test
kernel: $(KBUILD)/kernel.bin

$(KBUILD)/%.o: kernel/%.c
	@mkdir -p $(dir $@)
	$(KERNEL_CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@
$(KBUILD)/%.o: kernel/%.S
	@mkdir -p $(dir $@)
	$(KERNEL_CC) $(KERNEL_CFLAGS) -c $< -o $@

$(KBUILD)/user/%.o: kernel/user/%.c
	@mkdir -p $(dir $@)
	$(KERNEL_CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@
$(KBUILD)/user/format.o: kernel/format.c
	@mkdir -p $(dir $@)
	$(KERNEL_CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@
$(KBUILD)/user/crt0.o: kernel/user/crt0.S
	@mkdir -p $(dir $@)
	$(KERNEL_CC) $(USER_CFLAGS) -c $< -o $@
$(KBUILD)/user/%.elf: $(KBUILD)/user/%.o $(KERNEL_ULIB) $(KBUILD)/user/bpfload.o
	$(KERNEL_LD) -static -nostdlib -e _start -Ttext-segment=0x400000 -z noexecstack \
		-o $@ $(KERNEL_ULIB) $(KBUILD)/user/bpfload.o $<

# The eBPF object the demo loads (clang -target bpf), embedded in bpfdemo.
$(KBUILD)/user/probes.bpf.o: kernel/user/probes.bpf.c kernel/user/probes.h
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -I$(BPF_ARCH_INC) -Wall -Werror -c $< -o $@
$(KBUILD)/user/bpfdemo.o: kernel/user/bpfdemo.c $(KBUILD)/user/probes.bpf.o
	@mkdir -p $(dir $@)
	$(KERNEL_CC) $(USER_CFLAGS) -I$(BPF_ARCH_INC) -DPROBES_OBJ='"$(KBUILD)/user/probes.bpf.o"' \
		-MMD -MP -c $< -o $@

# Each user program: its name and its ELF bytes, listed in .user_progs.
$(KBUILD)/user_progs.S: $(KERNEL_USER_ELFS) mk/kernel.mk
	@mkdir -p $(dir $@)
	@{ for p in $(KERNEL_USER_PROGS); do \
		printf '\t.section .rodata\n%s_name:\t.asciz "%s"\n\t.balign 16\n' $$p $$p; \
		printf '%s_start:\t.incbin "%s"\n%s_end:\n' $$p $(KBUILD)/user/$$p.elf $$p; \
		printf '\t.section .user_progs, "a"\n\t.quad %s_name, %s_start, %s_end\n' $$p $$p $$p; \
	done; } > $@
$(KBUILD)/user_progs.o: $(KBUILD)/user_progs.S $(KERNEL_USER_ELFS)
	$(KERNEL_CC) $(KERNEL_CFLAGS) -c $< -o $@

# Two-stage link: stage 1 with an empty symbol table, stage 2 with the
# table generated from stage 1; then check that no symbol moved.
KERNEL_LDFLAGS := --no-warn-rwx-segments -nostdlib -static -z max-page-size=4096 -z noexecstack -T kernel/linker.ld
# The core, built freestanding by mk/core.mk's rules into $(KBUILD)/core,
# without thread-local storage (the kernel sets up no %fs: one CPU, and
# nothing preempts a bpf() command or a program run).
KERNEL_CORE_DIR := $(KBUILD)/core
KERNEL_CORE_LIB ?= $(KERNEL_CORE_DIR)/libuserbpf-core.a
KERNEL_LIBS := $(KERNEL_CORE_LIB)
.PHONY: kernel-core
ifeq ($(KERNEL_SUBMAKE),)
kernel-core:
	@$(MAKE) --no-print-directory KERNEL_SUBMAKE=1 $(KERNEL_CORE_DIR)/libuserbpf-core.a \
		CORE_DIR=$(KERNEL_CORE_DIR) CORE_EXTRA_CFLAGS=-DUSERBPF_NO_TLS
$(KERNEL_CORE_DIR)/libuserbpf-core.a: kernel-core
endif
$(KBUILD)/ksyms0.S: kernel/ksyms.sh
	@mkdir -p $(dir $@)
	sh kernel/ksyms.sh < /dev/null > $@
$(KBUILD)/kernel1.elf: $(KERNEL_OBJS) $(KBUILD)/ksyms0.o $(KERNEL_LIBS) kernel/linker.ld
	$(KERNEL_LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(KBUILD)/ksyms0.o $(KERNEL_LIBS)
$(KBUILD)/ksyms.S: $(KBUILD)/kernel1.elf kernel/ksyms.sh
	nm -n $< | sh kernel/ksyms.sh > $@
$(KBUILD)/ksyms%.o: $(KBUILD)/ksyms%.S
	$(KERNEL_CC) $(KERNEL_CFLAGS) -c $< -o $@
$(KBUILD)/ksyms.o: $(KBUILD)/ksyms.S
	$(KERNEL_CC) $(KERNEL_CFLAGS) -c $< -o $@
$(KBUILD)/kernel.elf: $(KBUILD)/kernel1.elf $(KBUILD)/ksyms.o
	$(KERNEL_LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(KBUILD)/ksyms.o $(KERNEL_LIBS)
	@nm -n $(KBUILD)/kernel1.elf | grep -v -e ' ksym_' -e ' _end$$' -e ' _phys_end$$' > $(KBUILD)/syms1.txt
	@nm -n $@ | grep -v -e ' ksym_' -e ' _end$$' -e ' _phys_end$$' > $(KBUILD)/syms2.txt
	@cmp -s $(KBUILD)/syms1.txt $(KBUILD)/syms2.txt || \
		{ echo "ksym: symbols moved between the two links"; rm -f $@; exit 1; }
$(KBUILD)/kernel.bin: $(KBUILD)/kernel.elf
	objcopy -O binary $< $@

kernel-test: $(KBUILD)/kernel.bin
	KBUILD=$(KBUILD) sh kernel/test.sh

-include $(KERNEL_OBJS:.o=.d) $(KBUILD)/user/*.d
