import ArgumentParser
import Foundation
import Sockets

/// The ports of `sock probe`: `22,80,8000-8010,https`, in ascending order, each once.
struct PortList {
    /// The ports, ascending, without duplicates.
    let ports: [UInt16]

    /// Parses a comma-separated list of port numbers, ranges `LOW-HIGH` and service
    /// names (`/etc/services`, via getservbyname).
    ///
    /// - Throws: `ValidationError` naming the entry that is not a port, a range or a
    ///   known service.
    init(parsing text: String) throws(ValidationError) {
        func invalid(_ entry: String, _ why: String) -> ValidationError {
            ValidationError("invalid port list '\(text)': '\(entry)' \(why)")
        }
        var ports = Set<UInt16>()
        for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = entry.trimmingCharacters(in: .whitespaces)
            guard !item.isEmpty else { throw ValidationError("invalid port list '\(text)': empty entry") }
            if let dash = item.firstIndex(of: "-"), item.first?.isNumber == true {
                guard let low = Self.number(item[..<dash]), let high = Self.number(item[item.index(after: dash)...]) else {
                    throw invalid(item, "is not a range of ports from 1 to 65535 (LOW-HIGH)")
                }
                guard low <= high else { throw invalid(item, "is an empty range: LOW is above HIGH") }
                ports.formUnion(low...high)
            } else if item.allSatisfy(\.isNumber) {
                guard let port = Self.number(item[...]) else { throw invalid(item, "is not a port from 1 to 65535") }
                ports.insert(port)
            } else {
                do {
                    ports.insert(try Resolver.port(ofService: item))
                } catch {
                    throw invalid(item, "is neither a port number nor a known TCP service")
                }
            }
        }
        self.ports = ports.sorted()
    }

    /// A port from 1 to 65535 (0 cannot be probed); nil for anything else.
    private static func number(_ text: Substring) -> UInt16? {
        guard !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber), let port = UInt16(text), port > 0
        else { return nil }
        return port
    }
}
