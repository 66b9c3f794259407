import Foundation
import ScenarioSpec

/// The alert rules of one watch and their state: pure logic, fed the signals of each check.
///
/// A rule's condition must hold for `for` before it fires; while firing it notifies again at
/// most once per `repeat` (the document's storm suppression: one alert, not one per check);
/// it resolves at the first check where the condition no longer holds. A signal that was not
/// measured at a check (no background load, no metrics endpoint) makes its comparison false.
public struct AlertRules: Sendable {
    public enum Transition: Sendable, Equatable {
        case fired, repeated, resolved
    }

    public struct Event: Sendable {
        public var rule: WatchStep.Rule
        public var transition: Transition
        /// When the alert fired (for `startsAt`), and now.
        public var firedAt: Duration
        public var at: Duration
        public var values: [String: Double]
    }

    private struct State: Sendable {
        public var holdingSince: Duration?
        public var firedAt: Duration?
        public var notifiedAt: Duration?
    }

    public let rules: [WatchStep.Rule]
    private var states: [State]

    public init(_ rules: [WatchStep.Rule]) {
        self.rules = rules
        states = Array(repeating: State(), count: rules.count)
    }

    /// Whether `condition` holds for these signal values (every comparison of some group).
    public static func holds(_ condition: Condition, _ signals: [String: Double]) -> Bool {
        condition.anyOf.contains { group in
            group.allSatisfy { c in
                guard let observed = signals[c.subject],
                      let unit = WatchStep.signals.first(where: { $0.name == c.subject })?.unit,
                      case .success(let limit) = c.value(in: unit) else { return false }
                return c.op.holds(observed, limit)
            }
        }
    }

    /// The signals a condition reads, with their values at this check.
    public static func values(_ condition: Condition, _ signals: [String: Double]) -> [String: Double] {
        var v: [String: Double] = [:]
        for c in condition.anyOf.joined() { v[c.subject] = signals[c.subject] }
        return v
    }

    /// Evaluates every rule at one check; returns what changed.
    public mutating func evaluate(_ signals: [String: Double], at now: Duration) -> [Event] {
        var events: [Event] = []
        for (i, rule) in rules.enumerated() {
            var s = states[i]
            let values = Self.values(rule.when, signals)
            if Self.holds(rule.when, signals) {
                let since = s.holdingSince ?? now
                s.holdingSince = since
                if let firedAt = s.firedAt {
                    if let last = s.notifiedAt, now - last >= rule.repeatInterval.swiftDuration {
                        s.notifiedAt = now
                        events.append(Event(rule: rule, transition: .repeated, firedAt: firedAt, at: now, values: values))
                    }
                } else if now - since >= rule.holdFor.swiftDuration {
                    s.firedAt = now
                    s.notifiedAt = now
                    events.append(Event(rule: rule, transition: .fired, firedAt: now, at: now, values: values))
                }
            } else {
                s.holdingSince = nil
                if let firedAt = s.firedAt {
                    events.append(Event(rule: rule, transition: .resolved, firedAt: firedAt, at: now, values: values))
                    s.firedAt = nil
                    s.notifiedAt = nil
                }
            }
            states[i] = s
        }
        return events
    }
}
