/* fuzz-tci-image.c - libFuzzer target for the TCI image reader
 * (runtime/tci/tci-image.c), the part of a bundle that the runtime turns
 * into interpreter code.  Any input must be refused or give a block whose
 * image reads back and writes out again the same (the reader accepts only
 * what the writer can express), without a crash or a sanitizer report.
 * Accepted blocks are not run: a valid image may loop (TCI allows branches
 * backwards); tests/unit/test-tci.c runs damaged images in a child. */
#include <stdlib.h>
#include <string.h>
#include "ir-test-env.h"
#include "tci/tci.h"
#include "wasm/wasm-writer.h"

static const IRContext ctx = TE_CONTEXT(NULL, NULL);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why;
    TCIBlock *b = tci_image_read(data, size, &ctx, 64, 256, &why);
    if (!b)
        return 0;
    WasmBuf w1, w2;
    wasm_buf_init(&w1);
    wasm_buf_init(&w2);
    if (tci_image_write(b, &ctx, &w1))
        abort(); /* an accepted block must have an image */
    TCIBlock *c = tci_image_read(w1.data, w1.len, &ctx, 64, 256, &why);
    if (!c || tci_image_write(c, &ctx, &w2) || w1.len != w2.len || memcmp(w1.data, w2.data, w1.len))
        abort(); /* the rewritten image must read back to the same block */
    tci_free(c);
    tci_free(b);
    wasm_buf_free(&w1);
    wasm_buf_free(&w2);
    return 0;
}
