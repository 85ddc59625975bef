# SPDX-License-Identifier: MIT
# verifier.mk - BPF objects of the verifier tests (tests/verifier/*.bpf.c:
# programs the verifier must accept or reject at load) compiled with
# clang -target bpf into $(BUILD)/verifier/.  Without clang the tests that
# need them skip.

VERIF_OBJ_DIR := $(BUILD)/verifier
VERIF_BPF_SRCS := $(sort $(wildcard tests/verifier/*.bpf.c))

ifneq ($(shell command -v $(BPF_CLANG) 2>/dev/null),)
VERIF_BPF_OBJS := $(VERIF_BPF_SRCS:tests/verifier/%.bpf.c=$(VERIF_OBJ_DIR)/%.bpf.o)
endif

.PHONY: verifier-fixtures
verifier-fixtures: $(VERIF_BPF_OBJS)
all: verifier-fixtures
$(TEST_BIN): | $(VERIF_BPF_OBJS)

$(VERIF_OBJ_DIR)/%.bpf.o: tests/verifier/%.bpf.c
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -I$(BPF_ARCH_INC) -c $< -o $@
