/// The rules of the `chat` room (SPEC §4), independent of transport: who is in the
/// room under which name, and which lines a message produces for whom.
///
/// Both the TCP service (one connection per member) and the UDP service (one sender
/// address per member) drive it; it has no I/O, so it is tested on its own (`ChatRoomTests`).
public struct ChatRoom<Member: Hashable & Sendable>: Sendable {
    /// One line for one member.
    public struct Delivery: Equatable, Sendable {
        /// Who receives the line.
        public var recipient: Member
        /// The line, without terminator.
        public var line: String

        /// A line for one member.
        public init(recipient: Member, line: String) {
            self.recipient = recipient
            self.line = line
        }
    }

    private var members: [Member] = []
    private var names: [Member: String] = [:]
    private var nextGuest = 1

    /// An empty room.
    public init() {}

    /// The members in the order they joined.
    public var online: [String] { members.compactMap { names[$0] } }

    /// The name of a member, if present.
    public func name(of member: Member) -> String? { names[member] }

    /// Adds a member as `guest-N`; everyone (the newcomer included) sees `* guest-N joined`.
    ///
    /// - Parameter preferredName: A valid name to give instead of the next `guest-N`
    ///   (the name the newcomer's first line asked for, see ``requestedName(_:)``, or a
    ///   guest numbered across a cluster's nodes), used unless a member here has it.
    public mutating func join(_ member: Member, preferredName: String? = nil) -> [Delivery] {
        guard names[member] == nil else { return [] }
        if let preferredName, !names.values.contains(preferredName) {
            members.append(member)
            names[member] = preferredName
            return broadcast("* \(preferredName) joined", except: nil)
        }
        var name = "guest-\(nextGuest)"
        nextGuest += 1
        while names.values.contains(name) {
            name = "guest-\(nextGuest)"
            nextGuest += 1
        }
        members.append(member)
        names[member] = name
        return broadcast("* \(name) joined", except: nil)
    }

    /// Removes a member; the others see `* NAME left`.
    public mutating func leave(_ member: Member) -> [Delivery] {
        guard let name = names.removeValue(forKey: member) else { return [] }
        members.removeAll { $0 == member }
        return broadcast("* \(name) left", except: nil)
    }

    /// Handles one line from a member: a command (`/nick`, `/who`, `/msg`, `/quit`) or
    /// text for everyone else as `NAME: TEXT`.
    ///
    /// - Returns: The lines to deliver, and whether the member asked to quit (the caller
    ///   then disconnects it and calls ``leave(_:)``).
    public mutating func receive(_ text: String, from member: Member) -> (deliveries: [Delivery], quit: Bool) {
        guard let name = names[member] else { return ([], false) }
        let (command, argument) = Self.split(text)
        switch command {
        case "/quit":
            return ([], true)
        case "/who":
            return ([Delivery(recipient: member, line: "* online: " + online.joined(separator: ", "))], false)
        case "/nick":
            let newName = argument.trimmingSpaces()
            guard Self.isValidName(newName) else {
                return ([Delivery(recipient: member, line: "! invalid name: use 1-32 letters, digits, _ or -")], false)
            }
            if newName == name { return ([], false) }
            guard !names.values.contains(newName) else {
                return ([Delivery(recipient: member, line: "! name taken")], false)
            }
            names[member] = newName
            return (broadcast("* \(name) is now \(newName)", except: nil), false)
        case "/msg":
            let (target, message) = Self.split(argument)
            guard let recipient = names.first(where: { $0.value == target })?.key else {
                return ([Delivery(recipient: member, line: "! no such name: \(target)")], false)
            }
            return ([Delivery(recipient: recipient, line: "\(name) (private): \(message)")], false)
        default:
            if command.hasPrefix("/") {
                return (
                    [Delivery(recipient: member, line: "! unknown command: \(command) (try /nick, /who, /msg, /quit)")], false
                )
            }
            return (broadcast("\(name): \(text)", except: member), false)
        }
    }

    /// The member called `name`, if one is.
    public func member(named name: String) -> Member? {
        names.first { $0.value == name }?.key
    }

    /// `line` for every member: what cluster chat delivers from other nodes.
    public func announce(_ line: String) -> [Delivery] {
        broadcast(line, except: nil)
    }

    private func broadcast(_ line: String, except excluded: Member?) -> [Delivery] {
        members.filter { $0 != excluded }.map { Delivery(recipient: $0, line: line) }
    }

    /// The name a newcomer's first line asks for: `NAME` when the line is `/nick NAME`
    /// with a valid name, else nil. A room announces a newcomer once, with this name
    /// when it is free, instead of `* guest-N joined` then `* guest-N is now NAME`.
    public static func requestedName(_ firstLine: String) -> String? {
        let (command, argument) = split(firstLine)
        let name = argument.trimmingSpaces()
        return command == "/nick" && isValidName(name) ? name : nil
    }

    /// 1–32 letters, digits, `_` or `-`.
    static func isValidName(_ name: String) -> Bool {
        (1...32).contains(name.count)
            && name.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }

    /// Splits off the first space-separated word.
    static func split(_ text: String) -> (String, String) {
        let trimmed = text.trimmingSpaces()
        guard let space = trimmed.firstIndex(of: " ") else { return (trimmed, "") }
        return (String(trimmed[..<space]), String(trimmed[trimmed.index(after: space)...]).trimmingSpaces())
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
