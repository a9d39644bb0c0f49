"""rvasm.py - a tiny RV64GC encoder and ELF64 writer for the differential tests.

Every encoder returns an Insn: its machine code (2 or 4 bytes) and the same
instruction in GNU assembler syntax, so `gen.py --self-check` can assemble the
text with riscv64-unknown-elf-as and prove the encoder right. Branch-like
instructions are built late, once the layout (and so the offset) is known.
"""
import struct


class Insn:
    __slots__ = ("code", "size", "text")

    def __init__(self, code, size, text):
        self.code = code
        self.size = size
        self.text = text

    def bytes(self):
        return self.code.to_bytes(self.size, "little")


def _chk(cond, what):
    if not cond:
        raise ValueError(what)


def _u(v, bits):
    return v & ((1 << bits) - 1)


def _bit(v, i):
    return (v >> i) & 1


def _r(n, p="x"):
    return f"{p}{n}"


# --- base formats ---------------------------------------------------------
def r_type(op, f3, f7, rd, rs1, rs2):
    return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op


def i_type(op, f3, rd, rs1, imm):
    _chk(-2048 <= imm < 2048, f"imm12 {imm}")
    return (_u(imm, 12) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op


def s_type(op, f3, rs1, rs2, imm):
    _chk(-2048 <= imm < 2048, f"imm12 {imm}")
    imm = _u(imm, 12)
    return ((imm >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | op


def b_type(f3, rs1, rs2, off):
    _chk(-4096 <= off < 4096 and off % 2 == 0, f"branch offset {off}")
    o = _u(off, 13)
    return ((_bit(o, 12) << 31) | (((o >> 5) & 63) << 25) | (rs2 << 20) | (rs1 << 15) |
            (f3 << 12) | (((o >> 1) & 15) << 8) | (_bit(o, 11) << 7) | 0x63)


def u_type(op, rd, imm20):
    return (_u(imm20, 20) << 12) | (rd << 7) | op


def j_type(rd, off):
    _chk(-(1 << 20) <= off < (1 << 20) and off % 2 == 0, f"jal offset {off}")
    o = _u(off, 21)
    return ((_bit(o, 20) << 31) | (((o >> 1) & 0x3ff) << 21) | (_bit(o, 11) << 20) |
            (((o >> 12) & 0xff) << 12) | (rd << 7) | 0x6f)


# --- RV64I / M ---------------------------------------------------------------
# name: (opcode, funct3, funct7)
R_OPS = {
    "add": (0x33, 0, 0), "sub": (0x33, 0, 0x20), "sll": (0x33, 1, 0), "slt": (0x33, 2, 0),
    "sltu": (0x33, 3, 0), "xor": (0x33, 4, 0), "srl": (0x33, 5, 0), "sra": (0x33, 5, 0x20),
    "or": (0x33, 6, 0), "and": (0x33, 7, 0),
    "mul": (0x33, 0, 1), "mulh": (0x33, 1, 1), "mulhsu": (0x33, 2, 1), "mulhu": (0x33, 3, 1),
    "div": (0x33, 4, 1), "divu": (0x33, 5, 1), "rem": (0x33, 6, 1), "remu": (0x33, 7, 1),
    "addw": (0x3b, 0, 0), "subw": (0x3b, 0, 0x20), "sllw": (0x3b, 1, 0), "srlw": (0x3b, 5, 0),
    "sraw": (0x3b, 5, 0x20), "mulw": (0x3b, 0, 1), "divw": (0x3b, 4, 1), "divuw": (0x3b, 5, 1),
    "remw": (0x3b, 6, 1), "remuw": (0x3b, 7, 1),
}
I_OPS = {"addi": 0, "slti": 2, "sltiu": 3, "xori": 4, "ori": 6, "andi": 7}
SHIFT_OPS = {"slli": (0x13, 1, 0, 6), "srli": (0x13, 5, 0, 6), "srai": (0x13, 5, 0x10, 6),
             "slliw": (0x1b, 1, 0, 5), "srliw": (0x1b, 5, 0, 5), "sraiw": (0x1b, 5, 0x20, 5)}
LOADS = {"lb": (0, 1), "lh": (1, 2), "lw": (2, 4), "ld": (3, 8), "lbu": (4, 1), "lhu": (5, 2),
         "lwu": (6, 4)}
STORES = {"sb": (0, 1), "sh": (1, 2), "sw": (2, 4), "sd": (3, 8)}
BRANCHES = {"beq": 0, "bne": 1, "blt": 4, "bge": 5, "bltu": 6, "bgeu": 7}


def rop(name, rd, rs1, rs2):
    op, f3, f7 = R_OPS[name]
    return Insn(r_type(op, f3, f7, rd, rs1, rs2), 4, f"{name} {_r(rd)}, {_r(rs1)}, {_r(rs2)}")


def iop(name, rd, rs1, imm):
    return Insn(i_type(0x13, I_OPS[name], rd, rs1, imm), 4, f"{name} {_r(rd)}, {_r(rs1)}, {imm}")


def addiw(rd, rs1, imm):
    return Insn(i_type(0x1b, 0, rd, rs1, imm), 4, f"addiw {_r(rd)}, {_r(rs1)}, {imm}")


def shift(name, rd, rs1, sh):
    op, f3, hi, bits = SHIFT_OPS[name]
    _chk(0 <= sh < (1 << bits), "shamt")
    code = (hi << 26 if bits == 6 else hi << 25) | (sh << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op
    return Insn(code, 4, f"{name} {_r(rd)}, {_r(rs1)}, {sh}")


def lui(rd, imm20):
    return Insn(u_type(0x37, rd, imm20), 4, f"lui {_r(rd)}, {_u(imm20, 20):#x}")


def auipc(rd, imm20):
    return Insn(u_type(0x17, rd, imm20), 4, f"auipc {_r(rd)}, {_u(imm20, 20):#x}")


def load(name, rd, rs1, imm):
    return Insn(i_type(0x03, LOADS[name][0], rd, rs1, imm), 4, f"{name} {_r(rd)}, {imm}({_r(rs1)})")


def store(name, rs2, rs1, imm):
    return Insn(s_type(0x23, STORES[name][0], rs1, rs2, imm), 4,
                f"{name} {_r(rs2)}, {imm}({_r(rs1)})")


def branch(name, rs1, rs2, off):
    return Insn(b_type(BRANCHES[name], rs1, rs2, off), 4, f"{name} {_r(rs1)}, {_r(rs2)}, .{off:+d}")


def jal(rd, off):
    return Insn(j_type(rd, off), 4, f"jal {_r(rd)}, .{off:+d}")


def jalr(rd, rs1, imm):
    return Insn(i_type(0x67, 0, rd, rs1, imm), 4, f"jalr {_r(rd)}, {imm}({_r(rs1)})")


def ecall():
    return Insn(0x73, 4, "ecall")


def ebreak():
    return Insn(0x100073, 4, "ebreak")


def fence():
    return Insn(0x0ff0000f, 4, "fence")


def fence_i():
    return Insn(0x0000100f, 4, "fence.i")


def sfence_vma():
    return Insn(0x12000073, 4, "sfence.vma")


def mret():
    return Insn(0x30200073, 4, "mret")


CSR_F3 = {"csrrw": 1, "csrrs": 2, "csrrc": 3, "csrrwi": 5, "csrrsi": 6, "csrrci": 7}


def csr(name, rd, csrno, src):
    """src is rs1 for the register forms, a 5-bit immediate for the *i forms."""
    _chk(0 <= src < 32, "csr src")
    code = (csrno << 20) | (src << 15) | (CSR_F3[name] << 12) | (rd << 7) | 0x73
    s = str(src) if name.endswith("i") else _r(src)
    return Insn(code, 4, f"{name} {_r(rd)}, {csrno:#x}, {s}")


# --- A -------------------------------------------------------------------------
AMO_F5 = {"lr": 0x02, "sc": 0x03, "amoswap": 0x01, "amoadd": 0x00, "amoxor": 0x04,
          "amoand": 0x0c, "amoor": 0x08, "amomin": 0x10, "amomax": 0x14, "amominu": 0x18,
          "amomaxu": 0x1c}


def amo(name, width, rd, rs1, rs2, aq, rl):
    f3 = 2 if width == 4 else 3
    code = ((AMO_F5[name] << 27) | (aq << 26) | (rl << 25) | (rs2 << 20) | (rs1 << 15) |
            (f3 << 12) | (rd << 7) | 0x2f)
    ord_ = (".aq" if aq else "") + (".rl" if rl else "")
    if aq and rl:
        ord_ = ".aqrl"
    mn = f"{name}.{'w' if width == 4 else 'd'}{ord_}"
    if name == "lr":
        return Insn(code, 4, f"{mn} {_r(rd)}, ({_r(rs1)})")
    return Insn(code, 4, f"{mn} {_r(rd)}, {_r(rs2)}, ({_r(rs1)})")


# --- F / D ---------------------------------------------------------------------
RM_NAMES = ["rne", "rtz", "rdn", "rup", "rmm", None, None, "dyn"]


def fload(width, rd, rs1, imm):
    mn = "flw" if width == 4 else "fld"
    return Insn(i_type(0x07, 2 if width == 4 else 3, rd, rs1, imm), 4,
                f"{mn} {_r(rd, 'f')}, {imm}({_r(rs1)})")


def fstore(width, rs2, rs1, imm):
    mn = "fsw" if width == 4 else "fsd"
    return Insn(s_type(0x27, 2 if width == 4 else 3, rs1, rs2, imm), 4,
                f"{mn} {_r(rs2, 'f')}, {imm}({_r(rs1)})")


# name: (funct5, rs2 field or None (= register), has rm, dest kind, src kind)
# kinds: f = FP register, x = integer register
FP_OPS = {
    "fadd": (0x00, None, True, "f", "f"), "fsub": (0x01, None, True, "f", "f"),
    "fmul": (0x02, None, True, "f", "f"), "fdiv": (0x03, None, True, "f", "f"),
    "fsqrt": (0x0b, 0, True, "f", "f"),
    "fsgnj": (0x04, None, 0, "f", "f"), "fsgnjn": (0x04, None, 1, "f", "f"),
    "fsgnjx": (0x04, None, 2, "f", "f"),
    "fmin": (0x05, None, 0, "f", "f"), "fmax": (0x05, None, 1, "f", "f"),
    "feq": (0x14, None, 2, "x", "f"), "flt": (0x14, None, 1, "x", "f"),
    "fle": (0x14, None, 0, "x", "f"),
    "fcvt.w": (0x18, 0, True, "x", "f"), "fcvt.wu": (0x18, 1, True, "x", "f"),
    "fcvt.l": (0x18, 2, True, "x", "f"), "fcvt.lu": (0x18, 3, True, "x", "f"),
    "fcvt.from.w": (0x1a, 0, True, "f", "x"), "fcvt.from.wu": (0x1a, 1, True, "f", "x"),
    "fcvt.from.l": (0x1a, 2, True, "f", "x"), "fcvt.from.lu": (0x1a, 3, True, "f", "x"),
    "fmv.x": (0x1c, 0, 0, "x", "f"), "fclass": (0x1c, 0, 1, "x", "f"),
    "fmv.from.x": (0x1e, 0, 0, "f", "x"),
}


def fop(name, fmt, rd, rs1, rs2=0, rm=0):
    """fmt 0 = single, 1 = double. For ops without a rounding mode `rm` is ignored."""
    f5, rs2f, hasrm, dk, sk = FP_OPS[name]
    sfx = "s" if fmt == 0 else "d"
    if rs2f is not None:
        rs2 = rs2f
    f3 = rm if hasrm is True else hasrm
    code = r_type(0x53, f3, (f5 << 2) | fmt, rd, rs1, rs2)
    if name.startswith("fcvt.from."):
        mn = f"fcvt.{sfx}.{name[10:]}"
    elif name.startswith("fcvt."):
        mn = f"{name}.{sfx}"
    elif name == "fmv.x":
        mn = f"fmv.x.{'w' if fmt == 0 else 'd'}"
    elif name == "fmv.from.x":
        mn = f"fmv.{'w' if fmt == 0 else 'd'}.x"
    else:
        mn = f"{name}.{sfx}"
    ops = [_r(rd, dk), _r(rs1, sk)]
    if rs2f is None:
        ops.append(_r(rs2, sk))
    text = f"{mn} {', '.join(ops)}"
    if hasrm is True:
        text += _rm_text(mn, rm)
    return Insn(code, 4, text)


def fcvt_sd(to_fmt, rd, rs1, rm):
    """fcvt.s.d (to_fmt 0) or fcvt.d.s (to_fmt 1)."""
    code = r_type(0x53, rm, (0x08 << 2) | to_fmt, rd, rs1, 1 if to_fmt == 0 else 0)
    mn = "fcvt.s.d" if to_fmt == 0 else "fcvt.d.s"
    return Insn(code, 4, f"{mn} f{rd}, f{rs1}" + _rm_text(mn, rm))


# Exact conversions: binutils 2.40 takes no rounding mode for these (it
# encodes rm = 0); the text carries ours in a comment that --self-check masks.
EXACT_CVT = ("fcvt.d.s", "fcvt.d.w", "fcvt.d.wu")


def _rm_text(mn, rm):
    if mn in EXACT_CVT:
        return f"  # rm={rm}"
    return f", {RM_NAMES[rm]}"


FMA_OPS = {"fmadd": 0x43, "fmsub": 0x47, "fnmsub": 0x4b, "fnmadd": 0x4f}


def fma(name, fmt, rd, rs1, rs2, rs3, rm):
    code = (rs3 << 27) | (fmt << 25) | (rs2 << 20) | (rs1 << 15) | (rm << 12) | (rd << 7) | FMA_OPS[name]
    sfx = "s" if fmt == 0 else "d"
    return Insn(code, 4, f"{name}.{sfx} f{rd}, f{rs1}, f{rs2}, f{rs3}, {RM_NAMES[rm]}")


# --- C ---------------------------------------------------------------------------
def _c(code, text):
    return Insn(code, 2, text)


def _p(r):
    _chk(8 <= r < 16, f"compressed register x{r}")
    return r - 8


def _ci(f3, rd, imm6, op, text):
    imm6 = _u(imm6, 6)
    return _c((f3 << 13) | (_bit(imm6, 5) << 12) | (rd << 7) | ((imm6 & 31) << 2) | op, text)


def c_addi(rd, imm):
    _chk(rd != 0 and imm != 0 and -32 <= imm < 32, "c.addi")
    return _ci(0, rd, imm, 1, f"c.addi x{rd}, {imm}")


def c_addiw(rd, imm):
    _chk(rd != 0 and -32 <= imm < 32, "c.addiw")
    return _ci(1, rd, imm, 1, f"c.addiw x{rd}, {imm}")


def c_li(rd, imm):
    _chk(rd != 0 and -32 <= imm < 32, "c.li")
    return _ci(2, rd, imm, 1, f"c.li x{rd}, {imm}")


def c_lui(rd, imm6):
    _chk(rd not in (0, 2) and imm6 != 0 and -32 <= imm6 < 32, "c.lui")
    return _ci(3, rd, imm6, 1, f"c.lui x{rd}, {_u(imm6, 20):#x}")


def c_slli(rd, sh):
    _chk(rd != 0 and 0 < sh < 64, "c.slli")
    return _ci(0, rd, sh, 2, f"c.slli x{rd}, {sh}")


def c_addi16sp(imm):
    _chk(imm != 0 and imm % 16 == 0 and -512 <= imm < 512, "c.addi16sp")
    i = _u(imm, 10)
    code = ((3 << 13) | (_bit(i, 9) << 12) | (2 << 7) | (_bit(i, 4) << 6) | (_bit(i, 6) << 5) |
            (((i >> 7) & 3) << 3) | (_bit(i, 5) << 2) | 1)
    return _c(code, f"c.addi16sp sp, {imm}")


def c_addi4spn(rd, imm):
    _chk(imm != 0 and imm % 4 == 0 and 0 < imm < 1024, "c.addi4spn")
    code = ((((imm >> 4) & 3) << 11) | (((imm >> 6) & 15) << 7) | (_bit(imm, 2) << 6) |
            (_bit(imm, 3) << 5) | (_p(rd) << 2))
    return _c(code, f"c.addi4spn x{rd}, sp, {imm}")


def c_shift_andi(name, rd, v):
    f2 = {"c.srli": 0, "c.srai": 1, "c.andi": 2}[name]
    if name == "c.andi":
        _chk(-32 <= v < 32, "c.andi")
    else:
        _chk(0 < v < 64, "c shamt")
    v6 = _u(v, 6)
    code = (4 << 13) | (_bit(v6, 5) << 12) | (f2 << 10) | (_p(rd) << 7) | ((v6 & 31) << 2) | 1
    return _c(code, f"{name} x{rd}, {v}")


C_ARITH = {"c.sub": (0, 0), "c.xor": (0, 1), "c.or": (0, 2), "c.and": (0, 3),
           "c.subw": (1, 0), "c.addw": (1, 1)}


def c_arith(name, rd, rs2):
    b12, f2 = C_ARITH[name]
    code = (4 << 13) | (b12 << 12) | (3 << 10) | (_p(rd) << 7) | (f2 << 5) | (_p(rs2) << 2) | 1
    return _c(code, f"{name} x{rd}, x{rs2}")


def c_mv(rd, rs2):
    _chk(rd != 0 and rs2 != 0, "c.mv")
    return _c((4 << 13) | (rd << 7) | (rs2 << 2) | 2, f"c.mv x{rd}, x{rs2}")


def c_add(rd, rs2):
    _chk(rd != 0 and rs2 != 0, "c.add")
    return _c((4 << 13) | (1 << 12) | (rd << 7) | (rs2 << 2) | 2, f"c.add x{rd}, x{rs2}")


def c_jr(rs1):
    _chk(rs1 != 0, "c.jr")
    return _c((4 << 13) | (rs1 << 7) | 2, f"c.jr x{rs1}")


def c_jalr(rs1):
    _chk(rs1 != 0, "c.jalr")
    return _c((4 << 13) | (1 << 12) | (rs1 << 7) | 2, f"c.jalr x{rs1}")


def c_ebreak():
    return _c(0x9002, "c.ebreak")


def c_j(off):
    _chk(-2048 <= off < 2048 and off % 2 == 0, "c.j")
    o = _u(off, 12)
    code = ((5 << 13) | (_bit(o, 11) << 12) | (_bit(o, 4) << 11) | (((o >> 8) & 3) << 9) |
            (_bit(o, 10) << 8) | (_bit(o, 6) << 7) | (_bit(o, 7) << 6) | (((o >> 1) & 7) << 3) |
            (_bit(o, 5) << 2) | 1)
    return _c(code, f"c.j .{off:+d}")


def c_bz(name, rs1, off):
    _chk(-256 <= off < 256 and off % 2 == 0, "c.beqz")
    o = _u(off, 9)
    f3 = 6 if name == "c.beqz" else 7
    code = ((f3 << 13) | (_bit(o, 8) << 12) | (((o >> 3) & 3) << 10) | (_p(rs1) << 7) |
            (((o >> 6) & 3) << 5) | (((o >> 1) & 3) << 3) | (_bit(o, 5) << 2) | 1)
    return _c(code, f"{name} x{rs1}, .{off:+d}")


# compressed register-based loads/stores: name -> (funct3, width, fp?, quadrant-0 form)
C_MEM = {"c.lw": (2, 4, False), "c.ld": (3, 8, False), "c.fld": (1, 8, True),
         "c.sw": (6, 4, False), "c.sd": (7, 8, False), "c.fsd": (5, 8, True)}


def c_mem(name, r, base, off):
    f3, w, fp = C_MEM[name]
    lim = 128 if w == 4 else 256
    _chk(0 <= off < lim and off % w == 0, f"{name} offset")
    if w == 4:
        mid = (_bit(off, 2) << 6) | (_bit(off, 6) << 5)
    else:
        mid = ((off >> 6) & 3) << 5
    code = (f3 << 13) | (((off >> 3) & 7) << 10) | (_p(base) << 7) | mid | (_p(r) << 2)
    return _c(code, f"{name} {'f' if fp else 'x'}{r}, {off}(x{base})")


# sp-based: name -> (funct3, width, fp?, store?)
C_SP = {"c.lwsp": (2, 4, False, False), "c.ldsp": (3, 8, False, False),
        "c.fldsp": (1, 8, True, False), "c.swsp": (6, 4, False, True),
        "c.sdsp": (7, 8, False, True), "c.fsdsp": (5, 8, True, True)}


def c_sp(name, r, off):
    f3, w, fp, st = C_SP[name]
    lim = 256 if w == 4 else 512
    _chk(0 <= off < lim and off % w == 0, f"{name} offset")
    if not st:
        _chk(fp or r != 0, "c.l*sp rd")
        if w == 4:
            lo = (((off >> 2) & 7) << 4) | (((off >> 6) & 3) << 2)
        else:
            lo = (((off >> 3) & 3) << 5) | (((off >> 6) & 7) << 2)
        code = (f3 << 13) | (_bit(off, 5) << 12) | (r << 7) | lo | 2
    else:
        if w == 4:
            imm = (((off >> 2) & 15) << 2) | ((off >> 6) & 3)
        else:
            imm = (((off >> 3) & 7) << 3) | ((off >> 6) & 7)
        code = (f3 << 13) | (imm << 7) | (r << 2) | 2
    return _c(code, f"{name} {'f' if fp else 'x'}{r}, {off}(sp)")


def c_nop():
    return _c(0x0001, "c.nop")


# --- helpers ---------------------------------------------------------------------
def hi_lo(v):
    """Split a signed 32-bit offset into auipc/lui hi20 and addi lo12."""
    hi = (v + 0x800) >> 12
    lo = v - (hi << 12)
    _chk(-(1 << 31) <= v < (1 << 31), "hi_lo range")
    return hi, lo


def li32(rd, v):
    """Load a signed 32-bit constant (sign-extended to 64 bits)."""
    _chk(-(1 << 31) <= v < (1 << 31), "li32 range")
    if -2048 <= v < 2048:
        return [iop("addi", rd, 0, v)]
    hi, lo = hi_lo(v)
    out = [lui(rd, hi)]
    if lo:
        out.append(addiw(rd, rd, lo))
    return out


# --- ELF -------------------------------------------------------------------------
def write_elf(path, base, image, entry):
    """ELF64 little-endian RISC-V executable with one RWX PT_LOAD of `image` at `base`."""
    ehsize, phsize = 64, 56
    off = 0x1000
    eh = struct.pack("<4sBBBBB7xHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0,
                     2, 243, 1, entry, ehsize, 0, 0x4, ehsize, phsize, 1, 64, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 1, 7, off, base, base, len(image), len(image), 0x1000)
    data = eh + ph
    data += b"\0" * (off - len(data)) + bytes(image)
    with open(path, "wb") as f:
        f.write(data)
