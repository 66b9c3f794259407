/// A stable name for each kind of problem a scenario can have: what tests match (so rewording
/// a message changes no expected file), what `validate --format json` reports beside the
/// message, and what the corpus files under Tests/ScenarioSpecTests/Fixtures/invalid show as
/// `error[code]`. Codes never change meaning; a new kind of problem gets a new code.
public enum DiagnosticCode: String, Sendable, Hashable, CaseIterable, Codable {
    // MARK: The file

    case fileEmpty = "file-empty"
    case fileIsFolder = "file-is-folder"
    case fileMissing = "file-missing"
    case fileNotText = "file-not-text"
    case fileTooLarge = "file-too-large"
    case fileUnreadable = "file-unreadable"
    case scenarioNotAMapping = "scenario-not-a-mapping"

    // MARK: YAML

    case yamlAliasCycle = "yaml-alias-cycle"
    case yamlDuplicateKey = "yaml-duplicate-key"
    case yamlKeyNotText = "yaml-key-not-text"
    case yamlMerge = "yaml-merge"
    case yamlMultipleDocuments = "yaml-multiple-documents"
    case yamlParser = "yaml-parser"
    case yamlSyntax = "yaml-syntax"
    case yamlTab = "yaml-tab"
    case yamlTooDeep = "yaml-too-deep"
    case yamlTooLarge = "yaml-too-large"
    case yamlUnknownAnchor = "yaml-unknown-anchor"

    // MARK: Keys, types and values

    case commandInvalid = "command-invalid"
    case keyExclusive = "key-exclusive"
    case keyMissing = "key-missing"
    case keyOneRequired = "key-one-required"
    case keyUnknown = "key-unknown"
    case listTooShort = "list-too-short"
    case typeMismatch = "type-mismatch"
    case valueMissing = "value-missing"
    case valueNotAChoice = "value-not-a-choice"
    case valueOutOfRange = "value-out-of-range"
    case variable = "variable"
    case variableName = "variable-name"

    // MARK: Steps and their settings

    case collectionMissing = "collection-missing"
    case collectionName = "collection-name"
    case fieldDuplicate = "field-duplicate"
    case fieldIncomplete = "field-incomplete"
    case fieldOption = "field-option"
    case fieldUnknown = "field-unknown"
    case functionField = "function-field"
    case dataFile = "data-file"
    case generatorArguments = "generator-arguments"
    case generatorOnAutoId = "generator-on-auto-id"
    case generatorType = "generator-type"
    case indexParameter = "index-parameter"
    case indexType = "index-type"
    case insertSegmentRows = "insert-segment-rows"
    case loadVerifyWithoutWait = "load-verify-without-wait"
    case metricMismatch = "metric-mismatch"
    case deleteTarget = "delete-target"
    case queryUnbounded = "query-unbounded"
    case upsertAutoId = "upsert-auto-id"
    case primaryKeyDuplicate = "primary-key-duplicate"
    case primaryKeyMissing = "primary-key-missing"
    case primaryKeyType = "primary-key-type"
    case ruleCondition = "rule-condition"
    case ruleDuplicate = "rule-duplicate"
    case ruleNeedsBackground = "rule-needs-background"
    case ruleSignalUnknown = "rule-signal-unknown"
    case scaleCommandUnused = "scale-command-unused"
    case scaleRange = "scale-range"
    case searchInput = "search-input"
    case shardSetting = "shard-setting"
    case stepIdDuplicate = "step-id-duplicate"
    case stepKindUnknown = "step-kind-unknown"
    case stepNotSweepable = "step-not-sweepable"
    case stepNotParallel = "step-not-parallel"
    /// Found after connecting (`run`, `validate --target`), not by reading the file.
    case notSupportedByServer = "not-supported-by-server"
    case parallelEnd = "parallel-end"
    case stepSettingsMisplaced = "step-settings-misplaced"
    case stepShape = "step-shape"
    case sweepOver = "sweep-over"
    case sweepParameter = "sweep-parameter"
    case sweepParameterUnused = "sweep-parameter-unused"
    case sweepValueRepeated = "sweep-value-repeated"
    case sweepValues = "sweep-values"
    case sweepWithoutSearch = "sweep-without-search"
    case vectorFieldAmbiguous = "vector-field-ambiguous"
    case vectorFieldMissing = "vector-field-missing"
    case vectorFieldType = "vector-field-type"
    case watchBackgroundCap = "watch-background-cap"
    case watchFaultTime = "watch-fault-time"
    case watchInterval = "watch-interval"

    // MARK: Thresholds

    case thresholdMetricUnknown = "threshold-metric-unknown"
    case thresholdNestedStep = "threshold-nested-step"
    case thresholdStepUnknown = "threshold-step-unknown"
    case thresholdSyntax = "threshold-syntax"
    case thresholdValue = "threshold-value"

    // MARK: Regressions

    case regressionMetric = "regression-metric"
    case regressionStep = "regression-step"
    case regressionTolerance = "regression-tolerance"

    // MARK: Target and notifiers

    case credentialsIncomplete = "credentials-incomplete"
    case notifierDuplicate = "notifier-duplicate"
    case notifierUnknown = "notifier-unknown"
    case notifiersMissing = "notifiers-missing"
    case secretInFile = "secret-in-file"
    case tlsWithoutHttps = "tls-without-https"
}
