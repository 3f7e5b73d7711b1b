/// The place in a connection's response queue that belongs to one request. A handler answers through it, at once or
/// later (after a disk sync, an outgoing request); the connection sends answers strictly in request order.
///
/// Once its answer is sent, a connection reuses the object for a later request, but only when nothing else holds it
/// any more (`isKnownUniquelyReferenced`): a handler that keeps a responder keeps one no other request can reach.
public final class Responder {
    var head: RequestHead
    var startedAt: UInt64
    public internal(set) var response: Response?
    /// The route template that matched, for logs and metrics (never the raw path).
    public var route: String?
    /// `100 Continue` is owed as soon as this slot is first in line.
    var owesContinue: Bool
    weak var session: (any ResponseQueue)?
    /// Set while screening for a route that takes no body: a body sent anyway is dropped as it arrives, never held,
    /// and the request is handled as soon as its head is in.
    public var discardsBody = false
    /// The answer has been written out; it is no longer held, and another answer is ignored.
    private var isSent = false

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

    public var hasResponded: Bool { response != nil || isSent }

    /// Answers the request. Only the first answer counts; an answer after the connection closed is dropped.
    public func respond(_ response: Response, route: String? = nil) {
        guard !hasResponded else { return }
        self.response = response
        if let route { self.route = route }
        owesContinue = false
        session?.responderDidAnswer()
    }

    /// The answer went out: let go of it and of the head (whose bytes the parser may then reuse).
    func sent() {
        isSent = true
        response = nil
        head = .placeholder
    }

    /// Makes a sent responder, held by its connection alone, the place of another request of that connection.
    func reuse(head: RequestHead, startedAt: UInt64) {
        self.head = head
        self.startedAt = startedAt
        response = nil
        route = nil
        owesContinue = head.expectsContinue && head.hasBody
        discardsBody = false
        isSent = false
    }
}

extension RequestHead {
    /// Stands in for the head of a request that could not be parsed, for the error answer and its log line, and
    /// for the head of a responder whose answer is sent.
    static let placeholder = RequestHead(method: "-", target: "-", version: .http11)
}
