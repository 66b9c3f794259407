import Foundation
import Testing
@testable import MilvusClient

/// Our column encodings against pymilvus 2.6's own, byte for byte (scripts/pymilvus_encode.py):
/// float16, bfloat16 and int8 vectors — which no server here accepts, so this is their check —
/// and binary and sparse vectors, JSON and nullable columns.
@Suite("column encodings")
struct EncodingTests {
    static let root = TestServer.repositoryRoot
    static let python26 = root.appendingPathComponent(".local/venv-pymilvus26/bin/python3").path
    static var available: Bool { FileManager.default.isExecutableFile(atPath: python26) }

    /// One column: the values as pymilvus takes them (JSON), and ours.
    struct Case {
        var name: String
        var json: String
        var column: Column
    }

    static let float16Rows: [[Float]] = [[0.1, -2.5, 65504], [1e-8, 0.3333, 1], [Float.pi, -0.0001, 70000]]
    static let bfloat16Rows: [[Float]] = [[0.1, -2.5, 3.0e38], [1e-8, 0.3333, 1], [Float.pi, -1.00390625, 1.01171875]]

    static func floats(_ rows: [[Float]]) -> String {
        "[" + rows.map { "[" + $0.map { "\($0)" }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
    }

    static var cases: [Case] {
        [
            Case(name: "h", json: #"{"name": "h", "type": "FLOAT16_VECTOR", "dim": 3, "values": \#(floats(float16Rows))}"#,
                 column: Column("h", .float16Vector(dim: 3, bytes: VectorEncoding.float16(float16Rows.flatMap { $0 })))),
            Case(name: "b", json: #"{"name": "b", "type": "BFLOAT16_VECTOR", "dim": 3, "values": \#(floats(bfloat16Rows))}"#,
                 column: Column("b", .bfloat16Vector(dim: 3, bytes: VectorEncoding.bfloat16(bfloat16Rows.flatMap { $0 })))),
            Case(name: "i", json: #"{"name": "i", "type": "INT8_VECTOR", "dim": 3, "values": [[-128, 0, 127], [1, 2, 3]]}"#,
                 column: Column("i", .int8Vector(dim: 3, values: [-128, 0, 127, 1, 2, 3]))),
            Case(name: "bin", json: #"{"name": "bin", "type": "BINARY_VECTOR", "dim": 16, "values": [[1,0,0,0,0,0,0,1, 1,1,0,0,0,0,0,0], [0,1,1,1,1,1,1,1, 0,0,0,0,0,0,0,1]]}"#,
                 column: Column("bin", .binaryVector(dim: 16, bytes: VectorEncoding.binary([true, false, false, false, false, false, false, true,
                                                                                            true, true, false, false, false, false, false, false,
                                                                                            false, true, true, true, true, true, true, true,
                                                                                            false, false, false, false, false, false, false, true])))),
            Case(name: "s", json: #"{"name": "s", "type": "SPARSE_FLOAT_VECTOR", "values": [{"7": 0.5, "2": 1.5}, {"100": 0.25}]}"#,
                 column: Column("s", .sparseFloatVector([SparseVector([(7, 0.5), (2, 1.5)]), SparseVector([(100, 0.25)])]))),
            Case(name: "j", json: #"{"name": "j", "type": "JSON", "values": [{"a": 1, "b": {"c": "x"}}, {"a": 2.5}]}"#,
                 column: Column("j", .json([Data(#"{"a":1,"b":{"c":"x"}}"#.utf8), Data(#"{"a":2.5}"#.utf8)]))),
            Case(name: "n", json: #"{"name": "n", "type": "INT32", "nullable": true, "values": [1, null, 3]}"#,
                 column: Column("n", .int32([1, 3]), valid: [true, false, true])),
        ]
    }

    @Test("float16, bfloat16, int8, binary, sparse, JSON and nullable columns match pymilvus 2.6 byte for byte",
          .enabled(if: available || TestServer.isCI, "needs .local/venv-pymilvus26 (scripts/pymilvus-2.6 --install)"))
    func matchesPymilvus() throws {
        let cases = Self.cases
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("encode-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: input) }
        try Data(("[" + cases.map(\.json).joined(separator: ",\n") + "]").utf8).write(to: input)
        let (status, output) = try ProtoSubsetTests.run(Self.python26, [Self.root.appendingPathComponent("scripts/pymilvus_encode.py").path, input.path])
        try #require(status == 0, "\(output)")
        // The answer is the last line (anything before it is a library's warning on stderr).
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        let theirs = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: String], "\(output)")
        for c in cases {
            let ours = try c.column.fieldData.serializedData().map { String(format: "%02x", $0) }.joined()
            #expect(ours == theirs[c.name], "column \(c.name): ours \(ours), pymilvus \(theirs[c.name] ?? "-")")
        }
    }

    @Test("bfloat16 rounds to nearest even and keeps NaN and infinities")
    func bfloat16Rounding() {
        // 1 + 2^-8 is halfway between two bfloat16 values: ties go to the even one (1.0).
        #expect(VectorEncoding.bfloat16([1.00390625]) == [0x80, 0x3F])
        // 1 + 3 × 2^-8: halfway again, now rounding up to the even 1 + 2^-6.
        #expect(VectorEncoding.bfloat16([1.01171875]) == [0x82, 0x3F])
        #expect(VectorEncoding.bfloat16([.infinity]) == [0x80, 0x7F])
        let nan = VectorEncoding.bfloat16([.nan])
        #expect(nan[1] & 0x7F == 0x7F && nan[0] & 0xC0 == 0xC0)
        #expect(VectorEncoding.decodeBFloat16(Data(VectorEncoding.bfloat16([2.5, -0.5]))) == [2.5, -0.5])
    }

    @Test("sparse vectors sort their indices and survive a round trip")
    func sparseRoundTrip() throws {
        let v = SparseVector([(9, 0.5), (1, 2), (4, -1)])
        #expect(v.indices == [1, 4, 9])
        #expect(v.dimension == 10)
        let back = try #require(SparseVector(bytes: v.bytes))
        #expect(back == v)
        #expect(SparseVector(bytes: Data([1, 2, 3])) == nil)
    }

    @Test("a nullable column splits at row boundaries, values following their valid rows")
    func nullableSplit() {
        let c = Column("n", .int64([10, 30, 40]), valid: [true, false, true, true])
        let tail = c.rows(1..<4)
        #expect(tail.valid == [false, true, true])
        guard case .int64(let values) = tail.data else { Issue.record("not int64"); return }
        #expect(values == [30, 40])
        #expect(tail.count == 3)
    }
}
