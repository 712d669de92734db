import Testing

@testable import Redis

@Suite struct BackoffTests {
    @Test func backoff_DoublesUpToTheMaximum_AndResets() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .milliseconds(350))
        let steps: [Duration] = [.milliseconds(100), .milliseconds(200), .milliseconds(350), .milliseconds(350)]
        for step in steps {
            let delay = backoff.nextDelay()
            #expect(delay >= step / 2 && delay <= step, "\(delay) for the step \(step)")
        }
        backoff.reset()
        #expect(backoff.nextDelay() <= .milliseconds(100))
    }
}
