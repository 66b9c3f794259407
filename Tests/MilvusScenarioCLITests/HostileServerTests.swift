import Foundation
import Testing

/// The runner against servers that misbehave (bench/InstantMilvus in its hostile modes, on a
/// free loopback port): a server that never answers, one that accepts TCP and says nothing, and
/// replies that are not the message or claim to be 2 GiB. Each must end in exit 3 within about
/// the target's 2 s deadline (plus the connect retries), with a message and a complete record —
/// never a hang or a crash. (Before HandshakeWatchdog, the TCP-only server hung `connect` for
/// good: 547 s until the test was stopped.)
@Suite("hostile servers", .serialized)
struct HostileServerTests {
    static let fake = CLITests.executable.deletingLastPathComponent().appendingPathComponent("instant-milvus")

    /// A running fake and its port; stopped when the test ends.
    final class Fake {
        let process = Process()
        let port: Int

        init(mode: String) throws {
            process.executableURL = HostileServerTests.fake
            process.arguments = ["--port", "0", "--mode", mode]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            // "listening on PORT"
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = out.fileHandleForReading.availableData
                guard !chunk.isEmpty else { break }
                line += chunk
            }
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.hasPrefix("listening on "), let port = Int(text.dropFirst("listening on ".count)) else {
                process.terminate()
                throw CocoaError(.fileReadUnknown, userInfo: [NSDebugDescriptionErrorKey: "instant-milvus did not start: \(text)"])
            }
            self.port = port
        }

        deinit {
            process.terminate()
            process.waitUntilExit()
        }
    }

    static let scenario = """
    version: 1
    name: hostile
    target: {uri: "${MILVUS_URI}", timeout: 2s}
    collection: hostile
    steps:
      - create: {fields: [{name: id, type: int64, primary: true}, {name: v, type: floatVector, dim: 8}]}
      - concurrentSearch: {queries: 10}
    """

    @Test("a server that never answers, answers garbage or claims a 2 GiB message: exit 3 within seconds, the reason, a record",
          .enabled(if: FileManager.default.isExecutableFile(atPath: fake.path), "instant-milvus is not built (swift build --build-tests)"),
          arguments: ["silent", "tcp-silent", "malformed", "oversized"])
    func hostile(mode: String) throws {
        let fake = try Fake(mode: mode)
        let dir = try RunTests.temporaryFolder()
        let file = try RunTests.scenario(Self.scenario, in: dir)
        let started = Date()
        let r = try CLITests.run(["run", file, "--report-dir", dir.path],
                                 environment: ["MILVUS_URI": "http://127.0.0.1:\(fake.port)", "PATH": "/usr/bin:/bin"])
        let seconds = Date().timeIntervalSince(started)
        #expect(r.status == 3, "\(mode): \(r.stdout)\n\(r.stderr)")
        // The 2 s deadline, a few connect retries and the record: well under half a minute.
        #expect(seconds < 30, "\(mode): took \(seconds) s")
        // The step and the call that failed, and why.
        #expect(r.stderr.contains("error: step 0 (connect 'connect') failed in Connect: "), "\(mode): \(r.stderr)")
        let record = try RunTests.record(dir)
        #expect(record["status"] as? String == "failed", "\(mode): \(record["status"] ?? "-")")
        print("[hostile] \(mode): exit \(r.status) in \(String(format: "%.1f", seconds)) s: \(r.stderr.split(separator: "\n").first { $0.contains("error:") } ?? "")")
    }
}
