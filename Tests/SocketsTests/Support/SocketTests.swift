import Testing

/// Every socket suite is nested here and runs serially: the tests count the process's
/// open descriptors and measure timeouts, which tests running alongside would disturb.
/// A test that opens descriptors belongs inside this suite.
@Suite(.serialized)
enum SocketTests {}
