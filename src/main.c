#include "config.h"

#include <stdio.h>

int main(void)
{
    puts("trace-summary: not yet");
    return 1;
}
