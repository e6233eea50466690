#include "config.h"

#include "count_min.h"

/* placeholder until the module lands */
extern int count_min_placeholder;
