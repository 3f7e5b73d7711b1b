// The C face of libuv for Swift. Only casts live here: libuv's handle "subclasses" share a prefix with
// uv_handle_t and uv_stream_t, which C expresses with a cast and Swift cannot.
#ifndef CUV_SHIM_H
#define CUV_SHIM_H

#include <uv.h>

static inline uv_handle_t *cuv_handle(void *handle) { return (uv_handle_t *)handle; }
static inline uv_stream_t *cuv_stream(void *stream) { return (uv_stream_t *)stream; }
static inline const struct sockaddr *cuv_sockaddr(const void *address) { return (const struct sockaddr *)address; }

// glibc's fallocate(2), which it declares only under _GNU_SOURCE (Swift's Glibc module does not set it).
// FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE (3): gives back space reserved past a file's end, as versions before
// zero-written reservations left it.
extern int fallocate(int fd, int mode, off_t offset, off_t len);
static inline int cuv_release_space(int fd, off_t offset, off_t length) { return fallocate(fd, 3, offset, length); }

#endif
