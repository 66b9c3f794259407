/// Something a step needs from the server that not every Milvus has; checked after connecting,
/// before the first step runs (`run`, and `validate --target`).
public struct ServerNeed: Sendable, Hashable {
    /// The RPC, as the server names it: `Upsert`, `Delete`, `GetReplicas`.
    public var rpc: String
    /// Why the step needs it, for the message.
    public var because: String

    public init(_ rpc: String, because: String) {
        self.rpc = rpc
        self.because = because
    }
}
