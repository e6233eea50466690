#include "config.h"

#include "conn_log.h"

/* placeholder until the module lands */
extern int conn_log_placeholder;
