import Foundation
import Testing
@testable import ScenarioSpec

/// Keys are declared once, as stored properties of a `KeySet`; the specs the decoder, the schema
/// and the reference use are made from those declarations.
@Suite("key declarations")
struct KeyDeclarationTests {
    @Test("a KeySet's specs are its stored keys in order, groups inline, absent optional keys left out")
    func specsFromDeclarations() {
        #expect(InsertStep.LeafKeys.specs.map(\.name) == ["uniform", "gaussian", "sequence", "cycle", "choice", "constant", "words", "seed"])
        #expect(SearchSettings.TextKeys.specs.map(\.name) == ["cycle", "choice", "constant", "words", "seed"])
        #expect(ConcurrentSearchStep.keys.map(\.name).prefix(12) == ["queries", "duration", "concurrency", "rate", "warmup", "stages", "startRate",
                                                                      "intervalHistograms", "faults", "nodeTraffic", "nodeTrafficInterval", "recall"])
        #expect(UpsertStep.keys.map(\.name) == InsertStep.keys.map(\.name))
    }

    @Test("every key a constraint names is one its mapping declares")
    func constraintsNameDeclaredKeys() {
        func names(_ c: KeyConstraint) -> [String] {
            switch c {
            case .exactlyOne(let n), .atMostOne(let n): return n
            }
        }
        var specs: [ObjectSpec] = StepKinds.all.map(StepKinds.objectSpec)
        specs += [Scenario.spec, Target.spec, InsertStep.generatorSpec, SearchSettings.vectorSpec, CreateStep.fieldSpec,
                  InsertStep.leafInfo.spec(InsertStep.LeafKeys.self), SearchSettings.textInfo.spec(SearchSettings.TextKeys.self)]
        for spec in specs {
            for constraint in spec.constraints {
                let n = names(constraint)
                #expect(n.count >= 2, "\(spec.name): a constraint over \(n)")
                for name in n { #expect(spec.key(name) != nil, "\(spec.name)'s constraint names '\(name)', which it does not declare") }
            }
        }
    }

    @Test("one name, one declaration: no mapping declares a key twice")
    func uniqueNames() {
        for type in StepKinds.all {
            let names = StepKinds.objectSpec(type).keys.map(\.name)
            #expect(Set(names).count == names.count, "\(type.kind): \(names)")
        }
    }
}
