import CUV

/// A libuv timer: one-shot or repeating, in milliseconds of loop time.
public final class Timer: HandleOwner {
    private let handle: UnsafeMutablePointer<uv_timer_t>
    private var owned: OwnedCallback<() -> Void>

    public init(loop: EventLoop) {
        handle = allocateHandle(uv_timer_t.self)
        owned = OwnedCallback()
        bindOwner(handle, to: self)
        uv_timer_init(loop.raw, handle)
    }

    /// Fires `callback` after `delay` ms, then every `interval` ms when `interval` is not 0.
    public func start(after delay: UInt64, every interval: UInt64 = 0, _ callback: @escaping () -> Void) {
        guard !owned.isClosed else { return }
        owned.callback = callback
        uv_timer_start(
            handle,
            { handle in
                let timer = owner(of: handle, as: Timer.self)
                timer.owned.callback?()
            },
            delay,
            interval
        )
    }

    public func stop() {
        guard !owned.isClosed else { return }
        uv_timer_stop(handle)
    }

    /// A timer that is not referenced does not keep the loop running on its own.
    public func unref() {
        uv_unref(cuv_handle(handle))
    }

    public var isActive: Bool { !owned.isClosed && uv_is_active(cuv_handle(handle)) != 0 }

    public func close() {
        if owned.close() { closeHandle(handle) }
    }

    /// Runs `body` once after `delay` ms and closes the timer; the returned timer may be closed to cancel.
    @discardableResult
    public static func once(on loop: EventLoop, after delay: UInt64, _ body: @escaping () -> Void) -> Timer {
        let timer = Timer(loop: loop)
        timer.start(after: delay) { [unowned timer] in
            timer.close()
            body()
        }
        return timer
    }

    func handleDidClose() {
        owned.close()
    }
}
