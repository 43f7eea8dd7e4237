// libdeflate (Debian: libdeflate-dev): whole-buffer DEFLATE/gzip compression, 2 to 2.5 times
// zlib's speed at the same level and ratio. Jupiter compresses whole batches and 1 MiB blocks,
// so it needs no streaming compressor.
#include <libdeflate.h>
