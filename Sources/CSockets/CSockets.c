#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "CSockets.h"

int csockets_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags) {
    return accept4(fd, address, length, flags);
}

ssize_t csockets_splice(int from, int to, size_t length, int nonblocking) {
    return splice(from, NULL, to, NULL, length, SPLICE_F_MOVE | (nonblocking ? SPLICE_F_NONBLOCK : 0));
}

_Static_assert(sizeof(csockets_mmsghdr) == sizeof(struct mmsghdr), "mmsghdr layout");

int csockets_recvmmsg(int fd, csockets_mmsghdr *messages, unsigned int count, int flags) {
    return recvmmsg(fd, (struct mmsghdr *)messages, count, flags, NULL);
}

int csockets_sendmmsg(int fd, csockets_mmsghdr *messages, unsigned int count, int flags) {
    return sendmmsg(fd, (struct mmsghdr *)messages, count, flags);
}

const char *csockets_errno_name(int number) {
    return strerrorname_np(number);
}

struct cmsghdr *csockets_cmsg_firsthdr(struct msghdr *message) { return CMSG_FIRSTHDR(message); }
struct cmsghdr *csockets_cmsg_nxthdr(struct msghdr *message, struct cmsghdr *header) {
    return CMSG_NXTHDR(message, header);
}
unsigned char *csockets_cmsg_data(struct cmsghdr *header) { return CMSG_DATA(header); }
size_t csockets_cmsg_space(size_t length) { return CMSG_SPACE(length); }
size_t csockets_cmsg_len(size_t length) { return CMSG_LEN(length); }

pid_t csockets_spawn_group_holder(void) {
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid_t pid = fork();
    if (pid == 0) {
        // Only async-signal-safe calls from here on: the parent has other threads.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        setpgid(0, 0);
        if (syscall(SYS_close_range, 0U, ~0U, 0) != 0) {
            for (int fd = 0; fd < 65536; fd++) close(fd);
        }
        for (;;) pause();
    }
    int saved = errno;
    if (pid > 0) setpgid(pid, pid);  // also here, so the group exists when we return
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    errno = saved;
    return pid;
}

_Thread_local void *csockets_current_reactor = NULL;

int csockets_available_cpus(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
    int count = CPU_COUNT(&set);
    return count > 0 ? count : 1;
}
