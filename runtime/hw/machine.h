/* machine.h - the `virt` board: RAM at 0x80000000 and QEMU's memory map.
 *
 *   0x00100000 sifive_test (power-off 0x5555, reboot 0x7777)
 *   0x00101000 goldfish RTC (PLIC irq 11)
 *   0x02000000 CLINT (msip, mtimecmp, mtime; 10 MHz)
 *   0x0c000000 PLIC (sources 1..95, contexts: hart0 M, hart0 S)
 *   0x10000000 NS16550A UART (PLIC irq 10)
 *   0x10001000 + 0x1000*i  virtio-mmio slot i (PLIC irq 1+i), i = 0..7
 *   0x80000000 RAM
 */
#ifndef KILN_MACHINE_H
#define KILN_MACHINE_H
#include <stdbool.h>
#include <stdint.h>
#include "hw/bus.h"

#define VIRT_TEST_BASE 0x100000ull
#define VIRT_RTC_BASE 0x101000ull
#define VIRT_CLINT_BASE 0x2000000ull
#define VIRT_PLIC_BASE 0xc000000ull
#define VIRT_UART_BASE 0x10000000ull
#define VIRT_VIRTIO_BASE 0x10001000ull
#define VIRT_VIRTIO_SLOTS 8
#define VIRT_RAM_BASE 0x80000000ull
#define VIRT_TIMEBASE_HZ 10000000ull
#define VIRT_UART_IRQ 10
#define VIRT_RTC_IRQ 11
#define VIRT_VIRTIO_IRQ 1 /* + slot */

/* Instructions per mtime tick in deterministic mode (1 insn = 1 ns). */
#define DET_INSNS_PER_TICK 100

typedef struct MachineConfig {
    const char *kernel;  /* Image (flat, RISC-V boot header) or ELF */
    const char *bios;    /* NULL: built-in SBI; "none": no firmware; else a file */
    const char *append;  /* kernel command line, or NULL */
    const char *drive;   /* raw disk image for virtio-blk, or NULL */
    uint64_t ram_size;
    bool deterministic;
    bool rng;            /* add virtio-rng */
    /* Snapshots (docs/snapshot-format.md). */
    const char *snapshot_at;   /* take one when the console prints this, or NULL */
    const char *snapshot_path; /* ... written here */
    bool snapshot_exit;        /* stop (exit 0) once it is written */
    const char *restore;       /* resume from this snapshot instead of booting */
    /* Set by machine_snapshot_peek: the guest image the snapshot was taken
     * from (FNV-1a 64 of kernel and firmware files; bios_hash 0: none or
     * built-in SBI), and whether kernel/bios came from the snapshot rather
     * than the command line.  A restore needs neither file: RAM holds the
     * guest.  Files named on the command line must match; files the
     * snapshot names are checked only if they exist. */
    bool image_known;
    uint64_t image_kernel_hash, image_bios_hash;
    bool kernel_from_snapshot, bios_from_snapshot;
} MachineConfig;

struct RVCPU;
typedef struct Machine Machine;

/* Build the board, load firmware/kernel/DTB and reset the CPU.  On error
 * prints one message naming the file and the problem and returns NULL. */
Machine *machine_create(const MachineConfig *cfg);
void machine_destroy(Machine *m);

struct RVCPU *machine_cpu(Machine *m);
Bus *machine_bus(Machine *m);

/* mtime in 10 MHz ticks (deterministic: from the retired insn count). */
uint64_t machine_mtime(Machine *m);

/* Update time-driven state (timer lines, UART input, HTIF tohost).
 * Returns the icount at which it should be called again at the latest. */
uint64_t machine_poll(Machine *m);

/* The CPU is in WFI with nothing pending: wait (or, deterministic, skip
 * time) until the next timer deadline or input. */
void machine_idle(Machine *m);

/* Set by devices (sifive_test, SBI reset, HTIF): the run is over. */
bool machine_stopped(const Machine *m, int *exit_code);
void machine_request_stop(Machine *m, int exit_code);

/* Snapshots.  A snapshot is taken at a safe point: machine_poll, which the
 * dispatcher calls between TBs, writes it once snapshot_at has appeared on
 * the console (then continues, or stops with snapshot_exit).
 * machine_create with cfg->restore builds the devices without loading the
 * guest and restores the snapshot (the dispatcher starts with an empty TB
 * cache; the TLB is flushed).  All three print one message naming the file
 * and the problem on error and return -1; restore verifies the whole file
 * (checksum, version, config, guest image hash, every section) before it
 * changes anything. */
int machine_snapshot_save(Machine *m, const char *path);
int machine_snapshot_restore(Machine *m, const char *path);
/* Fill in cfg from the snapshot's config for what the command line left
 * open: kernel, bios, drive (if NULL), ram size (unless ram_given), append,
 * deterministic, rng. */
int machine_snapshot_peek(const char *path, MachineConfig *cfg, bool ram_given);
/* Frees what machine_snapshot_peek allocated (the config strings cfg points
 * at): call once the machine made from that cfg is destroyed. */
void machine_snapshot_release(void);
/* True once the snapshot_at snapshot has been written; *icount (if not
 * NULL) is then the instruction count at which it was taken. */
bool machine_snapshot_taken(const Machine *m, uint64_t *icount);
/* Guest console output of any source (UART, HTIF, SBI console): buffered,
 * counted, and matched against the snapshot marker. */
void machine_console_out(Machine *m, const uint8_t *p, size_t n);
/* Guest console bytes written so far (snapshot messages cite it). */
uint64_t machine_console_bytes(const Machine *m);

#endif
