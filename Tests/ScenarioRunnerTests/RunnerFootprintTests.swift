import Foundation
import Testing
@testable import ScenarioRunner
#if canImport(Glibc)
import Glibc
#endif

/// The runner's own footprint that a soak records at every check: /proc read right, and a
/// connection the process opens is seen (and seen to close).
@Suite("runner footprint")
struct RunnerFootprintTests {
    @Test("only ESTABLISHED lines of our own sockets count")
    func tcpTable() {
        let table = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 0100007F:4C4A 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0
           1: 0100007F:D2F0 0100007F:4C4A 01 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 20 4 30 10 -1
           2: 0100007F:D2F2 0100007F:4C4A 01 00000000:00000000 00:00000000 00000000     0        0 2002 1 0000000000000000 20 4 30 10 -1
           3: 0100007F:D2F4 0100007F:4C4A 06 00000000:00000000 03:00000F2A 00000000     0        0 1003 1 0000000000000000 20 4 30 10 -1
        """
        // 1001 listens (0A), 2002 is another process's, 1003 is in TIME_WAIT (06).
        #expect(RunnerFootprint.establishedConnections(table, ownedBy: ["1001", "1002", "1003"]) == 1)
    }

    @Test("growth compares the last quarter with the second (the first is warm-up)")
    func growth() {
        #expect(RunnerFootprint.growth([1, 2, 3, 4, 5, 6, 7]) == nil, "too few checks")
        // Warm-up from 40 to 50 MiB, then flat: no growth.
        #expect(RunnerFootprint.growth([40, 45, 50, 50, 50, 50.5, 50, 50]) == 0)
        // A steady climb of 1 MiB per check over 16 checks: medians 5.5 and 13.5.
        #expect(RunnerFootprint.growth((0..<16).map(Double.init)) == 8)
    }

    #if os(Linux)
    @Test("a TCP connection this process opens on loopback is counted as two established sockets, and no longer once closed")
    func sampleSeesAConnection() throws {
        let before = try #require(RunnerFootprint.sample())
        #expect(before.rssMB > 1 && before.cpuMs > 0 && before.threads >= 1 && before.openFiles >= 3)
        // A listener and a client connected to it: two established ends, three descriptors.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, size) } }
        listen(listener, 1)
        var bound = sockaddr_in()
        var length = size
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let connected = withUnsafePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, size) } }
        #expect(connected == 0)
        let server = accept(listener, nil, nil)
        // Other tests run beside this one and open and close sockets of their own, so totals
        // move; what must hold is that these sockets are among the counted ones.
        func inode(_ fd: Int32) -> Substring {
            var st = stat()
            fstat(fd, &st)
            return Substring(String(st.st_ino))
        }
        let ours: Set<Substring> = [inode(client), inode(server)]
        let (_, sockets) = RunnerFootprint.openDescriptors()
        #expect(ours.isSubset(of: sockets) && sockets.contains(inode(listener)), "the descriptors are listed as sockets")
        #expect(RunnerFootprint.establishedConnections(RunnerFootprint.tcpTables(), ownedBy: ours) == 2, "both ends are established")
        #expect(RunnerFootprint.establishedConnections(RunnerFootprint.tcpTables(), ownedBy: [inode(listener)]) == 0, "a listener is no connection")
        let during = try #require(RunnerFootprint.sample(previous: (before, .now - .seconds(1))))
        #expect(during.cpuPercent != nil && during.connections >= 2)
        close(server)
        close(client)
        close(listener)
        #expect(RunnerFootprint.establishedConnections(RunnerFootprint.tcpTables(), ownedBy: ours) == 0, "closed ends are no longer established")
    }
    #endif
}
