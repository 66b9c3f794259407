import Foundation
/// Checks that span several parts of a scenario: step ids, thresholds, notifier names, and
/// whether steps fit the collection schema declared by an earlier `create`.
struct CrossChecks {
    let decoder: SpecDecoder
    let scenario: Scenario

    func run() {
        checkIds()
        checkNotifiers()
        // Each step against what the steps before it declared (its kind's own checks), in order.
        var checks = ScenarioChecks(decoder: decoder, scenario: scenario)
        for step in scenario.allSteps { step.spec.check(step, &checks) }
    }

    // MARK: Step ids

    func checkIds() {
        var seen: [String: Mark] = [:]
        for step in scenario.allSteps where step.idWasWritten {
            if let first = seen[step.id] {
                decoder.error(step.mark, .stepIdDuplicate, "step id '\(step.id)' is already used by the step at \(first.line):\(first.column); ids must be unique")
            }
            seen[step.id] = step.mark
        }
        // A written id must not collide with a generated one either.
        for step in scenario.allSteps where !step.idWasWritten {
            if let other = seen[step.id] {
                decoder.error(other, .stepIdDuplicate, "step id '\(step.id)' is also the automatic id of the \(step.kind) step at \(step.mark.line):\(step.mark.column); choose another id")
            }
        }
    }

    // MARK: Thresholds

    func thresholds(_ node: Node?) -> [Threshold] {
        guard let items = node?.sequence else { return [] }
        var out: [Threshold] = []
        for item in items {
            // Empty items were already reported when the list was read.
            guard !item.isNull, let (text, _) = decoder.text(item, what: "a threshold") else { continue }
            if let t = threshold(text, item) { out.append(t) }
        }
        return out
    }

    private func threshold(_ text: String, _ node: Node) -> Threshold? {
        let comparison: Comparison
        switch Comparison.parse(text) {
        case .failure(let f):
            decoder.error(decoder.markInside(node, offset: f.offset), .thresholdSyntax, "threshold '\(text)': \(f.message)")
            return nil
        case .success(let c): comparison = c
        }
        let at = { (offset: Int) in decoder.markInside(node, offset: offset) }
        guard let dot = comparison.subject.firstIndex(of: ".") else {
            decoder.error(at(comparison.subjectOffset), .thresholdSyntax, "threshold '\(text)': write the metric as <stepId>.<metric>, like baseline.p99")
            return nil
        }
        let stepId = String(comparison.subject[..<dot])
        let metric = String(comparison.subject[comparison.subject.index(after: dot)...])
        let metricOffset = comparison.subjectOffset + stepId.count + 1
        guard let step = scenario.step(id: stepId) else {
            if let nested = scenario.allSteps.first(where: { $0.id == stepId }) {
                let sweep = scenario.steps.first { $0.path == nested.path.split(separator: ".").first.map(String.init) }
                decoder.error(at(comparison.subjectOffset), .thresholdNestedStep, "threshold '\(text)': step '\(stepId)' runs inside sweep '\(sweep?.id ?? "?")' once per value; write thresholds on the sweep's own metrics (\(SweepStep.metrics.map(\.name).joined(separator: ", ")))")
            } else {
                let ids = scenario.stepsRunOnce.map(\.id)
                let hint = Suggestion.hint(for: stepId, in: ids)
                let written = scenario.stepsRunOnce.filter(\.idWasWritten).map(\.id)
                let known = written.isEmpty ? "" : "; step ids in this scenario: \(written.joined(separator: ", "))"
                decoder.error(at(comparison.subjectOffset), .thresholdStepUnknown, "threshold '\(text)': no step has the id '\(stepId)'\(hint.isEmpty ? known : hint)")
            }
            return nil
        }
        let metrics = StepKinds.metrics(of: step.kind)
        guard let spec = metrics.first(where: { $0.name == metric }) else {
            let hint = Suggestion.hint(for: metric, in: metrics.map(\.name))
            decoder.error(at(metricOffset), .thresholdMetricUnknown, "threshold '\(text)': a \(step.kind) step does not record '\(metric)'\(hint) (it records \(metrics.map(\.name).joined(separator: ", ")))")
            return nil
        }
        switch comparison.value(in: spec.unit) {
        case .failure(let f):
            decoder.error(at(f.offset), .thresholdValue, "threshold '\(text)': \(f.message)")
            return nil
        case .success(let value):
            return Threshold(text: text, mark: node.mark, stepId: stepId, metric: metric, op: comparison.op,
                             value: value, unit: spec.unit)
        }
    }

    // MARK: Regressions

    /// The steps a `regressions:` entry may name: those that run once, and a sweep row's steps
    /// as `<sweep>[<value>].<id>` (the keys `compare` gives them).
    var regressionStepKeys: [(key: String, kind: String)] {
        scenario.steps.flatMap { step -> [(key: String, kind: String)] in
            [(key: step.id, kind: step.kind)] + step.spec.nestedGroups.flatMap { group in group.steps.map { (group.key($0, in: step), $0.kind) } }
        }
    }

    func regressions(_ node: Node?) -> [RegressionRule] {
        guard let entries = node?.mapping else { return [] }
        let keys = regressionStepKeys
        var out: [RegressionRule] = []
        for entry in entries {
            guard let subject = entry.key.scalar?.text, !entry.value.isNull, let (text, _) = decoder.text(entry.value, what: "a tolerance") else { continue }
            guard let (step, spec) = RegressionRule.resolve(subject, steps: keys) else {
                reportUnknown(subject, at: entry.key.mark, keys: keys)
                continue
            }
            if spec.better == .neither {
                decoder.error(entry.key.mark, .regressionMetric, "regression '\(subject)': '\(spec.name)' has no better or worse direction (it counts what ran), so it cannot regress; gate on qps, p99, errorRate, recall or rowsPerSecond")
                continue
            }
            switch RegressionTolerance.parse(text, unit: spec.unit, subject: subject) {
            case .failure(let f): decoder.error(entry.value.mark, .regressionTolerance, "regression '\(subject)': \(f.message)")
            case .success(let t): out.append(RegressionRule(step: step, metric: spec.name, tolerance: t, mark: entry.key.mark))
            }
        }
        return out
    }

    private func reportUnknown(_ subject: String, at mark: Mark, keys: [(key: String, kind: String)]) {
        // The step part that exists, if any: then the metric is what is wrong.
        if let step = keys.sorted(by: { $0.key.count > $1.key.count }).first(where: { subject.hasPrefix($0.key + ".") }) {
            let metric = String(subject.dropFirst(step.key.count + 1))
            let names = StepKinds.metrics(of: step.kind).filter { $0.better != .neither }.map(\.name)
            decoder.error(mark, .regressionMetric, "regression '\(subject)': a \(step.kind) step does not record '\(metric)'\(Suggestion.hint(for: metric, in: names)) (it records \(names.joined(separator: ", ")))")
            return
        }
        let stepPart = subject.split(separator: ".", maxSplits: 1).first.map(String.init) ?? subject
        guard subject.contains(".") else {
            decoder.error(mark, .regressionMetric, "regression '\(subject)': write the metric as <stepId>.<metric>, like baseline.p99, or *.p99 for every step")
            return
        }
        if let bracket = stepPart.firstIndex(of: "["), case let sweep = String(stepPart[..<bracket]),
           case let rows = keys.map(\.key).filter({ $0.hasPrefix(sweep + "[") }), !rows.isEmpty {
            decoder.error(mark, .regressionStep, "regression '\(subject)': sweep '\(sweep)' has no such row; its rows' steps are \(rows.joined(separator: ", "))")
            return
        }
        let hint = Suggestion.hint(for: stepPart, in: keys.map(\.key))
        decoder.error(mark, .regressionStep, "regression '\(subject)': no step has the id '\(stepPart)'\(hint.isEmpty ? "; steps: \(keys.map(\.key).joined(separator: ", "))" : hint)")
    }

    // MARK: Notifiers

    /// Notifier names are unique (the rules that use them are checked with their watch).
    func checkNotifiers() {
        var names: [String: Mark] = [:]
        for n in scenario.notifiers {
            if let first = names[n.name] {
                decoder.error(n.mark, .notifierDuplicate, "notifier name '\(n.name)' is already used at \(first.line):\(first.column); give each notifier its own 'name'")
            }
            names[n.name] = n.mark
        }
    }
}
