import CUV

/// Runs a callback once per loop iteration, just before the loop waits for I/O.
///
/// It runs after timers and before the poll, so work that a callback queued (a log line, a batch to flush) goes out
/// before the loop sleeps. The hook never keeps the loop alive on its own.
public final class IterationHook: HandleOwner {
    private let handle: UnsafeMutablePointer<uv_prepare_t>
    private var owned: OwnedCallback<() -> Void>

    public init(loop: EventLoop, _ callback: @escaping () -> Void) {
        handle = allocateHandle(uv_prepare_t.self)
        owned = OwnedCallback(callback)
        bindOwner(handle, to: self)
        uv_prepare_init(loop.raw, handle)
        uv_prepare_start(handle) { handle in withOwner(of: handle, as: IterationHook.self) { $0.owned.callback?() } }
        uv_unref(cuv_handle(handle))
    }

    public func close() {
        if owned.close() { closeHandle(handle) }
    }

    func handleDidClose() {
        owned.close()
    }
}
