import Foundation

/// What a step's own checks (`StepSpec.check`) read and add to, following the scenario's steps in
/// order: each collection's schema from its `create` and its index steps so far, the notifiers;
/// and the checks several kinds share (a search against the schema and index, a filter's field
/// names, generated rows against their fields).
public struct ScenarioChecks {
    let decoder: SpecDecoder
    let scenario: Scenario
    /// Each collection's `create`, once one was seen.
    private(set) var creates: [String: CreateStep] = [:]
    /// Each collection's index steps so far (one per vector field, the last one counting).
    private(set) var indexes: [String: [IndexStep]] = [:]

    init(decoder: SpecDecoder, scenario: Scenario) {
        self.decoder = decoder
        self.scenario = scenario
    }

    /// The `create` of a step's collection, when the scenario created it before the step.
    func create(of step: Step) -> CreateStep? { step.collection.flatMap { creates[$0] } }

    /// The collection's fields as its `create` declared them.
    func fields(of step: Step) -> [CreateStep.Field]? { create(of: step)?.fields }

    /// Whether the collection takes keys its schema does not declare.
    func isDynamic(_ step: Step) -> Bool { create(of: step)?.dynamicFields ?? false }

    /// A `create`: later steps on its collection are checked against its schema.
    mutating func created(_ create: CreateStep, for step: Step) {
        guard let collection = step.collection else { return }
        creates[collection] = create
        indexes[collection] = []
    }

    /// An `index` step: later searches of its field are checked against it.
    mutating func indexed(_ index: IndexStep, for step: Step) {
        guard let collection = step.collection else { return }
        indexes[collection, default: []].append(index)
    }

    /// The index a search of `field` uses: the last index step of that vector field.
    func index(of step: Step, field: String?) -> IndexStep? {
        guard let collection = step.collection else { return nil }
        let all = indexes[collection] ?? []
        guard let fields = fields(of: step), let searched = vectorField(field, fields)?.name else { return all.last }
        return all.last { (vectorField($0.field, fields)?.name ?? $0.field) == searched }
    }

    /// A search step's settings against the schema and index; recall only for float top-K.
    func check(_ search: SearchSettings, forSearchStep step: Step, recall: Bool) {
        let fields = fields(of: step)
        check(search, fields, index(of: step, field: search.field), at: step.mark, dynamic: isDynamic(step))
        guard recall else { return }
        if let fields, let field = vectorField(search.field, fields), field.type != .floatVector {
            decoder.error(step.mark, .searchInput, "recall is scored against exact neighbours computed from float vectors, and '\(field.name)' is \(field.type.rawValue)")
        }
        if search.range != nil || search.groupBy != nil || search.iterator != nil {
            let what = search.range != nil ? "a range search" : search.groupBy != nil ? "a grouping search" : "an iterator"
            decoder.error(step.mark, .searchInput, "recall@topK is not scored for \(what) (its hits are not the top K)")
        }
    }

    func check(_ insert: InsertStep, _ fields: [CreateStep.Field]) {
        for g in insert.generators {
            guard let field = fields.first(where: { $0.name == g.field }) else {
                decoder.error(g.mark, .fieldUnknown, "'generate' names field '\(g.field)', which the collection does not have\(Suggestion.hint(for: g.field, in: fields.map(\.name)))")
                continue
            }
            if field.autoId {
                decoder.error(g.mark, .generatorOnAutoId, "field '\(field.name)' has autoId, so Milvus assigns its values; remove its generator")
                continue
            }
            if case .file(let file) = g.generator {
                check(file, rowsFor: field, insert: insert, at: g.mark)
                continue
            }
            if field.functionOutput {
                decoder.error(g.mark, .generatorType, "field '\(field.name)' is filled by the collection's BM25 function from its input text; remove its generator")
                continue
            }
            checkGenerator(g, field)
        }
    }

    /// Whether a generator makes values of the field's type.
    private func checkGenerator(_ g: InsertStep.FieldGenerator, _ field: CreateStep.Field) {
        let isFloat: Bool
        switch g.generator { case .uniform, .gaussian, .clusters: isFloat = true; default: isFloat = false }
        let name = "field '\(field.name)' is \(field.type == .array ? "an array of \(field.elementType?.rawValue ?? "values")" : field.type.rawValue)"
        // What the generator makes a value of: an array's elements.
        let type = field.type == .array ? (field.elementType ?? .int64) : field.type
        switch g.generator {
        case .clusters where !type.isDenseVector:
            decoder.error(g.mark, .generatorType, "'clusters' makes vectors, and \(name)")
            return
        case .sparse where type != .sparseFloatVector:
            decoder.error(g.mark, .generatorType, "'sparse' makes sparse vectors, and \(name)")
            return
        case .words where type != .varchar:
            decoder.error(g.mark, .generatorType, "'words' makes text, and \(name)")
            return
        case .json where type != .json:
            decoder.error(g.mark, .generatorType, "'json' makes JSON objects, and \(name)")
            return
        default: break
        }
        switch type {
        case .floatVector, .float16Vector, .bfloat16Vector, .int8Vector, .binaryVector:
            if !isFloat { decoder.error(g.mark, .generatorType, "\(name); generate it with 'uniform', 'gaussian', 'clusters'\(type == .floatVector ? " or 'file'" : "")") }
        case .sparseFloatVector:
            if case .sparse = g.generator {} else { decoder.error(g.mark, .generatorType, "\(name); generate it with 'sparse: {dim, nonZeros}'") }
        case .json:
            if case .json = g.generator {} else { decoder.error(g.mark, .generatorType, "\(name); generate it with a 'json' template (path: leaf generator)") }
        case .int64, .int32, .int16, .int8:
            if isFloat { decoder.error(g.mark, .generatorType, "\(name); generate it with 'sequence', 'cycle', 'choice' or 'constant'") }
            checkValues(g, field) { ScenarioNumber.parseInteger($0) != nil }
        case .float, .double:
            checkValues(g, field) { ScenarioNumber.parseDouble($0) != nil }
        case .bool:
            if isFloat { decoder.error(g.mark, .generatorType, "\(name); generate it with 'cycle', 'choice' or 'constant' of true/false") }
            checkValues(g, field) { $0 == "true" || $0 == "false" }
        case .varchar, .array:
            break
        }
        if g.normalize, !type.isDenseVector || type == .binaryVector || type == .int8Vector {
            decoder.error(g.mark, .generatorType, "'normalize' applies to float vectors, and \(name)")
        }
        if let length = g.length {
            if field.type != .array {
                decoder.error(g.mark, .generatorArguments, "'length' applies to array fields, and '\(field.name)' is \(field.type.rawValue)")
            } else if let capacity = field.maxCapacity, length.upperBound > capacity {
                decoder.error(g.mark, .generatorArguments, "'length' reaches \(length.upperBound) elements, but '\(field.name)' holds at most \(capacity) (maxCapacity)")
            }
        }
        if g.nullFraction > 0, !field.nullable, field.defaultValue == nil {
            decoder.error(g.mark, .generatorArguments, "'nullFraction' leaves rows null, but '\(field.name)' is not nullable (add 'nullable: true' or a 'defaultValue')")
        }
    }

    /// An insert's `dynamic` keys: the collection must have dynamic fields, and no key may be a field.
    func checkDynamic(_ insert: InsertStep, _ create: CreateStep) {
        guard let first = insert.dynamic.first else { return }
        if !create.dynamicFields {
            decoder.error(first.generator.mark, .generatorType, "'dynamic' keys need a collection with 'dynamicFields: true'")
            return
        }
        for leaf in insert.dynamic where create.fields.contains(where: { $0.name == leaf.path[0] }) {
            decoder.error(leaf.generator.mark, .generatorType, "dynamic key '\(leaf.path[0])' is a field of the collection; generate it under 'generate'")
        }
    }

    /// A data set file for inserted rows: readable, vectors of the field's dimension, enough rows.
    private func check(_ file: DataFile, rowsFor field: CreateStep.Field, insert: InsertStep, at mark: Mark) {
        guard field.type == .floatVector else {
            decoder.error(mark, .generatorType, "'file' gives vectors, and '\(field.name)' is \(field.type.rawValue)")
            return
        }
        if file.neighborsWritten != nil {
            decoder.error(mark, .generatorArguments, "'neighbors' belongs with a search step's query 'vectors', not with inserted rows")
        }
        guard let files = decoder.dataFiles else { return }
        let name = Self.name(file, queries: false)
        do {
            let f = try files.shape(file.path, dataset: file.dataset(queries: false))
            if let dim = field.dim, f.dim != dim {
                decoder.error(mark, .dataFile, "field '\(field.name)' is \(dim)-d, but \(name) holds \(f.dim)-d vectors")
            }
            if insert.rows > 0, f.rows < insert.rows {
                decoder.error(mark, .dataFile, "\(name) holds \(f.rows) rows; the step inserts \(insert.rows) (set 'rows' to at most \(f.rows))")
            }
        } catch {
            decoder.error(mark, .dataFile, Self.message(error, file))
        }
    }

    /// A data set file for query vectors (and its neighbours): readable, the search field's dimension.
    func check(queries file: DataFile, dim: Int?, at mark: Mark) {
        guard let files = decoder.dataFiles else { return }
        let name = Self.name(file, queries: true)
        do {
            let f = try files.shape(file.path, dataset: file.dataset(queries: true))
            if f.rows == 0 {
                decoder.error(mark, .dataFile, "\(name) holds no query vectors")
            }
            if let dim, f.dim != dim {
                decoder.error(mark, .dataFile, "the search field is \(dim)-d, but \(name) holds \(f.dim)-d query vectors")
            }
            if let n = file.neighborsFile(files) {
                let truth = try files.shape(n.path, dataset: n.dataset)
                let shown = "'\(file.neighborsWritten ?? URL(fileURLWithPath: n.path).lastPathComponent)'" + (n.dataset.map { " (dataset '\($0)')" } ?? "")
                if !truth.integers {
                    decoder.error(mark, .dataFile, "the neighbours in \(shown) are not integers; they must be row numbers of the inserted file")
                } else if truth.rows < f.rows {
                    decoder.error(mark, .dataFile, "\(shown) holds neighbours for \(truth.rows) query vectors, but \(name) has \(f.rows)")
                }
            }
        } catch {
            decoder.error(mark, .dataFile, Self.message(error, file))
        }
    }

    /// How messages name a file: as the scenario wrote it, with the HDF5 dataset.
    static func name(_ file: DataFile, queries: Bool) -> String {
        "'\(file.written)'" + (file.dataset(queries: queries).map { " (dataset '\($0)')" } ?? "")
    }

    static func message(_ error: any Error, _ file: DataFile) -> String {
        let text = String(describing: error)
        // The reader names the resolved path; the scenario's reader knows the written one.
        return text.hasPrefix(file.path) ? "'\(file.written)'" + text.dropFirst(file.path.count) : text
    }

    private func checkValues(_ g: InsertStep.FieldGenerator, _ field: CreateStep.Field, _ valid: (String) -> Bool) {
        let values: [String]
        switch g.generator {
        case .cycle(let v), .choice(let v): values = v
        case .constant(let v): values = [v]
        default: return
        }
        if let bad = values.first(where: { !valid($0) }) {
            decoder.error(g.mark, .generatorType, "field '\(field.name)' is \(field.type.rawValue), but the generator yields '\(bad)'")
        }
    }

    func checkVectorField(_ name: String?, _ fields: [CreateStep.Field], at mark: Mark, what: String) {
        let vectors = fields.filter { $0.type.isVector }
        guard let name else {
            if vectors.count > 1 {
                decoder.error(mark, .vectorFieldAmbiguous, "the collection has \(vectors.count) vector fields (\(vectors.map(\.name).joined(separator: ", "))); say which one to \(what) with 'field'")
            }
            return
        }
        guard let field = fields.first(where: { $0.name == name }) else {
            decoder.error(mark, .fieldUnknown, "\(what) names field '\(name)', which the collection does not have\(Suggestion.hint(for: name, in: fields.map(\.name)))")
            return
        }
        if !field.type.isVector {
            decoder.error(mark, .vectorFieldType, "\(what) needs a vector field, and '\(name)' is \(field.type.rawValue)")
        }
    }

    /// The vector field a step uses: named, or the collection's only one.
    func vectorField(_ name: String?, _ fields: [CreateStep.Field]) -> CreateStep.Field? {
        let vectors = fields.filter { $0.type.isVector }
        return name.map { n in vectors.first { $0.name == n } } ?? (vectors.count == 1 ? vectors.first : nil)
    }

    /// The index type and metric must suit the field's vector type.
    func checkIndexType(_ index: IndexStep, _ fields: [CreateStep.Field], at mark: Mark) {
        guard let field = vectorField(index.field, fields) else { return }
        let types = IndexStep.IndexType.allCases.filter { $0.suits(field.type) }
        if index.type != .AUTOINDEX, !index.type.suits(field.type) {
            decoder.error(mark, .indexType, "\(index.type.rawValue) does not index a \(field.type.rawValue) ('\(field.name)'); use one of \(types.map(\.rawValue).joined(separator: ", "))")
        }
        let metrics = IndexStep.MetricType.allCases.filter { $0.suits(field.type, bm25: field.functionOutput) }
        let metric = index.metric(for: field.type, bm25: field.functionOutput)
        if !metric.suits(field.type, bm25: field.functionOutput) {
            decoder.error(mark, .indexType, "metric \(metric.rawValue) does not apply to a \(field.type.rawValue)\(field.functionOutput ? " filled by BM25" : "") ('\(field.name)'); use \(metrics.map(\.rawValue).joined(separator: " or "))")
        }
    }

    func check(_ search: SearchSettings, _ fields: [CreateStep.Field]?, _ index: IndexStep?, at mark: Mark, dynamic: Bool = false) {
        if case .file(let file) = search.vectors?.generator {
            let vectorFields = (fields ?? []).filter { $0.type == .floatVector }
            let field = search.field.map { name in vectorFields.first { $0.name == name } } ?? (vectorFields.count == 1 ? vectorFields.first : nil)
            check(queries: file, dim: field?.dim, at: search.vectors!.mark)
        }
        if let fields {
            checkVectorField(search.field, fields, at: mark, what: "search")
            checkFieldNames(search.outputFields, fields, key: "outputFields", at: mark, dynamic: dynamic)
            if let filter = search.filter { checkFilter(filter, fields, at: search.filterMark ?? mark, what: "search", dynamic: dynamic) }
        }
        let field = fields.flatMap { vectorField(search.field, $0) }
        if let fields, let field { checkInputs(search, field, fields, index, at: mark) }
        let indexMetric = field.map { index?.metric(for: $0.type, bm25: $0.functionOutput) } ?? index?.metric
        if let indexMetric, let metric = search.metric, metric != indexMetric {
            decoder.error(mark, .metricMismatch, "the search uses metric \(metric.rawValue) but the index was built with \(indexMetric.rawValue)")
        }
        if let index, let nlist = index.params.first(where: { $0.name == "nlist" }).flatMap({ Int($0.value) }),
           let nprobe = search.params.first(where: { $0.name == "nprobe" }), let n = Int(nprobe.value), n > nlist {
            decoder.warning(nprobe.mark, .indexParameter, "nprobe \(n) is larger than the index's nlist \(nlist); the server probes at most nlist lists")
        }
    }

    /// What a search looks for must suit the field; range and group-by must make sense.
    private func checkInputs(_ search: SearchSettings, _ field: CreateStep.Field, _ fields: [CreateStep.Field], _ index: IndexStep?, at mark: Mark) {
        if search.text != nil, !field.functionOutput {
            decoder.error(search.text!.mark, .searchInput, "'text' searches the sparse output of a BM25 function, and '\(field.name)' is not one (name it with 'field')")
        }
        if search.text == nil, field.functionOutput {
            decoder.error(mark, .searchInput, "'\(field.name)' is filled by BM25 from text; search it with query texts ('text: {words: …}'), not vectors")
        }
        if let v = search.vectors {
            if case .sparse = v.generator, field.type != .sparseFloatVector {
                decoder.error(v.mark, .searchInput, "'sparse' query vectors need a sparseFloatVector field, and '\(field.name)' is \(field.type.rawValue)")
            }
            if field.type == .sparseFloatVector, !field.functionOutput {
                if case .sparse = v.generator {} else {
                    decoder.error(v.mark, .searchInput, "'\(field.name)' is a sparseFloatVector; generate its query vectors with 'sparse: {dim, nonZeros}'")
                }
            }
            if case .file = v.generator, field.type != .floatVector {
                decoder.error(v.mark, .searchInput, "query vectors from a 'file' need a floatVector field, and '\(field.name)' is \(field.type.rawValue)")
            }
        } else if field.type == .sparseFloatVector, !field.functionOutput {
            decoder.error(mark, .searchInput, "'\(field.name)' is a sparseFloatVector; say how to make its query vectors with 'vectors: {sparse: {dim, nonZeros}}'")
        }
        if let g = search.groupBy {
            if let f = fields.first(where: { $0.name == g.field }) {
                if !(f.type.isInteger || f.type == .bool || f.type == .varchar) {
                    decoder.error(g.mark, .searchInput, "'groupBy' needs an integer, bool or varchar field, and '\(f.name)' is \(f.type.rawValue)")
                }
            } else {
                decoder.error(g.mark, .fieldUnknown, "'groupBy' names field '\(g.field)', which the collection does not have\(Suggestion.hint(for: g.field, in: fields.map(\.name)))")
            }
        }
        if let r = search.range, let inner = r.rangeFilter {
            let metric = search.metric ?? index?.metric(for: field.type, bm25: field.functionOutput)
                ?? IndexStep.defaultMetric(for: field.type, bm25: field.functionOutput)
            let smallerIsCloser = [.L2, .HAMMING, .JACCARD].contains(metric)
            if smallerIsCloser, inner >= r.radius {
                decoder.error(r.mark, .searchInput, "with \(metric.rawValue) smaller distances are closer, so 'rangeFilter' (\(ScenarioNumber.format(inner))) must be below 'radius' (\(ScenarioNumber.format(r.radius)))")
            } else if !smallerIsCloser, inner <= r.radius {
                decoder.error(r.mark, .searchInput, "with \(metric.rawValue) larger scores are closer, so 'rangeFilter' (\(ScenarioNumber.format(inner))) must be above 'radius' (\(ScenarioNumber.format(r.radius)))")
            }
        }
    }

    /// Every name must be one of the collection's fields.
    /// (With dynamic fields any name may be a dynamic key.)
    func checkFieldNames(_ names: [String], _ fields: [CreateStep.Field], key: String, at mark: Mark, dynamic: Bool = false) {
        for name in names where !dynamic && !fields.contains(where: { $0.name == name }) {
            decoder.error(mark, .fieldUnknown, "'\(key)' names '\(name)', which the collection does not have\(Suggestion.hint(for: name, in: fields.map(\.name)))")
        }
    }

    /// The field names a filter expression uses must be the collection's.
    func checkFilter(_ filter: String, _ fields: [CreateStep.Field], at mark: Mark, what: String, dynamic: Bool = false) {
        for (name, _) in FilterFields.names(in: filter) where !dynamic && !fields.contains(where: { $0.name == name }) {
            decoder.error(mark, .fieldUnknown,
                          "'filter' names '\(name)', which the collection does not have (Milvus would reject every \(what))\(Suggestion.hint(for: name, in: fields.map(\.name)))")
        }
    }

    /// A streaming insert without `rows` ends only with its `parallel`.
    func checkEnd(_ rows: InsertStep, _ step: Step) {
        if rows.endless, rows.rate != nil, !rows.untilEnd {
            decoder.error(step.mark, .parallelEnd, "an '\(step.kind)' step with 'rate' but no 'rows' streams until a 'parallel' step ends it; outside one, give 'rows'")
        }
    }
}
