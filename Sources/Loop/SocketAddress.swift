import CUV
import Glibc

/// A numeric IPv4 or IPv6 address and port, as libuv binds it.
public struct SocketAddress: Sendable, CustomStringConvertible {
    var storage = sockaddr_storage()
    public let host: String
    public let port: Int

    /// `host` is a numeric IPv4 (`127.0.0.1`) or IPv6 (`::1`, `[::1]`) address; names are not resolved here, so
    /// binding never waits on DNS.
    public init(host: String, port: Int) throws(LoopError) {
        var bare = host
        if bare.hasPrefix("["), bare.hasSuffix("]") {
            bare = String(bare.dropFirst().dropLast())
        }
        self.host = bare
        self.port = port
        let status: Int32 = withUnsafeMutableBytes(of: &storage) { raw in
            if bare.contains(":") {
                return uv_ip6_addr(bare, Int32(port), raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self))
            }
            return uv_ip4_addr(bare, Int32(port), raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self))
        }
        guard status == 0 else { throw LoopError(status, "address \(host)") }
    }

    init(storage: sockaddr_storage) {
        self.storage = storage
        var name = [CChar](repeating: 0, count: 64)
        var port = 0
        withUnsafeBytes(of: storage) { raw in
            if Int32(storage.ss_family) == AF_INET6 {
                let address = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                uv_ip6_name(address, &name, name.count)
                port = Int(UInt16(bigEndian: address.pointee.sin6_port))
            } else {
                let address = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
                uv_ip4_name(address, &name, name.count)
                port = Int(UInt16(bigEndian: address.pointee.sin_port))
            }
        }
        let text = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // An IPv4 peer of a dual-stack socket shows as ::ffff:a.b.c.d; logs want a.b.c.d.
        self.host = text.hasPrefix("::ffff:") && text.contains(".") ? String(text.dropFirst(7)) : text
        self.port = port
    }

    public var isIPv6: Bool { Int32(storage.ss_family) == AF_INET6 }

    /// `host:port`, with brackets around an IPv6 host.
    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
