// The shadow a run keeps of a collection (Sources/ScenarioRunner/Quality/Shadow.swift) at
// benchmark size: `--rows` inserted in batches of 10,000, `--deletes` keys deleted and
// `--upserts` keys upserted with new vectors, as windows of contiguous keys or scattered (every
// tenth key) — its memory, and exact ground truth for `--queries` queries over the live rows.
//
//   swift build -c release --product shadow-bench
//   .build/release/shadow-bench [--rows 10000000] [--dim 128] [--deletes 1000000] [--upserts 1000000]
//                               [--pattern windows|scattered|both] [--queries 100] [--k 10]
//
// bench/shadow runs it and bench/SHADOW.md records the results.
import Foundation
import ScenarioRunner

func option(_ name: String, _ fallback: String) -> String {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: "--" + name), i + 1 < args.count else { return fallback }
    return args[i + 1]
}

func peakRSSMB() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) / 1024
}

let rows = Int(option("rows", "10000000"))!
let dim = Int(option("dim", "128"))!
let deletes = Int(option("deletes", "1000000"))!
let upserts = Int(option("upserts", "1000000"))!
let queries = Int(option("queries", "100"))!
let k = Int(option("k", "10"))!
let patterns = option("pattern", "both") == "both" ? ShadowBenchmark.Pattern.allCases : [ShadowBenchmark.Pattern(rawValue: option("pattern", "windows"))!]
print("\(rows) rows × \(dim)-d, \(deletes) deleted, \(upserts) upserted; \(queries) queries, top-\(k), L2; \(ProcessInfo.processInfo.activeProcessorCount) cores")
for pattern in patterns {
    let o = try await ShadowBenchmark.run(rows: rows, dim: dim, deletes: deletes, upserts: upserts, pattern: pattern, queries: queries, k: k)
    print(String(format: "%@: live rows %d, ranges %d, shadow %.2f MiB, built in %.2f s; exact top-%d over %d live rows in %.2f s; peak RSS %.0f MiB",
                 pattern.rawValue, o.liveRows, o.ranges, Double(o.bytes) / 1_048_576, o.buildSeconds, k, o.exactRows, o.groundTruthSeconds, peakRSSMB()))
}
