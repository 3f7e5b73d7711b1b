/// The place in a connection's response queue that belongs to one request. A handler answers through it, at once or
/// later (after a disk sync, an outgoing request); the connection sends answers strictly in request order.
///
/// Its state is touched on the loop thread only, by the connection and by a handler answering, never during a call
/// into the other; the runtime's exclusivity checks are off for it.
///
/// Once its answer is sent, a connection reuses the object for a later request, but only when nothing else holds it
/// any more (`isKnownUniquelyReferenced`): a handler that keeps a responder keeps one no other request can reach.
public final class Responder {
    @exclusivity(unchecked) var head: RequestHead
    @exclusivity(unchecked) var startedAt: UInt64
    @exclusivity(unchecked) public internal(set) var response: Response?
    /// The route template that matched, for logs and metrics (never the raw path).
    @exclusivity(unchecked) public var route: String?
    /// `100 Continue` is owed as soon as this slot is first in line.
    @exclusivity(unchecked) var owesContinue: Bool
    /// The connection's session, held strongly until it closes: the session lets go of it then (`detach`), in
    /// every responder it still has. Not weak, for the reason `TCPConnection.delegate` is not.
    @exclusivity(unchecked) var session: (any ResponseQueue)?
    /// Set while screening for a route that takes no body: a body sent anyway is dropped as it arrives, never held,
    /// and the request is handled as soon as its head is in.
    @exclusivity(unchecked) public var discardsBody = false
    /// The answer has been written out; it is no longer held, and another answer is ignored.
    @exclusivity(unchecked) private var isSent = false

    init(head: RequestHead, startedAt: UInt64, session: (any ResponseQueue)?) {
        self.head = head
        self.startedAt = startedAt
        self.session = session
        owesContinue = head.expectsContinue && head.hasBody
    }

    /// A responder on no connection, to drive a handler directly (the micro-benchmarks do): the answer is only kept.
    public convenience init(detachedFor head: RequestHead) {
        self.init(head: head, startedAt: 0, session: nil)
    }

    public var hasResponded: Bool { isAnswered || isSent }

    /// An answer waits to be sent (without copying it to look).
    var isAnswered: Bool {
        if case .some = response { return true }
        return false
    }

    /// Answers the request. Only the first answer counts; an answer after the connection closed is dropped.
    public func respond(_ response: consuming Response, route: String? = nil) {
        guard !hasResponded else { return }
        self.response = consume response
        if let route { self.route = route }
        owesContinue = false
        session?.responderDidAnswer()
    }

    /// Takes the answer for sending; another answer is ignored from now on.
    func takeResponse() -> Response? {
        guard let response = response.take() else { return nil }
        isSent = true
        return response
    }

    /// The answer went out: let go of the head, whose bytes the parser may then reuse.
    func sent() {
        head = .placeholder
    }

    /// The session closed: an answer given from now on is dropped, and the session is not kept alive by a handler
    /// that still holds this responder.
    func detach() {
        session = nil
    }

    /// Makes a sent responder, held by its connection alone, the place of another request of that connection.
    func reuse(head: consuming RequestHead, startedAt: UInt64) {
        owesContinue = head.expectsContinue && head.hasBody
        self.head = head
        self.startedAt = startedAt
        response = nil
        route = nil
        discardsBody = false
        isSent = false
    }
}

extension RequestHead {
    /// Stands in for the head of a request that could not be parsed, for the error answer and its log line, and
    /// for the head of a responder whose answer is sent.
    static let placeholder = RequestHead(method: "-", target: "-", version: .http11)
}
