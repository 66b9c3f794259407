/// Reads the keys of one mapping against its `ObjectSpec`: the untyped layer under `KeyReader`.
///
/// Creating a reader reports unknown keys (with "did you mean"), missing required keys and
/// broken key constraints. Each accessor converts one key — given by its declaration, never by
/// a name — reports what does not fit and applies the spec's default, so defaults live in one
/// place. `finish()` checks (in tests) that the model read every key its spec declares — a key
/// cannot be declared and then ignored.
public final class ObjectReader {
    public let decoder: SpecDecoder
    public let spec: ObjectSpec
    public let node: Node
    private var values: [String: Node] = [:]
    private var read: Set<String> = []

    init(decoder: SpecDecoder, spec: ObjectSpec, node: Node) {
        self.decoder = decoder
        self.spec = spec
        self.node = node
        let known = spec.keys.map(\.name)
        for entry in node.mapping ?? [] {
            guard let name = entry.key.scalar?.text else { continue }
            if spec.allowsExtensionKeys, name.hasPrefix("x-") { continue }
            if spec.key(name) == nil {
                decoder.error(entry.key.mark, .keyUnknown, "unknown key '\(name)' in \(spec.title)\(Suggestion.hint(for: name, in: known))")
            } else {
                values[name] = entry.value
            }
        }
        for key in spec.keys where key.isRequired && values[key.name] == nil {
            decoder.error(node.mark, .keyMissing, "\(spec.title) is missing the required key '\(key.name)'")
        }
        for constraint in spec.constraints {
            switch constraint {
            case .exactlyOne(let names):
                let present = names.filter { values[$0] != nil }
                if present.isEmpty {
                    decoder.error(node.mark, .keyOneRequired, "\(spec.title) needs one of \(names.map { "'\($0)'" }.joined(separator: ", "))")
                } else if present.count > 1 {
                    decoder.error(values[present[1]]!.mark, .keyExclusive, "\(spec.title) takes only one of \(names.map { "'\($0)'" }.joined(separator: ", ")); found \(present.map { "'\($0)'" }.joined(separator: " and "))")
                }
            case .atMostOne(let names):
                let present = names.filter { values[$0] != nil }
                if present.count > 1 {
                    decoder.error(values[present[1]]!.mark, .keyExclusive, "\(spec.title) takes only one of \(names.map { "'\($0)'" }.joined(separator: ", ")); found \(present.map { "'\($0)'" }.joined(separator: " and "))")
                }
            }
        }
    }

    /// The mark of a key's value, or of the mapping when the key is absent.
    func mark(_ k: KeySpec) -> Mark { values[k.name]?.mark ?? node.mark }

    /// Whether the scenario wrote this key.
    func has(_ k: KeySpec) -> Bool { values[k.name] != nil }

    /// The node written for a key (no default applied); the key counts as read.
    func written(_ k: KeySpec) -> Node? {
        read.insert(k.name)
        return values[k.name]
    }

    /// Records declared keys the model never read, so tests can prove the model and its spec
    /// agree (a declared key that nothing reads would be accepted and silently ignored).
    public func finish() {
        let unread = spec.keys.map(\.name).filter { !read.contains($0) }
        if !unread.isEmpty { decoder.unreadKeys.insert("\(spec.name): \(unread.joined(separator: ", "))") }
    }

    /// The node to convert: the written one, or the default as a scalar at the mapping's position.
    private func nodeOrDefault(_ k: KeySpec) -> Node? {
        read.insert(k.name)
        if let n = values[k.name] { return n }
        if case .defaultValue(let text) = k.presence {
            // Defaults are written as a scenario would write them; lists and maps are parsed as YAML.
            if k.kind.isCollection, let root = YAMLReader.read(text, file: "default of '\(k.name)'").root {
                return root
            }
            return .scalar(text, at: node.mark)
        }
        return nil
    }

    private func scalar(_ k: KeySpec) -> ScalarValue? {
        guard let n = nodeOrDefault(k) else { return nil }
        if let v = decoder.convert(n, k.kind, key: k.name) { return v }
        // A bad value was reported; carry on with the default so later checks still run.
        if values[k.name] != nil, case .defaultValue(let text) = k.presence {
            return decoder.convert(.scalar(text, at: node.mark), k.kind, key: k.name)
        }
        return nil
    }

    func text(_ k: KeySpec) -> String? {
        if case .text(let s)? = scalar(k) { return s }
        return nil
    }

    func bool(_ k: KeySpec) -> Bool? {
        if case .bool(let b)? = scalar(k) { return b }
        return nil
    }

    func int(_ k: KeySpec) -> Int? {
        if case .int(let v)? = scalar(k) { return v }
        return nil
    }

    /// Numbers, percents (0–100) and fractions (0–1).
    func double(_ k: KeySpec) -> Double? {
        if case .number(let v)? = scalar(k) { return v }
        return nil
    }

    func duration(_ k: KeySpec) -> ScenarioDuration? {
        if case .duration(let d)? = scalar(k) { return d }
        return nil
    }

    func rate(_ k: KeySpec) -> Rate? {
        if case .rate(let r)? = scalar(k) { return r }
        return nil
    }

    func secret(_ k: KeySpec) -> Secret? {
        if case .secret(let s)? = scalar(k) { return s }
        return nil
    }

    func countOrDuration(_ k: KeySpec) -> CountOrDuration? {
        switch scalar(k) {
        case .int(let n)?: return .count(n)
        case .duration(let d)?: return .duration(d)
        default: return nil
        }
    }

    /// A command: a list of at least the program.
    func argv(_ k: KeySpec) -> [String]? {
        guard let n = nodeOrDefault(k) else { return nil }
        guard let items = n.sequence else {
            let hint = n.scalar.map { $0.text.contains(" ") ? "; write it as a list of arguments, like [\($0.text.split(separator: " ").joined(separator: ", "))]" : "" } ?? ""
            decoder.error(n.mark, .commandInvalid, "'\(k.name)' expects a command as a list of arguments, got \(n.shapeDescription)\(hint)")
            return nil
        }
        guard !items.isEmpty else {
            decoder.error(n.mark, .commandInvalid, "'\(k.name)' needs at least the program to run, got an empty list")
            return nil
        }
        let texts = items.compactMap { decoder.convert($0, .text, key: k.name) }.compactMap { v -> String? in
            if case .text(let s) = v { return s }
            return nil
        }
        return texts.count == items.count ? texts : nil
    }

    /// A list of scalars of kind `item` (with `oneAccepted`, also one value, or several
    /// separated by commas), as their texts.
    func scalars(_ k: KeySpec, item: ValueKind, minimum: Int, oneAccepted: Bool) -> [String]? {
        guard let n = nodeOrDefault(k) else { return nil }
        var items: [Node]
        if let seq = n.sequence {
            items = seq
        } else if oneAccepted, let s = n.scalar, !n.isNull {
            // One value, or several separated by commas (handy from one environment variable).
            items = [n]
            if let (text, _) = decoder.text(n, what: "'\(k.name)'"), text.contains(",") {
                items = text.split(separator: ",").map { Node.scalar($0.trimmingSpaces, style: s.style, at: n.mark) }
            }
        } else {
            decoder.error(n.mark, .typeMismatch, "'\(k.name)' expects a list, got \(n.shapeDescription)")
            return nil
        }
        if items.count < minimum {
            decoder.error(n.mark, .listTooShort, "'\(k.name)' needs at least \(minimum) item\(minimum == 1 ? "" : "s"), got \(items.count)")
            return nil
        }
        var out: [String] = []
        for i in items {
            switch decoder.convert(i, item, key: k.name) {
            case .text(let s)?: out.append(s)
            case .int(let v)?: out.append(String(v))
            case .number(let v)?: out.append(ScenarioNumber.format(v))
            case .bool(let b)?: out.append(String(b))
            case .some: break
            case nil: return nil
            }
        }
        return out
    }

    /// A map of name → scalar text (`parameters` or `textMap`), in the order written.
    func parameters(_ k: KeySpec) -> [Parameter]? {
        read.insert(k.name)
        guard let n = values[k.name] else {
            if case .defaultValue = k.presence { return [] }
            return nil
        }
        if n.isNull { return [] }
        guard let entries = n.mapping else {
            decoder.error(n.mark, .typeMismatch, "'\(k.name)' expects a mapping of names to values (like {nlist: 128}), got \(n.shapeDescription)")
            return nil
        }
        var out: [Parameter] = []
        for e in entries {
            guard let name = e.key.scalar?.text else { continue }
            guard let (text, _) = decoder.text(e.value, what: "'\(k.name).\(name)'") else { continue }
            if e.value.isNull {
                decoder.error(e.value.mark, .valueMissing, "'\(k.name).\(name)' needs a value, got nothing")
                continue
            }
            out.append(Parameter(name: name, value: text, mark: e.value.mark))
        }
        return out
    }

    /// A nested mapping following `objectSpec`.
    func object<T>(_ k: KeySpec, _ objectSpec: ObjectSpec, _ build: (ObjectReader) -> T) -> T? {
        read.insert(k.name)
        let n = values[k.name] ?? {
            if case .defaultValue = k.presence { return Node(.mapping([]), at: node.mark) }
            return nil
        }()
        guard let n, let reader = decoder.object(n, objectSpec) else { return nil }
        let value = build(reader)
        reader.finish()
        return value
    }

    /// A list of mappings following `objectSpec`.
    func objects<T>(_ k: KeySpec, _ objectSpec: ObjectSpec, minimum: Int, _ build: (ObjectReader) -> T?) -> [T]? {
        read.insert(k.name)
        guard let n = values[k.name] else {
            if case .defaultValue = k.presence { return [] }
            return nil
        }
        if n.isNull, minimum == 0 { return [] }
        guard let items = n.sequence else {
            decoder.error(n.mark, .typeMismatch, "'\(k.name)' expects a list of \(objectSpec.title)s, got \(n.shapeDescription)")
            return nil
        }
        if items.count < minimum {
            decoder.error(n.mark, .listTooShort, "'\(k.name)' needs at least \(minimum) \(objectSpec.title)\(minimum == 1 ? "" : "s"), got \(items.isEmpty ? "none" : String(items.count))")
        }
        return items.compactMap { item in
            guard let reader = decoder.object(item, objectSpec) else { return nil }
            let value = build(reader)
            reader.finish()
            return value
        }
    }

    /// A mapping of name → mapping following `objectSpec`, in the order written.
    func objectMap<T>(_ k: KeySpec, _ objectSpec: ObjectSpec, _ build: (String, ObjectReader) -> T?) -> [T]? {
        read.insert(k.name)
        guard let n = values[k.name], !n.isNull else { return [] }
        guard let entries = n.mapping else {
            decoder.error(n.mark, .typeMismatch, "'\(k.name)' expects a mapping of names to \(objectSpec.title)s, got \(n.shapeDescription)")
            return nil
        }
        return entries.compactMap { e in
            guard let name = e.key.scalar?.text, let reader = decoder.object(e.value, objectSpec) else { return nil }
            let value = build(name, reader)
            reader.finish()
            return value
        }
    }

    /// A list of single-key mappings choosing among the variants (steps, notifiers).
    func variants<T>(_ k: KeySpec, _ set: VariantSet, minimum: Int, _ build: (_ name: String, _ nameNode: Node, ObjectReader) -> T?) -> [T]? {
        read.insert(k.name)
        guard let n = values[k.name] else { return nil }
        return decoder.variantList(n, key: k.name, set: set, minimum: minimum, build)
    }
}

extension SpecDecoder {
    /// A list of single-key mappings (`- load: {replicas: 2}`) choosing among the variants.
    public func variantList<T>(_ n: Node, key: String, set: VariantSet, minimum: Int,
                               _ build: (_ name: String, _ nameNode: Node, ObjectReader) -> T?) -> [T]? {
        if n.isNull {
            if minimum > 0 { error(n.mark, .listTooShort, "'\(key)' needs at least \(minimum) \(set.title), got nothing") }
            return []
        }
        guard let items = n.sequence else {
            error(n.mark, .typeMismatch, "'\(key)' expects a list of \(set.title)s (each written '- kind: {…}'), got \(n.shapeDescription)")
            return nil
        }
        if items.count < minimum {
            error(n.mark, .listTooShort, "'\(key)' needs at least \(minimum) \(set.title), got none")
        }
        return items.compactMap { item in variant(item, set, build) }
    }

    private func variant<T>(_ item: Node, _ set: VariantSet, _ build: (String, Node, ObjectReader) -> T?) -> T? {
        let nameNode: Node
        let body: Node
        if item.scalar != nil, !item.isNull {
            nameNode = item
            body = Node(.mapping([]), at: item.mark)
        } else if let entries = item.mapping, let first = entries.first {
            nameNode = first.key
            body = first.value
            if entries.count > 1 {
                let names = entries.compactMap { $0.key.scalar?.text }
                let kinds = names.filter { set.names.contains($0) }
                if kinds.count == 1, let kind = kinds.first {
                    let others = names.filter { $0 != kind }.map { "'\($0)'" }.joined(separator: ", ")
                    let misplaced = entries.first { $0.key.scalar?.text != kind }!.key.mark
                    error(misplaced, .stepSettingsMisplaced, "\(others) sits beside '\(kind)' instead of inside it; indent the \(set.title)'s settings under '\(kind):'")
                    return nil
                }
                error(item.mark, .stepShape, "a \(set.title) is a single key naming its kind (like '- \(set.names[0]): {…}'); found \(names.map { "'\($0)'" }.joined(separator: ", "))")
                return nil
            }
        } else {
            error(item.mark, .stepShape, "a \(set.title) is written '- kind: {settings}' (one of \(set.names.joined(separator: ", "))), got \(item.shapeDescription)")
            return nil
        }
        guard let name = nameNode.scalar?.text, let spec = set.spec(named: name) else {
            let name = nameNode.scalar?.text ?? ""
            let hint = Suggestion.hint(for: name, in: set.names)
            error(nameNode.mark, .stepKindUnknown, "unknown \(set.title) kind '\(name)'\(hint)\(hint.isEmpty ? "; known kinds: \(set.names.joined(separator: ", "))" : "")")
            return nil
        }
        guard let reader = object(body, spec) else { return nil }
        let value = build(name, nameNode, reader)
        if value != nil { reader.finish() }
        return value
    }
}

/// How long a search step runs: a number of queries or a span of time.
public enum CountOrDuration: Sendable, Hashable, CustomStringConvertible {
    case count(Int)
    case duration(ScenarioDuration)

    public var description: String {
        switch self {
        case .count(let n): return "\(n) queries"
        case .duration(let d): return d.description
        }
    }
}
