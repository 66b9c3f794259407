/// Reads the keys of one mapping against its `ObjectSpec`.
///
/// Creating a reader reports unknown keys (with "did you mean"), missing required keys and
/// broken key constraints. Each typed accessor converts one key, reports what does not fit and
/// applies the spec's default, so defaults live in one place. `finish()` checks (in tests) that
/// the model read every key its spec declares — a key cannot be declared and then ignored.
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
    public func mark(_ key: String) -> Mark { values[key]?.mark ?? node.mark }

    /// Whether the scenario wrote this key.
    public func has(_ key: String) -> Bool { values[key] != nil }

    /// The node written for a key (no default applied).
    public func rawNode(_ key: String) -> Node? {
        _ = keySpec(key)
        return values[key]
    }

    /// Records declared keys the model never read, so tests can prove the model and its spec
    /// agree (a declared key that nothing reads would be accepted and silently ignored).
    public func finish() {
        let unread = spec.keys.map(\.name).filter { !read.contains($0) }
        if !unread.isEmpty { decoder.unreadKeys.insert("\(spec.name): \(unread.joined(separator: ", "))") }
    }

    private func keySpec(_ key: String) -> KeySpec {
        guard let k = spec.key(key) else { preconditionFailure("\(spec.name) reads undeclared key '\(key)'") }
        read.insert(key)
        return k
    }

    /// The node to convert: the written one, or the default as a scalar at the mapping's position.
    private func nodeOrDefault(_ k: KeySpec) -> Node? {
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

    private func scalar(_ key: String) -> ScalarValue? {
        let k = keySpec(key)
        guard let n = nodeOrDefault(k) else { return nil }
        if let v = decoder.convert(n, k.kind, key: key) { return v }
        // A bad value was reported; carry on with the default so later checks still run.
        if values[key] != nil, case .defaultValue(let text) = k.presence {
            return decoder.convert(.scalar(text, at: node.mark), k.kind, key: key)
        }
        return nil
    }

    public func string(_ key: String) -> String? {
        switch scalar(key) {
        case .text(let s)?: return s
        case nil: return nil
        default: preconditionFailure("\(key) is not a text kind")
        }
    }

    public func bool(_ key: String) -> Bool? {
        if case .bool(let b)? = scalar(key) { return b }
        return nil
    }

    public func int(_ key: String) -> Int? {
        if case .int(let v)? = scalar(key) { return v }
        return nil
    }

    /// Numbers, percents (0–100) and fractions (0–1).
    public func double(_ key: String) -> Double? {
        if case .number(let v)? = scalar(key) { return v }
        return nil
    }

    public func duration(_ key: String) -> ScenarioDuration? {
        if case .duration(let d)? = scalar(key) { return d }
        return nil
    }

    public func rate(_ key: String) -> Rate? {
        if case .rate(let r)? = scalar(key) { return r }
        return nil
    }

    public func secret(_ key: String) -> Secret? {
        if case .secret(let s)? = scalar(key) { return s }
        return nil
    }

    /// A `countOrDuration` key.
    public func countOrDuration(_ key: String) -> CountOrDuration? {
        switch scalar(key) {
        case .int(let n)?: return .count(n)
        case .duration(let d)?: return .duration(d)
        default: return nil
        }
    }

    /// A `choice` key as its enum.
    public func choice<E: RawRepresentable>(_ key: String, as: E.Type = E.self) -> E? where E.RawValue == String {
        string(key).flatMap(E.init(rawValue:))
    }

    /// A list of scalars (`list`, `oneOrMore` of a scalar kind) or a command (`argv`).
    public func strings(_ key: String) -> [String]? {
        let k = keySpec(key)
        guard let n = nodeOrDefault(k) else { return nil }
        switch k.kind {
        case .argv:
            guard let items = n.sequence else {
                let hint = n.scalar.map { $0.text.contains(" ") ? "; write it as a list of arguments, like [\($0.text.split(separator: " ").joined(separator: ", "))]" : "" } ?? ""
                decoder.error(n.mark, .commandInvalid, "'\(key)' expects a command as a list of arguments, got \(n.shapeDescription)\(hint)")
                return nil
            }
            guard !items.isEmpty else {
                decoder.error(n.mark, .commandInvalid, "'\(key)' needs at least the program to run, got an empty list")
                return nil
            }
            let texts = items.compactMap { decoder.convert($0, .text, key: key) }.compactMap { v -> String? in
                if case .text(let s) = v { return s }
                return nil
            }
            return texts.count == items.count ? texts : nil
        default:
            let item: ValueKind
            let minimum: Int
            switch k.kind {
            case .list(let i, let m): (item, minimum) = (i, m)
            case .oneOrMore(let i): (item, minimum) = (i, 1)
            default: preconditionFailure("\(key) is not a list of scalars")
            }
            var items: [Node]
            if let seq = n.sequence {
                items = seq
            } else if case .oneOrMore = k.kind, let s = n.scalar, !n.isNull {
                // One value, or several separated by commas (handy from one environment variable).
                items = [n]
                if let (text, _) = decoder.text(n, what: "'\(key)'"), text.contains(",") {
                    items = text.split(separator: ",").map { Node.scalar($0.trimmingSpaces, style: s.style, at: n.mark) }
                }
            } else {
                decoder.error(n.mark, .typeMismatch, "'\(key)' expects a list, got \(n.shapeDescription)")
                return nil
            }
            if items.count < minimum {
                decoder.error(n.mark, .listTooShort, "'\(key)' needs at least \(minimum) item\(minimum == 1 ? "" : "s"), got \(items.count)")
                return nil
            }
            var out: [String] = []
            for i in items {
                switch decoder.convert(i, item, key: key) {
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
    }

    /// A map of name → scalar text (`parameters` or `textMap`), in the order written.
    public func parameters(_ key: String) -> [Parameter]? {
        let k = keySpec(key)
        guard let n = values[k.name] else {
            if case .defaultValue = k.presence { return [] }
            return nil
        }
        if n.isNull { return [] }
        guard let entries = n.mapping else {
            decoder.error(n.mark, .typeMismatch, "'\(key)' expects a mapping of names to values (like {nlist: 128}), got \(n.shapeDescription)")
            return nil
        }
        var out: [Parameter] = []
        for e in entries {
            guard let name = e.key.scalar?.text else { continue }
            guard let (text, _) = decoder.text(e.value, what: "'\(key).\(name)'") else { continue }
            if e.value.isNull {
                decoder.error(e.value.mark, .valueMissing, "'\(key).\(name)' needs a value, got nothing")
                continue
            }
            out.append(Parameter(name: name, value: text, mark: e.value.mark))
        }
        return out
    }

    /// A nested mapping of a known `object` kind.
    public func object<T>(_ key: String, _ build: (ObjectReader) -> T) -> T? {
        let k = keySpec(key)
        guard case .object(let objectSpec) = k.kind else { preconditionFailure("\(key) is not an object") }
        let n = values[key] ?? {
            if case .defaultValue = k.presence { return Node(.mapping([]), at: node.mark) }
            return nil
        }()
        guard let n, let reader = decoder.object(n, objectSpec) else { return nil }
        let value = build(reader)
        reader.finish()
        return value
    }

    /// A list of mappings of a known `object` kind.
    public func objects<T>(_ key: String, _ build: (ObjectReader) -> T?) -> [T]? {
        let k = keySpec(key)
        guard case .list(.object(let objectSpec), let minimum) = k.kind else { preconditionFailure("\(key) is not a list of objects") }
        guard let n = values[key] else {
            if case .defaultValue = k.presence { return [] }
            return nil
        }
        if n.isNull, minimum == 0 { return [] }
        guard let items = n.sequence else {
            decoder.error(n.mark, .typeMismatch, "'\(key)' expects a list of \(objectSpec.title)s, got \(n.shapeDescription)")
            return nil
        }
        if items.count < minimum {
            decoder.error(n.mark, .listTooShort, "'\(key)' needs at least \(minimum) \(objectSpec.title)\(minimum == 1 ? "" : "s"), got \(items.isEmpty ? "none" : String(items.count))")
        }
        return items.compactMap { item in
            guard let reader = decoder.object(item, objectSpec) else { return nil }
            let value = build(reader)
            reader.finish()
            return value
        }
    }

    /// A mapping of name → object, in the order written (generators by field name).
    public func objectMap<T>(_ key: String, _ build: (String, ObjectReader) -> T?) -> [T]? {
        let k = keySpec(key)
        guard case .map(.object(let objectSpec)) = k.kind else { preconditionFailure("\(key) is not a map of objects") }
        guard let n = values[key], !n.isNull else { return [] }
        guard let entries = n.mapping else {
            decoder.error(n.mark, .typeMismatch, "'\(key)' expects a mapping of names to \(objectSpec.title)s, got \(n.shapeDescription)")
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
    public func variants<T>(_ key: String, _ build: (_ name: String, _ nameNode: Node, ObjectReader) -> T?) -> [T]? {
        let k = keySpec(key)
        guard case .list(.variant(let set), let minimum) = k.kind else { preconditionFailure("\(key) is not a list of variants") }
        guard let n = values[key] else { return nil }
        return decoder.variantList(n, key: key, set: set, minimum: minimum, build)
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
