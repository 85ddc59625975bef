# SPDX-License-Identifier: MIT
# apps.mk - the libbpf applications of examples/apps/ and "make install".
#
# Each example X is built exactly as libbpf-bootstrap builds it, into
# $(BUILD)/apps/:
#   clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I<vmlinux.h dir> -c X.bpf.c
#   bpftool gen skeleton X.bpf.o > X.skel.h
#   cc X.c -lbpf -lelf -lz
# vmlinux.h is dumped from this machine's kernel BTF (bpftool btf dump file
# /sys/kernel/btf/vmlinux format c) where there is one, else the small
# hand-written examples/apps/vmlinux_fallback/vmlinux.h is used (force it
# with APPS_VMLINUX=fallback).  Without clang, bpftool or libbpf-dev the
# applications are not built and their tests skip saying so.
# uprobe_embed, minimal_embed and profile_embed are those examples over
# "userbpf gen skeleton" and libuserbpf alone (no libbpf).
#
#   make install [PREFIX=/usr/local] [DESTDIR=]   library, headers, CLI,
#       interposer and agent, userbpf.pc (pkg-config --cflags --libs userbpf)

BPF_CLANG    ?= clang
APPS_DIR     := $(BUILD)/apps
APPS         := minimal bootstrap uprobe profile syscount
APPS_BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || ls /usr/sbin/bpftool 2>/dev/null)
APPS_BTF     ?= /sys/kernel/btf/vmlinux
APPS_VMLINUX ?= $(if $(and $(wildcard $(APPS_BTF)),$(APPS_BPFTOOL)),btf,fallback)
ifeq ($(APPS_VMLINUX),btf)
APPS_VMLINUX_DIR := $(APPS_DIR)/include
APPS_VMLINUX_H   := $(APPS_VMLINUX_DIR)/vmlinux.h
else
APPS_VMLINUX_DIR := examples/apps/vmlinux_fallback
APPS_VMLINUX_H   := $(APPS_VMLINUX_DIR)/vmlinux.h
endif
APPS_HDRS := $(wildcard examples/apps/*.h) examples/log2.h

ifneq ($(and $(shell command -v $(BPF_CLANG) 2>/dev/null),$(APPS_BPFTOOL),$(wildcard /usr/include/bpf/libbpf.h)),)
APPS_BINS := $(APPS:%=$(APPS_DIR)/%)
endif
ifneq ($(shell command -v $(BPF_CLANG) 2>/dev/null),)
APPS_EMBED := $(APPS_DIR)/uprobe_embed $(APPS_DIR)/minimal_embed $(APPS_DIR)/profile_embed
endif

.PHONY: apps install
apps: $(APPS_BINS) $(APPS_EMBED)
all: apps
$(TEST_BIN): | $(APPS_BINS) $(APPS_EMBED)

$(APPS_DIR)/include/vmlinux.h:
	@mkdir -p $(dir $@)
	$(APPS_BPFTOOL) btf dump file $(APPS_BTF) format c > $@.tmp && mv $@.tmp $@

$(APPS_DIR)/%.bpf.o: examples/apps/%.bpf.c $(APPS_VMLINUX_H) $(APPS_HDRS)
	@mkdir -p $(dir $@)
	$(BPF_CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -I$(APPS_VMLINUX_DIR) -Iexamples/apps \
		-Wall -Werror -c $< -o $@

$(APPS_DIR)/%.skel.h: $(APPS_DIR)/%.bpf.o
	$(APPS_BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(APPS_BINS): $(APPS_DIR)/%: examples/apps/%.c $(APPS_DIR)/%.skel.h $(APPS_HDRS)
	$(CC) -g -O2 -Wall -Werror -I$(APPS_DIR) -Iexamples/apps $< -o $@ -lbpf -lelf -lz

# The same X.bpf.o, wrapped by userbpf's skeleton, linked with libuserbpf.
$(APPS_DIR)/%.userbpf.skel.h: $(APPS_DIR)/%.bpf.o $(CLI)
	$(CLI) gen skeleton $< > $@.tmp && mv $@.tmp $@
$(APPS_EMBED): $(APPS_DIR)/%_embed: examples/apps/%_embed.c $(APPS_DIR)/%.userbpf.skel.h \
			  $(APPS_HDRS) $(STATIC_LIB)
	$(CC) -g -O2 -Wall -Wextra -Werror -Iinclude -I$(APPS_DIR) -Iexamples/apps $(LDFLAGS) \
		$< -o $@ $(STATIC_LIB) $(LDLIBS)

# ==== make install ====
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
USERBPF_VERSION := $(shell sed -n 's/^\#define USERBPF_VERSION_MAJOR //p' include/userbpf/common.h).$(shell sed -n 's/^\#define USERBPF_VERSION_MINOR //p' include/userbpf/common.h)

# The CLI finds the interposer and the agent it preloads next to its own
# executable (/proc/self/exe): all three go to $(LIBEXECDIR), and
# $(BINDIR)/userbpf is a symbolic link to the CLI there.
LIBEXECDIR ?= $(PREFIX)/libexec/userbpf
INSTALL_PRELOADS := $(if $(wildcard src/launch/*.c),$(BUILD)/libuserbpf-launch.so) \
		    $(if $(wildcard src/agent/agent.c),$(BUILD)/libuserbpf-agent.so)
install: lib $(CLI) $(INSTALL_PRELOADS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(LIBEXECDIR) \
		$(DESTDIR)$(INCLUDEDIR)/userbpf $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0755 $(CLI) $(INSTALL_PRELOADS) $(DESTDIR)$(LIBEXECDIR)/
	ln -sfn $(LIBEXECDIR)/userbpf $(DESTDIR)$(BINDIR)/userbpf
	install -m 0644 $(STATIC_LIB) $(DESTDIR)$(LIBDIR)/libuserbpf.a
	install -m 0755 $(SHARED_LIB) $(DESTDIR)$(LIBDIR)/libuserbpf.so.0
	ln -sfn libuserbpf.so.0 $(DESTDIR)$(LIBDIR)/libuserbpf.so
	install -m 0644 include/userbpf/*.h $(DESTDIR)$(INCLUDEDIR)/userbpf/
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' \
		'Name: userbpf' \
		'Description: kernel-compatible eBPF in user space (loader, maps, verifier, JIT, probes)' \
		'Version: $(USERBPF_VERSION)' \
		'Libs: -L$${libdir} -luserbpf' \
		'Libs.private: $(strip $(LDLIBS))' \
		'Cflags: -I$${includedir}' > $(DESTDIR)$(PKGCONFIGDIR)/userbpf.pc

# The fixture of the "gen skeleton" tests (tests/apps/gen_vars.bpf.c).
ifneq ($(shell command -v $(BPF_CLANG) 2>/dev/null),)
APPS_GEN_FIXTURE := $(APPS_DIR)/gen_vars.bpf.o
endif
all: $(APPS_GEN_FIXTURE)
$(TEST_BIN): | $(APPS_GEN_FIXTURE)
$(APPS_DIR)/gen_vars.bpf.o: tests/apps/gen_vars.bpf.c tests/apps/gen_vars.h
	@mkdir -p $(dir $@)
	$(BPF_CLANG) -g -O2 -target bpf -I$(BPF_ARCH_INC) -Itests/apps -Wall -Werror -c $< -o $@
