/* Content hash of an input file, for "already ingested" detection. XXH3-128
 * reads at memory speed (14 GB/s on the benchmark VM from memory), so what
 * costs is getting the bytes: read(2) into one 1 MiB buffer that stays in
 * cache. A read-only mapping was used before; on the shared 2-core VM
 * (2026-12-02, a paravirtualised guest where every page fault traps) it
 * took 0.50-0.55 s of CPU for a 522 MB and a 587 MB file against 0.14-0.17 s
 * with read(2), and 3x the wall time: the faults (fault-around maps 16 pages
 * at a time) and the unmapping cost more than the copy out of the page
 * cache. Measured with both files in the page cache, as they are right
 * after the parse has read them.
 *
 * A directory (a HELM run directory is one input) is hashed as the stream
 * of its regular files, found recursively and taken in byte order of their
 * paths relative to the directory: for each, the path, a NUL, its size as 8
 * little-endian bytes, then its bytes. The path and size framing keeps two
 * trees apart whose concatenated contents happen to agree; the order makes
 * the hash independent of readdir()'s order, so a copy of the directory
 * elsewhere hashes the same. Symbolic links to files count as the file;
 * links to directories are not followed (no cycles). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include "saydo/ingest.h"
#include "util/try.h"

enum { HASH_BUF = 1 << 20, DIR_MAX_DEPTH = 32 };

/* Feeds the bytes of the open file fd into state, through buf (HASH_BUF bytes). */
static saydo_status hash_fd(XXH3_state_t *state, int fd, const char *path, char *buf)
{
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);   /* a cold file: read ahead further */
    for (;;) {
        ssize_t n = read(fd, buf, HASH_BUF);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return saydo_set_error(SAYDO_E_IO, "%s: read failed: %s", path, strerror(errno));
        if (n == 0) return SAYDO_OK;
        XXH3_128bits_update(state, buf, (size_t)n);
    }
}

typedef struct {
    char **path;   /* relative to the top directory */
    size_t n, cap;
} pathlist_t;

static void pathlist_free(pathlist_t *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->path[i]);
    free(l->path);
}

/* Appends the regular files under top/rel (rel "" = top itself). */
static saydo_status collect(const char *top, const char *rel, int depth, pathlist_t *out)
{
    saydo_status st = SAYDO_OK;
    char *dpath = NULL, *child = NULL, *full = NULL;
    size_t tl = strlen(top), rl = strlen(rel);
    DIR *d = NULL;
    SAYDO_FAIL_IF(depth > DIR_MAX_DEPTH, SAYDO_E_INVAL, "%s/%s: directories nested deeper than %d levels", top, rel,
                  DIR_MAX_DEPTH);
    dpath = malloc(tl + rl + 2);
    SAYDO_FAIL_IF(!dpath, SAYDO_E_NOMEM, "out of memory");
    snprintf(dpath, tl + rl + 2, rl ? "%s/%s" : "%s%s", top, rel);
    d = opendir(dpath);
    SAYDO_FAIL_IF(!d, SAYDO_E_IO, "%s: cannot open the directory: %s", dpath, strerror(errno));
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) {
            SAYDO_FAIL_IF(errno, SAYDO_E_IO, "%s: cannot list the directory: %s", dpath, strerror(errno));
            break;
        }
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        size_t nl = strlen(e->d_name);
        free(child);
        free(full);
        full = NULL;
        child = malloc(rl + nl + 2);
        SAYDO_FAIL_IF(!child, SAYDO_E_NOMEM, "out of memory");
        snprintf(child, rl + nl + 2, rl ? "%s/%s" : "%s%s", rel, e->d_name);
        full = malloc(tl + rl + nl + 3);
        SAYDO_FAIL_IF(!full, SAYDO_E_NOMEM, "out of memory");
        snprintf(full, tl + rl + nl + 3, "%s/%s", top, child);
        struct stat lsb, sb;
        SAYDO_FAIL_IF(lstat(full, &lsb) != 0, SAYDO_E_IO, "%s: %s", full, strerror(errno));
        if (S_ISDIR(lsb.st_mode)) {
            SAYDO_TRY(collect(top, child, depth + 1, out));
            continue;
        }
        /* a link to a file counts as the file; to a directory (or dangling): left out */
        if (S_ISLNK(lsb.st_mode) && (stat(full, &sb) != 0 || !S_ISREG(sb.st_mode))) continue;
        if (!S_ISLNK(lsb.st_mode) && !S_ISREG(lsb.st_mode)) continue;   /* fifos, sockets, devices */
        if (out->n == out->cap) {
            size_t nc = out->cap ? out->cap * 2 : 16;
            char **np = realloc(out->path, nc * sizeof *np);
            SAYDO_FAIL_IF(!np, SAYDO_E_NOMEM, "out of memory");
            out->path = np;
            out->cap = nc;
        }
        out->path[out->n++] = child;
        child = NULL;
    }
cleanup:
    if (d) closedir(d);
    free(dpath);
    free(child);
    free(full);
    return st;
}

static int cmp_path(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static saydo_status hash_dir(XXH3_state_t *state, const char *top, char *buf)
{
    saydo_status st = SAYDO_OK;
    pathlist_t l = {NULL, 0, 0};
    char *full = NULL;
    int fd = -1;
    SAYDO_TRY(collect(top, "", 0, &l));
    if (l.n) qsort(l.path, l.n, sizeof *l.path, cmp_path);
    for (size_t i = 0; i < l.n; i++) {
        size_t n = strlen(top) + strlen(l.path[i]) + 2;
        free(full);
        full = malloc(n);
        SAYDO_FAIL_IF(!full, SAYDO_E_NOMEM, "out of memory");
        snprintf(full, n, "%s/%s", top, l.path[i]);
        fd = open(full, O_RDONLY | O_CLOEXEC);
        SAYDO_FAIL_IF(fd < 0, SAYDO_E_IO, "%s: cannot open: %s", full, strerror(errno));
        struct stat sb;
        SAYDO_FAIL_IF(fstat(fd, &sb) != 0, SAYDO_E_IO, "%s: %s", full, strerror(errno));
        unsigned char size[8];
        for (int k = 0; k < 8; k++) size[k] = (unsigned char)((uint64_t)sb.st_size >> (8 * k));
        XXH3_128bits_update(state, l.path[i], strlen(l.path[i]) + 1);   /* with its NUL */
        XXH3_128bits_update(state, size, sizeof size);
        SAYDO_TRY(hash_fd(state, fd, full, buf));
        close(fd);
        fd = -1;
    }
cleanup:
    if (fd >= 0) close(fd);
    free(full);
    pathlist_free(&l);
    return st;
}

saydo_status saydo_file_hash(const char *path, char hex[33])
{
    saydo_status st = SAYDO_OK;
    XXH3_state_t *state = XXH3_createState();
    char *buf = malloc(HASH_BUF);
    int fd = -1;
    struct stat sb;
    SAYDO_FAIL_IF(!state || !buf, SAYDO_E_NOMEM, "out of memory");
    XXH3_128bits_reset(state);
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        SAYDO_TRY(hash_dir(state, path, buf));
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        SAYDO_FAIL_IF(fd < 0, SAYDO_E_IO, "%s: cannot open: %s", path, strerror(errno));
        SAYDO_TRY(hash_fd(state, fd, path, buf));
    }
    XXH128_hash_t h = XXH3_128bits_digest(state);
    snprintf(hex, 33, "%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
cleanup:
    if (fd >= 0) close(fd);
    free(buf);
    XXH3_freeState(state);
    return st;
}
