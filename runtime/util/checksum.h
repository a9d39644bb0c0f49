/* checksum.h - checksum64, the integrity checksum of Kiln's files: an AOT
 * bundle's module and index (exec/bundle-format.h) and a snapshot's trailer
 * (snap/snap.h).  Not an identity: the guest image and guest code use
 * FNV-1a 64 (exec/tb-key.h). */
#ifndef KILN_UTIL_CHECKSUM_H
#define KILN_UTIL_CHECKSUM_H
#include <stddef.h>
#include <stdint.h>

/* FNV-1a's step over little-endian 64-bit words in four interleaved lanes
 * (so the multiplies do not wait on each other; ~20x faster than bytewise
 * FNV-1a in Wasm), then the lanes, the tail bytes (bytewise FNV-1a 64) and
 * the length folded in.  Any change of one word changes it. */
uint64_t checksum64(const void *data, size_t len);

#endif
