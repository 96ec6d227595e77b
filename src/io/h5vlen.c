/* Reading a vlen string dataset without letting libhdf5 follow its heap
 * references (h5u_read_vlen_strings).
 *
 * A vlen string is stored as a 16-byte reference (length, address of a
 * global heap collection, object index) and its bytes in that collection.
 * Every other structure of a 1.10-format store carries a checksum, but the
 * global heap carries none, and libhdf5 1.10 trusts it: a damaged object
 * size or reference makes H5Dread overflow its buffer (H5HG_read) or
 * allocate gigabytes. So the reader walks the references and collections
 * itself, as HDF5's heap loader does, and refuses a dataset whose strings
 * would not be read back exactly: the reference's length must be its
 * object's size, and every object must lie inside its collection, which
 * must lie inside the file. Having checked a string, it copies it out, as
 * HDF5's conversion would (the bytes up to a NUL; a nil reference is ""):
 * one inflate of each chunk of references and one pread of each collection,
 * where H5Dread's vlen conversion costs some 2,800 instructions a string.
 *
 * Layouts and sizes it does not know (compact storage, other filters,
 * 4-byte addresses) are left to HDF5 as before (*done = 0). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "io/h5util.h"

enum { REF_BYTES = 16, OBJ_HDR = 16, MAX_FILTERS = 8 };

/* One collection: its bytes, and each object's size and data offset by
 * index (size UINT64_MAX: no such object). */
typedef struct {
    uint64_t addr;
    unsigned char *buf;
    uint64_t *size, *at;
    uint32_t n_idx;
} coll_t;

typedef struct {
    int fd;
    uint64_t file_size, base;
    coll_t *tab;              /* open addressing on addr; addr 0 = empty */
    size_t cap, used;
    const coll_t *last;       /* the collection of the previous string (most share one) */
    const char *name;
    char **out;               /* the strings, one per row */
} heaps_t;

static uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static saydo_status damaged(const heaps_t *h, const char *why)
{
    return saydo_set_error(SAYDO_E_SCHEMA, "dataset %s: %s (damaged file)", h->name, why);
}

/* Reads the collection at addr and indexes its objects, refusing one that
 * HDF5's loader would walk out of bounds. */
static saydo_status load_coll(heaps_t *h, uint64_t addr, coll_t *c)
{
    unsigned char hdr[16];
    uint64_t off = h->base + addr;
    if (off < addr || off > h->file_size || h->file_size - off < sizeof hdr ||
        pread(h->fd, hdr, sizeof hdr, (off_t)off) != (ssize_t)sizeof hdr)
        return damaged(h, "a string points outside the file");
    uint64_t size = get_le(hdr + 8, 8);
    if (memcmp(hdr, "GCOL", 4) != 0 || hdr[4] != 1)
        return damaged(h, "a string points to something that is not a heap collection");
    if (size < sizeof hdr + OBJ_HDR || size > h->file_size - off)
        return damaged(h, "a heap collection's size runs past the end of the file");
    unsigned char *buf = malloc(size);
    if (!buf) return saydo_set_error(SAYDO_E_NOMEM, "out of memory checking %s", h->name);
    saydo_status st = SAYDO_OK;
    if (pread(h->fd, buf, size, (off_t)off) != (ssize_t)size) {
        st = damaged(h, "a heap collection cannot be read");
        goto done;
    }
    uint32_t max_idx = 0;
    /* first pass: bounds and the largest index, as H5HG's loader walks it */
    for (int pass = 0; pass < 2 && st == SAYDO_OK; pass++) {
        uint64_t p = sizeof hdr;
        while (p < size) {
            if (size - p < OBJ_HDR) break;   /* a tail too small for a header: free space */
            uint32_t idx = (uint32_t)get_le(buf + p, 2);
            uint64_t osz = get_le(buf + p + 8, 8), need;
            if (idx == 0) need = osz;   /* the free-space object counts its own header */
            else if (osz > size) need = UINT64_MAX;
            else need = OBJ_HDR + ((osz + 7) & ~(uint64_t)7);
            if (need < OBJ_HDR || need > size - p) {
                st = damaged(h, "a heap object runs past its collection");
                break;
            }
            if (pass == 0 && idx > max_idx) max_idx = idx;
            if (pass == 1 && idx > 0) {
                c->size[idx] = osz;
                c->at[idx] = p + OBJ_HDR;
            }
            p += need;
        }
        if (pass == 0 && st == SAYDO_OK) {
            c->size = malloc(((size_t)max_idx + 1) * sizeof *c->size);
            c->at = malloc(((size_t)max_idx + 1) * sizeof *c->at);
            if (!c->size || !c->at) st = saydo_set_error(SAYDO_E_NOMEM, "out of memory checking %s", h->name);
            else {
                for (uint32_t i = 0; i <= max_idx; i++) c->size[i] = UINT64_MAX;
                c->n_idx = max_idx + 1;
            }
        }
    }
done:
    if (st == SAYDO_OK) c->buf = buf;
    else free(buf);
    return st;
}

static saydo_status find_coll(heaps_t *h, uint64_t addr, const coll_t **out)
{
    if (h->used * 2 >= h->cap) {   /* grow and rehash */
        size_t ncap = h->cap ? h->cap * 2 : 64;
        coll_t *nt = calloc(ncap, sizeof *nt);
        if (!nt) return saydo_set_error(SAYDO_E_NOMEM, "out of memory checking %s", h->name);
        for (size_t i = 0; i < h->cap; i++) {
            if (!h->tab[i].addr) continue;
            size_t j = (size_t)(h->tab[i].addr * 0x9E3779B97F4A7C15ull >> 20) & (ncap - 1);
            while (nt[j].addr) j = (j + 1) & (ncap - 1);
            nt[j] = h->tab[i];
        }
        free(h->tab);
        h->tab = nt;
        h->cap = ncap;
        h->last = NULL;
    }
    size_t j = (size_t)(addr * 0x9E3779B97F4A7C15ull >> 20) & (h->cap - 1);
    while (h->tab[j].addr && h->tab[j].addr != addr) j = (j + 1) & (h->cap - 1);
    if (!h->tab[j].addr) {
        coll_t c = {addr, NULL, NULL, NULL, 0};
        saydo_status st = load_coll(h, addr, &c);
        if (st < 0) {
            free(c.size);
            free(c.at);
            return st;
        }
        h->tab[j] = c;
        h->used++;
    }
    *out = &h->tab[j];
    return SAYDO_OK;
}

/* Checks rows row0 .. row0 + n - 1 and copies their strings out (as HDF5
 * would: the object's bytes up to a NUL; a nil reference is ""). */
static saydo_status read_refs(heaps_t *h, const unsigned char *refs, size_t row0, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const unsigned char *r = refs + i * REF_BYTES;
        uint64_t len = get_le(r, 4), addr = get_le(r + 4, 8);
        uint32_t idx = (uint32_t)get_le(r + 12, 4);
        const char *src = "";
        size_t k = 0;   /* the string's bytes: a nil reference is "" */
        if (addr != 0) {
            const coll_t *c = h->last;
            if (!c || c->addr != addr) {
                saydo_status st = find_coll(h, addr, &c);
                if (st < 0) return st;
                h->last = c;
            }
            if (idx == 0 || idx >= c->n_idx || c->size[idx] == UINT64_MAX)
                return damaged(h, "a string refers to a heap object that does not exist");
            if (c->size[idx] != len) return damaged(h, "a string's length disagrees with its heap object");
            src = (const char *)c->buf + c->at[idx];
            /* the bytes up to a NUL, by hand: strndup may look one byte past
             * len (ASan's interceptor does), and a string can end its collection */
            const char *nul = memchr(src, '\0', (size_t)len);
            k = nul ? (size_t)(nul - src) : (size_t)len;
        }
        char *o = malloc(k + 1);
        if (!o) return saydo_set_error(SAYDO_E_NOMEM, "out of memory reading %s", h->name);
        memcpy(o, src, k);
        o[k] = '\0';
        h->out[row0 + i] = o;
    }
    return SAYDO_OK;
}

/* HDF5's shuffle undone for 16-byte elements: byte j of element i is at src[j * n + i]. */
static void unshuffle16(unsigned char *dst, const unsigned char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < REF_BYTES; j++) dst[i * REF_BYTES + j] = src[j * n + i];
}

/* The raw chunk, unfiltered into refs (chunk_bytes): the filters are
 * deflate and shuffle only (read_chunked checks), undone last to first. */
static saydo_status unfilter(const heaps_t *h, const H5Z_filter_t *filt, int nf, unsigned mask, const unsigned char *raw,
                             size_t raw_len, unsigned char *refs, unsigned char *tmp, size_t chunk_bytes)
{
    const unsigned char *cur = raw;
    size_t cur_len = raw_len;
    for (int i = nf - 1; i >= 0; i--) {
        if (mask & (1u << i)) continue;   /* not applied to this chunk */
        unsigned char *to = cur == tmp ? refs : tmp;
        if (filt[i] == H5Z_FILTER_DEFLATE) {
            uLongf got = (uLongf)chunk_bytes;
            if (uncompress(to, &got, cur, (uLong)cur_len) != Z_OK || got != chunk_bytes)
                return damaged(h, "a chunk of string references does not inflate");
        } else {
            if (cur_len != chunk_bytes) return damaged(h, "a chunk of string references has the wrong size");
            unshuffle16(to, cur, chunk_bytes / REF_BYTES);
        }
        cur = to;
        cur_len = chunk_bytes;
    }
    if (cur_len != chunk_bytes) return damaged(h, "a chunk of string references has the wrong size");
    if (cur != refs) memcpy(refs, cur, chunk_bytes);
    return SAYDO_OK;
}

/* 1: the layout is one read_chunked knows (else HDF5 reads the dataset). */
static int known_filters(hid_t dcpl, H5Z_filter_t *filt, int *nf)
{
    *nf = H5Pget_nfilters(dcpl);
    if (*nf < 0 || *nf > MAX_FILTERS) return 0;
    for (int i = 0; i < *nf; i++) {
        unsigned flags = 0, cd[8];
        size_t ncd = 8;
        filt[i] = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, 0, NULL, NULL);
        if (filt[i] != H5Z_FILTER_DEFLATE && filt[i] != H5Z_FILTER_SHUFFLE) return 0;
    }
    return 1;
}

static saydo_status read_chunked(heaps_t *h, hid_t d, hsize_t chunk_rows, const H5Z_filter_t *filt, int nf,
                                 hsize_t rows)
{
    if (rows / chunk_rows > h->file_size) return damaged(h, "it claims more rows than the file could hold");
    size_t chunk_bytes = (size_t)chunk_rows * REF_BYTES, raw_cap = 0;
    unsigned char *refs = malloc(chunk_bytes), *tmp = malloc(chunk_bytes), *raw = NULL;
    saydo_status st = SAYDO_OK;
    if (!refs || !tmp) st = saydo_set_error(SAYDO_E_NOMEM, "out of memory reading %s", h->name);
    for (hsize_t row0 = 0; st == SAYDO_OK && row0 < rows; row0 += chunk_rows) {
        hsize_t off[1] = {row0}, size = 0, n = rows - row0 < chunk_rows ? rows - row0 : chunk_rows;
        /* the storage size is one index lookup (get_chunk_info_by_coord
         * walks the index: quadratic over a large dictionary), but fails
         * for a chunk never written, which the walk then tells apart */
        if (H5Dget_chunk_storage_size(d, off, &size) < 0) {
            haddr_t addr = 0;
            unsigned m = 0;
            if (H5Dget_chunk_info_by_coord(d, off, &m, &addr, &size) < 0 || addr != HADDR_UNDEF) {
                st = damaged(h, "its chunk index cannot be read");
                break;
            }
            size = 0;
        }
        if (size == 0) {   /* never written: HDF5's fill value, a nil string */
            for (hsize_t i = 0; i < n && st == SAYDO_OK; i++)
                if (!(h->out[row0 + i] = strdup("")))
                    st = saydo_set_error(SAYDO_E_NOMEM, "out of memory reading %s", h->name);
            continue;
        }
        if (size > h->file_size) {
            st = damaged(h, "a chunk is larger than the file");
            break;
        }
        if (size > raw_cap) {
            unsigned char *nr = realloc(raw, size);
            if (!nr) {
                st = saydo_set_error(SAYDO_E_NOMEM, "out of memory reading %s", h->name);
                break;
            }
            raw = nr;
            raw_cap = size;
        }
        uint32_t mask = 0;
        if (H5Dread_chunk(d, H5P_DEFAULT, off, &mask, raw) < 0) {
            st = damaged(h, "a chunk of string references cannot be read");
            break;
        }
        st = unfilter(h, filt, nf, mask, raw, (size_t)size, refs, tmp, chunk_bytes);
        if (st == SAYDO_OK) st = read_refs(h, refs, (size_t)row0, (size_t)n);
    }
    free(raw);
    free(tmp);
    free(refs);
    return st;
}

static saydo_status read_contiguous(heaps_t *h, hid_t d, hsize_t rows)
{
    haddr_t addr = H5Dget_offset(d);
    if (addr == HADDR_UNDEF) {   /* no storage yet: every row the fill value, a nil string */
        for (hsize_t i = 0; i < rows; i++)
            if (!(h->out[i] = strdup(""))) return saydo_set_error(SAYDO_E_NOMEM, "out of memory reading %s", h->name);
        return SAYDO_OK;
    }
    uint64_t off = h->base + addr, bytes = rows * REF_BYTES;
    if (rows > h->file_size / REF_BYTES || off > h->file_size || bytes > h->file_size - off)
        return damaged(h, "its strings run past the end of the file");
    unsigned char *refs = malloc(bytes ? (size_t)bytes : 1);
    if (!refs) return saydo_set_error(SAYDO_E_NOMEM, "out of memory reading %s", h->name);
    saydo_status st = pread(h->fd, refs, (size_t)bytes, (off_t)off) == (ssize_t)bytes
                          ? read_refs(h, refs, 0, (size_t)rows)
                          : damaged(h, "its strings cannot be read");
    free(refs);
    return st;
}

saydo_status h5u_read_vlen_strings(hid_t d, const char *name, saydo_strs_t *out, int *done)
{
    heaps_t h = {-1, 0, 0, NULL, 0, 0, NULL, name, NULL};
    saydo_status st = SAYDO_OK;
    hid_t f = H5Iget_file_id(d), fcpl = -1, dcpl = -1, fs = -1;
    char path[4096];
    size_t sizeof_addr = 0, sizeof_size = 0;
    hsize_t ub = 0, rows = 0, chunk_rows = 0;
    H5Z_filter_t filt[MAX_FILTERS];
    int nf = 0;
    struct stat sb;
    unsigned intent = 0;
    *done = 0;
    if (f < 0 || H5Fget_intent(f, &intent) < 0 || (fcpl = H5Fget_create_plist(f)) < 0) goto done;
    /* a file open for writing may hold heap collections only in HDF5's cache */
    if ((intent & H5F_ACC_RDWR) && H5Fflush(f, H5F_SCOPE_LOCAL) < 0) goto done;
    if (H5Pget_sizes(fcpl, &sizeof_addr, &sizeof_size) < 0 || sizeof_addr != 8 || sizeof_size != 8) goto done;
    if (H5Pget_userblock(fcpl, &ub) < 0) goto done;
    ssize_t plen = H5Fget_name(f, path, sizeof path);
    if (plen <= 0 || (size_t)plen >= sizeof path) goto done;
    fs = H5Dget_space(d);
    dcpl = H5Dget_create_plist(d);
    if (fs < 0 || dcpl < 0 || H5Sget_simple_extent_ndims(fs) != 1 || H5Sget_simple_extent_dims(fs, &rows, NULL) != 1)
        goto done;
    H5D_layout_t layout = H5Pget_layout(dcpl);
    if (layout == H5D_CHUNKED) {
        if (H5Pget_chunk(dcpl, 1, &chunk_rows) != 1 || chunk_rows == 0 || chunk_rows > SIZE_MAX / REF_BYTES ||
            !known_filters(dcpl, filt, &nf))
            goto done;
    } else if (layout != H5D_CONTIGUOUS) {
        goto done;
    }
    h.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (h.fd < 0 || fstat(h.fd, &sb) != 0) goto done;
    h.file_size = (uint64_t)sb.st_size;
    h.base = ub;
    if (rows > h.file_size) {   /* each stored string takes bytes of the file; nil ones compress, but not 1:1 */
        st = damaged(&h, "it claims more strings than the file could hold");
        goto done;
    }
    h.out = calloc(rows ? (size_t)rows : 1, sizeof *h.out);
    if (!h.out) {
        st = saydo_set_error(SAYDO_E_NOMEM, "out of memory reading %s", name);
        goto done;
    }
    st = layout == H5D_CHUNKED ? read_chunked(&h, d, chunk_rows, filt, nf, rows) : read_contiguous(&h, d, rows);
    if (st == SAYDO_OK) {
        out->s = h.out;
        out->n = (size_t)rows;
        h.out = NULL;
        *done = 1;
    }
done:
    if (h.out)
        for (hsize_t i = 0; i < rows; i++) free(h.out[i]);
    free(h.out);
    for (size_t i = 0; i < h.cap; i++) {
        free(h.tab[i].size);
        free(h.tab[i].at);
        free(h.tab[i].buf);
    }
    free(h.tab);
    if (h.fd >= 0) close(h.fd);
    if (fs >= 0) H5Sclose(fs);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (fcpl >= 0) H5Pclose(fcpl);
    if (f >= 0) H5Fclose(f);
    return st;
}

saydo_status h5u_selfcheck_strings(const char *path, const char *name, int *same, int *own, size_t *n)
{
    saydo_status st = SAYDO_OK;
    saydo_strs_t a = {0, NULL};
    hid_t f = -1, d = -1, fs = -1, t = -1;
    char **b = NULL;
    hsize_t rows = 0;
    *same = *own = 0;
    *n = 0;
    h5u_quiet();
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return saydo_set_error(SAYDO_E_IO, "%s: cannot open", path);
    d = H5Dopen2(f, name, H5P_DEFAULT);
    fs = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t dims[2] = {0, 0};
    if (fs < 0 || h5u_dims2(fs, dims) != 1) {
        st = saydo_set_error(SAYDO_E_SCHEMA, "%s: no 1-D dataset %s", path, name);
        goto done;
    }
    rows = dims[0];
    st = h5u_read_vlen_strings(d, name, &a, own);
    if (st < 0 || !*own) goto done;
    /* the truth: HDF5's own conversion, nil strings as "" (h5u_read_strings' convention) */
    t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    b = calloc(rows ? (size_t)rows : 1, sizeof *b);
    if (!b || (rows && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, b) < 0)) {
        st = saydo_set_error(SAYDO_E_HDF5, "%s: H5Dread of %s failed", path, name);
        goto done;
    }
    *n = (size_t)rows;
    *same = a.n == (size_t)rows;
    for (size_t i = 0; *same && i < a.n; i++) *same = strcmp(a.s[i], b[i] ? b[i] : "") == 0;
done:
    if (b)
        for (hsize_t i = 0; i < rows; i++) H5free_memory(b[i]);
    free(b);
    h5u_strs_free(&a);
    if (t >= 0) H5Tclose(t);
    if (fs >= 0) H5Sclose(fs);
    if (d >= 0) H5Dclose(d);
    H5Fclose(f);
    return st;
}
