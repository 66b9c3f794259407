/// Where the scenario runs: the Milvus server, its credentials and its metrics endpoints.
public struct Target: Sendable {
    public var uri: String
    public var token: Secret?
    public var user: String?
    public var password: Secret?
    public var database: String
    public var timeout: ScenarioDuration
    /// Base URLs of the components' metrics ports (`/metrics`, `/healthz`); one per process on a cluster.
    public var metrics: [String]
    public var tls: TLS?
    /// The server's `common.gracefulTime`: how stale a `Bounded` read may be.
    public var gracefulTime: ScenarioDuration

    public struct TLS: Sendable {
        /// PEM file of the certificate authority to trust, instead of the system's.
        public var caFile: String?
        /// Name to verify in the server's certificate, when it differs from the URI's host.
        public var serverName: String?
    }

    public struct TLSKeys: KeySet {
        public init() {}
        public let caFile = Key.text("caFile", .runtimeDefault("the system's trusted certificates"), "PEM file of the certificate authority to trust.")
        public let serverName = Key.text("serverName", .runtimeDefault("the URI's host"), "Name to verify in the server's certificate.")
    }

    public static let tlsInfo = ObjectInfo(name: "tls", title: "tls", doc: "TLS settings; TLS is used when the URI starts with `https://`.")
    public static var tlsSpec: ObjectSpec { tlsInfo.spec(TLSKeys.self) }

    public struct Keys: KeySet {
        public init() {}
        public let uri = Key.url("uri", .defaultValue("http://127.0.0.1:19530"), "gRPC address of the Milvus proxy: `http://host:port`, or `https://host:port` for TLS.")
        public let token = Key.secret("token", .optional, "API token (`user:password` or a key); never printed.")
        public let user = Key.text("user", .optional, "User name, with `password`.")
        public let password = Key.secret("password", .optional, "Password for `user`; never printed.")
        public let database = Key.text("database", .defaultValue("default"), "Database name.")
        public let timeout = Key.duration("timeout", allowZero: false, .defaultValue("30s"), "Deadline of each call (waits for loads and indexes have their own).")
        public let metrics = Key.oneOrMore("metrics", of: .url, .runtimeDefault("none"), "Metrics base URLs, e.g. `http://127.0.0.1:9091` (one per process on a cluster), used by `monitor`, `health` and `watch`.")
        public let tls = ObjectKey<TLSKeys>("tls", tlsInfo, .optional, "TLS settings.")
        public let gracefulTime = Key.duration("gracefulTime", allowZero: true, .defaultValue("5s"),
                                               "The server's `common.gracefulTime` (milvus.yaml; 5 s unless changed): a `Bounded` read sees every write acknowledged at least this long before it. Answer checks (`verify`, recall's hits, a watch's searches) count a row written or deleted more recently as stale, not wrong. Set it to what the server is configured with; no API reports it.")
    }

    public static let info = ObjectInfo(
        name: "target", title: "target",
        doc: "The Milvus deployment to run against. Secrets belong in the environment: write `token: ${MILVUS_TOKEN}`, never the token itself.",
        constraints: [.atMostOne(\Keys.token, \Keys.user)])
    public static var spec: ObjectSpec { info.spec(Keys.self) }

    init(_ r: KeyReader<Keys>) {
        let d = r.decoder
        uri = r[\.uri] ?? "http://127.0.0.1:19530"
        token = r[\.token]
        user = r[\.user]
        password = r[\.password]
        database = r[\.database] ?? "default"
        timeout = r[\.timeout] ?? .seconds(30)
        metrics = r[\.metrics] ?? []
        tls = r.object(\.tls) { t in TLS(caFile: t[\.caFile], serverName: t[\.serverName]) }
        gracefulTime = r[\.gracefulTime] ?? .seconds(5)
        for (secret, key) in [(token, \Keys.token), (password, \Keys.password)] {
            if let s = secret, s.writtenLiterally, !s.isEmpty {
                let name = r.name(key)
                d.warning(r.mark(key), .secretInFile, "'\(name)' is written in the scenario itself; use ${MILVUS_\(name.uppercased())} so the secret stays out of files and version control")
            }
        }
        if user != nil, password == nil { d.error(r.mark(\.user), .credentialsIncomplete, "'user' needs a 'password' (for example password: ${MILVUS_PASSWORD})") }
        if password != nil, user == nil { d.error(r.mark(\.password), .credentialsIncomplete, "'password' needs a 'user'") }
        if tls != nil, !uri.hasPrefix("https://") {
            d.warning(r.mark(\.tls), .tlsWithoutHttps, "'tls' settings apply only to an https:// URI, and the uri is \(uri)")
        }
    }
}

/// How reports are written.
public struct ReportOptions: Sendable {
    public enum Language: String, Sendable, CaseIterable { case en, zh }
    public enum Format: String, Sendable, CaseIterable { case markdown, csv, json, junit, svg }

    public var language: Language
    public var formats: [Format]
    public var directory: String

    public struct Keys: KeySet {
        public init() {}
        public let language = Key<Language>.choice("language", .defaultValue("en"), "Language of the report's headings: `en`, or `zh` with the document's headings (查询性能统计, 副本数 …).")
        public let formats = Key.list("formats", of: .choice(Format.allCases.map(\.rawValue)), minCount: 1, .defaultValue("[markdown, csv, json, junit, svg]"), "Files to write. The JSON run record is always written.")
        public let dir = Key.text("dir", .defaultValue("reports"), "Folder under which `<name>/<UTC timestamp>/` is created; `--report-dir` overrides.")
    }

    public static let info = ObjectInfo(name: "report", title: "report", doc: "What reports to write, and in which language.")
    public static var spec: ObjectSpec { info.spec(Keys.self) }

    init(_ r: KeyReader<Keys>) {
        language = r[\.language] ?? .en
        formats = (r[\.formats] ?? []).compactMap(Format.init(rawValue:))
        if formats.isEmpty { formats = Format.allCases }
        directory = r[\.dir] ?? "reports"
    }
}

/// Where alerts are sent: a webhook, a Prometheus Alertmanager or an SMTP server.
public struct Notifier: Sendable {
    public enum Channel: Sendable {
        case webhook(url: String, headers: [Parameter], timeout: ScenarioDuration)
        case alertmanager(url: String, labels: [Parameter], timeout: ScenarioDuration)
        case smtp(SMTP)
    }

    public struct SMTP: Sendable {
        public enum Security: String, Sendable, CaseIterable { case starttls, tls, none }
        public var host: String
        public var port: Int
        public var security: Security
        public var user: String?
        public var password: Secret?
        public var from: String
        public var to: [String]
        public var subjectPrefix: String
        public var timeout: ScenarioDuration
        /// PEM file of the certificate authority to trust for STARTTLS/TLS instead of the system's.
        public var caFile: String?

        public init(host: String, port: Int = 587, security: Security = .starttls, user: String? = nil, password: Secret? = nil,
                    from: String, to: [String], subjectPrefix: String = "[milvus-scenario]", timeout: ScenarioDuration = .seconds(10),
                    caFile: String? = nil) {
            self.host = host
            self.port = port
            self.security = security
            self.user = user
            self.password = password
            self.from = from
            self.to = to
            self.subjectPrefix = subjectPrefix
            self.timeout = timeout
            self.caFile = caFile
        }
    }

    public var name: String
    public var channel: Channel
    public var mark: Mark

    static let nameKey = Key.identifier("name", .runtimeDefault("the kind: `webhook`, `alertmanager` or `smtp`"), "Name used by rules' `notify`.")

    public struct WebhookKeys: KeySet {
        public init() {}
        public let name = Notifier.nameKey
        public let url = Key.url("url", .required, "Where to POST.")
        public let headers = Key.textMap("headers", .defaultValue("{}"), "Extra HTTP headers (values may use `${VAR}`; they are never printed).")
        public let timeout = Key.duration("timeout", allowZero: false, .defaultValue("5s"), "Deadline of each delivery.")
    }

    public struct AlertmanagerKeys: KeySet {
        public init() {}
        public let name = Notifier.nameKey
        public let url = Key.url("url", .required, "Alertmanager base URL, e.g. `http://127.0.0.1:9093`.")
        public let labels = Key.textMap("labels", .defaultValue("{}"), "Labels added to every alert.")
        public let timeout = Key.duration("timeout", allowZero: false, .defaultValue("5s"), "Deadline of each delivery.")
    }

    public struct SMTPKeys: KeySet {
        public init() {}
        public let name = Notifier.nameKey
        public let host = Key.text("host", .required, "SMTP server host.")
        public let port = Key.integer("port", min: 1, max: 65535, .defaultValue("587"), "SMTP server port.")
        public let security = Key<SMTP.Security>.choice("security", .defaultValue("starttls"), "`starttls` (upgrade after connecting), `tls` (TLS from the start) or `none`.")
        public let user = Key.text("user", .optional, "Login user.")
        public let password = Key.secret("password", .optional, "Login password; never printed.")
        public let from = Key.text("from", .required, "Sender address.")
        public let to = Key.list("to", of: .text, minCount: 1, .required, "Recipient addresses.")
        public let subjectPrefix = Key.text("subjectPrefix", .defaultValue("[milvus-scenario]"), "Start of every subject line.")
        public let caFile = Key.text("caFile", .runtimeDefault("the system's trusted certificates"), "PEM file of the certificate authority to trust for `starttls` and `tls`.")
        public let timeout = Key.duration("timeout", allowZero: false, .defaultValue("10s"), "Deadline of each delivery.")
    }

    public static let variants = VariantSet(title: "notifier", variants: [
        ("webhook", ObjectSpec(name: "notifier_webhook", title: "webhook notifier",
                               doc: "POSTs each alert as JSON, with a Slack-compatible `text` field.", keys: WebhookKeys.self)),
        ("alertmanager", ObjectSpec(name: "notifier_alertmanager", title: "alertmanager notifier",
                                    doc: "Sends alerts to a Prometheus Alertmanager (`POST /api/v2/alerts`), with `endsAt` when they resolve.", keys: AlertmanagerKeys.self)),
        ("smtp", ObjectSpec(name: "notifier_smtp", title: "smtp notifier", doc: "E-mails each alert (the document's channel).", keys: SMTPKeys.self)),
    ])

    init?(kind: String, _ reader: ObjectReader) {
        mark = reader.node.mark
        switch kind {
        case "webhook":
            let r = KeyReader<WebhookKeys>(reader)
            name = r[\.name] ?? kind
            let url = r[\.url], headers = r[\.headers] ?? [], timeout = r[\.timeout] ?? .seconds(5)
            guard let url else { return nil }
            channel = .webhook(url: url, headers: headers, timeout: timeout)
        case "alertmanager":
            let r = KeyReader<AlertmanagerKeys>(reader)
            name = r[\.name] ?? kind
            let url = r[\.url], labels = r[\.labels] ?? [], timeout = r[\.timeout] ?? .seconds(5)
            guard let url else { return nil }
            channel = .alertmanager(url: url, labels: labels, timeout: timeout)
        default:
            let r = KeyReader<SMTPKeys>(reader)
            name = r[\.name] ?? kind
            let smtp = SMTP(host: r[\.host] ?? "", port: r[\.port] ?? 587,
                            security: r[\.security] ?? .starttls, user: r[\.user],
                            password: r[\.password], from: r[\.from] ?? "",
                            to: r[\.to] ?? [], subjectPrefix: r[\.subjectPrefix] ?? "[milvus-scenario]",
                            timeout: r[\.timeout] ?? .seconds(10), caFile: r[\.caFile])
            if let p = smtp.password, p.writtenLiterally, !p.isEmpty {
                r.decoder.warning(r.mark(\.password), .secretInFile, "'password' is written in the scenario itself; use ${SMTP_PASSWORD} so the secret stays out of files and version control")
            }
            if smtp.password != nil, smtp.user == nil { r.decoder.error(r.mark(\.password), .credentialsIncomplete, "'password' needs a 'user'") }
            channel = .smtp(smtp)
        }
    }
}
