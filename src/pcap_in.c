#include "config.h"

#include "pcap_in.h"

/* placeholder until the module lands */
extern int pcap_in_placeholder;
