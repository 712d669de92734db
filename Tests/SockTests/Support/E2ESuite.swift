import Testing

/// All end-to-end suites, one test at a time: each starts its own server processes,
/// and some measure latency or count descriptors, which parallel load would disturb.
@Suite(.serialized) enum E2ESuite {}
