import CCurl
import CUV

/// A `uv_poll_t` on one of curl's sockets.
final class CurlSocketWatcher: HandleOwner {
    private let handle: UnsafeMutablePointer<uv_poll_t>
    private let socket: curl_socket_t
    private var callback: ((curl_socket_t, Int32, Int32) -> Void)?
    private var closed = false

    init(loop: EventLoop, socket: curl_socket_t, _ callback: @escaping (curl_socket_t, Int32, Int32) -> Void) {
        handle = allocateHandle(uv_poll_t.self)
        self.socket = socket
        self.callback = callback
        bindOwner(handle, to: self)
        uv_poll_init_socket(loop.raw, handle, socket)
    }

    func watch(_ events: Int32) {
        guard !closed else { return }
        uv_poll_start(handle, events) { handle, status, events in
            let watcher = owner(of: handle, as: CurlSocketWatcher.self)
            watcher.callback?(watcher.socket, status, events)
        }
    }

    /// Stops watching at once (the descriptor may be closed right after), then closes the handle.
    func close() {
        guard !closed else { return }
        closed = true
        callback = nil
        uv_poll_stop(handle)
        closeHandle(handle)
    }

    func handleDidClose() {
        closed = true
        callback = nil
    }
}
