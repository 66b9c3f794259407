// Exact ground truth at benchmark size: the k nearest of `queries` query vectors among `rows`
// generated rows (uniform [0, 1), the insert step's generator) — or the rows of a data set
// file (`--file`, read the way `insert` reads it) — streamed in blocks of 8,192 rows, with each
// kernel. Prints wall time, CPU time and peak memory per kernel.
//
//   swift build -c release --product ground-truth-bench
//   .build/release/ground-truth-bench [--rows 1000000] [--dim 128] [--queries 1000] [--k 100] [--kernel blas|simd|both] [--metric L2|IP|COSINE]
//                                     [--file base.fvecs|.bvecs|.npy|.hdf5 [--dataset train]]
//
// bench/ground-truth runs it and bench/GROUND-TRUTH.md records the results.
import Foundation
import GroundTruth
import MilvusClient
import ScenarioRunner
import ScenarioSpec

func option(_ name: String, _ fallback: String) -> String {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: "--" + name), i + 1 < args.count else { return fallback }
    return args[i + 1]
}

let file = CommandLine.arguments.contains("--file") ? DataFile(path: option("file", ""), dataset: option("dataset", "train")) : nil
let shape = try file.map { try VectorFileShapes().shape($0.path, dataset: $0.dataset(queries: false)) }
let rows = shape?.rows ?? Int(option("rows", "1000000"))!
let dim = shape?.dim ?? Int(option("dim", "128"))!
let queryCount = Int(option("queries", "1000"))!
let k = Int(option("k", "100"))!
let metric = DistanceMetric(milvus: option("metric", "L2"))!
let kernels: [ExactNeighbors.Kernel] = option("kernel", "both") == "both" ? ExactNeighbors.Kernel.allCases : [ExactNeighbors.Kernel(rawValue: option("kernel", "blas"))!]
let block = 8192

func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}

func peakRSSMB() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) / 1024
}

var queryGenerator = QueryVectors(dim: dim, settings: nil)
let queries = try queryGenerator.next(queryCount)
print("\(file.map { "\($0.path): " } ?? "")rows \(rows) × \(dim)-d, \(queryCount) queries, top-\(k), \(metric.rawValue), blocks of \(block) rows; \(ProcessInfo.processInfo.activeProcessorCount) cores")
var results: [ExactNeighbors.Kernel: [[(row: Int, distance: Float)]]] = [:]
for kernel in kernels {
    let field = FieldSchema("v", .floatVector(dim: dim))
    var generator = FieldValueGenerator(field: field, generator: file.map { .file($0) }, seed: 42)
    let exact = ExactNeighbors(queries: queries, k: k, metric: metric, kernel: kernel)
    let clock = ContinuousClock()
    let cpu0 = cpuSeconds()
    let start = clock.now
    var generating = Duration.zero
    var done = 0
    while done < rows {
        let n = min(block, rows - done)
        let g0 = clock.now
        guard case .floatVector(_, let values) = try generator.next(n) else { fatalError() }
        generating += clock.now - g0
        exact.add(values)
        done += n
    }
    let neighbors = exact.neighbors()
    let wall = clock.now - start
    results[kernel] = neighbors
    print(String(format: "%@: %.2f s wall (%.2f s %@ rows), %.2f s CPU, peak RSS %.0f MB",
                 kernel.rawValue, Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18,
                 file == nil ? "generating" : "reading", Double(generating.components.seconds) + Double(generating.components.attoseconds) / 1e18,
                 cpuSeconds() - cpu0, peakRSSMB()))
}
if let a = results[.blas], let b = results[.simd] {
    // Both kernels must agree on the k-th distance of every query (to float rounding).
    var worst = 0.0
    for (x, y) in zip(a, b) {
        let dx = Double(x.last!.distance), dy = Double(y.last!.distance)
        worst = max(worst, abs(dx - dy) / max(abs(dx), 1e-6))
    }
    print(String(format: "kernels agree on every query's k-th distance to %.1e (relative)", worst))
}
