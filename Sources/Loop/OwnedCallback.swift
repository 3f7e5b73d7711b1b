/// A handle owner's callback, dropped once the handle is closed (by the owner's `close()`, or by the loop closing
/// every handle at shutdown), so a callback that captures its own owner forms no lasting cycle.
struct OwnedCallback<Callback> {
    var callback: Callback?
    private(set) var isClosed = false

    init(_ callback: Callback? = nil) {
        self.callback = callback
    }

    /// Drops the callback; true only the first time, when the owner still has to close its handle.
    @discardableResult
    mutating func close() -> Bool {
        guard !isClosed else { return false }
        isClosed = true
        callback = nil
        return true
    }
}
