/* atomic_out.c - a file written under a temporary name, synced and renamed into place. */
#include "config.h"

#include "atomic_out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"

struct atomic_out {
    FILE *f;
    bool is_stdout;
    char *path, *tmp;
};

/* The temporary name: ".BASE.XXXXXX" in path's directory. */
static char *tmp_name(const char *path, uint64_t r)
{
    const char *slash = strrchr(path, '/');
    size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
    size_t n = strlen(path) + 16;
    char *t = malloc(n);
    if (t != NULL)
        snprintf(t, n, "%.*s.%s.%06llx", (int)dir, path, path + dir,
                 (unsigned long long)(r & 0xffffff));
    return t;
}

struct atomic_out *atomic_out_open(const char *path, struct ts_err *err)
{
    struct atomic_out *a = calloc(1, sizeof *a);
    if (a == NULL) {
        ts_err_set(err, TS_ENOMEM, "out of memory");
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        a->f = stdout;
        a->is_stdout = true;
        return a;
    }
    a->path = strdup(path);
    int fd = -1;
    for (int tries = 0; a->path != NULL && fd < 0 && tries < 100; tries++) {
        free(a->tmp);
        if ((a->tmp = tmp_name(path, hash_random_seed())) == NULL)
            break;
        fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST) {
            ts_err_errno(err, TS_EIO, errno, "'%s': cannot create", path);
            free(a->tmp);
            a->tmp = NULL;
            atomic_out_abort(a);
            return NULL;
        }
    }
    if (fd < 0 || (a->f = fdopen(fd, "wb")) == NULL) {
        if (fd >= 0) {
            close(fd);
            unlink(a->tmp);
        }
        ts_err_errno(err, a->path ? TS_EIO : TS_ENOMEM, errno ? errno : ENOMEM,
                     "'%s': cannot create", path);
        free(a->tmp);
        a->tmp = NULL;
        atomic_out_abort(a);
        return NULL;
    }
    return a;
}

FILE *atomic_out_file(const struct atomic_out *a)
{
    return a->f;
}

int atomic_out_commit(struct atomic_out *a, struct ts_err *err)
{
    int rc = 0;
    if (a->is_stdout) {
        if (fflush(a->f) != 0 || ferror(a->f))
            rc = ts_err_errno(err, TS_EIO, errno ? errno : EIO, "'-': cannot write");
        free(a);
        return rc;
    }
    bool ok = fflush(a->f) == 0 && !ferror(a->f) && fsync(fileno(a->f)) == 0;
    int e = errno;
    ok = (fclose(a->f) == 0) && ok;
    a->f = NULL;
    if (ok && rename(a->tmp, a->path) == 0) {
        free(a->tmp);
        a->tmp = NULL;
    } else {
        rc = ts_err_errno(err, TS_EIO, ok ? errno : (e ? e : EIO), "'%s': cannot write",
                          a->path);
    }
    atomic_out_abort(a);
    return rc;
}

void atomic_out_abort(struct atomic_out *a)
{
    if (a == NULL)
        return;
    if (a->f != NULL && !a->is_stdout)
        fclose(a->f);
    if (a->tmp != NULL)
        unlink(a->tmp);
    free(a->tmp);
    free(a->path);
    free(a);
}
