/// Registrations indexed by slab slot; a token is `generation << 32 | slot`, so an
/// event for a slot that was freed and reused is recognised as stale and dropped.
struct RegistrationSlab {
    private var entries: [ReactorRegistration?] = []
    private var generations: [UInt32] = []
    private var free: [Int] = []
    /// Set when the reactor stops: no registration is added any more.
    private(set) var isClosed = false

    /// How many registrations it holds.
    var count: Int { entries.count - free.count }

    /// Empties the slab for good and returns what it held.
    mutating func closeAll() -> [ReactorRegistration] {
        isClosed = true
        defer {
            entries.removeAll()
            generations.removeAll()
            free.removeAll()
        }
        return entries.compactMap { $0 }
    }

    mutating func insert(_ make: (UInt64) -> ReactorRegistration) -> ReactorRegistration {
        let slot: Int
        if let reused = free.popLast() {
            slot = reused
        } else {
            slot = entries.count
            entries.append(nil)
            generations.append(0)
        }
        let registration = make(UInt64(generations[slot]) << 32 | UInt64(slot))
        entries[slot] = registration
        return registration
    }

    mutating func remove(_ token: UInt64) {
        let slot = Int(token & 0xFFFF_FFFF)
        guard slot < entries.count, UInt64(generations[slot]) == token >> 32, entries[slot] != nil else { return }
        entries[slot] = nil
        generations[slot] &+= 1
        free.append(slot)
    }

    subscript(token: UInt64) -> ReactorRegistration? {
        let slot = Int(token & 0xFFFF_FFFF)
        guard slot < entries.count, UInt64(generations[slot]) == token >> 32 else { return nil }
        return entries[slot]
    }
}
