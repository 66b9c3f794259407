// runner-ceiling: the runner's own load engine (LoadDriver: the closed and open loops every
// load step uses, with its HdrHistogram and counters) driving a MilvusClient for a fixed time,
// with the client process's CPU measured around it. Against bench/InstantMilvus, whose answers
// cost nothing, the result is what one runner process can send per core of its own.
//
//   runner-ceiling --uri URI --seconds S (--concurrency C | --rate R --in-flight M) [--dim 128]
//                  [--transport direct|grpc] [--per-call-encoding] [--no-pinning]
//
// Like `milvus-scenario run`, it runs Swift's global executor on NIO's event loops. The options
// take this release's savings away one at a time, to measure what each bought: `--transport
// grpc` sends searches through grpc-swift 2; `--per-call-encoding` encodes each request when it
// is sent instead of once before the load; `--no-pinning` lets the workers run on any thread
// instead of their connection's.
//
// Prints one JSON line: mode, concurrency or rate, searches, errors, wall_s, cpu_s, qps,
// searches_per_cpu_s, p50_ms, p99_ms (latency; open loop: from each search's due time), late,
// dropped, client_late.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LoadEngine
import MilvusClient
import ScenarioRunner

func argument(_ name: String) -> String? {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: "--\(name)"), i + 1 < args.count else { return nil }
    return args[i + 1]
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

@main
enum RunnerCeiling {
    static func main() async throws {
        MilvusClient.useEventLoopAsGlobalExecutor()
        let uri = argument("uri") ?? "http://127.0.0.1:19999"
        let seconds = Double(argument("seconds") ?? "10")!
        let dim = Int(argument("dim") ?? "128")!
        let shape: LoadShape
        let label: String
        if let rate = argument("rate").flatMap(Double.init) {
            let inFlight = Int(argument("in-flight") ?? "64")!
            shape = .constantRate(perSecond: rate, maxInFlight: inFlight)
            label = #""mode":"open","rate":\#(rate),"in_flight":\#(inFlight)"#
        } else {
            let concurrency = Int(argument("concurrency") ?? "1")!
            shape = .closed(workers: concurrency)
            label = #""mode":"closed","concurrency":\#(concurrency)"#
        }
        var options = try ConnectionOptions(uri: uri)
        if let transport = argument("transport") {
            guard let t = ConnectionOptions.SearchTransport(rawValue: transport) else { fatalError("--transport direct|grpc") }
            options.searchTransport = t
        }
        let perCallEncoding = CommandLine.arguments.contains("--per-call-encoding")
        let pinned = !CommandLine.arguments.contains("--no-pinning")
        let client = try await MilvusClient.connect(options)
        var generator = SystemRandomNumberGenerator()
        let requests: [SearchRequest] = (0..<1024).map { _ in
            SearchRequest(collection: "ceiling", field: "embedding", vectors: [(0..<dim).map { _ in Float.random(in: 0..<1, using: &generator) }],
                          topK: 10, metric: "L2", params: ["nprobe": "10"])
        }
        let prepared = try requests.map(client.prepare)
        let load = LoadDriver(shape: shape, executors: pinned ? client.loadExecutors : []) { index in
            if perCallEncoding {
                _ = try await client.search(requests[index % requests.count])
            } else {
                _ = try await client.searchHitCount(prepared[index % prepared.count])
            }
        }
        _ = await load.run(.time(.seconds(2)))  // warm-up: connections, allocations, caches
        let cpu0 = cpuSeconds()
        let result = await load.run(.time(.milliseconds(Int64(seconds * 1000))))
        let cpu = cpuSeconds() - cpu0
        await client.close()
        let wall = Double(result.wall.components.seconds) + Double(result.wall.components.attoseconds) / 1e18
        let h = result.latency
        func ms(_ p: Double) -> Double { Double(h.valueAtPercentile(p)) / 1000 }
        let n = result.completed
        print(#"{\#(label),"searches":\#(n),"errors":\#(result.errors),"wall_s":\#(wall),"cpu_s":\#(cpu),"qps":\#(Double(n) / wall),"searches_per_cpu_s":\#(cpu > 0 ? Double(n) / cpu : 0),"p50_ms":\#(ms(50)),"p99_ms":\#(ms(99)),"late":\#(result.late),"dropped":\#(result.dropped),"client_late":\#(result.clientLate)}"#)
    }
}
