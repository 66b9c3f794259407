import Foundation
import Testing

/// Our hand-written .proto subset against pymilvus 2.3.7's descriptors (scripts/check_proto.py).
@Suite("proto subset")
struct ProtoSubsetTests {
    static let root = TestServer.repositoryRoot
    static let python = root.appendingPathComponent(".local/venv/bin/python3").path
    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: python) && FileManager.default.isExecutableFile(atPath: "/usr/bin/protoc")
    }

    /// Compiles the protos in `folder` and checks them; returns the check's status and output.
    static func check(protoFolder folder: URL) throws -> (Int32, String) {
        let descriptors = FileManager.default.temporaryDirectory.appendingPathComponent("subset-\(UUID()).pb")
        defer { try? FileManager.default.removeItem(at: descriptors) }
        let files = ["common.proto", "schema.proto", "milvus.proto"].map { folder.appendingPathComponent($0).path }
        let (protocStatus, protocOutput) = try run("/usr/bin/protoc", ["-I", folder.path, "--include_imports", "--descriptor_set_out=\(descriptors.path)"] + files)
        guard protocStatus == 0 else { return (protocStatus, protocOutput) }
        return try run(python, [root.appendingPathComponent("scripts/check_proto.py").path, descriptors.path])
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test("every message, field number and RPC matches pymilvus 2.3.7",
          .enabled(if: available || TestServer.isCI, "needs protoc and .local/venv with pymilvus (scripts/milvus-local installs them)"))
    func matchesUpstream() throws {
        let (status, output) = try Self.check(protoFolder: Self.root.appendingPathComponent("Sources/MilvusClient/Proto"))
        #expect(status == 0, "\(output)")
        #expect(output.contains("26 RPCs: 0 problems"), "\(output)")
    }

    @Test("a wrong field number is caught",
          .enabled(if: available || TestServer.isCI, "needs protoc and .local/venv with pymilvus"))
    func detectsMistakes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proto-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = Self.root.appendingPathComponent("Sources/MilvusClient/Proto")
        for file in ["common.proto", "schema.proto", "milvus.proto"] {
            var text = try String(contentsOf: source.appendingPathComponent(file), encoding: .utf8)
            if file == "milvus.proto" { text = text.replacingOccurrences(of: "int32 replica_number = 4;", with: "int32 replica_number = 5;") }
            try text.write(to: folder.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
        let (status, output) = try Self.check(protoFolder: folder)
        #expect(status == 1)
        #expect(output.contains("milvus.proto.milvus.LoadCollectionRequest.replica_number: number 5, upstream 4"), "\(output)")
    }
}
