/// Runs blocking work (disk reads and writes, `fsync`) on the global concurrent
/// executor, so that the reactor thread, which serves every connection, never waits
/// for the disk.
///
/// - Parameter work: The blocking calls.
/// - Returns: What `work` returns.
/// - Throws: What `work` throws.
func performBlockingWork<Result, Failure: Error>(
    _ work: () throws(Failure) -> Result
) async throws(Failure) -> Result {
    try await withTaskExecutorPreference(globalConcurrentExecutor) { () async throws(Failure) -> Result in
        try work()
    }
}
