import Synchronization

/// Counters about a client's connections, for tests and reports: how many TCP connections
/// were opened (1 means no reconnect happened), how many server PINGs were answered, and which
/// calls were repeated after a transient failure.
public final class ConnectionStatistics: Sendable {
    private let connections = Atomic<Int>(0)
    private let searchConnections = Atomic<Int>(0)
    private let pings = Atomic<Int>(0)
    private let repeats = Mutex<[String: Int]>([:])

    public init() {}

    /// TCP connections opened so far; more than one means the client reconnected.
    public var connectionsOpened: Int { connections.load(ordering: .relaxed) }
    /// Server PING frames answered by `ServerPingResponder`.
    public var pingsAnswered: Int { pings.load(ordering: .relaxed) }

    /// Calls repeated after a transient failure, by `"RPC: reason"` (e.g. `Flush: channel not
    /// found`, `Search: connection lost`).
    public var retries: [String: Int] { repeats.withLock { $0 } }

    func retried(rpc: String, reason: String) {
        repeats.withLock { $0["\(rpc): \(reason)", default: 0] += 1 }
    }

    /// Connections opened for searches (`MilvusClient.searchTransport` `.direct`): at most one
    /// per event loop unless one was lost or the server sent GOAWAY.
    public var searchConnectionsOpened: Int { searchConnections.load(ordering: .relaxed) }

    func connectionOpened() { connections.add(1, ordering: .relaxed) }
    func searchConnectionOpened() { searchConnections.add(1, ordering: .relaxed) }
    func pingAnswered() { pings.add(1, ordering: .relaxed) }
}
