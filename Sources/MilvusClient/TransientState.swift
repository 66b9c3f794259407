/// A state Milvus passes through on its own — a node still starting, a channel not yet taken
/// over, a replica being rebuilt — reported as a failure status although the same request
/// succeeds seconds later. Setup and bookkeeping calls that are safe to repeat wait these out
/// (with backoff, within `ConnectionOptions.transientRetryWindow`); calls whose outcome is being
/// measured (Search, CheckHealth) and calls that change state (Insert, CreateCollection …) never do.
///
/// Each entry says why it is on the list; `docs/transient-errors.md` is the same table for
/// readers (a test keeps the two in step). Anything not listed is a real failure.
public struct TransientState: Sendable, Hashable {
    /// Milvus's `code` (the `merr` code of Milvus ≥ 2.3), or nil to match on the reason only.
    public var code: Int?
    /// Lower-case text the server's reason contains.
    public var reason: String
    /// Why it passes, and where it was seen.
    public var evidence: String

    /// The states that are waited out.
    public static let known: [TransientState] = [
        TransientState(code: 1, reason: "service not ready",
                       evidence: "merr ErrServiceNotReady, marked retriable by Milvus: a component still initialising after a start."),
        TransientState(code: 2, reason: "service unavailable",
                       evidence: "merr ErrServiceUnavailable, marked retriable by Milvus: a component between sessions (restart, failover)."),
        TransientState(code: 103, reason: "collection not fully loaded",
                       evidence: "merr ErrCollectionNotFullyLoaded, marked retriable: segments are still being loaded or moved."),
        TransientState(code: 106, reason: "collection on recovering",
                       evidence: "merr ErrCollectionOnRecovering, marked retriable: the query coordinator is recovering the collection."),
        TransientState(code: 202, reason: "partition not fully loaded",
                       evidence: "merr ErrPartitionNotFullyLoaded, marked retriable."),
        TransientState(code: 401, reason: "replica not available",
                       evidence: "Seen here (Milvus 2.3.5 cluster): GetReplicas answered \"no available nodes in replica: replica not available\" for ~2 s while a restarted query node replaced the killed one."),
        TransientState(code: 500, reason: "channel not found",
                       evidence: "Seen here (Milvus 2.3.5 cluster, issue 20): Flush right after `cluster up` failed with \"channel not found[channel=by-dev-rootcoord-dml_1_…v0]\" (the proxy had retried 6 times in 9.2 s): the data node had not yet taken the new collection's channel."),
        TransientState(code: 503, reason: "channel not available",
                       evidence: "merr ErrChannelNotAvailable: a shard's channel between owners after a node restart (reported by Milvus users during recovery, milvus-io/milvus #52005)."),
        TransientState(code: 902, reason: "node offline",
                       evidence: "merr ErrNodeOffline: the node a request was routed to has just left; the coordinator reassigns its work."),
        TransientState(code: 905, reason: "node not available",
                       evidence: "merr ErrNodeNotAvailable: as node offline, while a replacement node is registering."),
    ]

    /// The known transient state `error` reports, if any.
    public static func matching(_ error: MilvusError) -> TransientState? {
        guard case .server(_, let code) = error.kind else { return nil }
        let reason = error.reason.lowercased()
        return known.first { state in
            if let c = state.code, c == code { return true }
            return reason.contains(state.reason)
        }
    }
}

/// When a failed call is sent again.
enum Retry: Sendable {
    /// Never: the call changes state, and a repeat could do it twice (Insert, CreateCollection,
    /// CreateIndex, LoadCollection).
    case never
    /// Only when the connection failed (gRPC unavailable: the request did not reach Milvus), up
    /// to `ConnectionOptions.maxAttempts`. For calls whose failures are what is measured.
    case onConnectionLoss
    /// Also while Milvus reports a `TransientState`, with backoff, within
    /// `ConnectionOptions.transientRetryWindow` (and the task's `MilvusClient.retryDeadline`).
    case onTransientState
}
