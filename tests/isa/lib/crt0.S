/* crt0.S - entry, M-mode trap entry and privilege switching for the ISA tests.
 * _start: stack, trap vector, bss clear, FPU on (mstatus.FS), main, exit.
 * isa_enter_mode(mode, fn, arg): runs fn(arg) in U (0) or S (1) mode through
 * mret; fn returns through isa_lower_return, whose `ecall` with a7 = ISA_MAGIC
 * makes the trap handler resume isa_enter_mode in M-mode with fn's a0. */
#include "isa.h"

    .section .text.init, "ax"
    .option norvc
    .globl _start
_start:
    la sp, __stack_top
    la t0, __trap_stack_top
    csrw mscratch, t0
    la t0, isa_trap_entry
    csrw mtvec, t0
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  li t0, (1 << 13)            /* mstatus.FS = Initial */
    csrs mstatus, t0
    csrwi fcsr, 0
    call isa_init
    call main
    call isa_exit
3:  j 3b

/* Trap frame: x1..x31 at 8*i, mepc at 8*32. The handler runs on the trap
 * stack found in mscratch; the interrupted sp is saved in the frame. */
    .text
    .align 4
    .globl isa_trap_entry
isa_trap_entry:
    csrrw sp, mscratch, sp
    addi sp, sp, -8 * 34
    sd x1, 8*1(sp)
    sd x3, 8*3(sp)
    sd x4, 8*4(sp)
    sd x5, 8*5(sp)
    sd x6, 8*6(sp)
    sd x7, 8*7(sp)
    sd x8, 8*8(sp)
    sd x9, 8*9(sp)
    sd x10, 8*10(sp)
    sd x11, 8*11(sp)
    sd x12, 8*12(sp)
    sd x13, 8*13(sp)
    sd x14, 8*14(sp)
    sd x15, 8*15(sp)
    sd x16, 8*16(sp)
    sd x17, 8*17(sp)
    sd x18, 8*18(sp)
    sd x19, 8*19(sp)
    sd x20, 8*20(sp)
    sd x21, 8*21(sp)
    sd x22, 8*22(sp)
    sd x23, 8*23(sp)
    sd x24, 8*24(sp)
    sd x25, 8*25(sp)
    sd x26, 8*26(sp)
    sd x27, 8*27(sp)
    sd x28, 8*28(sp)
    sd x29, 8*29(sp)
    sd x30, 8*30(sp)
    sd x31, 8*31(sp)
    csrr t0, mscratch           /* interrupted sp */
    sd t0, 8*2(sp)
    addi t0, sp, 8 * 34
    csrw mscratch, t0           /* restore the trap stack pointer */
    csrr t0, mepc
    sd t0, 8*32(sp)
    mv a0, sp
    call isa_trap_handler
    ld t0, 8*32(sp)
    csrw mepc, t0
    ld x1, 8*1(sp)
    ld x3, 8*3(sp)
    ld x4, 8*4(sp)
    ld x5, 8*5(sp)
    ld x6, 8*6(sp)
    ld x7, 8*7(sp)
    ld x8, 8*8(sp)
    ld x9, 8*9(sp)
    ld x10, 8*10(sp)
    ld x11, 8*11(sp)
    ld x12, 8*12(sp)
    ld x13, 8*13(sp)
    ld x14, 8*14(sp)
    ld x15, 8*15(sp)
    ld x16, 8*16(sp)
    ld x17, 8*17(sp)
    ld x18, 8*18(sp)
    ld x19, 8*19(sp)
    ld x20, 8*20(sp)
    ld x21, 8*21(sp)
    ld x22, 8*22(sp)
    ld x23, 8*23(sp)
    ld x24, 8*24(sp)
    ld x25, 8*25(sp)
    ld x26, 8*26(sp)
    ld x27, 8*27(sp)
    ld x28, 8*28(sp)
    ld x29, 8*29(sp)
    ld x30, 8*30(sp)
    ld x31, 8*31(sp)
    ld sp, 8*2(sp)
    mret

/* long isa_enter_mode(int mode, long (*fn)(long), long arg, unsigned long sp) */
    .globl isa_enter_mode
isa_enter_mode:
    addi sp, sp, -112
    sd ra, 0(sp)
    sd s0, 8(sp)
    sd s1, 16(sp)
    sd s2, 24(sp)
    sd s3, 32(sp)
    sd s4, 40(sp)
    sd s5, 48(sp)
    sd s6, 56(sp)
    sd s7, 64(sp)
    sd s8, 72(sp)
    sd s9, 80(sp)
    sd s10, 88(sp)
    sd s11, 96(sp)
    la t0, isa_saved_sp
    sd sp, 0(t0)
    li t0, (3 << 11)            /* mstatus.MPP = mode */
    csrc mstatus, t0
    slli t1, a0, 11
    csrs mstatus, t1
    csrw mepc, a1
    mv a0, a2
    mv sp, a3
    la ra, isa_lower_return
    la t0, isa_ra_offset        /* caller-chosen alias offset for ra */
    ld t0, 0(t0)
    add ra, ra, t0
    mret
    .globl isa_enter_mode_resume
isa_enter_mode_resume:          /* reached from the trap handler, a0 = result */
    ld ra, 0(sp)
    ld s0, 8(sp)
    ld s1, 16(sp)
    ld s2, 24(sp)
    ld s3, 32(sp)
    ld s4, 40(sp)
    ld s5, 48(sp)
    ld s6, 56(sp)
    ld s7, 64(sp)
    ld s8, 72(sp)
    ld s9, 80(sp)
    ld s10, 88(sp)
    ld s11, 96(sp)
    addi sp, sp, 112
    ret

    .globl isa_lower_return
isa_lower_return:
    li a7, ISA_MAGIC
    ecall
1:  j 1b

/* S-mode trap handler for delegated traps: records scause, stval, sepc and
 * sstatus, counts, and skips the trapping instruction (the tests only let
 * 4-byte instructions trap into S); for an interrupt it clears sip.SSIP. Uses only t0/t1 (saved in sscratch). */
    .align 4
    .globl isa_s_trap_entry
isa_s_trap_entry:
    csrw sscratch, t0
    li t0, ISA_MAGIC            /* isa_lower_return delegated to S: pass it on */
    bne a7, t0, 1f
    ecall
1:  la t0, isa_s_trap
    sd t1, 40(t0)
    csrr t1, scause
    sd t1, 0(t0)
    csrr t1, stval
    sd t1, 8(t0)
    csrr t1, sepc
    sd t1, 16(t0)
    ld t1, 0(t0)
    bltz t1, 2f                 /* interrupt: clear SSIP, resume at sepc */
    csrr t1, sepc
    addi t1, t1, 4
    csrw sepc, t1
    j 3f
2:  csrci sip, 2
3:
    csrr t1, sstatus
    sd t1, 24(t0)
    ld t1, 32(t0)
    addi t1, t1, 1
    sd t1, 32(t0)
    ld t1, 40(t0)
    csrr t0, sscratch
    sret

    .data
    .align 3
    .globl isa_saved_sp
isa_saved_sp: .dword 0
    .globl isa_ra_offset
isa_ra_offset: .dword 0
