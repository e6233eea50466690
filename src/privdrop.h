/*
 * privdrop.h - giving up root for a named user, as tcpdump's -Z does:
 * the user's groups (initgroups), its group, then its user id, each
 * checked, and checked again afterwards (the old ids cannot come back).
 */
#ifndef TS_PRIVDROP_H
#define TS_PRIVDROP_H

#include "err.h"

/* Becomes user. Returns 0, or TS_EUSAGE for an unknown user, TS_EIO when
 * a step fails (err names the step and the system's reason). */
int privdrop_to(const char *user, struct ts_err *err);

#endif
