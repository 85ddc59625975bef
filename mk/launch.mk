# SPDX-License-Identifier: MIT
# launch.mk - the interposer "userbpf launch" preloads into an unmodified
# libbpf application (src/launch/*.c compiled with -DUSERBPF_LAUNCH, plus
# the library), exporting only the libc functions of src/launch/launch.map.
# Every call of userbpf_prog__run goes through launch's run statistics
# (--wrap, src/launch/stats.c).
# The tests' libbpf applications (tests/launch/apps/*.bpf.c + *.c) are built
# the libbpf-bootstrap way: clang -target bpf, bpftool gen skeleton, link
# Debian's libbpf.
# In a sanitizer build the interposer is still built without the
# sanitizer, from the same sources (objects of its own in obj-plain/): it
# is preloaded into applications that are not instrumented (Debian's
# libbpf, bpftool, /bin/sh), where a sanitizer runtime cannot be loaded,
# so the launch tests run there too (the suite, the CLI and the library
# under test stay instrumented).
LAUNCH_LIB  := $(BUILD)/libuserbpf-launch.so
LAUNCH_SRCS := $(sort $(wildcard src/launch/*.c src/domain/*.c))
LAUNCH_OBJS := $(LAUNCH_SRCS:%.c=$(BUILD)/obj/%.launch.o)
ifneq ($(SANITIZER),)
LAUNCH_CFLAGS   = $(filter-out -fsanitize=% -fno-sanitize-recover=% -Wno-error=tsan,$(ALL_CFLAGS))
LAUNCH_LDFLAGS  = $(filter-out -fsanitize=%,$(LDFLAGS))
LAUNCH_LIB_OBJS := $(filter-out $(BUILD)/obj-plain/src/probe/packet_pcap.o,\
	$(LIB_SRCS:%.c=$(BUILD)/obj-plain/%.o)) $(BUILD)/obj-plain/src/probe/packet_pcap.nopcap.o
$(BUILD)/obj-plain/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(LAUNCH_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/obj-plain/src/probe/packet_pcap.nopcap.o: src/probe/packet_pcap.c
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -DUSERBPF_HAVE_PCAP,$(CPPFLAGS)) $(LAUNCH_CFLAGS) -c $< -o $@
-include $(LAUNCH_LIB_OBJS:.o=.d)
else
LAUNCH_CFLAGS   = $(ALL_CFLAGS)
LAUNCH_LDFLAGS  = $(LDFLAGS)
# without libpcap, as the agent (mk/probe.mk, its nopcap object): launch
# reads no capture file, and libpcap brings eight libraries (dbus,
# systemd, gcrypt, ...) into every process of a domain: 101 mappings
# against 55, each copied at every fork
LAUNCH_LIB_OBJS := $(filter-out $(BUILD)/obj/src/probe/packet_pcap.o,$(LIB_OBJS)) \
	$(BUILD)/obj/src/probe/packet_pcap.nopcap.o
endif

$(BUILD)/obj/src/%.launch.o: src/%.c src/launch/launch_int.h src/domain/domain.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DUSERBPF_LAUNCH $(LAUNCH_CFLAGS) -c $< -o $@
# --wrap=ub_map_get/ub_map_put: the references a load takes on maps are
# noted in the domain's ledger until its program is registered (arena.c).
# -z now: every symbol bound at load, once, not lazily in each forked
# child that calls what its parent never called (a tenth of a fork's cost).
$(LAUNCH_LIB): $(LAUNCH_OBJS) $(LAUNCH_LIB_OBJS) src/launch/launch.map
	$(CC) -shared -Wl,--version-script=src/launch/launch.map -Wl,-z,now \
		-Wl,--wrap=userbpf_prog__run -Wl,--wrap=ub_map_get -Wl,--wrap=ub_map_put \
		$(LAUNCH_LDFLAGS) -o $@ \
		$(LAUNCH_OBJS) $(LAUNCH_LIB_OBJS) $(filter-out -lpcap,$(LDLIBS)) -ldl
all: $(LAUNCH_LIB)
$(TEST_BIN): | $(LAUNCH_LIB)

# Test applications: $(BUILD)/launch/NAME from tests/launch/apps/NAME.bpf.c and
# tests/launch/apps/NAME.c, when clang, bpftool and libbpf-dev are present.
LAUNCH_BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || ls /usr/sbin/bpftool 2>/dev/null)
LAUNCH_APP_SRCS := $(sort $(wildcard tests/launch/apps/*.bpf.c))
ifneq ($(and $(shell command -v $(BPF_CLANG) 2>/dev/null),$(LAUNCH_BPFTOOL),$(wildcard /usr/include/bpf/libbpf.h)),)
LAUNCH_APPS := $(LAUNCH_APP_SRCS:tests/launch/apps/%.bpf.c=$(BUILD)/launch/%)
endif
all: $(LAUNCH_APPS)
$(TEST_BIN): | $(LAUNCH_APPS)

$(BUILD)/launch/%.bpf.o: tests/launch/apps/%.bpf.c tests/launch/apps/%.h
	@mkdir -p $(dir $@)
	$(BPF_CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -I$(BPF_ARCH_INC) -Wall -Werror -c $< -o $@
$(BUILD)/launch/%.skel.h: $(BUILD)/launch/%.bpf.o
	$(LAUNCH_BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@
# -rdynamic and no PIE: uprobe targets in the application keep their symbols
$(BUILD)/launch/%: tests/launch/apps/%.c $(BUILD)/launch/%.skel.h
	$(CC) -g -O1 -Wall -Werror -I$(BUILD)/launch -o $@ $< -lbpf -lelf -lz
