import Foundation

/// Reads, decodes and validates scenario files, reporting every problem at once.
public enum ScenarioLoader {
    /// Scenario files are written by hand; anything larger is refused before parsing.
    public static let maximumFileSize = 1 << 20

    public struct Outcome: Sendable {
        /// The scenario, when there were no errors (warnings are allowed).
        public var scenario: Scenario?
        /// Errors and warnings, sorted by position.
        public var diagnostics: [Diagnostic]
        /// Model objects that left declared keys unread: always empty unless the model has a bug.
        public var unreadKeys: [String] = []
        public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    }

    /// Loads the file at `path`. `displayName` is how messages name the file (the path as given).
    public static func load(path: String, variables: [String: String] = [:],
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            displayName: String? = nil, dataFiles: (any DataFileReading)? = nil) -> Outcome {
        let file = displayName ?? path
        let start = Mark(file: file, line: 1, column: 1)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return Outcome(scenario: nil, diagnostics: [Diagnostic(.error, .fileMissing, at: start, "no such file")])
        }
        if isDirectory.boolValue {
            return Outcome(scenario: nil, diagnostics: [Diagnostic(.error, .fileIsFolder, at: start, "this is a folder, not a scenario file")])
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > maximumFileSize {
            return Outcome(scenario: nil, diagnostics: [tooLarge(size, at: start)])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return Outcome(scenario: nil, diagnostics: [Diagnostic(.error, .fileUnreadable, at: start, "cannot read the file (permission denied?)")])
        }
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return decode(bytes: [UInt8](data), file: file, defaultName: stem, variables: variables, environment: environment,
                      baseDirectory: URL(fileURLWithPath: path).deletingLastPathComponent().path, dataFiles: dataFiles)
    }

    static func tooLarge(_ size: Int, at mark: Mark) -> Diagnostic {
        let mib = Double(size) / 1_048_576
        let shown = (mib * 10).rounded() / 10
        return Diagnostic(.error, .fileTooLarge, at: mark, "the file is \(ScenarioNumber.format(shown)) MiB; a scenario may be at most \(maximumFileSize / 1_048_576) MiB")
    }

    /// Decodes scenario text already in memory.
    public static func decode(bytes: [UInt8], file: String, defaultName: String = "scenario",
                              variables: [String: String] = [:], environment: [String: String] = [:],
                              baseDirectory: String? = nil, dataFiles: (any DataFileReading)? = nil) -> Outcome {
        let start = Mark(file: file, line: 1, column: 1)
        if bytes.count > maximumFileSize {
            return Outcome(scenario: nil, diagnostics: [tooLarge(bytes.count, at: start)])
        }
        let yaml = YAMLReader.read(bytes: bytes, file: file)
        var sink = DiagnosticSink()
        sink.append(contentsOf: yaml.diagnostics)
        guard let root = yaml.root else {
            if !sink.hasErrors {
                sink.error(start, .fileEmpty, "the file is empty; a scenario needs at least 'steps:'")
            }
            return Outcome(scenario: nil, diagnostics: sink.sorted)
        }
        if root.isNull {
            sink.error(root.mark, .fileEmpty, "the file holds no settings; a scenario needs at least 'steps:'")
            return Outcome(scenario: nil, diagnostics: sink.sorted)
        }
        let decoder = SpecDecoder(scope: VariableScope(commandLine: variables, environment: environment))
        decoder.baseDirectory = baseDirectory
        decoder.dataFiles = dataFiles
        let scenario = ScenarioDecoding(decoder: decoder, file: file, defaultName: defaultName).decode(root)
        // After a YAML problem (duplicate key, unknown alias) the tree is still decoded so every
        // problem is reported at once; a second message at the very same place would only repeat it.
        let yamlMarks = Set(yaml.diagnostics.map(\.mark))
        sink.append(contentsOf: decoder.sink.diagnostics.filter { !yamlMarks.contains($0.mark) })
        return Outcome(scenario: sink.hasErrors ? nil : scenario, diagnostics: sink.sorted,
                       unreadKeys: decoder.unreadKeys.sorted())
    }
}

/// The decoding pass over a whole scenario plus the checks that span several steps.
struct ScenarioDecoding {
    let decoder: SpecDecoder
    let file: String
    let defaultName: String

    func decode(_ root: Node) -> Scenario? {
        guard root.mapping != nil else {
            decoder.error(root.mark, .scenarioNotAMapping, "a scenario is a mapping with at least 'steps:', got \(root.shapeDescription)")
            return nil
        }
        guard let reader = decoder.object(root, Scenario.spec) else { return nil }
        defer { reader.finish() }
        let r = KeyReader<Scenario.Keys>(reader)
        let version = r[\.version] ?? 1
        // `vars` first: the rest of the file may refer to them.
        let vars = r[\.vars] ?? []
        var scenarioVars: [String: VariableScope.Binding] = [:]
        for v in vars {
            if !Interpolation.isValidName(v.name) {
                decoder.error(v.mark, .variableName, "variable name '\(v.name)' must be letters, digits and '_' (not starting with a digit) to be used as ${\(v.name)}")
            }
            scenarioVars[v.name] = .value(v.value, origin: "vars")
        }
        return decoder.withScope(decoder.scope.settingScenarioVars(scenarioVars)) { () -> Scenario? in
            let name = r[\.name] ?? defaultName
            let title = r[\.title]
            let description = r[\.description]
            let target = r.object(\.target) { Target($0) }
            let collection = r[\.collection]
            if let collection { checkCollectionName(collection, at: r.mark(\.collection)) }
            let report = r.object(\.report) { ReportOptions($0) }
            let notifiers = r.variants(\.notifiers) { kind, _, n in Notifier(kind: kind, n) } ?? []
            let cleanup: Scenario.Cleanup = r[\.cleanup] ?? .onSuccess
            let steps = decodeSteps(r, collection: collection)
            let thresholdNodes = r.written(\.thresholds)
            _ = r[\.thresholds]
            let regressionNodes = r.written(\.regressions)
            _ = r[\.regressions]
            guard let target, let report else { return nil }
            var scenario = Scenario(file: file, version: version, name: name, title: title, description: description,
                                    vars: vars, target: target, collection: collection, report: report,
                                    notifiers: notifiers, steps: steps, thresholds: [], cleanup: cleanup)
            let checks = CrossChecks(decoder: decoder, scenario: scenario)
            scenario.thresholds = checks.thresholds(thresholdNodes)
            scenario.regressions = checks.regressions(regressionNodes)
            checks.run()
            return scenario
        }
    }

    /// A step of kind `S`, read with its kind's keys.
    static func decode<S: StepSpec>(_ type: S.Type, _ reader: ObjectReader, _ context: StepDecodingContext) -> S {
        S(KeyReader<S.Keys>(reader), context)
    }

    func checkCollectionName(_ name: String, at mark: Mark) {
        let valid = name.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
            && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
        if !valid || name.count > 255 {
            decoder.error(mark, .collectionName, "collection name '\(name)' is not valid in Milvus: use letters, digits and '_', starting with a letter or '_' (at most 255)")
        }
    }

    func decodeSteps(_ r: KeyReader<Scenario.Keys>, collection: String?) -> [Step] {
        var counters: [String: Int] = [:]
        var index = 0
        return r.variants(\.steps) { kind, nameNode, reader in
            index += 1
            counters[kind, default: 0] += 1
            return makeStep(kind: kind, nameNode: nameNode, reader, collection: collection,
                            path: "\(index)", autoId: "\(kind)\(counters[kind]!)", parentKind: nil)
        } ?? []
    }

    func makeStep(kind: String, nameNode: Node, _ reader: ObjectReader, collection defaultCollection: String?,
                  path: String, autoId: String, parentKind: String?) -> Step? {
        guard let type = StepKinds.type(named: kind) else { return nil }
        let r = KeyReader<StepKinds.CommonKeys>(reader)
        let id = r[\.id]
        var collection: String?
        if type.collectionUse != .none {
            collection = r[\.collection] ?? defaultCollection
            if let c = r[\.collection] { checkCollectionName(c, at: r.mark(\.collection)) }
            if type.collectionUse == .required, collection == nil {
                decoder.error(nameNode.mark, .collectionMissing, "'\(kind)' works on a collection, but none is set: add 'collection: NAME' at the top of the scenario or to this step")
            }
        }
        let stepId = id ?? autoId
        let context = StepDecodingContext(decoder: decoder) { node, bindings in
            decoder.withBindings(bindings) {
                var counters: [String: Int] = [:]
                var index = 0
                return decoder.variantList(node, key: "steps", set: StepKinds.topLevel, minimum: 1) { k, n, nested in
                    index += 1
                    counters[k, default: 0] += 1
                    return makeStep(kind: k, nameNode: n, nested, collection: collection ?? defaultCollection,
                                    path: "\(path).\(index)", autoId: "\(stepId)-\(k)\(counters[k]!)", parentKind: kind)
                } ?? []
            }
        }
        if parentKind == ParallelStep.kind {
            if !type.mayRunInParallel {
                let kinds = StepKinds.all.filter { $0.mayRunInParallel }.map { $0.kind }.joined(separator: ", ")
                decoder.error(nameNode.mark, .stepNotParallel, "'\(kind)' steps cannot run inside 'parallel', which runs loads side by side (\(kinds)); put it before or after")
                return nil
            }
        } else if !type.maySweep, parentKind != nil {
            decoder.error(nameNode.mark, .stepNotSweepable, "a '\(kind)' step cannot be nested inside a sweep; put it before or after the sweep")
            return nil
        }
        let spec = Self.decode(type, reader, context)
        if collection == nil, let need = spec.collectionNeed {
            decoder.error(nameNode.mark, .collectionMissing, need)
        }
        return Step(id: stepId, idWasWritten: id != nil, mark: nameNode.mark, collection: collection, spec: spec, path: path)
    }
}
