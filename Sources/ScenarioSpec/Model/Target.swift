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

    public struct TLS: Sendable {
        /// PEM file of the certificate authority to trust, instead of the system's.
        public var caFile: String?
        /// Name to verify in the server's certificate, when it differs from the URI's host.
        public var serverName: String?
    }

    public static let tlsSpec = ObjectSpec(
        name: "tls", title: "tls", doc: "TLS settings; TLS is used when the URI starts with `https://`.",
        keys: [
            KeySpec("caFile", .text, .runtimeDefault("the system's trusted certificates"), "PEM file of the certificate authority to trust."),
            KeySpec("serverName", .text, .runtimeDefault("the URI's host"), "Name to verify in the server's certificate."),
        ])

    public static let spec = ObjectSpec(
        name: "target", title: "target",
        doc: "The Milvus deployment to run against. Secrets belong in the environment: write `token: ${MILVUS_TOKEN}`, never the token itself.",
        keys: [
            KeySpec("uri", .url, .defaultValue("http://127.0.0.1:19530"), "gRPC address of the Milvus proxy: `http://host:port`, or `https://host:port` for TLS."),
            KeySpec("token", .secret, .optional, "API token (`user:password` or a key); never printed."),
            KeySpec("user", .text, .optional, "User name, with `password`."),
            KeySpec("password", .secret, .optional, "Password for `user`; never printed."),
            KeySpec("database", .text, .defaultValue("default"), "Database name."),
            KeySpec("timeout", .duration(allowZero: false), .defaultValue("30s"), "Deadline of each call (waits for loads and indexes have their own)."),
            KeySpec("metrics", .oneOrMore(.url), .runtimeDefault("none"), "Metrics base URLs, e.g. `http://127.0.0.1:9091` (one per process on a cluster), used by `monitor`, `health` and `watch`."),
            KeySpec("tls", .object(tlsSpec), .optional, "TLS settings."),
        ],
        constraints: [.atMostOne(["token", "user"])])

    init(_ r: ObjectReader) {
        let d = r.decoder
        uri = r.string("uri") ?? "http://127.0.0.1:19530"
        token = r.secret("token")
        user = r.string("user")
        password = r.secret("password")
        database = r.string("database") ?? "default"
        timeout = r.duration("timeout") ?? .seconds(30)
        metrics = r.strings("metrics") ?? []
        tls = r.object("tls") { t in TLS(caFile: t.string("caFile"), serverName: t.string("serverName")) }
        for key in ["token", "password"] {
            if let s = key == "token" ? token : password, s.writtenLiterally, !s.isEmpty {
                d.warning(r.mark(key), .secretInFile, "'\(key)' is written in the scenario itself; use ${MILVUS_\(key.uppercased())} so the secret stays out of files and version control")
            }
        }
        if user != nil, password == nil { d.error(r.mark("user"), .credentialsIncomplete, "'user' needs a 'password' (for example password: ${MILVUS_PASSWORD})") }
        if password != nil, user == nil { d.error(r.mark("password"), .credentialsIncomplete, "'password' needs a 'user'") }
        if tls != nil, !uri.hasPrefix("https://") {
            d.warning(r.mark("tls"), .tlsWithoutHttps, "'tls' settings apply only to an https:// URI, and the uri is \(uri)")
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

    public static let spec = ObjectSpec(
        name: "report", title: "report", doc: "What reports to write, and in which language.",
        keys: [
            KeySpec("language", .choice(Language.allCases.map(\.rawValue)), .defaultValue("en"), "Language of the report's headings: `en`, or `zh` with the document's headings (查询性能统计, 副本数 …)."),
            KeySpec("formats", .list(.choice(Format.allCases.map(\.rawValue)), minCount: 1), .defaultValue("[markdown, csv, json, junit, svg]"), "Files to write. The JSON run record is always written."),
            KeySpec("dir", .text, .defaultValue("reports"), "Folder under which `<name>/<UTC timestamp>/` is created; `--report-dir` overrides."),
        ])

    init(_ r: ObjectReader) {
        language = r.choice("language") ?? .en
        formats = (r.strings("formats") ?? []).compactMap(Format.init(rawValue:))
        if formats.isEmpty { formats = Format.allCases }
        directory = r.string("dir") ?? "reports"
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

    static let nameKey = KeySpec("name", .identifier, .runtimeDefault("the kind: `webhook`, `alertmanager` or `smtp`"), "Name used by rules' `notify`.")

    public static let variants = VariantSet(title: "notifier", variants: [
        ("webhook", ObjectSpec(name: "notifier_webhook", title: "webhook notifier",
                               doc: "POSTs each alert as JSON, with a Slack-compatible `text` field.",
                               keys: [nameKey,
                                      KeySpec("url", .url, .required, "Where to POST."),
                                      KeySpec("headers", .textMap, .defaultValue("{}"), "Extra HTTP headers (values may use `${VAR}`; they are never printed)."),
                                      KeySpec("timeout", .duration(allowZero: false), .defaultValue("5s"), "Deadline of each delivery.")])),
        ("alertmanager", ObjectSpec(name: "notifier_alertmanager", title: "alertmanager notifier",
                                    doc: "Sends alerts to a Prometheus Alertmanager (`POST /api/v2/alerts`), with `endsAt` when they resolve.",
                                    keys: [nameKey,
                                           KeySpec("url", .url, .required, "Alertmanager base URL, e.g. `http://127.0.0.1:9093`."),
                                           KeySpec("labels", .textMap, .defaultValue("{}"), "Labels added to every alert."),
                                           KeySpec("timeout", .duration(allowZero: false), .defaultValue("5s"), "Deadline of each delivery.")])),
        ("smtp", ObjectSpec(name: "notifier_smtp", title: "smtp notifier",
                            doc: "E-mails each alert (the document's channel).",
                            keys: [nameKey,
                                   KeySpec("host", .text, .required, "SMTP server host."),
                                   KeySpec("port", .integer(min: 1, max: 65535), .defaultValue("587"), "SMTP server port."),
                                   KeySpec("security", .choice(SMTP.Security.allCases.map(\.rawValue)), .defaultValue("starttls"), "`starttls` (upgrade after connecting), `tls` (TLS from the start) or `none`."),
                                   KeySpec("user", .text, .optional, "Login user."),
                                   KeySpec("password", .secret, .optional, "Login password; never printed."),
                                   KeySpec("from", .text, .required, "Sender address."),
                                   KeySpec("to", .list(.text, minCount: 1), .required, "Recipient addresses."),
                                   KeySpec("subjectPrefix", .text, .defaultValue("[milvus-scenario]"), "Start of every subject line."),
                                   KeySpec("caFile", .text, .runtimeDefault("the system's trusted certificates"), "PEM file of the certificate authority to trust for `starttls` and `tls`."),
                                   KeySpec("timeout", .duration(allowZero: false), .defaultValue("10s"), "Deadline of each delivery.")])),
    ])

    init?(kind: String, _ r: ObjectReader) {
        name = r.string("name") ?? kind
        mark = r.node.mark
        switch kind {
        case "webhook":
            let url = r.string("url"), headers = r.parameters("headers") ?? [], timeout = r.duration("timeout") ?? .seconds(5)
            guard let url else { return nil }
            channel = .webhook(url: url, headers: headers, timeout: timeout)
        case "alertmanager":
            let url = r.string("url"), labels = r.parameters("labels") ?? [], timeout = r.duration("timeout") ?? .seconds(5)
            guard let url else { return nil }
            channel = .alertmanager(url: url, labels: labels, timeout: timeout)
        default:
            let smtp = SMTP(host: r.string("host") ?? "", port: r.int("port") ?? 587,
                            security: r.choice("security") ?? .starttls, user: r.string("user"),
                            password: r.secret("password"), from: r.string("from") ?? "",
                            to: r.strings("to") ?? [], subjectPrefix: r.string("subjectPrefix") ?? "[milvus-scenario]",
                            timeout: r.duration("timeout") ?? .seconds(10), caFile: r.string("caFile"))
            if let p = smtp.password, p.writtenLiterally, !p.isEmpty {
                r.decoder.warning(r.mark("password"), .secretInFile, "'password' is written in the scenario itself; use ${SMTP_PASSWORD} so the secret stays out of files and version control")
            }
            if smtp.password != nil, smtp.user == nil { r.decoder.error(r.mark("password"), .credentialsIncomplete, "'password' needs a 'user'") }
            channel = .smtp(smtp)
        }
    }
}
