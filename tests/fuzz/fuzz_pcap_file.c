/*
 * fuzz_pcap_file.c - pcap_in on arbitrary files: the input is written to
 * a memfd and read back through ts_input and pcap_in until the end or an
 * error, as the tool reads a trace.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "input.h"
#include "pcap_in.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz_pcap_file", 0);
    if (fd < 0)
        return 0;
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0) {
            close(fd);
            return 0;
        }
        done += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct ts_err err;
    ts_err_clear(&err);
    struct ts_input *in = ts_input_open(path, &err);
    if (in != NULL) {
        struct pcap_in *p = pcap_in_open(in, &err);
        if (p != NULL) {
            struct ts_record r;
            unsigned long n = 0;
            while (pcap_in_next(p, &r, &err) == 1 && n < 1000000)
                n++;
            struct pcap_in_stats st;
            pcap_in_stats(p, &st);
            pcap_in_close(p);
        }
        ts_input_close(in);
    }
    close(fd);
    return 0;
}
