#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make_seeds.py - writes the seed inputs of the fuzz targets fuzz_pcap,
fuzz_kconfig and fuzz_bpfcmd into tests/corpus/<target>/ (run from the
top of the tree).  The layouts are those of fuzz/targets.h.  Crashers the
fuzzers found are kept there too, under crash-* names, and are not
touched by this script."""
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "tests", "corpus")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ==== capture files ====

ETH_IP = (b"\x00" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" +
          bytes.fromhex("4500001c000100004011f7ccc0a80001c0a80002") +
          bytes.fromhex("04d2162e00080000"))
IP_ONLY = ETH_IP[14:]
IP6_ONLY = bytes.fromhex("6000000000083a40") + b"\x00" * 15 + b"\x01" + b"\x00" * 15 + \
    b"\x01" + bytes.fromhex("8000000000000000")


def pcap(linktype, frames, nano=False, snaplen=65535, trunc=0):
    magic = 0xa1b23c4d if nano else 0xa1b2c3d4
    out = struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)
    for i, (frame, wire) in enumerate(frames):
        out += struct.pack("<IIII", 1700000000 + i, 123 * i, len(frame), wire) + frame
    return out[:len(out) - trunc] if trunc else out


def pcapng(linktype, frames):
    def block(btype, body):
        pad = (-len(body)) % 4
        n = 12 + len(body) + pad
        return struct.pack("<II", btype, n) + body + b"\x00" * pad + struct.pack("<I", n)

    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", linktype, 0, 65535))
    for i, frame in enumerate(frames):
        out += block(6, struct.pack("<IIIII", 0, 0, 1000 + i, len(frame), len(frame)) + frame)
    return out


def sll(frame_ip, pkt_type=0, proto=0x0800):
    return struct.pack(">HHH8sH", pkt_type, 1, 6, b"\x02" * 6 + b"\x00\x00", proto) + frame_ip


def sll2(frame_ip, pkt_type=4, proto=0x0800):
    return struct.pack(">HHIHBB8s", proto, 0, 1, 1, pkt_type, 6, b"\x02" * 6 + b"\x00\x00") + frame_ip


def pcap_seeds():
    put("pcap", "eth_two", pcap(1, [(ETH_IP, len(ETH_IP)), (ETH_IP[:20], 60)]))
    put("pcap", "eth_nano", pcap(1, [(ETH_IP, len(ETH_IP))], nano=True))
    put("pcap", "eth_short_frame", pcap(1, [(ETH_IP[:10], 10), (ETH_IP, len(ETH_IP))]))
    put("pcap", "eth_truncated_record", pcap(1, [(ETH_IP, len(ETH_IP))] * 2, trunc=5))
    put("pcap", "raw_ip4_ip6", pcap(101, [(IP_ONLY, len(IP_ONLY)), (IP6_ONLY, len(IP6_ONLY))]))
    put("pcap", "ipv4_linktype", pcap(228, [(IP_ONLY, len(IP_ONLY)), (b"", 0)]))
    put("pcap", "sll", pcap(113, [(sll(IP_ONLY), 16 + len(IP_ONLY)), (b"\x00" * 8, 8)]))
    put("pcap", "sll2", pcap(276, [(sll2(IP_ONLY), 20 + len(IP_ONLY)), (b"\x00" * 8, 8)]))
    put("pcap", "unsupported_linktype", pcap(105, [(ETH_IP, len(ETH_IP))]))
    put("pcap", "pcapng_eth", pcapng(1, [ETH_IP, ETH_IP[:30]]))
    put("pcap", "pcapng_raw", pcapng(101, [IP_ONLY]))
    put("pcap", "header_only", pcap(1, []))


# ==== Kconfig text + an object with __kconfig externs ====

def kconfig_seeds():
    obj_path = os.path.join(CORPUS, "elf", "seed-vmlinux_kconfig.bpf.o")
    with open(obj_path, "rb") as f:
        obj = f.read()
    texts = {
        "all_values": b"CONFIG_BPF_SYSCALL=y\nCONFIG_HZ=250\nCONFIG_DEFAULT_HOSTNAME=\"fuzzbox\"\n"
                      b"CONFIG_USERBPF_NO_SUCH_OPTION=m\n",
        "comments_spaces": b"# CONFIG_BPF_SYSCALL is not set\nCONFIG_BPF_SYSCALL=n   \n"
                           b"CONFIG_HZ=0x3e8\t\nCONFIG_DEFAULT_HOSTNAME=\"a-much-longer-hostname\"\n",
        "bad_bool": b"CONFIG_BPF_SYSCALL=m\nCONFIG_HZ=100\nCONFIG_DEFAULT_HOSTNAME=\"x\"\n",
        "bad_int": b"CONFIG_BPF_SYSCALL=y\nCONFIG_HZ=100z\nCONFIG_DEFAULT_HOSTNAME=\"x\"\n",
        "bad_string": b"CONFIG_BPF_SYSCALL=y\nCONFIG_HZ=100\nCONFIG_DEFAULT_HOSTNAME=x\n",
        "missing": b"CONFIG_HZ=100\n",
        "empty_values": b"CONFIG_BPF_SYSCALL=\nCONFIG_HZ=\nCONFIG_DEFAULT_HOSTNAME=\"\nCONFIG_=\n=\n",
        "long_line": b"CONFIG_HZ=" + b"9" * 600 + b"\nCONFIG_BPF_SYSCALL=y\nCONFIG_HZ=-1\n"
                     b"CONFIG_DEFAULT_HOSTNAME=\"\"\"\n",
        "no_newline": b"CONFIG_BPF_SYSCALL=y\nCONFIG_HZ=18446744073709551616\n"
                      b"CONFIG_DEFAULT_HOSTNAME=\"h\"",
    }
    for name, text in texts.items():
        put("kconfig", name, struct.pack("<H", len(text)) + text + obj)


# ==== bpf() command sequences ====

ATTR = 144  # sizeof(union bpf_attr) of the kernel headers of Linux 6.18


def rec(cmd, attr, patch=None, size=ATTR, at_end=False):
    """One record: cmd, size selector, count (bit 7: attr at the region's
    end), attr bytes, then a patch (offset, bytes) of the owned region."""
    attr = attr.rstrip(b"\x00")
    assert len(attr) <= 127
    sel = size if size < 0xf0 else size & 0xff
    out = bytes([cmd, sel, len(attr) | (0x80 if at_end else 0)]) + attr
    off, data = patch if patch else (512, b"")
    return out + bytes([len(data)]) + struct.pack("<H", off) + data


def u32(*v):
    return struct.pack("<%dI" % len(v), *v)


def u64(*v):
    return struct.pack("<%dQ" % len(v), *v)


KEY, VAL, VAL2, INSNS, LIC, LOG, DATA, OUT, INFO, BTF = (0x1000, 0x1100, 0x1200, 0x2000, 0x2f00,
                                                         0x3000, 0x5000, 0x5400, 0x6000, 0x7000)


def map_create(mtype, ksize, vsize, maxe, flags=0, inner=0, name=b"", extra=0):
    a = u32(mtype, ksize, vsize, maxe, flags, inner, 0) + name.ljust(16, b"\x00")
    a += u32(0, 0, 0, 0, 0) + u64(extra)
    return rec(0, a)


def elem(cmd, fd, key=KEY, value=VAL, flags=0, patch=None):
    return rec(cmd, u32(fd, 0) + u64(key, value, flags), patch)


def prog_load(ptype, insns, license_=b"GPL\x00", log_level=0, log_size=0, fd_patch=None):
    out = rec(0, b"", (LIC, license_), size=0)  # a MAP_CREATE of size 0 fails: just patches
    out += rec(0, b"", (INSNS, insns), size=0)
    a = u32(ptype, len(insns) // 8) + u64(INSNS, LIC) + u32(log_level, log_size) + u64(
        LOG if log_size else 0)
    return out + rec(5, a, fd_patch)


def insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack("<BBhi", code, dst | src << 4, off, imm)


RET0 = insn(0xb7, 0, 0, 0, 0) + insn(0x95)
# r1 = map (lddw src 1 imm fd 3); r2 = fp - 4; *(u32 *)r2 = 0; lookup; r0 = 0; exit
LOOKUP_PROG = (insn(0x62, 10, 0, -4, 0) + insn(0xbf, 2, 10) + insn(0x07, 2, 0, 0, -4) +
               insn(0x18, 1, 1, 0, 3) + insn(0, 0, 0, 0, 0) + insn(0x85, 0, 0, 0, 1) +
               insn(0xb7, 0, 0, 0, 0) + insn(0x95))


def test_run(fd, data_len=14, ctx=0):
    a = u32(fd, 0, data_len, 64) + u64(DATA, OUT) + u32(1, 0, ctx, 0) + u64(0, 0) + u32(0, 0, 0)
    return rec(10, a)


def info(fd, length=80):
    return rec(15, u32(fd, length) + u64(INFO))


def btf_blob():
    # struct s { int a; } ; int
    strs = b"\x00int\x00s\x00a\x00"
    types = struct.pack("<III", 1, 0x01000000, 4) + struct.pack("<I", 0x20) + \
        struct.pack("<III", 5, 0x04000001, 4) + struct.pack("<III", 7, 1, 0)
    hdr = struct.pack("<HBBIIIII", 0xeb9f, 1, 0, 24, 0, len(types), len(types), len(strs))
    return hdr + types + strs


def bpfcmd_seeds():
    seq = map_create(2, 4, 8, 4, name=b"arr")  # fd 3
    seq += elem(2, 3, patch=(KEY, u32(1)))
    seq += elem(2, 3, value=VAL2, patch=(VAL2, b"ABCDEFGH"))
    seq += elem(1, 3, value=OUT)
    seq += elem(4, 3, value=OUT)
    seq += info(3)
    seq += rec(22, u32(3))  # freeze
    seq += elem(2, 3)  # EPERM after freeze
    put("bpfcmd", "array_update_lookup_freeze", seq)

    seq = map_create(1, 4, 8, 16, name=b"hash")
    seq += elem(2, 3, patch=(KEY, u32(7)))
    seq += elem(2, 3, flags=1)  # NOEXIST: EEXIST
    seq += elem(21, 3, value=OUT)  # lookup and delete (ENOTSUPP for hash here? kernel: supported)
    seq += elem(3, 3, value=0)
    seq += rec(24, u64(0, INFO, KEY, VAL) + u32(4, 3) + u64(0, 0))  # lookup batch
    seq += rec(26, u64(0, 0, KEY, VAL) + u32(1, 3) + u64(0, 0))  # update batch
    seq += rec(27, u64(0, 0, KEY, 0) + u32(1, 3) + u64(0, 0))  # delete batch
    put("bpfcmd", "hash_batches", seq)

    seq = map_create(2, 4, 8, 1)  # fd 3, used by the program
    seq += prog_load(1, LOOKUP_PROG, log_level=1, log_size=256)  # fd 4
    seq += test_run(4)
    seq += info(4, 200)
    seq += rec(13, u32(1))  # prog get fd by id
    seq += rec(14, u32(1))  # map get fd by id
    put("bpfcmd", "prog_load_test_run", seq)

    seq = prog_load(6, RET0)  # XDP, fd 3
    seq += map_create(3, 4, 4, 4)  # prog array, fd 4
    seq += rec(0, b"", (VAL, u32(3)), size=0) + elem(2, 4, patch=(KEY, u32(0)))
    seq += elem(1, 4, value=OUT)
    seq += map_create(2, 4, 4, 2)  # inner, fd 5
    seq += map_create(12, 4, 4, 2, inner=5)  # array of maps, fd 6
    seq += elem(2, 6, patch=(VAL, u32(5)))
    put("bpfcmd", "prog_array_map_in_map", seq)

    blob = btf_blob()
    seq = rec(0, b"", (BTF, blob), size=0)
    seq += rec(18, u64(BTF, LOG) + u32(len(blob), 128, 1))
    seq += rec(18, u64(0x30000 | 0x10, 0) + u32(len(blob), 0, 0))  # blob in the guard page
    put("bpfcmd", "btf_load", seq)

    seq = rec(0, u32(2, 4, 8, 4), size=0xf9)  # size 0xffffffff: E2BIG
    seq += rec(0, u32(2, 4, 8, 4), size=0xf5)  # 4096 bytes, zero tail
    seq += rec(0, u32(2, 4, 8, 4), size=0xf6, at_end=True)  # tail in the guard page: EFAULT
    seq += rec(0, u32(2, 4, 8, 4) + b"\x00" * 80 + b"\x01", size=ATTR)  # non-zero tail: EINVAL
    seq += rec(1, u32(3, 0) + u64(0x30000, 0x30000))  # pointers in the guard page
    seq += rec(39, u32(1))
    seq += rec(6, u32(1))  # OBJ_PIN: not supported
    put("bpfcmd", "hostile_sizes", seq)

    seq = map_create(27, 0, 0, 4096)  # ring buffer
    seq += map_create(22, 0, 8, 4)  # queue
    seq += elem(2, 4, key=0, patch=(VAL, b"12345678"))
    seq += elem(21, 4, key=0, value=OUT)
    seq += map_create(11, 8, 4, 4, flags=1)  # LPM trie, NO_PREALLOC
    seq += elem(2, 5, patch=(KEY, u32(24) + bytes([10, 0, 0, 0])))
    seq += map_create(30, 0, 4, 64, extra=3)  # bloom filter
    seq += elem(2, 6, key=0)
    seq += elem(1, 6, key=0)
    put("bpfcmd", "other_map_types", seq)


# ==== the agent's messages to "userbpf trace" ====

def msg(mtype, payload, pid=100, src=1):
    return struct.pack("<IIII", mtype, len(payload), pid, src) + payload


def map_msgs(name, mtype, ksize, vsize, entries, pid=100, src=1):
    out = msg(5, struct.pack("<IIII", mtype, ksize, vsize, len(entries)) + name + b"\x00", pid, src)
    for k, v in entries:
        out += msg(6, k + v, pid, src)
    return out


def trace_seeds():
    hist = [(struct.pack("<I", i), struct.pack("<Q", 3 * i + 1)) for i in range(6)]
    base = (msg(2, struct.pack("<I", 2)) + msg(3, b"hello from bpf_printk") +
            msg(4, b"events\x00" + bytes(range(40))) + msg(9, b"a warning") +
            map_msgs(b"hist", 1, 4, 8, hist) + map_msgs(b"counts", 2, 4, 4, [(b"\0" * 4, b"\x07\0\0\0")]) +
            msg(8, struct.pack("<Q", 0x401000) + b"main+0x10 (app)") +
            map_msgs(b"stacks", 7, 4, 16, [(b"\1\0\0\0", struct.pack("<QQ", 0x401000, 0))]) +
            map_msgs(b"obj.bss", 2, 4, 12, [(b"\0" * 4, b"globals-here")]) +
            msg(7, b""))
    put("trace", "text_all_messages", b"\x00" + base)
    put("trace", "json_all_messages", b"\x01" + base)
    # two sources whose snapshots of one map merge (--follow)
    two = (map_msgs(b"hist", 1, 4, 8, hist[:3], pid=1) + map_msgs(b"hist", 1, 4, 8, hist, pid=2) +
           map_msgs(b"hist", 1, 4, 8, hist[:2], pid=1))
    put("trace", "two_sources_merge", b"\x00" + two)
    # a newer snapshot of a map with other sizes; an entry of the wrong size
    resized = (map_msgs(b"m", 1, 1, 1, [(b"a", b"b")] * 20) + map_msgs(b"m", 1, 8, 8, [(b"k" * 8, b"v" * 8)] * 10) +
               msg(6, b"short"))
    put("trace", "snapshot_resized", b"\x00" + resized)
    put("trace", "error_then_eof", b"\x00" + msg(1, b"cannot attach") + b"\x01\x00")
    put("trace", "ringbuf_no_nul", b"\x01" + msg(4, b"no-terminator"))


def main():
    trace_seeds()
    pcap_seeds()
    kconfig_seeds()
    bpfcmd_seeds()
    return 0


if __name__ == "__main__":
    sys.exit(main())
