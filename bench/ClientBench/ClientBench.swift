// milvus-client-bench: client CPU and wall time of N searches on one MilvusClient.
// Used by bench/client_cpu.py, which runs it alternately with the same workload in pymilvus.
//
//   milvus-client-bench --uri URI --collection NAME --dim D --searches N --concurrency C [--nprobe P]
//
// Prints one JSON line: {"client":"swift","searches":N,"concurrency":C,"cpu_s":…,"wall_s":…,"errors":…}
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MilvusClient

func argument(_ name: String, _ fallback: String) -> String {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: "--\(name)"), i + 1 < args.count else { return fallback }
    return args[i + 1]
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

@main
enum ClientBench {
    static func main() async throws {
        let executorMode = argument("executor", "nio")
        let installed = executorMode == "nio" && MilvusClient.useEventLoopAsGlobalExecutor()
        let uri = argument("uri", "http://127.0.0.1:19530")
        let collection = argument("collection", "client_bench")
        let dim = Int(argument("dim", "128"))!
        let searches = Int(argument("searches", "1000"))!
        let concurrency = Int(argument("concurrency", "1"))!
        let nprobe = argument("nprobe", "10")

        let client = try await MilvusClient.connect(ConnectionOptions(uri: uri))
        var generator = SystemRandomNumberGenerator()
        let queries: [[Float]] = (0..<256).map { _ in (0..<dim).map { _ in Float.random(in: 0..<1, using: &generator) } }
        let request: @Sendable (Int) -> SearchRequest = { i in
            SearchRequest(collection: collection, field: "embedding", vectors: [queries[i % queries.count]], topK: 10,
                          metric: "L2", params: ["nprobe": nprobe])
        }
        for i in 0..<50 { _ = try await client.search(request(i)) }  // warm-up, not measured

        let cpu0 = cpuSeconds()
        let clock = ContinuousClock()
        let start = clock.now
        let errors = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var errors = 0
                    var i = worker
                    while i < searches {
                        do { _ = try await client.search(request(i)) } catch { errors += 1 }
                        i += concurrency
                    }
                    return errors
                }
            }
            var total = 0
            for await e in group { total += e }
            return total
        }
        let wall = clock.now - start
        let cpu = cpuSeconds() - cpu0
        await client.close()
        let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        print(#"{"client":"swift","searches":\#(searches),"concurrency":\#(concurrency),"cpu_s":\#(cpu),"wall_s":\#(wallSeconds),"errors":\#(errors),"connections":\#(client.statistics.connectionsOpened),"executor":"\#(executorMode)","installed":\#(installed)}"#)
    }
}
