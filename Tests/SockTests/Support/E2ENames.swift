import TestSupport

// The end-to-end suites' earlier names for what now lives in TestSupport, kept so
// that tests written against them still compile.

/// The child-process harness: ``ChildProcess``.
typealias E2EProcess = ChildProcess
/// What a child wrote on one pipe: ``ChildOutput``.
typealias E2EStream = ChildOutput
/// A command run to completion: ``ProcessResult``.
typealias E2EResult = ProcessResult
/// A failure of the harness: ``HarnessError``.
typealias E2EError = HarnessError
/// Where the built executables and the Python scripts are: ``Products``.
typealias E2EPaths = Products
