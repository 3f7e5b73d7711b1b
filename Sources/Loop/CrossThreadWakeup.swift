import CUV

/// The one libuv door that other threads may knock on: `uv_async_send` is thread-safe, everything else is not.
///
/// Created and closed on the loop thread; ``wake()`` may be called from any thread, and the callback then runs on
/// the loop (several wakes before it runs may coalesce into one call).
public final class CrossThreadWakeup: HandleOwner, @unchecked Sendable {
    private let handle: UnsafeMutablePointer<uv_async_t>
    private var owned: OwnedCallback<() -> Void>

    public init(loop: EventLoop, _ callback: @escaping () -> Void) {
        handle = allocateHandle(uv_async_t.self)
        owned = OwnedCallback(callback)
        bindOwner(handle, to: self)
        uv_async_init(loop.raw, handle) { handle in
            owner(of: handle, as: CrossThreadWakeup.self).owned.callback?()
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
        if owned.close() { closeHandle(handle) }
    }

    func handleDidClose() {
        owned.close()
    }
}
