import Foundation
import Histogram
import Testing
import MilvusClient
import ScenarioRecord
import ScenarioSpec
@testable import ScenarioRunner

/// How a run picks its search transport.
@Suite("workload settings")
struct WorkloadTests {
    @Test("MILVUS_SCENARIO_SEARCH_TRANSPORT picks the search transport; anything else is refused with the choices")
    func searchTransportVariable() throws {
        #expect(try ScenarioExecution.searchTransport([:]) == .direct)
        #expect(try ScenarioExecution.searchTransport(["MILVUS_SCENARIO_SEARCH_TRANSPORT": ""]) == .direct)
        #expect(try ScenarioExecution.searchTransport(["MILVUS_SCENARIO_SEARCH_TRANSPORT": "GRPC"]) == .grpc)
        #expect(try ScenarioExecution.searchTransport(["MILVUS_SCENARIO_SEARCH_TRANSPORT": "direct"]) == .direct)
        let error = #expect(throws: MilvusError.self) { try ScenarioExecution.searchTransport(["MILVUS_SCENARIO_SEARCH_TRANSPORT": "http3"]) }
        #expect(error?.reason.contains("'http3'") == true)
        #expect(error?.hint == "set it to direct (the default) or grpc")
    }
}

import Synchronization

@Suite("generators")
struct GeneratorTests {
    @Test("the same seed gives the same vectors, whatever the batch size")
    func deterministic() throws {
        let field = FieldSchema("v", .floatVector(dim: 4))
        var a = FieldValueGenerator(field: field, generator: .uniform(low: 0, high: 1), seed: 42)
        var b = FieldValueGenerator(field: field, generator: .uniform(low: 0, high: 1), seed: 42)
        guard case .floatVector(_, let whole) = try a.next(10) else { Issue.record("not vectors"); return }
        var parts: [Float] = []
        for n in [3, 3, 4] {
            guard case .floatVector(_, let v) = try b.next(n) else { Issue.record("not vectors"); return }
            parts += v
        }
        #expect(whole == parts)
        #expect(whole.allSatisfy { $0 >= 0 && $0 < 1 })
        var c = FieldValueGenerator(field: field, generator: .uniform(low: 0, high: 1), seed: 43)
        if case .floatVector(_, let other) = try c.next(10) { #expect(other != whole) }
    }

    @Test("cycles and sequences continue across batches, like the document's categories")
    func cycles() throws {
        var cat = FieldValueGenerator(field: FieldSchema("category", .varchar(maxLength: 20)),
                                      generator: .cycle(["electronics", "books", "clothing", "food", "toys"]), seed: 1)
        var values: [String] = []
        for n in [3, 4] { if case .varchar(let v) = try cat.next(n) { values += v } }
        #expect(values == ["electronics", "books", "clothing", "food", "toys", "electronics", "books"])
        var ids = FieldValueGenerator(field: FieldSchema("id", .int64), generator: .sequence(start: 10), seed: 1)
        _ = try ids.next(5)
        guard case .int64(let v) = try ids.next(3) else { Issue.record("not int64"); return }
        #expect(v == [15, 16, 17])
    }

    @Test("gaussian values have the asked mean and spread; normalized vectors have length 1")
    func gaussian() throws {
        var g = FieldValueGenerator(field: FieldSchema("x", .double), generator: .gaussian(mean: 5, stddev: 2), seed: 3)
        guard case .double(let v) = try g.next(20_000) else { Issue.record("not doubles"); return }
        let mean = v.reduce(0, +) / Double(v.count)
        let sd = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count)).squareRoot()
        #expect(abs(mean - 5) < 0.05 && abs(sd - 2) < 0.05)
        var n = FieldValueGenerator(field: FieldSchema("v", .floatVector(dim: 8)), generator: .gaussian(mean: 0, stddev: 1), seed: 3, normalize: true)
        guard case .floatVector(_, let values) = try n.next(1) else { Issue.record("not vectors"); return }
        #expect(values.count == 8 && abs(values.map { $0 * $0 }.reduce(0, +) - 1) < 1e-5)
    }

    @Test("SHA-256 of the scenario file")
    func sha256() {
        #expect(SHA256Digest.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}

@Suite("what compare resamples")
struct RateSampleTests {
    @Test("a write's requests: every row and millisecond kept when neighbours are added together")
    func requestSamples() throws {
        var samples = RequestSamples()
        for i in 0..<4_001 { samples.add(rows: 10, time: .milliseconds(1 + i % 3)) }
        let s = try #require(samples.samples(metric: "rowsPerSecond"))
        #expect(s.counts.count <= RequestSamples.limit + 1 && s.counts.count > 1_000)
        #expect(s.counts.reduce(0, +) == 40_010)
        #expect(s.durationsMs?.reduce(0, +) == Double((0..<4_001).map { 1 + $0 % 3 }.reduce(0, +)))
    }
}
