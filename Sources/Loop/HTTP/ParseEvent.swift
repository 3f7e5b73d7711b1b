/// What the parser found in the bytes fed so far.
public enum ParseEvent: Sendable {
    /// A head is complete; its body (if any) is next. The server may refuse the request here, before the body.
    case head(RequestHead)
    /// The request that the last `.head` announced is complete.
    case request(Request)
    /// The stream is broken; nothing more will be parsed, and the connection must close after the answer.
    case failure(HTTPError)
}

/// What `RequestParser.step()` found: `ParseEvent` without the head or request in it, which the parser keeps
/// (`announced`, `takeRequest()`) for the connection to read in place; an event carrying them cost a copy of the
/// head and the runtime's destruction of a multi-payload enum per request.
enum ParseStep {
    /// The head in `announced` is complete.
    case head
    /// The request `takeRequest()` hands over is complete.
    case request
    case failure(HTTPError)
}
