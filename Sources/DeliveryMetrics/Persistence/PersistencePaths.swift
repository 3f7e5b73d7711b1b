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

    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
