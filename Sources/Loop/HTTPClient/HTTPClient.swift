import CCurl
import CUV

/// What came back from a GET.
public struct HTTPClientResponse: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    public let body: [UInt8]
}

/// A transfer that did not complete: DNS, connect, TLS, timeout, or a body over the limit; or no client at all.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    public let message: String
    /// libcurl itself could not be loaded (`dlopen` or `dlsym` failed): no client can be made in this process, ever.
    public let libraryUnavailable: Bool

    public init(message: String, libraryUnavailable: Bool = false) {
        self.message = message
        self.libraryUnavailable = libraryUnavailable
    }

    public var description: String { message }
}

public struct HTTPClientOptions: Sendable {
    public var connectTimeoutMilliseconds = 10_000
    /// The whole transfer, from DNS to the last byte.
    public var totalTimeoutMilliseconds = 30_000
    /// A PEM bundle to verify servers with, instead of the system's CA store (for instances with a private CA).
    public var caFile: String?
    public var maxResponseBytes = 16 << 20
    public var userAgent = "delivery-metrics"

    public init() {}
}

/// HTTP(S) GETs on the event loop, through libcurl's multi-socket interface: curl says which sockets to watch and
/// when to wake it, libuv's `uv_poll_t` and `uv_timer_t` do the watching, and nothing ever blocks the loop (DNS runs
/// on curl's resolver thread). TLS and certificate verification are curl's, never hand-written.
///
/// Loop-confined like everything in this module. libcurl is not linked: the first client opens it (`CurlLibrary`,
/// with `dlopen`), so a service that never scrapes never maps it nor the TLS libraries it brings; an init that
/// cannot load it throws an error whose `libraryUnavailable` is set. `curl_global_init` is called when each client
/// is made and balanced in `close()`.
public final class HTTPClient {
    private let curl: CurlLibrary
    private let loop: EventLoop
    private let options: HTTPClientOptions
    private let multi: UnsafeMutableRawPointer
    private let timer: Timer
    private var watchers: [curl_socket_t: CurlSocketWatcher] = [:]
    private var transfers: [UnsafeMutableRawPointer: Transfer] = [:]
    private var closed = false

    public init(loop: EventLoop, options: HTTPClientOptions = HTTPClientOptions()) throws(HTTPClientError) {
        let curl = try CurlLibrary.shared.get()
        guard curl.globalInit(Int(CURL_GLOBAL_ALL)) == CURLE_OK else {
            throw HTTPClientError(message: "curl_global_init failed")
        }
        guard let multi = curl.multiInit() else {
            curl.globalCleanup()
            throw HTTPClientError(message: "curl_multi_init failed")
        }
        self.curl = curl
        self.loop = loop
        self.options = options
        self.multi = multi
        timer = Timer(loop: loop)
        let me = Unmanaged.passUnretained(self).toOpaque()
        ccurl_multi_setopt_pointer(curl.multiSetopt, multi, CURLMOPT_SOCKETDATA, me)
        ccurl_multi_setopt_pointer(curl.multiSetopt, multi, CURLMOPT_TIMERDATA, me)
        ccurl_multi_setopt_socket_function(curl.multiSetopt, multi) { _, socket, what, client, _ in
            Unmanaged<HTTPClient>.fromOpaque(client!).takeUnretainedValue().socketChanged(socket, what: what)
            return 0
        }
        ccurl_multi_setopt_timer_function(curl.multiSetopt, multi) { _, timeout, client in
            Unmanaged<HTTPClient>.fromOpaque(client!).takeUnretainedValue().timerChanged(timeout)
            return 0
        }
    }

    /// Whether this libcurl resolves names off the calling thread (curl's threaded resolver or c-ares); false when it
    /// cannot be loaded.
    public static var resolvesAsynchronously: Bool {
        guard case .success(let curl) = CurlLibrary.shared, let info = curl.versionInfo(CURLVERSION_TENTH) else {
            return false
        }
        return info.pointee.features & CURL_VERSION_ASYNCHDNS != 0
    }

    /// Starts a GET; `completion` runs later on the loop, never from inside this call.
    public func get(
        _ url: String,
        headers: [(name: String, value: String)] = [],
        completion: @escaping (Result<HTTPClientResponse, HTTPClientError>) -> Void
    ) {
        guard !closed, let easy = curl.easyInit() else {
            Timer.once(on: loop, after: 0) { completion(.failure(HTTPClientError(message: "client closed"))) }
            return
        }
        let transfer = Transfer(curl: curl, easy: easy, maxBytes: options.maxResponseBytes, completion: completion)
        for (name, value) in headers {
            transfer.headerList = curl.slistAppend(transfer.headerList, "\(name): \(value)")
        }
        let context = Unmanaged.passRetained(transfer).toOpaque()
        ccurl_easy_setopt_string(curl.easySetopt, easy, CURLOPT_URL, url)
        ccurl_easy_setopt_long(curl.easySetopt, easy, CURLOPT_NOSIGNAL, 1)
        ccurl_easy_setopt_long(curl.easySetopt, easy, CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeoutMilliseconds)
        ccurl_easy_setopt_long(curl.easySetopt, easy, CURLOPT_TIMEOUT_MS, options.totalTimeoutMilliseconds)
        ccurl_easy_setopt_long(curl.easySetopt, easy, CURLOPT_FOLLOWLOCATION, 0)
        ccurl_easy_setopt_string(curl.easySetopt, easy, CURLOPT_PROTOCOLS_STR, "http,https")
        ccurl_easy_setopt_string(curl.easySetopt, easy, CURLOPT_ACCEPT_ENCODING, "")  // Any encoding curl can decode.
        ccurl_easy_setopt_string(curl.easySetopt, easy, CURLOPT_USERAGENT, options.userAgent)
        if let caFile = options.caFile { ccurl_easy_setopt_string(curl.easySetopt, easy, CURLOPT_CAINFO, caFile) }
        ccurl_easy_setopt_slist(curl.easySetopt, easy, CURLOPT_HTTPHEADER, transfer.headerList)
        ccurl_easy_setopt_pointer(curl.easySetopt, easy, CURLOPT_ERRORBUFFER, transfer.errorBuffer)
        ccurl_easy_setopt_pointer(curl.easySetopt, easy, CURLOPT_PRIVATE, context)
        ccurl_easy_setopt_pointer(curl.easySetopt, easy, CURLOPT_WRITEDATA, context)
        ccurl_easy_setopt_pointer(curl.easySetopt, easy, CURLOPT_HEADERDATA, context)
        ccurl_easy_setopt_data_callback(curl.easySetopt, easy, CURLOPT_WRITEFUNCTION) { bytes, size, count, context in
            Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue().receiveBody(bytes, size * count)
        }
        ccurl_easy_setopt_data_callback(curl.easySetopt, easy, CURLOPT_HEADERFUNCTION) { bytes, size, count, context in
            Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue().receiveHeader(bytes, size * count)
        }
        transfers[easy] = transfer
        if curl.multiAddHandle(multi, easy) != CURLM_OK {
            Timer.once(on: loop, after: 0) { [weak self] in self?.finish(easy, result: CURLE_FAILED_INIT) }
        }
    }

    /// Cancels transfers in flight (their completions are not called), closes every handle, and releases curl.
    public func close() {
        guard !closed else { return }
        closed = true
        for easy in Array(transfers.keys) {
            _ = curl.multiRemoveHandle(multi, easy)
            release(easy)
        }
        _ = curl.multiCleanup(multi)
        for watcher in watchers.values { watcher.close() }
        watchers = [:]
        timer.close()
        curl.globalCleanup()
    }

    // MARK: - curl's callbacks

    private func socketChanged(_ socket: curl_socket_t, what: Int32) {
        if what == CURL_POLL_REMOVE {
            // Stop watching now: curl may close the descriptor as soon as this returns.
            watchers.removeValue(forKey: socket)?.close()
            return
        }
        let watcher: CurlSocketWatcher
        if let existing = watchers[socket] {
            watcher = existing
        } else {
            watcher = CurlSocketWatcher(loop: loop, socket: socket) { [unowned self] socket, status, events in
                socketReady(socket, status: status, events: events)
            }
            watchers[socket] = watcher
        }
        var events: Int32 = 0
        if what & CURL_POLL_IN != 0 { events |= Int32(UV_READABLE.rawValue) }
        if what & CURL_POLL_OUT != 0 { events |= Int32(UV_WRITABLE.rawValue) }
        watcher.watch(events)
    }

    private func timerChanged(_ timeout: Int) {
        guard timeout >= 0 else {
            timer.stop()
            return
        }
        // Not from inside this callback: curl asks that socket_action be called from the loop, not re-entrantly.
        timer.start(after: UInt64(timeout)) { [unowned self] in
            act(on: CURL_SOCKET_TIMEOUT, flags: 0)
        }
    }

    private func socketReady(_ socket: curl_socket_t, status: Int32, events: Int32) {
        var flags: Int32 = 0
        if status < 0 {
            flags = CURL_CSELECT_ERR
        } else {
            if events & Int32(UV_READABLE.rawValue) != 0 { flags |= CURL_CSELECT_IN }
            if events & Int32(UV_WRITABLE.rawValue) != 0 { flags |= CURL_CSELECT_OUT }
        }
        act(on: socket, flags: flags)
    }

    private func act(on socket: curl_socket_t, flags: Int32) {
        guard !closed else { return }
        var running: Int32 = 0
        _ = curl.multiSocketAction(multi, socket, flags, &running)
        // Collect first, complete after: a completion may start a request or close the client, and neither may
        // happen while curl's message queue is being read.
        var done: [(UnsafeMutableRawPointer, CURLcode)] = []
        var pending: Int32 = 0
        while let message = curl.multiInfoRead(multi, &pending) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            done.append((easy, message.pointee.data.result))
        }
        for (easy, result) in done {
            finish(easy, result: result)
        }
    }

    private func finish(_ easy: UnsafeMutableRawPointer, result: CURLcode) {
        guard !closed, let transfer = transfers[easy] else { return }
        var status = 0
        ccurl_easy_getinfo_long(curl.easyGetinfo, easy, CURLINFO_RESPONSE_CODE, &status)
        _ = curl.multiRemoveHandle(multi, easy)
        let outcome: Result<HTTPClientResponse, HTTPClientError>
        if result == CURLE_OK {
            outcome = .success(HTTPClientResponse(status: status, headers: transfer.headers, body: transfer.body))
        } else {
            outcome = .failure(HTTPClientError(message: transfer.errorText(result)))
        }
        release(easy)
        transfer.completion(outcome)
    }

    private func release(_ easy: UnsafeMutableRawPointer) {
        guard let transfer = transfers.removeValue(forKey: easy) else { return }
        curl.easyCleanup(easy)
        Unmanaged.passUnretained(transfer).release()
    }
}
