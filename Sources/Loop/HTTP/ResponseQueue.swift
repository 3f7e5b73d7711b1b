/// What a responder tells the connection it belongs to. Not generic, so `Responder` does not depend on the handler's
/// type.
protocol ResponseQueue: AnyObject {
    /// A responder of this queue has its answer: send what is ready, in request order.
    func responderDidAnswer()
}
