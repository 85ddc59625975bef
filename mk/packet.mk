# SPDX-License-Identifier: MIT
# packet.mk - packet programs on real traffic (src/probe/packet*.c):
# capture files are read with libpcap (libpcap-dev); without it
# "userbpf run --pcap" fails with a message naming the package.
PCAP_HEADER ?= /usr/include/pcap/pcap.h
ifneq ($(wildcard $(PCAP_HEADER)),)
CPPFLAGS += -DUSERBPF_HAVE_PCAP
LDLIBS   += -lpcap
endif

# BPF fixtures of the packet tests (tests/packet/*.bpf.c) in $(BUILD)/packet/.
PACKET_BPF_SRCS := $(sort $(wildcard tests/packet/*.bpf.c))
ifneq ($(shell command -v $(BPF_CLANG) 2>/dev/null),)
PACKET_FIXTURES := $(PACKET_BPF_SRCS:tests/packet/%.bpf.c=$(BUILD)/packet/%.bpf.o)
endif
all: $(PACKET_FIXTURES)
$(TEST_BIN): | $(PACKET_FIXTURES)

$(BUILD)/packet/%.bpf.o: tests/packet/%.bpf.c
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -I$(BPF_ARCH_INC) -Wall -Werror -c $< -o $@

# The loopback traffic the live and tcpdump tests make (a program of its own).
PACKET_TRAFFIC := $(BUILD)/packet/traffic_gen
$(PACKET_TRAFFIC): tests/packet/traffic/traffic_gen.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -o $@ $<
all: $(PACKET_TRAFFIC)
$(TEST_BIN): | $(PACKET_TRAFFIC)
