import Foundation
import TestSupport
import Primitives
import GroundTruth
import MilvusClient
import ScenarioRunner
import Testing

/// The exact nearest-neighbour search behind recall: both kernels against a plain Double
/// reference for every metric, a filter mask, odd block sizes, and — on the very rows the tool
/// generates — numpy's brute force.
@Suite("ground truth")
struct GroundTruthTests {
    static func random(_ n: Int, _ dim: Int, seed: UInt64) -> [[Float]] {
        var g = SeededRandom(seed: seed)
        return (0..<n).map { _ in (0..<dim).map { _ in g.unitFloat() * 2 - 0.5 } }
    }

    /// The k nearest by the Double reference distance, nearest first (ties by row).
    static func reference(_ rows: [[Float]], _ q: [Float], k: Int, metric: DistanceMetric, include: [Bool]? = nil) -> [(row: Int, distance: Double)] {
        var all: [(row: Int, distance: Double)] = []
        for i in rows.indices where include?[i] ?? true { all.append((row: i, distance: metric.distance(rows[i], q))) }
        all.sort { a, b in a.distance < b.distance || (a.distance == b.distance && a.row < b.row) }
        return Array(all.prefix(k))
    }

    @Test("both kernels find the reference's k nearest, for every metric, streamed in odd blocks",
          arguments: ExactNeighbors.Kernel.allCases, DistanceMetric.allCases)
    func matchesReference(kernel: ExactNeighbors.Kernel, metric: DistanceMetric) {
        let dim = 37, k = 10
        let rows = Self.random(2500, dim, seed: 1), queries = Self.random(12, dim, seed: 2)
        let exact = ExactNeighbors(queries: queries, k: k, metric: metric, kernel: kernel)
        var start = 0
        for size in [1000, 1, 999, 500] {
            exact.add(rows[start..<(start + size)].flatMap { $0 })
            start += size
        }
        #expect(exact.rowsSeen == 2500 && exact.candidates == 2500)
        let found = exact.neighbors()
        for (i, q) in queries.enumerated() {
            let want = Self.reference(rows, q, k: k, metric: metric)
            #expect(found[i].map(\.row) == want.map(\.row), "query \(i), \(kernel) \(metric)")
            for (a, b) in zip(found[i], want) {
                #expect(abs(Double(a.distance) - b.distance) <= 1e-4 * max(1, abs(b.distance)), "query \(i): \(a.distance) vs \(b.distance)")
            }
        }
    }

    @Test("rows failing the filter are left out; fewer than k rows give fewer neighbours")
    func filterAndShortage() {
        let rows = Self.random(300, 8, seed: 3), queries = Self.random(3, 8, seed: 4)
        let include = rows.indices.map { $0 % 3 == 0 }
        let exact = ExactNeighbors(queries: queries, k: 5, metric: .l2)
        exact.add(rows.flatMap { $0 }, include: include)
        #expect(exact.candidates == 100)
        for (i, q) in queries.enumerated() {
            #expect(exact.neighbors()[i].map(\.row) == Self.reference(rows, q, k: 5, metric: .l2, include: include).map(\.row))
        }
        let few = ExactNeighbors(queries: queries, k: 50, metric: .ip)
        few.add(rows[0..<20].flatMap { $0 })
        #expect(few.neighbors().allSatisfy { $0.count == 20 })
    }

    @Test("recall counts hits within the k-th true distance; ties are interchangeable")
    func recallScoring() {
        #expect(Recall.of(found: [1, 2, 3], truth: [1, 2, 3], k: 3) == 1)
        #expect(Recall.of(found: [1, 2, 4], truth: [1, 2, 3], k: 3) == 2.0 / 3)
        // Another row at the k-th distance is as good as the one in the truth.
        #expect(Recall.of(found: [1, 3, 3], truth: [1, 2, 3], k: 3) == 1)
        // Float rounding of the truth does not cost a hit.
        #expect(Recall.of(found: [1, 2, 3.00001], truth: [1, 2, 3], k: 3) == 1)
        // Fewer qualifying rows than k: recall is over those.
        #expect(Recall.of(found: [5, 6], truth: [5, 6], k: 10) == 1)
        #expect(Recall.of(found: [], truth: [], k: 10) == 1)
        #expect(Recall.of(found: [], truth: [1], k: 10) == 0)
        let s = Recall.summary([1, 0.9, 0.5, 1])!
        #expect(s.mean == 0.85 && s.min == 0.5 && s.p5 == 0.5)
    }

    /// The project venv's Python with numpy (scripts/bootstrap installs it).
    static let python: String? = {
        let p = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".local/venv/bin/python3").path
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }()

    @Test("on the rows the insert step generates, numpy's brute force finds the same k-th distances",
          .enabled(if: python != nil || ProcessInfo.processInfo.environment["CI"] == "true", "needs .local/venv with numpy (scripts/bootstrap)"))
    func numpyCrossCheck() throws {
        let python = try #require(Self.python)
        let dim = 64, n = 20_000, k = 20
        // The very generator `insert` uses (uniform [0, 1), seed 42) and the search steps' queries.
        var g = FieldValueGenerator(field: FieldSchema("v", .floatVector(dim: dim)), generator: nil, seed: 42)
        guard case .floatVector(_, let rows) = try g.next(n) else { Issue.record("no vectors"); return }
        var qg = QueryVectors(dim: dim, settings: nil)
        let queries = try qg.next(25)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gt-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(rows.withUnsafeBufferPointer { Data(buffer: $0) }).write(to: dir.appendingPathComponent("rows.f32"))
        try Data(queries.flatMap { $0 }.withUnsafeBufferPointer { Data(buffer: $0) }).write(to: dir.appendingPathComponent("queries.f32"))
        let script = """
        import numpy as np, sys
        d = sys.argv[1]; dim = \(dim); k = \(k)
        x = np.fromfile(d + "/rows.f32", dtype=np.float32).reshape(-1, dim).astype(np.float64)
        q = np.fromfile(d + "/queries.f32", dtype=np.float32).reshape(-1, dim).astype(np.float64)
        for metric in ("L2", "IP", "COSINE"):
            if metric == "L2": dist = (q * q).sum(1)[:, None] + (x * x).sum(1)[None, :] - 2 * (q @ x.T)
            elif metric == "IP": dist = -(q @ x.T)
            else: dist = -(q @ x.T) / np.linalg.norm(q, axis=1)[:, None] / np.linalg.norm(x, axis=1)[None, :]
            kth = np.sort(dist, axis=1)[:, k - 1]
            idx = np.argsort(dist, axis=1, kind="stable")[:, :k]
            print(metric, " ".join(repr(float(v)) for v in kth), "|", " ".join(",".join(str(i) for i in sorted(r)) for r in idx))
        """
        let numpy = try ChildProcess.run(python, ["-c", script, dir.path], mergingOutput: false)
        let text = numpy.stdout
        #expect(numpy.status == 0, "\(numpy.stderr)")
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "|")
            let head = parts[0].split(separator: " ")
            let metric = try #require(DistanceMetric(milvus: String(head[0])))
            let numpyKth = head.dropFirst().compactMap { Double($0) }
            let numpyRows = parts[1].split(separator: " ").map { Set($0.split(separator: ",").compactMap { Int($0) }) }
            let exact = ExactNeighbors(queries: queries, k: k, metric: metric)
            for start in stride(from: 0, to: n, by: 8192) { exact.add(Array(rows[(start * dim)..<(min(n, start + 8192) * dim)])) }
            let ours = exact.neighbors()
            #expect(ours.count == numpyKth.count)
            for (i, mine) in ours.enumerated() {
                let kth = Double(mine.last!.distance)
                #expect(abs(kth - numpyKth[i]) <= 1e-4 * max(1, abs(numpyKth[i])), "\(metric) query \(i): \(kth) vs numpy \(numpyKth[i])")
                #expect(Set(mine.map(\.row)) == numpyRows[i], "\(metric) query \(i): other rows than numpy's")
            }
        }
        #expect(text.split(separator: "\n").count == 3, "numpy said: \(text)")
    }
}
