/* rvc-asm.S - hand-written compressed instructions for rvc.c. Each function
 * returns one value in a0; the instructions written as c.* are 16-bit forms
 * (the assembler refuses a c.* mnemonic it cannot encode in 16 bits). */
    .option rvc
    .text
    .globl c_li_addi
c_li_addi:                     /* -32 + 31 */
    c.li a0, -32
    c.addi a0, 31
    c.jr ra

    .globl c_lui
c_lui:                         /* c.lui with the top immediate: sign-extended */
    c.lui a0, 0xfffe0
    c.jr ra

    .globl c_addiw
c_addiw:                       /* 0x7fffffff + 1 in 32 bits */
    lui a0, 0x80000
    c.addi a0, -1
    c.addiw a0, 1
    c.jr ra

    .globl c_alu
c_alu:                         /* see rvc.c: alu_model() */
    c.mv a2, a0
    c.sub a2, a1
    c.xor a2, a1
    c.or a2, a1
    c.and a2, a0
    c.slli a2, 3
    c.srli a2, 1
    c.srai a2, 1
    c.andi a2, -2
    c.mv a0, a2
    c.jr ra

    .globl c_shift63
c_shift63:                     /* 6-bit shift amounts of RV64C */
    c.li a0, -1
    c.srli a0, 63
    c.slli a0, 63
    c.srai a0, 63
    c.jr ra

    .globl c_w_ops
c_w_ops:                       /* (a0 + a1) - a1 + a1 in 32 bits */
    c.addw a0, a1
    c.subw a0, a1
    c.addw a0, a1
    c.jr ra

    .globl c_add
c_add:                         /* 2 * (a0 + a1) */
    c.add a0, a1
    c.add a0, a0
    c.jr ra

    .globl c_stack
c_stack:                       /* a0 + (int32_t)a1 through the stack forms */
    c.addi16sp sp, -64
    c.sdsp a0, 8(sp)
    c.swsp a1, 20(sp)
    c.ldsp a2, 8(sp)
    c.lwsp a3, 20(sp)
    c.addi4spn a4, sp, 16
    c.sd a2, 8(a4)
    c.sw a3, 0(a4)
    c.ld a5, 8(a4)
    c.lw a0, 0(a4)
    c.add a0, a5
    c.addi16sp sp, 64
    c.jr ra

    .globl c_branch
c_branch:                      /* a0 == 0 -> 2, else 1 */
    c.beqz a0, 1f
    c.li a0, 1
    c.j 2f
1:  c.li a0, 2
2:  c.bnez a0, 3f
    c.li a0, 9
3:  c.jr ra

    .globl c_jalr
c_jalr:                        /* c.jalr links ra = pc + 2 */
    c.mv a5, ra
    la a4, 1f
    c.jalr a4
    c.mv ra, a5
    c.jr ra
1:  c.li a0, 17
    c.jr ra

    .globl c_fp
c_fp:                          /* a0 through c.fsdsp/c.fldsp/c.fsd/c.fld */
    c.addi16sp sp, -32
    fmv.d.x fa0, a0
    c.fsdsp fa0, 0(sp)
    c.fldsp fa1, 0(sp)
    c.addi4spn a4, sp, 8
    c.fsd fa1, 8(a4)
    c.fld fa2, 8(a4)
    fmv.x.d a0, fa2
    c.addi16sp sp, 32
    c.jr ra

    .globl c_mixed
c_mixed:                       /* 16- and 32-bit instructions interleaved at odd halfwords */
    c.li a0, 0
    addi a0, a0, 100
    c.addi a0, 1
    addi a0, a0, 1000
    c.nop
    c.addi a0, 2
    c.jr ra
