#!/usr/bin/env python3
"""gen.py - random but valid RV64GC programs for differential testing.

For a seed, gen_program() builds a bare-metal M-mode ELF for the QEMU virt
memory map: a prologue (trap vector, FPU on, registers from a seed-derived
table), N random instruction groups from every class of RV64GC + Zicsr, and an
epilogue that prints x1..x31, f0..f31, fcsr, mscratch, sscratch, checksums of
the data area and the trap log over the UART in hex, then exits through
sifive_test. Two conforming implementations must print the same bytes.

Only architecturally defined behaviour is generated. Deliberately avoided:
  - time/cycle/instret and other implementation-specific CSRs (misa, mstatus);
  - SC without a preceding LR to the same address with nothing but ALU ops in
    between (reservation-set size and loss are implementation-defined);
  - misaligned or faulting AMO/LR/SC (QEMU 7.2 reports cause 4 for a misaligned
    AMO, the spec says 6; see tests/isa/strict.c), so AMOs stay aligned in RAM;
  - frm values 5..7 (dynamic-rm instructions would then be illegal, and QEMU
    and the spec let mtval of an illegal instruction be 0 or the encoding);
  - ebreak (mtval may be 0 or the PC), illegal instructions, HINT encodings;
  - stores outside the data area (no self-modifying code here);
  - misaligned accesses that cross into a faulting region (which part faults
    first is implementation-defined); misaligned RAM accesses themselves are
    performed by both QEMU and kiln, so they are generated.
Usage: gen.py SEED [-o prog.elf] [-n N] [--listing]   |   gen.py --self-check SEEDS
"""
import argparse
import os
import random
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rvasm as A  # noqa: E402

CODE = 0x80000000
DATA = 0x80100000  # random data, loads/stores/AMOs; page boundary at +0x1000
DATA_SIZE = 0x2000
INIT = 0x80104000  # x[32], f[32], mscratch, sscratch, constants
SAVE = 0x80105000  # trap handler: t1, t2 save; trap count at +16
LOOP_SLOTS = 0x80105800  # loop counters, 64 slots
DUMP = 0x80106000  # epilogue register dump, then trap log entries
NAMES = 0x80108000  # 16-byte NUL-padded line labels
PT = 0x80110000  # Sv39: root, level 1, level 0 (4 KiB pages of 0x80000000-0x801fffff)
IMAGE_END = 0x80113000
RO_PAGE = 0x80102000  # with paging: readable, not writable
NO_PAGE = 0x80103000  # with paging: not mapped (V = 0)
MAX_LOG = 48  # trap log entries kept (the count keeps counting)
TRAP_LIMIT = 4000  # a runaway trap storm exits with code 2
N_CHUNKS = DATA_SIZE // 256

CSR_FFLAGS, CSR_FRM, CSR_FCSR = 0x001, 0x002, 0x003
CSR_SSCRATCH, CSR_STVAL = 0x140, 0x143
CSR_MSTATUS, CSR_MTVEC, CSR_MSCRATCH, CSR_MEPC, CSR_MCAUSE, CSR_MTVAL = (
    0x300, 0x305, 0x340, 0x341, 0x342, 0x343)
CSR_SATP = 0x180

T0, T1, T2, T3, T4, T5 = 5, 6, 7, 28, 29, 30
A0, A1, A2, A3 = 10, 11, 12, 13


def dump_names():
    names = [f"x{i}" for i in range(1, 32)] + [f"f{i}" for i in range(32)]
    names += ["fcsr", "mscratch", "sscratch"]
    names += [f"ck{i:02d}" for i in range(N_CHUNKS)]
    names += ["traps"]
    base = len(names)
    for i in range(MAX_LOG):
        names += [f"t{i:02d}cause", f"t{i:02d}epc", f"t{i:02d}tval"]
    return names, base


NAME_LIST, LOG_BASE = dump_names()
SLOT = {n: i for i, n in enumerate(NAME_LIST)}


class Fix:
    """A control-transfer group whose encoding depends on the layout."""

    def __init__(self, size, build, target):
        self.size = size  # total bytes
        self.build = build  # build(pc, target_addr) -> [Insn]
        self.target = target  # group index or 'end'


class Asm:
    """Sequential fixed-code assembler with labels (for prologue/handler/epilogue)."""

    def __init__(self, base):
        self.base = base
        self.items = []  # (kind, payload)
        self.labels = {}

    def pc(self):
        return self.base + sum(self._size(i) for i in self.items)

    @staticmethod
    def _size(it):
        return it[1].size if it[0] == "i" else it[1][0]

    def emit(self, *insns):
        for x in insns:
            if isinstance(x, list):
                self.emit(*x)
            else:
                self.items.append(("i", x))

    def label(self, name):
        self.labels[name] = self.pc()

    def ref(self, size, fn):
        """fn(pc, labels) -> [Insn] of total `size` bytes, resolved at link."""
        self.items.append(("f", (size, fn)))

    def link(self):
        out, pc = [], self.base
        for kind, p in self.items:
            insns = [p] if kind == "i" else p[1](pc, self.labels)
            for x in insns:
                out.append((pc, x))
                pc += x.size
        return out


def pcrel(rd, label):
    """rd = address of label (auipc + addi)."""
    def fn(pc, labels):
        hi, lo = A.hi_lo((labels[label] if isinstance(label, str) else label) - pc)
        return [A.auipc(rd, hi), A.iop("addi", rd, rd, lo)]
    return fn


def bra(name, rs1, rs2, label):
    return lambda pc, L: [A.branch(name, rs1, rs2, L[label] - pc)]


def jmp(label):
    return lambda pc, L: [A.jal(0, L[label] - pc)]


# --- fixed code ---------------------------------------------------------------------------
def build_handler(a):
    """Trap handler: log mcause/mepc/mtval, skip the instruction (2 or 4 bytes), mret.
    stval is the scratch register (random code never touches it)."""
    a.label("handler")
    a.emit(A.csr("csrrw", 0, CSR_STVAL, T0))
    a.ref(8, pcrel(T0, SAVE))
    a.emit(A.store("sd", T1, T0, 0), A.store("sd", T2, T0, 8), A.csr("csrrs", T1, CSR_MEPC, 0))
    a.ref(8, pcrel(T2, "end"))
    a.ref(4, bra("bne", T1, T2, "count"))
    # the ecall at "end" leaves the body: restore t0..t2, run the epilogue in M-mode
    a.emit(A.load("ld", T1, T0, 0), A.load("ld", T2, T0, 8), A.csr("csrrs", T0, CSR_STVAL, 0))
    a.ref(4, jmp("epilogue"))
    a.label("count")
    a.emit(A.load("ld", T1, T0, 16), A.iop("addi", T2, T1, 1), A.store("sd", T2, T0, 16))
    a.emit(A.li32(T2, TRAP_LIMIT))
    a.ref(4, bra("bgeu", T1, T2, "storm"))
    a.emit(A.li32(T2, MAX_LOG))
    a.ref(4, bra("bgeu", T1, T2, "nolog"))
    a.emit(A.shift("slli", T2, T1, 4), A.shift("slli", T1, T1, 3), A.rop("add", T1, T1, T2))
    a.ref(8, pcrel(T2, DUMP + 8 * LOG_BASE))
    a.emit(A.rop("add", T1, T1, T2),
           A.csr("csrrs", T2, CSR_MCAUSE, 0), A.store("sd", T2, T1, 0),
           A.csr("csrrs", T2, CSR_MEPC, 0), A.store("sd", T2, T1, 8),
           A.csr("csrrs", T2, CSR_MTVAL, 0), A.store("sd", T2, T1, 16))
    a.label("nolog")
    a.emit(A.csr("csrrs", T1, CSR_MEPC, 0), A.load("lhu", T2, T1, 0),
           A.iop("andi", T2, T2, 3), A.iop("addi", T2, T2, -3), A.iop("addi", T1, T1, 2))
    a.ref(4, bra("bne", T2, 0, "skip2"))
    a.emit(A.iop("addi", T1, T1, 2))
    a.label("skip2")
    a.emit(A.csr("csrrw", 0, CSR_MEPC, T1), A.load("ld", T1, T0, 0), A.load("ld", T2, T0, 8),
           A.csr("csrrs", T0, CSR_STVAL, 0), A.mret())
    a.label("storm")
    a.emit(A.lui(T0, 0x100), A.li32(T1, 0x3333 | (2 << 16)), A.store("sw", T1, T0, 0))
    a.label("hang")
    a.ref(4, jmp("hang"))


def build_prologue(a, rng, mode):
    """Ends with mret into the body in `mode` (3 = M, 1 = S, 0 = U); S and U
    run with Sv39 translation through the page tables at PT."""
    a.label("prologue")
    a.ref(8, pcrel(T0, "handler"))
    a.emit(A.csr("csrrw", 0, CSR_MTVEC, T0), A.lui(T0, 2),  # mstatus.FS = Initial
           A.csr("csrrs", 0, CSR_MSTATUS, T0),
           A.csr("csrrwi", 0, CSR_FCSR, 0), A.csr("csrrwi", 0, CSR_FRM, rng.randrange(5)))
    a.emit(A.lui(T0, 2), A.iop("addi", T0, T0, -0x800),  # mstatus.MPP = mode
           A.csr("csrrc", 0, CSR_MSTATUS, T0), A.li32(T0, mode << 11),
           A.csr("csrrs", 0, CSR_MSTATUS, T0))
    a.ref(8, pcrel(T0, "body"))
    a.emit(A.csr("csrrw", 0, CSR_MEPC, T0))
    # QEMU refuses mret to S/U while no PMP entry is set: one NAPOT entry, all RWX
    a.emit(A.iop("addi", T0, 0, -1), A.csr("csrrw", 0, 0x3b0, T0),  # pmpaddr0
           A.iop("addi", T0, 0, 0x1f), A.csr("csrrw", 0, 0x3a0, T0))  # pmpcfg0
    if mode != 3:
        a.emit(A.iop("addi", T0, 0, 8), A.shift("slli", T0, T0, 60), A.li32(T1, PT >> 12),
               A.rop("or", T0, T0, T1), A.csr("csrrw", 0, CSR_SATP, T0), A.sfence_vma())
    a.ref(8, pcrel(31, INIT))
    a.emit(A.load("ld", T0, 31, 8 * 64), A.csr("csrrw", 0, CSR_MSCRATCH, T0),
           A.load("ld", T0, 31, 8 * 65), A.csr("csrrw", 0, CSR_SSCRATCH, T0))
    for i in range(32):
        a.emit(A.fload(8, i, 31, 8 * (32 + i)))
    for i in range(1, 32):
        a.emit(A.load("ld", i, 31, 8 * i))
    a.emit(A.mret())


def build_epilogue(a):
    a.label("end")
    a.emit(A.ecall())  # the handler sends this one to "epilogue"
    a.label("epilogue")
    a.emit(A.csr("csrrw", 0, CSR_STVAL, 31))
    a.ref(8, pcrel(31, DUMP))
    for i in range(1, 31):
        a.emit(A.store("sd", i, 31, 8 * SLOT[f"x{i}"]))
    a.emit(A.csr("csrrs", 30, CSR_STVAL, 0), A.store("sd", 30, 31, 8 * SLOT["x31"]))
    for i in range(32):
        a.emit(A.fstore(8, i, 31, 8 * SLOT[f"f{i}"]))
    for name, no in (("fcsr", CSR_FCSR), ("mscratch", CSR_MSCRATCH), ("sscratch", CSR_SSCRATCH)):
        a.emit(A.csr("csrrs", T0, no, 0), A.store("sd", T0, 31, 8 * SLOT[name]))
    # checksums: h = (h ^ dword) * FNV prime over each 256-byte chunk
    a.ref(8, pcrel(A0, DATA))
    a.emit(A.iop("addi", A1, 31, 8 * SLOT["ck00"]), A.li32(A2, N_CHUNKS))
    a.ref(8, pcrel(A3, INIT + 8 * 66))
    a.emit(A.load("ld", A3, A3, 0))
    a.label("chunk")
    a.emit(A.iop("addi", T0, 0, 0), A.iop("addi", T1, 0, 32))
    a.label("dword")
    a.emit(A.load("ld", T2, A0, 0), A.rop("xor", T0, T0, T2), A.rop("mul", T0, T0, A3),
           A.iop("addi", A0, A0, 8), A.iop("addi", T1, T1, -1))
    a.ref(4, bra("bne", T1, 0, "dword"))
    a.emit(A.store("sd", T0, A1, 0), A.iop("addi", A1, A1, 8), A.iop("addi", A2, A2, -1))
    a.ref(4, bra("bne", A2, 0, "chunk"))
    # trap count, and the number of lines to print
    a.ref(8, pcrel(T0, SAVE))
    a.emit(A.load("ld", T1, T0, 16), A.store("sd", T1, 31, 8 * SLOT["traps"]),
           A.li32(T2, MAX_LOG))
    a.ref(4, bra("bltu", T1, T2, "logn"))
    a.emit(A.iop("addi", T1, T2, 0))
    a.label("logn")
    a.emit(A.shift("slli", T2, T1, 1), A.rop("add", T1, T1, T2), A.iop("addi", A3, T1, LOG_BASE))
    # print "name value\n" per line
    a.emit(A.lui(A0, 0x10000))
    a.ref(8, pcrel(A1, NAMES))
    a.emit(A.iop("addi", A2, 31, 0))
    a.label("line")
    a.ref(4, bra("beq", A3, 0, "done"))
    a.emit(A.iop("addi", T0, A1, 0))
    a.label("lab")
    a.emit(A.load("lbu", T1, T0, 0))
    a.ref(4, bra("beq", T1, 0, "labdone"))
    a.emit(A.store("sb", T1, A0, 0), A.iop("addi", T0, T0, 1))
    a.ref(4, jmp("lab"))
    a.label("labdone")
    a.emit(A.iop("addi", T1, 0, ord(" ")), A.store("sb", T1, A0, 0),
           A.load("ld", T2, A2, 0), A.iop("addi", T3, 0, 16), A.iop("addi", T5, 0, 10))
    a.label("hex")
    a.emit(A.shift("srli", T4, T2, 60), A.shift("slli", T2, T2, 4))
    a.ref(4, bra("blt", T4, T5, "digit"))
    a.emit(A.iop("addi", T4, T4, ord("a") - 10 - ord("0")))
    a.label("digit")
    a.emit(A.iop("addi", T4, T4, ord("0")), A.store("sb", T4, A0, 0), A.iop("addi", T3, T3, -1))
    a.ref(4, bra("bne", T3, 0, "hex"))
    a.emit(A.iop("addi", T1, 0, ord("\n")), A.store("sb", T1, A0, 0),
           A.iop("addi", A1, A1, 16), A.iop("addi", A2, A2, 8), A.iop("addi", A3, A3, -1))
    a.ref(4, jmp("line"))
    a.label("done")
    a.emit(A.lui(T0, 0x100), A.li32(T1, 0x5555), A.store("sw", T1, T0, 0))
    a.label("spin")
    a.ref(4, jmp("spin"))


# --- random values --------------------------------------------------------------------------
INT_EDGES = [0, 1, 2, 0xffffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff,
             0x80000000, 0x7fffffff, 0xffffffff80000000, 0xffffffff, 0x100000000,
             0xfffffffffffffffe, 0x1f, 0x20, 0x3f, 0x40, 0xffffffff7fffffff]
F32_SPECIAL = [0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7fa00000,
               0xffc00001, 0x00000001, 0x807fffff, 0x00800000, 0x3f800000, 0xbf800000,
               0x4f000000, 0xcf000000, 0x5f000000, 0x4f800000, 0x7f7fffff, 0x3effffff,
               0x3f000000, 0x3fc00000, 0x40200000, 0xc0200000]
F64_SPECIAL = [0x0, 0x8000000000000000, 0x7ff0000000000000, 0xfff0000000000000,
               0x7ff8000000000000, 0x7ff4000000000000, 0xfff8000000000001,
               0x0000000000000001, 0x800fffffffffffff, 0x0010000000000000,
               0x3ff0000000000000, 0xbff0000000000000, 0x41e0000000000000,
               0xc1e0000000000000, 0x43e0000000000000, 0xc3e0000000000000,
               0x41f0000000000000, 0x7fefffffffffffff, 0x3fe0000000000000,
               0x3ff8000000000000, 0x4004000000000000, 0xc004000000000000,
               0x3fdfffffffffffff, 0x36a0000000000000]


def rand_int(rng):
    r = rng.random()
    if r < 0.3:
        return rng.choice(INT_EDGES)
    if r < 0.5:
        v = rng.randrange(-4096, 4096)
        return v & (2 ** 64 - 1)
    if r < 0.6:
        return (DATA + rng.randrange(DATA_SIZE)) & ~7
    return rng.getrandbits(64)


def rand_f32(rng):
    r = rng.random()
    if r < 0.4:
        return rng.choice(F32_SPECIAL) ^ (rng.getrandbits(1) << 31)
    if r < 0.55:
        return rng.getrandbits(23) | (rng.getrandbits(1) << 31)  # subnormal
    if r < 0.8:  # moderate exponent
        return (rng.getrandbits(1) << 31) | ((rng.randrange(100, 160)) << 23) | rng.getrandbits(23)
    return rng.getrandbits(32)


def rand_f64(rng):
    r = rng.random()
    if r < 0.4:
        return rng.choice(F64_SPECIAL) ^ (rng.getrandbits(1) << 63)
    if r < 0.55:
        return rng.getrandbits(52) | (rng.getrandbits(1) << 63)
    if r < 0.8:
        return (rng.getrandbits(1) << 63) | (rng.randrange(900, 1150) << 52) | rng.getrandbits(52)
    return rng.getrandbits(64)


def rand_freg_value(rng):
    r = rng.random()
    if r < 0.45:
        return 0xffffffff00000000 | rand_f32(rng)  # NaN-boxed single
    if r < 0.55:  # improperly boxed single: reads as the canonical NaN
        return (rng.choice([0, 0xfffffffe, 0x7fffffff, rng.getrandbits(32)]) << 32) | rand_f32(rng)
    return rand_f64(rng)


# --- the random body -----------------------------------------------------------------------
class Gen:
    def __init__(self, rng, priv):
        self.rng = rng
        self.priv = priv  # 3 = M, 1 = S, 0 = U
        self.groups = []  # list of [Insn] or Fix
        self.loops = []  # (init group index, tail group index)

    def r(self, lo=0):
        return self.rng.randrange(lo, 32)

    def rc(self):
        return self.rng.randrange(8, 16)

    def add(self, insns):
        self.groups.append(insns)

    # an address for a `width`-byte access: (address, faulting?)
    def addr(self, width, aligned_only=False):
        rng = self.rng
        p = rng.random()
        if aligned_only or p < 0.72 or width == 1 and p < 0.9:
            return DATA + rng.randrange(DATA_SIZE // width) * width, False
        if p < 0.86:
            return DATA + rng.randrange(DATA_SIZE - width), False
        if p < 0.95 and width > 1:
            return DATA + 0x1000 - rng.randrange(1, width), False
        if self.priv != 3 and rng.random() < 0.6:
            # read-only page (stores fault) or unmapped page: aligned, so the access
            # never straddles a faulting boundary
            page = RO_PAGE if rng.random() < 0.5 else NO_PAGE
            return page + rng.randrange(4096 // width) * width, True
        # low memory: QEMU virt has nothing below the 0x1000 boot ROM, so an access
        # fault in M-mode; with paging the VA is unmapped (page fault)
        return rng.randrange(0, 0x100 - 8) & ~(width - 1), True

    def set_base(self, rb, value):
        """Group prefix: rb = value (data-area addresses pc-relative, others via lui/addiw)."""
        if DATA - 0x10000 <= value < DATA + 0x10000:
            return Fix(8, lambda pc, _t: [A.auipc(rb, A.hi_lo(value - pc)[0]),
                                          A.iop("addi", rb, rb, A.hi_lo(value - pc)[1])], None)
        return A.li32(rb, value)

    def mem_group(self, prefix, rb, tail):
        """prefix sets rb; tail is the memory instruction list."""
        if isinstance(prefix, Fix):
            size = prefix.size + sum(x.size for x in tail)
            self.add(Fix(size, lambda pc, t, p=prefix: p.build(pc, t) + tail, None))
        else:
            self.add(prefix + tail)

    # --- classes ---
    def g_alu(self):
        rng = self.rng
        k = rng.random()
        if k < 0.45:
            self.add([A.rop(rng.choice(list(A.R_OPS)), self.r(), self.r(), self.r())])
        elif k < 0.7:
            imm = rng.choice([rng.randrange(-2048, 2048), rng.choice([0, -1, 1, 2047, -2048])])
            if rng.random() < 0.25:
                self.add([A.addiw(self.r(), self.r(), imm)])
            else:
                self.add([A.iop(rng.choice(list(A.I_OPS)), self.r(), self.r(), imm)])
        elif k < 0.88:
            name = rng.choice(list(A.SHIFT_OPS))
            self.add([A.shift(name, self.r(), self.r(), rng.randrange(64 if name[-1] == "i" else 32))])
        else:
            f = A.lui if rng.random() < 0.5 else A.auipc
            self.add([f(self.r(), rng.getrandbits(20))])

    def g_rvc_alu(self):
        rng = self.rng
        k = rng.randrange(12)
        rd = self.r(1)
        nz6 = rng.choice([i for i in range(-32, 32) if i])
        if k == 0:
            self.add([A.c_addi(rd, nz6)])
        elif k == 1:
            self.add([A.c_addiw(rd, rng.randrange(-32, 32))])
        elif k == 2:
            self.add([A.c_li(rd, rng.randrange(-32, 32))])
        elif k == 3:
            self.add([A.c_lui(rng.choice([r for r in range(1, 32) if r != 2]), nz6)])
        elif k == 4:
            self.add([A.c_slli(rd, rng.randrange(1, 64))])
        elif k == 5:
            self.add([A.c_shift_andi(rng.choice(["c.srli", "c.srai"]), self.rc(), rng.randrange(1, 64))])
        elif k == 6:
            self.add([A.c_shift_andi("c.andi", self.rc(), rng.randrange(-32, 32))])
        elif k == 7:
            self.add([A.c_arith(rng.choice(list(A.C_ARITH)), self.rc(), self.rc())])
        elif k == 8:
            self.add([A.c_mv(rd, self.r(1))])
        elif k == 9:
            self.add([A.c_add(rd, self.r(1))])
        elif k == 10:
            self.add([A.c_addi4spn(self.rc(), rng.randrange(1, 256) * 4)])
        else:
            self.add([A.c_addi16sp(rng.choice([i for i in range(-32, 32) if i]) * 16)])

    def g_mem(self):
        rng = self.rng
        store = rng.random() < 0.45
        fp = rng.random() < 0.2
        if fp:
            width = rng.choice([4, 8])
        else:
            name = rng.choice(list(A.STORES if store else A.LOADS))
            width = (A.STORES if store else A.LOADS)[name][1]
        addr, fault = self.addr(width)
        imm = rng.randrange(-2048, 2048) if rng.random() < 0.7 else rng.randrange(-16, 16)
        rb = self.r(1)
        if fp:
            ins = (A.fstore if store else A.fload)(width, self.r(), rb, imm)
        elif store:
            ins = A.store(name, self.r(), rb, imm)
        else:
            ins = A.load(name, self.r(), rb, imm)
        self.mem_group(self.set_base(rb, addr - imm), rb, [ins])

    def g_rvc_mem(self):
        rng = self.rng
        if rng.random() < 0.5:
            name = rng.choice(list(A.C_MEM))
            _f3, width, fp = A.C_MEM[name]
            off = rng.randrange((128 if width == 4 else 256) // width) * width
            addr, _fault = self.addr(width)
            rb, r = self.rc(), self.rc()
            ins = A.c_mem(name, r, rb, off)
        else:
            name = rng.choice(list(A.C_SP))
            _f3, width, fp, st = A.C_SP[name]
            off = rng.randrange((256 if width == 4 else 512) // width) * width
            addr, _fault = self.addr(width)
            rb = 2
            r = self.r(0 if (fp or st) else 1)
            ins = A.c_sp(name, r, off)
        self.mem_group(self.set_base(rb, addr - off), rb, [ins])

    def g_amo(self):
        rng = self.rng
        width = rng.choice([4, 8])
        addr, _ = self.addr(width, aligned_only=True)
        rb = self.r(1)
        aq, rl = rng.getrandbits(1), rng.getrandbits(1)
        if rng.random() < 0.3:
            # lr; 0-3 ALU ops not touching rb; sc to the same address
            rd = rng.choice([r for r in range(32) if r != rb])
            tail = [A.amo("lr", width, rd, rb, 0, aq, rl)]
            for _ in range(rng.randrange(4)):
                d = rng.choice([r for r in range(32) if r != rb])
                tail.append(A.rop(rng.choice(["add", "xor", "sub", "or", "sltu", "mul"]), d, self.r(), self.r()))
            tail.append(A.amo("sc", width, self.r(), rb, self.r(), rng.getrandbits(1), rng.getrandbits(1)))
        else:
            name = rng.choice([n for n in A.AMO_F5 if n not in ("lr", "sc")])
            tail = [A.amo(name, width, self.r(), rb, self.r(), aq, rl)]
        self.mem_group(self.set_base(rb, addr), rb, tail)

    def rm(self, dyn_ok=True):
        rms = [0, 1, 2, 3, 4] + ([7, 7] if dyn_ok else [])
        return self.rng.choice(rms)

    def g_fp(self):
        rng = self.rng
        fmt = rng.getrandbits(1)
        k = rng.random()
        if k < 0.3:
            name = rng.choice(["fadd", "fsub", "fmul", "fdiv", "fsqrt"])
            self.add([A.fop(name, fmt, self.r(), self.r(), self.r(), self.rm())])
        elif k < 0.45:
            self.add([A.fma(rng.choice(list(A.FMA_OPS)), fmt, self.r(), self.r(), self.r(), self.r(), self.rm())])
        elif k < 0.6:
            name = rng.choice(["fsgnj", "fsgnjn", "fsgnjx", "fmin", "fmax", "feq", "flt", "fle"])
            rs1 = self.r()
            rs2 = rs1 if rng.random() < 0.15 else self.r()
            self.add([A.fop(name, fmt, self.r(), rs1, rs2)])
        elif k < 0.8:
            name = rng.choice(["fcvt.w", "fcvt.wu", "fcvt.l", "fcvt.lu", "fcvt.from.w",
                               "fcvt.from.wu", "fcvt.from.l", "fcvt.from.lu"])
            self.add([A.fop(name, fmt, self.r(), self.r(), 0, self.rm())])
        elif k < 0.87:
            self.add([A.fcvt_sd(fmt, self.r(), self.r(), self.rm())])
        else:
            name = rng.choice(["fmv.x", "fclass", "fmv.from.x"])
            self.add([A.fop(name, fmt, self.r(), self.r())])

    def g_csr(self):
        rng = self.rng
        rd = self.r()
        k = rng.randrange(8)
        if k <= 1 and self.priv > 0:  # scratch registers of this mode: anything goes
            no = rng.choice([CSR_MSCRATCH, CSR_SSCRATCH] if self.priv == 3 else [CSR_SSCRATCH])
            op = rng.choice(list(A.CSR_F3))
            self.add([A.csr(op, rd, no, self.r() if not op.endswith("i") else rng.randrange(32))])
        elif k <= 2:  # fflags: 5 bits, any value
            op = rng.choice(list(A.CSR_F3))
            self.add([A.csr(op, rd, CSR_FFLAGS, self.r() if not op.endswith("i") else rng.randrange(32))])
        elif k == 3:  # frm: write a valid mode (also with junk above bit 2)
            if rng.random() < 0.5:
                self.add([A.csr("csrrwi", rd, CSR_FRM, rng.randrange(5))])
            else:
                t = self.r(1)
                v = rng.randrange(5) | (rng.getrandbits(20) << 3 if rng.random() < 0.3 else 0)
                self.add(A.li32(t, v) + [A.csr("csrrw", rd, CSR_FRM, t)])
        elif k == 4:  # fcsr: valid frm, random flags, sometimes junk in reserved bits
            t = self.r(1)
            v = rng.getrandbits(5) | (rng.randrange(5) << 5)
            if rng.random() < 0.3:
                v |= rng.getrandbits(20) << 8
            self.add(A.li32(t, v) + [A.csr("csrrw", rd, CSR_FCSR, t)])
        elif k == 5:  # clearing bits keeps frm valid (every subset of 0..4 is 0..4)
            no = rng.choice([CSR_FRM, CSR_FCSR])
            if rng.random() < 0.5:
                self.add([A.csr("csrrc", rd, no, self.r())])
            else:
                self.add([A.csr("csrrci", rd, no, rng.randrange(32))])
        elif k == 6:  # set only flag bits of fcsr, or read
            if rng.random() < 0.5:
                self.add([A.csr("csrrsi", rd, CSR_FCSR, rng.randrange(32))])
            else:
                self.add([A.csr(rng.choice(["csrrs", "csrrc"]), rd,
                                rng.choice([CSR_FRM, CSR_FCSR, CSR_FFLAGS]), 0)])
        else:
            self.add([A.ecall()])

    def g_branch(self):
        rng = self.rng
        k = rng.randrange(8)
        skip = rng.randrange(1, 5)
        tgt = ("rel", skip)
        if k <= 2:
            name = rng.choice(list(A.BRANCHES))
            rs1 = self.r()
            rs2 = rs1 if rng.random() < 0.1 else self.r()
            self.add(Fix(4, lambda pc, t: [A.branch(name, rs1, rs2, t - pc)], tgt))
        elif k == 3:
            name, rs = rng.choice(["c.beqz", "c.bnez"]), self.rc()
            self.add(Fix(2, lambda pc, t: [A.c_bz(name, rs, t - pc)], tgt))
        elif k == 4:
            if rng.random() < 0.5:
                self.add(Fix(2, lambda pc, t: [A.c_j(t - pc)], tgt))
            else:
                rd = self.r()
                self.add(Fix(4, lambda pc, t: [A.jal(rd, t - pc)], tgt))
        elif k == 5:  # jalr clears bit 0 of the target: sometimes give it an odd offset
            rx, rd, odd = self.r(1), self.r(), rng.getrandbits(1)
            self.add(Fix(8, lambda pc, t: [A.auipc(rx, 0), A.jalr(rd, rx, t - pc + odd)], tgt))
        elif k == 6:
            rx, link = self.r(1), rng.getrandbits(1)
            if link and rx == 1:
                rx = 5  # c.jalr ra, via ra: legal but keep the target register intact
            f = A.c_jalr if link else A.c_jr
            self.add(Fix(10, lambda pc, t: [A.auipc(rx, 0), A.iop("addi", rx, rx, t - pc), f(rx)], tgt))
        else:
            ops = [A.c_nop, A.fence, A.fence_i, lambda: A.iop("addi", 0, 0, 0)]
            if self.priv > 0:
                ops.append(A.sfence_vma)
            self.add([rng.choice(ops)()])

    def loop(self):
        """A counted loop: init stores the count in a private memory slot (never
        touched by random code), the body is ordinary groups, the tail
        decrements the slot and branches back while it is nonzero. Forward
        branches from outside never land inside the body (see gen_program)."""
        rng = self.rng
        slot = LOOP_SLOTS + 8 * (len(self.loops) % 64)
        rb = self.r(1)
        rt = rng.choice([r for r in range(1, 32) if r != rb])
        init = self.set_base(rb, slot)
        self.mem_group(init, rb, A.li32(rt, rng.randrange(2, 6)) + [A.store("sd", rt, rb, 0)])
        start = len(self.groups)
        for _ in range(rng.randrange(3, 13)):
            self.one()
        base = self.set_base(rb, slot)
        tail = [A.load("ld", rt, rb, 0), A.iop("addi", rt, rt, -1), A.store("sd", rt, rb, 0)]
        size = base.size + 12
        self.add(Fix(size + 4, lambda pc, t: base.build(pc, t) + tail +
                     [A.branch("bne", rt, 0, t - (pc + size))], ("abs", start)))
        self.loops.append((start - 1, len(self.groups) - 1))

    CLASSES = [("g_alu", 20), ("g_rvc_alu", 8), ("g_mem", 16), ("g_rvc_mem", 5), ("g_amo", 6),
               ("g_fp", 22), ("g_csr", 5), ("g_branch", 8)]

    def one(self):
        getattr(self, self.rng.choices(self.class_names, self.class_weights)[0])()

    def body(self, n):
        self.class_names = [c for c, _ in self.CLASSES]
        self.class_weights = [w for _, w in self.CLASSES]
        while len(self.groups) < n:
            if self.rng.random() < 0.02:
                self.loop()
            else:
                self.one()


MODES = {"m": 3, "s": 1, "u": 0}


def gen_program(seed, n=300, mode=None):
    """Returns (image bytes, listing [(pc, Insn)]). mode: 'm', 's', 'u' or None
    (chosen by the seed: half M-mode, a quarter each S and U with Sv39)."""
    rng = random.Random(seed * 0x9E3779B1 + 12345)
    if mode is None:
        mode = rng.choice("mmsu")
    priv = MODES[mode]
    a = Asm(CODE)
    a.ref(4, jmp("prologue"))
    build_handler(a)
    build_prologue(a, rng, priv)
    g = Gen(rng, priv)
    g.body(n)
    a.label("body")
    # body layout
    starts, pc = [], a.pc()
    for grp in g.groups:
        starts.append(pc)
        pc += grp.size if isinstance(grp, Fix) else sum(x.size for x in grp)
    end_addr = pc
    for i, grp in enumerate(g.groups):
        if isinstance(grp, Fix):
            if grp.target is None:
                tgt = None
            elif grp.target[0] == "abs":
                tgt = starts[grp.target[1]]
            else:
                j = i + 1 + grp.target[1]
                for s, t in g.loops:  # entering a loop body from outside: go to its init
                    if s < j <= t and not s < i <= t:
                        j = s
                tgt = starts[j] if j < len(starts) else end_addr
            a.ref(grp.size, lambda p, _L, grp=grp, tgt=tgt: _checked(grp, p, tgt))
        else:
            a.emit(grp)
    build_epilogue(a)
    listing = a.link()
    assert a.labels["end"] == end_addr, "layout mismatch"
    img = bytearray(IMAGE_END - CODE)
    for pc, x in listing:
        img[pc - CODE:pc - CODE + x.size] = x.bytes()
    assert listing[-1][0] < DATA, "code too large"
    for off in range(DATA_SIZE):
        img[DATA - CODE + off] = rng.getrandbits(8)
    init = [rand_int(rng) for _ in range(32)] + [rand_freg_value(rng) for _ in range(32)]
    init += [rand_int(rng), rand_int(rng), 0x100000001b3]
    struct.pack_into(f"<{len(init)}Q", img, INIT - CODE, *init)
    if priv != 3:
        build_page_tables(img, priv)
    for i, nm in enumerate(NAME_LIST):
        b = nm.encode()
        assert len(b) < 16
        img[NAMES - CODE + 16 * i:NAMES - CODE + 16 * i + len(b)] = b
    return img, listing


def build_page_tables(img, priv):
    """Identity Sv39 map of 0x80000000-0x801fffff in 4 KiB pages: code R+X,
    RO_PAGE read-only, NO_PAGE invalid, the rest R+W; A and D preset (so
    hardware A/D updating, which the spec leaves optional, never matters)."""
    V, R, W, X, U, A_, D = 1, 2, 4, 8, 16, 64, 128
    def put(addr, v):
        struct.pack_into("<Q", img, addr - CODE, v)
    put(PT + 8 * 2, ((PT + 0x1000) >> 12) << 10 | V)
    put(PT + 0x1000, ((PT + 0x2000) >> 12) << 10 | V)
    for i in range(512):
        pa = CODE + i * 4096
        if pa < DATA:
            fl = R | X
        elif pa == RO_PAGE:
            fl = R
        elif pa == NO_PAGE:
            continue
        else:
            fl = R | W
        fl |= V | A_ | D | (U if priv == 0 else 0)
        put(PT + 0x2000 + 8 * i, (pa >> 12) << 10 | fl)


def _checked(grp, pc, tgt):
    ins = grp.build(pc, tgt)
    assert sum(x.size for x in ins) == grp.size
    return ins


def write_program(seed, path, n=300, mode=None):
    img, listing = gen_program(seed, n, mode)
    A.write_elf(path, CODE, img, CODE)
    return listing


def format_listing(listing):
    return "".join(f"{pc:08x}: {x.code:0{2 * x.size}x}  {x.text}\n" for pc, x in listing)


def self_check(seeds, n):
    """Assemble each generated instruction's text with GNU as and compare encodings."""
    asm = "riscv64-unknown-elf-as"
    bad = 0
    with tempfile.TemporaryDirectory() as d:
        for seed in seeds:
            _img, listing = gen_program(seed, n)
            src = [".text"]
            for pc, x in listing:
                src.append(".option rvc" if x.size == 2 else ".option norvc")
                src.append(x.text)
            s, o = os.path.join(d, "t.s"), os.path.join(d, "t.o")
            with open(s, "w") as f:
                f.write("\n".join(src) + "\n")
            subprocess.run([asm, "-march=rv64gc", "-mno-relax", "-o", o, s], check=True)
            b = os.path.join(d, "t.bin")
            subprocess.run(["riscv64-unknown-elf-objcopy", "-O", "binary", "-j", ".text", o, b], check=True)
            got = open(b, "rb").read()
            off = 0
            for pc, x in listing:
                mine = x.bytes()
                theirs = got[off:off + x.size]
                if "# rm=" in x.text:  # exact conversion: gas encodes rm = 0
                    mine = (x.code & ~0x7000).to_bytes(4, "little")
                if mine != theirs:
                    bad += 1
                    if bad < 20:
                        print(f"seed {seed} {pc:08x}: {x.text}: mine {mine.hex()} as {theirs.hex()}")
                    break  # sizes may now be out of step
                off += x.size
    print("self-check:", "OK" if not bad else f"{bad} mismatches")
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("seed", nargs="?", type=int, default=0)
    ap.add_argument("-o", "--output")
    ap.add_argument("-n", type=int, default=300)
    ap.add_argument("--listing", action="store_true")
    ap.add_argument("--mode", choices=sorted(MODES), help="privilege of the body (default: by seed)")
    ap.add_argument("--self-check", metavar="A-B")
    a = ap.parse_args()
    if a.self_check:
        lo, hi = (int(v) for v in a.self_check.split("-"))
        return self_check(range(lo, hi + 1), a.n)
    listing = write_program(a.seed, a.output or f"diff-{a.seed}.elf", a.n, a.mode)
    if a.listing:
        sys.stdout.write(format_listing(listing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
