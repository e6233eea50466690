/* resolve.c - reverse DNS lookups for -r, concurrent and with a deadline. */
#include "config.h"

#include "resolve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define UNKNOWN_NAME                                                                               \
    "<??"                                                                                          \
    "?>"
#define MAX_THREADS 32

/* A lookup shared by the resolver and its thread; whoever finishes last
 * frees it, so an abandoned thread never touches freed memory. */
struct job {
    unsigned char addr[16];
    size_t len;
    char name[NI_MAXHOST];
    bool done;
    int refs;
    struct resolver *owner; /* NULL once abandoned */
};

struct entry {
    unsigned char addr[16];
    size_t len;
    const char *name; /* NULL until resolved */
    bool owned;       /* name was allocated */
    struct job *job;  /* while running */
    bool queued;
};

struct resolver {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    double deadline;
    double budget; /* seconds left for all runs together */
    struct entry *entries;
    size_t n;
    int running;
};

struct resolver *resolver_new(double deadline, double budget)
{
    struct resolver *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->entries = calloc(RESOLVE_MAX, sizeof *r->entries);
    if (r->entries == NULL) {
        free(r);
        return NULL;
    }
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    r->deadline = deadline;
    r->budget = budget;
    return r;
}

/* Jobs and the resolver share one process-wide lock, so an abandoned job
 * can outlive its resolver safely. */
static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;

static void job_release(struct job *j)
{
    /* called with job_lock held */
    if (--j->refs == 0)
        free(j);
}

static void *job_main(void *arg)
{
    struct job *j = arg;
    char name[NI_MAXHOST];
    int rc;
    if (j->len == 4) {
        struct sockaddr_in sa = {0};
        sa.sin_family = AF_INET;
        memcpy(&sa.sin_addr, j->addr, 4);
        rc =
            getnameinfo((struct sockaddr *)&sa, sizeof sa, name, sizeof name, NULL, 0, NI_NAMEREQD);
    } else {
        struct sockaddr_in6 sa = {0};
        sa.sin6_family = AF_INET6;
        memcpy(&sa.sin6_addr, j->addr, 16);
        rc =
            getnameinfo((struct sockaddr *)&sa, sizeof sa, name, sizeof name, NULL, 0, NI_NAMEREQD);
    }
    pthread_mutex_lock(&job_lock);
    if (rc == 0) {
        memcpy(j->name, name, sizeof name);
        j->name[sizeof j->name - 1] = '\0';
    } else {
        snprintf(j->name, sizeof j->name, "%s", UNKNOWN_NAME);
    }
    j->done = true;
    if (j->owner != NULL) {
        j->owner->running--;
        pthread_cond_broadcast(&j->owner->cond);
    }
    job_release(j);
    pthread_mutex_unlock(&job_lock);
    return NULL;
}

static struct entry *find(struct resolver *r, const unsigned char *addr, size_t len)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->entries[i].len == len && memcmp(r->entries[i].addr, addr, len) == 0)
            return &r->entries[i];
    return NULL;
}

void resolver_want(void *ctx, const unsigned char *addr, size_t len)
{
    struct resolver *r = ctx;
    if (r == NULL || (len != 4 && len != 16) || find(r, addr, len) != NULL || r->n == RESOLVE_MAX)
        return;
    struct entry *e = &r->entries[r->n++];
    memcpy(e->addr, addr, len);
    e->len = len;
    e->queued = true;
}

static bool start_job(struct resolver *r, struct entry *e)
{
    struct job *j = calloc(1, sizeof *j);
    if (j == NULL)
        return false;
    memcpy(j->addr, e->addr, e->len);
    j->len = e->len;
    j->refs = 2;
    j->owner = r;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_t t;
    r->running++;
    e->job = j;
    if (pthread_create(&t, &attr, job_main, j) != 0) {
        r->running--;
        e->job = NULL;
        free(j);
        pthread_attr_destroy(&attr);
        return false;
    }
    pthread_attr_destroy(&attr);
    return true;
}

void resolver_run(struct resolver *r)
{
    if (r == NULL)
        return;
    struct timespec end, start;
    clock_gettime(CLOCK_REALTIME, &end);
    start = end;
    double limit = r->deadline < r->budget ? r->deadline : r->budget;
    if (limit < 0)
        limit = 0;
    double whole;
    double frac = modf(limit, &whole);
    end.tv_sec += (time_t)whole;
    end.tv_nsec += (long)(frac * 1e9);
    if (end.tv_nsec >= 1000000000L) {
        end.tv_sec++;
        end.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&job_lock);
    size_t next = 0;
    bool timed_out = false;
    for (;;) {
        while (next < r->n && r->running < MAX_THREADS) {
            struct entry *e = &r->entries[next++];
            if (!e->queued || e->name != NULL)
                continue;
            e->queued = false;
            if (!start_job(r, e))
                e->name = UNKNOWN_NAME;
        }
        /* collect finished jobs */
        for (size_t i = 0; i < r->n; i++) {
            struct entry *e = &r->entries[i];
            if (e->job != NULL && e->job->done) {
                char *copy = strdup(e->job->name);
                e->name = copy ? copy : UNKNOWN_NAME;
                e->owned = copy != NULL;
                job_release(e->job);
                e->job = NULL;
            }
        }
        if ((r->running == 0 && next >= r->n) || timed_out)
            break;
        if (pthread_cond_timedwait(&r->cond, &job_lock, &end) == ETIMEDOUT)
            timed_out = true;
    }
    /* abandon what is still running */
    for (size_t i = 0; i < r->n; i++) {
        struct entry *e = &r->entries[i];
        if (e->job != NULL) {
            e->job->owner = NULL;
            job_release(e->job);
            e->job = NULL;
            e->name = UNKNOWN_NAME;
        }
        if (e->queued) {
            e->queued = false;
            e->name = UNKNOWN_NAME;
        }
    }
    r->running = 0;
    pthread_mutex_unlock(&job_lock);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    r->budget -= (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
}

const char *resolver_name(void *ctx, const unsigned char *addr, size_t len)
{
    struct resolver *r = ctx;
    if (r == NULL)
        return UNKNOWN_NAME;
    struct entry *e = find(r, addr, len);
    if (e == NULL) {
        resolver_want(r, addr, len);
        resolver_run(r);
        e = find(r, addr, len);
    } else if (e->name == NULL) {
        resolver_run(r);
    }
    return (e != NULL && e->name != NULL) ? e->name : UNKNOWN_NAME;
}

void resolver_free(struct resolver *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n; i++)
        if (r->entries[i].owned)
            free((void *)r->entries[i].name);
    free(r->entries);
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->lock);
    free(r);
}
