import Testing
@testable import ScenarioRunner
@testable import ScenarioSpec

/// The order in which `capacity` tries rates: up by steps to the first failure, then halving the
/// gap to the last passing rate (pure logic; the server's verdicts are faked by a limit).
@Suite("capacity rate search")
struct RateSearchTests {
    /// Runs the search against a deployment that holds every rate up to `limit`.
    static func tried(_ stepped: [Double], bisect: Int, limit: Double) -> [(Double, String)] {
        var search = RateSearch(stepped: stepped, bisections: bisect)
        var out: [(Double, String)] = []
        while let (rate, phase) = search.next() {
            out.append((rate, phase))
            search.record(rate, passed: rate <= limit)
            #expect(out.count < 50, "the search must end")
            if out.count >= 50 { break }
        }
        return out
    }

    @Test("steps up to the first failure, then bisects toward the limit")
    func stepsThenBisects() {
        let t = Self.tried([50, 100, 150, 200], bisect: 3, limit: 120)
        #expect(t.map(\.0) == [50, 100, 150, 125, 113, 119])
        #expect(t.map(\.1) == ["step", "step", "step", "bisect", "bisect", "bisect"])
    }

    @Test("every rate passing ends at the last step; the first failing ends at once")
    func edges() {
        #expect(Self.tried([50, 100], bisect: 3, limit: 1000).map(\.0) == [50, 100])
        #expect(Self.tried([50, 100], bisect: 3, limit: 10).map(\.0) == [50])
        #expect(Self.tried([50, 100, 150], bisect: 0, limit: 120).map(\.0) == [50, 100, 150])
        // Below 20/s rates keep a decimal.
        #expect(Self.tried([1, 2, 3], bisect: 2, limit: 2.2).map(\.0) == [1, 2, 3, 2.5, 2.3])
    }

    @Test("the stepped rates run from `from` to `to`, `to` included")
    func steppedRates() throws {
        let outcome = TestDecode.capacity("{from: 50/s, to: 600/s, step: 50/s, p99: 50ms}")
        #expect(outcome?.steppedRates == [50, 100, 150, 200, 250, 300, 350, 400, 450, 500, 550, 600])
        #expect(TestDecode.capacity("{from: 10/s, to: 25/s, step: 10/s, p99: 50ms}")?.steppedRates == [10, 20, 25])
        #expect(TestDecode.capacity("{from: 100/s, to: 500/s, p99: 50ms}")?.steppedRates == [100, 200, 300, 400, 500])
    }

    @Test("the default connection count follows the SLA: the top rate at twice the P99 budget")
    func defaultConcurrency() {
        #expect(CapacityRunner.defaultConcurrency(to: 600, p99: 50) == 68)
        #expect(CapacityRunner.defaultConcurrency(to: 1_000_000, p99: 1000) == 4096)
    }
}

enum TestDecode {
    static func capacity(_ settings: String) -> CapacityStep? {
        let yaml = "collection: c\nsteps:\n  - capacity: \(settings)\n"
        let outcome = ScenarioLoader.decode(bytes: Array(yaml.utf8), file: "t.yaml", variables: [:], environment: [:])
        return outcome.scenario?.steps.first?.spec as? CapacityStep
    }
}
