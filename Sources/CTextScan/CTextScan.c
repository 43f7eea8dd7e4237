// The scans are `static inline` in CTextScan.h; a C target needs one source file.
#include "CTextScan.h"
