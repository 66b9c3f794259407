import Foundation
import TestSupport
import Testing

/// The project's own scripts, where they can be checked without starting servers.
@Suite("scripts")
struct ScriptTests {
    @Test("alert-receivers down never signals a process that reused a recorded pid")
    func stalePid() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("receivers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        // An unrelated process whose pid the state file claims for both receivers.
        let bystander = Process()
        bystander.executableURL = URL(fileURLWithPath: "/bin/sleep")
        bystander.arguments = ["60"]
        try bystander.run()
        // SIGKILL: Foundation's terminate() did not end the sleep here, and the test waited the
        // whole 60 s for it in waitUntilExit.
        defer {
            kill(bystander.processIdentifier, SIGKILL)
            bystander.waitUntilExit()
        }
        let pid = bystander.processIdentifier
        try Data(#"{"pids": {"serve": \#(pid), "alertmanager": \#(pid)}}"#.utf8).write(to: home.appendingPathComponent("state.json"))

        let down = try ChildProcess.run("/usr/bin/env", ["python3", CLITests.root.appendingPathComponent("scripts/alert_receivers.py").path, "down"],
                                        environment: ProcessInfo.processInfo.environment.merging(["ALERT_RECEIVERS_HOME": home.path]) { _, new in new })
        let text = down.output
        #expect(down.status == 0, "\(text)")
        #expect(bystander.isRunning, "alert-receivers down killed an unrelated process: \(text)")
        #expect(text.contains("not stopping pid \(pid): it no longer runs serve"), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent("state.json").path))
    }
}
