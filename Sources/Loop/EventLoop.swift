import CUV

/// A libuv event loop and everything that must live exactly as long as it.
///
/// Every Swift object in this module belongs to the thread that runs its loop: libuv is not thread-safe, and neither
/// are these classes. That is the whole concurrency model, so nothing here takes a lock. The only doors between
/// threads are ``ThreadPool`` (work out, completion back) and ``CrossThreadWakeup``.
public final class EventLoop {
    let raw: UnsafeMutablePointer<uv_loop_t>
    private var isClosed = false

    /// One read buffer for every stream of this loop: a read callback consumes its bytes before the next read can
    /// start, so the bytes never need a buffer per connection.
    let readBuffer: UnsafeMutableRawBufferPointer

    public init(readBufferSize: Int = 64 * 1024) throws(LoopError) {
        raw = .allocate(capacity: 1)
        let status = uv_loop_init(raw)
        guard status == 0 else {
            raw.deallocate()
            throw LoopError(status, "uv_loop_init")
        }
        readBuffer = .allocate(byteCount: readBufferSize, alignment: 16)
    }

    deinit {
        if !isClosed {
            _ = close()
        }
        readBuffer.deallocate()
        raw.deallocate()
    }

    /// Runs until nothing keeps the loop alive or ``stop()`` is called.
    public func run() {
        uv_run(raw, UV_RUN_DEFAULT)
    }

    /// Makes ``run()`` return after the current iteration.
    public func stop() {
        uv_stop(raw)
    }

    /// The loop's cached clock in milliseconds, updated once per iteration.
    public var now: UInt64 { uv_now(raw) }

    /// Monotonic time in nanoseconds, for durations.
    public static var hrtime: UInt64 { uv_hrtime() }

    /// Closes every handle still open and runs the loop until their close callbacks have freed them.
    public func closeAllHandles() {
        guard !isClosed else { return }
        uv_walk(
            raw,
            { handle, _ in
                guard let handle, uv_is_closing(handle) == 0 else { return }
                closeHandle(handle)
            },
            nil
        )
        uv_run(raw, UV_RUN_DEFAULT)
    }

    /// Closes every handle, then the loop. Returns `uv_loop_close`'s status: 0 when nothing was left behind.
    @discardableResult
    public func close() -> Int32 {
        guard !isClosed else { return 0 }
        closeAllHandles()
        let status = uv_loop_close(raw)
        isClosed = status == 0
        return status
    }

    /// How many handles the loop still has, closing or not (for tests and shutdown checks).
    public var handleCount: Int {
        guard !isClosed else { return 0 }  // uv_loop_close poisons the loop's memory.
        var count = 0
        withUnsafeMutablePointer(to: &count) { pointer in
            uv_walk(raw, { _, argument in argument!.assumingMemoryBound(to: Int.self).pointee += 1 }, pointer)
        }
        return count
    }
}

/// A libuv call that failed, with libuv's name for the error.
public struct LoopError: Error, CustomStringConvertible, Equatable {
    public let code: Int32
    public let operation: String

    public init(_ code: Int32, _ operation: String) {
        self.code = code
        self.operation = operation
    }

    /// libuv's symbolic name for the error, such as `EADDRINUSE`.
    public var name: String { String(cString: uv_err_name(code)) }

    public var description: String {
        "\(operation): \(String(cString: uv_strerror(code))) (\(String(cString: uv_err_name(code))))"
    }
}
