/// Where persistence keeps its files: the snapshot at the configured path, and the journal's segments beside it as
/// `<path>.journal.<number>`, numbered upwards; a snapshot names the last segment it holds.
struct PersistencePaths: Sendable {
    let snapshot: String

    var folder: String { Self.folder(of: snapshot) }
    private var baseName: String { String(snapshot.split(separator: "/").last ?? "") }

    func segment(_ number: UInt64) -> String {
        "\(snapshot).journal.\(number)"
    }

    /// The segment numbers among a folder's names, ascending.
    func segmentNumbers(in names: [String]) -> [UInt64] {
        let prefix = baseName + ".journal."
        return names.compactMap { name in
            guard name.hasPrefix(prefix) else { return nil }
            return UInt64(name.dropFirst(prefix.count))
        }.sorted()
    }

    /// Names shaped like segments whose number cannot be one (past `Recovery.largestSegmentNumber`, or too long for
    /// 64 bits): ignored with a warning rather than trusted.
    func unusableSegmentNames(in names: [String]) -> [String] {
        let prefix = baseName + ".journal."
        return names.filter { name in
            guard name.hasPrefix(prefix) else { return false }
            let digits = name.dropFirst(prefix.count)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
            return UInt64(digits).map { $0 > Recovery.largestSegmentNumber } ?? true
        }.sorted()
    }

    /// Where a damaged file is kept aside: `PATH.damaged-<time>`, `PATH.journal.N.damaged-<time>`.
    static func damagedName(_ path: String, time: Int) -> String {
        "\(path).damaged-\(time)"
    }

    /// The damaged files kept beside the state, oldest first (by the time in their names).
    func damagedFiles(in names: [String]) -> [String] {
        names.filter { $0.hasPrefix(baseName + ".") && $0.contains(".damaged-") }.sorted { left, right in
            (Self.damagedTime(left), left) < (Self.damagedTime(right), right)
        }
    }

    private static func damagedTime(_ name: String) -> Int {
        guard let range = name.firstRange(of: ".damaged-") else { return 0 }
        return Int(name[range.upperBound...].prefix { $0.isNumber }) ?? 0
    }

    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// Damaged files kept beside the state for inspection: at most two, the oldest removed, so a crash loop over a
/// damaged file cannot fill the disk with copies.
enum DamagedFiles {
    static let kept = 2

    /// Removes all but the newest `kept`; returns how many are kept.
    @discardableResult
    static func prune(files: any FileLayer, paths: PersistencePaths) throws(IOError) -> Int {
        var damaged = paths.damagedFiles(in: try files.list(paths.folder))
        while damaged.count > kept {
            try files.remove(paths.folder + "/" + damaged.removeFirst())
        }
        return damaged.count
    }
}
