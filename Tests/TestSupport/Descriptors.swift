#if canImport(Glibc)
    import Glibc
#endif

/// The descriptors a process has open, with what each points to (`socket:[123]`,
/// `pipe:[456]`, `anon_inode:[eventfd]`…), read from `/proc/PID/fd`.
///
/// - Parameters:
///   - pid: The process; nil for this one (then the descriptor used to list the
///     directory is left out).
///   - includingTimers: Whether to list timerfds. Dispatch, under `Task.sleep`, opens
///     one per kind of timer on first use and keeps it: a test comparing descriptor
///     counts before and after leaves them out.
public func openDescriptors(ofProcess pid: Int32? = nil, includingTimers: Bool = true) -> [Int32: String] {
    let directoryPath = pid.map { "/proc/\($0)/fd" } ?? "/proc/self/fd"
    guard let directory = opendir(directoryPath) else { return [:] }
    defer { closedir(directory) }
    let listing = pid == nil ? dirfd(directory) : -1
    var result: [Int32: String] = [:]
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) {
            String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        }
        guard let fd = Int32(name), fd != listing else { continue }
        var target = [CChar](repeating: 0, count: 256)
        let length = readlink(directoryPath + "/" + name, &target, target.count - 1)
        let description =
            length > 0
            ? String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
        if includingTimers || description != "anon_inode:[timerfd]" { result[fd] = description }
    }
    return result
}
