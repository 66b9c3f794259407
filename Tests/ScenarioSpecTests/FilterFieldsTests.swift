import Testing
@testable import ScenarioSpec

@Suite("filter field names")
struct FilterFieldsTests {
    static func names(_ e: String) -> [String] { FilterFields.names(in: e).map(\.name) }

    @Test("fields are found; literals, numbers, keywords and function names are not")
    func scan() {
        #expect(Self.names(#"category == "books" and price > 1.5e3"#) == ["category", "price"])
        #expect(Self.names(#"title like 'a "b" and c%' OR NOT flag"#) == ["title", "flag"])
        #expect(Self.names("json_contains(tags, \"x\") && array_length (ids) < 3") == ["tags", "ids"])
        #expect(Self.names(#"meta["owner"] == "x" and list[0] in [1, 2, 3] and id IN [4]"#) == ["meta", "list", "id"])
        #expect(Self.names("score >= -2.5E-3 and score < .5 and x_1 != 1_000") == ["score", "x_1"])
        #expect(Self.names(#"note == "it\"s" and a is null"#) == ["note", "a"])
        #expect(Self.names("true") == [])
    }

    @Test("offsets point at each name's first use")
    func offsets() {
        let found = FilterFields.names(in: "a > 1 and bb < 2 and a < 9")
        #expect(found.map(\.offset) == [0, 10])
    }
}
