// Byte scans of JupiterCore's JSON readers and exact dedup's line reading, and scalar scans of the
// quality rules, in C because Swift's SIMD types compile their comparisons one lane at a time:
// these find the first (or last) byte of interest sixteen bytes at a time with SSE2 (in every
// x86-64 CPU) or NEON (in every arm64 CPU), and a byte at a time elsewhere.
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

/// Exact dedup's normalisation (lower case, runs of whitespace as one space, none leading) of
/// whole 16-byte blocks of printable ASCII (0x20 ... 0x7F) from `src`, as long as each block holds
/// no two spaces in a row and does not start with a space that whitespace before it or the text's
/// start already covers; returns the bytes read (a multiple of 16, 0 when the first block does
/// not qualify). Writes at `dst + *written` (16 bytes each time: room for them is the caller's)
/// and advances `*written`. `*pending_space` (a space owed before the next byte written) is taken
/// and left as the one-byte-at-a-time code keeps it: a block's last space is owed, not written.
/// SSE2 only: elsewhere it reads nothing, and the caller goes on eight bytes at a time.
static inline size_t jupiter_normalise_ascii_blocks(const uint8_t *src, size_t n, uint8_t *dst, size_t *written,
                                                    int *pending_space) {
    size_t i = 0;
#if defined(__SSE2__)
    size_t w = *written;
    int pending = *pending_space;
    const __m128i below_space = _mm_set1_epi8(0x20), space = _mm_set1_epi8(0x20), shift = _mm_set1_epi8(0x3F),
                  past_z = _mm_set1_epi8(-102), case_bit = _mm_set1_epi8(0x20);
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(src + i));
        // Signed: bytes from 0x80 are negative, so below 0x20 too.
        if (_mm_movemask_epi8(_mm_cmplt_epi8(v, below_space)) != 0) break;
        unsigned spaces = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, space));
        if ((spaces & (spaces >> 1)) != 0 || ((spaces & 1) != 0 && (pending || w == 0))) break;
        if (pending) {
            dst[w++] = 0x20;
            pending = 0;
        }
        // `A` ... `Z` plus 0x3F are 0x80 ... 0x99, the only sums below -102 (0x9A) as signed bytes.
        __m128i upper = _mm_cmplt_epi8(_mm_add_epi8(v, shift), past_z);
        _mm_storeu_si128((__m128i *)(dst + w), _mm_or_si128(v, _mm_and_si128(upper, case_bit)));
        if ((spaces & 0x8000) != 0) {
            w += 15;
            pending = 1;
        } else {
            w += 16;
        }
    }
    *written = w;
    *pending_space = pending;
#else
    (void)src;
    (void)n;
    (void)dst;
    (void)written;
    (void)pending_space;
#endif
    return i;
}

/// The index of the last byte equal to `c` among the `n` bytes at `p`, or -1: sixteen bytes at a
/// time from the end.
static inline ptrdiff_t jupiter_last_byte(const uint8_t *p, size_t n, uint8_t c) {
    size_t i = n;
#if defined(__SSE2__)
    const __m128i v = _mm_set1_epi8((char)c);
    for (; i >= 16; i -= 16) {
        int mask = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i - 16)), v));
        if (mask != 0) return (ptrdiff_t)(i - 16) + 31 - __builtin_clz((unsigned)mask);
    }
#elif defined(__ARM_NEON)
    const uint8x16_t v = vdupq_n_u8(c);
    for (; i >= 16; i -= 16) {
        uint8x16_t eq = vceqq_u8(vld1q_u8(p + i - 16), v);
        // Four bits per byte: the narrowed comparison as one 64-bit word.
        uint64_t mask = vget_lane_u64(vreinterpret_u64_u8(vshrn_n_u16(vreinterpretq_u16_u8(eq), 4)), 0);
        if (mask != 0) return (ptrdiff_t)(i - 16) + (63 - __builtin_clzll(mask)) / 4;
    }
#endif
    while (i > 0) {
        i--;
        if (p[i] == c) return (ptrdiff_t)i;
    }
    return -1;
}

/// The number of leading bytes of `p[0..<n]` that are printable ASCII (0x20–0x7E), tab, line feed
/// or carriage return: the index of the first other byte (a control, DEL or a byte from 0x80), or
/// `n`. The quality rules' basic scan counts broken characters with it.
static inline size_t jupiter_printable_ascii_run(const uint8_t *p, size_t n) {
    size_t i = 0;
#if defined(__SSE2__)
    // Bytes from 0x80 are negative as signed bytes: `> 0x1F && < 0x7F` leaves them out.
    const __m128i low = _mm_set1_epi8(0x1F), del = _mm_set1_epi8(0x7F);
    const __m128i tab = _mm_set1_epi8(0x09), lf = _mm_set1_epi8(0x0A), cr = _mm_set1_epi8(0x0D);
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i ok = _mm_and_si128(_mm_cmpgt_epi8(x, low), _mm_cmplt_epi8(x, del));
        ok = _mm_or_si128(ok, _mm_or_si128(_mm_cmpeq_epi8(x, tab), _mm_or_si128(_mm_cmpeq_epi8(x, lf), _mm_cmpeq_epi8(x, cr))));
        int mask = ~_mm_movemask_epi8(ok) & 0xFFFF;
        if (mask != 0) return i + (size_t)__builtin_ctz((unsigned)mask);
    }
#endif
    for (; i < n; i++) {
        uint8_t b = p[i];
        if (!((b >= 0x20 && b < 0x7F) || b == 0x09 || b == 0x0A || b == 0x0D)) return i;
    }
    return n;
}

/// The index of the first scalar equal to `c` among the `n` scalars at `p` (32-bit each), or `n`:
/// eight at a time with SSE2, one at a time elsewhere. The quality rules split paragraphs and
/// lines with it.
static inline size_t jupiter_u32_find(const uint32_t *p, size_t n, uint32_t c) {
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i v = _mm_set1_epi32((int)c);
    for (; i + 8 <= n; i += 8) {
        __m128i a = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(p + i)), v);
        __m128i b = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(p + i + 4)), v);
        int mask = _mm_movemask_ps(_mm_castsi128_ps(a)) | _mm_movemask_ps(_mm_castsi128_ps(b)) << 4;
        if (mask != 0) return i + (size_t)__builtin_ctz((unsigned)mask);
    }
#endif
    for (; i < n; i++) {
        if (p[i] == c) return i;
    }
    return n;
}

/// The index of the first line boundary of Python's `str.splitlines` (`\n`, `\r`, `\v`, `\f`,
/// U+001C–U+001E, U+0085, U+2028, U+2029) among the `n` scalars at `p`, or `n`: four at a time
/// with SSE2, one at a time elsewhere.
static inline size_t jupiter_u32_find_line_break(const uint32_t *p, size_t n) {
    size_t i = 0;
#if defined(__SSE2__)
    // Scalars are at most 0x10FFFF: signed comparisons order them.
    const __m128i lo1 = _mm_set1_epi32(0x09), hi1 = _mm_set1_epi32(0x0E);   // 0x0A...0x0D
    const __m128i lo2 = _mm_set1_epi32(0x1B), hi2 = _mm_set1_epi32(0x1F);   // 0x1C...0x1E
    const __m128i nel = _mm_set1_epi32(0x85);
    const __m128i lo3 = _mm_set1_epi32(0x2027), hi3 = _mm_set1_epi32(0x202A);  // 0x2028, 0x2029
    for (; i + 4 <= n; i += 4) {
        __m128i x = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i m = _mm_and_si128(_mm_cmpgt_epi32(x, lo1), _mm_cmplt_epi32(x, hi1));
        m = _mm_or_si128(m, _mm_and_si128(_mm_cmpgt_epi32(x, lo2), _mm_cmplt_epi32(x, hi2)));
        m = _mm_or_si128(m, _mm_cmpeq_epi32(x, nel));
        m = _mm_or_si128(m, _mm_and_si128(_mm_cmpgt_epi32(x, lo3), _mm_cmplt_epi32(x, hi3)));
        int mask = _mm_movemask_ps(_mm_castsi128_ps(m));
        if (mask != 0) return i + (size_t)__builtin_ctz((unsigned)mask);
    }
#endif
    for (; i < n; i++) {
        uint32_t c = p[i];
        if ((c >= 0x0A && c <= 0x0D) || (c >= 0x1C && c <= 0x1E) || c == 0x85 || c == 0x2028 || c == 0x2029) return i;
    }
    return n;
}

/// Starts loading the cache line at `p` for reading (a hint; never faults). Exact dedup issues it
/// for the next record's key slot while it decides the current record.
static inline void jupiter_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#endif
