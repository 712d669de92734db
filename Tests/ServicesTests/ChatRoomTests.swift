import Services
import Testing

/// `ChatRoom`'s rules on their own, with integers as members: no I/O.
@Suite struct ChatRoomTests {
    typealias Delivery = ChatRoom<Int>.Delivery

    /// A room with members 1, 2 and 3 (guest-1 to guest-3).
    private func room(of count: Int = 3) -> ChatRoom<Int> {
        var room = ChatRoom<Int>()
        for member in 1...count { _ = room.join(member) }
        return room
    }

    private func deliveries(_ line: String, to members: [Int]) -> [Delivery] {
        members.map { Delivery(recipient: $0, line: line) }
    }

    @Test func join_NamesGuestN_AndTellsEveryoneIncludingTheNewcomer() {
        var room = ChatRoom<Int>()
        #expect(room.join(10) == deliveries("* guest-1 joined", to: [10]))
        #expect(room.join(20) == deliveries("* guest-2 joined", to: [10, 20]))
        #expect(room.name(of: 20) == "guest-2")
        #expect(room.online == ["guest-1", "guest-2"])
    }

    @Test func join_UsesThePreferredName_UnlessAMemberHasIt() {
        var room = room(of: 1)
        #expect(room.join(2, preferredName: "bob") == deliveries("* bob joined", to: [1, 2]))
        #expect(room.join(3, preferredName: "bob") == deliveries("* guest-2 joined", to: [1, 2, 3]))
        #expect(room.online == ["guest-1", "bob", "guest-2"])
    }

    @Test(arguments: [
        ("/nick bob", "bob"), ("  /nick   bob_2-x  ", "bob_2-x"), ("/nick", nil), ("/nick bad!", nil),
        ("/nick two words", nil), ("/who", nil), ("hello", nil), ("/nickbob", nil),
    ])
    func requestedName_IsTheNameOfAValidNick_OnlyThen(_ line: String, _ name: String?) {
        #expect(ChatRoom<Int>.requestedName(line) == name)
    }

    @Test func join_DoesNothing_WhenMemberIsAlreadyIn() {
        var room = room(of: 2)
        #expect(room.join(1) == [])
        #expect(room.online == ["guest-1", "guest-2"])
    }

    @Test func join_SkipsGuestNames_WhenAMemberTookOne() {
        var room = room(of: 1)
        _ = room.receive("/nick guest-2", from: 1)
        #expect(room.join(2) == deliveries("* guest-3 joined", to: [1, 2]))
        #expect(room.online == ["guest-2", "guest-3"])
    }

    @Test func join_NeverReusesANumber_WhenMembersLeave() {
        var room = room(of: 2)
        _ = room.leave(2)
        _ = room.join(3)
        #expect(room.name(of: 3) == "guest-3")
    }

    @Test func leave_TellsTheOthers_AndForgetsTheName() {
        var room = room()
        #expect(room.leave(2) == deliveries("* guest-2 left", to: [1, 3]))
        #expect(room.name(of: 2) == nil)
        #expect(room.online == ["guest-1", "guest-3"])
        #expect(room.leave(2) == [])
    }

    @Test func receive_SendsTextToEveryoneElse_AsNameColonText() {
        var room = room()
        let (sent, quit) = room.receive("hello all", from: 2)
        #expect(sent == deliveries("guest-2: hello all", to: [1, 3]))
        #expect(!quit)
    }

    @Test func receive_DoesNothing_WhenSenderIsNotAMember() {
        var room = room()
        let (sent, quit) = room.receive("hello", from: 99)
        #expect(sent == [])
        #expect(!quit)
    }

    @Test func nick_RenamesAndTellsEveryone_WhenNameIsValid() {
        var room = room()
        let longest = String(repeating: "x", count: 32)
        #expect(room.receive("/nick  Ana_1-é ", from: 1).deliveries == deliveries("* guest-1 is now Ana_1-é", to: [1, 2, 3]))
        #expect(room.receive("/nick \(longest)", from: 2).deliveries == deliveries("* guest-2 is now \(longest)", to: [1, 2, 3]))
        #expect(room.online == ["Ana_1-é", longest, "guest-3"])
        #expect(room.receive("hi", from: 1).deliveries == deliveries("Ana_1-é: hi", to: [2, 3]))
    }

    @Test(arguments: ["/nick", "/nick bad!", "/nick a.b", "/nick two words", "/nick " + String(repeating: "y", count: 33)])
    func nick_AnswersOnlyTheSender_WhenNameIsInvalid(_ command: String) {
        var room = room()
        let (sent, quit) = room.receive(command, from: 1)
        #expect(sent == deliveries("! invalid name: use 1-32 letters, digits, _ or -", to: [1]))
        #expect(!quit)
        #expect(room.name(of: 1) == "guest-1")
    }

    @Test func nick_AnswersNameTaken_WhenAnotherMemberHasIt() {
        var room = room()
        _ = room.receive("/nick alice", from: 1)
        #expect(room.receive("/nick alice", from: 2).deliveries == deliveries("! name taken", to: [2]))
        #expect(room.receive("/nick guest-3", from: 2).deliveries == deliveries("! name taken", to: [2]))
        #expect(room.online == ["alice", "guest-2", "guest-3"])
    }

    @Test func nick_DoesNothing_WhenNameIsTheMembersOwn() {
        var room = room()
        #expect(room.receive("/nick guest-1", from: 1).deliveries == [])
    }

    @Test func who_AnswersTheSender_WithEveryNameInJoinOrder() {
        var room = room()
        _ = room.receive("/nick zed", from: 1)
        _ = room.leave(2)
        _ = room.join(4)
        #expect(room.receive("/who", from: 3).deliveries == deliveries("* online: zed, guest-3, guest-4", to: [3]))
    }

    @Test func msg_DeliversToThatMemberOnly_AsPrivate() {
        var room = room()
        _ = room.receive("/nick bob", from: 3)
        #expect(
            room.receive("/msg bob  meet at noon ", from: 1).deliveries == deliveries("guest-1 (private): meet at noon", to: [3]))
    }

    @Test func msg_AnswersNoSuchName_WhenNobodyHasIt() {
        var room = room()
        #expect(room.receive("/msg nobody hello", from: 1).deliveries == deliveries("! no such name: nobody", to: [1]))
    }

    @Test func quit_AsksToDisconnect_WithoutDeliveringAnything() {
        var room = room()
        let (sent, quit) = room.receive("/quit", from: 2)
        #expect(sent == [])
        #expect(quit)
        // The caller then leaves the member.
        #expect(room.leave(2) == deliveries("* guest-2 left", to: [1, 3]))
    }

    @Test func receive_AnswersUnknownCommand_ToTheSenderOnly() {
        var room = room()
        #expect(
            room.receive("/dance now", from: 1).deliveries
                == deliveries("! unknown command: /dance (try /nick, /who, /msg, /quit)", to: [1]))
    }

    @Test func receive_TreatsSlashInsideText_AsText() {
        var room = room(of: 2)
        #expect(room.receive("a/b and /who", from: 1).deliveries == deliveries("guest-1: a/b and /who", to: [2]))
    }
}
