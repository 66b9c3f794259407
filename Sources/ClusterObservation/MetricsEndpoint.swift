import Foundation
import Synchronization

/// One Milvus process's metrics port: `/metrics` (Prometheus text) and `/healthz`.
public struct MetricsEndpoint: Sendable {
    public var base: String

    public init(_ base: String) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
    }

    public func get(_ path: String, timeout: Duration) async throws -> (status: Int, body: String) {
        let r = try await HTTP.get(base + path, timeout: timeout)
        return (r.status, r.body)
    }

    /// `/metrics`, parsed; with `only`, just those families (see `PrometheusText.init(_:only:)`).
    public func metrics(timeout: Duration = .seconds(5), only: Set<String>? = nil) async throws -> PrometheusText {
        let status: Int, body: String
        do { (status, body) = try await get("/metrics", timeout: timeout) } catch let e as HTTP.Failure {
            throw MetricsError(endpoint: base, reason: e.reason)
        }
        guard status == 200 else { throw MetricsError(endpoint: base, reason: "/metrics answered HTTP \(status)") }
        do { return try PrometheusText(body, only: only) } catch { throw MetricsError(endpoint: base, reason: "/metrics is not valid Prometheus text: \(error)") }
    }

    /// `/healthz`: whether it answered 200 with OK (or JSON per component), and what it said.
    public func healthz(timeout: Duration = .seconds(5)) async -> (ok: Bool, answer: String) {
        do {
            let (status, body) = try await get("/healthz", timeout: timeout)
            let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
            return (status == 200, text.isEmpty ? "HTTP \(status)" : String(text.prefix(200)))
        } catch let e as HTTP.Failure {
            return (false, e.reason)
        } catch {
            return (false, "\(error)")
        }
    }
}

/// An endpoint's `/metrics` could not be read: `reason` says why in a few words.
public struct MetricsError: Error, CustomStringConvertible {
    public var endpoint: String
    public var reason: String
    public var description: String { "\(endpoint): \(reason)" }
}

extension MetricsError {
    /// Why `error` kept an endpoint's metrics from being read, without the endpoint's address.
    public static func reason(_ error: any Error) -> String { (error as? MetricsError)?.reason ?? "\(error)" }
}

extension MetricsEndpoint {
    /// Reads every endpoint's `/metrics` at once (one that does not answer costs its timeout
    /// once, not once per endpoint): each endpoint's text or why it could not be read, and when.
    public static func readAll(_ endpoints: [MetricsEndpoint], timeout: Duration, only: Set<String>? = nil) async
        -> [String: (text: Result<PrometheusText, MetricsError>, at: ContinuousClock.Instant)] {
        let results = ReadResults()
        await withDiscardingTaskGroup { group in
            for e in endpoints {
                group.addTask {
                    let read: Result<PrometheusText, MetricsError>
                    do { read = .success(try await e.metrics(timeout: timeout, only: only)) } catch {
                        read = .failure(error as? MetricsError ?? MetricsError(endpoint: e.base, reason: "\(error)"))
                    }
                    let at = ContinuousClock.now
                    results.value.withLock { $0[e.base] = (read, at) }
                }
            }
        }
        return results.value.withLock { $0 }
    }

    private final class ReadResults: Sendable {
        public let value = Mutex<[String: (text: Result<PrometheusText, MetricsError>, at: ContinuousClock.Instant)]>([:])
    }
}
