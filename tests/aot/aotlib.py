"""aotlib.py - what the suite 'aot' scripts share: failing a test, FNV-1a
64, an independent reader/writer of the .prof format as documented in
docs/profile-format.md (so the C code and the document are checked against
each other), and the command-line options that locate the tools and the
guest."""
import struct
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def fnv1a64(data, h=0xCBF29CE484222325):
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def checksum64(data):
    """runtime/util/checksum.c's checksum64 (a bundle's code and index
    checksums, a snapshot's trailer): FNV-1a steps over 64-bit words in 4
    lanes."""
    m, prime, init = 0xFFFFFFFFFFFFFFFF, 0x100000001B3, 0xCBF29CE484222325
    lane = [init, init ^ 1, init ^ 2, init ^ 3]
    n, i = len(data), 0
    while n - i >= 32:
        for k in range(4):
            w = int.from_bytes(data[i + 8 * k:i + 8 * k + 8], "little")
            lane[k] = ((lane[k] ^ w) * prime) & m
        i += 32
    h = fnv1a64(data[i:])
    for k in range(4):
        h = ((h ^ lane[k]) * prime) & m
    return ((h ^ n) * prime) & m


# Fixed header per format version: 76 bytes (v1), 84 (v2 adds snapshot_insns;
# v3 the same).
FIXED = {1: struct.Struct("<8sIIQQQQQQQI"), 2: struct.Struct("<8sIIQQQQQQQIQ")}
FIXED[3] = FIXED[2]
FIELDS = ["magic", "version", "flags", "kernel_hash", "bios_hash", "drive_hash", "mem_size",
          "insns", "tb_execs", "min_count", "nentries", "snapshot_insns"]
# Entry before its code: 44 bytes (v1, v2), 52 (v3 adds count_after after count).
ENTRY = {1: struct.Struct("<QQQIIQI"), 2: struct.Struct("<QQQIIQI"), 3: struct.Struct("<QQQIIQQI")}
STRINGS = {1: ["kiln_version", "kernel_name", "bios", "append", "drive", "stop"]}
STRINGS[2] = STRINGS[1] + ["snapshot_at", "input"]
STRINGS[3] = STRINGS[2]


def read_prof(data):
    """Parse a profile per docs/profile-format.md (asserting validity)."""
    assert fnv1a64(data[:-8]) == struct.unpack("<Q", data[-8:])[0], "checksum"
    version = struct.unpack_from("<I", data, 8)[0]
    assert data[:8] == b"KILNPROF" and version in FIXED
    hdr = dict(zip(FIELDS, FIXED[version].unpack_from(data, 0)))
    hdr.setdefault("snapshot_insns", 0)
    if version >= 2:
        assert hdr["snapshot_insns"] <= hdr["insns"]
    off = FIXED[version].size
    for name in STRINGS[version]:
        (n,) = struct.unpack_from("<I", data, off)
        hdr[name] = data[off + 4:off + 4 + n].decode()
        off += 4 + n
    entries = []
    ent = ENTRY[version]
    for _ in range(hdr["nentries"]):
        f = ent.unpack_from(data, off)
        vpc, ppc, h, flags, ninsns, count, n = f[:6] + f[-1:]
        after = f[6] if version >= 3 else 0
        code = data[off + ent.size:off + ent.size + n]
        assert len(code) == n and fnv1a64(code) == h
        assert after <= count and (after == 0 or hdr.get("snapshot_at"))
        entries.append(dict(vpc=vpc, ppc=ppc, hash=h, flags=flags, ninsns=ninsns,
                            count=count, count_after=after, code=code))
        off += ent.size + n
    assert off == len(data) - 8, "trailing data"
    keys = [(e["vpc"], e["ppc"], e["flags"], e["hash"], len(e["code"]), e["code"])
            for e in entries]
    assert keys == sorted(keys) and len(set(keys)) == len(keys), "order"
    return hdr, entries


def write_prof(hdr, entries):
    version = hdr.get("version", 1)
    fields = [b"KILNPROF", version, hdr["flags"], hdr["kernel_hash"], hdr["bios_hash"],
              hdr["drive_hash"], hdr["mem_size"], hdr["insns"], hdr["tb_execs"],
              hdr["min_count"], len(entries)]
    if version >= 2:
        fields.append(hdr.get("snapshot_insns", 0))
    out = bytearray(FIXED[version].pack(*fields))
    for name in STRINGS[version]:
        s = hdr.get(name, "").encode()
        out += struct.pack("<I", len(s)) + s
    for e in entries:
        f = [e["vpc"], e["ppc"], fnv1a64(e["code"]), e["flags"], e["ninsns"], e["count"]]
        if version >= 3:
            f.append(e.get("count_after", 0))
        out += ENTRY[version].pack(*f, len(e["code"])) + e["code"]
    out += struct.pack("<Q", fnv1a64(out))
    return bytes(out)


def add_tool_args(ap):
    """The options every aot test script takes (tests/aot/meson.build)."""
    ap.add_argument("--aot-tool", required=True)
    ap.add_argument("--kiln", required=True)
    ap.add_argument("--node", default="node")
    ap.add_argument("--kiln-node", required=True)
    ap.add_argument("--wasm-build", required=True)
    ap.add_argument("--guest-dir", required=True)
    ap.add_argument("--fallback-dir", required=True)
    ap.add_argument("--work-dir", required=True)
