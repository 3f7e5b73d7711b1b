import Foundation
import Loop
import TestSupport
import Testing

/// Loop behaviour, one behaviour per test, each loop on a thread of its own.
@Suite("Event loop")
struct EventLoopTests {
    @Test func closesCleanlyWithNothingOpen() async throws {
        let status = try await onOwnThread {
            let loop = try EventLoop()
            loop.run()
            return loop.close()
        }
        #expect(status == 0)
    }

    @Test func closesEveryHandleLeftOpen() async throws {
        let (before, status, after) = try await onOwnThread {
            let loop = try EventLoop()
            let timer = Loop.Timer(loop: loop)
            timer.start(after: 60_000) {}
            timer.unref()
            _ = try SignalWatcher(loop: loop, signal: SIGUSR2) { _ in }
            _ = IterationHook(loop: loop) {}
            let before = loop.handleCount
            let status = loop.close()
            return (before, status, loop.handleCount)
        }
        #expect(before == 3)
        #expect(status == 0)
        #expect(after == 0)
    }

    @Test func firesAOneShotTimerOnce() async throws {
        let fired = try await onOwnThread {
            let loop = try EventLoop()
            var fired = 0
            Loop.Timer.once(on: loop, after: 5) { fired += 1 }
            loop.run()
            #expect(loop.close() == 0)
            return fired
        }
        #expect(fired == 1)
    }

    @Test func repeatsATimerUntilStopped() async throws {
        let fired = try await onOwnThread {
            let loop = try EventLoop()
            var fired = 0
            let timer = Loop.Timer(loop: loop)
            timer.start(after: 1, every: 1) {
                fired += 1
                if fired == 5 { timer.close() }
            }
            loop.run()
            #expect(loop.close() == 0)
            return fired
        }
        #expect(fired == 5)
    }

    @Test func completesThreadPoolWorkOnTheLoopThread() async throws {
        let (workThread, completionThread, loopThread, result) = try await onOwnThread {
            let loop = try EventLoop()
            let loopThread = UInt(pthread_self())
            var outcome: (UInt, UInt, Int) = (0, 0, 0)
            ThreadPool.run(on: loop) {
                (UInt(pthread_self()), (1...100).reduce(0, +))
            } then: { (workThread, sum) in
                outcome = (workThread, UInt(pthread_self()), sum)
            }
            loop.run()
            #expect(loop.close() == 0)
            return (outcome.0, outcome.1, loopThread, outcome.2)
        }
        #expect(result == 5050)
        #expect(completionThread == loopThread)
        #expect(workThread != loopThread)
    }

    @Test func deliversASignalOnTheLoop() async throws {
        let received = try await onOwnThread {
            let loop = try EventLoop()
            var received: Int32 = 0
            var watcher: SignalWatcher!
            watcher = try SignalWatcher(loop: loop, signal: SIGUSR1) { signal in
                received = signal
                watcher.close()
            }
            kill(getpid(), SIGUSR1)
            loop.run()
            #expect(loop.close() == 0)
            return received
        }
        #expect(received == SIGUSR1)
    }

    @Test func wakesTheLoopFromAnotherThread() async throws {
        let woken = try await onOwnThread {
            let loop = try EventLoop()
            var woken = false
            var wakeup: CrossThreadWakeup!
            wakeup = CrossThreadWakeup(loop: loop) {
                woken = true
                wakeup.close()
            }
            let sendable = wakeup!
            Thread.detachNewThread { sendable.wake() }
            loop.run()
            #expect(loop.close() == 0)
            return woken
        }
        #expect(woken)
    }

    @Test func runsTheIterationHookWithoutKeepingTheLoopAlive() async throws {
        let ran = try await onOwnThread {
            let loop = try EventLoop()
            var ran = 0
            _ = IterationHook(loop: loop) { ran += 1 }
            Loop.Timer.once(on: loop, after: 1) {}
            loop.run()
            #expect(loop.close() == 0)
            return ran
        }
        #expect(ran >= 1)
    }

    @Test func reportsABindFailure() async throws {
        let name = try await onOwnThread { () -> String in
            let loop = try EventLoop()
            defer { _ = loop.close() }
            let first = try TCPListener(loop: loop, address: SocketAddress(host: "127.0.0.1", port: 0)) { _ in }
            do {
                _ = try TCPListener(loop: loop, address: SocketAddress(host: "127.0.0.1", port: first.port)) { _ in }
                return "no error"
            } catch {
                return (error as? LoopError)?.name ?? "\(error)"
            }
        }
        #expect(name == "EADDRINUSE")
    }

    @Test func parsesNumericAddressesOnly() {
        #expect((try? SocketAddress(host: "::1", port: 1))?.isIPv6 == true)
        #expect((try? SocketAddress(host: "[::1]", port: 1))?.description == "[::1]:1")
        #expect((try? SocketAddress(host: "127.0.0.1", port: 80))?.description == "127.0.0.1:80")
        #expect((try? SocketAddress(host: "localhost", port: 80)) == nil)
    }
}
