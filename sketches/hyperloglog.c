#include "config.h"

#include "hyperloglog.h"

/* placeholder until the module lands */
extern int hyperloglog_placeholder;
