// The MinHash signature kernel of JupiterCurate's `minhash-dedup`, in C because Swift cannot
// compile one function for a CPU feature and pick it at run time: a plain Swift build targets
// baseline x86-64 (SSE2), which has neither a 64-bit multiply nor a 64-bit compare in vector
// form, and the signature loop is where MinHash dedup spends most of its time.
//
// Every level computes the same integers; only the instructions differ.
#ifndef JUPITER_CMINHASH_H
#define JUPITER_CMINHASH_H

#include <stddef.h>
#include <stdint.h>

/// Instruction-set levels of the kernel.
enum {
    /// Any CPU: plain C, vectorised for the build's baseline.
    JUPITER_MINHASH_PORTABLE = 0,
    /// x86-64 with AVX2.
    JUPITER_MINHASH_AVX2 = 1,
    /// x86-64 with AVX-512 F, DQ and VL (native 64-bit multiply and min).
    JUPITER_MINHASH_AVX512 = 2,
};

/// The best level this CPU runs (detected once).
int jupiter_minhash_best_level(void);

/// For each permutation k < `perms` (a multiple of 8), `out[k]` is the minimum over the `count`
/// (> 0) shingle hashes h of `((a[k]·h + b[k]) mod 2^64) mod (2^61 − 1)`. `level` above the
/// best level is lowered to it.
void jupiter_minhash_signature(int level, const uint64_t *shingles, size_t count, const uint64_t *a,
                               const uint64_t *b, size_t perms, uint64_t *out);

#endif
