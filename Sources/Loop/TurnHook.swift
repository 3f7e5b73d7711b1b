import CUV

/// Runs a callback on every loop turn while started (`uv_idle_t`), so work put off to the next turn runs after the
/// other handles' callbacks of this one; while started, the loop polls without sleeping.
public final class TurnHook: HandleOwner {
    private let handle: UnsafeMutablePointer<uv_idle_t>
    /// Dropped on close, so a callback that captures its own hook forms no lasting cycle.
    private var callback: (() -> Void)?
    private var closed = false
    private var started = false

    public init(loop: EventLoop, _ callback: @escaping () -> Void) {
        handle = allocateHandle(uv_idle_t.self)
        self.callback = callback
        bindOwner(handle, to: self)
        uv_idle_init(loop.raw, handle)
    }

    public func start() {
        guard !closed, !started else { return }
        started = true
        uv_idle_start(handle) { handle in owner(of: handle, as: TurnHook.self).callback?() }
    }

    public func stop() {
        guard !closed, started else { return }
        started = false
        uv_idle_stop(handle)
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
