import ClusterObservation
import Foundation
import ScenarioRecord
import ScenarioSpec

/// One alert state change, as every channel receives it.
public struct AlertNotification: Sendable {
    public var rule: String
    public var severity: String
    public var kind: NotificationRecord.Kind
    public var summary: String?
    public var condition: String
    public var values: [String: Double]
    public var startsAt: Date
    /// Set when the alert resolved.
    public var endsAt: Date?
    public var scenario: String
    public var step: String

    public init(rule: String, severity: String, kind: NotificationRecord.Kind, summary: String?, condition: String, values: [String: Double],
                startsAt: Date, endsAt: Date?, scenario: String, step: String) {
        self.rule = rule
        self.severity = severity
        self.kind = kind
        self.summary = summary
        self.condition = condition
        self.values = values
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.scenario = scenario
        self.step = step
    }

    public var status: String { kind == .resolved ? "resolved" : "firing" }

    /// One line for chat and subjects: `[FIRING] critical server-down: …`.
    public var headline: String {
        "[\(status.uppercased())] \(severity) \(rule)" + (summary.map { ": \($0)" } ?? "")
    }

    /// The values that made it fire, e.g. `serving=0, live=0`.
    public var valuesText: String {
        values.keys.sorted().map { "\($0)=\(Self.number(values[$0]!))" }.joined(separator: ", ")
    }

    /// A few lines with everything a person on call needs.
    public var text: String {
        var lines = [headline,
                     "condition: \(condition)" + (values.isEmpty ? "" : " (\(valuesText))"),
                     "scenario: \(scenario), step: \(step)",
                     "since: \(Self.timestamp(startsAt))"]
        if let endsAt { lines.append("resolved: \(Self.timestamp(endsAt))") }
        if kind == .repeat { lines.append("still firing (repeated at most once per repeat interval)") }
        return lines.joined(separator: "\n")
    }

    public static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: "%.3g", v)
    }

    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// Somewhere alerts go. Delivery errors are thrown and recorded by the watch, never fatal.
public protocol AlertChannel: Sendable {
    var name: String { get }
    /// `webhook`, `alertmanager` or `smtp`.
    var channel: String { get }
    func deliver(_ notification: AlertNotification) async throws
}

public enum AlertChannels {
    public static func make(_ notifier: Notifier) -> any AlertChannel {
        switch notifier.channel {
        case .webhook(let url, let headers, let timeout):
            return WebhookChannel(name: notifier.name, url: url, headers: headers, timeout: timeout.swiftDuration)
        case .alertmanager(let url, let labels, let timeout):
            return AlertmanagerChannel(name: notifier.name, url: url, labels: labels, timeout: timeout.swiftDuration)
        case .smtp(let smtp):
            return SMTPChannel(name: notifier.name, settings: smtp)
        }
    }
}

/// A delivery that did not work, with what the receiver said.
public struct DeliveryError: Error, CustomStringConvertible {
    public var description: String
}

/// POSTs JSON; the HTTP status must be 2xx.
public enum HTTPDelivery {

    public static func post(_ url: String, json: Any, headers: [Parameter], timeout: Duration) async throws {
        guard URL(string: url) != nil else { throw DeliveryError(description: "'\(url)' is not a URL") }
        let body = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        let response: HTTP.Response
        do {
            response = try await HTTP.post(url, body: body, headers: [("Content-Type", "application/json")] + headers.map { ($0.name, $0.value) },
                                           timeout: timeout)
        } catch let e as HTTP.Failure {
            throw DeliveryError(description: e.reason)
        }
        guard (200..<300).contains(response.status) else {
            let text = String(response.body.prefix(300)).trimmingCharacters(in: .whitespacesAndNewlines)
            throw DeliveryError(description: "HTTP \(response.status)" + (text.isEmpty ? "" : ": \(text)"))
        }
    }
}

/// A JSON POST with a Slack-compatible `text` field and the alert's fields beside it.
public struct WebhookChannel: AlertChannel {
    public let name: String
    public let url: String
    /// May hold secrets (tokens); never logged or recorded.
    public let headers: [Parameter]
    public let timeout: Duration
    public var channel: String { "webhook" }

    public static func payload(_ n: AlertNotification) -> [String: Any] {
        var p: [String: Any] = [
            "text": n.text,
            "alert": n.rule,
            "status": n.status,
            "kind": n.kind.rawValue,
            "severity": n.severity,
            "condition": n.condition,
            "values": n.values,
            "startsAt": AlertNotification.timestamp(n.startsAt),
            "scenario": n.scenario,
            "step": n.step,
        ]
        if let s = n.summary { p["summary"] = s }
        if let e = n.endsAt { p["endsAt"] = AlertNotification.timestamp(e) }
        return p
    }

    public func deliver(_ notification: AlertNotification) async throws {
        try await HTTPDelivery.post(url, json: Self.payload(notification), headers: headers, timeout: timeout)
    }
}

/// Prometheus Alertmanager's API: `POST /api/v2/alerts`, `endsAt` when resolved.
public struct AlertmanagerChannel: AlertChannel {
    public let name: String
    public let url: String
    public let labels: [Parameter]
    public let timeout: Duration
    public var channel: String { "alertmanager" }

    public static func payload(_ n: AlertNotification, labels extra: [Parameter]) -> [[String: Any]] {
        var labels = ["alertname": n.rule, "severity": n.severity, "scenario": n.scenario, "step": n.step, "source": "milvus-scenario"]
        for l in extra { labels[l.name] = l.value }
        var annotations = ["description": n.text.split(separator: "\n").dropFirst().joined(separator: "\n")]
        annotations["summary"] = n.summary ?? n.condition
        var alert: [String: Any] = ["labels": labels, "annotations": annotations,
                                    "startsAt": AlertNotification.timestamp(n.startsAt)]
        if let e = n.endsAt { alert["endsAt"] = AlertNotification.timestamp(e) }
        return [alert]
    }

    public func deliver(_ notification: AlertNotification) async throws {
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        try await HTTPDelivery.post(base + "/api/v2/alerts", json: Self.payload(notification, labels: labels), headers: [], timeout: timeout)
    }
}
