/// The keys of one mapping, declared once each as a stored property of a `KeySet` type: the
/// mapping's `ObjectSpec` (what the decoder accepts, the JSON Schema and the reference) is made
/// from the properties, and a `KeyReader` reads them by key path — so a key cannot be read that
/// was not declared, nor read as another type than it was declared with.
///
///     public struct Keys: KeySet {
///         public init() {}
///         public let limit = Key.integer("limit", min: 1, max: 16384, .optional, "At most this many rows.")
///         public let load = LoadSettings.Keys("queries")     // a group several kinds share
///     }
///     limit = r[\.limit]                                     // an Int?
public protocol KeySet: Sendable {
    init()
}

/// Any declared key: what the declarations are made of.
public protocol AnyKey: Sendable {
    var spec: KeySpec { get }
}

extension KeySet {
    /// Every key, in declaration order (groups inline where they are declared).
    public static var specs: [KeySpec] { Self().specs }

    var specs: [KeySpec] {
        Mirror(reflecting: self).children.flatMap { child -> [KeySpec] in
            if let key = child.value as? any AnyKey { return [key.spec] }
            if let group = child.value as? any KeySet { return group.specs }
            return []
        }
    }
}

/// A mapping with no keys of its own.
public struct NoKeys: KeySet {
    public init() {}
}

/// A key whose value is a scalar, a list of scalars or a map of texts, read as `Value`.
public struct Key<Value>: AnyKey {
    public let spec: KeySpec
    let read: @Sendable (ObjectReader, KeySpec) -> Value?

    init(_ spec: KeySpec, read: @escaping @Sendable (ObjectReader, KeySpec) -> Value?) {
        self.spec = spec
        self.read = read
    }

    public var name: String { spec.name }
}

extension Key where Value == String {
    /// Any text (numbers and booleans are taken as their text).
    public static func text(_ name: String, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .text, presence, doc)) { $0.text($1) }
    }
    /// A name: letters, digits, `_` and `-`.
    public static func identifier(_ name: String, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .identifier, presence, doc)) { $0.text($1) }
    }
    /// `http://host:port` or `https://…`.
    public static func url(_ name: String, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .url, presence, doc)) { $0.text($1) }
    }
    /// Any single value, as its text.
    public static func scalar(_ name: String, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .scalar, presence, doc)) { $0.text($1) }
    }
    /// A text in a small language the decoder checks afterwards (a condition).
    public static func expression(_ name: String, what: String, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .expression(what), presence, doc)) { $0.text($1) }
    }
    /// One of fixed texts.
    public static func choice(_ name: String, of options: [String], _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .choice(options), presence, doc)) { $0.text($1) }
    }
}

extension Key where Value == Bool {
    public static func boolean(_ name: String, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .boolean, presence, doc)) { $0.bool($1) }
    }
}

extension Key where Value == Int {
    public static func integer(_ name: String, min: Int?, max: Int?, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .integer(min: min, max: max), presence, doc)) { $0.int($1) }
    }
}

extension Key where Value == Double {
    public static func number(_ name: String, min: Double?, max: Double?, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .number(min: min, max: max), presence, doc)) { $0.double($1) }
    }
    /// `80%`, as 80.
    public static func percent(_ name: String, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .percent, presence, doc)) { $0.double($1) }
    }
    /// `0.8` or `80%`, as 0.8.
    public static func fraction(_ name: String, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .fraction, presence, doc)) { $0.double($1) }
    }
}

extension Key where Value == ScenarioDuration {
    public static func duration(_ name: String, allowZero: Bool, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .duration(allowZero: allowZero), presence, doc)) { $0.duration($1) }
    }
}

extension Key where Value == Rate {
    public static func rate(_ name: String, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .rate, presence, doc)) { $0.rate($1) }
    }
}

extension Key where Value == Secret {
    public static func secret(_ name: String, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .secret, presence, doc)) { $0.secret($1) }
    }
}

extension Key where Value == CountOrDuration {
    public static func countOrDuration(_ name: String, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .countOrDuration, presence, doc)) { $0.countOrDuration($1) }
    }
}

extension Key where Value: RawRepresentable & CaseIterable & Sendable, Value.RawValue == String {
    /// One of an enum's cases, written as its raw value.
    public static func choice(_ name: String, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .choice(Value.allCases.map(\.rawValue)), presence, doc)) { r, k in r.text(k).flatMap(Value.init(rawValue:)) }
    }
}

extension Key where Value: RawRepresentable & Sendable, Value.RawValue == String {
    /// One of some of an enum's cases, written as its raw value.
    public static func choice(_ name: String, among cases: [Value], _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        let options = cases.map(\.rawValue)
        return Key(KeySpec(name, .choice(options), presence, doc)) { r, k in r.text(k).flatMap(Value.init(rawValue:)) }
    }
}

extension Key where Value == [String] {
    /// A list of scalars of one kind, as their texts.
    public static func list(_ name: String, of item: ValueKind, minCount: Int, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .list(item, minCount: minCount), presence, doc)) { $0.scalars($1, item: item, minimum: minCount, oneAccepted: false) }
    }
    /// One scalar or a list of them (one value may hold several separated by commas).
    public static func oneOrMore(_ name: String, of item: ValueKind, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .oneOrMore(item), presence, doc)) { $0.scalars($1, item: item, minimum: 1, oneAccepted: true) }
    }
    /// A command as a list of arguments.
    public static func argv(_ name: String, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .argv, presence, doc)) { $0.argv($1) }
    }
}

extension Key where Value == [Parameter] {
    /// Name → scalar, in the order written (index or search parameters).
    public static func parameters(_ name: String, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .parameters, presence, doc)) { $0.parameters($1) }
    }
    /// Name → text, in the order written (headers, labels).
    public static func textMap(_ name: String, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, .textMap, presence, doc)) { $0.parameters($1) }
    }
}

extension Key where Value == Node {
    /// A value the step decodes itself from its node (a sweep's `over`, nested steps written in
    /// its own way): declared with its kind for the schema and the reference, read as written.
    public static func node(_ name: String, _ kind: ValueKind, _ presence: KeySpec.Presence = .optional, _ doc: String) -> Key {
        Key(KeySpec(name, kind, presence, doc)) { r, k in r.written(k) }
    }
}

/// What a nested mapping is called and says, for messages, the schema and the reference.
public struct ObjectInfo: Sendable {
    /// Unique name, used for JSON Schema definitions.
    public var name: String
    /// How messages and the reference name it.
    public var title: String
    public var doc: String
    public var constraints: [KeyConstraint]

    public init(name: String, title: String, doc: String, constraints: [KeyConstraint] = []) {
        self.name = name
        self.title = title
        self.doc = doc
        self.constraints = constraints
    }

    func spec<K: KeySet>(_ keys: K.Type) -> ObjectSpec {
        ObjectSpec(name: name, title: title, doc: doc, keys: K.specs, constraints: constraints)
    }
}

/// A key whose value is a mapping with keys `Keys`.
public struct ObjectKey<Keys: KeySet>: AnyKey {
    public let spec: KeySpec
    public let object: ObjectSpec

    public init(_ name: String, _ info: ObjectInfo, _ presence: KeySpec.Presence = .optional, _ doc: String) {
        object = info.spec(Keys.self)
        spec = KeySpec(name, .object(object), presence, doc)
    }
}

/// A key whose value is a list of mappings with keys `Keys`.
public struct ObjectListKey<Keys: KeySet>: AnyKey {
    public let spec: KeySpec
    public let object: ObjectSpec
    public let minCount: Int

    public init(_ name: String, _ info: ObjectInfo, minCount: Int, _ presence: KeySpec.Presence = .optional, _ doc: String) {
        object = info.spec(Keys.self)
        self.minCount = minCount
        spec = KeySpec(name, .list(.object(object), minCount: minCount), presence, doc)
    }
}

/// A key whose value maps names to mappings with keys `Keys` (generators by field name).
public struct ObjectMapKey<Keys: KeySet>: AnyKey {
    public let spec: KeySpec
    public let object: ObjectSpec

    public init(_ name: String, _ info: ObjectInfo, _ presence: KeySpec.Presence = .optional, _ doc: String) {
        object = info.spec(Keys.self)
        spec = KeySpec(name, .map(.object(object)), presence, doc)
    }
}

/// A key whose value is a list of single-key mappings naming one of several kinds (steps,
/// notifiers): each item is read with its own kind's keys.
public struct VariantListKey: AnyKey {
    public let spec: KeySpec
    public let set: VariantSet
    public let minCount: Int

    public init(_ name: String, _ set: VariantSet, minCount: Int, _ presence: KeySpec.Presence = .optional, _ doc: String) {
        self.set = set
        self.minCount = minCount
        spec = KeySpec(name, .list(.variant(set), minCount: minCount), presence, doc)
    }
}

/// Reads the keys of one mapping by key path into its `KeySet`.
public struct KeyReader<Keys: KeySet> {
    /// The untyped reader underneath (unknown and missing keys were reported when it was made).
    public let base: ObjectReader
    private let keys: Keys

    public init(_ base: ObjectReader) {
        self.init(base, keys: Keys())
    }

    init(_ base: ObjectReader, keys: Keys) {
        self.base = base
        self.keys = keys
    }

    public var decoder: SpecDecoder { base.decoder }
    /// The mapping itself.
    public var node: Node { base.node }

    /// A key's value: as written, or its default; nil when neither (or when it was invalid,
    /// reported).
    public subscript<V>(_ key: KeyPath<Keys, Key<V>>) -> V? {
        let k = keys[keyPath: key]
        return k.read(base, k.spec)
    }

    /// A key this mapping may not have (nil when its `KeySet` does not declare it).
    public subscript<V>(_ key: KeyPath<Keys, Key<V>?>) -> V? {
        guard let k = keys[keyPath: key] else { return nil }
        return k.read(base, k.spec)
    }

    /// The key's name, as messages quote it.
    public func name<K: AnyKey>(_ key: KeyPath<Keys, K>) -> String { keys[keyPath: key].spec.name }
    public func name<V>(_ key: KeyPath<Keys, Key<V>?>) -> String { keys[keyPath: key]?.spec.name ?? "" }

    /// Whether the scenario wrote this key.
    public func has<K: AnyKey>(_ key: KeyPath<Keys, K>) -> Bool { base.has(keys[keyPath: key].spec) }

    /// The node the scenario wrote for a key (no default applied), for a key decoded in its own
    /// way as well as typed.
    public func written<K: AnyKey>(_ key: KeyPath<Keys, K>) -> Node? { base.written(keys[keyPath: key].spec) }

    /// The mark of a key's value, or of the mapping when the key is absent.
    public func mark<K: AnyKey>(_ key: KeyPath<Keys, K>) -> Mark { base.mark(keys[keyPath: key].spec) }
    public func mark<V>(_ key: KeyPath<Keys, Key<V>?>) -> Mark { keys[keyPath: key].map { base.mark($0.spec) } ?? node.mark }

    /// A group of keys several mappings share, read from this same mapping.
    public func group<G: KeySet>(_ path: KeyPath<Keys, G>) -> KeyReader<G> { KeyReader<G>(base, keys: keys[keyPath: path]) }

    /// A nested mapping (its default when absent, if it has one).
    public func object<O: KeySet, T>(_ key: KeyPath<Keys, ObjectKey<O>>, _ build: (KeyReader<O>) -> T) -> T? {
        let k = keys[keyPath: key]
        return base.object(k.spec, k.object) { build(KeyReader<O>($0)) }
    }

    /// A list of nested mappings; items that cannot be read (reported) are left out.
    public func objects<O: KeySet, T>(_ key: KeyPath<Keys, ObjectListKey<O>>, _ build: (KeyReader<O>) -> T?) -> [T]? {
        let k = keys[keyPath: key]
        return base.objects(k.spec, k.object, minimum: k.minCount) { build(KeyReader<O>($0)) }
    }

    /// Names mapped to nested mappings, in the order written.
    public func objectMap<O: KeySet, T>(_ key: KeyPath<Keys, ObjectMapKey<O>>, _ build: (String, KeyReader<O>) -> T?) -> [T]? {
        let k = keys[keyPath: key]
        return base.objectMap(k.spec, k.object) { build($0, KeyReader<O>($1)) }
    }

    /// A list of single-key mappings choosing among the variants; each is read with its kind's
    /// keys by `build`.
    public func variants<T>(_ key: KeyPath<Keys, VariantListKey>, _ build: (_ name: String, _ nameNode: Node, ObjectReader) -> T?) -> [T]? {
        let k = keys[keyPath: key]
        return base.variants(k.spec, k.set, minimum: k.minCount, build)
    }
}

extension ObjectSpec {
    /// A mapping whose keys are a `KeySet`'s.
    public init<K: KeySet>(name: String, title: String, doc: String, keys: K.Type, constraints: [KeyConstraint] = [],
                           allowsExtensionKeys: Bool = false) {
        self.init(name: name, title: title, doc: doc, keys: K.specs, constraints: constraints, allowsExtensionKeys: allowsExtensionKeys)
    }
}

extension KeyConstraint {
    /// Exactly one of these keys must be present.
    public static func exactlyOne<K: KeySet>(_ keys: PartialKeyPath<K>...) -> KeyConstraint { .exactlyOne(names(keys)) }
    /// At most one of these keys may be present.
    public static func atMostOne<K: KeySet>(_ keys: PartialKeyPath<K>...) -> KeyConstraint { .atMostOne(names(keys)) }

    private static func names<K: KeySet>(_ paths: [PartialKeyPath<K>]) -> [String] {
        let keys = K()
        return paths.compactMap { (keys[keyPath: $0] as? any AnyKey)?.spec.name }
    }
}
