/* ZIP members for the inspect reader; see zipread.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>
#include <zstd.h>
#include "io/zipread.h"
#include "util/strmap.h"
#include "util/try.h"

enum { ZIP_METHOD_ZSTD = 93, RATIO_EXEMPT = 1 << 20, READ_CHUNK = 1 << 16 };

struct saydo_zip {
    saydo_src_t *src;
    zip_t *za;
    saydo_zip_limits_t lim;
    int64_t n;
    char **names;
    char *buf;            /* the last member read */
    size_t cap;
    char *raw;            /* compressed bytes of a zstd member */
    size_t raw_cap;
    ZSTD_DCtx *zd;
};

uint64_t saydo_zip_parse_size(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v <= 0) return 0;
    while (*end == ' ') end++;
    double mult = 1;
    if (*end == 'k' || *end == 'K') mult = 1024.0, end++;
    else if (*end == 'm' || *end == 'M') mult = 1024.0 * 1024, end++;
    else if (*end == 'g' || *end == 'G') mult = 1024.0 * 1024 * 1024, end++;
    if (*end == 'i' || *end == 'B' || *end == 'b') end++;
    if (*end == 'B') end++;
    if (*end) return 0;
    return (uint64_t)(v * mult);
}

/* Bytes [off, off + n) of the source, for walking local headers. */
static size_t raw_at(saydo_src_t *src, uint64_t off, void *dst, size_t n)
{
    if (src->fd < 0) {
        if (off >= src->mem_len) return 0;
        size_t m = src->mem_len - off < n ? (size_t)(src->mem_len - off) : n;
        memcpy(dst, src->mem + off, m);
        return m;
    }
    ssize_t got = pread(src->fd, dst, n, (off_t)off);
    return got > 0 ? (size_t)got : 0;
}

static unsigned rd16(const unsigned char *p) { return (unsigned)p[0] | (unsigned)p[1] << 8; }
static uint32_t rd32(const unsigned char *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }

/* The archive has no usable central directory: walk the local headers from
 * the start to say how far the members go and which one the data ends in. */
static saydo_status damaged(saydo_src_t *src, const char *why)
{
    uint64_t off = 0, size = src->fd < 0 ? src->mem_len : src->size;
    unsigned char h[30];
    char name[512] = "", last[512] = "";
    int members = 0;
    saydo_status st;
    saydo_strmap_t seen;   /* libzip refuses an archive with two members of one name: say which */
    saydo_strmap_init(&seen);
    for (;;) {
        if (raw_at(src, off, h, 30) < 30 || rd32(h) != 0x04034b50) break;
        unsigned nl = rd16(h + 26), el = rd16(h + 28), flags = rd16(h + 6);
        uint64_t csize = rd32(h + 18);
        size_t got = raw_at(src, off + 30, name, nl < sizeof name - 1 ? nl : sizeof name - 1);
        name[got] = '\0';
        uint64_t data = off + 30 + nl + el;
        if (got < (nl < sizeof name - 1 ? nl : sizeof name - 1) || data > size) {
            st = saydo_set_error(SAYDO_E_PARSE,
                                 "%s: not a complete ZIP archive (%s): the file ends in the header of member %s "
                                 "after %d whole members; a cut copy, or a run still writing (inspect writes the "
                                 "central directory last)", src->name, why, name[0] ? name : "?", members);
            goto done;   /* through the free of `seen` (found by fuzz_zip: it leaked here) */
        }
        if (flags & 8) {   /* sizes in a data descriptor after the data: cannot walk further */
            snprintf(last, sizeof last, "%s", name);
            break;
        }
        if (data + csize > size) {
            st = saydo_set_error(SAYDO_E_PARSE,
                                 "%s: not a complete ZIP archive (%s): the file ends inside member %s (%llu of its "
                                 "%llu compressed bytes present) after %d whole members; a cut copy, or a run still "
                                 "writing", src->name, why, name, (unsigned long long)(size - data),
                                 (unsigned long long)csize, members);
            goto done;
        }
        snprintf(last, sizeof last, "%s", name);
        members++;
        off = data + csize;
        int32_t code;
        int added = 1;
        if (saydo_strmap_put(&seen, name, &code, &added) == SAYDO_OK && !added) {
            st = saydo_set_error(SAYDO_E_PARSE, "%s: two members are called %s: refusing an ambiguous archive",
                                 src->name, name);
            goto done;
        }
    }
    if (members == 0 && !last[0])
        st = saydo_set_error(SAYDO_E_PARSE, "%s: not a ZIP archive, or a damaged one (%s)", src->name, why);
    else
        st = saydo_set_error(SAYDO_E_PARSE,
                             "%s: damaged ZIP archive (%s): %d whole members, the last one %s, then no readable "
                             "central directory (truncated?)", src->name, why, members, last);
done:
    saydo_strmap_free(&seen);
    return st;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* "../x", "a/../b", "/abs", "C:\x": names that could climb out of a folder. */
static int unsafe_name(const char *s)
{
    if (s[0] == '/' || strchr(s, '\\')) return 1;
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.') return 1;
        p += n;
        if (*p == '/') p++;
    }
    return 0;
}

saydo_status saydo_zip_open(saydo_src_t *src, const saydo_zip_limits_t *lim, saydo_zip_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_zip_t *z = NULL;
    char **sorted = NULL;
    zip_error_t ze;
    zip_error_init(&ze);
    *out = NULL;
    SAYDO_NEW(z, 1);
    z->src = src;
    if (lim) z->lim = *lim;
    if (!z->lim.max_member) z->lim.max_member = (uint64_t)1 << 30;
    if (!(z->lim.max_ratio > 0)) z->lim.max_ratio = 1000;
    if (src->fd >= 0) {
        int fd = dup(src->fd), err = 0;
        SAYDO_FAIL_IF(fd < 0, SAYDO_E_IO, "%s: %s", src->name, strerror(errno));
        z->za = zip_fdopen(fd, ZIP_CHECKCONS, &err);
        if (!z->za) {
            close(fd);
            zip_error_init_with_code(&ze, err);
        }
    } else {
        zip_source_t *zs = zip_source_buffer_create(src->mem, src->mem_len, 0, &ze);
        if (zs) {
            z->za = zip_open_from_source(zs, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
            if (!z->za) zip_source_free(zs);
        }
    }
    if (!z->za) {
        st = damaged(src, zip_error_strerror(&ze));
        goto cleanup;
    }
    z->n = zip_get_num_entries(z->za, 0);
    SAYDO_NEW(z->names, z->n);
    SAYDO_NEW(sorted, z->n);
    for (int64_t i = 0; i < z->n; i++) {
        const char *nm = zip_get_name(z->za, (zip_uint64_t)i, ZIP_FL_ENC_GUESS);
        SAYDO_FAIL_IF(!nm, SAYDO_E_PARSE, "%s: member %lld has no readable name", src->name, (long long)i);
        SAYDO_FAIL_IF(unsafe_name(nm), SAYDO_E_PARSE, "%s: member name '%s' points outside the archive (../ or an "
                      "absolute path): refusing this archive", src->name, nm);
        z->names[i] = strdup(nm);
        SAYDO_FAIL_IF(!z->names[i], SAYDO_E_NOMEM, "out of memory");
        sorted[i] = z->names[i];
    }
    qsort(sorted, (size_t)z->n, sizeof *sorted, cmp_str);
    for (int64_t i = 1; i < z->n; i++)
        SAYDO_FAIL_IF(strcmp(sorted[i - 1], sorted[i]) == 0, SAYDO_E_PARSE,
                      "%s: two members are called %s: refusing an ambiguous archive", src->name, sorted[i]);
    *out = z;
    z = NULL;
cleanup:
    zip_error_fini(&ze);
    free(sorted);
    saydo_zip_free(z);
    return st;
}

int64_t saydo_zip_count(const saydo_zip_t *z) { return z->n; }
const char *saydo_zip_name(const saydo_zip_t *z, int64_t i) { return i >= 0 && i < z->n ? z->names[i] : NULL; }

int64_t saydo_zip_find(const saydo_zip_t *z, const char *name)
{
    for (int64_t i = 0; i < z->n; i++)
        if (strcmp(z->names[i], name) == 0) return i;
    return -1;
}

static saydo_status reserve(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap) return SAYDO_OK;
    size_t nc = *cap ? *cap : 1 << 16;
    while (nc < need) nc *= 2;
    char *nb = realloc(*buf, nc);
    if (!nb) return saydo_set_error(SAYDO_E_NOMEM, "out of memory (a ZIP member of %zu bytes)", need);
    *buf = nb;
    *cap = nc;
    return SAYDO_OK;
}

/* Reads up to max bytes of an opened member into *buf; *len = bytes read.
 * Returns 1 when the member has more than max bytes. */
static int read_all(zip_file_t *zf, char **buf, size_t *cap, uint64_t max, size_t *len, saydo_status *st)
{
    size_t n = 0;
    for (;;) {
        *st = reserve(buf, cap, n + READ_CHUNK + 1);
        if (*st < 0) return 0;
        zip_int64_t got = zip_fread(zf, *buf + n, READ_CHUNK);
        if (got < 0) {
            *st = SAYDO_E_PARSE;
            return 0;
        }
        if (got == 0) break;
        n += (size_t)got;
        if (n > max) return 1;
    }
    *len = n;
    return 0;
}

saydo_status saydo_zip_read(saydo_zip_t *z, int64_t i, const char **data, size_t *len)
{
    saydo_status st = SAYDO_OK;
    zip_stat_t sb;
    zip_file_t *zf = NULL;
    const char *fname = z->src->name, *name = saydo_zip_name(z, i);
    size_t n = 0;
    *data = NULL;
    *len = 0;
    SAYDO_FAIL_IF(!name, SAYDO_E_INVAL, "%s: no member %lld", fname, (long long)i);
    zip_stat_init(&sb);
    SAYDO_FAIL_IF(zip_stat_index(z->za, (zip_uint64_t)i, 0, &sb) != 0, SAYDO_E_PARSE, "%s: member %s: %s", fname, name,
                  zip_strerror(z->za));
    SAYDO_FAIL_IF(sb.size > z->lim.max_member, SAYDO_E_PARSE,
                  "%s: member %s inflates to %llu bytes, more than the limit of %llu (raise it with `zip.max_member = "
                  "SIZE` in the --map file if the log is trusted)", fname, name, (unsigned long long)sb.size,
                  (unsigned long long)z->lim.max_member);
    SAYDO_FAIL_IF(sb.size > RATIO_EXEMPT && (double)sb.size > z->lim.max_ratio * (double)(sb.comp_size ? sb.comp_size : 1),
                  SAYDO_E_PARSE, "%s: member %s inflates %.0f times (%llu -> %llu bytes): a ZIP bomb? (raise the limit "
                  "with `zip.max_ratio = R` in the --map file if the log is trusted)", fname, name,
                  (double)sb.size / (double)(sb.comp_size ? sb.comp_size : 1), (unsigned long long)sb.comp_size,
                  (unsigned long long)sb.size);
    if (sb.comp_method == ZIP_CM_STORE || sb.comp_method == ZIP_CM_DEFLATE) {
        zf = zip_fopen_index(z->za, (zip_uint64_t)i, 0);
        SAYDO_FAIL_IF(!zf, SAYDO_E_PARSE, "%s: member %s: %s", fname, name, zip_strerror(z->za));
        int over = read_all(zf, &z->buf, &z->cap, sb.size, &n, &st);
        SAYDO_FAIL_IF(st == SAYDO_E_PARSE, SAYDO_E_PARSE, "%s: member %s: damaged data: %s", fname, name,
                      zip_file_strerror(zf));
        SAYDO_TRY(st);
        SAYDO_FAIL_IF(over, SAYDO_E_PARSE, "%s: member %s inflates past its declared %llu bytes: damaged or hostile",
                      fname, name, (unsigned long long)sb.size);
    } else if (sb.comp_method == ZIP_METHOD_ZSTD) {
        /* libzip before 1.8 has no zstd: take the raw member and inflate it here */
        zf = zip_fopen_index(z->za, (zip_uint64_t)i, ZIP_FL_COMPRESSED);
        SAYDO_FAIL_IF(!zf, SAYDO_E_PARSE, "%s: member %s: %s", fname, name, zip_strerror(z->za));
        size_t rn = 0;
        int over = read_all(zf, &z->raw, &z->raw_cap, sb.comp_size, &rn, &st);
        SAYDO_FAIL_IF(st == SAYDO_E_PARSE, SAYDO_E_PARSE, "%s: member %s: %s", fname, name, zip_file_strerror(zf));
        SAYDO_TRY(st);
        SAYDO_FAIL_IF(over || rn != sb.comp_size, SAYDO_E_PARSE, "%s: member %s: %zu compressed bytes where the "
                      "directory says %llu", fname, name, rn, (unsigned long long)sb.comp_size);
        if (!z->zd) {
            z->zd = ZSTD_createDCtx();
            SAYDO_FAIL_IF(!z->zd, SAYDO_E_NOMEM, "out of memory");
        }
        ZSTD_DCtx_reset(z->zd, ZSTD_reset_session_only);
        SAYDO_TRY(reserve(&z->buf, &z->cap, (size_t)sb.size + 1));
        ZSTD_inBuffer in = {z->raw, rn, 0};
        /* the output window is the declared size (+1 to catch a member that runs longer) */
        ZSTD_outBuffer ob = {z->buf, (size_t)sb.size + 1, 0};
        size_t ret = 1;
        while (in.pos < in.size) {
            ret = ZSTD_decompressStream(z->zd, &ob, &in);
            SAYDO_FAIL_IF(ZSTD_isError(ret), SAYDO_E_PARSE, "%s: member %s: zstd: %s", fname, name,
                          ZSTD_getErrorName(ret));
            SAYDO_FAIL_IF(ob.pos > sb.size, SAYDO_E_PARSE, "%s: member %s inflates past its declared %llu bytes",
                          fname, name, (unsigned long long)sb.size);
            if (ret != 0 && in.pos == in.size) break;
            if (ob.pos == ob.size) break;
        }
        SAYDO_FAIL_IF(ret != 0, SAYDO_E_PARSE, "%s: member %s: the zstd stream ends early (truncated member)", fname,
                      name);
        n = ob.pos;
    } else {
        SAYDO_FAIL_IF(1, SAYDO_E_PARSE, "%s: member %s uses ZIP compression method %u, which saydo does not read "
                      "(it reads stored, DEFLATE and zstd)", fname, name, (unsigned)sb.comp_method);
    }
    SAYDO_FAIL_IF(n != sb.size, SAYDO_E_PARSE, "%s: member %s: %zu bytes where the directory says %llu (damaged)",
                  fname, name, n, (unsigned long long)sb.size);
    z->buf[n] = '\0';
    *data = z->buf;
    *len = n;
cleanup:
    if (zf) zip_fclose(zf);
    return st;
}

void saydo_zip_free(saydo_zip_t *z)
{
    if (!z) return;
    if (z->za) zip_discard(z->za);
    for (int64_t i = 0; z->names && i < z->n; i++) free(z->names[i]);
    free(z->names);
    free(z->buf);
    free(z->raw);
    ZSTD_freeDCtx(z->zd);
    free(z);
}
