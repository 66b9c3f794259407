// libFuzzer entry for the scenario front end: the libyaml reader, the decoder, `${…}`
// interpolation and threshold parsing, all reached through ScenarioLoader.decode — the same
// call `validate` and `run` make. Built by scripts/fuzz with -sanitize=fuzzer,address; this
// file is compiled into one module together with Sources/ScenarioSpec, so it is not part of
// the Swift package.
//
// Besides crashes, hangs and leaks (libFuzzer and AddressSanitizer find those), it checks the
// loader's own promises, so a wrong answer is a finding too:
//  - a file that yields no scenario has at least one error, and one that yields a scenario none;
//  - every diagnostic points into the file: line and column ≥ 1, line ≤ the file's line count + 1
//    (lines as YAML counts them: LF, CR, CRLF, NEL, LS and PS each end one);
//  - a decoded scenario left no declared key unread (unreadKeys is empty unless the model has a bug).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScenario(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    let outcome = ScenarioLoader.decode(bytes: bytes, file: "fuzz.yaml", defaultName: "fuzz",
                                        variables: ["replicas": "2", "name": "fuzz"],
                                        environment: ["MILVUS_URI": "http://127.0.0.1:19530"])
    let errors = outcome.errors
    if outcome.scenario == nil && errors.isEmpty {
        fatalError("no scenario and no error: \(outcome.diagnostics)")
    }
    if outcome.scenario != nil && !errors.isEmpty {
        fatalError("a scenario although there are errors: \(errors)")
    }
    if outcome.scenario != nil && !outcome.unreadKeys.isEmpty {
        fatalError("declared keys left unread: \(outcome.unreadKeys)")
    }
    let lines = yamlLineBreaks(bytes) + 1
    for d in outcome.diagnostics where d.mark.file == "fuzz.yaml" && (d.mark.line < 1 || d.mark.column < 1 || d.mark.line > lines + 1) {
        fatalError("a diagnostic outside the file (\(lines) lines): \(d)")
    }
    return 0
}

/// Line breaks as libyaml counts them (YAML 1.1): CR LF is one, a lone CR or LF is one, and so are
/// NEL (C2 85), LINE SEPARATOR (E2 80 A8) and PARAGRAPH SEPARATOR (E2 80 A9).
func yamlLineBreaks(_ b: [UInt8]) -> Int {
    var count = 0, i = 0
    while i < b.count {
        switch b[i] {
        case 0x0D: count += 1; if i + 1 < b.count && b[i + 1] == 0x0A { i += 1 }
        case 0x0A: count += 1
        case 0xC2 where i + 1 < b.count && b[i + 1] == 0x85: count += 1; i += 1
        case 0xE2 where i + 2 < b.count && b[i + 1] == 0x80 && (b[i + 2] == 0xA8 || b[i + 2] == 0xA9): count += 1; i += 2
        default: break
        }
        i += 1
    }
    return count
}
