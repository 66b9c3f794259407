import Foundation
import Primitives
import MilvusClient
import ScenarioRecord
import ScenarioSpec
import Synchronization

/// One round of health checks, shared by the `health` step and every check of a `watch`:
/// liveness (`/healthz` of each metrics endpoint), readiness (CheckHealth, GetComponentStates),
/// the document's connect + list latency, and a real search (serving).
///
/// Each round opens a fresh connection with one attempt per call, so a check sees the server
/// as a new client would — not a connection that is still backing off from an earlier failure.
public final class HealthProbe: Sendable {
    public let connection: ConnectionOptions
    public let endpoints: [MetricsEndpoint]
    public let timeout: Duration
    /// The collection the serving check searches; nil skips it.
    public let collection: String?
    private let target = Mutex<ServingTarget?>(nil)

    /// What the serving search needs, looked up once.
    public struct ServingTarget: Sendable {
        public var field: String
        public var dim: Int
        public var metric: String?
    }

    public init(connection: ConnectionOptions, endpoints: [String], timeout: Duration, collection: String?) {
        var options = connection
        options.timeout = timeout
        options.maxAttempts = 1
        options.transientRetryWindow = .zero
        self.connection = options
        self.endpoints = endpoints.map(MetricsEndpoint.init)
        self.timeout = timeout
        self.collection = collection
    }

    /// Runs every check once; never throws: what failed is part of the answer.
    public func check() async -> HealthObservation {
        var observation = HealthObservation(details: HealthDetails(checkHealth: nil, reasons: [], quotaStates: [], components: [:],
                                                                   endpoints: [], serving: nil, servingError: nil))
        let timeout = self.timeout
        observation.details.endpoints = await withTaskGroup(of: (Int, HealthDetails.Endpoint).self) { group in
            for (i, e) in endpoints.enumerated() {
                group.addTask {
                    let (ok, answer) = await e.healthz(timeout: timeout)
                    return (i, .init(url: e.base + "/healthz", ok: ok, answer: answer))
                }
            }
            var answers: [(Int, HealthDetails.Endpoint)] = []
            for await a in group { answers.append(a) }
            return answers.sorted { $0.0 < $1.0 }.map(\.1)
        }

        let clock = ContinuousClock()
        let t0 = clock.now
        func unreachable(_ error: any Error) -> HealthObservation {
            observation.connectError = Self.short(error)
            if collection != nil {
                observation.details.serving = false
                observation.details.servingError = observation.connectError
            }
            return observation
        }
        let client: MilvusClient
        do { client = try await MilvusClient.connect(connection) } catch { return unreachable(error) }
        do {
            _ = try await client.listCollections()
            observation.latencyMs = (clock.now - t0).milliseconds
        } catch {
            await client.close()
            return unreachable(error)
        }
        if let h = try? await client.checkHealth() {
            observation.details.checkHealth = h.isHealthy
            observation.details.reasons = h.reasons
            observation.details.quotaStates = h.quotaStates
        }
        if let states = try? await client.componentStates() {
            for s in states { observation.details.components["\(s.role)\(s.nodeID == 0 ? "" : "-\(s.nodeID)")"] = s.state }
        }
        observation.systemInfo = try? await client.systemInfo()
        if let collection {
            let t1 = clock.now
            do {
                let target = try await servingTarget(client, collection)
                // Any vector will do: a seeded one, the same every check.
                var random = SeededRandom(seed: 7)
                let vector = (0..<target.dim).map { _ in random.unitFloat() }
                _ = try await client.search(SearchRequest(collection: collection, field: target.field, vectors: [vector], topK: 1,
                                                          metric: target.metric, timeout: timeout))
                observation.details.serving = true
                observation.searchLatencyMs = (clock.now - t1).milliseconds
            } catch {
                observation.details.serving = false
                observation.details.servingError = Self.short(error)
            }
        }
        await client.close()
        return observation
    }

    private func servingTarget(_ client: MilvusClient, _ collection: String) async throws -> ServingTarget {
        if let t = target.withLock({ $0 }) { return t }
        let schema = try await client.describeCollection(collection).schema
        let vectors = schema.fields.compactMap { f -> (String, Int)? in
            if case .floatVector(let dim) = f.type { return (f.name, dim) } else { return nil }
        }
        guard let (field, dim) = vectors.first else {
            throw MilvusError(rpc: "Search", kind: .invalidArgument, reason: "collection '\(collection)' has no float vector field to search")
        }
        let metric = (try? await client.describeIndexes(collection))?.first { $0.field == field }?.params["metric_type"]
        let t = ServingTarget(field: field, dim: dim, metric: metric)
        target.withLock { $0 = t }
        return t
    }

    /// The reason without the long gRPC detail, for timelines.
    public static func short(_ error: any Error) -> String {
        let text = (error as? MilvusError).map { e -> String in
            var s = e.reason
            if case .server(_, let code) = e.kind { s = "code \(code): \(s)" }
            return s
        } ?? "\(error)"
        return text.count > 160 ? String(text.prefix(157)) + "…" : text
    }
}

/// The answer of one `HealthProbe` round.
public struct HealthObservation: Sendable {
    public var details: HealthDetails
    public var latencyMs: Double?
    public var searchLatencyMs: Double?
    public var connectError: String?
    public var systemInfo: SystemInfo?

    public var live: Bool { details.endpoints.allSatisfy(\.ok) }
    public var serving: Bool? { details.serving }
    public var unhealthyComponents: Int {
        details.components.values.filter { $0 != "healthy" }.count + details.endpoints.filter { !$0.ok }.count
    }
    /// Serving (when checked) and not declared unhealthy by CheckHealth, and reachable at all.
    public var healthy: Bool { connectError == nil && (details.serving ?? true) && details.checkHealth != false }
    /// Something is wrong: not serving, not live, unreachable or CheckHealth unhealthy.
    public var troubled: Bool { !healthy || !live }

    /// The first problem, for the timeline.
    public var problem: String? {
        if let e = details.servingError { return e }
        if let e = connectError { return e }
        if details.checkHealth == false { return "CheckHealth: " + (details.reasons.first ?? "unhealthy") }
        if let down = details.endpoints.first(where: { !$0.ok }) { return "\(down.url): \(down.answer)" }
        return nil
    }
}
