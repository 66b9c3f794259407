import Foundation
import MilvusClient
import Primitives
import ScenarioSpec
import VectorFiles

/// Makes the values of one field, batch after batch, deterministically for its seed.
/// Memory stays proportional to one batch however many rows are generated.
public struct FieldValueGenerator: Sendable {
    public let field: FieldSchema
    let generator: InsertStep.Generator
    let normalize: Bool
    var random: SeededRandom
    var spare: Double?
    var row = 0
    /// `clusters`: the centres, made once (count × dim).
    var centres: [Float] = []
    /// `file`: query vectors (a file's `test` rows, used over again) rather than inserted rows.
    let queries: Bool
    /// `file`: opened at the first batch.
    var file: VectorFile?
    /// (arrays) Elements per row.
    let length: ClosedRange<Int>
    /// (nullable fields) Share of null rows, and the generator deciding which.
    let nullFraction: Double
    var nulls: SeededRandom
    /// `words`: the vocabulary and its cumulative Zipf weights, made once.
    var vocabulary: Vocabulary?
    /// `json`: one generator per leaf, and the template they fill.
    var leaves: [FieldValueGenerator] = []
    var template: JSONTemplate?
    /// (arrays) The elements' generator.
    var elements: [FieldValueGenerator] = []

    public init(field: FieldSchema, generator: InsertStep.Generator?, seed: UInt64, normalize: Bool = false, queries: Bool = false,
                length: ClosedRange<Int>? = nil, nullFraction: Double = 0) {
        self.field = field
        let generator = generator ?? Self.defaultGenerator(for: field)
        self.generator = generator
        self.normalize = normalize
        self.random = SeededRandom(seed: seed)
        self.nulls = SeededRandom(seed: seed ^ 0x6E75_6C6C)
        self.queries = queries
        self.nullFraction = nullFraction
        if case .array(let element, let capacity) = field.type {
            self.length = length ?? 1...max(1, capacity)
            elements = [FieldValueGenerator(field: FieldSchema(field.name, element), generator: generator, seed: seed &+ 1)]
        } else {
            self.length = length ?? 1...1
        }
        if case .words(let size, _) = generator { vocabulary = Vocabulary(size) }
        if case .json(let paths) = generator {
            template = JSONTemplate(paths.map(\.path))
            leaves = paths.enumerated().map { i, leaf in
                FieldValueGenerator(field: FieldSchema(leaf.path.joined(separator: "."), .json), generator: leaf.generator.generator,
                                    seed: UInt64(leaf.generator.seed ?? Int(truncatingIfNeeded: seed &+ UInt64(i) &+ 1)))
            }
        }
    }

    /// A field's generator as a step's `generate` entry sets it up.
    public init(field: FieldSchema, settings g: InsertStep.FieldGenerator?, seed: UInt64) {
        self.init(field: field, generator: g?.generator, seed: seed, normalize: g?.normalize ?? false, length: g?.length,
                  nullFraction: g?.nullFraction ?? 0)
    }

    /// What a field without a generator gets: vectors uniform in [0, 1), integers a sequence,
    /// text `<field>_<n>` (made-up words for a field with an analyzer), booleans alternating,
    /// floats uniform in [0, 1), sparse vectors 20 of 1,000 dimensions, JSON `{"i": n}`.
    static func defaultGenerator(for field: FieldSchema) -> InsertStep.Generator {
        switch field.type {
        case .float, .double: return .uniform(low: 0, high: 1)
        case .bool: return .cycle(["true", "false"])
        case .sparseFloatVector: return .sparse(dim: 1000, nonZeros: 20)
        case .varchar where field.analyzer != nil: return .words(vocabulary: 1000, length: 5...20)
        case .json:
            let mark = Mark(file: "", line: 0, column: 0)
            return .json([InsertStep.JSONLeaf(path: ["i"], generator: .init(field: "i", generator: .sequence(start: 0), seed: nil, normalize: false, mark: mark))])
        case .array(let element, _): return defaultGenerator(for: FieldSchema(field.name, element))
        default: return field.type.isVector ? .uniform(low: 0, high: 1) : .sequence(start: 0)
        }
    }

    /// The next `count` rows as a column: for a nullable field with `nullFraction`, the values of
    /// the rows that are not null and which those are.
    public mutating func nextColumn(_ count: Int) throws -> Column {
        guard nullFraction > 0 else { return Column(field.name, try next(count), isDynamic: field.isDynamic) }
        let valid = (0..<count).map { _ in nulls.unitDouble() >= nullFraction }
        return Column(field.name, try next(valid.lazy.filter { $0 }.count), valid: valid)
    }

    /// The next `count` values as a column. Only a data set `file` can fail (unreadable, or a
    /// dimension other than the field's).
    public mutating func next(_ count: Int) throws -> ColumnData {
        defer { row += count }
        if case .file(let source) = generator {
            return try fromFile(source, count)
        }
        switch field.type {
        case .floatVector(let dim): return .floatVector(dim: dim, values: floats(count, dim: dim))
        case .float16Vector(let dim): return .float16Vector(dim: dim, bytes: VectorEncoding.float16(floats(count, dim: dim)))
        case .bfloat16Vector(let dim): return .bfloat16Vector(dim: dim, bytes: VectorEncoding.bfloat16(floats(count, dim: dim)))
        case .int8Vector(let dim): return .int8Vector(dim: dim, values: floats(count, dim: dim).map(Self.int8))
        case .binaryVector(let dim): return .binaryVector(dim: dim, bytes: VectorEncoding.binary(floats(count, dim: dim).map { $0 >= 0.5 }))
        case .sparseFloatVector: return .sparseFloatVector((0..<count).map { _ in nextSparse() })
        case .float: return .float((0..<count).map { _ in nextFloat() })
        case .double: return .double((0..<count).map { i in nextNumber(row + i) })
        case .int64: return .int64((0..<count).map { i in Int64(nextNumber(row + i)) })
        case .int32: return .int32((0..<count).map { i in Int32(truncatingIfNeeded: Int(nextNumber(row + i))) })
        case .int16: return .int16((0..<count).map { i in Int32(Int16(truncatingIfNeeded: Int(nextNumber(row + i)))) })
        case .int8: return .int8((0..<count).map { i in Int32(Int8(truncatingIfNeeded: Int(nextNumber(row + i)))) })
        case .bool: return .bool((0..<count).map { i in nextText(row + i) == "true" })
        case .varchar(let maxLength):
            return .varchar((0..<count).map { i in Self.prefix(nextText(row + i), bytes: maxLength) })
        case .json:
            return .json(try (0..<count).map { _ in Data(try nextJSON().utf8) })
        case .array(let element, _):
            let lengths = (0..<count).map { _ in length.lowerBound + Int(random.next() % UInt64(length.count)) }
            let values = try elements[0].next(lengths.reduce(0, +))
            var start = 0
            return .array(element: element, rows: lengths.map { n in
                defer { start += n }
                return values.rows(start..<(start + n))
            })
        }
    }

    /// `count` dense vectors of floats, row after row.
    mutating func floats(_ count: Int, dim: Int) -> [Float] {
        var values = [Float]()
        values.reserveCapacity(count * dim)
        if case .clusters(let n, _) = generator, centres.isEmpty { centres = Self.centres(n, dim: dim) }
        for _ in 0..<count {
            let start = values.count
            if case .clusters(let n, let spread) = generator {
                let c = Int(random.next() % UInt64(n)) * dim
                for d in 0..<dim { values.append(centres[c + d] + Float(spread * random.gaussian(spare: &spare))) }
            } else {
                for _ in 0..<dim { values.append(nextFloat()) }
            }
            if normalize { Self.normalize(&values, from: start, dim: dim) }
        }
        return values
    }

    /// A float as an int8 vector component: round(127 × value), clamped to [-128, 127].
    static func int8(_ v: Float) -> Int8 {
        let scaled = (v * 127).rounded()
        return scaled.isNaN ? 0 : Int8(max(-128, min(127, scaled)))
    }

    /// The longest prefix of `text` that fits in `bytes` UTF-8 bytes without splitting a character.
    static func prefix(_ text: String, bytes: Int) -> String {
        guard text.utf8.count > bytes else { return text }
        var out = ""
        var used = 0
        for c in text {
            let n = c.utf8.count
            if used + n > bytes { break }
            out.append(c)
            used += n
        }
        return out
    }

    /// `sparse`: distinct indices (Floyd's sampling), values uniform in (0, 1].
    mutating func nextSparse() -> SparseVector {
        guard case .sparse(let dim, let nonZeros) = generator else { return SparseVector([]) }
        var chosen = Set<UInt32>()
        chosen.reserveCapacity(nonZeros)
        for j in (dim - nonZeros)..<dim {
            let t = UInt32(random.next() % UInt64(j + 1))
            chosen.insert(chosen.contains(t) ? UInt32(j) : t)
        }
        // Sorted first: a Set's order changes from process to process, and values follow it.
        return SparseVector(chosen.sorted().map { ($0, 1 - random.unitFloat()) })
    }

    /// `json`: one object from the leaves' next values.
    mutating func nextJSON() throws -> String {
        guard let template else { return "{}" }
        let values = leaves.indices.map { leaves[$0].nextLeaf() }
        return template.render(values)
    }

    /// A JSON leaf's next value as JSON text: numbers from numeric generators, booleans and
    /// numbers from lists when the item is one, text otherwise.
    mutating func nextLeaf() -> String {
        defer { row += 1 }
        switch generator {
        case .uniform, .gaussian: return Self.json(number: nextNumber(row))
        case .sequence(let start): return String(start + row)
        default:
            let text = nextText(row)
            if text == "true" || text == "false" { return text }
            if let n = Double(text), n.isFinite, text.first != "+", !text.hasPrefix("0") || text == "0" || text.hasPrefix("0.") { return text }
            return JSONText.quote(text)
        }
    }

    static func json(number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
    /// Opens a data set file and checks that it fits: the field's dimension and, for inserted
    /// rows, at least `rows` of them. Other generators have nothing to check.
    public mutating func prepare(rows: Int) throws {
        guard case .file(let source) = generator else { return }
        _ = try fromFile(source, 0)
        if !queries, rows > 0, file!.rows < rows {
            throw VectorFileError("'\(source.written)'\(file!.dataset.map { " (dataset '\($0)')" } ?? "") holds \(file!.rows) rows; the step inserts \(rows)")
        }
    }

    /// The rows of the data set file, once `prepare` opened it; nil for other generators.
    public var fileRows: Int? { file?.rows }

    /// The next `count` rows of a data set file; query vectors start over at the file's end.
    mutating func fromFile(_ source: DataFile, _ count: Int) throws -> ColumnData {
        guard case .floatVector(let dim) = field.type else {
            throw VectorFileError("'\(source.written)' gives vectors, and '\(field.name)' is not a vector field")
        }
        if file == nil { file = try source.open(queries: queries) }
        let f = file!
        guard f.dim == dim else {
            throw VectorFileError("'\(field.name)' is \(dim)-d, but '\(source.written)'\(f.dataset.map { " (dataset '\($0)')" } ?? "") holds \(f.dim)-d vectors")
        }
        guard queries else {
            guard row + count <= f.rows else {
                throw VectorFileError("'\(source.written)' holds \(f.rows) rows; rows \(row)..<\(row + count) were asked for")
            }
            return .floatVector(dim: dim, values: try f.floats(row..<(row + count)))
        }
        guard f.rows > 0 || count == 0 else {
            throw VectorFileError("'\(source.written)'\(f.dataset.map { " (dataset '\($0)')" } ?? "") holds no query vectors")
        }
        var values: [Float] = []
        values.reserveCapacity(count * dim)
        var done = 0
        while done < count {
            let start = (row + done) % f.rows
            let n = min(count - done, f.rows - start)
            values += try f.floats(start..<(start + n))
            done += n
        }
        return .floatVector(dim: dim, values: values)
    }

    mutating func nextFloat() -> Float {
        switch generator {
        case .uniform(let low, let high): return Float(low) + random.unitFloat() * Float(high - low)
        case .gaussian(let mean, let stddev): return Float(mean + stddev * random.gaussian(spare: &spare))
        case .constant(let v): return Float(v) ?? 0
        default: return random.unitFloat()
        }
    }

    mutating func nextNumber(_ i: Int) -> Double {
        switch generator {
        case .sequence(let start): return Double(start + i)
        case .uniform(let low, let high): return low + random.unitDouble() * (high - low)
        case .gaussian(let mean, let stddev): return mean + stddev * random.gaussian(spare: &spare)
        case .clusters, .file, .sparse, .words, .json: return random.unitDouble()  // not numbers (validation says so)
        case .cycle(let values): return Double(values[i % values.count]) ?? 0
        case .choice(let values): return Double(values[Int(random.next() % UInt64(values.count))]) ?? 0
        case .constant(let v): return Double(v) ?? 0
        }
    }

    mutating func nextText(_ i: Int) -> String {
        switch generator {
        case .words(_, let length):
            let n = length.lowerBound + Int(random.next() % UInt64(length.count))
            return (0..<n).map { _ in vocabulary!.word(random.unitDouble()) }.joined(separator: " ")
        case .sequence(let start): return field.type == .bool ? ((start + i) % 2 == 0 ? "true" : "false") : "\(field.name)_\(start + i)"
        case .cycle(let values): return values[i % values.count]
        case .choice(let values): return values[Int(random.next() % UInt64(values.count))]
        case .constant(let v): return v
        case .uniform(let low, let high): return String(low + random.unitDouble() * (high - low))
        case .gaussian(let mean, let stddev): return String(mean + stddev * random.gaussian(spare: &spare))
        case .clusters, .file, .sparse, .json: return String(random.unitDouble())  // not text (validation says so)
        }
    }

    /// The centres of `clusters`: standard gaussian vectors from a seed that depends only on
    /// their count and dimension, so rows and query vectors share them.
    static func centres(_ count: Int, dim: Int) -> [Float] {
        var random = SeededRandom(seed: 0xC1_5EED ^ UInt64(count) &* 1_000_003 ^ UInt64(dim))
        var spare: Double?
        return (0..<(count * dim)).map { _ in Float(random.gaussian(spare: &spare)) }
    }

    static func normalize(_ values: inout [Float], from start: Int, dim: Int) {
        var norm: Float = 0
        for k in start..<(start + dim) { norm += values[k] * values[k] }
        norm = norm.squareRoot()
        guard norm > 0 else { return }
        for k in start..<(start + dim) { values[k] /= norm }
    }
}

extension InsertStep {
    /// The value generator of each field the step fills (all but an auto-ID key and a function's
    /// output), seeded the way `insert` seeds them, so the same scenario makes the same rows
    /// every time; last, the dynamic field's, when the step generates `dynamic` keys.
    func valueGenerators(for schema: CollectionSchema) -> [FieldValueGenerator] {
        var all: [FieldValueGenerator] = schema.fields.enumerated().compactMap { i, field in
            guard field.isWritten else { return nil }
            let g = generators.first { $0.field == field.name }
            return FieldValueGenerator(field: field, settings: g, seed: UInt64(g?.seed ?? (seed + i)))
        }
        if !dynamic.isEmpty {
            all.append(FieldValueGenerator(field: FieldSchema("$meta", .json, isDynamic: true), generator: .json(dynamic),
                                           seed: UInt64(seed + schema.fields.count)))
        }
        return all
    }
}
