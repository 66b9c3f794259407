import Synchronization

/// The newest timestamp the server gave this process's writes to each collection. A read at
/// `Session` consistency sends it as its guarantee timestamp, so it sees every write this
/// process made before it — what pymilvus does within one client, here across every connection
/// of the run (a watch's own connections too). Without it Milvus serves a `Session` read with
/// no guarantee at all: the proxy takes the request's guarantee timestamp as it is, and 0 means
/// "whatever the node has" (Eventually).
public enum SessionTimestamps {
    private static let latest = Mutex<[String: UInt64]>([:])

    static func key(_ options: ConnectionOptions, _ collection: String) -> String {
        "\(options.uri)/\(options.database)/\(collection)"
    }

    /// A write to `collection` was acknowledged at hybrid timestamp `ts`.
    static func wrote(_ ts: UInt64, _ options: ConnectionOptions, _ collection: String) {
        guard ts > 0 else { return }
        latest.withLock { all in
            let k = key(options, collection)
            all[k] = max(all[k] ?? 0, ts)
        }
    }

    /// The guarantee timestamp a `Session` read of `collection` sends (0: nothing written yet).
    public static func guarantee(_ options: ConnectionOptions, _ collection: String) -> UInt64 {
        latest.withLock { $0[key(options, collection)] ?? 0 }
    }
}
