# SPDX-License-Identifier: MIT
# examples.mk - the example programs (examples/*.bpf.c) compiled with
# clang -target bpf into $(BUILD)/examples/, part of 'make all'.
BPF_CLANG     ?= clang
BPF_CFLAGS    ?= -g -O2 -target bpf -mcpu=v3
BPF_ARCH_INC  ?= /usr/include/$(shell $(CC) -dumpmachine 2>/dev/null)
EXAMPLES_DIR  := $(BUILD)/examples
EXAMPLE_SRCS  := $(sort $(wildcard examples/*.bpf.c))
ifneq ($(shell command -v $(BPF_CLANG) 2>/dev/null),)
EXAMPLE_OBJS  := $(EXAMPLE_SRCS:examples/%.bpf.c=$(EXAMPLES_DIR)/%.bpf.o)
endif

.PHONY: examples
examples: $(EXAMPLE_OBJS)
all: examples
$(TEST_BIN): | $(EXAMPLE_OBJS)

$(EXAMPLES_DIR)/%.bpf.o: examples/%.bpf.c $(wildcard examples/*.h)
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -I$(BPF_ARCH_INC) -Wall -Werror -c $< -o $@
