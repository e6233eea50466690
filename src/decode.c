#include "config.h"

#include "decode.h"

/* placeholder until the module lands */
extern int decode_placeholder;
