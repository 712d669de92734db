// Declarations the Glibc module does not export to Swift: GNU extensions
// (accept4, recvmmsg, sendmmsg, splice, strerrorname_np) and the CMSG macros; and the one
// thing Swift must not do itself, code between fork and exit (the group holder);
// the CPU-set count and a thread-local pointer, which Swift has no syntax for; and the
// Concurrency runtime's current-task accessor, which Swift only offers as a generic call.
#ifndef CSOCKETS_H
#define CSOCKETS_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#ifdef __linux__
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif

int csockets_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);
/// `struct mmsghdr`, which the Glibc module hides behind _GNU_SOURCE.
typedef struct {
    struct msghdr msg_hdr;
    unsigned int msg_len;
} csockets_mmsghdr;

int csockets_recvmmsg(int fd, csockets_mmsghdr *messages, unsigned int count, int flags);
int csockets_sendmmsg(int fd, csockets_mmsghdr *messages, unsigned int count, int flags);
/// `splice(2)` between two descriptors, one of them a pipe, without offsets; the
/// Glibc module hides it behind _GNU_SOURCE. `nonblocking` adds SPLICE_F_NONBLOCK,
/// and SPLICE_F_MOVE is always given.
ssize_t csockets_splice(int from, int to, size_t length, int nonblocking);
/// The errno's symbolic name ("ECONNREFUSED"), or NULL when unknown.
const char *csockets_errno_name(int number);

struct cmsghdr *csockets_cmsg_firsthdr(struct msghdr *message);
struct cmsghdr *csockets_cmsg_nxthdr(struct msghdr *message, struct cmsghdr *header);
unsigned char *csockets_cmsg_data(struct cmsghdr *header);
size_t csockets_cmsg_space(size_t length);
size_t csockets_cmsg_len(size_t length);

/// Forks a child that does nothing but hold a new process group (its pid) open until
/// it is killed and reaped: while it is unreaped, the group id cannot be reused, so
/// `kill(-group, ...)` can only reach processes that were put in that group.
///
/// The child closes every inherited descriptor and blocks every signal; it gets
/// `SIGKILL` if the thread that forked it ends. Returns the child's pid, or -1 with
/// errno set.
pid_t csockets_spawn_group_holder(void);

/// How many CPUs this thread may run on (`sched_getaffinity` and `CPU_COUNT`); at least 1.
int csockets_available_cpus(void);

/// The calling thread's reactor, or NULL: set by a reactor's loop thread for its life.
/// A C11 `_Thread_local`, read with no call into the runtime or a lock.
extern _Thread_local void *csockets_current_reactor;

static inline void *csockets_get_current_reactor(void) { return csockets_current_reactor; }
static inline void csockets_set_current_reactor(void *reactor) { csockets_current_reactor = reactor; }

/// Starts loading the `lines` memory lines from `address` into the core's level-2 cache
/// (`prefetcht1`), for an access a little later: a hint that never faults, even for an
/// address no longer mapped.
static inline void csockets_prefetch(const void *address, int lines) {
    for (int line = 0; line < lines; line++) __builtin_prefetch((const char *)address + 64 * line, 1, 2);
}

/// Installs, once per process, a hook on the Concurrency runtime's global enqueue
/// (`swift_task_enqueueGlobal_hook`, which SwiftNIO also uses to take over the global
/// executor). While this thread's adopting reactor is set (``csockets_set_adopting_reactor``),
/// the next job enqueued on the global executor goes to `adopt(reactor, job)` instead;
/// every other job goes on to the hook installed before this one, or to the runtime's own
/// global executor. Later calls change nothing.
void csockets_install_adoption_hook(void (*adopt)(void *reactor, void *job));

/// The reactor that adopts the next global enqueue on this thread, or NULL. A C11
/// `_Thread_local`: a reactor sets it around a resume it adopts; the hook clears it.
extern _Thread_local void *csockets_adopting_reactor;

static inline void csockets_set_adopting_reactor(void *reactor) { csockets_adopting_reactor = reactor; }

/// Runs `job` as the global executor's threads do (`swift_job_run` on the generic
/// executor, no task executor), on the calling thread.
void csockets_run_job_on_generic_executor(void *job);

/// Hands `job` to the global executor (`swift_task_enqueueGlobal`).
void csockets_enqueue_global(void *job);

/// The Concurrency runtime's `swift_task_getCurrent` (exported by libswift_Concurrency,
/// with the Swift calling convention): the running task, or NULL outside a task.
void *swift_task_getCurrent(void) __attribute__((swiftcall));

/// The running task's address, or NULL outside a task: what Swift's
/// `withUnsafeCurrentTask` gives, without its generic call (about 240 instructions).
static inline void *csockets_current_task(void) { return swift_task_getCurrent(); }

/// The Concurrency runtime's `swift_task_isCancelled` (Swift calling convention).
_Bool swift_task_isCancelled(void *task) __attribute__((swiftcall));

/// Whether the running task is cancelled (false outside a task): Swift's
/// `Task.isCancelled` without its retain and release of the task.
static inline _Bool csockets_current_task_is_cancelled(void) {
    void *task = swift_task_getCurrent();
    return task != 0 && swift_task_isCancelled(task);
}

#endif
