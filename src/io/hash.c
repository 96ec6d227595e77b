/* Content hash of an input file, for "already ingested" detection. XXH3-128
 * reads at memory speed, so hashing costs a small fraction of the parse.
 * A regular file is hashed through a read-only mapping, a window at a time:
 * that skips read(2)'s copy out of the page cache (on the benchmark's VM the
 * copy cost three times the hash), and dropping each window after use keeps
 * resident memory small whatever the file's size. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include "saydo/ingest.h"
#include "util/try.h"

saydo_status saydo_file_hash(const char *path, char hex[33])
{
    saydo_status st = SAYDO_OK;
    XXH3_state_t *state = XXH3_createState();
    char *buf = malloc(1 << 20);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    SAYDO_FAIL_IF(!state || !buf, SAYDO_E_NOMEM, "out of memory");
    SAYDO_FAIL_IF(fd < 0, SAYDO_E_IO, "%s: cannot open: %s", path, strerror(errno));
    XXH3_128bits_reset(state);
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
        const size_t size = (size_t)sb.st_size, window = (size_t)8 << 20;
        unsigned char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map != MAP_FAILED) {
            for (size_t off = 0; off < size; off += window) {
                size_t n = size - off < window ? size - off : window;
                XXH3_128bits_update(state, map + off, n);
                madvise(map + off, n, MADV_DONTNEED);   /* only unmaps: the page cache keeps the data */
            }
            munmap(map, size);
            goto digest;
        }
    }
    for (;;) {
        ssize_t n = read(fd, buf, 1 << 20);
        if (n < 0 && errno == EINTR) continue;
        SAYDO_FAIL_IF(n < 0, SAYDO_E_IO, "%s: read failed: %s", path, strerror(errno));
        if (n == 0) break;
        XXH3_128bits_update(state, buf, (size_t)n);
    }
digest:;
    XXH128_hash_t h = XXH3_128bits_digest(state);
    snprintf(hex, 33, "%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
cleanup:
    if (fd >= 0) close(fd);
    free(buf);
    XXH3_freeState(state);
    return st;
}
