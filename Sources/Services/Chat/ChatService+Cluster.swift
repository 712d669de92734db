/// How a node of a cluster room (SPEC §8) handles its members' lines: `/who` lists every
/// node's members, `/msg` reaches a member on another node, `/nick` claims the name
/// across the room, and lines and notices are published for the other nodes.
extension ChatService {
    typealias Delivery = ChatRoom<ObjectIdentifier>.Delivery

    /// Handles one line of a local member, telling `cluster` what the other nodes must know.
    func receive(_ text: String, from id: ObjectIdentifier, through cluster: ChatCluster) async -> (
        deliveries: [Delivery], quit: Bool
    ) {
        guard let name = room.withLock({ $0.name(of: id) }) else { return ([], false) }
        let (command, argument) = ChatRoom<ObjectIdentifier>.split(text)
        switch command {
        case "/who":
            let names = room.withLock { $0.online } + cluster.remoteNames
            return ([Delivery(recipient: id, line: "* online: " + names.joined(separator: ", "))], false)
        case "/msg":
            let (target, message) = ChatRoom<ObjectIdentifier>.split(argument)
            if room.withLock({ $0.member(named: target) }) == nil && cluster.isRemote(target) {
                cluster.sendPrivate(from: name, to: target, message)
                return ([], false)
            }
        case "/nick":
            let newName = argument.trimmingSpaces()
            guard ChatRoom<ObjectIdentifier>.isValidName(newName), newName != name,
                room.withLock({ $0.member(named: newName) }) == nil
            else { break }
            guard !cluster.isRemote(newName), await cluster.claim(newName) else {
                return ([Delivery(recipient: id, line: "! name taken")], false)
            }
            let result = room.withLock { $0.receive(text, from: id) }
            if room.withLock({ $0.name(of: id) }) == newName { cluster.memberRenamed(from: name, to: newName) }
            return result
        default:
            if !command.hasPrefix("/") { cluster.memberSaid(name, text) }
        }
        return room.withLock { $0.receive(text, from: id) }
    }

    /// Delivers what another node sent to this room.
    func deliver(fromCluster delivery: ChatClusterDelivery) {
        switch delivery {
        case .everyone(let line):
            deliverWithoutWaiting(room.withLock { $0.announce(line) })
        case .member(let name, let line):
            guard let recipient = room.withLock({ $0.member(named: name) }) else { return }
            deliverWithoutWaiting([Delivery(recipient: recipient, line: line)])
        case .nameLost(let name):
            guard let cluster else { return }
            Task { await renameMember(called: name, through: cluster) }
        }
    }

    /// Gives the local member called `name`, whose name a member of another node holds,
    /// the room's next guest name, tells it why, and tells everyone as for `/nick`. If
    /// Redis cannot number a guest now, the member keeps its name until the cluster
    /// reports the clash again (at its next renewal).
    func renameMember(called name: String, through cluster: ChatCluster) async {
        guard room.withLock({ $0.member(named: name) }) != nil, let newName = await cluster.nextGuestName() else { return }
        let deliveries = room.withLock { room -> [Delivery] in
            guard let id = room.member(named: name) else { return [] }
            let renamed = room.receive("/nick \(newName)", from: id).deliveries
            guard room.name(of: id) == newName else { return [] }
            cluster.memberRenamed(from: name, to: newName)
            let notice = "! name \(name) is taken on another node; you are now \(newName)"
            return [Delivery(recipient: id, line: notice)] + renamed
        }
        deliverWithoutWaiting(deliveries)
    }
}
