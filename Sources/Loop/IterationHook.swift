import CUV

/// Runs a callback once per loop iteration, just before the loop waits for I/O.
///
/// It runs after timers and before the poll, so work that a callback queued (a log line, a batch to flush) goes out
/// before the loop sleeps. The hook never keeps the loop alive on its own.
public final class IterationHook: HandleOwner {
    private let handle: UnsafeMutablePointer<uv_prepare_t>
    /// Dropped on close, so a callback that captures its own hook forms no lasting cycle.
    private var callback: (() -> Void)?
    private var closed = false

    public init(loop: EventLoop, _ callback: @escaping () -> Void) {
        handle = allocateHandle(uv_prepare_t.self)
        self.callback = callback
        bindOwner(handle, to: self)
        uv_prepare_init(loop.raw, handle)
        uv_prepare_start(handle) { handle in owner(of: handle, as: IterationHook.self).callback?() }
        uv_unref(cuv_handle(handle))
    }

    public func close() {
        guard !closed else { return }
        closed = true
        callback = nil
        closeHandle(handle)
    }

    func handleDidClose() {
        closed = true
        callback = nil
    }
}
