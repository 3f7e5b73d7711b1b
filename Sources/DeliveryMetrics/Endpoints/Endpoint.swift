import Loop

/// One route's logic: what it checks on the head before any body is read, and how it answers the whole request.
///
/// Screening returns either a refusal or the route's typed `Context` (the family and operation a push resolved,
/// say), and handling receives that context, so nothing is looked up twice and nothing is cast. Endpoints are
/// concrete types that `Endpoints` reaches through a `switch`: no existential or closure per request.
protocol Endpoint {
    associatedtype Context = Void

    /// The checks made on the head alone (token, metric, operation); a refusal here leaves the body unread.
    func screen(_ head: RequestHead, parameters: RouteParameters) -> Screening<Context>

    /// The answer to the complete request, saying whether it must wait until its writes are on disk.
    func handle(_ request: Request, _ context: Context) -> Answer
}

extension Endpoint where Context == Void {
    func screen(_ head: RequestHead, parameters: RouteParameters) -> Screening<Void> { .accept(()) }
}

/// An endpoint's answer, and whether it may leave before the writes the request made are on disk.
enum Answer {
    /// Nothing the journal keeps was written: the answer leaves at once.
    case now(Response)
    /// The request wrote what the journal keeps: with persistence on, the answer waits until that is synced.
    case afterCommit(Response)

    var response: Response {
        switch self {
        case .now(let response), .afterCommit(let response): response
        }
    }
}

extension Screening {
    /// The same verdict with the accepted context wrapped, e.g. into `ScreenedRequest`.
    func map<Wrapped>(_ wrap: (Screened) -> Wrapped) -> Screening<Wrapped> {
        switch self {
        case .refuse(let response): .refuse(response)
        case .accept(let context): .accept(wrap(context))
        }
    }
}
