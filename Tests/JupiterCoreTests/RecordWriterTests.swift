import JupiterCore
import Testing

/// Writers refuse what their format cannot hold, clearly, and stay usable afterwards.
@Suite struct RecordWriterTests {
    let pair = Record.pair(ParallelPair(id: "p1", sourceLanguage: "en", targetLanguage: "cy", source: "Water", target: "Dŵr"))
    let chat = Record.conversation(
        Conversation(
            id: "c1",
            messages: [
                Message(role: .user, content: "Helo"), Message(role: .assistant, content: "Shwmae")
            ]))

    @Test func wrongKindIsAClearError() throws {
        let dir = try TempDir()
        let w = try RecordWriters.open(.openaiMessages, paths: [dir.file("o.jsonl")])
        #expect(throws: RecordWriteError("record p1 is a pair; format 'openai-messages' holds conversation records")) {
            try w.write(pair)
        }
        try w.write(chat)
        try w.commit()
        #expect(w.count == 1)
        #expect(try TestSupport.read(.openaiMessages, [dir.file("o.jsonl")]).records.count == 1)
    }

    @Test func nothingAppearsBeforeCommit() throws {
        let dir = try TempDir()
        do {
            let w = try RecordWriters.open(.parallelTSV, paths: [dir.file("p.tsv")])
            try w.write(pair)
            #expect(!FileSystem.exists(dir.file("p.tsv")))
        }
        #expect(FileSystem.list(dir.path) == [])
    }

    @Test func lineFormatsRefuseTabsAndLineBreaks() throws {
        let dir = try TempDir()
        let tsv = try RecordWriters.open(.parallelTSV, paths: [dir.file("p.tsv")])
        let tabbed = Record.pair(ParallelPair(id: "p2", sourceLanguage: "en", targetLanguage: "cy", source: "a\tb", target: "c"))
        #expect(throws: RecordWriteError("record p2: source text contains a tab or line break, which format 'parallel-tsv' cannot hold")) {
            try tsv.write(tabbed)
        }
        let moses = try RecordWriters.open(.moses, paths: [dir.file("m")], options: FormatOptions(languages: ["en", "cy"]))
        let broken = Record.pair(ParallelPair(id: "p3", sourceLanguage: "en", targetLanguage: "cy", source: "a", target: "c\nd"))
        #expect(throws: RecordWriteError("record p3: target text contains a line break, which format 'moses' cannot hold")) {
            try moses.write(broken)
        }
        try moses.write(tabbed)  // a tab is fine in Moses
        try moses.commit()
        #expect(try FileSystem.read(dir.file("m.en")) == Array("a\tb\n".utf8))
        #expect(try FileSystem.read(dir.file("m.cy")) == Array("c\n".utf8))
    }

    @Test func alpacaNeedsPlainAlternatingTurns() throws {
        let dir = try TempDir()
        let w = try RecordWriters.open(.alpaca, paths: [dir.file("a.jsonl")])
        let tool = Record.conversation(
            Conversation(
                id: "t",
                messages: [
                    Message(role: .user, content: "?"),
                    Message(role: .assistant, content: "", toolCalls: [ToolCall(name: "f", arguments: "{}")])
                ]))
        #expect(throws: RecordWriteError("conversation t: alpaca cannot hold tool calls")) { try w.write(tool) }
        let odd = Record.conversation(Conversation(id: "o", messages: [Message(role: .user, content: "?")]))
        #expect(throws: RecordWriteError.self) { try w.write(odd) }
        try w.write(chat)
        try w.commit()
        #expect(
            try FileSystem.read(dir.file("a.jsonl"))
                == Array(#"{"id":"c1","instruction":"Helo","input":"","output":"Shwmae"}"#.utf8) + [0x0A])
    }

    @Test func textWritesOneFileOrAFolder() throws {
        let dir = try TempDir()
        let d1 = Record.document(Document(id: "un", text: "Helo\n"))
        let d2 = Record.document(Document(id: "a/b", text: "Hwyl"))
        let single = try RecordWriters.open(.text, paths: [dir.file("one.txt")])
        try single.write(d1)
        #expect(throws: RecordWriteError.self) { try single.write(d2) }
        let folder = try RecordWriters.open(.text, paths: [dir.file("docs")])
        try folder.write(d1)
        try folder.write(d2)
        try folder.commit()
        #expect(FileSystem.list(dir.file("docs")) == ["a_b.txt", "un.txt"])
        #expect(try FileSystem.read(dir.file("docs/un.txt")) == Array("Helo\n".utf8))
    }

    @Test func csvQuotesPerRFC4180() {
        #expect(
            CSV.row(["a", "b,c", "say \"hi\"", "two\nlines", " pad", ""])
                == Array("a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\",\" pad\",\r\n".utf8))
    }

    @Test func documentsWithACustomTextField() throws {
        let dir = try TempDir()
        let path = dir.file("d.jsonl")
        try TestSupport.write(#"{"content":"Testun","id":"d1","lang":"cy"}"# + "\n", to: path)
        let opts = FormatOptions(textField: "content")
        let r = try TestSupport.read(.documents, [path], options: opts)
        #expect(r.records.map(\.text) == ["Testun"])
        try TestSupport.writeRecords(r.records, .documents, [dir.file("out.jsonl")], options: opts)
        #expect(try FileSystem.read(dir.file("out.jsonl")) == Array((#"{"id":"d1","content":"Testun","lang":"cy"}"# + "\n").utf8))
    }
}
