#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Writes all of `bytes` to stdout at once (unbuffered: when this returns, the bytes
/// are in the pipe or terminal), for commands that copy a connection to stdout.
///
/// - Throws: ``CommandFailure`` when stdout is closed or fails (`EPIPE` included:
///   `sock` ignores SIGPIPE in the commands that use this).
func writeStandardOutput(_ bytes: UnsafeRawBufferPointer) throws {
    var offset = 0
    while offset < bytes.count {
        let written = write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            throw CommandFailure("write to stdout: \(String(cString: strerror(errno)))")
        }
        offset += written
    }
}
