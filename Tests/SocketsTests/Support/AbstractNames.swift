#if canImport(Glibc)
    import Glibc
#endif

/// A random abstract Unix socket name, unique to this test run.
func uniqueAbstractName(_ label: String) -> [UInt8] {
    bytes("sockets-tests-\(getpid())-\(label)-\(UInt64.random(in: 0...UInt64.max))")
}
