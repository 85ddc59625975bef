# SPDX-License-Identifier: MIT
# JIT extras: capstone (libcapstone-dev) disassembles native code for
# "userbpf disasm --jited" when present; without it the CLI prints bytes.
HAVE_CAPSTONE ?= $(shell printf '\043include <capstone/capstone.h>\n' | \
	$(CC) -E -x c - >/dev/null 2>&1 && echo 1)
ifeq ($(HAVE_CAPSTONE),1)
$(BUILD)/obj/tools/cmd_jited.o: CPPFLAGS += -DUSERBPF_HAVE_CAPSTONE
$(CLI): LDLIBS += -lcapstone
endif
