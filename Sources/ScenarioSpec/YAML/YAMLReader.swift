import CYAML

/// Reads one YAML document into a `Node` tree using libyaml's event API.
///
/// Everything that can go wrong becomes a `Diagnostic` with a position — libyaml's own
/// syntax errors, tabs used for indentation, duplicate keys, a second document, unknown or
/// cyclic aliases, bad merge keys, input nested too deeply or aliases that expand too far.
/// Nothing here recurses over the input, so deep input cannot overflow the stack.
public struct YAMLReader {
    /// Nesting deeper than this is refused (scenarios need fewer than ten levels).
    public static let maximumDepth = 256
    /// Aliases may not expand the document to more nodes than this ("billion laughs").
    public static let maximumExpandedNodes = 100_000

    public struct Result: Sendable {
        /// The document's root, or nil when the file holds no document or could not be read.
        public var root: Node?
        public var diagnostics: [Diagnostic]
    }

    public static func read(bytes: [UInt8], file: String) -> Result {
        var reader = EventReader(file: file, bytes: bytes)
        return reader.run()
    }

    public static func read(_ text: String, file: String) -> Result {
        read(bytes: Array(text.utf8), file: file)
    }
}

private struct EventReader {
    enum Frame {
        case sequence(mark: Mark, anchor: String?, items: [Node])
        case mapping(mark: Mark, anchor: String?, entries: [Node.Entry], pendingKey: Node?)
    }

    let file: String
    let bytes: [UInt8]
    var sink = DiagnosticSink()
    var stack: [Frame] = []
    var anchors: [String: Node] = [:]
    var openAnchors: Set<String> = []
    var root: Node?
    var documents = 0
    var stop = false

    init(file: String, bytes: [UInt8]) {
        self.file = file
        self.bytes = bytes
    }

    func mark(_ m: yaml_mark_t) -> Mark {
        Mark(file: file, line: Int(m.line) + 1, column: Int(m.column) + 1)
    }

    mutating func run() -> YAMLReader.Result {
        if let problem = TextCheck.firstProblem(in: bytes) {
            sink.error(markForByteOffset(problem.offset), .fileNotText, problem.message)
            return .init(root: nil, diagnostics: sink.diagnostics)
        }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            sink.error(Mark(file: file, line: 1, column: 1), .yamlParser, "could not initialise the YAML parser")
            return .init(root: nil, diagnostics: sink.diagnostics)
        }
        defer { yaml_parser_delete(&parser) }
        bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while !stop {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    reportParserError(parser)
                    break
                }
                let done = event.type == YAML_STREAM_END_EVENT
                handle(event)
                yaml_event_delete(&event)
                if done { break }
            }
        }
        return .init(root: sink.hasErrors && root == nil ? nil : root, diagnostics: sink.diagnostics)
    }

    static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
    }

    mutating func handle(_ event: yaml_event_t) {
        let at = mark(event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                sink.error(at, .yamlMultipleDocuments, "a scenario file holds one YAML document, but a second one starts here; remove the '---' or split the file")
                stop = true
            }
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor) ?? ""
            if let node = anchors[name] {
                add(node, anchor: nil)
            } else if openAnchors.contains(name) {
                sink.error(at, .yamlAliasCycle, "alias '*\(name)' refers to a node that contains it; an alias cannot point into its own anchor (cycle)")
                add(.scalar("", at: at), anchor: nil)
            } else {
                let hint = Suggestion.hint(for: name, in: anchors.keys)
                sink.error(at, .yamlUnknownAnchor, "unknown anchor '*\(name)'; anchors must be defined with '&\(name)' before they are used\(hint)")
                add(.scalar("", at: at), anchor: nil)
            }
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let text = s.value.map {
                String(decoding: UnsafeBufferPointer(start: $0, count: s.length), as: UTF8.self)
            } ?? ""
            var style: Node.ScalarStyle
            switch s.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: style = .literal
            case YAML_FOLDED_SCALAR_STYLE: style = .folded
            default: style = .plain
            }
            if style == .plain, Self.string(s.tag) == "tag:yaml.org,2002:str" { style = .singleQuoted }
            add(.scalar(text, style: style, at: at), anchor: Self.string(s.anchor))
        case YAML_SEQUENCE_START_EVENT:
            let anchor = Self.string(event.data.sequence_start.anchor)
            if push(at) {
                if let anchor { openAnchors.insert(anchor) }
                stack.append(.sequence(mark: at, anchor: anchor, items: []))
            }
        case YAML_MAPPING_START_EVENT:
            let anchor = Self.string(event.data.mapping_start.anchor)
            if push(at) {
                if let anchor { openAnchors.insert(anchor) }
                stack.append(.mapping(mark: at, anchor: anchor, entries: [], pendingKey: nil))
            }
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return }
            switch frame {
            case .sequence(let m, let anchor, let items):
                if let anchor { openAnchors.remove(anchor) }
                add(Node(.sequence(items), at: m), anchor: anchor)
            case .mapping(let m, let anchor, let entries, _):
                if let anchor { openAnchors.remove(anchor) }
                add(Node(.mapping(resolveMerges(entries)), at: m), anchor: anchor)
            }
        default:
            break
        }
    }

    /// Returns false (and stops reading) when the new collection would nest too deeply.
    mutating func push(_ at: Mark) -> Bool {
        if stack.count >= YAMLReader.maximumDepth {
            sink.error(at, .yamlTooDeep, "input is nested more than \(YAMLReader.maximumDepth) levels deep; a scenario needs far fewer")
            stop = true
            return false
        }
        return true
    }

    mutating func add(_ node: Node, anchor: String?) {
        if let anchor { anchors[anchor] = node }
        guard let top = stack.popLast() else {
            if root == nil { root = node }
            checkWeight(of: node)
            return
        }
        switch top {
        case .sequence(let m, let a, var items):
            items.append(node)
            stack.append(.sequence(mark: m, anchor: a, items: items))
        case .mapping(let m, let a, var entries, let pendingKey):
            if let key = pendingKey {
                entries.append(Node.Entry(key: key, value: node))
                stack.append(.mapping(mark: m, anchor: a, entries: entries, pendingKey: nil))
            } else {
                stack.append(.mapping(mark: m, anchor: a, entries: entries, pendingKey: node))
            }
        }
        checkWeight(of: node)
    }

    mutating func checkWeight(of node: Node) {
        if node.weight > YAMLReader.maximumExpandedNodes {
            sink.error(node.mark, .yamlTooLarge, "aliases expand this document to more than \(YAMLReader.maximumExpandedNodes) nodes; refusing to expand it further")
            stop = true
        }
    }

    /// Applies `<<` merge keys (explicit keys win, then earlier merge sources) and reports
    /// duplicate keys and keys that are not plain text.
    mutating func resolveMerges(_ entries: [Node.Entry]) -> [Node.Entry] {
        var explicit: [Node.Entry] = []
        var merged: [Node.Entry] = []
        var firstSeen: [String: Mark] = [:]
        for entry in entries {
            guard let key = entry.key.scalar else {
                sink.error(entry.key.mark, .yamlKeyNotText, "mapping keys must be plain text, not \(entry.key.shapeDescription)")
                continue
            }
            if key.text == "<<" && key.style == .plain {
                let sources: [Node]
                switch entry.value.content {
                case .mapping: sources = [entry.value]
                case .sequence(let items): sources = items
                case .scalar:
                    sink.error(entry.value.mark, .yamlMerge, "the merge key '<<' needs a mapping or a list of mappings (like '<<: *base'), not \(entry.value.shapeDescription)")
                    continue
                }
                for source in sources {
                    guard let sourceEntries = source.mapping else {
                        sink.error(source.mark, .yamlMerge, "the merge key '<<' needs mappings to merge, not \(source.shapeDescription)")
                        continue
                    }
                    for e in sourceEntries where !merged.contains(where: { $0.key.scalar?.text == e.key.scalar?.text }) {
                        merged.append(e)
                    }
                }
                continue
            }
            if let first = firstSeen[key.text] {
                sink.error(entry.key.mark, .yamlDuplicateKey, "duplicate key '\(key.text)' (first written at \(first.line):\(first.column)); a later value would silently replace the first")
                continue
            }
            firstSeen[key.text] = entry.key.mark
            explicit.append(entry)
        }
        return explicit + merged.filter { firstSeen[$0.key.scalar?.text ?? ""] == nil }
    }

    mutating func reportParserError(_ parser: yaml_parser_t) {
        let problem = Self.cString(parser.problem) ?? "unknown YAML error"
        switch parser.error {
        case YAML_READER_ERROR:
            let offset = Int(parser.problem_offset)
            let at = markForByteOffset(offset)
            let value = parser.problem_value
            if problem.contains("control characters") || problem.contains("UTF-8") || problem.contains("UTF-16") {
                let byte = value >= 0 ? String(format2(Int(value))) : "?"
                sink.error(at, .fileNotText, "this is not a text file YAML can read: \(problem) (byte \(byte) at offset \(offset))")
            } else {
                sink.error(at, .fileUnreadable, "cannot read the file: \(problem)")
            }
        case YAML_MEMORY_ERROR:
            sink.error(Mark(file: file, line: 1, column: 1), .yamlParser, "the YAML parser ran out of memory")
        default:
            let at = mark(parser.problem_mark)
            if character(at: at) == "\t" {
                sink.error(at, .yamlTab, "a tab character here; YAML indentation must use spaces")
                return
            }
            var message = problem
            switch problem {
            case "did not find expected key", "did not find expected '-' indicator":
                message += "; check this line's indentation against the lines above"
            case "mapping values are not allowed in this context":
                message += "; a value containing ': ' needs quotes, or a nested mapping needs its own indented line"
            default: break
            }
            if let context = Self.cString(parser.context) {
                let contextMark = mark(parser.context_mark)
                message += " (\(context) at \(contextMark.line):\(contextMark.column))"
            }
            sink.error(at, .yamlSyntax, "YAML syntax error: \(message)")
        }
    }

    func format2(_ value: Int) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return "0x" + (hex.count < 2 ? "0" + hex : hex)
    }

    static func cString(_ pointer: UnsafePointer<CChar>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    /// The character at a 1-based line and column, decoding only the valid text before it.
    func character(at mark: Mark) -> Character? {
        var line = 1
        var start = 0
        for (i, byte) in bytes.enumerated() where line < mark.line {
            if byte == UInt8(ascii: "\n") {
                line += 1
                start = i + 1
            }
        }
        guard line == mark.line, start <= bytes.count else { return nil }
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
        let text = String(decoding: bytes[start..<end], as: UTF8.self)
        let scalars = Array(text.unicodeScalars)
        guard mark.column - 1 < scalars.count, mark.column >= 1 else { return nil }
        return Character(scalars[mark.column - 1])
    }

    func markForByteOffset(_ offset: Int) -> Mark {
        let end = min(offset, bytes.count)
        var line = 1
        var lineStart = 0
        for i in 0..<end where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        // Columns count characters: every byte that does not continue a UTF-8 sequence.
        let column = bytes[lineStart..<end].filter { $0 & 0xC0 != 0x80 }.count + 1
        return Mark(file: file, line: line, column: column)
    }
}
