/// What a handler decided about a request from its head alone, before any body is read.
public enum Screening<Screened> {
    /// Answer at once (unknown route, missing token): the body is not read, and `100 Continue` is never sent.
    case refuse(Response)
    /// Go on with the request; what the handler learnt (its matched route, say) comes back to it in `handle`, so the
    /// decision is not made twice.
    case accept(Screened)
}
