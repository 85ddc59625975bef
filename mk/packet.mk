# SPDX-License-Identifier: MIT
# packet.mk - packet programs on real traffic (src/probe/packet*.c):
# capture files are read with libpcap (libpcap-dev); without it
# "userbpf run --pcap" fails with a message naming the package.
PCAP_HEADER ?= /usr/include/pcap/pcap.h
ifneq ($(wildcard $(PCAP_HEADER)),)
CPPFLAGS += -DUSERBPF_HAVE_PCAP
LDLIBS   += -lpcap
endif
