#include "config.h"

#include "input.h"

/* placeholder until the module lands */
extern int input_placeholder;
