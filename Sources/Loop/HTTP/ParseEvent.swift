/// What the parser found in the bytes fed so far.
public enum ParseEvent: Sendable {
    /// A head is complete; its body (if any) is next. The server may refuse the request here, before the body.
    case head(RequestHead)
    /// The request that the last `.head` announced is complete.
    case request(Request)
    /// The stream is broken; nothing more will be parsed, and the connection must close after the answer.
    case failure(HTTPError)
}
