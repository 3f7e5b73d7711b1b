// TEMPORARY: until the typed screening of Loop lands (branch loop-shape), adapt to the old HTTPHandler.
import Loop

enum Screening<Screened> {
    case refuse(Response)
    case accept(Screened)
}

private final class ScreenedBox {
    let value: ScreenedRequest
    init(_ value: ScreenedRequest) { self.value = value }
}

extension RequestLayer {
    func screen(_ head: RequestHead, responder: Responder) -> Response? {
        let verdict: Screening<ScreenedRequest> = screen(head, responder: responder)
        switch verdict {
        case .refuse(let response): return response
        case .accept(let screened):
            responder.context = ScreenedBox(screened)
            return nil
        }
    }

    func handle(_ request: Request, responder: Responder) {
        guard let box = responder.context as? ScreenedBox else { return }
        responder.context = nil
        handle(request, screened: box.value, responder: responder)
    }
}
