#include "CMinHash.h"

#define JUPITER_PRIME ((1ULL << 61) - 1)

// One block of 8 permutations at a time over all shingles, eight running minima. Values stay
// below 2^62, so signed compares (which every vector unit has) order them correctly.
#define JUPITER_MINHASH_KERNEL(name, attributes)                                                   \
    attributes static void name(const uint64_t *shingles, size_t count, const uint64_t *a,        \
                                const uint64_t *b, size_t perms, uint64_t *out) {                 \
        for (size_t o = 0; o + 8 <= perms; o += 8) {                                               \
            uint64_t aa[8], bb[8];                                                                 \
            int64_t m[8];                                                                          \
            for (int l = 0; l < 8; l++) {                                                          \
                aa[l] = a[o + l];                                                                  \
                bb[l] = b[o + l];                                                                  \
                m[l] = INT64_MAX;                                                                  \
            }                                                                                      \
            for (size_t i = 0; i < count; i++) {                                                   \
                uint64_t h = shingles[i];                                                          \
                for (int l = 0; l < 8; l++) {                                                      \
                    uint64_t x = h * aa[l] + bb[l];                                                \
                    int64_t y = (int64_t)((x & JUPITER_PRIME) + (x >> 61));                        \
                    y = y >= (int64_t)JUPITER_PRIME ? y - (int64_t)JUPITER_PRIME : y;              \
                    m[l] = y < m[l] ? y : m[l];                                                    \
                }                                                                                  \
            }                                                                                      \
            for (int l = 0; l < 8; l++) out[o + l] = (uint64_t)m[l];                               \
        }                                                                                          \
    }

JUPITER_MINHASH_KERNEL(signature_portable, )

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define JUPITER_MINHASH_X86 1
JUPITER_MINHASH_KERNEL(signature_avx2, __attribute__((target("avx2"))))
JUPITER_MINHASH_KERNEL(signature_avx512, __attribute__((target("avx512f,avx512dq,avx512vl"))))
#endif

static int detect(void) {
#ifdef JUPITER_MINHASH_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl"))
        return JUPITER_MINHASH_AVX512;
    if (__builtin_cpu_supports("avx2")) return JUPITER_MINHASH_AVX2;
#endif
    return JUPITER_MINHASH_PORTABLE;
}

int jupiter_minhash_best_level(void) {
    // Racing first calls compute the same value; relaxed atomics make that race well defined.
    static int best = -1;
    int level = __atomic_load_n(&best, __ATOMIC_RELAXED);
    if (level < 0) {
        level = detect();
        __atomic_store_n(&best, level, __ATOMIC_RELAXED);
    }
    return level;
}

void jupiter_minhash_signature(int level, const uint64_t *shingles, size_t count, const uint64_t *a,
                               const uint64_t *b, size_t perms, uint64_t *out) {
    int best = jupiter_minhash_best_level();
    if (level > best) level = best;
#ifdef JUPITER_MINHASH_X86
    if (level >= JUPITER_MINHASH_AVX512) {
        signature_avx512(shingles, count, a, b, perms, out);
        return;
    }
    if (level >= JUPITER_MINHASH_AVX2) {
        signature_avx2(shingles, count, a, b, perms, out);
        return;
    }
#endif
    signature_portable(shingles, count, a, b, perms, out);
}
