import Foundation
import Testing
@testable import ScenarioSpec

/// The model, the reference document and the JSON Schema are one thing seen three ways.
@Suite("model consistency")
struct ModelConsistencyTests {
    @Test("docs/scenario-reference.md is the generated reference (run `make docs` after changing the model)")
    func referenceIsCurrent() throws {
        let committed = try TestSupport.read("docs/scenario-reference.md")
        let generated = ReferenceDocument.generate()
        #expect(committed == generated)
    }

    @Test("docs/scenario.schema.json is the generated schema (run `make docs` after changing the model)")
    func schemaIsCurrent() throws {
        let committed = try TestSupport.read("docs/scenario.schema.json")
        #expect(committed == ScenarioJSONSchema.generate().rendered() + "\n")
    }

    @Test("the reference names every step kind, key and metric")
    func referenceCoversModel() {
        let doc = ReferenceDocument.generate()
        for type in StepKinds.all {
            #expect(doc.contains("### \(type.kind) step"))
            for key in type.keys { #expect(doc.contains("| `\(key.name)` |")) }
            for metric in type.metrics { #expect(doc.contains("| `\(metric.name)` |")) }
        }
    }

    @Test("a scenario using every key decodes with every key read")
    func everyKeyIsRead() throws {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("valid/everything.yaml")
        let outcome = ScenarioLoader.load(path: url.path, environment: [:], displayName: "everything.yaml")
        #expect(TestSupport.lines(outcome) == [])
        #expect(outcome.unreadKeys == [])
        let s = try #require(outcome.scenario)
        #expect(s.steps.count == 12)
        #expect(s.target.tls?.serverName == "milvus.internal")
        let watch = try #require(s.steps.compactMap { $0.spec as? WatchStep }.first)
        #expect(watch.rules.first?.recover == Command(argv: ["systemctl restart milvus"], shell: true, mark: watch.rules[0].recover!.mark))
        #expect(watch.rules.first?.when.anyOf.count == 2)
    }

    @Test("a scenario using every key of today's field types, generators and step kinds decodes with every key read")
    func everyTodayKeyIsRead() throws {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("valid/today.yaml")
        let outcome = ScenarioLoader.load(path: url.path, environment: [:], displayName: "today.yaml")
        #expect(TestSupport.lines(outcome) == [])
        #expect(outcome.unreadKeys == [])
        let s = try #require(outcome.scenario)
        let create = try #require(s.steps.compactMap { $0.spec as? CreateStep }.first)
        #expect(create.fields.first { $0.name == "sparse" }?.functionOutput == true)
        #expect(create.fields.first { $0.name == "rating" }?.defaultValue == "3")
        let insert = try #require(s.steps.compactMap { $0.spec as? InsertStep }.first)
        let meta = try #require(insert.generators.first { $0.field == "meta" })
        guard case .json(let leaves) = meta.generator else { Issue.record("meta is not a json generator"); return }
        #expect(leaves.map(\.path) == [["source"], ["stats", "views"], ["stats", "score"], ["title"], ["flag"], ["n"]])
        #expect(insert.generators.first { $0.field == "tags" }?.length == 0...4)
        #expect(insert.generators.first { $0.field == "rating" }?.nullFraction == 0.2)
        #expect(insert.dynamic.map(\.path) == [["color"], ["weight"]])
        let hybrids = s.steps.compactMap { $0.spec as? HybridSearchStep }
        #expect(hybrids.map(\.ranker) == [.rrf(k: 40), .weighted([0.6, 0.4])])
        #expect(hybrids.first?.searches.map(\.field) == ["dense", "sparse"])
        #expect(hybrids.first?.searches.last?.text != nil)
        #expect(Set(s.stepsRunOnce.flatMap { $0.spec.serverNeeds.map(\.name) }) == [
            "HybridSearch", "full-text search (Milvus 2.5+)", "group-by search (Milvus 2.4+)", "sparseFloatVector fields",
            "float16Vector fields", "bfloat16Vector fields", "int8Vector fields", "binaryVector fields", "json fields", "array fields",
            "nullable fields", "field default values", "partition keys", "clustering keys", "dynamic fields", "BM25 functions",
            "several vector fields in one collection",
            "Upsert", "Delete",
        ])
    }

    @Test("every default is a valid value of its kind")
    func defaultsParse() {
        for spec in Self.allObjectSpecs() {
            for key in spec.keys {
                guard case .defaultValue(let text) = key.presence else { continue }
                let decoder = SpecDecoder(scope: VariableScope())
                if key.kind.isCollection {
                    let root = YAMLReader.read(text, file: "default").root
                    #expect(root != nil, "\(spec.name).\(key.name)")
                } else {
                    let value = decoder.convert(.scalar(text, at: Mark(file: "d", line: 1, column: 1)), key.kind, key: key.name)
                    #expect(value != nil, "\(spec.name).\(key.name) default '\(text)': \(decoder.sink.diagnostics)")
                }
            }
        }
    }

    @Test("names are unique and documented")
    func names() {
        let specs = Self.allObjectSpecs()
        #expect(Set(specs.map(\.name)).count == specs.count)
        #expect(Set(StepKinds.all.map { $0.kind }).count == StepKinds.all.count)
        for spec in specs {
            #expect(Set(spec.keys.map(\.name)).count == spec.keys.count, "\(spec.name)")
            for key in spec.keys { #expect(!key.doc.isEmpty, "\(spec.name).\(key.name)") }
        }
        for type in StepKinds.all {
            #expect(!type.metrics.isEmpty, "\(type.kind)")
            #expect(Set(type.metrics.map(\.name)).count == type.metrics.count, "\(type.kind)")
        }
        #expect(Set(WatchStep.signals.map(\.name)).count == WatchStep.signals.count)
    }

    /// Every object spec reachable from the top level.
    static func allObjectSpecs() -> [ObjectSpec] {
        var out: [ObjectSpec] = []
        var seen: Set<String> = []
        var pending = [Scenario.spec]
        func visit(_ kind: ValueKind) {
            switch kind {
            case .object(let s): pending.append(s)
            case .variant(let set): pending += set.variants
            case .list(let item, _), .map(let item), .oneOrMore(let item): visit(item)
            default: break
            }
        }
        while !pending.isEmpty {
            let spec = pending.removeFirst()
            guard seen.insert(spec.name).inserted else { continue }
            out.append(spec)
            spec.keys.forEach { visit($0.kind) }
        }
        return out
    }
}
