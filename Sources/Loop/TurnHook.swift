import CUV

/// Runs a callback on every loop turn while started (`uv_idle_t`), so work put off to the next turn runs after the
/// other handles' callbacks of this one; while started, the loop polls without sleeping.
public final class TurnHook: HandleOwner {
    private let handle: UnsafeMutablePointer<uv_idle_t>
    private var owned: OwnedCallback<() -> Void>
    private var started = false

    public init(loop: EventLoop, _ callback: @escaping () -> Void) {
        handle = allocateHandle(uv_idle_t.self)
        owned = OwnedCallback(callback)
        bindOwner(handle, to: self)
        uv_idle_init(loop.raw, handle)
    }

    public func start() {
        guard !owned.isClosed, !started else { return }
        started = true
        uv_idle_start(handle) { handle in withOwner(of: handle, as: TurnHook.self) { $0.owned.callback?() } }
    }

    public func stop() {
        guard !owned.isClosed, started else { return }
        started = false
        uv_idle_stop(handle)
    }

    public func close() {
        if owned.close() { closeHandle(handle) }
    }

    func handleDidClose() {
        owned.close()
    }
}
