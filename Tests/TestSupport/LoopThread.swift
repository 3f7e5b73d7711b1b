import Dispatch
import Foundation
import Loop

/// An event loop running on a thread of its own for the length of a test.
///
/// `setup` runs on that thread and builds whatever lives on the loop (a server, timers); it returns the port it
/// listens on and what to do when the test asks the loop to stop. Loop-owned objects never leave that thread; the
/// test only sees the port and the cross-thread wakeup.
public final class LoopThread: @unchecked Sendable {
    public let port: Int
    private let wakeup: CrossThreadWakeup
    private let done: DispatchSemaphore
    private let result: ResultBox

    private init(port: Int, wakeup: CrossThreadWakeup, done: DispatchSemaphore, result: ResultBox) {
        self.port = port
        self.wakeup = wakeup
        self.done = done
        self.result = result
    }

    public struct Setup {
        public let port: Int
        public let stop: () -> Void

        public init(port: Int, stop: @escaping () -> Void) {
            self.port = port
            self.stop = stop
        }
    }

    public static func start(_ setup: @escaping @Sendable (EventLoop) throws -> Setup) async throws -> LoopThread {
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox()
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                let loop: EventLoop
                let prepared: Setup
                do {
                    loop = try EventLoop()
                    prepared = try setup(loop)
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                var stopper: CrossThreadWakeup!
                stopper = CrossThreadWakeup(loop: loop) {
                    prepared.stop()
                    stopper.close()
                }
                // The loop runs while what `setup` built is alive, not because the stopper exists.
                stopper.unref()
                continuation.resume(
                    returning: LoopThread(port: prepared.port, wakeup: stopper, done: done, result: result)
                )
                loop.run()
                stopper.close()
                result.closeStatus = loop.close()
                done.signal()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Asks the loop to stop, waits for it, and returns `uv_loop_close`'s status (0 when every handle was closed).
    public func stop() async throws -> Int32 {
        requestStop()
        return try await join()
    }

    /// Runs the setup's `stop` on the loop thread, without waiting for the loop to end.
    public func requestStop() {
        wakeup.wake()
    }

    /// Waits for the loop to end on its own (every handle closed), without asking it to stop.
    public func join() async throws -> Int32 {
        try await onOwnThread { [self] in
            guard done.wait(timeout: .now() + 30) == .success else { throw TestFailure("loop did not finish") }
            return result.closeStatus
        }
    }

}

/// Written by the loop thread before it signals `done`, read by the test after waiting on it.
private final class ResultBox: @unchecked Sendable {
    var closeStatus: Int32 = -1
}
