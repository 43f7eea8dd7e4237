// Jupiter's fast DEFLATE encoder: see include/FastDeflate.h. Written for Jupiter from RFC 1951.
//
// One pass finds matches: at each position the next five bytes are hashed into a table holding
// the last position with that hash; if that position lies in the 32 KiB window and its first four
// bytes agree, the match is extended (eight bytes at a time, up to 258) and taken, else the byte
// is a literal. Tokens and their symbol counts are gathered for a block of up to 32,768 tokens;
// the block is then written in the cheapest of three forms, counted in bits beforehand: dynamic
// Huffman codes (at most 15 bits long, built from the counts), the fixed codes, or stored bytes.
#include "FastDeflate.h"

#include <stdlib.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "FastDeflate reads words as little-endian"
#endif

enum {
    HASH_BITS_MAX = 15,
    BLOCK_TOKENS = 32768,
    WINDOW = 32768,
    MAX_MATCH = 258,
    LITLEN_SYMBOLS = 286,
    DIST_SYMBOLS = 30,
    CODELEN_SYMBOLS = 19,
    END_OF_BLOCK = 256,
};

/// A match token: this bit, the distance symbol in bits 24–28, length − 3 in bits 16–23 and
/// distance − 1 in bits 0–14. A literal token is the byte itself.
#define MATCH_FLAG 0x80000000u

struct jupiter_deflate_state {
    /// Last position (from the input's start) of each 5-byte hash; the first 2^bits entries are
    /// cleared by each call.
    uint32_t table[1u << HASH_BITS_MAX];
    uint32_t tokens[BLOCK_TOKENS];
    uint32_t litlen_freq[LITLEN_SYMBOLS];
    uint32_t dist_freq[DIST_SYMBOLS];
    uint8_t litlen_len[LITLEN_SYMBOLS];
    uint8_t dist_len[DIST_SYMBOLS];
    uint16_t litlen_code[LITLEN_SYMBOLS];
    uint16_t dist_code[DIST_SYMBOLS];
    /// The fixed codes of RFC 1951 section 3.2.6.
    uint8_t fixed_litlen_len[288];
    uint8_t fixed_dist_len[32];
    uint16_t fixed_litlen_code[288];
    uint16_t fixed_dist_code[32];
};

static inline uint64_t load64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline unsigned log2_floor(unsigned v) { return 31u - (unsigned)__builtin_clz(v); }

/// The length symbol (257…285) of a match of length `l3` + 3.
static inline unsigned length_symbol(unsigned l3) {
    if (l3 < 8) return 257 + l3;
    if (l3 == 255) return 285;
    unsigned l = log2_floor(l3);
    return 257 + 4 * (l - 1) + ((l3 >> (l - 2)) & 3);
}

/// Extra bits after a length symbol.
static inline unsigned length_extra_bits(unsigned symbol) {
    return (symbol >= 265 && symbol < 285) ? (symbol - 261) / 4 : 0;
}

/// The distance symbol (0…29) of distance `d1` + 1.
static inline unsigned distance_symbol(unsigned d1) {
    if (d1 < 4) return d1;
    unsigned l = log2_floor(d1);
    return 2 * l + ((d1 >> (l - 1)) & 1);
}

/// Extra bits after a distance symbol.
static inline unsigned distance_extra_bits(unsigned symbol) { return symbol < 4 ? 0 : symbol / 2 - 1; }

/// Bits are gathered least significant first; each `put` stores the word and keeps at most 7
/// bits pending, so up to 56 bits may go in at once (8 bytes of slack past the output's end).
typedef struct {
    uint8_t *out;
    uint64_t buf;
    unsigned count;
} bit_writer;

static inline void put(bit_writer *w, uint64_t bits, unsigned n) {
    w->buf |= bits << w->count;
    w->count += n;
    memcpy(w->out, &w->buf, 8);
    w->out += w->count >> 3;
    w->buf >>= w->count & 56;
    w->count &= 7;
}

static void align_to_byte(bit_writer *w) {
    if (w->count) w->out++;
    w->buf = 0;
    w->count = 0;
}

/// Code lengths of a complete prefix code no longer than `max_len` bits for the `n` symbols'
/// frequencies: Huffman's construction, then the over-long codes clamped and shorter ones
/// lengthened until the code is exactly complete, the least frequent symbols taking the
/// longest codes. Fewer than two used symbols get two codes of length 1 (inflaters accept
/// only complete codes).
static void build_lengths(const uint32_t *freq, unsigned n, unsigned max_len, uint8_t *lengths) {
    uint64_t keys[LITLEN_SYMBOLS];
    unsigned used = 0;
    for (unsigned s = 0; s < n; s++) {
        lengths[s] = 0;
        if (freq[s]) keys[used++] = ((uint64_t)freq[s] << 9) | s;
    }
    if (used < 2) {
        unsigned a = used ? (unsigned)(keys[0] & 511) : 0;
        lengths[a] = 1;
        lengths[a == 0 ? 1 : 0] = 1;
        return;
    }
    // Ascending by frequency, then symbol: at most 286 keys.
    for (unsigned i = 1; i < used; i++) {
        uint64_t k = keys[i];
        unsigned j = i;
        for (; j > 0 && keys[j - 1] > k; j--) keys[j] = keys[j - 1];
        keys[j] = k;
    }
    // Two queues: leaves 0..<used ascending, inner nodes from `used` on in creation order (their
    // weights ascend too); a tie takes the leaf.
    uint64_t weight[2 * LITLEN_SYMBOLS];
    unsigned parent[2 * LITLEN_SYMBOLS];
    for (unsigned i = 0; i < used; i++) weight[i] = keys[i] >> 9;
    unsigned leaf = 0, inner = used, next = used;
    for (unsigned k = 0; k + 1 < used; k++) {
        unsigned pick[2];
        for (unsigned t = 0; t < 2; t++) {
            if (leaf < used && (inner >= next || weight[leaf] <= weight[inner])) pick[t] = leaf++;
            else pick[t] = inner++;
        }
        weight[next] = weight[pick[0]] + weight[pick[1]];
        parent[pick[0]] = next;
        parent[pick[1]] = next;
        next++;
    }
    unsigned depth[2 * LITLEN_SYMBOLS];
    depth[next - 1] = 0;
    for (unsigned i = next - 1; i-- > used;) depth[i] = depth[parent[i]] + 1;
    unsigned count[16] = {0};
    for (unsigned i = 0; i < used; i++) {
        unsigned d = depth[parent[i]] + 1;
        count[d > max_len ? max_len : d]++;
    }
    // Kraft sum in units of 2^-max_len; clamping can only have raised it above 1.
    uint32_t total = 0;
    for (unsigned l = 1; l <= max_len; l++) total += count[l] << (max_len - l);
    while (total > (1u << max_len)) {
        // Drop one longest code's weight: move a shorter code down a level, where it and the
        // dropped code become siblings.
        count[max_len]--;
        for (unsigned l = max_len - 1; l > 0; l--) {
            if (count[l]) {
                count[l]--;
                count[l + 1] += 2;
                break;
            }
        }
        total--;
    }
    unsigned i = 0;
    for (unsigned l = max_len; l > 0; l--) {
        for (unsigned c = count[l]; c > 0; c--) lengths[keys[i++] & 511] = (uint8_t)l;
    }
}

void jupiter_deflate_code_lengths(const uint32_t *freq, size_t count, unsigned max_len, uint8_t *lengths) {
    if (count < 2 || count > LITLEN_SYMBOLS || max_len < 1 || max_len > 15 || ((size_t)1 << max_len) < count) return;
    build_lengths(freq, (unsigned)count, max_len, lengths);
}

/// Canonical codes for the lengths, bit-reversed (deflate sends codes most significant bit first
/// into a least-significant-first stream).
static void build_codes(const uint8_t *lengths, unsigned n, uint16_t *codes) {
    unsigned count[16] = {0};
    for (unsigned s = 0; s < n; s++) count[lengths[s]]++;
    count[0] = 0;
    unsigned next[16] = {0};
    unsigned code = 0;
    for (unsigned l = 1; l < 16; l++) {
        code = (code + count[l - 1]) << 1;
        next[l] = code;
    }
    for (unsigned s = 0; s < n; s++) {
        unsigned l = lengths[s];
        unsigned c = l ? next[l]++ : 0, r = 0;
        for (unsigned b = 0; b < l; b++, c >>= 1) r = (r << 1) | (c & 1);
        codes[s] = (uint16_t)r;
    }
}

static const uint8_t codelen_order[CODELEN_SYMBOLS] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
static const uint8_t codelen_extra_bits[CODELEN_SYMBOLS] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7};

/// A dynamic block's header: the code lengths run-length coded (16 repeats the previous length
/// 3–6 times, 17 and 18 write 3–10 and 11–138 zeros) and the code-length code.
typedef struct {
    unsigned litlen_count, dist_count, codelen_count;
    /// Symbol in bits 0–4, its extra-bits value from bit 5.
    uint16_t items[LITLEN_SYMBOLS + DIST_SYMBOLS];
    unsigned item_count;
    uint32_t freq[CODELEN_SYMBOLS];
    uint8_t len[CODELEN_SYMBOLS];
    uint16_t code[CODELEN_SYMBOLS];
    /// The header's size in bits, without the 3 bits of block type.
    uint64_t bits;
} dynamic_header;

static void plan_header(const jupiter_deflate_state *s, dynamic_header *h) {
    unsigned nlit = LITLEN_SYMBOLS, ndist = DIST_SYMBOLS;
    while (nlit > 257 && !s->litlen_len[nlit - 1]) nlit--;
    while (ndist > 1 && !s->dist_len[ndist - 1]) ndist--;
    uint8_t all[LITLEN_SYMBOLS + DIST_SYMBOLS];
    memcpy(all, s->litlen_len, nlit);
    memcpy(all + nlit, s->dist_len, ndist);
    unsigned total = nlit + ndist;
    memset(h->freq, 0, sizeof h->freq);
    h->item_count = 0;
    for (unsigned i = 0; i < total;) {
        uint8_t v = all[i];
        unsigned run = 1;
        while (i + run < total && all[i + run] == v) run++;
        i += run;
        if (v == 0) {
            while (run >= 11) {
                unsigned r = run > 138 ? 138 : run;
                h->items[h->item_count++] = (uint16_t)(18 | (r - 11) << 5);
                h->freq[18]++;
                run -= r;
            }
            if (run >= 3) {
                h->items[h->item_count++] = (uint16_t)(17 | (run - 3) << 5);
                h->freq[17]++;
                run = 0;
            }
        } else {
            h->items[h->item_count++] = v;
            h->freq[v]++;
            run--;
            while (run >= 3) {
                unsigned r = run > 6 ? 6 : run;
                h->items[h->item_count++] = (uint16_t)(16 | (r - 3) << 5);
                h->freq[16]++;
                run -= r;
            }
        }
        for (; run > 0; run--) {
            h->items[h->item_count++] = v;
            h->freq[v]++;
        }
    }
    build_lengths(h->freq, CODELEN_SYMBOLS, 7, h->len);
    build_codes(h->len, CODELEN_SYMBOLS, h->code);
    unsigned nclen = CODELEN_SYMBOLS;
    while (nclen > 4 && !h->len[codelen_order[nclen - 1]]) nclen--;
    h->litlen_count = nlit;
    h->dist_count = ndist;
    h->codelen_count = nclen;
    uint64_t bits = 5 + 5 + 4 + 3 * (uint64_t)nclen;
    for (unsigned c = 0; c < CODELEN_SYMBOLS; c++) bits += (uint64_t)h->freq[c] * (h->len[c] + codelen_extra_bits[c]);
    h->bits = bits;
}

static void write_header(bit_writer *w, const dynamic_header *h) {
    put(w, h->litlen_count - 257, 5);
    put(w, h->dist_count - 1, 5);
    put(w, h->codelen_count - 4, 4);
    for (unsigned i = 0; i < h->codelen_count; i++) put(w, h->len[codelen_order[i]], 3);
    for (unsigned i = 0; i < h->item_count; i++) {
        unsigned sym = h->items[i] & 31;
        put(w, h->code[sym] | (uint64_t)(h->items[i] >> 5) << h->len[sym], h->len[sym] + codelen_extra_bits[sym]);
    }
}

/// Writes the block's tokens and its end-of-block code with the given codes.
static void write_tokens(bit_writer *w, const uint32_t *tokens, unsigned count, const uint8_t *llen,
                         const uint16_t *lcode, const uint8_t *dlen, const uint16_t *dcode) {
    // Each length's code and extra bits together, for this block's codes.
    uint32_t length_bits[256];
    uint8_t length_count[256];
    for (unsigned l3 = 0; l3 < 256; l3++) {
        unsigned sym = length_symbol(l3), extra = length_extra_bits(sym);
        unsigned base = extra ? (4u + ((l3 >> extra) & 3u)) << extra : l3;
        length_bits[l3] = lcode[sym] | (l3 - base) << llen[sym];
        length_count[l3] = (uint8_t)(llen[sym] + extra);
    }
    uint8_t *out = w->out;
    uint64_t buf = w->buf;
    unsigned n = w->count;
    for (unsigned i = 0; i < count; i++) {
        uint32_t t = tokens[i];
        if (!(t & MATCH_FLAG)) {
            buf |= (uint64_t)lcode[t] << n;
            n += llen[t];
        } else {
            unsigned l3 = (t >> 16) & 0xFF, d1 = t & 0x7FFF, ds = (t >> 24) & 31;
            unsigned dx = distance_extra_bits(ds);
            unsigned dbase = ds < 4 ? ds : (2u + (ds & 1u)) << dx;
            buf |= (uint64_t)length_bits[l3] << n;
            n += length_count[l3];
            buf |= ((uint64_t)dcode[ds] | (uint64_t)(d1 - dbase) << dlen[ds]) << n;
            n += dlen[ds] + dx;
        }
        // At most 7 + 20 + 28 bits are pending here.
        memcpy(out, &buf, 8);
        out += n >> 3;
        buf >>= n & 56;
        n &= 7;
    }
    w->out = out;
    w->buf = buf;
    w->count = n;
    put(w, lcode[END_OF_BLOCK], llen[END_OF_BLOCK]);
}

static void write_stored(bit_writer *w, const uint8_t *p, size_t n, int final) {
    do {
        size_t chunk = n > 65535 ? 65535 : n;
        n -= chunk;
        put(w, (final && n == 0) ? 1 : 0, 3);
        align_to_byte(w);
        uint8_t lens[4] = {(uint8_t)chunk, (uint8_t)(chunk >> 8), (uint8_t)~chunk, (uint8_t)(~chunk >> 8)};
        memcpy(w->out, lens, 4);
        memcpy(w->out + 4, p, chunk);
        w->out += 4 + chunk;
        p += chunk;
    } while (n > 0);
}

jupiter_deflate_state *jupiter_deflate_alloc(void) {
    // Not cleared: every call clears the table part it uses and writes everything else before
    // reading it (a run allocates a state per batch file, so 260 KB of zeros each time would cost).
    jupiter_deflate_state *s = (jupiter_deflate_state *)malloc(sizeof(jupiter_deflate_state));
    if (!s) return NULL;
    for (unsigned c = 0; c < 288; c++) s->fixed_litlen_len[c] = c < 144 ? 8 : c < 256 ? 9 : c < 280 ? 7 : 8;
    for (unsigned c = 0; c < 32; c++) s->fixed_dist_len[c] = 5;
    build_codes(s->fixed_litlen_len, 288, s->fixed_litlen_code);
    build_codes(s->fixed_dist_len, 32, s->fixed_dist_code);
    return s;
}

void jupiter_deflate_free(jupiter_deflate_state *state) { free(state); }

// Each block of B ≥ 1 input bytes costs at most its stored form, B + 5 bytes per 65,535 and one
// more; blocks before the last hold 32,768 tokens, so at least as many bytes. The rest is the
// writer's 8 bytes of slack and a margin.
size_t jupiter_deflate_bound(size_t count) { return count + count / 2048 + 64; }

size_t jupiter_deflate(jupiter_deflate_state *s, const uint8_t *in, size_t n, uint8_t *out, size_t capacity) {
    if (capacity < jupiter_deflate_bound(n) || n > UINT32_MAX - 16) return 0;
    if (n == 0) {
        // One final fixed-code block holding only its end code (`in` may be NULL here).
        out[0] = 0x03;
        out[1] = 0x00;
        return 2;
    }
    unsigned bits = 10;
    while (bits < HASH_BITS_MAX && ((size_t)1 << bits) < n) bits++;
    // Position 0 in every slot: a real position, checked like any other.
    memset(s->table, 0, sizeof(uint32_t) << bits);
    const unsigned shift = 64 - bits;
    bit_writer w = {out, 0, 0};
    const uint8_t *ip = in, *end = in + n;
    // Eight bytes are readable at every position before `limit`.
    const uint8_t *limit = n > 8 ? end - 8 : in;
    for (;;) {
        const uint8_t *block = ip;
        unsigned ntok = 0;
        uint32_t *tok = s->tokens, *lf = s->litlen_freq, *df = s->dist_freq;
        uint32_t length_freq[256] = {0};
        memset(s->litlen_freq, 0, sizeof s->litlen_freq);
        memset(s->dist_freq, 0, sizeof s->dist_freq);
        while (ip < limit && ntok < BLOCK_TOKENS) {
            uint64_t cur = load64(ip);
            uint32_t h = (uint32_t)(((cur << 24) * 0x9E3779B97F4A7C15ull) >> shift);
            uint32_t pos = (uint32_t)(ip - in);
            uint32_t cand = s->table[h];
            s->table[h] = pos;
            uint32_t d1 = pos - cand - 1;
            uint64_t x = load64(in + cand) ^ cur;
            if (d1 < WINDOW && (uint32_t)x == 0) {
                const uint8_t *p;
                if (x) {
                    p = ip + (__builtin_ctzll(x) >> 3);
                } else {
                    const uint8_t *m = in + cand + 8;
                    size_t room = (size_t)(end - ip);
                    const uint8_t *stop = ip + (room < MAX_MATCH ? room : MAX_MATCH);
                    p = ip + 8;
                    while (p + 8 <= stop) {
                        uint64_t y = load64(p) ^ load64(m);
                        if (y) break;
                        p += 8;
                        m += 8;
                    }
                    if (p + 8 <= stop) {
                        p += __builtin_ctzll(load64(p) ^ load64(m)) >> 3;
                    } else {
                        while (p < stop && *p == *m) {
                            p++;
                            m++;
                        }
                    }
                }
                unsigned l3 = (unsigned)(p - ip) - 3;
                unsigned ds = distance_symbol(d1);
                tok[ntok++] = MATCH_FLAG | ds << 24 | l3 << 16 | d1;
                length_freq[l3]++;
                df[ds]++;
                ip = p;
            } else {
                tok[ntok++] = *ip;
                lf[*ip]++;
                ip++;
            }
        }
        if (ip >= limit) {
            for (; ip < end && ntok < BLOCK_TOKENS; ip++) {
                tok[ntok++] = *ip;
                lf[*ip]++;
            }
        }
        const int final = ip == end;
        lf[END_OF_BLOCK]++;
        for (unsigned l3 = 0; l3 < 256; l3++) lf[length_symbol(l3)] += length_freq[l3];

        build_lengths(lf, LITLEN_SYMBOLS, 15, s->litlen_len);
        build_lengths(df, DIST_SYMBOLS, 15, s->dist_len);
        build_codes(s->litlen_len, LITLEN_SYMBOLS, s->litlen_code);
        build_codes(s->dist_len, DIST_SYMBOLS, s->dist_code);
        dynamic_header header;
        plan_header(s, &header);
        uint64_t dynamic_bits = 3 + header.bits, fixed_bits = 3;
        for (unsigned c = 0; c < LITLEN_SYMBOLS; c++) {
            unsigned extra = length_extra_bits(c);
            dynamic_bits += (uint64_t)lf[c] * (s->litlen_len[c] + extra);
            fixed_bits += (uint64_t)lf[c] * (s->fixed_litlen_len[c] + extra);
        }
        for (unsigned c = 0; c < DIST_SYMBOLS; c++) {
            unsigned extra = distance_extra_bits(c);
            dynamic_bits += (uint64_t)df[c] * (s->dist_len[c] + extra);
            fixed_bits += (uint64_t)df[c] * (5 + extra);
        }
        size_t raw = (size_t)(ip - block);
        uint64_t stored_bits = (raw / 65535 + 1) * 40 + 8 * (uint64_t)raw;
        if (stored_bits <= dynamic_bits && stored_bits <= fixed_bits) {
            write_stored(&w, block, raw, final);
        } else if (fixed_bits <= dynamic_bits) {
            put(&w, (unsigned)final | 1u << 1, 3);
            write_tokens(&w, s->tokens, ntok, s->fixed_litlen_len, s->fixed_litlen_code, s->fixed_dist_len,
                         s->fixed_dist_code);
        } else {
            put(&w, (unsigned)final | 2u << 1, 3);
            write_header(&w, &header);
            write_tokens(&w, s->tokens, ntok, s->litlen_len, s->litlen_code, s->dist_len, s->dist_code);
        }
        if (final) break;
    }
    align_to_byte(&w);
    return (size_t)(w.out - out);
}
