import Foundation
import MilvusClient
import ScenarioSpec

/// Query vectors for search steps, from the same generator family.
public struct QueryVectors: Sendable {
    var generator: FieldValueGenerator
    let dim: Int

    /// `seedOffset` shifts the seed (`run --shard`: each shard its own queries).
    public init(dim: Int, settings: InsertStep.FieldGenerator?, defaultSeed: UInt64 = 7, seedOffset: Int = 0) {
        self.dim = dim
        let field = FieldSchema("query", .floatVector(dim: dim))
        let seed = UInt64(settings?.seed ?? Int(defaultSeed)) &+ UInt64(seedOffset)
        generator = FieldValueGenerator(field: field, generator: settings?.generator,
                                        seed: seed, normalize: settings?.normalize ?? false, queries: true)
    }

    /// `count` vectors.
    public mutating func next(_ count: Int) throws -> [[Float]] {
        guard case .floatVector(_, let values) = try generator.next(count) else { return [] }
        return (0..<count).map { Array(values[($0 * dim)..<(($0 + 1) * dim)]) }
    }
}

/// The queries of a search step: vectors of the searched field's type (float vectors generated,
/// then converted like inserted rows), sparse vectors, or texts for full-text search.
public struct QueryInputs: Sendable {
    enum Source: Sendable {
        case dense(QueryVectors, FieldType)
        case generated(FieldValueGenerator)
    }

    var source: Source

    public init(field: FieldSchema, settings: SearchSettings) {
        let seed = UInt64(settings.vectors?.seed ?? settings.text?.seed ?? 7) &+ UInt64(settings.seedOffset)
        if let text = settings.text {
            source = .generated(FieldValueGenerator(field: FieldSchema("text", .varchar(maxLength: 65535)), generator: text.generator,
                                                    seed: seed, queries: true))
        } else if field.type == .sparseFloatVector {
            source = .generated(FieldValueGenerator(field: field, generator: settings.vectors?.generator, seed: seed, queries: true))
        } else {
            source = .dense(QueryVectors(dim: field.type.vectorDimension ?? 0, settings: settings.vectors, seedOffset: settings.seedOffset), field.type)
        }
    }

    /// The next request's `count` queries.
    public mutating func next(_ count: Int) throws -> SearchInput {
        switch source {
        case .dense(var vectors, let type):
            defer { source = .dense(vectors, type) }
            return SearchInput(try vectors.next(count), as: type)
        case .generated(var generator):
            defer { source = .generated(generator) }
            switch try generator.next(count) {
            case .sparseFloatVector(let rows): return .sparse(rows)
            case .varchar(let texts): return .text(texts)
            default: return .float([])
            }
        }
    }
}

extension SearchInput {
    /// Float query vectors in the encoding of a field of `type` (as inserted rows are converted).
    public init(_ vectors: [[Float]], as type: FieldType) {
        switch type {
        case .float16Vector: self = .float16(vectors.map(VectorEncoding.float16))
        case .bfloat16Vector: self = .bfloat16(vectors.map(VectorEncoding.bfloat16))
        case .int8Vector: self = .int8(vectors.map { $0.map(FieldValueGenerator.int8) })
        case .binaryVector: self = .binary(vectors.map { VectorEncoding.binary($0.map { $0 >= 0.5 }) })
        default: self = .float(vectors)
        }
    }
}
