import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One Milvus process's metrics port: `/metrics` (Prometheus text) and `/healthz`.
struct MetricsEndpoint: Sendable {
    var base: String

    init(_ base: String) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
    }

    /// Shared by every HTTP call of a run (metrics, /healthz, webhook and Alertmanager
    /// deliveries); each request sets its own deadline.
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 5
        return URLSession(configuration: configuration)
    }()

    func get(_ path: String, timeout: Duration) async throws -> (status: Int, body: String) {
        guard let url = URL(string: base + path) else { throw URLError(.badURL) }
        var request = URLRequest(url: url)
        request.timeoutInterval = max(0.1, timeout.milliseconds / 1000)
        let (data, response) = try await Self.session.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    func metrics(timeout: Duration = .seconds(5)) async throws -> PrometheusText {
        let (status, body) = try await get("/metrics", timeout: timeout)
        guard status == 200 else { throw MetricsError(endpoint: base, reason: "/metrics answered HTTP \(status)") }
        do { return try PrometheusText(body) } catch { throw MetricsError(endpoint: base, reason: "/metrics is not valid Prometheus text: \(error)") }
    }

    /// `/healthz`: whether it answered 200 with OK (or JSON per component), and what it said.
    func healthz(timeout: Duration = .seconds(5)) async -> (ok: Bool, answer: String) {
        do {
            let (status, body) = try await get("/healthz", timeout: timeout)
            let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
            return (status == 200, text.isEmpty ? "HTTP \(status)" : String(text.prefix(200)))
        } catch {
            return (false, "\(error.localizedDescription)")
        }
    }
}

struct MetricsError: Error, CustomStringConvertible {
    var endpoint: String
    var reason: String
    var description: String { "\(endpoint): \(reason)" }
}
