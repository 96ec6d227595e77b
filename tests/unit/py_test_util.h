/* Test files written by Python (Debian's /usr/bin/python3 with h5py and
 * numpy): the truth some unit tests compare saydo's HDF5 readers against. */
#ifndef SAYDO_PY_TEST_UTIL_H
#define SAYDO_PY_TEST_UTIL_H
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* 1 when /usr/bin/python3 imports every module of `modules` ("h5py, numpy"). */
static inline int py_has(const char *modules)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import %s' > /dev/null 2>&1", modules);
    return system(cmd) == 0;
}

/* Sets path to $SAYDO_TMP/<stem>_<pid>.h5 (else /tmp) and runs script with it
 * as sys.argv[1]; 0 when the script succeeded (cmocka group setup's convention). */
static inline int py_make_file(const char *script, const char *stem, char *path, size_t cap)
{
    const char *tmp = getenv("SAYDO_TMP");
    snprintf(path, cap, "%s/%s_%ld.h5", tmp && *tmp ? tmp : "/tmp", stem, (long)getpid());
    char spath[1100], cmd[2300];
    snprintf(spath, sizeof spath, "%s.py", path);
    FILE *f = fopen(spath, "w");
    if (!f) return -1;
    fputs(script, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s 2>&1", spath, path);
    int rc = system(cmd);
    remove(spath);
    return rc == 0 ? 0 : -1;
}
#endif
