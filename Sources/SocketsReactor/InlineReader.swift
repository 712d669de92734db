/// The synchronous part of an owner's read loop, which the reactor runs on its thread for
/// each input event while the owner stays parked
/// (``ReactorRegistration/waitRunningInline(after:_:)``): ``Socket``'s `echo` receives and
/// sends there, as a SwiftNIO handler would, with no task switch per message.
///
/// A class-bound protocol rather than a closure: the registration keeps a reference to the
/// reader itself, so an event reaches the reader's state with no closure context between.
package protocol InlineReader: AnyObject, Sendable {
    /// Runs on the reactor's thread for an input event: true when the owner must be
    /// resumed (the stream ended, an error, a send that must wait), false when the reader
    /// drained the input and the owner may stay parked.
    func readInline() -> Bool
}
