#!/usr/bin/env bash
# Runs the async layer's tests (reactor, async sockets, servers) under
# ThreadSanitizer, in a build folder of its own. Extra arguments go to `swift test`.
# Exits non-zero if a test fails or TSan reports a race (TSan makes the process fail).
# Note: on Linux TSan does not see a contended Synchronization.Mutex acquisition (it happens
# in the kernel), so it reports races between two `withLock` bodies of the same Mutex. The
# build defines SOCKETS_PTHREAD_LOCKS, which makes LockedValue a pthread mutex that TSan
# understands; a report inside another Mutex's withLock (a dependency's) needs both stacks
# checked before it is called a bug.
set -euo pipefail
cd "$(dirname "$0")/.."
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=0 second_deadlock_stack=1}"
swift test --no-parallel --sanitize=thread -Xswiftc -DSOCKETS_PTHREAD_LOCKS --scratch-path .build-tsan --filter 'Reactor|Async|Server|OutboundQueue|ChatService|ChatRoom' "$@"
