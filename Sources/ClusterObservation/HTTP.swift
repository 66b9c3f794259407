import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Every HTTP call of a run — `/metrics`, `/healthz`, webhook and Alertmanager deliveries —
/// through one shared async-http-client (connection pooling, per-request deadlines), with
/// errors put into a few plain words (`connection refused`, `timed out after 2 s`) instead of
/// a transport error's dump.
public enum HTTP {
    public struct Response: Sendable {
        public var status: Int
        public var body: String
    }

    /// What went wrong reaching `url`, in words a person can act on.
    public struct Failure: Error, CustomStringConvertible {
        public var url: String
        public var reason: String
        public var description: String { "\(url): \(reason)" }
    }

    /// Bodies larger than this are cut (a Milvus `/metrics` is about 100 KB).
    public static let maxBody = 16 * 1024 * 1024

    public static func get(_ url: String, timeout: Duration) async throws -> Response {
        try await execute(HTTPClientRequest(url: url), url: url, timeout: timeout)
    }

    public static func post(_ url: String, body: Data, headers: [(String, String)], timeout: Duration) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await execute(request, url: url, timeout: timeout)
    }

    /// The whole exchange — connect, request, response head and the entire body — within
    /// `timeout`. async-http-client's deadline covers connecting and the response head (and, when
    /// it passes, reports why: a port that refuses connections is retried until then and fails as
    /// `connection refused`), but not the body: an endpoint that sends its headers and then
    /// trickles the body a byte a second held a `watch` check for good (found by
    /// HostileServerTests). So the body is read under the rest of the same deadline, and when that
    /// passes the read is cancelled (which cancels the request). Only the body is raced against a
    /// timer: racing the whole call against one made a refused connection come out as `no answer`
    /// whenever the timer fired first (one CI run in several).
    private static func execute(_ request: HTTPClientRequest, url: String, timeout: Duration) async throws -> Response {
        let seconds = max(0.1, Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        let deadline = NIODeadline.now() + .milliseconds(Int64(seconds * 1000))
        do {
            let response = try await HTTPClient.shared.execute(request, deadline: deadline)
            let body = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask { try await response.body.collect(upTo: maxBody) }
                group.addTask {
                    let left = (deadline - NIODeadline.now()).nanoseconds
                    if left > 0 { try await Task.sleep(nanoseconds: UInt64(left)) }
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let body = first else {
                    throw HTTPClientError.deadlineExceeded
                }
                return body
            }
            return Response(status: Int(response.status.code), body: String(buffer: body))
        } catch {
            throw Failure(url: url, reason: describe(error, timeout: seconds))
        }
    }

    /// A transport error in a few words.
    public static func describe(_ error: any Error, timeout seconds: Double) -> String {
        let limit = String(format: seconds < 10 ? "%.1f s" : "%.0f s", seconds)
        switch error {
        case let e as HTTPClientError:
            if e == .connectTimeout || e == .getConnectionFromPoolTimeout { return "no connection within \(limit)" }
            if e == .deadlineExceeded || e == .readTimeout || e == .writeTimeout { return "no answer within \(limit)" }
            if e == .remoteConnectionClosed { return "the connection was closed before an answer" }
            if e == .invalidURL || e == .emptyHost || e == .emptyScheme { return "not a URL this tool can read" }
            return "\(e)"
        case let e as NIOConnectionError:
            if let first = e.connectionErrors.first { return describe(first.error, timeout: seconds) }
            if e.dnsAError != nil || e.dnsAAAAError != nil { return "host not found (\(e.host))" }
            return "could not connect to \(e.host):\(e.port)"
        case let e as IOError:
            switch e.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ECONNRESET: return "connection reset"
            case EHOSTUNREACH, ENETUNREACH: return "host unreachable"
            case ETIMEDOUT: return "no connection within \(limit)"
            default: return String(cString: strerror(e.errnoCode)).lowercased()
            }
        case is CancellationError:
            return "cancelled"
        default:
            return "\(error)"
        }
    }
}
