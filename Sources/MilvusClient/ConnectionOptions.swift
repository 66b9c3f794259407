import Foundation
import Logging

/// How to reach a Milvus server: address, credentials, TLS, database and deadlines.
public struct ConnectionOptions: Sendable {
    /// How the client proves who it is. Never printed.
    public enum Credentials: Sendable, CustomStringConvertible {
        case none
        /// An API key, or `user:password` (what Zilliz Cloud and Milvus with auth accept).
        case token(String)
        case userPassword(user: String, password: String)

        public var description: String {
            switch self {
            case .none: return "none"
            case .token: return "token (secret)"
            case .userPassword(let user, _): return "user \(user) with a password (secret)"
            }
        }

        /// The `authorization` header pymilvus sends: base64 of the token or `user:password`.
        var authorization: String? {
            switch self {
            case .none: return nil
            case .token(let token): return token.isEmpty ? nil : Data(token.utf8).base64EncodedString()
            case .userPassword(let user, let password): return Data("\(user):\(password)".utf8).base64EncodedString()
            }
        }
    }

    /// TLS settings for `https://` URIs.
    public struct TLS: Sendable {
        /// PEM file of certificate authorities to trust instead of the system's.
        public var trustRootsFile: String?

        public init(trustRootsFile: String? = nil) {
            self.trustRootsFile = trustRootsFile
        }
    }

    public var host: String
    public var port: Int
    public var useTLS: Bool
    public var tls: TLS
    public var credentials: Credentials
    public var database: String
    /// Deadline of each call (waits for loads and indexes use their own timeouts).
    public var timeout: Duration
    /// Attempts for calls that are safe to repeat when the connection fails.
    public var maxAttempts: Int
    /// How long one setup call (Flush, DescribeIndex, GetReplicas …) waits out a Milvus
    /// `TransientState` before its failure counts; `.zero` never waits (health probes, load).
    public var transientRetryWindow: Duration
    /// Longest wait between two attempts to reconnect after the connection was lost (from 250 ms,
    /// growing ×1.6). gRPC's default of 2 minutes would hide for that long that a restarted
    /// server serves again; a measuring tool wants to know within seconds.
    public var maxReconnectDelay: Duration
    /// Where the client tells about retries (debug) and every call (trace). Never given secrets.
    public var logger: Logger
    /// How searches reach the server (other calls always use grpc-swift).
    public var searchTransport: SearchTransport = .direct
    /// Connections for searches with `.direct`; nil: one per core (one per NIO event loop).
    public var searchConnections: Int?

    /// How searches reach the server.
    public enum SearchTransport: String, Sendable, CaseIterable {
        /// Their own HTTP/2 connections, each search done on its connection's event loop
        /// (plain `http://` URIs; `https://` falls back to `.grpc`). Costs about half the client
        /// CPU per search of `.grpc` (bench/CEILING.md).
        case direct
        /// grpc-swift 2, like every other call.
        case grpc
    }

    /// Parses `http://host:port` or `https://host:port` (port 19530 when left out).
    public init(uri: String, credentials: Credentials = .none, database: String = "default",
                timeout: Duration = .seconds(30), tls: TLS = TLS(), maxAttempts: Int = 3, transientRetryWindow: Duration = .seconds(60),
                maxReconnectDelay: Duration = .seconds(2), logger: Logger = Logger(label: "milvus.client")) throws {
        guard let parsed = URLComponents(string: uri), let scheme = parsed.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = parsed.host, !host.isEmpty else {
            throw MilvusError(rpc: "connect", kind: .invalidArgument,
                              reason: "'\(uri)' is not a Milvus URI", hint: "write it as http://host:19530 or https://host:443")
        }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.useTLS = scheme == "https"
        self.port = parsed.port ?? 19530
        self.credentials = credentials
        self.database = database
        self.timeout = timeout
        self.tls = tls
        self.maxAttempts = max(1, maxAttempts)
        self.transientRetryWindow = max(.zero, transientRetryWindow)
        self.maxReconnectDelay = maxReconnectDelay
        self.logger = logger
    }

    /// The address as given, without credentials.
    public var uri: String { "\(useTLS ? "https" : "http")://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
}
