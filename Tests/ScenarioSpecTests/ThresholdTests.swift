import Testing
@testable import ScenarioSpec

@Suite("thresholds and conditions")
struct ThresholdTests {
    static let scenario = """
    collection: c
    steps:
      - concurrentSearch: {id: baseline}
      - monitor: {id: initial}
      - hotSearch: {id: hot}
      - health: {id: before}
      - sweep:
          id: replicas
          over: {replicas: [1, 2]}
          steps:
            - load: {replicas: "${replicas}"}
            - concurrentSearch: {}
    thresholds:
    """

    func thresholds(_ lines: String...) -> ScenarioLoader.Outcome {
        TestSupport.decode(Self.scenario + "\n" + lines.map { "  - \"\($0)\"" }.joined(separator: "\n") + "\n")
    }

    @Test("values are converted into each metric's unit", arguments: [
        ("baseline.p99 < 100ms", 100.0, MetricUnit.milliseconds),
        ("baseline.p99 <= 1.5s", 1500, .milliseconds),
        ("baseline.errorRate == 0", 0, .percent),
        ("baseline.errorRate < 0.5%", 0.5, .percent),
        ("baseline.qps >= 500", 500, .perSecond),
        ("baseline.qps > 20/s", 20, .perSecond),
        ("initial.memoryPercent.max < 80%", 80, .percent),
        ("initial.segmentImbalance < 1.2", 1.2, .ratio),
        ("hot.hotSpeedup > 1.1x", 1.1, .ratio),
        ("before.healthy == true", 1, .boolean),
        ("before.healthy != 0", 0, .boolean),
        ("replicas.maxSpeedup >= 1", 1, .ratio),
        ("replicas.unsupported == 0", 0, .count),
        ("baseline.recall >= 0.95", 0.95, .fraction),
        ("baseline.recall.p5 >= 90%", 0.9, .fraction),
        ("replicas.bestRecall > 0.5", 0.5, .fraction),
    ])
    func converted(text: String, value: Double, unit: MetricUnit) throws {
        let outcome = thresholds(text)
        #expect(outcome.errors.isEmpty, "\(TestSupport.lines(outcome))")
        let t = try #require(outcome.scenario?.thresholds.first)
        #expect(t.value == value)
        #expect(t.unit == unit)
        #expect(t.text == text)
    }

    @Test("operators decide pass or fail")
    func operators() throws {
        let outcome = thresholds("baseline.p99 < 100ms", "baseline.qps >= 50", "baseline.errors != 3")
        let t = try #require(outcome.scenario?.thresholds)
        #expect(t[0].holds(for: 99.9) && !t[0].holds(for: 100))
        #expect(t[1].holds(for: 50) && !t[1].holds(for: 49.9))
        #expect(t[2].holds(for: 0) && !t[2].holds(for: 3))
    }

    @Test("a recall threshold written as a whole percent number says how to write it")
    func fractionWrittenAsPercentNumber() {
        let lines = TestSupport.lines(thresholds("baseline.recall >= 95"))
        #expect(lines.count == 1 && lines[0].contains("'baseline.recall' is a fraction from 0 to 1; write 95% or 0.95"), "\(lines)")
        #expect(TestSupport.lines(thresholds("baseline.recall >= 150%")).count == 1)
    }

    @Test("the column of a problem points into the threshold text")
    func columns() {
        let outcome = thresholds("baseline.p98 < 100ms")
        // Line 14, column 5 is the opening quote; "p98" starts 10 characters later.
        #expect(TestSupport.lines(outcome).first?.hasPrefix("test.yaml:14:15: error: threshold 'baseline.p98 < 100ms'") == true)
    }

    @Test("every step kind's metric can be named in a threshold")
    func everyMetricResolves() {
        for type in StepKinds.all {
            for metric in type.metrics {
                let comparison = Comparison(subject: "x.\(metric.name)", op: .lessThan, valueText: "0", subjectOffset: 0, valueOffset: 0)
                #expect((try? comparison.value(in: metric.unit).get()) == 0)
            }
        }
    }

    @Test("conditions: and binds tighter than or")
    func conditions() throws {
        let c = try Condition.parse("serving == 0 and live == 1 or node.memoryPercent > 80%").get()
        #expect(c.anyOf.count == 2)
        #expect(c.anyOf[0].map(\.subject) == ["serving", "live"])
        #expect(c.anyOf[1].first?.valueText == "80%")
    }

    @Test("condition syntax errors carry an offset")
    func conditionErrors() {
        guard case .failure(let f) = Condition.parse("serving == 0 also live == 0") else {
            Issue.record("expected a failure")
            return
        }
        #expect(f.offset == 13)
    }
}
