import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterCurate

/// A missing or corrupt model file is one clear error naming the file and the problem.
@Suite struct FastTextModelErrorTests {
    static let tmp: String = {
        let dir = ScratchDirectory.root + "/fasttext-errors"
        try? FileSystem.createDirectory(dir)
        return dir
    }()

    static func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = tmp + "/" + name
        try AtomicFile.write(bytes, to: path)
        return path
    }

    static func load(_ path: String) -> FastTextModelError? {
        do {
            _ = try FastTextModel(contentsOf: path)
            return nil
        } catch {
            return error
        }
    }

    static var validBytes: [UInt8] {
        get throws { try FileSystem.read(CurateTestSupport.fixtures + "/tiny-ova.ftz") }
    }

    @Test("a missing file")
    func missing() {
        let e = Self.load("/nonexistent/lid.176.ftz")
        #expect(e?.kind == .missing)
        #expect(e?.description == "fastText model '/nonexistent/lid.176.ftz': no such file")
    }

    @Test("a directory")
    func directory() {
        #expect(Self.load(Self.tmp)?.kind == .unreadable("it is a directory"))
    }

    @Test("a file that is not a fastText model (wrong magic)")
    func wrongMagic() throws {
        let path = try Self.write(Array("<html>404 Not Found</html>\n".utf8), "page.ftz")
        let e = try #require(Self.load(path))
        #expect(e.kind == .wrongMagic(found: 0x6d74_683c))
        #expect(e.description.contains(path) && e.description.contains("not a fastText model file"))
    }

    @Test("an empty file")
    func empty() throws {
        let path = try Self.write([], "empty.ftz")
        #expect(Self.load(path)?.kind == .truncated(section: "header", offset: 0))
    }

    @Test("a truncated file names the section it ends in", arguments: [6, 40, 100, 2000, 17000])
    func truncated(length: Int) throws {
        let bytes = try Self.validBytes
        try #require(length < bytes.count)
        let path = try Self.write(Array(bytes.prefix(length)), "cut-\(length).ftz")
        let e = try #require(Self.load(path))
        guard case .truncated(let section, let offset) = e.kind else {
            Issue.record("expected truncated, got \(e)")
            return
        }
        #expect(offset == length)
        #expect(!section.isEmpty)
        #expect(e.description.contains("truncated"))
    }

    @Test("an unknown format version")
    func version() throws {
        var bytes = try Self.validBytes
        bytes[4] = 99
        let path = try Self.write(bytes, "v99.ftz")
        #expect(Self.load(path)?.kind == .unsupportedVersion(99))
    }

    @Test("a word-vector model is not a classifier")
    func wordVectors() throws {
        var bytes = try Self.validBytes
        bytes[8 + 4 * 7] = 2  // args.model = skipgram
        let path = try Self.write(bytes, "skipgram.ftz")
        let e = try #require(Self.load(path))
        #expect(e.kind == .notClassifier("it is a skipgram word-vector model"))
    }

    @Test("inconsistent sizes are reported as corrupt")
    func inconsistent() throws {
        var bytes = try Self.validBytes
        bytes[8] = 0x7f  // dim far larger than the matrices
        bytes[9] = 0x00
        let path = try Self.write(bytes, "dim.ftz")
        let e = try #require(Self.load(path))
        guard case .invalid = e.kind else {
            Issue.record("expected invalid, got \(e)")
            return
        }
        #expect(e.description.contains("corrupt model file"))
    }

    @Test("the langid factory fails with one error naming the file before any record is read")
    func factoryError() throws {
        let path = try Self.write(Array(try Self.validBytes.prefix(500)), "factory-cut.ftz")
        var options = StageOptions(stage: "langid", ["model": path, "expect": "cy"])
        do {
            _ = try LanguageIDStage.factory.make(&options, StageBuildContext(baseDirectory: "."))
            Issue.record("the factory accepted a truncated model")
        } catch let d as Diagnostic {
            #expect(d.message.contains(path))
            #expect(d.message.contains("truncated"))
        }
    }

    @Test("the langid factory resolves a relative model path against the recipe directory")
    func factoryResolves() throws {
        var options = StageOptions(stage: "langid", ["model": "tiny-ova.ftz"])
        let stage = try LanguageIDStage.factory.make(&options, StageBuildContext(baseDirectory: CurateTestSupport.fixtures))
        #expect(options.finish().isEmpty)
        #expect((stage as? LanguageIDStage)?.model.isQuantized == true)
    }
}
