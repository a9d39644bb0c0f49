/* sifive-test.h - SiFive test finisher: a 32-bit write at offset 0 of
 * 0x5555 powers off (exit 0), 0x3333 | code << 16 exits with `code`,
 * 0x7777 requests a reset.  Kiln has no reboot: like QEMU -no-reboot, a
 * reset ends the run with exit code 0 (reported through `reset`). */
#ifndef KILN_SIFIVE_TEST_H
#define KILN_SIFIVE_TEST_H
#include <stdbool.h>
#include <stdint.h>
#include "hw/bus.h"

#define SIFIVE_TEST_SIZE 0x1000ull

typedef void SifiveTestStopFunc(void *opaque, int exit_code, bool reset);
typedef struct SifiveTest SifiveTest;

/* Freed with free(). */
SifiveTest *sifive_test_create(Bus *bus, uint64_t base, SifiveTestStopFunc *stop, void *opaque);

/* Snapshot state: none (a version word only). */
struct SnapWriter;
struct SnapReader;
int sifive_test_snap_save(const SifiveTest *t, struct SnapWriter *w);
int sifive_test_snap_load(SifiveTest *t, struct SnapReader *r);
#endif
