import Testing
@testable import ScenarioSpec

@Suite("values")
struct ValueTests {
    @Test("durations", arguments: [
        ("250ms", 250.0), ("30s", 30_000), ("2m", 120_000), ("1h", 3_600_000), ("1m30s", 90_000),
        ("1.5s", 1500), ("0s", 0), ("500us", 0.5),
    ])
    func durations(text: String, milliseconds: Double) {
        #expect(ScenarioDuration.parse(text)?.milliseconds == milliseconds)
    }

    @Test("not durations", arguments: ["", "30", "fast", "s", "10 parsecs", "-5s", "1.2.3s", "5sec"])
    func notDurations(text: String) {
        #expect(ScenarioDuration.parse(text) == nil)
    }

    @Test("durations print in their shortest exact form", arguments: [
        (250.0, "250ms"), (30_000, "30s"), (300_000, "5m"), (3_600_000, "1h"), (90_000, "1m30s"), (1500, "1500ms"), (0, "0s"),
    ])
    func durationDescription(ms: Double, text: String) {
        #expect(ScenarioDuration(milliseconds: ms).description == text)
    }

    @Test("rates", arguments: [("500/s", 500.0), ("30/m", 0.5), ("3600/h", 1), ("2/ms", 2000), ("2.5 / s", 2.5)])
    func rates(text: String, perSecond: Double) {
        #expect(Rate.parse(text)?.perSecond == perSecond)
    }

    @Test("not rates", arguments: ["500", "/s", "0/s", "-1/s", "5/d", "fast"])
    func notRates(text: String) {
        #expect(Rate.parse(text) == nil)
    }

    @Test("numbers and percents")
    func numbers() {
        #expect(ScenarioNumber.parsePercent("80%") == 80)
        #expect(ScenarioNumber.parsePercent("80") == nil)
        #expect(ScenarioNumber.parseInteger("100_000") == 100_000)
        #expect(ScenarioNumber.parseInteger("1.5") == nil)
        #expect(ScenarioNumber.parseInteger("0x10") == nil)
        #expect(ScenarioNumber.parseDouble("1e3") == 1000)
        #expect(ScenarioNumber.parseDouble("nan") == nil)
        #expect(ScenarioNumber.parseDouble("inf") == nil)
        #expect(ScenarioNumber.format(0.1 + 0.2) == "0.3")
        #expect(ScenarioNumber.format(-2.5) == "-2.5")
        #expect(ScenarioNumber.format(128) == "128")
    }

    @Test("URLs")
    func urls() {
        #expect(ServerURL.parse("http://127.0.0.1:19530")?.port == 19530)
        #expect(ServerURL.parse("https://milvus.example.com")?.usesTLS == true)
        #expect(ServerURL.parse("http://[::1]:9091")?.host == "[::1]")
        #expect(ServerURL.parse("localhost:19530") == nil)
        #expect(ServerURL.parse("grpc://x:1") == nil)
        #expect(ServerURL.parse("http://x:99999") == nil)
        #expect(ServerURL.parse("http://:80") == nil)
    }

    @Test("did-you-mean suggestions")
    func suggestions() {
        #expect(Suggestion.closest(to: "concurency", in: ["concurrency", "queries"]) == "concurrency")
        #expect(Suggestion.closest(to: "replcias", in: ["replicas", "wait"]) == "replicas")
        #expect(Suggestion.closest(to: "Replicas", in: ["replicas"]) == "replicas")
        #expect(Suggestion.closest(to: "xyz", in: ["replicas", "wait"]) == nil)
        #expect(Suggestion.editDistance("ab", "ba") == 1)
        #expect(Suggestion.editDistance("", "abc") == 3)
    }

    @Test("secrets never print their value")
    func secrets() {
        let s = Secret("hunter2")
        #expect("\(s)" == "(secret)")
        #expect(String(reflecting: s) == "(secret)")
        #expect(!"\([s])".contains("hunter2"))
    }
}
