#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
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

// The Concurrency runtime's entry points and hook (libswift_Concurrency), declared as the
// runtime's headers do, with the Swift calling convention.
typedef __attribute__((swiftcall)) void (*csockets_original_enqueue)(void *job);
typedef __attribute__((swiftcall)) void (*csockets_enqueue_hook)(void *job, csockets_original_enqueue original);
/// `swift::SerialExecutorRef`: the generic executor is {NULL, 0}.
struct csockets_serial_executor_ref {
    void *identity;
    uintptr_t implementation;
};
extern csockets_enqueue_hook swift_task_enqueueGlobal_hook;
extern __attribute__((swiftcall)) void swift_job_run(void *job, struct csockets_serial_executor_ref executor);
extern __attribute__((swiftcall)) void swift_task_enqueueGlobal(void *job);

_Thread_local void *csockets_adopting_reactor = NULL;
static csockets_enqueue_hook previous_enqueue_hook;
static void (*adopt_job)(void *reactor, void *job);
static pthread_once_t adoption_hook_once = PTHREAD_ONCE_INIT;

__attribute__((swiftcall)) static void adoption_hook(void *job, csockets_original_enqueue original) {
    void *reactor = csockets_adopting_reactor;
    if (reactor != NULL) {
        csockets_adopting_reactor = NULL;
        __atomic_load_n(&adopt_job, __ATOMIC_ACQUIRE)(reactor, job);
    } else if (previous_enqueue_hook != NULL) {
        previous_enqueue_hook(job, original);
    } else {
        original(job);
    }
}

static void install_adoption_hook(void) {
    previous_enqueue_hook = swift_task_enqueueGlobal_hook;
    swift_task_enqueueGlobal_hook = adoption_hook;
}

void csockets_install_adoption_hook(void (*adopt)(void *reactor, void *job)) {
    // Every caller passes the same function; stored before the hook can run.
    __atomic_store_n(&adopt_job, adopt, __ATOMIC_RELEASE);
    pthread_once(&adoption_hook_once, install_adoption_hook);
}

void csockets_run_job_on_generic_executor(void *job) {
    struct csockets_serial_executor_ref generic = {NULL, 0};
    swift_job_run(job, generic);
}

void csockets_enqueue_global(void *job) { swift_task_enqueueGlobal(job); }
