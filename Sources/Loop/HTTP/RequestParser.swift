/// An incremental HTTP/1.1 request parser that knows nothing of sockets: feed it bytes split anywhere, then take
/// events until it needs more. One feed may hold several pipelined requests.
///
/// Memory is bounded by the limits: a head may not grow past `maxHeadBytes`, a body past `maxBodyBytes`.
///
/// Here: the states and the loop through them. The head is found and built in `RequestParser+Head`, chunked bodies
/// are read in `RequestParser+Chunked`.
public struct RequestParser: Sendable {
    /// Where the parser is; the head whose body is read is kept apart (`announced`), so that moving from state to
    /// state never copies it.
    enum State: Sendable {
        case head
        case fixedBody(length: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(bytes: Int)
        case failed
    }

    public let limits: HTTPLimits
    var state = State.head
    /// The head announced last, while its body is read.
    var announced: RequestHead?
    /// The request `step()` said is complete, until `takeRequest()`.
    var completed: Request?
    var buffer: [UInt8] = []
    /// Start of the bytes not yet consumed.
    var position = 0
    /// Where the search for the next line feed resumes, so split input is not scanned twice.
    var scanFrom = 0
    /// While reading a head: where its current line starts, and whether a non-empty line was seen.
    var lineStart = 0
    var sawRequestLine = false
    /// The bytes of the head being built; the array goes to the head, and is written again for the next head once
    /// the one before is gone (a head still held elsewhere keeps its copy).
    var headBytes: [UInt8] = []
    /// The same for bodies no larger than a head: the array of the last one is reused once it is free again.
    var bodyBytes: [UInt8] = []
    var chunkedBody: [UInt8] = []
    /// The de-chunked size so far, counted apart from `chunkedBody` because a discarded body keeps no bytes.
    var chunkedBytes = 0
    /// The current request's body is being dropped (`discardBody`).
    var discarding = false

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    /// Adds bytes that arrived from the peer.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        if position > 0, position == buffer.count, buffer.capacity <= 64 * 1024 {
            // All consumed: the new bytes take the old ones' place.
            buffer.replaceSubrange(0..<buffer.count, with: bytes)
            scanFrom = 0
            lineStart = 0
            position = 0
            return
        }
        compact()
        buffer.append(contentsOf: bytes)
    }

    public mutating func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { feed($0) }
    }

    /// True when part of a request has arrived but not all of it.
    public var isMidRequest: Bool {
        switch state {
        case .head: position < buffer.count
        case .failed: false
        default: true
        }
    }

    /// Bytes held and not yet consumed.
    public var bufferedByteCount: Int { buffer.count - position }

    /// The next event, or nil when more bytes are needed (or after a failure).
    ///
    /// One loop over the states: a state that consumed what it needed moves on by `continue`, never by calling
    /// `next()` again, so the stack stays flat however many chunks or trailer lines one feed holds.
    public mutating func next() -> ParseEvent? {
        switch step() {
        case nil: nil
        case .head: announced.map { .head($0) }
        case .request: .request(takeRequest())
        case .failure(let error): .failure(error)
        }
    }

    /// The request the last `.request` step completed.
    mutating func takeRequest() -> Request {
        // Set by every `.request` step; the placeholder is never used.
        completed.take() ?? Request(head: RequestHead(method: "-", target: "-"))
    }

    /// `next()` for the connection: the head and the request stay in the parser, read from there.
    mutating func step() -> ParseStep? {
        while true {
            switch state {
            case .failed:
                return nil
            case .head:
                return parseHead()
            case .fixedBody(let length):
                if discarding {
                    // A body the route does not take: dropped as it arrives, never held.
                    let available = min(length, buffer.count - position)
                    position += available
                    guard available == length else {
                        state = .fixedBody(length: length - available)
                        return nil
                    }
                    return finish(body: [])
                }
                guard buffer.count - position >= length else { return nil }
                guard length > 0 else { return finish(body: []) }
                let bytes = buffer[position..<position + length]
                position += length
                guard length <= limits.maxHeadBytes else { return finish(body: Array(bytes)) }
                bodyBytes.replaceSubrange(0..<bodyBytes.count, with: bytes)
                return finish(body: bodyBytes)
            case .chunkSize:
                switch parseChunkSize() {
                case .needMore: return nil
                case .event(let event): return event
                case .advanced: continue
                }
            case .chunkData(let remaining):
                let available = min(remaining, buffer.count - position)
                guard available > 0 else { return nil }
                if !discarding {
                    chunkedBody.append(contentsOf: buffer[position..<position + available])
                }
                position += available
                state =
                    available == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - available)
            case .chunkDataEnd:
                guard let line = takeLine(maxLength: 0) else {
                    return buffer.count - position >= 2 ? fail(400, "chunk data not followed by CRLF") : nil
                }
                guard line.isEmpty else { return fail(400, "chunk data longer than its size") }
                state = .chunkSize
            case .trailers(let bytes):
                switch parseTrailers(bytes: bytes) {
                case .needMore: return nil
                case .event(let event): return event
                case .advanced: continue
                }
            }
        }
    }

    /// Drops the body of the request whose head was just announced instead of keeping it: the route takes none, so
    /// its bytes are consumed as they arrive and the request completes with an empty body.
    public mutating func discardBody() {
        discarding = true
    }

    /// What one step of a chunked body did.
    enum Step {
        case needMore
        case event(ParseStep)
        case advanced
    }

    // MARK: - Helpers

    /// Takes one line (without its CRLF or LF) if a whole one of at most `maxLength` bytes is buffered.
    mutating func takeLine(maxLength: Int) -> ArraySlice<UInt8>? {
        let end = min(buffer.count, position + maxLength + 2)
        guard let newline = buffer[position..<end].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        var line = buffer[position..<newline]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        guard line.count <= maxLength else { return nil }
        position = newline + 1
        return line
    }

    mutating func finish(body: [UInt8]) -> ParseStep {
        state = .head
        // `announced` is set in every body state; the placeholder is never used.
        let head = announced.take() ?? RequestHead(method: "-", target: "-")
        scanFrom = position
        lineStart = position
        completed = Request(head: head, body: body)
        return .request
    }

    mutating func fail(_ status: Int, _ reason: String) -> ParseStep {
        fail(HTTPError(status, reason))
    }

    mutating func fail(_ error: HTTPError) -> ParseStep {
        state = .failed
        announced = nil
        completed = nil
        buffer = []
        position = 0
        scanFrom = 0
        lineStart = 0
        chunkedBody = []
        chunkedBytes = 0
        headBytes = []
        bodyBytes = []
        return .failure(error)
    }

    /// Drops consumed bytes, so the buffer holds at most one partial request and what arrived with it.
    private mutating func compact() {
        guard position > 0 else { return }
        if position == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
        } else if position >= 4096 || position * 2 >= buffer.count {
            buffer.removeSubrange(0..<position)
        } else {
            return
        }
        scanFrom -= min(scanFrom, position)
        lineStart -= min(lineStart, position)
        position = 0
    }
}
