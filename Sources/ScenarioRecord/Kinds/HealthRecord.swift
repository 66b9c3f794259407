import ScenarioSpec

/// A `health` step: liveness, CheckHealth, component states and a serving search.
public struct HealthStepDetails: StepDetails {
    public var health: HealthDetails?

    public init() {}
}

extension HealthStep: RecordedStep {
    public typealias Details = HealthStepDetails
    public static var noteCodes: [StepNote.Code] { [.connectFailed] }
}

/// What a `health` step found.
public struct HealthDetails: Codable, Sendable {
    public struct Endpoint: Codable, Sendable {
        public var url: String
        public var ok: Bool
        public var answer: String

        public init(url: String, ok: Bool, answer: String) {
            self.url = url
            self.ok = ok
            self.answer = answer
        }
    }

    public var checkHealth: Bool?
    public var reasons: [String]
    public var quotaStates: [String]
    public var components: [String: String]
    public var endpoints: [Endpoint]
    public var serving: Bool?
    public var servingError: String?

    public init(checkHealth: Bool? = nil, reasons: [String], quotaStates: [String], components: [String: String], endpoints: [Endpoint], serving: Bool? = nil, servingError: String? = nil) {
        self.checkHealth = checkHealth
        self.reasons = reasons
        self.quotaStates = quotaStates
        self.components = components
        self.endpoints = endpoints
        self.serving = serving
        self.servingError = servingError
    }
}

// MARK: - Notes

extension StepNote.Code {
    /// The health step's connect-and-list failed. Values: reason.
    public static let connectFailed = StepNote.Code("connectFailed",
        en: "connect and list failed: {reason}",
        zh: "连接并列出集合失败：{reason}")
}
