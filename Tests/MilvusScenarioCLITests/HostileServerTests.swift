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

    // MARK: hostile HTTP: metrics endpoints and webhooks (scripts/hostile-http)

    /// scripts/hostile-http in one mode on a free port; stopped when the test ends.
    final class HostileHTTP {
        let process = Process()
        let port: Int

        init(mode: String) throws {
            process.executableURL = CLITests.root.appendingPathComponent("scripts/hostile-http")
            process.arguments = ["--mode", mode]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = out.fileHandleForReading.availableData
                guard !chunk.isEmpty else { break }
                line += chunk
            }
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.hasPrefix("listening on "), let port = Int(text.dropFirst("listening on ".count)) else {
                process.terminate()
                throw CocoaError(.fileReadUnknown, userInfo: [NSDebugDescriptionErrorKey: "hostile-http did not start: \(text)"])
            }
            self.port = port
        }

        deinit {
            // SIGKILL: a SIGTERM did not always end the Python server here (it inherits the
            // test process's signal dispositions), and waitUntilExit then waited for good.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// A 10 s watch of the real standalone whose metrics endpoint is the hostile one, with an
    /// alert on it that notifies `webhook`.
    static func watchScenario(metrics: String, webhook: String) -> String {
        """
        version: 1
        name: hostile_http
        target: {uri: "http://127.0.0.1:19530", metrics: "\(metrics)", timeout: 2s}
        notifiers:
          - webhook: {name: chat, url: "\(webhook)", timeout: 2s}
        steps:
          - watch:
              id: w
              duration: 10s
              interval: 2s
              serving: false
              rules:
                - {name: endpoint_down, when: live == 0, for: 0s, severity: critical}
        """
    }

    @Test("a metrics endpoint that trickles bytes or answers 500: every check ends on time, the endpoint counts as down, the run completes",
          .enabled(if: RunTests.standaloneUp, "Milvus standalone is not running"),
          arguments: ["trickle", "error"])
    func hostileMetrics(mode: String) throws {
        let metrics = try HostileHTTP(mode: mode)
        let dir = try RunTests.temporaryFolder()
        let file = try RunTests.scenario(Self.watchScenario(metrics: "http://127.0.0.1:\(metrics.port)", webhook: "http://127.0.0.1:9/none"), in: dir)
        let started = Date()
        let r = try CLITests.run(["run", file, "--report-dir", dir.path], environment: ["PATH": "/usr/bin:/bin"])
        let seconds = Date().timeIntervalSince(started)
        #expect(r.status == 0, "\(mode): \(r.stdout)\n\(r.stderr)")
        // 10 s of watch; a check that waited on the trickle for good would add minutes.
        #expect(seconds < 40, "\(mode): took \(seconds) s")
        let (m, watch) = try RunTests.watchStep(try RunTests.record(dir), id: "w")
        let checks = try #require(watch["checks"] as? [[String: Any]])
        #expect(checks.count >= 2, "\(mode): \(checks.count) checks")
        #expect(checks.allSatisfy { $0["live"] as? Bool == false }, "\(mode): \(checks)")
        #expect(checks.allSatisfy { ($0["downEndpoints"] as? [String])?.isEmpty == false }, "\(mode): \(checks)")
        #expect(m["alertsFired"] == 1, "\(mode): \(m)")
        print("[hostile] metrics \(mode): \(checks.count) checks in \(String(format: "%.1f", seconds)) s, all down; \(checks.first?["problem"] ?? "")")
    }

    @Test("a webhook that accepts and never answers: the notification fails after its timeout, counted with the reason; the run completes",
          .enabled(if: RunTests.standaloneUp, "Milvus standalone is not running"))
    func hangingWebhook() throws {
        let metrics = try HostileHTTP(mode: "error")
        let webhook = try HostileHTTP(mode: "hang")
        let dir = try RunTests.temporaryFolder()
        let file = try RunTests.scenario(Self.watchScenario(metrics: "http://127.0.0.1:\(metrics.port)",
                                                            webhook: "http://127.0.0.1:\(webhook.port)/chat"), in: dir)
        let started = Date()
        let r = try CLITests.run(["run", file, "--report-dir", dir.path], environment: ["PATH": "/usr/bin:/bin"])
        let seconds = Date().timeIntervalSince(started)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(seconds < 40, "took \(seconds) s")
        let (m, watch) = try RunTests.watchStep(try RunTests.record(dir), id: "w")
        #expect((m["notificationsFailed"] ?? 0) >= 1, "\(m)")
        let notifications = try #require(watch["notifications"] as? [[String: Any]])
        let failed = try #require(notifications.first { $0["delivered"] as? Bool == false })
        // Given up after the webhook's 2 s timeout, not after minutes.
        #expect((failed["durationMs"] as? Double ?? .infinity) < 10_000, "\(failed)")
        #expect((failed["error"] as? String)?.isEmpty == false, "\(failed)")
        print("[hostile] hanging webhook: gave up after \(String(format: "%.1f", (failed["durationMs"] as? Double ?? 0) / 1000)) s: \(failed["error"] ?? "")")
    }
}
