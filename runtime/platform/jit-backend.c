/* jit-backend.c - registers the Emscripten JIT backend (jit-host.js) with
 * the JIT policy in exec/jit.c. */
#include <stddef.h>
#include <stdint.h>
#include "exec/jit.h"

int kiln_jit_install(const uint8_t *bytes, size_t len, unsigned nfuncs, uint32_t *out);
void kiln_jit_release(uint32_t index);

void jit_platform_register(void)
{
    jit_set_backend(kiln_jit_install, kiln_jit_release);
}
