// zlib from Debian's zlib1g-dev, for gzip-encoded scrapes.
#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
#include <zlib.h>
#endif
