import Framing
import TestSupport

/// Constants and small helpers shared by the end-to-end suites.
enum E2E {
    /// How long any single wait may take before a test fails instead of hanging.
    static let timeout: Duration = testTimeout

    /// `message` framed by `framing`.
    static func framed(_ message: [UInt8], _ framing: Framing) throws -> [UInt8] {
        var output: [UInt8] = []
        try framing.encode(message, into: &output)
        return output
    }

    /// The UTF-8 bytes of a text.
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
}
