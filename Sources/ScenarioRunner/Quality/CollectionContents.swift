import MilvusClient
import ScenarioSpec

/// What this run put into a collection, so its rows can be made again (for ground truth): the
/// insert steps that filled it, never the rows themselves. Known only for a collection the
/// scenario created; any other collection holds rows the tool cannot know.
struct CollectionContents: Sendable {
    struct Part: Sendable {
        var insert: InsertStep
        var schema: CollectionSchema
        var rows: Int
    }

    var parts: [Part] = []
    /// Changes with every insert, so ground truth is reused only for the same rows.
    var version = 0
    var rows: Int { parts.reduce(0) { $0 + $1.rows } }
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

extension RunContext {
    /// `create` made the collection: it is empty and its rows will be known.
    func created(_ collection: String) {
        contents.withLock { $0[collection] = CollectionContents(version: ($0[collection]?.version ?? 0) + 1) }
    }

    /// `insert` added `rows` rows made by `step`'s generators.
    func inserted(_ collection: String, by step: InsertStep, schema: CollectionSchema, rows: Int) {
        contents.withLock { all in
            guard var c = all[collection] else { return }
            c.parts.append(.init(insert: step, schema: schema, rows: rows))
            c.version += 1
            all[collection] = c
        }
    }

    /// `upsert` or `delete` changed rows in place (or a watch's `writes` added rows of its own):
    /// what the collection holds can no longer be made again from the insert steps, so recall is
    /// not scored against it.
    func rewritten(_ collection: String) {
        _ = contents.withLock { $0.removeValue(forKey: collection) }
    }

    func dropped(_ collection: String) {
        _ = contents.withLock { $0.removeValue(forKey: collection) }
    }

    /// What the collection holds, when this run made all of it.
    func contents(of collection: String) -> CollectionContents? {
        contents.withLock { $0[collection] }
    }
}
