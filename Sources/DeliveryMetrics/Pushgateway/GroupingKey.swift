import Loop

/// A pushed group's identity: the label pairs of its path, `/metrics/job/<job>{/<name>/<value>}`, as a set (sorted
/// by name), so that `/a/1/b/2` and `/b/2/a/1` are one group, as on the Pushgateway. Values are bytes: a value is
/// its bytes, whatever Unicode equivalence says.
struct GroupingKey: Hashable {
    /// Sorted by name; `job` is always one of them.
    let labels: [PushedLabel]

    init(sorted labels: [PushedLabel]) {
        self.labels = labels
    }

    /// The labels every series of the group shows: the key, and `instance=""` when the key has no `instance`
    /// (what keeps Prometheus from putting its own target's instance on them). Two groups that show the same
    /// labels would expose the same series: only one of them may exist.
    var exposedLabels: [PushedLabel] {
        guard !labels.contains(where: { $0.name == Self.instance }) else { return labels }
        var exposed = labels
        exposed.append(PushedLabel(name: Self.instance, value: []))
        exposed.sort { $0.name.lexicographicallyPrecedes($1.name) }
        return exposed
    }

    var job: [UInt8] { labels.first { $0.name == Self.job }?.value ?? [] }

    /// `{instance="a",job="b"}`, for messages and logs.
    var description: String {
        "{"
            + labels.map { String(decoding: $0.name, as: UTF8.self) + "=" + PushedNames.quoted($0.value) }
            .joined(separator: ",") + "}"
    }

    static let job = Array("job".utf8)
    static let instance = Array("instance".utf8)
}

extension GroupingKey {
    /// The route's prefix: a path under it is a Pushgateway push path.
    static let pathPrefix = Array("/metrics/job".utf8)

    /// The key of a push path (`rawPath` as the request line has it, percent-encoded), or why it is refused. Each
    /// segment is percent-decoded on its own, so `%2F` never splits one: a plain value holding a `/` is refused, and
    /// `<name>@base64/<value>` (URL-safe alphabet, padding optional, `=` alone for the empty value) is the way to
    /// send one, as on the Pushgateway. Empty segments are refused (the empty value is `@base64/=`), except one
    /// trailing slash after the job. The job is required; a name is given
    /// once (a `job` pair gives way to the route's job); names must be label names and not `__`-prefixed; values must be UTF-8.
    static func parse(path rawPath: [UInt8]) throws(PushBodyError) -> GroupingKey {
        guard rawPath.starts(with: pathPrefix) else { throw PushBodyError("not a push path") }
        var segments = rawPath[pathPrefix.count...].split(
            separator: UInt8(ascii: "/"),
            omittingEmptySubsequences: false
        )
        .map(Array.init)
        // "/metrics/job/j" splits into "", "j": the first names the job's form (plain or `@base64`).
        let jobForm = segments.removeFirst()
        guard jobForm.isEmpty || jobForm == Array("@base64".utf8), !segments.isEmpty else {
            throw PushBodyError("a push path is /metrics/job/<job>{/<label>/<value>}")
        }
        guard !segments[0].isEmpty else { throw PushBodyError("job name is required") }
        if segments.count == 2, segments[1].isEmpty { segments.removeLast() }  // `/metrics/job/j/`
        guard segments.count % 2 == 1 else {
            throw PushBodyError("odd number of path segments after the job: a label without a value")
        }
        var labels = [PushedLabel(name: job, value: try value(segments[0], base64: !jobForm.isEmpty, of: job))]
        guard !labels[0].value.isEmpty else { throw PushBodyError("job name is required") }
        var index = 1
        while index < segments.count {
            var name = try decoded(segments[index], of: nil)
            let base64 = name.hasSuffix("@base64")
            if base64 { name.removeLast("@base64".utf8.count) }
            guard PushedNames.isLabelName(name), !PushedNames.isReservedLabelName(name) else {
                throw PushBodyError("improper label name \(PushedNames.quoted(name)) in the path")
            }
            let pairValue = try value(segments[index + 1], base64: base64, of: name)
            // A `job` pair among the labels gives way to the route's job, as on the Pushgateway.
            if name != job { labels.append(PushedLabel(name: name, value: pairValue)) }
            index += 2
        }
        labels.sort { $0.name.lexicographicallyPrecedes($1.name) }
        for position in labels.indices.dropFirst() where labels[position].name == labels[position - 1].name {
            throw PushBodyError("label \(PushedNames.quoted(labels[position].name)) given twice in the path")
        }
        return GroupingKey(sorted: labels)
    }

    private static func value(_ segment: [UInt8], base64: Bool, of name: [UInt8]) throws(PushBodyError) -> [UInt8] {
        let text = try decoded(segment, of: name)
        guard base64 else { return text }
        guard let value = Base64.decode(text, alphabet: .urlSafe) else {
            throw PushBodyError("invalid base64 value for label \(PushedNames.quoted(name)) in the path")
        }
        guard PushedNames.isValidUTF8(value) else {
            throw PushBodyError("the value of label \(PushedNames.quoted(name)) is not UTF-8")
        }
        return value
    }

    /// A segment percent-decoded; `name` is the label whose value it is (nil for a name).
    private static func decoded(_ segment: [UInt8], of name: [UInt8]?) throws(PushBodyError) -> [UInt8] {
        guard !segment.isEmpty else {
            throw PushBodyError("empty path segment; an empty label value is sent as /<label>@base64/=")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(segment.count)
        var index = 0
        while index < segment.count {
            if segment[index] == UInt8(ascii: "%") {
                guard index + 2 < segment.count, let high = PercentDecoding.hexValue(segment[index + 1]),
                    let low = PercentDecoding.hexValue(segment[index + 2])
                else { throw PushBodyError("malformed percent-encoding in path") }
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(segment[index])
                index += 1
            }
        }
        if bytes.contains(UInt8(ascii: "/")) {
            let what = name.map { "the value of label \(PushedNames.quoted($0))" } ?? "a label name"
            throw PushBodyError("\(what) holds a '/'; send it as /<label>@base64/<URL-safe base64>")
        }
        if let name, !PushedNames.isValidUTF8(bytes) {
            throw PushBodyError("the value of label \(PushedNames.quoted(name)) is not UTF-8")
        }
        return bytes
    }
}
