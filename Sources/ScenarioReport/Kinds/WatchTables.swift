import Foundation
import ScenarioRecord
import ScenarioSpec

/// The tables of `watch` steps: recovery timings, the health timeline, alerts with their
/// notifications, and the commands that ran.
extension TableBuilder {
    var watches: [FlatStep] { record.flatSteps.filter { $0.step.watch != nil } }

    var watchTables: [ReportTable] { [recovery, rowAudit, scaling, healthTimeline, alerts, actions, runnerFootprint] }

    /// Every scaling decision: when, from → to, why, the command's result, and how long until the
    /// deployment had the nodes, a new node held segments and served searches; the background
    /// searches' P99 and success before, during and after.
    var scaling: ReportTable {
        var rows: [[ReportTable.Cell]] = []
        for f in watches {
            for r in f.step.watch?.scaling ?? [] {
                func since(_ t: Double?) -> ReportTable.Cell { Format.seconds(fromMs: t.map { $0 - r.atMs }) }
                let result: ReportTable.Cell = r.dryRun ? .init(l.pick("dry run, not run", "演练，未执行"), raw: "dry-run")
                    : .init((r.error ?? "\(l.pick("exit", "退出码")) \(r.exitCode.map(String.init) ?? "?")") + (r.commandMs.map { String(format: l.pick(" in %.1f s", "，%.1f 秒"), $0 / 1000) } ?? ""),
                            raw: r.exitCode.map(String.init) ?? "")
                let nodes = (r.nodesAdded.map { "+\($0)" } + r.nodesRemoved.map { "−\($0)" }).joined(separator: " ")
                rows.append([.init(f.step.id), Format.seconds(fromMs: r.atMs), .init("\(r.from) → \(r.to)", raw: "\(r.from)->\(r.to)"),
                             .init(r.reason), result, .init(nodes.isEmpty ? "—" : nodes, raw: nodes),
                             since(r.nodesAtMs), since(r.reportedAtMs), r.isScaleOut ? since(r.segmentsAtMs) : .init("", raw: ""), r.isScaleOut ? since(r.servingAtMs) : .init("", raw: ""),
                             .init([r.p99BeforeMs, r.p99DuringMs, r.p99AfterMs].map { $0.map { Format.number($0) } ?? "—" }.joined(separator: " / "),
                                   raw: [r.p99BeforeMs, r.p99DuringMs, r.p99AfterMs].map { Format.raw($0) }.joined(separator: "/")),
                             .init([r.successBefore, r.successDuring, r.successAfter].map { $0.map { Format.number($0) + "%" } ?? "—" }.joined(separator: " / "),
                                   raw: [r.successBefore, r.successDuring, r.successAfter].map { Format.raw($0) }.joined(separator: "/")),
                             Format.plain(r.failedDuring.map(Double.init))])
            }
        }
        var table = ReportTable(id: "scaling", title: l.pick("Scaling", "扩缩容"),
                                columns: [.init(id: "step", header: l.step),
                                          .init(id: "at_s", header: l.pick("At", "时间"), alignRight: true),
                                          .init(id: "from_to", header: l.pick("Query nodes", "查询节点"), alignRight: true),
                                          .init(id: "reason", header: l.pick("Reason", "原因")),
                                          .init(id: "command", header: l.pick("Command", "命令")),
                                          .init(id: "nodes", header: l.pick("Nodes joined / left", "加入 / 离开的节点")),
                                          .init(id: "nodes_s", header: l.pick("Node up / gone after (own /metrics)", "节点启动 / 离开耗时 (自身 /metrics)"), alignRight: true),
                                          .init(id: "reported_s", header: l.pick("Cluster reports it after (GetMetrics)", "集群报告耗时 (GetMetrics)"), alignRight: true),
                                          .init(id: "segments_s", header: l.pick("New node holds segments after", "新节点持有分段耗时"), alignRight: true),
                                          .init(id: "serving_s", header: l.pick("New node serves searches after", "新节点开始处理查询耗时"), alignRight: true),
                                          .init(id: "p99_ms", header: l.pick("P99 before / during / after (ms)", "P99 前 / 中 / 后 (毫秒)"), alignRight: true),
                                          .init(id: "success", header: l.pick("Success before / during / after", "成功率 前 / 中 / 后"), alignRight: true),
                                          .init(id: "failed_during", header: l.pick("Failed during", "期间失败数"), alignRight: true)],
                                rows: rows)
        if !rows.isEmpty {
            table.notes.append(l.pick("Times from the decision, to the first check that saw it (exact to within one check interval): the new node's own metrics endpoint answering with its node id (scaling in: no longer answering), the cluster reporting the new number of query nodes (GetMetrics), a new node holding a segment (its milvus_querynode_segment_num), a new node having run searches (its milvus_querynode_sq_req_count). Background searches: the 30 s before the decision; during, from it until a new node served (scaling in: until the node was gone) or the next decision; after, the 30 s that follow. An empty cell: it did not happen within the watch.",
                                      "时间从决策起算，到首次观察到变化的检查为止（精度为一个检查间隔）：新节点自身的指标端点以其节点 ID 应答（缩容：不再应答）、集群报告新的查询节点数（GetMetrics）、新节点持有分段（milvus_querynode_segment_num）、新节点已处理查询（milvus_querynode_sq_req_count）。后台查询：决策前 30 秒；期间为决策到新节点开始处理查询（缩容：到节点离开）或下一次决策；之后为随后的 30 秒。空白表示在监控期内未发生。"))
        }
        return table
    }

    var recovery: ReportTable {
        var rows: [[ReportTable.Cell]] = []
        for f in watches {
            let s = f.step, m = s.metrics(of: WatchStep.self), w = s.watch!
            func row(_ id: String, _ label: String, _ cell: ReportTable.Cell) {
                rows.append([.init(s.id), .init(label, raw: id), cell])
            }
            if let r = w.recovery {
                row("fault_at_s", l.pick("First fault in place at", "首次故障生效时间"), Format.seconds(fromMs: r.faultAtMs))
                row("time_to_detect_s", l.pick("Time to detect", "发现耗时"), Format.seconds(fromMs: m[\.timeToDetect]))
                row("time_to_live_s", l.pick("Time to liveness (/healthz OK)", "恢复存活耗时 (/healthz 正常)"),
                    r.liveAtMs == nil && m[\.timeToDetect] != nil ? .init(l.pick("liveness not lost, or not back", "未失去存活状态或未恢复"), raw: "") : Format.seconds(fromMs: m[\.timeToLive]))
                row("time_to_serving_s", l.pick("Time to serving (a real search works)", "恢复可查询耗时 (真实查询成功)"),
                    !r.servingLost && m[\.timeToServing] == 0 ? .init(l.pick("0 s — searches never stopped working", "0 秒 — 查询始终可用"), raw: "0")
                        : Format.seconds(fromMs: m[\.timeToServing]))
                row("success_before_percent", l.pick("Search success before the fault", "故障前查询成功率"), Format.percent(r.successBefore))
                row("success_during_percent", l.pick("Search success during the fault", "故障期间查询成功率"), Format.percent(r.successDuring))
                let settled = r.settleMs.map { ms in l.pick(" (from \(Format.number(ms / 1000)) s after)", " (恢复 \(Format.number(ms / 1000)) 秒后起)") } ?? ""
                row("success_after_percent", l.pick("Search success after recovery", "恢复后查询成功率") + settled, Format.percent(r.successAfter))
            }
            if let points = w.recall, !points.isEmpty {
                let mean = points.map(\.recall).reduce(0, +) / Double(points.count)
                let text: String
                if let r = w.recovery {
                    text = [r.recallBefore, r.recallDuring, r.recallAfter].map { $0.map { Format.number($0) } ?? "—" }.joined(separator: " / ")
                } else {
                    text = Format.number(mean)
                }
                row("background_recall", l.pick("Recall at the checks" + (w.recovery == nil ? "" : " (before / during / after the fault)") + ", lowest",
                                                 "各次检查的召回率" + (w.recovery == nil ? "" : " (故障前 / 期间 / 恢复后)") + "，最低"),
                    .init("\(text), \(Format.number(points.map(\.recall).min()))", raw: Format.raw(mean)))
            }
            if let a = w.answers {
                let r = w.recovery
                let split = r.map { r in [r.wrongHitsBefore, r.wrongHitsDuring, r.wrongHitsAfter].map { $0.map(String.init) ?? "—" }.joined(separator: " / ") }
                row("background_wrong_hits", l.pick("Background hits checked: wrong" + (split == nil ? "" : " (before / during / after the fault)"),
                                                     "后台检索命中校验：错误" + (split == nil ? "" : " (故障前 / 期间 / 恢复后)")),
                    .init("\(a.hits): \(a.wrongHits)" + (split.map { " (\($0))" } ?? ""), raw: String(a.wrongHits)))
            }
            if let writes = w.writes {
                let r = w.recovery
                if let r {
                    row("write_success_before_percent", l.pick("Insert success before the fault", "故障前写入成功率"), Format.percent(r.writeSuccessBefore))
                    row("write_success_during_percent", l.pick("Insert success during the fault", "故障期间写入成功率"), Format.percent(r.writeSuccessDuring))
                    row("write_success_after_percent", l.pick("Insert success after recovery", "恢复后写入成功率"), Format.percent(r.writeSuccessAfter))
                    row("rows_written_during", l.pick("Rows written during the fault (acknowledged)", "故障期间写入的行数 (已确认)"), Format.plain(r.rowsWrittenDuring.map(Double.init)))
                }
                row("rows_written", l.pick("Rows written during the watch (acknowledged)", "监控期间写入的行数 (已确认)"),
                    .init("\(Format.number(writes.rows.map(Double.init))) (\(Format.number(writes.rate)) × \(l.pick("inserts/s", "次写入/秒")))", raw: Format.raw(writes.rows.map(Double.init))))
                if let extra = m[\.rowsUnacknowledged], extra > 0 {
                    row("rows_unacknowledged", l.pick("Rows stored although their insert failed", "写入失败但已存储的行数"), Format.plain(extra))
                }
            }
            if let empty = w.background?.emptyResults, empty > 0 {
                row("searches_without_hits", l.pick("Background searches that succeeded with no hits", "成功但无结果的后台查询"), Format.plain(Double(empty)))
            }
            if let b = w.background, (b.late ?? 0) > 0 || (b.notSent ?? 0) > 0 {
                // The schedule was held back: by the in-flight cap, or by a client that could not keep up.
                row("background_late_not_sent", l.pick("Background searches started > 1 ms late / not sent (at most \(b.maxInFlight.map(String.init) ?? "?") in flight)",
                                                       "后台查询 延迟 > 1 毫秒发送 / 未发送 (最多 \(b.maxInFlight.map(String.init) ?? "?") 个并发)"),
                    .init("\(b.late ?? 0) / \(b.notSent ?? 0)", raw: String(b.late ?? 0)))
            }
            row("rows_before", l.pick("Rows before", "故障前行数"), Format.plain(w.rowsBefore.map(Double.init)))
            if let written = w.writes?.rows {
                row("rows_expected", l.pick("Rows expected after (before + written)", "预期行数 (故障前 + 写入)"), Format.plain(w.rowsBefore.map { Double($0 + written) }))
            }
            row("rows_after", l.pick("Rows after", "故障后行数"), Format.plain(w.rowsAfter.map(Double.init)))
            row("rows_lost", l.pick("Rows lost", "丢失行数"), Format.plain(m[\.rowsLost]))
            if let c = w.rowCount, c.outcome != .verified {
                row("row_count", l.pick("Row count after the watch", "监控结束后的行数统计"), .init(Self.rowCountFinding(c, l), raw: c.outcome.rawValue))
            }
            row("checks", l.pick("Checks (not serving)", "检查次数 (不可查询)"), .init("\(Format.number(m[\.checks])) (\(Format.number(m[\.unhealthyChecks])))", raw: Format.raw(m[\.checks])))
            row("alerts_fired", l.pick("Alerts fired / resolved", "告警触发 / 恢复"), .init("\(Format.number(m[\.alertsFired])) / \(Format.number(m[\.alertsResolved]))", raw: Format.raw(m[\.alertsFired])))
            row("notifications_sent", l.pick("Notifications delivered / failed", "通知送达 / 失败"),
                .init("\(Format.number(m[\.notificationsSent])) / \(Format.number(m[\.notificationsFailed]))", raw: Format.raw(m[\.notificationsSent])))
            row("actions_run", l.pick("Commands run / failed", "执行命令 / 失败"),
                .init("\(Format.number(m[\.actionsRun])) / \(Format.number(m[\.actionsFailed]))", raw: Format.raw(m[\.actionsRun])))
        }
        var table = ReportTable(id: "recovery", title: l.pick("Fault and recovery", "故障与恢复"),
                                columns: [.init(id: "step", header: l.step), .init(id: "measure", header: l.pick("Measure", "指标")),
                                          .init(id: "value", header: l.pick("Value", "数值"), alignRight: true)],
                                rows: rows)
        if watches.contains(where: { $0.step.watch?.recovery != nil }) {
            table.notes.append(l.pick("Times run from the moment the first fault command finished (the fault in place), to the first check that saw the change — exact to within one check interval. \"During\" ends at the first check that found the deployment serving and live again.",
                                      "时间从第一个故障命令执行完毕（故障生效）算起，到第一次观察到变化的检查为止，精度为一个检查间隔。“故障期间”截止于第一次检查到系统重新可查询且存活。"))
        }
        return table
    }

    /// The runner's own footprint during each watch (a soak): resident memory, CPU, open files,
    /// TCP connections and threads at the start, their worst and at the end.
    var runnerFootprint: ReportTable {
        var rows: [[ReportTable.Cell]] = []
        for f in watches {
            let s = f.step, m = s.metrics(of: WatchStep.self), w = s.watch!
            let samples = w.checks.compactMap(\.runner)
            guard let start = w.runnerStart, let end = w.runnerEnd, !samples.isEmpty else { continue }
            let warm = samples[0]
            func row(_ id: String, _ label: String, _ keyPath: KeyPath<RunnerSample, Double?>, _ verdict: ReportTable.Cell) {
                rows.append([.init(s.id), .init(label, raw: id), Format.plain(start[keyPath: keyPath]), Format.plain(warm[keyPath: keyPath]),
                             Format.plain(samples.compactMap { $0[keyPath: keyPath] }.max()), Format.plain(end[keyPath: keyPath]), verdict])
            }
            let growth = m[\.runnerRSSGrowth]
            row("rss_mib", l.pick("Resident memory (MiB)", "常驻内存 (MiB)"), \.rssValue,
                growth.map { .init(l.pick("grew \(Format.number($0)) MiB (2nd → 4th quarter, medians)", "增长 \(Format.number($0)) MiB (第 2 → 第 4 个四分之一，中位数)"), raw: Format.raw($0)) }
                    ?? .init(l.pick("too few checks to tell", "检查次数太少，无法判断"), raw: ""))
            row("cpu_percent", l.pick("CPU (% of one core, since the previous check)", "CPU (单核百分比，距上次检查)"), \.cpuPercent,
                .init(l.pick("average \(Format.number(m[\.runnerCPUPercent]))%", "平均 \(Format.number(m[\.runnerCPUPercent]))%"), raw: Format.raw(m[\.runnerCPUPercent])))
            func leak(_ n: Double?) -> ReportTable.Cell {
                guard let n else { return .init("—", raw: "") }
                return n > 0 ? .init(l.pick("\(Format.number(n)) not closed", "\(Format.number(n)) 个未关闭"), raw: Format.raw(n))
                    : .init(l.pick("none left open", "无泄漏"), raw: "0")
            }
            row("open_files", l.pick("Open files", "打开的文件"), \.openFilesValue, leak(m[\.runnerOpenFilesLeaked]))
            row("connections", l.pick("TCP connections", "TCP 连接"), \.connectionsValue, leak(m[\.runnerConnectionsLeaked]))
            row("threads", l.pick("Threads", "线程"), \.threadsValue, .init("", raw: ""))
        }
        var table = ReportTable(id: "runner", title: l.pick("The runner's own footprint", "运行器自身资源占用"),
                                columns: [.init(id: "step", header: l.step), .init(id: "measure", header: l.pick("Measure", "指标")),
                                          .init(id: "start", header: l.pick("Before the watch", "监控开始前"), alignRight: true),
                                          .init(id: "first", header: l.pick("First check", "首次检查"), alignRight: true),
                                          .init(id: "worst", header: l.pick("Highest check", "检查最高值"), alignRight: true),
                                          .init(id: "end", header: l.pick("After the watch", "监控结束后"), alignRight: true),
                                          .init(id: "verdict", header: l.pick("Reading", "结论"))],
                                rows: rows)
        if !rows.isEmpty {
            table.notes.append(l.pick("This process, not the server: /proc/self at every check. The first check opens, once, what every later check reuses (the HTTP client's event loop; the background load's connection), so leaks are counted from it: \"after the watch\" is taken once everything the watch started has finished and its connections had up to 3 s to close. Memory grows when the median of the last quarter of checks is above the second quarter's. The run's own connection to Milvus closes when idle and opens again, so connections move by one.",
                                      "本进程而非服务器：每次检查读取 /proc/self。首次检查会一次性打开之后每次检查复用的资源（HTTP 客户端的事件循环、后台负载的连接），因此泄漏从首次检查起算：“监控结束后”在监控启动的所有任务结束、连接最多有 3 秒关闭之后读取。若最后四分之一检查的中位数高于第二个四分之一，即为内存增长。运行本身与 Milvus 的连接空闲时会关闭再重连，因此连接数会相差一个。"))
        }
        return table
    }

    /// What the counts after the watch showed, in words: the measured finding when a count
    /// was low for a while, the reason when none can be trusted.
    static func rowCountFinding(_ c: RowCountRecord, _ l: Labels) -> String {
        let statistics = c.tries.last(where: { $0.statistics != nil })?.statistics
        let stats = statistics.map { l.pick("; the collection statistics said \($0)", "；集合统计为 \($0)") } ?? ""
        let tries = c.tries.count
        switch c.outcome {
        case .verified:
            return Format.number(c.rows.map(Double.init))
        case .recovered:
            let low = c.lowestLowCount.map(String.init) ?? l.pick("no count", "无结果")
            let secs = String(format: "%.1f", (c.lowForMs ?? 0) / 1000)
            return l.pick("\(c.source) answered \(low) (below \(c.expected ?? 0)) for \(secs) s before it was back at \(c.rows ?? 0)\(stats) — nothing lost; \(tries) counts",
                          "\(c.source) 在 \(secs) 秒内返回 \(low)（低于 \(c.expected ?? 0)），之后恢复为 \(c.rows ?? 0)\(stats) — 无数据丢失；共统计 \(tries) 次")
        case .stable:
            return l.pick("\(c.source) answered \(c.rows ?? 0) \(c.stableTries) times in a row\(stats)",
                          "\(c.source) 连续 \(c.stableTries) 次返回 \(c.rows ?? 0)\(stats)")
        case .contradicted:
            let low = c.tries.last?.count.map(String.init) ?? "?"
            let secs = String(format: "%.1f", (c.tries.last?.atMs ?? 0) / 1000)
            return l.pick("unverified: \(c.source) still answered \(low) after \(secs) s\(stats) — the rows are stored but were not served",
                          "无法核实：\(secs) 秒后 \(c.source) 仍返回 \(low)\(stats) — 数据已存储但未能查询到")
        case .unstable, .unavailable:
            let seen = c.tries.map { $0.count.map(String.init) ?? l.pick("error", "失败") }.joined(separator: ", ")
            let last = c.tries.last?.error.map { l.pick(" (last error: \($0))", "（最后的错误：\($0)）") } ?? ""
            return l.pick("unverified: counts seen \(seen)\(last)\(stats)", "无法核实：统计结果 \(seen)\(last)\(stats)")
        }
    }

    var healthTimeline: ReportTable {
        var rows: [[ReportTable.Cell]] = []
        for f in watches {
            let w = f.step.watch!
            let interval = w.intervalMs
            for (i, c) in w.checks.enumerated() {
                let until = i + 1 < w.checks.count ? w.checks[i + 1].atMs : c.atMs + interval
                let events = Self.events(w, from: i == 0 ? -Double.infinity : c.atMs, until: until, l)
                let bg = Self.background(w, from: c.atMs - interval, until: c.atMs)
                rows.append([.init(f.step.id), Format.seconds(fromMs: c.atMs), Format.yesNo(c.serving, l), Format.yesNo(c.live, l), Format.yesNo(c.checkHealth, l),
                             Format.ms(c.latencyMs.map { ($0 * 10).rounded() / 10 }), Format.ms(c.searchLatencyMs.map { ($0 * 10).rounded() / 10 }),
                             Format.percent(c.nodeMemoryPercent.map { ($0 * 10).rounded() / 10 }), Format.percent(c.nodeCPUPercent.map { $0.rounded() }),
                             .init(bg.map { "\($0.ok) / \($0.failed)" } ?? "—", raw: bg.map { "\($0.ok)/\($0.failed)" } ?? ""),
                             .init(events.joined(separator: "; ")), .init(c.problem ?? "")])
            }
        }
        var table = ReportTable(id: "health_timeline", title: l.pick("Health timeline", "健康时间线"),
                                columns: [.init(id: "step", header: l.step), .init(id: "at_s", header: l.pick("Time", "时间"), alignRight: true),
                                          .init(id: "serving", header: l.pick("Serving", "可查询")), .init(id: "live", header: l.pick("Live", "存活")),
                                          .init(id: "check_health", header: "CheckHealth"),
                                          .init(id: "latency_ms", header: l.latency, alignRight: true),
                                          .init(id: "search_latency_ms", header: l.pick("Search", "查询延迟"), alignRight: true),
                                          .init(id: "node_memory_percent", header: l.memoryPercent, alignRight: true),
                                          .init(id: "node_cpu_percent", header: l.cpu, alignRight: true),
                                          .init(id: "background_ok_failed", header: l.pick("Background ok / failed", "后台查询 成功 / 失败"), alignRight: true),
                                          .init(id: "events", header: l.pick("Events", "事件")), .init(id: "problem", header: l.pick("Problem", "问题"))],
                                rows: rows)
        if !rows.isEmpty {
            table.notes.append(l.pick("Serving: a real search succeeded on a fresh connection. Live: every /healthz answered OK. Memory and CPU: the busiest query node. Background: searches of the background load sent since the previous check.",
                                      "可查询：在新连接上真实查询成功。存活：所有 /healthz 返回 OK。内存与 CPU：最繁忙的查询节点。后台查询：自上次检查以来发送的后台查询。"))
        }
        return table
    }

    /// What happened in [from, until): faults, alerts, notifications, commands.
    static func events(_ w: WatchDetails, from: Double, until: Double, _ l: Labels) -> [String] {
        var out: [(Double, String)] = []
        for a in w.actions where a.startedAtMs >= from && a.startedAtMs < until {
            switch a.kind {
            case .fault: out.append((a.startedAtMs, l.pick("fault: \(a.name)", "故障：\(a.name)")))
            case .recover: out.append((a.startedAtMs, l.pick("recover started", "开始恢复") + (a.dryRun ? l.pick(" (dry run)", "（演练）") : "")))
            case .scale: out.append((a.startedAtMs, l.pick("scale \(a.name)", "扩缩容 \(a.name)") + (a.dryRun ? l.pick(" (dry run)", "（演练）") : "")))
            }
        }
        for a in w.actions where a.kind == .recover {
            if let d = a.durationMs, a.startedAtMs + d >= from, a.startedAtMs + d < until {
                out.append((a.startedAtMs + d, l.pick("recover finished (exit \(a.exitCode.map(String.init) ?? "—"))", "恢复完成（退出码 \(a.exitCode.map(String.init) ?? "—")）")))
            }
        }
        for a in w.alerts {
            if a.firedAtMs >= from, a.firedAtMs < until { out.append((a.firedAtMs, l.pick("alert \(a.rule) fired", "告警 \(a.rule) 触发"))) }
            if let r = a.resolvedAtMs, r >= from, r < until { out.append((r, l.pick("alert \(a.rule) resolved", "告警 \(a.rule) 恢复"))) }
        }
        return out.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Background searches sent in (from, until].
    static func background(_ w: WatchDetails, from: Double, until: Double) -> (ok: Int, failed: Int)? {
        guard let b = w.background else { return nil }
        var ok = 0, failed = 0
        for s in b.seconds where Double(s.second) * 1000 >= from && Double(s.second) * 1000 < until {
            ok += s.succeeded
            failed += s.failed
        }
        return (ok, failed)
    }

    var alerts: ReportTable {
        var rows: [[ReportTable.Cell]] = []
        for f in watches {
            let w = f.step.watch!
            for a in w.alerts {
                let sent = Self.notifications(w, of: a)
                var deliveries: [String] = []
                for (name, list) in Dictionary(grouping: sent, by: \.notifier).sorted(by: { $0.key < $1.key }) {
                    let kinds = list.sorted { $0.atMs < $1.atMs }.map { n in l.notification(n.kind.rawValue) + (n.delivered ? " ✓" : " ✗") }
                    deliveries.append("\(name): " + kinds.joined(separator: ", "))
                }
                let failures = sent.filter { !$0.delivered }.compactMap { n in n.error.map { "\(n.notifier): \($0)" } }
                rows.append([.init(f.step.id), .init(a.rule), .init(a.severity), .init(a.condition),
                             Format.seconds(fromMs: a.firedAtMs), Format.seconds(fromMs: a.resolvedAtMs),
                             .init(deliveries.joined(separator: "; ")), .init(failures.joined(separator: "; "))])
            }
        }
        return ReportTable(id: "alerts", title: l.pick("Alerts", "告警"),
                           columns: [.init(id: "step", header: l.step), .init(id: "rule", header: l.pick("Rule", "规则")),
                                     .init(id: "severity", header: l.pick("Severity", "级别")), .init(id: "condition", header: l.pick("Condition", "条件")),
                                     .init(id: "fired_at_s", header: l.pick("Fired at", "触发时间"), alignRight: true),
                                     .init(id: "resolved_at_s", header: l.pick("Resolved at", "恢复时间"), alignRight: true),
                                     .init(id: "notifications", header: l.pick("Notifications", "通知")),
                                     .init(id: "delivery_errors", header: l.pick("Delivery errors", "投递错误"))],
                           rows: rows)
    }

    /// The notifications sent for one alert: from when it fired until it resolved (the resolve
    /// notification is sent right after).
    static func notifications(_ w: WatchDetails, of a: AlertRecord) -> [NotificationRecord] {
        let until = (a.resolvedAtMs ?? .infinity) + w.intervalMs
        return w.notifications.filter { n in n.rule == a.rule && n.atMs >= a.firedAtMs - 1 && n.atMs <= until }
    }

    var actions: ReportTable {
        var rows: [[ReportTable.Cell]] = []
        for f in watches {
            for a in f.step.watch!.actions.sorted(by: { $0.startedAtMs < $1.startedAtMs }) {
                let result: ReportTable.Cell
                if a.dryRun { result = .init(l.pick("dry run: not run", "演练：未执行"), raw: "dry-run") }
                else if let e = a.error { result = .init(e, raw: "error") }
                else { result = .init(l.pick("exit \(a.exitCode.map(String.init) ?? "—")", "退出码 \(a.exitCode.map(String.init) ?? "—")"), raw: a.exitCode.map(String.init) ?? "") }
                let lastLine = a.outputTail?.split(separator: "\n").last.map(String.init) ?? ""
                rows.append([.init(f.step.id), .init(l.actionKind(a.kind.rawValue), raw: a.kind.rawValue), .init(a.name), .init("`\(a.command)`", raw: a.command),
                             Format.seconds(fromMs: a.startedAtMs), Format.seconds(fromMs: a.durationMs), result,
                             .init(lastLine, raw: a.outputTail ?? "")])
            }
        }
        return ReportTable(id: "actions", title: l.pick("Commands (faults, recovery, scaling)", "执行的命令（故障注入、恢复、扩缩容）"),
                           columns: [.init(id: "step", header: l.step), .init(id: "kind", header: l.kind), .init(id: "name", header: l.pick("Name", "名称")),
                                     .init(id: "command", header: l.pick("Command", "命令")), .init(id: "started_at_s", header: l.pick("At", "开始时间"), alignRight: true),
                                     .init(id: "duration_s", header: l.duration, alignRight: true), .init(id: "result", header: l.result),
                                     .init(id: "output_tail", header: l.pick("Last output line", "最后一行输出"))],
                           rows: rows)
    }
}

/// The words only the `watch` tables use, in English and Chinese.
extension Labels {
    func notification(_ kind: String) -> String {
        switch kind {
        case "firing": return pick("firing", "触发")
        case "repeat": return pick("repeat", "重复")
        case "resolved": return pick("resolved", "恢复")
        default: return kind
        }
    }
    func actionKind(_ kind: String) -> String {
        switch kind {
        case "fault": return pick("fault", "故障注入")
        case "recover": return pick("recover", "恢复")
        case "scale": return pick("scale", "扩缩容")
        default: return kind
        }
    }
}
