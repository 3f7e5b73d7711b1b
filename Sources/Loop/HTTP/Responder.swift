/// The place in a connection's response queue that belongs to one request. A handler answers through it, at once or
/// later (after a disk sync, an outgoing request); the connection sends answers strictly in request order.
public final class Responder {
    let head: RequestHead
    let startedAt: UInt64
    public internal(set) var response: Response?
    /// The route template that matched, for logs and metrics (never the raw path).
    public var route: String?
    /// `100 Continue` is owed as soon as this slot is first in line.
    var owesContinue: Bool
    weak var session: (any ResponseQueue)?
    /// Set while screening for a route that takes no body: a body sent anyway is dropped as it arrives, never held,
    /// and the request is handled as soon as its head is in.
    public var discardsBody = false

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

    public var hasResponded: Bool { response != nil }

    /// Answers the request. Only the first answer counts; an answer after the connection closed is dropped.
    public func respond(_ response: Response, route: String? = nil) {
        guard self.response == nil else { return }
        self.response = response
        if let route { self.route = route }
        owesContinue = false
        session?.responderDidAnswer()
    }
}
