import Foundation
import JupiterCore
import Testing

@testable import JupiterTokenize

/// Loading errors name the JSON path; unsupported features are refused by name.
@Suite struct TokenizerLoadingTests {
    static func fixtureBytes(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.tokenizerPath(name))))
    }

    /// A tiny SentencePiece-style tokenizer.json with the given model/normalizer members.
    static func tiny(vocab: String, merges: String = "[]", extra: String = "") -> [UInt8] {
        Array(
            """
            {"version":"1.0","added_tokens":[],"normalizer":null,"pre_tokenizer":null,"post_processor":null,"decoder":null,\(extra)
             "model":{"type":"BPE","dropout":null,"unk_token":null,"fuse_unk":false,"byte_fallback":false,"vocab":\(vocab),"merges":\(merges)}}
            """.utf8)
    }

    @Test func truncatedFileNamesThePathWhereItStops() throws {
        let bytes = try Self.fixtureBytes("llama3")
        guard let at = String(decoding: bytes, as: UTF8.self).range(of: "\"merges\"") else { Issue.record("no merges"); return }
        let cut = Array(bytes[..<(bytes.count - (String(decoding: bytes, as: UTF8.self)[at.upperBound...].utf8.count / 2))])
        #expect(throws: TokenizerError.self) { try Tokenizer(json: cut) }
        do { _ = try Tokenizer(json: cut) } catch {
            #expect(error.kind == .invalidJSON)
            #expect(error.path.hasPrefix("$.model.merges["), "\(error.path)")
            #expect(error.description.contains("truncated"))
        }
    }

    @Test func syntaxErrorInsideVocabNamesTheEntry() {
        let bytes = Self.tiny(vocab: #"{"a":0,"b":1,"c" 2}"#)
        do { _ = try Tokenizer(json: bytes); Issue.record("loaded malformed JSON") } catch {
            #expect(error.kind == .invalidJSON)
            #expect(error.path == "$.model.vocab.c", "\(error.path)")
        }
    }

    @Test func wrongTypesAndMissingMergeTokensNameTheirPath() {
        do { _ = try Tokenizer(json: Self.tiny(vocab: #"{"a":0,"b":"x"}"#)); Issue.record("loaded") } catch {
            #expect(error.kind == .invalidValue)
            #expect(error.path == "$.model.vocab.b")
        }
        do { _ = try Tokenizer(json: Self.tiny(vocab: #"{"a":0,"b":1}"#, merges: #"[["a","b"]]"#)); Issue.record("loaded") } catch {
            #expect(error.path == "$.model.merges[0]")
            #expect(error.message.contains("\"ab\""))
        }
        do { _ = try Tokenizer(json: Self.tiny(vocab: #"{"a":0,"b":1,"ab":2}"#, merges: #"["a b", "a q"]"#)); Issue.record("loaded") } catch
        {
            #expect(error.path == "$.model.merges[1]")
        }
        do { _ = try Tokenizer(json: Array(#"{"model": 3}"#.utf8)); Issue.record("loaded") } catch {
            #expect(error.path == "$.model")
        }
    }

    @Test func unsupportedFeaturesAreNamed() {
        let cases: [(String, String, String)] = [
            (#""normalizer":{"type":"Precompiled","precompiled_charsmap":""},"#, "$.normalizer", "Precompiled"),
            (#""pre_tokenizer":{"type":"UnicodeScripts"},"#, "$.pre_tokenizer", "UnicodeScripts"),
            (###""decoder":{"type":"WordPiece","prefix":"##"},"###, "$.decoder", "WordPiece"),
            (
                #""pre_tokenizer":{"type":"Split","pattern":{"Regex":"(?<=a)b"},"behavior":"Isolated","invert":false},"#,
                "$.pre_tokenizer.pattern.Regex", "lookbehind"
            )
        ]
        for (extra, path, word) in cases {
            // Later duplicate keys win in our parser? Put the override first and drop the null member.
            var json = String(decoding: Self.tiny(vocab: #"{"a":0}"#), as: UTF8.self)
            let key = extra.split(separator: ":").first.map(String.init) ?? ""
            json = json.replacingOccurrences(of: "\(key):null,", with: "")
            json = json.replacingOccurrences(of: "\"version\":\"1.0\",", with: "\"version\":\"1.0\",\(extra)")
            do { _ = try Tokenizer(json: Array(json.utf8)); Issue.record("loaded \(word)") } catch {
                #expect(error.kind == .unsupported, "\(word): \(error)")
                #expect(error.path == path, "\(word): \(error.path)")
                #expect(error.description.contains(word), "\(error)")
            }
        }
        let unigram = Array(#"{"model":{"type":"Unigram","vocab":[["a",0.0]]}}"#.utf8)
        do { _ = try Tokenizer(json: unigram); Issue.record("loaded Unigram") } catch {
            #expect(error.kind == .unsupported && error.description.contains("Unigram"))
        }
    }

    @Test func vocabularyIsKeyedByBytesNotByUnicodeEquivalence() throws {
        // Precomposed é and e + combining acute are canonically equivalent Strings but distinct tokens.
        let tok = try Tokenizer(
            json: Self.tiny(vocab: "{\"\u{e9}\":0,\"e\":1,\"\u{301}\":2,\"e\u{301}\":3}", merges: "[[\"e\",\"\u{301}\"]]"))
        #expect(tok.encode("\u{e9}") == [0])
        #expect(tok.encode("e\u{301}") == [3])
        #expect(tok.id(for: "\u{e9}") == 0)
        #expect(tok.id(for: "e\u{301}") == 3)
    }

    @Test func fastAndGeneralLoadingPathsAgree() throws {
        // The fixtures are small, so they load through the general path; build a big file (over the
        // fast path's threshold) by padding the vocabulary and compare.
        let bytes = try Self.fixtureBytes("llama3")
        let small = try Tokenizer(json: bytes)
        let value = try JSONParser.parse(bytes)
        guard case .object(var root) = value, case .object(var model)? = root["model"], case .object(var vocab)? = model["vocab"] else {
            Issue.record("unexpected fixture shape"); return
        }
        let base = small.vocabularySize
        for i in 0..<6000 { vocab["\u{10FF00}pad\(i)"] = .int(base + i) }
        model["vocab"] = .object(vocab)
        root["model"] = .object(model)
        let big = JSONWriter.bytes(.object(root))
        #expect(big.count > 1 << 16)
        #expect(FastModelJSON.extract(big) != nil)
        let fast = try Tokenizer(json: big)
        let general = try Tokenizer(value: JSONParser.parse(big))
        for u in Fixtures.corpusUnits.prefix(400) {
            #expect(fast.encode(u) == small.encode(u))
            #expect(general.encode(u) == small.encode(u))
        }
        #expect(fast.token(for: base + 5) == "\u{10FF00}pad5")
    }

    /// The real-model fixtures are committed gzip-compressed; plain and gzip files load alike, and a
    /// folder holding only tokenizer.json.gz is found.
    @Test func gzipTokenizerJSONLoadsLikeThePlainFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jt-gz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = try Self.fixtureBytes("qwen2")
        try Data(try GzipDeflater.compress(plain)).write(to: dir.appendingPathComponent("tokenizer.json.gz"))
        let fromPlain = try Tokenizer(json: plain)
        let fromFolder = try Tokenizer(contentsOf: dir.path)
        let fromFile = try Tokenizer(contentsOf: dir.appendingPathComponent("tokenizer.json.gz").path)
        for text in ["Mae'r ddraig goch yn chwifio.", "<|im_start|>user\nHi<|im_end|>", "1234 straße 👍🏽"] {
            #expect(fromFolder.encode(text) == fromPlain.encode(text))
            #expect(fromFile.encode(text) == fromPlain.encode(text))
        }
        #expect(fromFolder.vocabularySize == fromPlain.vocabularySize)
        // A plain tokenizer.json beside it is preferred.
        try Data(Self.tiny(vocab: #"{"a":0}"#)).write(to: dir.appendingPathComponent("tokenizer.json"))
        #expect(try Tokenizer(contentsOf: dir.path).vocabularySize == 1)
    }

    @Test func corruptGzipIsAnIOErrorNamingTheFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("jt-bad-\(UUID().uuidString).json.gz").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let good = try GzipDeflater.compress(Self.tiny(vocab: #"{"a":0}"#))
        try Data(good.prefix(good.count / 2)).write(to: URL(fileURLWithPath: file))
        do { _ = try Tokenizer(contentsOf: file); Issue.record("loaded a truncated gzip file") } catch {
            #expect(error.kind == .io)
            #expect(error.file == file)
            #expect(error.message.contains("truncated") || error.message.contains("corrupt"), "\(error.message)")
        }
    }
}
