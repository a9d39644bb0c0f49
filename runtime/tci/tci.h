/* tci.h - the IR interpreter: runs any IRFunc, always.
 *
 * tci_compile() turns an (optimised) IRFunc into a compact pre-decoded
 * form whose operands are byte offsets into env (globals at their state
 * offsets, TB-local temps in the context's frame slots), so tci_run() needs
 * no register allocation.  Guest memory ops use the TLB fast path inline
 * and the context's slow paths otherwise.
 */
#ifndef KILN_TCI_H
#define KILN_TCI_H
#include "ir/ir.h"

typedef struct TCIBlock TCIBlock;

/* Returns NULL if f cannot be encoded (too many temps for the frame). */
TCIBlock *tci_compile(const IRFunc *f);
/* Same, with flags: TCI_NO_FUSE compiles one insn per IR op at most (no
 * fused insns, no aliases), the reference the tests compare against. */
#define TCI_NO_FUSE 1u
TCIBlock *tci_compile_flags(const IRFunc *f, unsigned flags);
void tci_free(TCIBlock *b);
size_t tci_size(const TCIBlock *b); /* bytes used */

/* Serialised, position-independent form (tci-image.c).  tci_image_write
 * appends b's image to out (ctx: the context b was compiled in); 0, or -1
 * if b calls a function that is not one of ctx's helpers or out ran out of
 * memory.  tci_image_read rebuilds a block from exactly data[0..len) for
 * context ctx, checking every operand (guest_insns/guest_size: the guest
 * block it translates, bounding its fault sites); NULL with *why set if the
 * image is malformed or unsafe to run. */
struct WasmBuf;
int tci_image_write(const TCIBlock *b, const IRContext *ctx, struct WasmBuf *out);
TCIBlock *tci_image_read(const uint8_t *data, size_t len, const IRContext *ctx,
                         unsigned guest_insns, unsigned guest_size, const char **why);
/* Same, with the block's memory from alloc(size, opaque): aligned for
 * 8-byte fields, NULL when out of memory; it need not be zeroed (the reader
 * writes every field it builds).  The caller owns that memory
 * (never tci_free such a block), also after a refusal. */
typedef void *TCIImageAlloc(size_t size, void *opaque);
TCIBlock *tci_image_read_in(const uint8_t *data, size_t len, const IRContext *ctx,
                            unsigned guest_insns, unsigned guest_size, TCIImageAlloc *alloc,
                            void *opaque, const char **why);

/* Run the block on env. Returns an IRExit. */
uint32_t tci_run(const TCIBlock *b, void *env);

#endif
