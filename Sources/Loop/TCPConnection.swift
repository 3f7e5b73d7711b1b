import CUV

/// What a connection tells the object that speaks its protocol.
public protocol TCPConnectionDelegate: AnyObject {
    /// Bytes arrived. They live in the loop's shared read buffer, valid only during this call.
    func connection(_ connection: TCPConnection, didRead bytes: UnsafeRawBufferPointer)
    /// The peer closed its side, or reading failed.
    func connectionDidReachEnd(_ connection: TCPConnection)
    /// Every queued write has reached the kernel.
    func connectionDidFlush(_ connection: TCPConnection)
    /// The socket was closed by the connection itself (a failed read or write), not at the delegate's request.
    func connectionDidClose(_ connection: TCPConnection)
}

/// One accepted TCP connection: reads into the loop's shared buffer, and writes whose bytes live until libuv's write
/// callback.
public final class TCPConnection: HandleOwner {
    let handle: UnsafeMutablePointer<uv_tcp_t>
    private let readBuffer: UnsafeMutableRawBufferPointer
    /// Held strongly until the connection closes (`handleDidClose` lets go of it) or the delegate lets go itself, as
    /// a session does when it closes. Not weak: a weak reference moves the delegate's reference counts to a side
    /// table, which makes every retain and release of it slow, and each read would load it through that table.
    public var delegate: TCPConnectionDelegate?
    var onClose: (() -> Void)?

    public private(set) var isClosed = false
    public private(set) var isReading = false
    /// Bytes handed to libuv and not yet written to the kernel.
    public private(set) var pendingWriteBytes = 0
    private var peer: SocketAddress?

    init(loop: EventLoop) {
        handle = allocateHandle(uv_tcp_t.self)
        readBuffer = loop.readBuffer
        bindOwner(handle, to: self)
        uv_tcp_init(loop.raw, handle)
    }

    var stream: UnsafeMutablePointer<uv_stream_t> { cuv_stream(handle) }

    /// The peer's address, or nil when the socket no longer knows it.
    public var peerAddress: SocketAddress? {
        if peer == nil, !isClosed {
            var storage = sockaddr_storage()
            var length = Int32(MemoryLayout<sockaddr_storage>.size)
            let status = withUnsafeMutableBytes(of: &storage) { raw in
                uv_tcp_getpeername(handle, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
            }
            if status == 0 { peer = SocketAddress(storage: storage) }
        }
        return peer
    }

    /// Sends small writes at once instead of waiting for more (Nagle's algorithm would delay responses).
    public func setNoDelay() {
        uv_tcp_nodelay(handle, 1)
    }

    public func startReading() {
        guard !isClosed, !isReading else { return }
        isReading = true
        uv_read_start(
            stream,
            { handle, _, buffer in
                buffer!.pointee = withOwner(of: handle, as: TCPConnection.self) { connection in
                    uv_buf_init(
                        connection.readBuffer.baseAddress!.assumingMemoryBound(to: CChar.self),
                        UInt32(connection.readBuffer.count)
                    )
                }
            },
            { handle, count, _ in
                withOwner(of: handle, as: TCPConnection.self) { $0.didRead(count: count) }
            }
        )
    }

    public func stopReading() {
        guard !isClosed, isReading else { return }
        isReading = false
        uv_read_stop(stream)
    }

    private func didRead(count: Int) {
        if count > 0 {
            delegate?.connection(self, didRead: UnsafeRawBufferPointer(rebasing: readBuffer[..<count]))
        } else if count < 0 {
            stopReading()
            delegate?.connectionDidReachEnd(self)
        }
        // 0 means "nothing this time" (EAGAIN), not end of stream.
    }

    /// Queues `bytes` for sending. They are copied unless the kernel takes them all at once.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard !isClosed, !bytes.isEmpty else { return }
        var remaining = bytes
        if pendingWriteBytes == 0 {
            var buffer = uv_buf_init(
                UnsafeMutablePointer(mutating: bytes.baseAddress!.assumingMemoryBound(to: CChar.self)),
                UInt32(bytes.count)
            )
            let written = uv_try_write(stream, &buffer, 1)
            if written == Int32(bytes.count) { return }
            if written > 0 { remaining = UnsafeRawBufferPointer(rebasing: bytes[Int(written)...]) }
            if written < 0, written != UV_EAGAIN.rawValue {
                closeOnError()
                return
            }
        }
        queueWrite(remaining)
    }

    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    /// One allocation holds the write request and a copy of the bytes; the write callback frees both.
    private func queueWrite(_ bytes: UnsafeRawBufferPointer) {
        let headerSize = (MemoryLayout<uv_write_t>.size + 15) & ~15
        let block = UnsafeMutableRawPointer.allocate(byteCount: headerSize + bytes.count, alignment: 16)
        let request = block.bindMemory(to: uv_write_t.self, capacity: 1)
        request.initialize(to: uv_write_t())
        let copy = block + headerSize
        copy.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        var buffer = uv_buf_init(copy.assumingMemoryBound(to: CChar.self), UInt32(bytes.count))
        request.pointee.data = UnsafeMutableRawPointer(bitPattern: bytes.count)
        pendingWriteBytes += bytes.count
        let status = uv_write(request, stream, &buffer, 1) { request, status in
            let count = Int(bitPattern: request!.pointee.data)
            let stream = request!.pointee.handle
            UnsafeMutableRawPointer(request!).deallocate()
            // The handle (and so its owner) outlives every write callback: libuv runs them, cancelled if need be,
            // before the close callback.
            withOwner(of: stream, as: TCPConnection.self) { $0.didWrite(count: count, status: status) }
        }
        if status != 0 {
            pendingWriteBytes -= bytes.count
            block.deallocate()
            closeOnError()
        }
    }

    private func didWrite(count: Int, status: Int32) {
        pendingWriteBytes -= count
        guard !isClosed else { return }
        if status < 0 {
            closeOnError()
        } else if pendingWriteBytes == 0 {
            delegate?.connectionDidFlush(self)
        }
    }

    /// Queues `pieces` for sending, in order, without copying them: what the kernel does not take at once stays
    /// referenced (not copied) until its write callback, so many connections sending one shared render hold it once.
    public func write(_ pieces: [SharedBytes]) {
        guard !isClosed else { return }
        let total = pieces.reduce(0) { $0 + $1.count }
        guard total > 0 else { return }
        var written = 0
        if pendingWriteBytes == 0 {
            var buffers = pieces.map(Self.buffer(of:))
            let status = uv_try_write(stream, &buffers, UInt32(buffers.count))
            if status == Int32(total) { return }
            if status < 0, status != UV_EAGAIN.rawValue {
                closeOnError()
                return
            }
            written = max(0, Int(status))
        }
        queueWrite(pieces, skipping: written, total: total)
    }

    private static func buffer(of piece: SharedBytes) -> uv_buf_t {
        uv_buf_init(
            UnsafeMutablePointer(mutating: piece.bytes.baseAddress!.assumingMemoryBound(to: CChar.self)),
            UInt32(piece.count)
        )
    }

    /// What a queued write of shared pieces keeps alive until its callback.
    private final class HeldPieces {
        let pieces: [SharedBytes]
        let count: Int

        init(_ pieces: [SharedBytes], count: Int) {
            self.pieces = pieces
            self.count = count
        }
    }

    private func queueWrite(_ pieces: [SharedBytes], skipping written: Int, total: Int) {
        var buffers: [uv_buf_t] = []
        var skip = written
        for piece in pieces {
            guard skip < piece.count else {
                skip -= piece.count
                continue
            }
            let rest = UnsafeRawBufferPointer(rebasing: piece.bytes[skip...])
            skip = 0
            buffers.append(
                uv_buf_init(
                    UnsafeMutablePointer(mutating: rest.baseAddress!.assumingMemoryBound(to: CChar.self)),
                    UInt32(rest.count)
                )
            )
        }
        let count = total - written
        let request = UnsafeMutablePointer<uv_write_t>.allocate(capacity: 1)
        request.initialize(to: uv_write_t())
        request.pointee.data = Unmanaged.passRetained(HeldPieces(pieces, count: count)).toOpaque()
        pendingWriteBytes += count
        // libuv copies the buffer descriptors into the request; the bytes they point at are the held pieces.
        let status = uv_write(request, stream, &buffers, UInt32(buffers.count)) { request, status in
            let held = Unmanaged<HeldPieces>.fromOpaque(request!.pointee.data).takeRetainedValue()
            let stream = request!.pointee.handle
            request!.deallocate()
            withOwner(of: stream, as: TCPConnection.self) { $0.didWrite(count: held.count, status: status) }
        }
        if status != 0 {
            pendingWriteBytes -= count
            Unmanaged<HeldPieces>.fromOpaque(request.pointee.data).release()
            request.deallocate()
            closeOnError()
        }
    }

    /// Sends FIN once queued writes are out; reading continues, so the peer's last bytes can be drained.
    public func shutdownWrites() {
        guard !isClosed else { return }
        let request = UnsafeMutablePointer<uv_shutdown_t>.allocate(capacity: 1)
        request.initialize(to: uv_shutdown_t())
        if uv_shutdown(request, stream, { request, _ in request!.deallocate() }) != 0 {
            request.deallocate()
        }
    }

    func handleDidClose() {
        isClosed = true
        isReading = false
        delegate = nil
        let onClose = self.onClose
        self.onClose = nil
        onClose?()
    }

    /// Closes after a failed read or write and tells the delegate, which did not ask for it.
    private func closeOnError() {
        let delegate = self.delegate
        close()
        delegate?.connectionDidClose(self)
    }

    /// Closes the socket at once; queued writes are cancelled.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        isReading = false
        let onClose = self.onClose
        self.onClose = nil
        closeHandle(handle)
        onClose?()
    }
}
