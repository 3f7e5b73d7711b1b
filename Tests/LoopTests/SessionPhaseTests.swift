import Testing

@testable import Loop

/// The connection's phase table on its own: every move the session makes, and the ones it must never make (which
/// the session turns into an assertion in debug builds and a closed connection in release builds).
@Suite("Session phases")
struct SessionPhaseTests {
    private static let phases: [SessionPhase] = [.idle, .readingRequest, .closing, .lingering(until: 7), .closed]
    private static let events: [SessionPhase.Event] = [
        .headReceived, .bodyComplete, .closeRequested, .writesShut(lingerUntil: 9), .closed,
    ]

    @Test func readsOneRequestAtATime() {
        #expect(SessionPhase.idle.after(.headReceived) == .readingRequest)
        #expect(SessionPhase.readingRequest.after(.bodyComplete) == .idle)
        // A second head before the first request is handed over, or a request without a head, is no move at all.
        #expect(SessionPhase.readingRequest.after(.headReceived) == nil)
        #expect(SessionPhase.idle.after(.bodyComplete) == nil)
    }

    @Test func closesFromWhereverRequestsAreRead() {
        #expect(SessionPhase.idle.after(.closeRequested) == .closing)
        #expect(SessionPhase.readingRequest.after(.closeRequested) == .closing)
        #expect(SessionPhase.closing.after(.closeRequested) == .closing)
        #expect(SessionPhase.closing.after(.writesShut(lingerUntil: 42)) == .lingering(until: 42))
        for phase in Self.phases where phase != .closed {
            #expect(phase.after(.closed) == .closed)
        }
    }

    @Test func takesNoRequestOnceClosing() {
        for phase in [SessionPhase.closing, .lingering(until: 7), .closed] {
            #expect(!phase.isOpen)
            #expect(phase.after(.headReceived) == nil)
            #expect(phase.after(.bodyComplete) == nil)
        }
        #expect(SessionPhase.idle.isOpen)
        #expect(SessionPhase.readingRequest.isOpen)
    }

    @Test func lingersOnlyAfterClosing() {
        #expect(SessionPhase.idle.after(.writesShut(lingerUntil: 1)) == nil)
        #expect(SessionPhase.readingRequest.after(.writesShut(lingerUntil: 1)) == nil)
        #expect(SessionPhase.lingering(until: 7).after(.writesShut(lingerUntil: 1)) == nil)
        #expect(SessionPhase.lingering(until: 7).after(.closeRequested) == nil)
    }

    @Test func movesNowhereOnceClosed() {
        for event in Self.events {
            #expect(SessionPhase.closed.after(event) == nil)
        }
    }

    /// The whole table, so a move added by accident shows up here: each phase with the events it takes.
    @Test func allowsExactlyTheseMoves() {
        let allowed = Self.phases.map { phase in Self.events.filter { phase.after($0) != nil } }
        #expect(allowed[0] == [.headReceived, .closeRequested, .closed])
        #expect(allowed[1] == [.bodyComplete, .closeRequested, .closed])
        #expect(allowed[2] == [.closeRequested, .writesShut(lingerUntil: 9), .closed])
        #expect(allowed[3] == [.closed])
        #expect(allowed[4] == [])
    }
}
