import CCurl

/// One GET in flight: what curl has delivered so far, and whom to tell when it ends.
final class Transfer {
    private let curl: CurlLibrary
    let easy: UnsafeMutableRawPointer
    let maxBytes: Int
    let completion: (Result<HTTPClientResponse, HTTPClientError>) -> Void
    var headerList: UnsafeMutablePointer<curl_slist>?
    private(set) var headers = HTTPHeaders()
    private(set) var body: [UInt8] = []
    private(set) var tooLarge = false
    /// curl writes its detailed error message here (`CURLOPT_ERRORBUFFER`).
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))

    init(
        curl: CurlLibrary,
        easy: UnsafeMutableRawPointer,
        maxBytes: Int,
        completion: @escaping (Result<HTTPClientResponse, HTTPClientError>) -> Void
    ) {
        self.curl = curl
        self.easy = easy
        self.maxBytes = maxBytes
        self.completion = completion
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl.slistFreeAll(headerList)
        errorBuffer.deallocate()
    }

    /// Returning less than `count` makes curl abort the transfer: the body is over the limit.
    func receiveBody(_ bytes: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard let bytes, body.count + count <= maxBytes else {
            tooLarge = true
            return 0
        }
        body.append(contentsOf: UnsafeRawBufferPointer(start: bytes, count: count))
        return count
    }

    /// One header line at a time; a new status line (after a `100 Continue`) starts the headers afresh.
    func receiveHeader(_ bytes: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard let bytes else { return count }
        let line = String(decoding: UnsafeRawBufferPointer(start: bytes, count: count), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            headers = HTTPHeaders()
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingHTTPWhitespace()
            let value = String(line[line.index(after: colon)...].trimmingHTTPWhitespace())
            headers.add(String(name), value)
        }
        return count
    }

    func errorText(_ code: CURLcode) -> String {
        if tooLarge { return "response body over \(maxBytes) bytes" }
        let detail = String(cString: errorBuffer)
        guard detail.isEmpty else { return detail }
        return curl.easyStrerror(code).map { String(cString: $0) } ?? "curl error \(code.rawValue)"
    }
}
