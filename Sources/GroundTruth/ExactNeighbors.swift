import BLASRuntime
import Dispatch

/// How near two vectors are, as Milvus' metric types define it, turned into a distance where
/// smaller is nearer: L2 is the squared Euclidean distance (what Milvus returns), IP the negated
/// inner product, COSINE the negated cosine similarity.
public enum DistanceMetric: String, Sendable, CaseIterable {
    case l2 = "L2"
    case ip = "IP"
    case cosine = "COSINE"

    public init?(milvus name: String) {
        self.init(rawValue: name.uppercased())
    }

    /// The distance of two vectors, accumulated in Double: the reference the fast kernels are
    /// checked against, and how the vectors Milvus returned are scored.
    public func distance(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Double {
        precondition(a.count == b.count)
        switch self {
        case .l2:
            var s = 0.0
            for i in 0..<a.count { let d = Double(a[i]) - Double(b[i]); s += d * d }
            return s
        case .ip:
            var s = 0.0
            for i in 0..<a.count { s += Double(a[i]) * Double(b[i]) }
            return -s
        case .cosine:
            var s = 0.0, na = 0.0, nb = 0.0
            for i in 0..<a.count {
                s += Double(a[i]) * Double(b[i])
                na += Double(a[i]) * Double(a[i])
                nb += Double(b[i]) * Double(b[i])
            }
            return na > 0 && nb > 0 ? -s / (na.squareRoot() * nb.squareRoot()) : 0
        }
    }

    public func distance(_ a: [Float], _ b: [Float]) -> Double {
        a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in distance(x, y) } }
    }
}

/// The exact k nearest rows of a few query vectors, by brute force: rows are streamed through in
/// blocks (`add`), each block's distances to all queries are computed at once and only each
/// query's k best so far are kept, so memory stays at one block plus k per query however many
/// rows there are.
///
/// Two kernels compute a block's inner products: OpenBLAS `sgemm` (Debian's libopenblas, which
/// picks AVX2/AVX-512 code for the CPU at run time) and a portable SIMD loop written here.
/// bench/ground-truth measures both; `sgemm` is the default (see bench/GROUND-TRUTH.md).
/// OpenBLAS is loaded when first needed (BLASRuntime): without it, `.blas` runs the SIMD loop and
/// `kernel` says so.
public final class ExactNeighbors {
    public enum Kernel: String, Sendable, CaseIterable {
        case blas
        case simd
    }

    /// Why OpenBLAS's sgemm cannot be used here (not installed, or MILVUS_SCENARIO_BLAS=none);
    /// nil when it can. Loaded once.
    public static let blasUnavailable: String? = {
        var error = [CChar](repeating: 0, count: 512)
        return blasrt_load(&error, error.count) == 0 ? nil : error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }()

    public let metric: DistanceMetric
    public let dim: Int
    public let k: Int
    public let queryCount: Int
    public let kernel: Kernel
    /// Rows seen so far (passing the filter or not): the next row's number.
    public private(set) var rowsSeen = 0
    /// Rows that passed the filter.
    public private(set) var candidates = 0

    /// Queries, row-major (normalised for COSINE), and their squared norms (for L2).
    private var queries: [Float]
    private var queryNorms: [Float]
    /// Each query's k best: a max-heap of distances (worst on top) with their row numbers.
    private var heapDistance: [Float]
    private var heapRow: [Int]
    private var heapCount: [Int]
    /// One block's inner products (queryCount × block rows), and normalised rows for COSINE.
    private var products: [Float] = []
    private var normalised: [Float] = []
    private var rowTerms: [Float] = []

    /// `kernel` is what is asked for; `.blas` without a loadable OpenBLAS becomes `.simd`.
    public init(queries: [[Float]], k: Int, metric: DistanceMetric, kernel: Kernel = .blas) {
        precondition(k > 0 && !queries.isEmpty)
        let dim = queries[0].count
        precondition(queries.allSatisfy { $0.count == dim })
        self.dim = dim
        self.k = k
        self.metric = metric
        self.kernel = kernel == .blas && Self.blasUnavailable != nil ? .simd : kernel
        queryCount = queries.count
        var flat = queries.flatMap { $0 }
        if metric == .cosine { Self.normalise(&flat, dim: dim) }
        self.queries = flat
        queryNorms = (0..<queries.count).map { i in (0..<dim).reduce(Float(0)) { $0 + flat[i * dim + $1] * flat[i * dim + $1] } }
        heapDistance = Array(repeating: 0, count: queries.count * k)
        heapRow = Array(repeating: 0, count: queries.count * k)
        heapCount = Array(repeating: 0, count: queries.count)
    }

    /// Adds `count` rows (row-major, `count × dim`), numbered on from `rowsSeen`. Rows whose
    /// `include` entry is false (a filter they fail) are skipped.
    public func add(_ rows: UnsafeBufferPointer<Float>, include: [Bool]? = nil) {
        let count = rows.count / dim
        precondition(rows.count == count * dim, "a block holds whole rows")
        precondition(include == nil || include!.count == count)
        guard count > 0 else { return }
        defer { rowsSeen += count }
        candidates += include.map { $0.reduce(0) { $0 + ($1 ? 1 : 0) } } ?? count
        if let include, !include.contains(true) { return }

        if metric == .cosine {
            normalised.removeAll(keepingCapacity: true)
            normalised.append(contentsOf: rows)
            Self.normalise(&normalised, dim: dim)
            normalised.withUnsafeBufferPointer { blockProducts($0, count: count) }
        } else {
            blockProducts(rows, count: count)
        }
        select(count: count, include: include)
    }

    public func add(_ rows: [Float], include: [Bool]? = nil) {
        rows.withUnsafeBufferPointer { add($0, include: include) }
    }

    /// Each query's neighbours, nearest first: row number and distance (this type's distance:
    /// squared L2, −IP or −cosine, computed in Float from the kernel's inner products).
    public func neighbors() -> [[(row: Int, distance: Float)]] {
        (0..<queryCount).map { q in
            let n = heapCount[q]
            var pairs = (0..<n).map { (row: heapRow[q * k + $0], distance: heapDistance[q * k + $0] + (metric == .l2 ? queryNorms[q] : 0)) }
            pairs.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.row < $1.row) }
            return pairs
        }
    }

    // MARK: - Kernels

    private func blockProducts(_ x: UnsafeBufferPointer<Float>, count: Int) {
        rowTerms.removeAll(keepingCapacity: true)
        if metric == .l2 {
            for j in 0..<count {
                var s: Float = 0
                for d in 0..<dim { s += x[j * dim + d] * x[j * dim + d] }
                rowTerms.append(s)
            }
        }
        if products.count < queryCount * count { products = Array(repeating: 0, count: queryCount * count) }
        innerProducts(x, count: count)
    }

    /// products[q × count + j] = ⟨query q, row j⟩.
    private func innerProducts(_ x: UnsafeBufferPointer<Float>, count: Int) {
        let dim = self.dim, nq = queryCount
        queries.withUnsafeBufferPointer { q in
            products.withUnsafeMutableBufferPointer { out in
                switch kernel {
                case .blas:
                    blasrt_sgemm_abt(Int32(nq), Int32(count), Int32(dim), q.baseAddress, x.baseAddress, out.baseAddress)
                case .simd:
                    let qb = Shared(q.baseAddress!), xb = Shared(x.baseAddress!), ob = Shared(out.baseAddress!)
                    // Rows in tiles that stay in cache while every query passes over them.
                    let tile = 256
                    let tiles = (count + tile - 1) / tile
                    DispatchQueue.concurrentPerform(iterations: tiles) { t in
                        let lo = t * tile, hi = Swift.min(count, lo + tile)
                        for i in 0..<nq {
                            let qi = qb.base + i * dim
                            for j in lo..<hi { ob.base[i * count + j] = Self.dot(qi, xb.base + j * dim, dim) }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>()
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 16 <= n {
            s0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            s1 += ra.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
            i += 16
        }
        var s = (s0 + s1).sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    // MARK: - Keeping the k best

    /// Folds one block's distances into every query's heap, queries split over the cores.
    private func select(count: Int, include: [Bool]?) {
        let k = self.k, metric = self.metric, nq = queryCount, base = rowsSeen
        let chunks = Swift.min(nq, 8)
        products.withUnsafeBufferPointer { p in
            rowTerms.withUnsafeBufferPointer { terms in
                heapDistance.withUnsafeMutableBufferPointer { hd in
                    heapRow.withUnsafeMutableBufferPointer { hr in
                        heapCount.withUnsafeMutableBufferPointer { hc in
                            let pb = Shared(p.baseAddress!), hdb = Shared(hd.baseAddress!), hrb = Shared(hr.baseAddress!), hcb = Shared(hc.baseAddress!)
                            let tb = terms.baseAddress.map(Shared.init)
                            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                                let lo = nq * c / chunks, hi = nq * (c + 1) / chunks
                                for q in lo..<hi {
                                    let dist = hdb.base + q * k, rows = hrb.base + q * k
                                    var n = hcb.base[q]
                                    let row = pb.base + q * count
                                    let terms = tb?.base
                                    for j in 0..<count {
                                        if let include, !include[j] { continue }
                                        let d: Float = metric == .l2 ? terms![j] - 2 * row[j] : -row[j]
                                        if n < k {
                                            Self.push(d, base + j, dist, rows, &n)
                                        } else if d < dist[0] {
                                            Self.replaceTop(d, base + j, dist, rows, n)
                                        }
                                    }
                                    hcb.base[q] = n
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func push(_ d: Float, _ row: Int, _ dist: UnsafeMutablePointer<Float>, _ rows: UnsafeMutablePointer<Int>, _ n: inout Int) {
        var i = n
        n += 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard dist[parent] < d else { break }
            dist[i] = dist[parent]
            rows[i] = rows[parent]
            i = parent
        }
        dist[i] = d
        rows[i] = row
    }

    @inline(__always)
    static func replaceTop(_ d: Float, _ row: Int, _ dist: UnsafeMutablePointer<Float>, _ rows: UnsafeMutablePointer<Int>, _ n: Int) {
        var i = 0
        while true {
            let l = 2 * i + 1
            guard l < n else { break }
            let r = l + 1
            let c = r < n && dist[r] > dist[l] ? r : l
            guard dist[c] > d else { break }
            dist[i] = dist[c]
            rows[i] = rows[c]
            i = c
        }
        dist[i] = d
        rows[i] = row
    }

    static func normalise(_ v: inout [Float], dim: Int) {
        let n = v.count / dim
        for r in 0..<n {
            var s: Float = 0
            for d in 0..<dim { s += v[r * dim + d] * v[r * dim + d] }
            guard s > 0 else { continue }
            let inv = 1 / s.squareRoot()
            for d in 0..<dim { v[r * dim + d] *= inv }
        }
    }
}

/// A pointer handed to the worker threads of one `concurrentPerform`: each iteration reads
/// shared input and writes only its own part (its queries' heaps, its tile of products).
struct Shared<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    init(_ p: UnsafeMutablePointer<T>) { base = p }
    init(_ p: UnsafePointer<T>) { base = UnsafeMutablePointer(mutating: p) }
}
