/* ir-test-env.h - a fake guest for IR/opt/TCI unit tests: a CPU-state
 * struct with i64 and i32 globals, plain state fields, an exit status, a
 * TLB and a TCI frame (and tests/check.h's CHECK). */
#ifndef KILN_IR_TEST_ENV_H
#define KILN_IR_TEST_ENV_H
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../check.h"
#include "exec/tlb.h"
#include "ir/ir.h"

#define TE_NX 4
typedef struct TestEnv {
    uint64_t x[TE_NX]; /* i64 globals x0..x3 */
    uint32_t w0;       /* i32 global */
    uint32_t canary0;  /* must survive writes to w0 */
    uint32_t w1;       /* i32 global */
    uint32_t canary1;
    uint64_t st[4]; /* CPU state reached only by ld/st */
    uint32_t exit_status;
    uint32_t calls; /* side-effecting helper calls */
    uint64_t hlog;  /* side-effecting helper's running log */
    TLB tlb;
    uint64_t frame[IR_MAX_TEMPS + 8];
} TestEnv;

#define TE_OFF(f) ((uint32_t)offsetof(TestEnv, f))
enum { G_X0, G_X1, G_X2, G_X3, G_W0, G_W1, TE_NGLOBALS };

static const IRGlobal te_globals[TE_NGLOBALS] = {
    {"x0", TE_OFF(x[0]), IR_I64}, {"x1", TE_OFF(x[1]), IR_I64}, {"x2", TE_OFF(x[2]), IR_I64},
    {"x3", TE_OFF(x[3]), IR_I64}, {"w0", TE_OFF(w0), IR_I32},   {"w1", TE_OFF(w1), IR_I32},
};

/* Helpers: 0 pure (no env access), 1 side effect on globals (IR_H_STATE),
 * 2 may exit (IR_H_EXIT: faults when its first arg is 0xdead). */
static uint64_t te_h_pure(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    (void)env;
    return a * 3 + b * 5 + c * 7 + d * 11;
}

static uint64_t te_h_side(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    TestEnv *e = env;
    e->calls++;
    e->hlog = e->hlog * 31 + a + (b << 1) + (c << 2) + (d << 3) + e->x[0];
    e->x[0] += a;
    e->x[1] ^= e->hlog;
    return e->hlog;
}

static uint64_t te_h_exit(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    TestEnv *e = env;
    (void)c;
    (void)d;
    e->calls++;
    if (a == 0xdead) {
        e->exit_status = IR_EXIT_FAULT;
        return 0x5555;
    }
    return a + b;
}

enum { H_PURE, H_SIDE, H_EXIT, TE_NHELPERS };
static const IRHelper te_helpers[TE_NHELPERS] = {
    {"pure", te_h_pure, 4, 1, IR_H_PURE},
    {"side", te_h_side, 4, 1, IR_H_STATE},
    {"mayexit", te_h_exit, 2, 1, IR_H_EXIT},
};

/* The IR context of the test environment, with the tests' own memory slow
 * paths (they count or hash every access differently). */
#define TE_CONTEXT(load, store)                                                                    \
    {                                                                                              \
        .globals = te_globals, .nglobals = TE_NGLOBALS, .helpers = te_helpers,                     \
        .nhelpers = TE_NHELPERS, .exit_status_offset = TE_OFF(exit_status),                        \
        .tlb_offset = TE_OFF(tlb), .frame_offset = TE_OFF(frame), .frame_slots = IR_MAX_TEMPS + 8, \
        .load_slow = (load), .store_slow = (store),                                                \
    }

#endif
