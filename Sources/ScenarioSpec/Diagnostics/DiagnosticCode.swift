/// A stable name for each kind of problem a scenario can have: what tests match (so rewording
/// a message changes no expected file), what `validate --format json` reports beside the
/// message, and what the corpus files under Tests/ScenarioSpecTests/Fixtures/invalid show as
/// `error[code]`. Codes never change meaning; a new kind of problem gets a new code.
public struct DiagnosticCode: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    // The codes any part of a scenario may get; those only one step kind reports are declared
    // with that kind (its `diagnosticCodes`).

    // MARK: The file

    public static let fileEmpty = DiagnosticCode("file-empty")
    public static let fileIsFolder = DiagnosticCode("file-is-folder")
    public static let fileMissing = DiagnosticCode("file-missing")
    public static let fileNotText = DiagnosticCode("file-not-text")
    public static let fileTooLarge = DiagnosticCode("file-too-large")
    public static let fileUnreadable = DiagnosticCode("file-unreadable")
    public static let scenarioNotAMapping = DiagnosticCode("scenario-not-a-mapping")

    // MARK: YAML

    public static let yamlAliasCycle = DiagnosticCode("yaml-alias-cycle")
    public static let yamlDuplicateKey = DiagnosticCode("yaml-duplicate-key")
    public static let yamlKeyNotText = DiagnosticCode("yaml-key-not-text")
    public static let yamlMerge = DiagnosticCode("yaml-merge")
    public static let yamlMultipleDocuments = DiagnosticCode("yaml-multiple-documents")
    public static let yamlParser = DiagnosticCode("yaml-parser")
    public static let yamlSyntax = DiagnosticCode("yaml-syntax")
    public static let yamlTab = DiagnosticCode("yaml-tab")
    public static let yamlTooDeep = DiagnosticCode("yaml-too-deep")
    public static let yamlTooLarge = DiagnosticCode("yaml-too-large")
    public static let yamlUnknownAnchor = DiagnosticCode("yaml-unknown-anchor")

    // MARK: Keys, types and values

    public static let commandInvalid = DiagnosticCode("command-invalid")
    public static let keyExclusive = DiagnosticCode("key-exclusive")
    public static let keyMissing = DiagnosticCode("key-missing")
    public static let keyOneRequired = DiagnosticCode("key-one-required")
    public static let keyUnknown = DiagnosticCode("key-unknown")
    public static let listTooShort = DiagnosticCode("list-too-short")
    public static let typeMismatch = DiagnosticCode("type-mismatch")
    public static let valueMissing = DiagnosticCode("value-missing")
    public static let valueNotAChoice = DiagnosticCode("value-not-a-choice")
    public static let valueOutOfRange = DiagnosticCode("value-out-of-range")
    public static let variable = DiagnosticCode("variable")
    public static let variableName = DiagnosticCode("variable-name")

    // MARK: Steps and their settings

    public static let collectionMissing = DiagnosticCode("collection-missing")
    public static let collectionName = DiagnosticCode("collection-name")
    public static let fieldUnknown = DiagnosticCode("field-unknown")
    public static let dataFile = DiagnosticCode("data-file")
    public static let generatorArguments = DiagnosticCode("generator-arguments")
    public static let generatorType = DiagnosticCode("generator-type")
    public static let indexParameter = DiagnosticCode("index-parameter")
    public static let metricMismatch = DiagnosticCode("metric-mismatch")
    public static let searchInput = DiagnosticCode("search-input")
    public static let stepIdDuplicate = DiagnosticCode("step-id-duplicate")
    public static let stepKindUnknown = DiagnosticCode("step-kind-unknown")
    public static let stepNotSweepable = DiagnosticCode("step-not-sweepable")
    public static let stepNotParallel = DiagnosticCode("step-not-parallel")
    /// Found after connecting (`run`, `validate --target`), not by reading the file.
    public static let notSupportedByServer = DiagnosticCode("not-supported-by-server")
    public static let stepSettingsMisplaced = DiagnosticCode("step-settings-misplaced")
    public static let stepShape = DiagnosticCode("step-shape")
    public static let vectorFieldAmbiguous = DiagnosticCode("vector-field-ambiguous")
    public static let vectorFieldType = DiagnosticCode("vector-field-type")

    // MARK: Thresholds

    public static let thresholdMetricUnknown = DiagnosticCode("threshold-metric-unknown")
    public static let thresholdNestedStep = DiagnosticCode("threshold-nested-step")
    public static let thresholdStepUnknown = DiagnosticCode("threshold-step-unknown")
    public static let thresholdSyntax = DiagnosticCode("threshold-syntax")
    public static let thresholdValue = DiagnosticCode("threshold-value")

    // MARK: Regressions

    public static let regressionMetric = DiagnosticCode("regression-metric")
    public static let regressionStep = DiagnosticCode("regression-step")
    public static let regressionTolerance = DiagnosticCode("regression-tolerance")

    // MARK: Target and notifiers

    public static let credentialsIncomplete = DiagnosticCode("credentials-incomplete")
    public static let notifierDuplicate = DiagnosticCode("notifier-duplicate")
    public static let secretInFile = DiagnosticCode("secret-in-file")
    public static let tlsWithoutHttps = DiagnosticCode("tls-without-https")
}
