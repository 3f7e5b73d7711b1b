import CUV

/// libuv's thread pool: blocking work runs there, and its completion comes back on the loop thread.
public enum ThreadPool {
    /// Runs `work` on a pool thread, then `completion` on the loop thread with its result.
    ///
    /// `work` must not touch loop-owned state; it receives nothing from the loop but what it captures, which
    /// Swift checks is `Sendable`.
    public static func run<Result: Sendable>(
        on loop: EventLoop,
        _ work: @escaping @Sendable () -> Result,
        then completion: @escaping (Result) -> Void
    ) {
        let item = WorkItem(work: work, completion: completion)
        let request = UnsafeMutablePointer<uv_work_t>.allocate(capacity: 1)
        request.initialize(to: uv_work_t())
        request.pointee.data = Unmanaged.passRetained(item).toOpaque()
        let status = uv_queue_work(
            loop.raw,
            request,
            { request in
                Unmanaged<AnyWorkItem>.fromOpaque(request!.pointee.data).takeUnretainedValue().runWork()
            },
            { request, _ in
                let item = Unmanaged<AnyWorkItem>.fromOpaque(request!.pointee.data).takeRetainedValue()
                request!.deallocate()
                item.complete()
            }
        )
        precondition(status == 0, "uv_queue_work cannot fail with a valid loop and callbacks")
    }
}

/// The type-erased face of a work item, so the C callbacks need no generic parameter.
private class AnyWorkItem: @unchecked Sendable {
    func runWork() {}
    func complete() {}
}

/// `result` is written on a pool thread and read on the loop thread; libuv orders the two (the pool hands the
/// request back to the loop through its own queue and mutex), so no further synchronisation is needed.
private final class WorkItem<Result: Sendable>: AnyWorkItem, @unchecked Sendable {
    private let work: @Sendable () -> Result
    private let completion: (Result) -> Void
    private var result: Result?

    init(work: @escaping @Sendable () -> Result, completion: @escaping (Result) -> Void) {
        self.work = work
        self.completion = completion
    }

    override func runWork() {
        result = work()
    }

    override func complete() {
        completion(result!)
    }
}
