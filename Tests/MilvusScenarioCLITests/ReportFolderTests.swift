import Foundation
import Testing

/// The report folder on a bad day, on real small file systems (tmpfs mounts; needs root): a
/// folder that cannot be written stops the run before it connects (exit 4, the reason), and a
/// disk that fills up during the run ends it with exit 4 while the run.json already there stays
/// as it was after the last step that could be written — never half a file.
@Suite("report folder not writable, disk full", .serialized)
struct ReportFolderTests {
    static var canMount: Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount") }

    /// A tmpfs of `size` (read-only when asked) at a fresh folder; unmounted when it ends.
    final class Mount {
        let path: URL

        init(size: String, readOnly: Bool = false) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("tmpfs-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true)
            let r = try CLITests.runCommand("/bin/mount", ["-t", "tmpfs", "-o", (readOnly ? "ro," : "") + "size=\(size)", "tmpfs", path.path])
            guard r.status == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSDebugDescriptionErrorKey: "mount failed: \(r.output)"])
            }
        }

        deinit {
            _ = try? CLITests.runCommand("/bin/umount", [path.path])
            try? FileManager.default.removeItem(at: path)
        }
    }

    static let scenario = """
    version: 1
    name: disk_full
    collection: report_folder_test
    target: {uri: "${MILVUS_URI}"}
    cleanup: always
    steps:
      - create:
          recreate: true
          fields:
            - {name: id, type: int64, primary: true, autoId: true}
            - {name: v, type: floatVector, dim: 8}
      - insert: {rows: 2000}
      - index: {type: FLAT, metric: L2}
      - load
      - concurrentSearch: {queries: 300, concurrency: 2}
      - concurrentSearch: {queries: 300, concurrency: 2}
      - drop
    """

    @Test("a report folder that cannot be written: exit 4 before connecting, naming the folder and the reason",
          .enabled(if: canMount, "needs root to mount a read-only tmpfs"))
    func readOnly() throws {
        let mount = try Mount(size: "64k", readOnly: true)
        let dir = try RunTests.temporaryFolder()
        let file = try RunTests.scenario(Self.scenario, in: dir)
        let target = mount.path.appendingPathComponent("reports").path
        // An address nothing answers on: the run must stop before it tries.
        let r = try CLITests.run(["run", file, "--report-dir", target], environment: ["MILVUS_URI": "http://127.0.0.1:1", "PATH": "/usr/bin:/bin"])
        #expect(r.status == 4, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stderr.contains("error: cannot write the run record and reports into \(target): "), "\(r.stderr)")
        #expect(r.stderr.lowercased().contains("read-only file system") && r.stderr.contains("not run"), "\(r.stderr)")
        #expect(!r.stderr.contains("cannot reach Milvus"), "it connected first: \(r.stderr)")
    }

    @Test("the disk fills up during the run: the run ends with exit 4 and says so; run.json stays whole, as of the last step that fit",
          .enabled(if: canMount && RunTests.standaloneUp, "needs root (tmpfs) and Milvus standalone"))
    func diskFull() throws {
        // 16 KiB: the record of the first steps fits, the search steps' histograms and the
        // reports do not.
        let mount = try Mount(size: "16k")
        let dir = try RunTests.temporaryFolder()
        let file = try RunTests.scenario(Self.scenario, in: dir)
        let target = mount.path.appendingPathComponent("r")
        let r = try CLITests.run(["run", file, "--report-dir", target.path], environment: RunTests.environment)
        #expect(r.status == 4, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stderr.contains("warning: could not write \(target.path)/run.json: No space left on device; the one there is kept"), "\(r.stderr)")
        #expect(r.stderr.contains("error: could not write everything into \(target.path): run.json holds the run as it was after "), "\(r.stderr)")
        #expect(r.stderr.contains("(the run itself: passed)"), "\(r.stderr)")
        // What is on the disk is a whole record (atomic writes), of the steps that fit.
        let record = try RunTests.record(target)
        let steps = RunTests.steps(record)
        #expect(record["status"] as? String == "running" && !steps.isEmpty && steps.count < 7, "\(record["status"] ?? "-"), \(steps.count) steps")
        print("[disk full] exit \(r.status); run.json kept with \(steps.count) of 7 steps")
    }
}
