import GRPCCore

/// Everything that can go wrong talking to Milvus, with the RPC, the code and the server's
/// reason — and, for the cases people meet most, a hint saying what to do.
public struct MilvusError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The server answered with a failure status: its legacy `error_code` and newer `code`.
        case server(errorCode: Int, code: Int)
        /// The call failed in transport (connection refused, reset, deadline exceeded…).
        case transport(String)
        /// The server does not implement this RPC (gRPC UNIMPLEMENTED), e.g. milvus-lite's GetReplicas.
        case notSupported
        /// A wait (for loading, indexing, sealing) did not finish in time.
        case timedOut
        /// The request was refused before it was sent.
        case invalidArgument
        /// An answer that does not hold up: an index that is not there after building it, a
        /// count without a value, statistics without a row count.
        case verificationFailed
        /// The server accepted the request but the deployment cannot do it (e.g. it reports
        /// fewer replica groups than were asked for): a limit of the deployment, not a fault.
        case deploymentLimit
    }

    /// The RPC or operation, e.g. `LoadCollection`.
    public var rpc: String
    public var kind: Kind
    /// The server's (or transport's) own words.
    public var reason: String
    /// What to do about it, when known.
    public var hint: String?

    public init(rpc: String, kind: Kind, reason: String, hint: String? = nil) {
        self.rpc = rpc
        self.kind = kind
        self.reason = reason
        self.hint = hint
    }

    public var description: String {
        var s = "\(rpc) failed"
        switch kind {
        case .server(let errorCode, let code): s += " (error_code \(errorCode), code \(code))"
        case .transport(let code): s += " (\(code))"
        case .notSupported: s += " (not supported by this server)"
        case .timedOut: s += " (timed out)"
        case .invalidArgument: s += " (invalid argument)"
        case .verificationFailed: s += " (verification failed)"
        case .deploymentLimit: s += " (beyond this deployment)"
        }
        s += ": \(reason)"
        if let hint { s += " — \(hint)" }
        return s
    }

    /// True for server failures whose reason contains `text` (case-insensitive).
    public func reasonContains(_ text: String) -> Bool {
        reason.lowercased().contains(text.lowercased())
    }

    public var isNotSupported: Bool { kind == .notSupported }

    /// This deployment cannot do what was asked — a limit, not something broken: more replicas
    /// than query nodes ("nodes not enough"), an RPC the server lacks, replicas it accepted but
    /// does not have. A sweep records such a row as "not supported by this deployment" and goes
    /// on; any other failure (an index that did not build, a count without a value) is a failure.
    public var isDeploymentLimit: Bool {
        switch kind {
        case .notSupported, .deploymentLimit: return true
        case .server: return reasonContains("nodes not enough")
        case .transport, .timedOut, .invalidArgument, .verificationFailed: return false
        }
    }

    /// The known transient state this failure reports (see `TransientState.known`), if any.
    public var transientState: TransientState? { TransientState.matching(self) }

    /// The connection, not the request, failed: worth repeating a call that is safe to repeat.
    var isConnectionLoss: Bool {
        if case .transport(let code) = kind { return code == "unavailable" }
        return false
    }

    /// Converts a gRPC failure, adding hints for the common cases.
    static func transport(_ error: RPCError, rpc: String, uri: String, timeout: Duration) -> MilvusError {
        switch error.code {
        case .unimplemented:
            return MilvusError(rpc: rpc, kind: .notSupported, reason: error.message.isEmpty ? "UNIMPLEMENTED" : error.message,
                               hint: "this server does not implement \(rpc) (milvus-lite implements only part of the API)")
        case .unavailable:
            return MilvusError(rpc: rpc, kind: .transport("unavailable"), reason: error.message,
                               hint: "cannot reach Milvus at \(uri); is the server running and the URI right? (locally: scripts/milvus-local standalone up)")
        case .deadlineExceeded:
            return MilvusError(rpc: rpc, kind: .transport("deadlineExceeded"), reason: error.message,
                               hint: "no answer within \(timeout); the server may be overloaded or still starting")
        case .unauthenticated, .permissionDenied:
            return MilvusError(rpc: rpc, kind: .transport("\(error.code)"), reason: error.message,
                               hint: "check the token or user and password (target.token / target.user, password)")
        case .resourceExhausted:
            return MilvusError(rpc: rpc, kind: .transport("resourceExhausted"), reason: error.message,
                               hint: "a message exceeded a size limit; split the request")
        default:
            return MilvusError(rpc: rpc, kind: .transport("\(error.code)"), reason: error.message)
        }
    }

    /// A server failure status, with hints for reasons seen on Milvus 2.3.
    static func server(rpc: String, errorCode: Int, code: Int, reason: String) -> MilvusError {
        let r = reason.lowercased()
        var hint: String?
        if r.contains("nodes not enough") {
            hint = "loading this many replicas needs at least as many query nodes as replicas"
        } else if errorCode == 25 || code == 700 || r.contains("index not found") || r.contains("index doesn't exist") {
            hint = "create an index on the vector field before loading the collection"
        } else if code == 101 || r.contains("not loaded") {
            hint = "load the collection before searching it"
        } else if code == 1100 && r.contains("replica") || r.contains("can't change the replica number") {
            hint = "release the collection before loading it with another replica count"
        } else if r.contains("top k") || r.contains("topk") {
            hint = "topK must be between 1 and 16384"
        } else if r.contains("should divide the dim") || r.contains("dimension") {
            hint = "the vectors' dimension does not match the field's dim"
        } else if errorCode == 4 || code == 100 || r.contains("can't find collection") || r.contains("collection not found") {
            hint = "the collection does not exist (create it first, or check the name and database)"
        } else if errorCode == 49 || r.contains("rate limit") || r.contains("quota") {
            hint = "the server is throttling requests (quotaAndLimits)"
        }
        return MilvusError(rpc: rpc, kind: .server(errorCode: errorCode, code: code), reason: reason.isEmpty ? "no reason given" : reason, hint: hint)
    }
}
