/* opt.h - IR optimiser: constant folding, copy propagation, dead code.
 * Contract: the result computes the same guest-visible state (globals,
 * memory, helper calls in order) as the input, for every input state. */
#ifndef KILN_OPT_H
#define KILN_OPT_H
#include "ir.h"

void opt_run(IRFunc *f);

#endif
