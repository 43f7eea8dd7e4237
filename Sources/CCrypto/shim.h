// OpenSSL's libcrypto (Debian: libssl-dev), for SHA-256 only: its block function uses the CPU's
// SHA extensions where present (several times faster than portable code). The low-level
// SHA256_Init/Update/Final calls are deprecated in OpenSSL 3 in favour of EVP, whose per-message
// set-up costs more than hashing the short texts Jupiter keys (cache keys, dedup keys); they stay
// supported through OpenSSL 3.x.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
