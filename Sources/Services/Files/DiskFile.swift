#if canImport(Glibc)
    import Glibc
#endif

/// An open file of a `files` root: owns its descriptor and closes it exactly once, when
/// the last reference goes. Every call blocks; callers keep them off the reactor thread.
final class DiskFile {
    /// The open descriptor.
    let descriptor: Int32

    /// Takes ownership of an open descriptor.
    init(owning descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        Glibc.close(descriptor)
    }

    /// The file's status (C: `fstat`).
    func status() throws(FilesError) -> stat {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .system(operation: "fstat", errno: errno) }
        return info
    }

    /// Reads up to `buffer.count` bytes at `offset`; 0 at end of file (C: `pread`).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(FilesError) -> Int {
        while true {
            let count = pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
            if count >= 0 { return count }
            guard errno == EINTR else { throw .system(operation: "read", errno: errno) }
        }
    }

    /// Writes all of `bytes` at the current position (C: `write`, repeated).
    func write(_ bytes: UnsafeRawBufferPointer) throws(FilesError) {
        var offset = 0
        while offset < bytes.count {
            let count = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if count < 0 {
                guard errno == EINTR else { throw .system(operation: "write", errno: errno) }
                continue
            }
            offset += count
        }
    }

    /// Flushes the file's data and metadata to the disk (C: `fsync`).
    func sync() throws(FilesError) {
        guard fsync(descriptor) == 0 else { throw .system(operation: "fsync", errno: errno) }
    }
}
