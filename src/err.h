/*
 * err.h - one error value for every fallible function of the tool.
 *
 * Functions that can fail return 0 (or a count) on success and a negative
 * TS_E* code on failure, and fill a caller-owned struct ts_err with the code
 * and a message (libpcap's errbuf pattern). Only src/main.c prints messages
 * or exits; modules never do.
 *
 * Messages are lower case, the problem first, the file name quoted and the
 * position when known: "'x.pcap': truncated packet record at offset 1234".
 */
#ifndef TS_ERR_H
#define TS_ERR_H

#include <stddef.h>

enum ts_errcode {
    TS_OK = 0,
    TS_EUSAGE = -1,   /* bad option or argument */
    TS_EIO = -2,      /* cannot open or read a file */
    TS_EFORMAT = -3,  /* the input is not in a format we read */
    TS_EDAMAGED = -4, /* the input is damaged; what came before is valid */
    TS_ENOMEM = -5,   /* allocation failed or a size overflows */
    TS_ERANGE = -6,   /* a number is out of range */
};

#define TS_ERR_MSG_MAX 512

struct ts_err {
    int code;
    char msg[TS_ERR_MSG_MAX];
};

/* Sets err->code and formats err->msg (truncated to fit). Returns code, so
 * that `return ts_err_set(err, TS_EIO, "...")` reads naturally. err may be
 * NULL (then only the code is returned). */
int ts_err_set(struct ts_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ts_err_set with ": " and the system's message for errnum appended, its
 * first letter in lower case as the messages want (libpcap's
 * pcap_fmt_errmsg_for_errno). The one place that turns errno into text. */
int ts_err_errno(struct ts_err *err, int code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* errnum's message with its first letter in lower case, in buf (n bytes);
 * returns buf. For the few messages main.c prints without a ts_err. */
const char *ts_strerror(int errnum, char *buf, size_t n);

/* Resets err to TS_OK with an empty message. */
void ts_err_clear(struct ts_err *err);

#endif
