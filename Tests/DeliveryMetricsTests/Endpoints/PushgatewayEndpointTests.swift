import CZlib
import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// `PUT`, `POST` and `DELETE /metrics/job/...` through the endpoints, without a socket: the token as the clients
/// send it, the body formats, and what each refusal answers.
@Suite("Pushgateway endpoint")
struct PushgatewayEndpointTests {
    private static let protobuf =
        "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"

    private let harness = EndpointHarness()

    private func basic(_ user: String, _ password: String) -> (String, String) {
        ("Authorization", "Basic " + base64(Array("\(user):\(password)".utf8)))
    }

    private func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var text: [UInt8] = []
        for start in stride(from: 0, to: bytes.count, by: 3) {
            let chunk = Array(bytes[start..<min(start + 3, bytes.count)]) + [0, 0]
            let value = UInt32(chunk[0]) << 16 | UInt32(chunk[1]) << 8 | UInt32(chunk[2])
            for index in 0..<4 {
                text.append(index <= bytes.count - start ? alphabet[Int(value >> UInt32(18 - 6 * index) & 63)] : 61)
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Screens and, when accepted, handles one request; the response either way.
    private func send(
        _ method: String,
        _ path: String,
        token: String? = nil,
        headers: [(String, String)] = [],
        body: [UInt8] = []
    ) -> Response {
        var head = harness.head(method, path, token: token, headers: headers)
        if !body.isEmpty { head.contentLength = body.count }
        switch harness.pushgateway.screen(head, parameters: [:]) {
        case .refuse(let response): return response
        case .accept(let context): return harness.pushgateway.handle(Request(head: head, body: body), context).response
        }
    }

    private var protobufBody: [UInt8] {
        ProtobufWriter.delimited([PushFixtures.family("builds_total", .counter, value: 3)])
    }

    @Test func takesTheTokenAsEveryClientSendsIt() {
        let auth = EndpointHarness.token
        let type = ("Content-Type", Self.protobuf)
        #expect(send("PUT", "/metrics/job/a", headers: [basic("ci", auth), type], body: protobufBody).status == 200)
        #expect(send("PUT", "/metrics/job/b", headers: [basic("", auth), type], body: protobufBody).status == 200)
        #expect(
            send("PUT", "/metrics/job/c", headers: [("Authorization", "bearer \(auth)"), type], body: protobufBody)
                .status == 200
        )
        #expect(send("PUT", "/metrics/job/d", token: auth, headers: [type], body: protobufBody).status == 200)
        #expect(harness.pushes.groups.count == 4)
    }

    @Test(arguments: [
        [(String, String)](),
        [("Authorization", "Basic " + "Y2k6d3Jvbmc=")],  // ci:wrong
        [("Authorization", "Bearer wrong")],
        [("Authorization", "Digest x")],
        [("Authorization", "Basic !!!")],
        [("X-Private-Token", "wrong"), ("Authorization", "Bearer " + EndpointHarness.token)],
    ])
    func refusesAMissingOrWrongTokenWithAChallenge(headers: [(String, String)]) {
        let response = send("PUT", "/metrics/job/a", headers: headers, body: protobufBody)
        #expect(response.status == 401)
        #expect(response.headers["WWW-Authenticate"] == "Basic realm=\"delivery-metrics\"")
        #expect(harness.pushes.groups.isEmpty)
    }

    @Test func answersOnlyPushMethods() {
        let response = send("GET", "/metrics/job/a", token: EndpointHarness.token)
        #expect(response.status == 405)
        #expect(response.headers["Allow"] == "DELETE, POST, PUT")
    }

    @Test func deletesWith202WhetherOrNotTheGroupExists() {
        let token = EndpointHarness.token
        _ = send("PUT", "/metrics/job/a", token: token, headers: [("Content-Type", Self.protobuf)], body: protobufBody)
        #expect(send("DELETE", "/metrics/job/a", token: token).status == 202)
        #expect(send("DELETE", "/metrics/job/a", token: token).status == 202)
        #expect(harness.pushes.groups.isEmpty)
    }

    @Test func readsGzipBodiesAndBoundsWhatTheyInflateTo() throws {
        let token = EndpointHarness.token
        let type = ("Content-Type", Self.protobuf)
        let gzipped = gzip(protobufBody)
        #expect(
            send("PUT", "/metrics/job/a", token: token, headers: [type, ("Content-Encoding", "gzip")], body: gzipped)
                .status == 200
        )
        let bomb = gzip([UInt8](repeating: 0, count: 2 << 20))
        let refused = send(
            "PUT",
            "/metrics/job/b",
            token: token,
            headers: [type, ("Content-Encoding", "gzip")],
            body: bomb
        )
        #expect(refused.status == 400)
        #expect(String(decoding: refused.body, as: UTF8.self).contains("inflates to more than"))
        let broken = send(
            "PUT",
            "/metrics/job/b",
            token: token,
            headers: [type, ("Content-Encoding", "gzip")],
            body: [1, 2, 3]
        )
        #expect(broken.status == 400)
        let other = send("PUT", "/metrics/job/b", token: token, headers: [type, ("Content-Encoding", "br")], body: [1])
        #expect(other.status == 415)
    }

    @Test func readsProtobufOnlyForTheDelimitedMetricFamilyType() {
        #expect(PushgatewayEndpoint.isProtobuf(Self.protobuf))
        #expect(
            PushgatewayEndpoint.isProtobuf(
                "application/vnd.google.protobuf;encoding=delimited;  proto=io.prometheus.client.MetricFamily"
            )
        )
        #expect(
            !PushgatewayEndpoint.isProtobuf(
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=text"
            )
        )
        #expect(!PushgatewayEndpoint.isProtobuf("application/x-www-form-urlencoded"))
        #expect(!PushgatewayEndpoint.isProtobuf(nil))
    }

    @Test func takesAGroupsTimeToLiveFromItsHeaderUpToTheMaximum() throws {
        let token = EndpointHarness.token
        let type = ("Content-Type", Self.protobuf)
        _ = send("PUT", "/metrics/job/a", token: token, headers: [type, ("X-Group-TTL", "2h")], body: protobufBody)
        #expect(harness.pushes.groups[try PushFixtures.key("/metrics/job/a")]?.timeToLive == 7_200)
        _ = send(
            "PUT",
            "/metrics/job/b",
            token: token,
            headers: [type, ("X-Group-TTL", "100000h")],
            body: protobufBody
        )
        #expect(harness.pushes.groups[try PushFixtures.key("/metrics/job/b")]?.timeToLive == PushLimits().maxTimeToLive)
        #expect(send("PUT", "/metrics/job/c", token: token, headers: [type, ("X-Group-TTL", "soon")]).status == 400)
        #expect(send("PUT", "/metrics/job/c", token: token, headers: [type, ("X-Group-TTL", "0s")]).status == 400)
    }

    @Test func answersEachRefusalWithOneLine() {
        let token = EndpointHarness.token
        let type = ("Content-Type", Self.protobuf)
        let truncated = send("PUT", "/metrics/job/a", token: token, headers: [type], body: [5, 1])
        #expect(truncated.status == 400)
        let badKey = send("PUT", "/metrics/job/a/b", token: token, headers: [type], body: protobufBody)
        #expect(badKey.status == 400)
        let clash = ProtobufWriter.delimited([PushFixtures.family("delivery_x", .gauge)])
        let inconsistent = send("PUT", "/metrics/job/a", token: token, headers: [type], body: clash)
        #expect(inconsistent.status == 400)
        for response in [truncated, badKey, inconsistent] {
            let text = String(decoding: response.body, as: UTF8.self)
            #expect(text.hasSuffix("\n") && text.dropLast().allSatisfy { $0 != "\n" } && text.count > 1)
        }
        // Unreadable bodies leave no trace; an inconsistent one sets the failure time.
        #expect(harness.pushes.groups.count == 1)
    }

    /// A refusal by the store journals the group's failure time, so it waits for the disk; an unreadable body
    /// changes nothing, so its refusal leaves at once.
    @Test func waitsForTheDiskOnlyForRefusalsThatChangedSomething() throws {
        var head = harness.head("PUT", "/metrics/job/a", headers: [("Content-Type", Self.protobuf)])
        let inconsistent = ProtobufWriter.delimited([PushFixtures.family("delivery_x", .gauge)])
        head.contentLength = inconsistent.count
        let context = try #require(harness.pushgateway.screen(head, parameters: [:]).accepted)
        let refused = harness.pushgateway.handle(Request(head: head, body: inconsistent), context)
        #expect(refused.response.status == 400 && refused.waitsForCommit)
        head.contentLength = 2
        let unreadable = harness.pushgateway.handle(Request(head: head, body: [5, 1]), context)
        #expect(unreadable.response.status == 400 && !unreadable.waitsForCommit)
    }

    private func gzip(_ input: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        _ = deflateInit2_(
            &stream,
            6,
            Z_DEFLATED,
            16 + 15,
            8,
            Z_DEFAULT_STRATEGY,
            zlibVersion(),
            Int32(MemoryLayout<z_stream>.size)
        )
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = UInt32(source.count)
                stream.next_out = destination.baseAddress
                stream.avail_out = UInt32(destination.count)
                _ = deflate(&stream, Z_FINISH)
            }
        }
        return Array(output[..<Int(stream.total_out)])
    }
}
