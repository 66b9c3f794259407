import Foundation
import TestSupport
import Testing

/// The runner against servers that misbehave (bench/InstantMilvus in its hostile modes, on a
/// free loopback port): a server that never answers, one that accepts TCP and says nothing, and
/// replies that are not the message or claim to be 2 GiB. Each must end in exit 3 within about
/// the target's 2 s deadline (plus the connect retries), with a message and a complete record —
/// never a hang or a crash. (Before HandshakeWatchdog, the TCP-only server hung `connect` for
/// good: 547 s until the test was stopped.) And HTTP that misbehaves (scripts/hostile-http): a
/// metrics endpoint that trickles its body or answers 500, a webhook that never answers — every
/// watch check and delivery ends within its timeout. (Before the body was put under the
/// deadline, the trickling endpoint held the run for good.)
@Suite("hostile servers", .serialized)
struct HostileServerTests {
    static let fake = CLITests.executable.deletingLastPathComponent().appendingPathComponent("instant-milvus")

    /// instant-milvus in one of its hostile modes on a free port.
    static func fake(mode: String) throws -> ListeningProcess {
        try ListeningProcess(fake, ["--port", "0", "--mode", mode])
    }

    /// scripts/hostile-http in one mode on a free port.
    static func hostileHTTP(mode: String) throws -> ListeningProcess {
        try ListeningProcess(CLITests.root.appendingPathComponent("scripts/hostile-http"), ["--mode", mode])
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
        let fake = try Self.fake(mode: mode)
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
        let metrics = try Self.hostileHTTP(mode: mode)
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
        let metrics = try Self.hostileHTTP(mode: "error")
        let webhook = try Self.hostileHTTP(mode: "hang")
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
