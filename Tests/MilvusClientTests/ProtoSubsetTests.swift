import Foundation
import TestSupport
import Testing

/// Our hand-written .proto subset (milvus-proto 2.6 line) against pymilvus 2.6.17's descriptors,
/// and the part Milvus 2.3.5 speaks against pymilvus 2.3.7's (scripts/check_proto.py).
@Suite("proto subset")
struct ProtoSubsetTests {
    static let root = TestServer.repositoryRoot
    /// pymilvus 2.3.7 (scripts/milvus-local installs it).
    static let python23 = root.appendingPathComponent(".local/venv/bin/python3").path
    /// pymilvus 2.6.17 (scripts/pymilvus-2.6 installs it).
    static let python26 = root.appendingPathComponent(".local/venv-pymilvus26/bin/python3").path
    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: python23) && FileManager.default.isExecutableFile(atPath: python26)
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/protoc")
    }

    /// Compiles the protos in `folder` and checks them against pymilvus 2.6 or, `older`, 2.3.7;
    /// returns the check's status and output.
    static func check(protoFolder folder: URL, older: Bool = false) throws -> (Int32, String) {
        let descriptors = FileManager.default.temporaryDirectory.appendingPathComponent("subset-\(UUID()).pb")
        defer { try? FileManager.default.removeItem(at: descriptors) }
        let files = ["common.proto", "schema.proto", "milvus.proto"].map { folder.appendingPathComponent($0).path }
        let (protocStatus, protocOutput) = try run("/usr/bin/protoc", ["-I", folder.path, "--include_imports", "--include_source_info",
                                                                       "--descriptor_set_out=\(descriptors.path)"] + files)
        guard protocStatus == 0 else { return (protocStatus, protocOutput) }
        let script = root.appendingPathComponent("scripts/check_proto.py").path
        return older ? try run(python23, [script, "--older", descriptors.path]) : try run(python26, [script, descriptors.path])
    }

    /// A copy of the committed protos with `edit` applied to one file; checked, then removed.
    static func checkEdited(_ file: String, older: Bool = false, _ edit: (String) -> String) throws -> (Int32, String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proto-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = root.appendingPathComponent("Sources/MilvusClient/Proto")
        for name in ["common.proto", "schema.proto", "milvus.proto"] {
            let text = try String(contentsOf: source.appendingPathComponent(name), encoding: .utf8)
            let edited = name == file ? edit(text) : text
            #expect(name != file || edited != text, "the edit changed nothing in \(file)")
            try edited.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return try check(protoFolder: folder, older: older)
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let outcome = try ChildProcess.run(executable, arguments)
        return (outcome.status, outcome.output)
    }

    @Test("every message, field number and RPC matches pymilvus 2.6.17",
          .enabled(if: available || TestServer.isCI, "needs protoc, .local/venv (scripts/milvus-local) and .local/venv-pymilvus26 (scripts/pymilvus-2.6)"))
    func matchesUpstream() throws {
        let (status, output) = try Self.check(protoFolder: Self.root.appendingPathComponent("Sources/MilvusClient/Proto"))
        #expect(status == 0, "\(output)")
        #expect(output.contains("pymilvus 2.6.17: checked"), "\(output)")
        #expect(output.contains("27 RPCs: 0 problems"), "\(output)")
    }

    @Test("what Milvus 2.3 has matches pymilvus 2.3.7; only elements marked `since 2.N` are missing there",
          .enabled(if: available || TestServer.isCI, "needs protoc and the pymilvus venvs"))
    func olderPartMatches() throws {
        let (status, output) = try Self.check(protoFolder: Self.root.appendingPathComponent("Sources/MilvusClient/Proto"), older: true)
        #expect(status == 0, "\(output)")
        #expect(output.contains("pymilvus 2.3.7: checked"), "\(output)")
        #expect(output.contains("16 newer than pymilvus 2.3.7"), "\(output)")
    }

    @Test("a wrong field number is caught by both checks",
          .enabled(if: available || TestServer.isCI, "needs protoc and the pymilvus venvs"))
    func detectsMistakes() throws {
        for older in [false, true] {
            let (status, output) = try Self.checkEdited("milvus.proto", older: older) {
                $0.replacingOccurrences(of: "int32 replica_number = 4;", with: "int32 replica_number = 5;")
            }
            #expect(status == 1)
            #expect(output.contains("milvus.proto.milvus.LoadCollectionRequest.replica_number: number 5, upstream 4"), "\(output)")
        }
    }

    @Test("a newer field without its `since` mark is reported against pymilvus 2.3.7",
          .enabled(if: available || TestServer.isCI, "needs protoc and the pymilvus venvs"))
    func unmarkedNewerFieldIsCaught() throws {
        let (status, output) = try Self.checkEdited("schema.proto", older: true) {
            $0.replacingOccurrences(of: "  // since 2.5\n  bool nullable = 15;", with: "  bool nullable = 15;")
        }
        #expect(status == 1)
        #expect(output.contains("milvus.proto.schema.FieldSchema.nullable: no such field upstream"), "\(output)")
    }
}
