import CUV

/// Calls back on the loop when the process receives a signal.
public final class SignalWatcher: HandleOwner {
    private let handle: UnsafeMutablePointer<uv_signal_t>
    private var owned: OwnedCallback<(Int32) -> Void>

    public init(loop: EventLoop, signal: Int32, _ callback: @escaping (Int32) -> Void) throws(LoopError) {
        handle = allocateHandle(uv_signal_t.self)
        owned = OwnedCallback(callback)
        bindOwner(handle, to: self)
        uv_signal_init(loop.raw, handle)
        let status = uv_signal_start(
            handle,
            { handle, signal in owner(of: handle, as: SignalWatcher.self).owned.callback?(signal) },
            signal
        )
        guard status == 0 else {
            close()
            throw LoopError(status, "uv_signal_start")
        }
    }

    /// A watcher that is not referenced does not keep the loop running on its own.
    public func unref() {
        uv_unref(cuv_handle(handle))
    }

    public func close() {
        if owned.close() { closeHandle(handle) }
    }

    func handleDidClose() {
        owned.close()
    }
}
