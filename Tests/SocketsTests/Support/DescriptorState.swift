import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The number of descriptors open in this process.
func openDescriptorCount() -> Int { openDescriptors().count }

/// Whether `fd` is an open descriptor.
func isOpen(_ fd: Int32) -> Bool {
    fcntl(fd, F_GETFD) != -1
}

/// Whether `fd` has close-on-exec set.
func isCloseOnExec(_ fd: Int32) -> Bool {
    fcntl(fd, F_GETFD) & FD_CLOEXEC != 0
}

/// Whether `fd` is in non-blocking mode.
func isNonBlocking(_ fd: Int32) -> Bool {
    fcntl(fd, F_GETFL) & O_NONBLOCK != 0
}
