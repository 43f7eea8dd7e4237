import Foundation
import JupiterCore
import Testing

@testable import Jupiter

/// Batches committed behind the work (``BatchCommitter``): every submitted batch ends in place and
/// done, with the bytes a direct write gives; a failed commit surfaces, and stops what follows.
@Suite struct BatchCommitterTests {
    /// A batch whose three files and counts depend on its index (some outputs empty).
    static func output(_ b: Int) -> BatchOutput {
        var out = BatchOutput()
        for i in 0..<(b % 3 == 0 ? 0 : 50 + b) {
            out.kept += Array(#"{"id":"b\#(b)-\#(i)","text":"cofnod \#(i)","lineage":{"origins":[],"stages":["s"]}}"#.utf8) + [0x0A]
        }
        if b % 2 == 0 { out.dropped = Array(#"{"id":"d\#(b)","dropped":{"stage":"s","rule":"r"}}"#.utf8) + [0x0A] }
        if b % 5 == 4 { out.quarantine = Array(#"{"file":"x","line":\#(b),"error":"bad"}"#.utf8) + [0x0A] }
        out.counts.kept = b % 3 == 0 ? 0 : 50 + b
        out.counts.records = out.counts.kept
        out.counts.dropped = b % 2 == 0 ? 1 : 0
        out.counts.quarantined = b % 5 == 4 ? 1 : 0
        return out
    }

    /// Every file of a step folder, by name.
    static func contents(_ dir: String) throws -> [String: [UInt8]] {
        var all: [String: [UInt8]] = [:]
        for name in FileSystem.list(dir) ?? [] { all[name] = try FileSystem.read(dir + "/" + name) }
        return all
    }

    @Test("40 batches from 3 tasks through a committer of limit 4: the files of direct writes, all done")
    func committedBatchesEqualDirectWrites() async throws {
        let root = try TestSupport.temporaryDirectory("committer")
        let direct = BatchFiles(directory: root + "/direct", compressKept: false)
        let behind = BatchFiles(directory: root + "/behind", compressKept: false)
        try FileSystem.createDirectory(direct.directory)
        try FileSystem.createDirectory(behind.directory)
        for b in 0..<40 { try direct.write(batch: b, Self.output(b)) }

        let committer = BatchCommitter(workers: 1)
        #expect(committer.limit == 4)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<3 {
                group.addTask {
                    for b in stride(from: t, to: 40, by: 3) {
                        try await committer.submit(try behind.prepare(batch: b, Self.output(b)))
                    }
                }
            }
            try await group.waitForAll()
        }
        try await committer.drain()
        let expected = try Self.contents(direct.directory)
        // 40 kept files and 40 completion records; drop files for the 20 even batches, quarantine
        // files for the 8 batches 4, 9, …: empty ones are not written.
        #expect(expected.count == 108)
        #expect(try Self.contents(behind.directory) == expected)
        for b in 0..<40 { #expect(behind.done(b)?.records == Self.output(b).counts.records, "batch \(b)") }
    }

    @Test("an empty drop or quarantine file is not written, a stale one is removed, a missing needed one undoes the batch")
    func emptyOutputsAreNotWritten() throws {
        let root = try TestSupport.temporaryDirectory("committer-empty")
        let files = BatchFiles(directory: root + "/step", compressKept: false)
        try FileSystem.createDirectory(files.directory)
        // Batch 0 with drops and a quarantine entry, then written again without either.
        try files.write(batch: 0, Self.output(4))
        #expect(FileSystem.exists(files.droppedPath(0)) && FileSystem.exists(files.quarantinePath(0)))
        #expect(files.done(0)?.quarantined == 1)
        try files.write(batch: 0, Self.output(1))
        #expect(!FileSystem.exists(files.droppedPath(0)) && !FileSystem.exists(files.quarantinePath(0)))
        #expect(files.done(0)?.records == Self.output(1).counts.records)
        // A batch whose counts say it dropped records is not done without its drop file.
        try files.write(batch: 1, Self.output(2))
        #expect(files.done(1) != nil)
        FileSystem.remove(files.droppedPath(1))
        #expect(files.done(1) == nil)
    }

    @Test("a commit that fails is thrown by drain and by the next submit, and marks nothing done")
    func failedCommitSurfaces() async throws {
        let root = try TestSupport.temporaryDirectory("committer-fail")
        let files = BatchFiles(directory: root + "/step", compressKept: false)
        try FileSystem.createDirectory(files.directory)
        let committer = BatchCommitter(workers: 1)
        do {
            let pending = try files.prepare(batch: 0, Self.output(1))
            // The kept file's temporary copy is gone before its rename.
            FileSystem.remove(pending.outputs[0].temporaryPath)
            try await committer.submit(pending)
        }
        await #expect(throws: IOError.self) { try await committer.drain() }
        #expect(files.done(0) == nil)
        #expect(!FileSystem.exists(files.donePath(0)))
        await #expect(throws: IOError.self) {
            try await committer.submit(try files.prepare(batch: 1, Self.output(2)))
        }
        #expect(!FileSystem.exists(files.donePath(1)))
        // Neither batch leaves a temporary file once released (the committer's thread lets go of
        // the failed one just after it finishes).
        func temporaries() -> [String] { (FileSystem.list(files.directory) ?? []).filter { $0.contains(".tmp-") } }
        for _ in 0..<200 where !temporaries().isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(temporaries() == [])
    }
}
