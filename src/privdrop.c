/* privdrop.c - dropping to a user and its groups after the capture is open (tcpdump's -Z). */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

#include "privdrop.h"

int privdrop_to(const char *user, struct ts_err *err)
{
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (pw == NULL)
        return errno ? ts_err_errno(err, TS_EIO, errno, "-Z %s: cannot look the user up", user)
                     : ts_err_set(err, TS_EUSAGE, "-Z %s: no such user", user);
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (initgroups(pw->pw_name, gid) != 0)
        return ts_err_errno(err, TS_EIO, errno, "-Z %s: cannot set the user's groups", user);
    if (setgid(gid) != 0)
        return ts_err_errno(err, TS_EIO, errno, "-Z %s: cannot set the group id", user);
    if (setuid(uid) != 0)
        return ts_err_errno(err, TS_EIO, errno, "-Z %s: cannot set the user id", user);
    if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid)
        return ts_err_set(err, TS_EIO, "-Z %s: the ids did not change", user);
    if (uid != 0 && setuid(0) == 0)
        return ts_err_set(err, TS_EIO, "-Z %s: root could be regained", user);
    return 0;
}
