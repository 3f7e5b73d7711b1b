import CUV

/// Runs a callback once per loop iteration, just before the loop waits for I/O.
///
/// It runs after timers and before the poll, so work that a callback queued (a log line, a batch to flush) goes out
/// before the loop sleeps. The hook never keeps the loop alive on its own.
public final class IterationHook: HandleOwner {
    private let handle: UnsafeMutablePointer<uv_prepare_t>
    /// Kept for the hook's life, not dropped at close as other handles' callbacks are: it runs on every loop
    /// iteration, and a `let` is called without a retain and release of its context each time. So it must not
    /// capture the hook itself (nothing would free either); its users capture what they flush.
    private let callback: () -> Void
    private var isClosed = false

    public init(loop: EventLoop, _ callback: @escaping () -> Void) {
        handle = allocateHandle(uv_prepare_t.self)
        self.callback = callback
        bindOwner(handle, to: self)
        uv_prepare_init(loop.raw, handle)
        uv_prepare_start(handle) { handle in withOwner(of: handle, as: IterationHook.self) { $0.fire() } }
        uv_unref(cuv_handle(handle))
    }

    private func fire() {
        guard !isClosed else { return }
        callback()
    }

    public func close() {
        guard !isClosed else { return }
        isClosed = true
        closeHandle(handle)
    }

    func handleDidClose() {
        isClosed = true
    }
}
