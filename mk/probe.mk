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

# The tracing agent "userbpf trace" preloads into the command it starts:
# src/agent/agent.c (compiled with -DUSERBPF_AGENT) plus the library,
# exporting nothing so it never interposes on the traced program.
# With it, the domain's arena (src/domain/*.c, compiled as for the launch
# interposer) and src/agent/trace_domain.c: "trace --shared" runs every
# traced process in a trace-private domain.
AGENT_LIB := $(BUILD)/libuserbpf-agent.so
AGENT_OBJS := $(BUILD)/obj/src/agent/agent.agent.o $(BUILD)/obj/src/agent/trace_domain.agent.o \
	$(patsubst %.c,$(BUILD)/obj/%.agentdom.o,$(sort $(wildcard src/domain/*.c)))
$(BUILD)/obj/src/agent/%.agent.o: src/agent/%.c src/agent/trace_proto.h src/domain/domain.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DUSERBPF_AGENT $(ALL_CFLAGS) -c $< -o $@
$(BUILD)/obj/src/domain/%.agentdom.o: src/domain/%.c src/domain/domain.h src/launch/launch_int.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DUSERBPF_LAUNCH $(ALL_CFLAGS) -c $< -o $@
# Without libpcap: the agent reads no capture file (the CLI does), and
# libpcap brings eight libraries (dbus, systemd, gcrypt, ...) into every
# traced process, each mapped, relocated and scanned for syscall sites
# there (userbpf trace's startup, docs/probes.md).
AGENT_LIB_OBJS := $(filter-out $(BUILD)/obj/src/probe/packet_pcap.o,$(LIB_OBJS)) \
	$(BUILD)/obj/src/probe/packet_pcap.nopcap.o
$(BUILD)/obj/src/probe/packet_pcap.nopcap.o: src/probe/packet_pcap.c
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -DUSERBPF_HAVE_PCAP,$(CPPFLAGS)) $(ALL_CFLAGS) -c $< -o $@
$(AGENT_LIB): $(AGENT_OBJS) $(AGENT_LIB_OBJS) src/agent/agent.map
	$(CC) -shared -Wl,--version-script=src/agent/agent.map $(LDFLAGS) -o $@ \
		$(AGENT_OBJS) $(AGENT_LIB_OBJS) $(filter-out -lpcap,$(LDLIBS)) -ldl
all: $(AGENT_LIB)
$(TEST_BIN): | $(AGENT_LIB)

# The program "trace --follow" starts its reader as (src/agent/trace_reader.c).
TRACE_READER := $(BUILD)/userbpf-trace-reader
$(TRACE_READER): src/agent/trace_reader.c
	@mkdir -p $(dir $@)
	$(CC) -DUSERBPF_TRACE_READER_BIN $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<
all: $(TRACE_READER)
$(TEST_BIN): | $(TRACE_READER)

# The program the tracing examples run (examples/uprobe_target.c).
PROBE_TARGET := $(BUILD)/examples/uprobe_target
$(PROBE_TARGET): examples/uprobe_target.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Werror -o $@ $<
all: $(PROBE_TARGET)
$(TEST_BIN): | $(PROBE_TARGET)

# The USDT example's target (examples/usdt_target.c) needs sys/sdt.h
# (systemtap-sdt-dev); without it the USDT tests skip.
SDT_HEADER ?= /usr/include/x86_64-linux-gnu/sys/sdt.h
ifneq ($(wildcard $(SDT_HEADER) /usr/include/sys/sdt.h),)
USDT_TARGET := $(BUILD)/examples/usdt_target
$(USDT_TARGET): examples/usdt_target.c
	@mkdir -p $(dir $@)
	$(CC) -O0 -g -Wall -Werror -o $@ $<
all: $(USDT_TARGET)
$(TEST_BIN): | $(USDT_TARGET)
endif

# The agent "userbpf trace --pid" injects (dlopen through ptrace): the
# same objects.  Its thread-locals are initial-exec, as in the preloaded
# agent: dlopen puts the module's TLS block (a few hundred bytes; test
# trace_pid_agent_static_tls) in the static TLS space glibc keeps for
# dlopen'ed libraries, in every thread at once.  With the dynamic model
# each thread's first access allocated its copy with malloc, whose
# syscalls re-entered a traced syscall site, which accessed it again:
# an unbounded recursion (the agent's poller died of SIGSEGV under
# raw_syscalls).
AGENT_PID_LIB := $(BUILD)/libuserbpf-agent-pid.so
$(AGENT_PID_LIB): $(AGENT_LIB)
	cp $< $@
all: $(AGENT_PID_LIB)
$(TEST_BIN): | $(AGENT_PID_LIB)

# libbpf applications of the probe tests: $(BUILD)/probe/NAME from
# tests/probe/apps/NAME.c (run under "userbpf launch"), with libbpf-dev.
ifneq ($(wildcard /usr/include/bpf/libbpf.h),)
PROBE_APPS := $(patsubst tests/probe/apps/%.c,$(BUILD)/probe/%,$(wildcard tests/probe/apps/*.c))
endif
all: $(PROBE_APPS)
$(TEST_BIN): | $(PROBE_APPS)
$(BUILD)/probe/%: tests/probe/apps/%.c
	@mkdir -p $(dir $@)
	$(CC) -g -O1 -Wall -Werror -o $@ $< -lbpf

# Shared libraries the probe tests dlopen: $(BUILD)/probe/libNAME.so from
# tests/probe/libs/NAME.c.
PROBE_LIBS := $(patsubst tests/probe/libs/%.c,$(BUILD)/probe/lib%.so,$(wildcard tests/probe/libs/*.c))
all: $(PROBE_LIBS)
$(TEST_BIN): | $(PROBE_LIBS)
$(BUILD)/probe/lib%.so: tests/probe/libs/%.c
	@mkdir -p $(dir $@)
	$(CC) -g -O2 -Wall -Werror -shared -fPIC -o $@ $<

# The probe example's target stripped the way Fedora's find-debuginfo
# strips binaries (tests/probe/test_debugdata.c): no .symtab, and the
# functions .dynsym does not name (uprobe_add, nap...) only in the
# .symtab of an xz-compressed ELF file in .gnu_debugdata (MiniDebugInfo).
# A twin whose section holds bytes that are not xz.  Needs xz and binutils.
ifneq ($(shell command -v xz 2>/dev/null),)
MINIDEBUG_TARGETS := $(BUILD)/probe/uprobe_target_minidebug $(BUILD)/probe/uprobe_target_baddebug
$(BUILD)/probe/uprobe_target_minidebug: $(PROBE_TARGET)
	@mkdir -p $(dir $@)
	nm -D --format=posix --defined-only $< | awk '{ print $$1 }' | sort > $@.dynsyms
	nm --format=posix --defined-only $< | awk '$$2 ~ /^[TtWw]$$/ { print $$1 }' | sort > $@.funcsyms
	comm -13 $@.dynsyms $@.funcsyms > $@.keep
	objcopy --only-keep-debug $< $@.debug
	objcopy -S --remove-section .gdb_index --remove-section .comment \
		--keep-symbols=$@.keep $@.debug $@.mini
	rm -f $@.mini.xz && xz -k $@.mini
	strip --strip-all -R .comment $< -o $@.tmp
	objcopy --add-section .gnu_debugdata=$@.mini.xz $@.tmp $@
	rm -f $@.dynsyms $@.funcsyms $@.keep $@.debug $@.mini $@.mini.xz $@.tmp
$(BUILD)/probe/uprobe_target_baddebug: $(PROBE_TARGET)
	@mkdir -p $(dir $@)
	strip --strip-all -R .comment $< -o $@.tmp
	printf '\375' > $@.bad && printf '7zXZ not really an xz stream' >> $@.bad
	objcopy --add-section .gnu_debugdata=$@.bad $@.tmp $@
	rm -f $@.tmp $@.bad
all: $(MINIDEBUG_TARGETS)
$(TEST_BIN): | $(MINIDEBUG_TARGETS)
endif
