#include "config.h"

#include "hash.h"

/* placeholder until the module lands */
extern int hash_placeholder;
