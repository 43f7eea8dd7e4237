// xxHash (Debian: libxxhash-dev), for XXH3: exact-dedup's keys (128-bit) and the hashes of work
// files kept by reference (64-bit). On the short texts exact-dedup keys (one side of a sentence
// pair, about 125 bytes), SHA-256 through OpenSSL cost about 470 ns per text here (its
// per-message set-up and padding dominate); XXH3-128 a few tens.
#include <xxhash.h>
