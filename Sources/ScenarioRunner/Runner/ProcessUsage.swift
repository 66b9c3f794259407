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
