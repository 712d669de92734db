import Foundation
import TestSupport

/// `sock bench --json` output.
enum E2EBench {
    /// The one JSON object on stdout (and nothing else there).
    static func report(_ result: E2EResult) throws -> [String: Any] {
        let lines = result.outputText.split(separator: "\n")
        guard lines.count == 1,
            let object = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        else {
            throw HarnessError("expected one JSON object line, got: \(result.outputText) stderr: \(result.standardError)")
        }
        return object
    }
}
