import Foundation
import ScenarioReport
import TestSupport
import Testing

/// Three cases of the chaos matrix (scripts/chaos.py, `make chaos`; the table by
/// `milvus-scenario report --matrix`) on the real local cluster:
/// a frozen query node (SIGSTOP: its sockets stay open, nothing answers), a query node cut off
/// by the network (its own namespace, veth link down) and a killed proxy — each with 2 replicas
/// loaded, background searches and inserts, each undone by the scenario 15 s later.
///
/// What must hold every time is asserted: the fault is noticed, everything answers /healthz
/// again after it is undone, the cluster is whole afterwards, no fault or undo command failed,
/// every insert before the fault was acknowledged, and count(*) holds the rows before plus every
/// acknowledged insert. How long each took and how many searches
/// failed in between vary with the machine: printed, and in the committed matrix
/// (reports/chaos-examples/), not asserted.
///
/// The matrix restarts the cluster with the process it cuts off (querynode2) in its own network
/// namespace and stops it at the end; the test then starts the ordinary cluster again for the
/// tests that run after it. ~4 minutes.
@Suite("chaos matrix subset", .serialized)
struct ChaosRunTests {
    static let cases = ["freeze-querynode2", "partition-querynode2", "kill-proxy"]
    static var canIsolate: Bool {
        getuid() == 0 && ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test("freeze and partition of a query node, kill of the proxy: noticed, undone, the cluster whole again, no row lost",
          .enabled(if: RunTests.clusterUp && (canIsolate || ProcessInfo.processInfo.environment["CI"] == "true"),
                   "needs the local cluster and root with iproute2 (network namespaces)"))
    func subset() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("chaos-\(UUID().uuidString)")
        defer {
            // The ordinary cluster again, as scripts/test started it, for the suites after this one.
            let restored = try? CLITests.runScript(["cluster", "up"])
            if restored?.status != 0 { print("[chaos] could not start the ordinary cluster again: \(restored?.output.suffix(2000) ?? "")") }
            try? FileManager.default.removeItem(at: out)
        }
        var environment = ProcessInfo.processInfo.environment
        environment["MILVUS_SCENARIO"] = CLITests.executable.path
        let chaos = try ChildProcess.run(CLITests.root.appendingPathComponent("scripts/chaos.py"),
                                         ["--short", "--cases", Self.cases.joined(separator: ","), "--out", out.path],
                                         in: CLITests.root, environment: environment)
        let output = chaos.output
        #expect(chaos.status == 0, "\(output.suffix(4000))")

        // The table as `report --matrix` wrote it, read back with the same types.
        struct Table: Decodable { var cases: [FaultMatrix.Row] }
        let rows = try JSONDecoder().decode(Table.self, from: Data(contentsOf: out.appendingPathComponent("chaos.json"))).cases
        #expect(Set(rows.map(\.name)) == Set(Self.cases), "\(rows.map(\.name))")
        for row in rows {
            let name = row.name
            print("[chaos] \(FaultMatrixReport.summary(row))")
            // The run reached its watch and measured it; its exit status (0, 1 for a threshold,
            // 3 when a step after the fault failed — e.g. a DDL timeout right after a restart) is
            // a finding for the table, not a test failure.
            #expect([0, 1, 3].contains(row.exit ?? -1), "\(name): \(row)")
            #expect(row.detect != nil, "\(name): the fault was not noticed: \(row)")
            #expect(row.live?.seconds != nil, "\(name): not everything answered /healthz again: \(row)")
            #expect(row.clusterSurvived == true, "\(name): \(row)")
            #expect(row.actionsFailed == 0, "\(name): \(row)")
            #expect(row.successBefore == 100, "\(name): \(row)")
            // Inserts went on through the fault; every acknowledged row is still there.
            let written = row.rowsWritten ?? 0
            #expect(row.writeBefore == 100 && written > 0, "\(name): \(row)")
            #expect(row.rowsBefore == 10000 && (row.rowsAfter ?? 0) >= 10000 + written, "\(name): \(row)")
            // Right answers before and after the fault: recall over the live rows, and every
            // acknowledged row by key (none wrong before; after, any wrong one is in the row).
            #expect(row.recallBefore != nil && row.wrongBefore == 0 && row.recallAfter != nil && row.wrongAfter != nil, "\(name): \(row)")
            if row.wrongAfter ?? 0 > 0 { #expect(row.outcome.contains("wrong answers after"), "\(name): \(row)") }
            // Every row read back by key after the watch; writes with an unknown outcome resolved.
            // Searches that succeeded during the fault had their hits checked (none succeed while the proxy is dead).
            if (row.successDuring ?? 0) > 0 { #expect(row.wrongDuring != nil, "\(name): the background hits were not checked during the fault: \(row)") }
            #expect(row.keysLost != nil && row.keysBack != nil && row.keysWrongValues != nil && row.unknownStored != nil, "\(name): \(row)")
            if (row.keysLost ?? 0) + (row.keysBack ?? 0) + (row.keysWrongValues ?? 0) > 0 { #expect(row.outcome.contains("by key"), "\(name): \(row)") }
            // The case's own file, written by the script beside the run's report folder.
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).appendingPathComponent("case.json").path))
        }
        let markdown = try String(contentsOf: out.appendingPathComponent("chaos.md"), encoding: .utf8)
        #expect(markdown.contains("| partition-querynode2 |") && markdown.contains("inserts ok before/during/after"), "\(markdown)")
    }
}
