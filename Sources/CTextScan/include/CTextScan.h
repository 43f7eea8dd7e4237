// Byte scans of JupiterCore's JSON readers, in C because Swift's SIMD types compile their
// comparisons one lane at a time: these find the first byte of interest sixteen bytes at a time
// with SSE2 (in every x86-64 CPU) or NEON (in every arm64 CPU), and a byte at a time elsewhere.
// `static inline`, so that the Swift code calling them compiles them in place (no call).
#ifndef JUPITER_CTEXTSCAN_H
#define JUPITER_CTEXTSCAN_H

#include <stddef.h>
#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#endif

/// The number of leading bytes of `p[0..<n]` that a JSON string holds as they are, as ASCII: the
/// index of the first quote, backslash, control byte (below 0x20) or byte from 0x80; `n` when
/// there is none.
static inline size_t jupiter_json_ascii_run(const uint8_t *p, size_t n) {
    size_t i = 0;
#if defined(__SSE2__)
    // Signed, the bytes from 0x80 are negative: one compare finds them and the control bytes.
    const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i stop = _mm_or_si128(_mm_cmplt_epi8(v, space),
                                    _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
        int mask = _mm_movemask_epi8(stop);
        if (mask != 0) return i + (size_t)__builtin_ctz((unsigned)mask);
    }
#elif defined(__ARM_NEON)
    const uint8x16_t space = vdupq_n_u8(0x20), high = vdupq_n_u8(0x80), quote = vdupq_n_u8('"'),
                     backslash = vdupq_n_u8('\\');
    for (; i + 16 <= n; i += 16) {
        uint8x16_t v = vld1q_u8(p + i);
        uint8x16_t stop = vorrq_u8(vorrq_u8(vcltq_u8(v, space), vcgeq_u8(v, high)),
                                   vorrq_u8(vceqq_u8(v, quote), vceqq_u8(v, backslash)));
        if (vmaxvq_u8(stop) != 0) break;
    }
#endif
    for (; i < n; i++) {
        uint8_t c = p[i];
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return i;
    }
    return n;
}

/// The number of leading bytes of `p[0..<n]` that a JSON string holds as they are (any byte from
/// 0x80 included): the index of the first quote, backslash or control byte; `n` when there is none.
static inline size_t jupiter_json_plain_run(const uint8_t *p, size_t n) {
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), top = _mm_set1_epi8(0x1F);
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        // Unsigned v <= 0x1F: min(v, 0x1F) == v.
        __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, top), v);
        __m128i stop = _mm_or_si128(control, _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
        int mask = _mm_movemask_epi8(stop);
        if (mask != 0) return i + (size_t)__builtin_ctz((unsigned)mask);
    }
#elif defined(__ARM_NEON)
    const uint8x16_t space = vdupq_n_u8(0x20), quote = vdupq_n_u8('"'), backslash = vdupq_n_u8('\\');
    for (; i + 16 <= n; i += 16) {
        uint8x16_t v = vld1q_u8(p + i);
        uint8x16_t stop = vorrq_u8(vcltq_u8(v, space), vorrq_u8(vceqq_u8(v, quote), vceqq_u8(v, backslash)));
        if (vmaxvq_u8(stop) != 0) break;
    }
#endif
    for (; i < n; i++) {
        uint8_t c = p[i];
        if (c < 0x20 || c == '"' || c == '\\') return i;
    }
    return n;
}

/// Starts loading the cache line at `p` for reading (a hint; never faults). Exact dedup issues it
/// for the next record's key slot while it decides the current record.
static inline void jupiter_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#endif
