import Foundation
import Logging
import MilvusClient
import ScenarioSpec

/// What the target server lacks of what a scenario needs (`StepSpec.serverNeeds`), probed after
/// connecting: a top-level step that needs it stops the run before its first step (exit 2, at the
/// step's place in the file); a sweep row that needs it is "not supported" and the sweep goes on.
public struct ServerCapabilities: Sendable {
    /// How the server names itself: `Milvus v2.3.5-lite`.
    public var server: String
    /// RPCs the scenario needs that the server answered UNIMPLEMENTED.
    public var missing: Set<String>

    /// Probes the RPCs any step of `scenario` needs (none when no step needs one).
    public static func probe(_ client: MilvusClient, for scenario: Scenario) async throws -> ServerCapabilities {
        // Every sweep row's steps, not only the first row's: rows differ (replicas 1, then 2).
        let steps = scenario.stepsRunOnce + scenario.steps.flatMap { ($0.spec as? SweepStep)?.rows.flatMap(\.steps) ?? [] }
        let needed = Set(steps.flatMap { $0.spec.serverNeeds.map(\.rpc) })
        let version = (try? await client.version()) ?? "?"
        var missing: Set<String> = []
        for rpc in ProbedRPC.allCases where needed.contains(rpc.rawValue) {
            if try await !client.implements(rpc) { missing.insert(rpc.rawValue) }
        }
        // "v2.3.5-lite" is Milvus's own numbering; milvus-lite names itself ("milvus_lite-3.2.2").
        let named = version.first.map { $0 == "v" || $0.isNumber } == true ? "Milvus \(version)" : version
        return ServerCapabilities(server: named, missing: missing)
    }

    /// The first need of `step` this server lacks.
    public func missingNeed(of step: Step) -> ServerNeed? {
        step.spec.serverNeeds.first { missing.contains($0.rpc) }
    }

    /// "not supported by this server (Milvus 2.3.5): Upsert — the upsert step writes with it"
    public func reason(_ need: ServerNeed) -> String {
        "not supported by this server (\(server)): \(need.rpc) — \(need.because)"
    }

    /// One error per step that runs once (top level or inside `parallel`) and needs what the
    /// server lacks. A sweep's rows are left to the run, which reports them as not supported.
    public func problems(in scenario: Scenario) -> [Diagnostic] {
        scenario.stepsRunOnce.compactMap { step in
            missingNeed(of: step).map { Diagnostic(.error, .notSupportedByServer, at: step.mark, reason($0)) }
        }
    }

    /// Connects to the scenario's target (or `uri`), probes and closes: the problems, with the
    /// server's name. Throws when the server cannot be reached.
    public static func check(_ scenario: Scenario, uri: String?) async throws -> (server: String, problems: [Diagnostic]) {
        var connection = try ScenarioExecution.connectionOptions(scenario.target, uri: uri)
        // Quiet: the caller reports what matters (the problems, or why the server was unreachable).
        connection.logger = Logger(label: "milvus.client", factory: { _ in SwiftLogNoOpLogHandler() })
        let client = try await MilvusClient.connect(connection)
        do {
            let capabilities = try await probe(client, for: scenario)
            await client.close()
            return (capabilities.server, capabilities.problems(in: scenario))
        } catch {
            await client.close()
            throw error
        }
    }
}
