// xxHash (Debian: libxxhash-dev), for XXH3's 128-bit hash only: exact-dedup's keys. On the short
// texts it keys (one side of a sentence pair, about 125 bytes), SHA-256 through OpenSSL cost about
// 470 ns per text here (its per-message set-up and padding dominate); XXH3-128 a few tens.
#include <xxhash.h>
