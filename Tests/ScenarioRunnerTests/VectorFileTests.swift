import Foundation
import TestSupport
import Testing
import VectorFiles

/// The data set readers against files numpy and h5py wrote (scripts/make_dataset.py): every
/// layout must give back exactly the values of numpy's raw dump, in any row range.
@Suite("data set files")
struct VectorFileTests {
    static let enabled = GroundTruthTests.python != nil || ProcessInfo.processInfo.environment["CI"] == "true"

    /// One set of files for the suite (2,000 × 16, 50 queries, 20 neighbours).
    static let folder: Result<URL, any Error> = Result {
        let python = try #require(GroundTruthTests.python, "needs .local/venv (scripts/bootstrap)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("datasets-\(UUID())")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/make_dataset.py").path
        let made = try ChildProcess.run(python, [script, dir.path])
        try #require(made.status == 0, "make_dataset.py failed: \(made.output)")
        return dir
    }

    static func raw<T>(_ name: String, as: T.Type) throws -> [T] {
        let data = try Data(contentsOf: try folder.get().appendingPathComponent(name))
        return data.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
    }

    static func path(_ name: String) throws -> String { try folder.get().appendingPathComponent(name).path }

    @Test("fvecs, npy (float32 and float64) and HDF5 give numpy's rows, whole and in any range", .enabled(if: enabled))
    func floats() throws {
        let base = try Self.raw("base.raw", as: Float.self)
        for (name, dataset, element) in [("small_base.fvecs", nil, VectorFile.Element.float32), ("base.npy", nil, .float32),
                                         ("base_f8.npy", nil, .float64), ("small-euclidean.hdf5", "train", .float32)] {
            let f = try VectorFile.open(try Self.path(name), dataset: dataset)
            #expect(f.rows == 2000 && f.dim == 16 && f.element == element, "\(name)")
            #expect(try f.floats(0..<2000) == base, "\(name)")
            #expect(try f.floats(1234..<1240) == Array(base[(1234 * 16)..<(1240 * 16)]), "\(name)")
            #expect(try f.floats(1999..<2000) == Array(base[(1999 * 16)...]), "\(name)")
        }
        let query = try Self.raw("query.raw", as: Float.self)
        for (name, dataset) in [("small_query.fvecs", nil), ("query.npy", nil), ("small-euclidean.hdf5", "test")] {
            let f = try VectorFile.open(try Self.path(name), dataset: dataset)
            let values = try f.floats(0..<50)
            #expect(f.rows == 50 && f.dim == 16 && values == query, "\(name)")
        }
        // bvecs: the bytes as floats.
        let b = try VectorFile.open(try Self.path("small_base.bvecs"))
        #expect(b.element == .uint8 && b.rows == 2000 && b.dim == 16)
        let bytes = try b.floats(0..<2000)
        let expected = base.map { Float(UInt8(min(max(abs($0) * 16, 0), 255))) }
        #expect(bytes == expected)
    }

    @Test("neighbours from ivecs, npy (int64) and HDF5 are numpy's row numbers", .enabled(if: enabled))
    func neighbours() throws {
        let truth = try Self.raw("neighbors.raw", as: Int32.self).map(Int.init)
        for (name, dataset) in [("small_groundtruth.ivecs", nil), ("neighbors.npy", nil), ("small-euclidean.hdf5", "neighbors")] {
            let f = try VectorFile.open(try Self.path(name), dataset: dataset)
            #expect(f.rows == 50 && f.dim == 20 && f.element.isInteger, "\(name)")
            #expect(try f.integers(0..<50) == truth, "\(name)")
            #expect(try f.integers(49..<50) == Array(truth[(49 * 20)...]), "\(name)")
        }
        // Vectors are not neighbours.
        let vectors = try VectorFile.open(try Self.path("base.npy"))
        #expect(throws: VectorFileError.self) { try vectors.integers(0..<1) }
    }

    @Test("damaged, unsupported or misnamed files say what is wrong", .enabled(if: enabled))
    func errors() throws {
        let dir = try Self.folder.get()
        func message(_ path: String, dataset: String? = nil) -> String {
            do {
                _ = try VectorFile.open(path, dataset: dataset)
                return "opened"
            } catch {
                return String(describing: error)
            }
        }
        #expect(message(dir.appendingPathComponent("nothing.fvecs").path).hasSuffix("no such file"))
        #expect(message(dir.appendingPathComponent("base.raw").path).contains("not a data set file"))
        // An HDF5 dataset that is not there: the message lists what is.
        let missing = message(try Self.path("small-euclidean.hdf5"), dataset: "learn")
        #expect(missing.contains("no dataset 'learn'") && missing.contains("'train'") && missing.contains("'neighbors'"), "\(missing)")
        // A truncated fvecs: not a whole number of rows.
        let fvecs = try Data(contentsOf: dir.appendingPathComponent("small_base.fvecs"))
        let cut = dir.appendingPathComponent("cut.fvecs")
        try fvecs.prefix(fvecs.count - 10).write(to: cut)
        #expect(message(cut.path).contains("not a whole number of 16-d vectors"), "\(message(cut.path))")
        // An .npy that is not a matrix, or of a type the tool does not read.
        let python = try #require(GroundTruthTests.python)
        let made = try ChildProcess.run(python, ["-c", """
            import numpy as np, sys
            d = sys.argv[1]
            np.save(d + '/cube.npy', np.zeros((2, 3, 4), 'float32'))
            np.save(d + '/half.npy', np.zeros((2, 3), 'float16'))
            np.save(d + '/fortran.npy', np.asfortranarray(np.zeros((4, 3), 'float32')))
            """, dir.path])
        try #require(made.status == 0, "\(made.output)")
        #expect(message(dir.appendingPathComponent("cube.npy").path).contains("has shape (2, 3, 4)"))
        #expect(message(dir.appendingPathComponent("half.npy").path).contains("'<f2'"))
        #expect(message(dir.appendingPathComponent("fortran.npy").path).contains("Fortran"))
        // Reading past the end names the rows.
        let f = try VectorFile.open(try Self.path("base.npy"))
        #expect(throws: VectorFileError.self) { try f.floats(1990..<2001) }
    }

    @Test("VectorDBBench Parquet converts to .npy with rows in id order, and bad ids are refused", .enabled(if: enabled))
    func parquet() throws {
        let python = try #require(GroundTruthTests.python)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parquet-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/parquet_to_npy.py").path
        func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
            let outcome = try ChildProcess.run(python, arguments)
            return (outcome.status, outcome.output)
        }
        // VectorDBBench's layout, shuffled and in two parts: row id i is [10i, 10i+1, 10i+2, 10i+3];
        // query t is [-t, …]; its neighbours are ids t, t+1, t+2.
        let make = try run(["-c", """
            import numpy as np, pyarrow as pa, pyarrow.parquet as pq, sys
            d = sys.argv[1]
            ids = np.random.default_rng(3).permutation(1000)
            emb = lambda i: [float(10 * i + j) for j in range(4)]
            for part, chunk in enumerate(np.array_split(ids, 2)):
                pq.write_table(pa.table({'id': chunk, 'emb': [emb(i) for i in chunk]}), f'{d}/shuffle_train-0{part}-of-02.parquet')
            pq.write_table(pa.table({'id': [2, 0, 1], 'emb': [[-float(t)] * 4 for t in [2, 0, 1]]}), f'{d}/test.parquet')
            pq.write_table(pa.table({'id': [1, 2, 0], 'neighbors_id': [[t, t + 1, t + 2] for t in [1, 2, 0]]}), f'{d}/neighbors.parquet')
            """, dir.path])
        try #require(make.status == 0, "\(make.output)")
        let converted = try run([script, dir.path])
        #expect(converted.status == 0, "\(converted.output)")
        let train = try VectorFile.open(dir.appendingPathComponent("train.npy").path)
        #expect(train.rows == 1000 && train.dim == 4 && train.element == .float32)
        #expect(try train.floats(0..<1000) == (0..<1000).flatMap { i in (0..<4).map { Float(10 * i + $0) } })
        let test = try VectorFile.open(dir.appendingPathComponent("test.npy").path)
        #expect(try test.floats(0..<3) == [0, 0, 0, 0, -1, -1, -1, -1, -2, -2, -2, -2])
        let neighbors = try VectorFile.open(dir.appendingPathComponent("neighbors.npy").path)
        let ids = try neighbors.integers(0..<3)
        #expect(neighbors.element == .int64 && ids == [0, 1, 2, 1, 2, 3, 2, 3, 4])

        // Ids that are not 0 … n-1 cannot name rows: refused with the reason.
        let bad = dir.appendingPathComponent("bad")
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        for name in ["test.parquet", "neighbors.parquet"] {
            try FileManager.default.copyItem(at: dir.appendingPathComponent(name), to: bad.appendingPathComponent(name))
        }
        _ = try run(["-c", "import pyarrow as pa, pyarrow.parquet as pq, sys; pq.write_table(pa.table({'id': [5, 7], 'emb': [[1.0], [2.0]]}), sys.argv[1] + '/train.parquet')", bad.path])
        let refused = try run([script, bad.path])
        #expect(refused.status != 0 && refused.output.contains("ids must be 0 … 1"), "\(refused.output)")
    }
}
