/* pcap_live.c - live capture on an interface through libpcap, frames into the decoder. */
#include "config.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_live.h"
#include "pcap_rd.h"

struct pcap_live {
    pcap_t *pc;
    int dlt;
    int fd; /* to wait on: the read timeout may not start before a packet */
    char iface[64];
    struct pcap_in_stats st;
    uint64_t limit; /* frames; 0: none */
    struct capture_counts counts;
    unsigned last_recv, last_drop, last_ifdrop; /* libpcap's 32-bit values */
};

/* The message of a failed pcap_activate: libpcap's own for the codes it
 * explains, its text for the others. */
static int activate_failed(struct pcap_live *l, int rc, struct ts_err *err)
{
    const char *why = pcap_geterr(l->pc);
    if (rc == PCAP_ERROR || rc == PCAP_ERROR_NO_SUCH_DEVICE || rc == PCAP_ERROR_PERM_DENIED ||
        rc == PCAP_ERROR_PROMISC_PERM_DENIED)
        return ts_err_set(err, TS_EIO, "interface '%s': %s%s%s", l->iface, pcap_statustostr(rc),
                          why[0] ? ": " : "", why);
    return ts_err_set(err, TS_EIO, "interface '%s': %s", l->iface, pcap_statustostr(rc));
}

static int set_filter(struct pcap_live *l, const char *expr, struct ts_err *err)
{
    struct bpf_program prog;
    /* as tcpdump: the interface's netmask for "ip broadcast", else 0 */
    bpf_u_int32 net = 0, mask = 0;
    char ebuf[PCAP_ERRBUF_SIZE];
    if (pcap_lookupnet(l->iface, &net, &mask, ebuf) != 0)
        mask = 0;
    if (pcap_compile(l->pc, &prog, expr, 1, mask) != 0)
        return ts_err_set(err, TS_EUSAGE, "filter '%s': %s", expr, pcap_geterr(l->pc));
    int rc = pcap_setfilter(l->pc, &prog);
    pcap_freecode(&prog);
    if (rc != 0)
        return ts_err_set(err, TS_EIO, "interface '%s': cannot set the filter: %s", l->iface,
                          pcap_geterr(l->pc));
    return 0;
}

struct pcap_live *pcap_live_open(const struct pcap_live_opts *o, struct ts_err *err)
{
    struct pcap_live *l = calloc(1, sizeof *l);
    if (l == NULL) {
        ts_err_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    snprintf(l->iface, sizeof l->iface, "%s", o->iface);
    char ebuf[PCAP_ERRBUF_SIZE];
    ebuf[0] = '\0';
    l->pc = pcap_create(o->iface, ebuf);
    if (l->pc == NULL) {
        ts_err_set(err, TS_EIO, "interface '%s': %s", o->iface, ebuf);
        free(l);
        return NULL;
    }
    int rc = 0;
    if (pcap_set_snaplen(l->pc, o->snaplen > 0 ? o->snaplen : PCAP_LIVE_SNAPLEN) != 0 ||
        pcap_set_promisc(l->pc, o->promisc ? 1 : 0) != 0 ||
        pcap_set_timeout(l->pc, PCAP_LIVE_TIMEOUT_MS) != 0 ||
        pcap_set_immediate_mode(l->pc, 0) != 0 ||
        (o->buffer_kib > 0 && pcap_set_buffer_size(l->pc, o->buffer_kib * 1024) != 0)) {
        rc = ts_err_set(err, TS_EIO, "interface '%s': cannot set the capture up", o->iface);
        goto fail;
    }
    rc = pcap_activate(l->pc);
    if (rc < 0) {
        rc = activate_failed(l, rc, err);
        goto fail;
    }
    /* warnings (rc > 0), e.g. promiscuous mode not supported, are not fatal */
    l->dlt = pcap_datalink(l->pc);
    l->fd = pcap_get_selectable_fd(l->pc);
    if (l->fd < 0 || pcap_setnonblock(l->pc, 1, ebuf) != 0) {
        rc = ts_err_set(err, TS_EIO, "interface '%s': cannot wait for packets", o->iface);
        goto fail;
    }
    if (o->filter != NULL && (rc = set_filter(l, o->filter, err)) != 0)
        goto fail;
    return l;
fail:
    pcap_close(l->pc);
    free(l);
    return NULL;
}

void pcap_live_close(struct pcap_live *l)
{
    if (l == NULL)
        return;
    pcap_close(l->pc);
    free(l);
}

void pcap_live_set_limit(struct pcap_live *l, uint64_t n)
{
    l->limit = n;
}

void pcap_live_break(struct pcap_live *l)
{
    pcap_breakloop(l->pc);
}

int pcap_live_next(struct pcap_live *l, struct ts_record *out, struct ts_err *err)
{
    bool waited = false;
    for (;;) {
        if (l->limit != 0 && l->st.frames >= l->limit)
            return 0;
        struct pcap_pkthdr *h;
        const u_char *d;
        int rc = pcap_next_ex(l->pc, &h, &d); /* non-blocking */
        if (rc == PCAP_ERROR_BREAK)
            return 0;
        if (rc == 0) {
            /* nothing ready: wait once, then let the caller look at its
             * stop conditions (a signal ends the wait with EINTR) */
            if (waited)
                return 0;
            waited = true;
            struct pollfd pfd = {.fd = l->fd, .events = POLLIN};
            int n = poll(&pfd, 1, PCAP_LIVE_TIMEOUT_MS);
            if (n < 0 && errno != EINTR)
                return ts_err_errno(err, TS_EIO, errno, "interface '%s': cannot wait", l->iface);
            if (n <= 0)
                return 0;
            continue; /* readable, or an error libpcap reports */
        }
        if (rc < 0)
            return ts_err_set(err, TS_EIO, "interface '%s': %s", l->iface, pcap_geterr(l->pc));
        struct pcap_frame f = {
            .dlt = l->dlt,
            .data = d,
            .caplen = h->caplen,
            .wirelen = h->len,
            .ts = (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e6,
            .at = 0,
            .bad = 0,
        };
        if (pcap_in_decode(&l->st, &f, out))
            return 1;
    }
}

/* Widens a 32-bit counter of libpcap across its wrap-arounds. */
static void widen(uint64_t *sum, unsigned *last, unsigned now)
{
    *sum += (uint32_t)(now - *last);
    *last = now;
}

int pcap_live_counts(struct pcap_live *l, struct capture_counts *c, struct ts_err *err)
{
    struct pcap_stat ps;
    if (pcap_stats(l->pc, &ps) != 0) {
        *c = l->counts;
        return ts_err_set(err, TS_EIO, "interface '%s': %s", l->iface, pcap_geterr(l->pc));
    }
    widen(&l->counts.received, &l->last_recv, ps.ps_recv);
    widen(&l->counts.dropped_kernel, &l->last_drop, ps.ps_drop);
    widen(&l->counts.dropped_iface, &l->last_ifdrop, ps.ps_ifdrop);
    *c = l->counts;
    return 0;
}

void pcap_live_stats(const struct pcap_live *l, struct pcap_in_stats *st)
{
    *st = l->st;
}
