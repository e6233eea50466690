#include "config.h"

#include "space_saving.h"

/* placeholder until the module lands */
extern int space_saving_placeholder;
