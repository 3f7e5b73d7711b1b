import Glibc

/// Runs work on a thread with a small stack, so that a test fails (the process crashes) wherever a decoder's stack
/// use grows with its input: 256 KiB is far below the 8 MiB the loop thread gets, and recursion one frame per chunk
/// or line reaches it within a few thousand.
public enum SmallStack {
    public static let defaultBytes = 256 * 1024

    /// Calls `work` on a new thread whose stack is `bytes` long and waits for it.
    public static func run(bytes: Int = defaultBytes, _ work: @escaping () -> Void) {
        final class Box {
            let work: () -> Void
            init(_ work: @escaping () -> Void) { self.work = work }
        }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, bytes)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(Box(work)).toOpaque()
        let status = pthread_create(
            &thread,
            &attributes,
            { context in
                let box = Unmanaged<Box>.fromOpaque(context!).takeRetainedValue()
                box.work()
                return nil
            },
            context
        )
        precondition(status == 0, "pthread_create: \(status)")
        pthread_join(thread, nil)
    }
}
