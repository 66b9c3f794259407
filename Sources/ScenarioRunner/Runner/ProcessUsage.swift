import Foundation
import ScenarioRecord
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// This process's own CPU time and peak memory (getrusage), for the client's cost in the record.
struct ProcessUsage: Sendable {
    /// User + system CPU of every thread, in milliseconds.
    var cpuMs: Double
    /// Peak resident set size so far, in bytes.
    var peakRSSBytes: Int

    static func now() -> ProcessUsage {
        var u = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &u)
        #else
        getrusage(RUSAGE_SELF, &u)
        #endif
        func ms(_ t: timeval) -> Double { Double(t.tv_sec) * 1000 + Double(t.tv_usec) / 1000 }
        #if canImport(Darwin)
        let peak = Int(u.ru_maxrss)          // bytes on Darwin
        #else
        let peak = Int(u.ru_maxrss) * 1024   // kilobytes on Linux
        #endif
        return ProcessUsage(cpuMs: ms(u.ru_utime) + ms(u.ru_stime), peakRSSBytes: peak)
    }
}

/// The runner's own footprint now — resident memory, CPU, open files, TCP connections, threads —
/// read from /proc (Linux only; nil elsewhere or when /proc cannot be read). A long `watch`
/// records one per check, so a soak shows whether the runner leaks.
enum RunnerFootprint {
    static func sample(previous: (sample: RunnerSample, at: ContinuousClock.Instant)? = nil,
                       at now: ContinuousClock.Instant = .now) -> RunnerSample? {
        #if os(Linux)
        guard let statm = readProcFile("/proc/self/statm"),
              let residentPages = statm.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return nil }
        let rssMB = residentPages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
        let cpuMs = ProcessUsage.now().cpuMs
        let (descriptors, socketInodes) = openDescriptors()
        let connections = establishedConnections(tcpTables(), ownedBy: socketInodes)
        let threads = readProcFile("/proc/self/status")
            .flatMap { status in status.split(separator: "\n").first { $0.hasPrefix("Threads:") } }
            .flatMap { Int($0.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        var cpuPercent: Double?
        if let previous {
            let wallMs = (now - previous.at).milliseconds
            if wallMs > 0 { cpuPercent = max(0, cpuMs - previous.sample.cpuMs) / wallMs * 100 }
        }
        return RunnerSample(rssMB: rssMB, cpuPercent: cpuPercent, cpuMs: cpuMs, openFiles: descriptors,
                            connections: connections, threads: threads)
        #else
        return nil
        #endif
    }

    /// How much a series grew: the median of its last quarter minus the median of its second
    /// quarter (the first is warm-up: pools, caches and the background connection fill up).
    /// nil with fewer than 8 values.
    static func growth(_ values: [Double]) -> Double? {
        guard values.count >= 8 else { return nil }
        let q = values.count / 4
        func median(_ v: ArraySlice<Double>) -> Double {
            let s = v.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        return median(values[(values.count - q)...]) - median(values[q..<(2 * q)])
    }

    #if os(Linux)
    /// How many descriptors this process has open, and the inodes of those that are sockets.
    static func openDescriptors() -> (count: Int, socketInodes: Set<Substring>) {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        var inodes = Set<Substring>()
        var buffer = [CChar](repeating: 0, count: 256)
        for fd in fds {
            let n = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
            guard n > 0 else { continue }
            let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if target.hasPrefix("socket:["), target.hasSuffix("]") { inodes.insert(Substring(target.dropFirst(8).dropLast())) }
        }
        // The directory listing itself held one descriptor while it ran.
        return (max(0, fds.count - 1), inodes)
    }

    /// The IPv4 and IPv6 TCP tables of this network namespace, one after the other.
    static func tcpTables() -> String {
        ["/proc/self/net/tcp", "/proc/self/net/tcp6"].compactMap(readProcFile).joined(separator: "\n")
    }

    /// A /proc file read to its end: they report a size of 0, and a reader that trusts the size
    /// (or reads one page) gets a cut-off table on a busy machine.
    static func readProcFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
    #endif

    /// Lines of a /proc/net/tcp table in state ESTABLISHED (01) whose socket inode is one of ours.
    static func establishedConnections(_ table: String, ownedBy inodes: Set<Substring>) -> Int {
        var count = 0
        for line in table.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ... (header lines do not match)
            guard f.count > 9, f[3] == "01", inodes.contains(f[9]) else { continue }
            count += 1
        }
        return count
    }
}
