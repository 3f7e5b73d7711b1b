import Foundation
import TestSupport
import Testing

/// The state folder against the release binary: one owner at a time, damage that loses only itself, odd files that
/// neither hang nor trap the boot, and a full disk that refuses writes (507) while reads and scrapes go on.
@Suite("State files", .serialized, .enabled(if: AcceptanceEnvironment.binary != nil))
struct StateFilesAcceptanceTests {
    private static func environment(_ file: String) -> [String: String] {
        WellBehavedClient.environment.merging(["DELIVERY_METRICS_PERSISTENCE_FILE": file]) { $1 }
    }

    private static func report(_ line: String) {
        print("state-files: \(line)")
    }

    /// Runs a command line through `/bin/sh` on this thread; its status and what it printed (both streams).
    private static func shell(_ command: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command + " 2>&1"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Polls `condition` every 100 ms for up to `seconds`.
    private static func eventually(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(100_000)
        }
        return try condition()
    }

    @Test func aSecondProcessOnTheSameFileExitsTwoNamingTheOwner() async throws {
        try await onOwnThread {
            let folder = try PersistenceAcceptanceTests.temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let file = folder + "/state"
            let owner = try ServedCopy(environment: Self.environment(file))
            defer { owner.kill() }
            #expect(try WellBehavedClient.pushOnce(port: owner.port).status == 200)
            let (status, logged) = try PersistenceAcceptanceTests.runToExit(
                [AcceptanceEnvironment.binary!],
                environment: Self.environment(file)
            )
            let line = logged.split(separator: "\n").last.map(String.init) ?? ""
            Self.report("second process: exit \(status): \(line)")
            #expect(status == 2)
            #expect(line.contains(file) && line.contains("pid \(owner.process.processIdentifier)"), "\(logged)")
            // The owner lost nothing: it still writes, and what it wrote comes back after its restart.
            #expect(try WellBehavedClient.pushOnce(port: owner.port).status == 200)
            owner.kill()
            let restarted = try ServedCopy(environment: Self.environment(file))
            defer { restarted.kill() }
            #expect(try WellBehavedClient.sample(port: restarted.port) == 2)
        }
    }

    @Test func aFlippedByteLosesOnlyItsOwnRecord() async throws {
        try await onOwnThread {
            let folder = try PersistenceAcceptanceTests.temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let file = folder + "/state"
            let first = try ServedCopy(environment: Self.environment(file))
            for _ in 0..<11 { #expect(try WellBehavedClient.pushOnce(port: first.port).status == 200) }
            first.kill()
            let segment = try FileManager.default.contentsOfDirectory(atPath: folder)
                .first { $0.hasPrefix("state.journal.") }.map { folder + "/" + $0 }
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: try #require(segment))))
            // Killed, the segment still ends in the zeros reserved after its records.
            let recordsEnd = (bytes.lastIndex { $0 != 0 } ?? 0) + 1
            let frame = (recordsEnd - 24) / 11
            bytes[24 + frame + frame / 2] ^= 0x40
            try Data(bytes).write(to: URL(fileURLWithPath: segment!))

            let second = try ServedCopy(
                environment: Self.environment(file),
                arguments: ["-persistence-interval", "1s"]
            )
            defer { second.kill() }
            let restored = try WellBehavedClient.sample(port: second.port)
            let ready = try WellBehavedClient.request(
                port: second.port,
                Array("GET /-/ready HTTP/1.1\r\nHost: t\r\n\r\n".utf8)
            ).status
            let keptAside = try Self.eventually(within: 5) {
                try FileManager.default.contentsOfDirectory(atPath: folder).contains { $0.contains(".damaged-") }
            }
            Self.report(
                "a flipped byte in record 2 of 11: \(Int(restored)) restored, ready \(ready), kept aside \(keptAside)"
            )
            #expect(restored == 10)
            #expect(ready == 200)
            #expect(keptAside)
        }
    }

    @Test func oddFilesNeitherHangNorTrapTheBoot() async throws {
        try await onOwnThread {
            let folder = try PersistenceAcceptanceTests.temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            // A segment number at the top of 64 bits: ignored with a warning (it used to trap on `max + 1`).
            let file = folder + "/state"
            FileManager.default.createFile(atPath: file + ".journal.18446744073709551615", contents: Data([1]))
            // A link left at the temporary path: the snapshot must not write through it.
            FileManager.default.createFile(atPath: folder + "/precious", contents: Data("keep me".utf8))
            try FileManager.default.createSymbolicLink(atPath: file + ".tmp", withDestinationPath: folder + "/precious")
            let copy = try ServedCopy(
                environment: Self.environment(file),
                arguments: ["-persistence-interval", "200ms"]
            )
            #expect(try WellBehavedClient.pushOnce(port: copy.port).status == 200)
            let snapshotted = Self.eventually(within: 5) { FileManager.default.fileExists(atPath: file) }
            copy.kill()
            let log = copy.readRestOfLog()
            #expect(snapshotted)
            #expect(log.contains("out of range"), "\(log)")
            #expect(FileManager.default.contents(atPath: folder + "/precious") == Data("keep me".utf8))

            // A FIFO where the state should be: exit 2 naming it, at once, instead of a boot that hangs.
            let fifo = folder + "/fifo-state"
            #expect(mkfifo(fifo, 0o644) == 0)
            let started = Date()
            let (status, logged) = try PersistenceAcceptanceTests.runToExit(
                [AcceptanceEnvironment.binary!],
                environment: Self.environment(fifo)
            )
            Self.report(
                "a FIFO at the state path: exit \(status) after \(Int(Date().timeIntervalSince(started) * 1000)) ms"
            )
            #expect(status == 2)
            #expect(logged.contains(fifo) && logged.contains("not a regular file"), "\(logged)")
        }
    }

    /// A small tmpfs, filled: writes get 507 before they apply, reads, scrapes and readiness stay up, and writes are
    /// accepted again once space is freed, without a restart. Needs root and permission to mount.
    @Test func aFullDiskRefusesWritesWith507AndKeepsReadsUp() async throws {
        try await onOwnThread {
            let folder = try PersistenceAcceptanceTests.temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let (mounted, output) = try Self.shell("mount -t tmpfs -o size=8m tmpfs \(folder)")
            guard mounted == 0 else {
                print("state-files: skipped the full-disk test: cannot mount a tmpfs here (\(output))")
                return
            }
            defer { _ = try? Self.shell("umount \(folder)") }
            let file = folder + "/state"
            let copy = try ServedCopy(
                environment: Self.environment(file),
                arguments: ["-journal-reserve-bytes", "262144"]
            )
            defer { copy.kill() }
            #expect(try WellBehavedClient.pushOnce(port: copy.port).status == 200)
            // Fill what is left: the journal writes into what it reserved, then cannot renew the reservation.
            _ = try Self.shell("dd if=/dev/zero of=\(folder)/filler bs=64k; sync")
            var acknowledged = 1
            var refused: Int?
            var body = ""
            for _ in 0..<20_000 {
                let client = try RawHTTPClient(port: copy.port, timeoutSeconds: 5)
                try client.send(WellBehavedClient.push)
                guard let response = try client.readResponse() else { break }
                if response.status == 200 {
                    acknowledged += 1
                    continue
                }
                refused = response.status
                body = response.text
                break
            }
            let stored = try WellBehavedClient.sample(port: copy.port)
            let ready = try WellBehavedClient.request(
                port: copy.port,
                Array("GET /-/ready HTTP/1.1\r\nHost: t\r\n\r\n".utf8)
            ).status
            let counted = try WellBehavedClient.sample(
                port: copy.port,
                #"delivery_metrics_api_errors_total{reason="disk_full"}"#
            )
            try FileManager.default.removeItem(atPath: folder + "/filler")
            let started = Date()
            let accepted = try Self.eventually(within: 5) {
                try WellBehavedClient.pushOnce(port: copy.port).status == 200
            }
            Self.report(
                "full tmpfs (-journal-reserve-bytes 262144): \(acknowledged) pushes acknowledged, then "
                    + "\(refused.map(String.init) ?? "none") (\(body.trimmingCharacters(in: .newlines))); stored "
                    + "\(Int(stored)), ready \(ready), disk_full errors \(Int(counted)); after freeing space writes "
                    + "accepted: \(accepted) in \(Int(Date().timeIntervalSince(started) * 1000)) ms"
            )
            #expect(refused == 507)
            #expect(body.hasPrefix("insufficient storage") && body.filter { $0 == "\n" }.count == 1)
            #expect(stored == Double(acknowledged))
            #expect(ready == 200)
            #expect(counted >= 1)
            #expect(accepted)
            copy.kill()
            // What was acknowledged is on disk: a restart brings back every push that got a 200.
            let restarted = try ServedCopy(environment: Self.environment(file))
            defer { restarted.kill() }
            #expect(try WellBehavedClient.sample(port: restarted.port) >= Double(acknowledged + 1))
        }
    }
}
