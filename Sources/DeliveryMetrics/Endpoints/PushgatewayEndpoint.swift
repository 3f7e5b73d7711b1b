import Loop

/// `PUT`, `POST` and `DELETE /metrics/job/<job>{/<label>/<value>}`: the Pushgateway's push protocol, so that its
/// clients (curl, Python's `prometheus_client`, Go's `client_golang/prometheus/push`) push here unchanged.
///
/// Not a router pattern: a grouping key has any number of pairs, so `Endpoints` hands over any path under
/// `/metrics/job` that no route matched. Screening checks the method, the token, the key, the room on the disk and
/// the body's encoding before a byte of the body is read; handling decodes the body (protobuf by its media type,
/// the text format otherwise) and hands it to the store, which applies it whole or refuses it.
struct PushgatewayEndpoint: Endpoint {
    enum Method: Equatable {
        case put
        case post
        case delete
    }

    struct Context {
        let key: GroupingKey
        let method: Method
        let protobuf: Bool
        let gzip: Bool
        let timeToLive: Double?
    }

    /// The label of these requests in metrics and logs: the raw path never becomes one.
    static let template = "/metrics/job/<job>{/<label>/<value>}"

    let gate: APIGate
    let store: PushStore
    /// The largest body, and the most a gzip body may inflate to.
    let maxBodyBytes: Int

    /// Whether `head`'s path is under `/metrics/job` (`/metrics/job`, `/metrics/job/...`, `/metrics/job@base64/...`).
    static func isPushPath(_ head: RequestHead) -> Bool {
        let path = head.pathBytes
        let prefix = GroupingKey.pathPrefix
        guard path.count >= prefix.count, (0..<prefix.count).allSatisfy({ path[$0] == prefix[$0] }) else {
            return false
        }
        return path.count == prefix.count || path[prefix.count] == UInt8(ascii: "/")
            || path[prefix.count] == UInt8(ascii: "@")
    }

    func screen(_ head: RequestHead, parameters: RouteParameters) -> Screening<Context> {
        let method: Method
        switch head.method {
        case "PUT": method = .put
        case "POST": method = .post
        case "DELETE": method = .delete
        default:
            var response = Response.error(
                HTTPError(405, "method \(EchoedInput.text(head.method)) not allowed; use DELETE, POST, PUT")
            )
            response.headers.add("Allow", "DELETE, POST, PUT")
            return .refuse(response)
        }
        guard PushAuthorization.isAuthorized(head, token: gate.authToken) else {
            var response = gate.refusals.refuse(
                MetricError(
                    .unauthorized,
                    "missing or wrong token: send it as the Basic password, a Bearer token or X-Private-Token"
                ),
                head
            )
            response.headers.add("WWW-Authenticate", PushAuthorization.challenge)
            return .refuse(response)
        }
        do throws(MetricError) {
            let key: GroupingKey
            do throws(PushBodyError) {
                key = try GroupingKey.parse(path: Array(head.pathBytes))
            } catch {
                throw MetricError(.badPush, error.message)
            }
            try gate.requireRoomForWrites()
            let headers = head.headers
            var gzip = false
            if let encoding = headers["Content-Encoding"], method != .delete {
                switch encoding.trimmingHTTPWhitespace().lowercased() {
                case "gzip": gzip = true
                case "identity", "": break
                default:
                    throw MetricError(
                        .unsupportedMediaType,
                        "Content-Encoding \(EchoedInput.text(Substring(encoding))) is not read; send gzip or none"
                    )
                }
            }
            return .accept(
                Context(
                    key: key,
                    method: method,
                    protobuf: Self.isProtobuf(headers["Content-Type"]),
                    gzip: gzip,
                    timeToLive: try timeToLive(headers["X-Group-TTL"])
                )
            )
        } catch {
            return .refuse(gate.refusals.refuse(error, head))
        }
    }

    func handle(_ request: Request, _ context: Context) -> Answer {
        let now = WallClock.now()
        guard context.method != .delete else {
            // Accepted whether or not the group existed, as the Pushgateway does (Go's `Delete()` wants 202).
            store.delete(context.key, now: now)
            return .afterCommit(Response(status: 202))
        }
        do throws(MetricError) {
            let families: [PushedFamily]
            do throws(PushBodyError) {
                let body = context.gzip ? try Gunzip.decode(request.body, limit: maxBodyBytes) : request.body
                let limit = store.limits.seriesPerPush
                families =
                    context.protobuf
                    ? try MetricFamilyProtobuf.decodeDelimited(body, maxSeries: limit)
                    : try MetricFamilyText.parse(body, maxSeries: limit)
            } catch {
                // Unreadable: answered before the store, which keeps no trace of it (as on the Pushgateway).
                throw MetricError(error.kind == .tooManySeries ? .pushLimit : .badPush, error.message)
            }
            do throws(PushRefusal) {
                try store.push(
                    families,
                    to: context.key,
                    replace: context.method == .put,
                    timeToLive: context.timeToLive ?? store.limits.defaultTimeToLive,
                    now: now
                )
            } catch {
                // The store journaled the group's failure time: the refusal waits for the disk like any write.
                return .afterCommit(gate.refusals.refuse(MetricError(error.reason, error.message), request.head))
            }
            return .afterCommit(Response(status: 200))
        } catch {
            return .now(gate.refusals.refuse(error, request.head))
        }
    }

    /// Protobuf only for the delimited `MetricFamily` media type, parameters in any order; anything else, curl's
    /// form type and none at all included, is read as the text format, as the Pushgateway does.
    static func isProtobuf(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let element = HeaderElement(contentType)
        return element.value == "application/vnd.google.protobuf"
            && element.parameters["proto"] == "io.prometheus.client.MetricFamily"
            && element.parameters["encoding"] == "delimited"
    }

    /// `X-Group-TTL` (a Go duration, `2h`): the group's own time-to-live, at most `--max-push-group-ttl`.
    private func timeToLive(_ header: String?) throws(MetricError) -> Double? {
        guard let header else { return nil }
        guard let seconds = GoDuration.seconds(String(header.trimmingHTTPWhitespace())), seconds > 0 else {
            throw MetricError(
                .badPush,
                "X-Group-TTL \(EchoedInput.text(Substring(header))) is not a positive duration such as 2h or 30m"
            )
        }
        return min(seconds, store.limits.maxTimeToLive)
    }
}
