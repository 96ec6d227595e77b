/* Status codes, the thread-local error detail and the stderr logger. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "saydo/status.h"

static _Thread_local char last_error[1024];
static saydo_log_level log_level = SAYDO_LOG_INFO;

const char *saydo_strerror(saydo_status st)
{
    switch (st) {
    case SAYDO_OK: return "success";
    case SAYDO_EOF: return "end of input";
    case SAYDO_E_NOMEM: return "out of memory";
    case SAYDO_E_IO: return "input/output error";
    case SAYDO_E_PARSE: return "parse error";
    case SAYDO_E_HDF5: return "HDF5 error";
    case SAYDO_E_DOMAIN: return "value out of domain";
    case SAYDO_E_INVAL: return "invalid argument";
    case SAYDO_E_LOCKED: return "store is locked by another writer";
    case SAYDO_E_SCHEMA: return "not a saydo store, or a damaged one";
    }
    return "unknown status";
}

const char *saydo_last_error(void) { return last_error; }

saydo_status saydo_set_error(saydo_status st, const char *fmt, ...)
{
    /* format into a scratch buffer first: callers chain the previous detail
     * (saydo_set_error(st, "%s: %s", path, saydo_last_error())), and
     * vsnprintf into the buffer it reads from garbles the message */
    char buf[sizeof last_error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    memcpy(last_error, buf, sizeof buf);
    return st;
}

void saydo_log_set_level(saydo_log_level level) { log_level = level; }
saydo_log_level saydo_log_get_level(void) { return log_level; }

void saydo_log(saydo_log_level level, const char *func, const char *fmt, ...)
{
    static const char *names[] = {"error", "warning", "info", "debug"};
    if (level > log_level) return;
    va_list ap;
    va_start(ap, fmt);
    if (level == SAYDO_LOG_DEBUG) fprintf(stderr, "saydo: debug: %s: ", func);
    else if (level == SAYDO_LOG_INFO) fputs("saydo: ", stderr);
    else fprintf(stderr, "saydo: %s: ", names[level]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
