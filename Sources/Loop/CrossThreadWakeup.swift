import CUV

/// The one libuv door that other threads may knock on: `uv_async_send` is thread-safe, everything else is not.
///
/// Created and closed on the loop thread; ``wake()`` may be called from any thread, and the callback then runs on
/// the loop (several wakes before it runs may coalesce into one call).
public final class CrossThreadWakeup: HandleOwner, @unchecked Sendable {
    private let handle: UnsafeMutablePointer<uv_async_t>
    /// Dropped on close, so a callback that captures its own wakeup forms no lasting cycle.
    private var callback: (() -> Void)?
    private var closed = false

    public init(loop: EventLoop, _ callback: @escaping () -> Void) {
        handle = allocateHandle(uv_async_t.self)
        self.callback = callback
        bindOwner(handle, to: self)
        uv_async_init(loop.raw, handle) { handle in
            owner(of: handle, as: CrossThreadWakeup.self).callback?()
        }
    }

    /// Thread-safe.
    public func wake() {
        uv_async_send(handle)
    }

    /// A wakeup that is not referenced does not keep the loop running on its own.
    public func unref() {
        uv_unref(cuv_handle(handle))
    }

    /// Loop thread only.
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
