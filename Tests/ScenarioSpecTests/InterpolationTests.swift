import Testing
@testable import ScenarioSpec

@Suite("variables")
struct InterpolationTests {
    let scope = VariableScope(commandLine: ["ROWS": "5"], vars: ["ROWS": "7", "dim": "128"],
                              environment: ["ROWS": "9", "HOME": "/root", "EMPTY": ""])

    func expand(_ text: String, _ scope: VariableScope? = nil) -> String? {
        try? Interpolation.expand(text, in: scope ?? self.scope).get().text
    }

    @Test("lookup order: --var, then vars:, then the environment")
    func precedence() {
        #expect(expand("${ROWS}") == "5")
        #expect(expand("${dim}") == "128")
        #expect(expand("${HOME}/x") == "/root/x")
        let noCommandLine = VariableScope(vars: ["ROWS": "7"], environment: ["ROWS": "9"])
        #expect(expand("${ROWS}", noCommandLine) == "7")
    }

    @Test("defaults, required variables and escapes")
    func forms() {
        #expect(expand("${MISSING:-http://127.0.0.1:19530}") == "http://127.0.0.1:19530")
        #expect(expand("${EMPTY:-fallback}") == "fallback")
        #expect(expand("${EMPTY}") == "")
        #expect(expand("$${ROWS} costs $5") == "${ROWS} costs $5")
        #expect(expand("a${dim}b${ROWS}") == "a128b5")
        #expect(expand("${MISSING:-}") == "")
    }

    @Test("innermost bindings win, and deferred names stay as written")
    func bindings() {
        let inner = scope.adding(["ROWS": .value("1", origin: "sweep"), "replicas": .deferred])
        #expect(expand("${ROWS}", inner) == "1")
        #expect(expand("--replicas=${replicas}", inner) == "--replicas=${replicas}")
    }

    @Test("failures say what is wrong and where", arguments: [
        ("x ${NOPE}", 2, "unresolved variable ${NOPE}"),
        ("${ROWS", 0, "'${' is never closed"),
        ("${}", 0, "an empty name"),
        ("${9x}", 0, "'9x'"),
        ("ab${TOKEN:?export TOKEN}", 2, "variable ${TOKEN} is not set: export TOKEN"),
    ])
    func failures(text: String, offset: Int, message: String) throws {
        guard case .failure(let f) = Interpolation.expand(text, in: scope) else {
            Issue.record("expected a failure for \(text)")
            return
        }
        #expect(f.offset == offset)
        #expect(f.message.contains(message))
    }

    @Test("a misspelled variable gets a suggestion from vars, not the environment")
    func suggestion() {
        guard case .failure(let f) = Interpolation.expand("${dimm}", in: scope) else {
            Issue.record("a misspelled variable expanded")
            return
        }
        #expect(f.message.hasSuffix("did you mean 'dim'?"))
    }
}
