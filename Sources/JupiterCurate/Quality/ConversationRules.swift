import JupiterCore

/// Rules for chat records (group `conversation`), checked in this order; the first that fires
/// names the drop. Turn numbers in messages are 1-based.
///
/// | rule | drops when | default |
/// |---|---|---|
/// | `conv.role_order` | roles out of order: system after the start, first non-system turn not `user`, two `user` or two `assistant` turns in a row, a `tool` turn not answering an assistant tool call, a tool call left unanswered, no assistant turn, or (`require_final_assistant`) not ending with an assistant turn | final assistant required |
/// | `conv.empty_turn` | a user or assistant turn is empty or whitespace only (an assistant turn that only makes tool calls is fine) | — |
/// | `conv.no_text_turn` | a user or assistant turn has no letter or digit (punctuation only) | — |
/// | `conv.garbage` | broken characters above `max_garbage_ratio` in a turn (see ``BasicTextRules``) | 0.01 |
/// | `conv.long_token` | a turn has a whitespace-free run longer than `max_word_length` (base64, minified blobs) | 1000 (C4) |
/// | `conv.truncated` | an assistant turn stops mid-sentence: `finish_reason: length` on the message, an unclosed code fence, a last line ending in `,` or an opening bracket, or a prose last line (≥ `truncation_min_words` words, not a list item, heading or table row) ending in a letter or digit — unless the user turn before it ends the same way (same mark, or both in a letter/digit: a translated fragment). `;` and `:` endings are not flagged: legal and list text ends that way | 8 words |
/// | `conv.echo` | an assistant turn repeats the user turn before it: identical after case/space/punctuation folding, or ≥ `max_echo_overlap` of its word 3-grams appear in the user turn (turns of ≥ 5 words) | 0.9 |
/// | `conv.ngram_loop` | an assistant turn repeats a sequence of 1…`loop_max_period` words `loop_min_repeats` times in a row covering ≥ `loop_min_words` words (degenerate generation) | 50, 3, 30 |
///
/// These bounds are this project's choices (Tülu 3 / open-instruct and NeMo Curator filter chat
/// data for empty turns, role order and truncation but publish no numbers for them); each is an
/// option. The 0.9 echo bound leaves grammar corrections (which share most words with the
/// prompt) alone; the loop bounds leave tables and ordinary repetition alone.
public struct ConversationRules: Sendable, Hashable {
    public var requireFinalAssistant = true
    public var maxGarbageRatio = 0.01
    public var maxWordLength: Int? = 1000
    public var truncationMinWords = 8
    public var maxEchoOverlap = 0.9
    public var loopMaxPeriod = 50
    public var loopMinRepeats = 3
    public var loopMinWords = 30

    /// Defaults.
    public init() {}

    /// The first rule the conversation breaks, or nil.
    public func check(_ messages: [Message]) -> DropReason? {
        if let r = roleOrder(messages) { return r }
        var basic = BasicTextRules()
        basic.maxGarbageRatio = maxGarbageRatio
        for (i, m) in messages.enumerated() where m.role == .user || m.role == .assistant {
            let place = "turn \(i + 1) (\(m.role.rawValue))"
            if m.role == .assistant && !m.toolCalls.isEmpty && m.content.trimmingWhitespace().isEmpty { continue }
            if let r = basic.check(m.content, place: place, prefix: "conv") {
                switch r.rule {
                case "conv.empty": return DropReason(rule: "conv.empty_turn", message: "\(place) is empty", value: .int(i + 1))
                case "conv.no_text":
                    return DropReason(rule: "conv.no_text_turn", message: "\(place) has no letters or digits", value: .int(i + 1))
                default: return r
                }
            }
            if let maxWordLength, let longest = Self.longestRun(m.content), longest > maxWordLength {
                return DropReason(
                    rule: "conv.long_token",
                    message: "\(place) has a \(longest)-character run without spaces > \(maxWordLength)",
                    value: .int(longest))
            }
        }
        for (i, m) in messages.enumerated() where m.role == .assistant {
            let place = "turn \(i + 1) (assistant)"
            let prompt = i > 0 && messages[i - 1].role == .user ? messages[i - 1].content : nil
            if m.toolCalls.isEmpty || !m.content.trimmingWhitespace().isEmpty, let why = truncation(m, prompt: prompt) {
                return DropReason(rule: "conv.truncated", message: "\(place) \(why)", value: .int(i + 1))
            }
            if i > 0, messages[i - 1].role == .user, let overlap = echo(user: messages[i - 1].content, assistant: m.content) {
                return DropReason(
                    rule: "conv.echo",
                    message: "\(place) repeats the user turn (\(TextLines.format(overlap * 100))% of its 3-grams)",
                    value: .double(TextLines.round(overlap)))
            }
            if let loop = Self.loop(m.content, maxPeriod: loopMaxPeriod, minRepeats: loopMinRepeats, minWords: loopMinWords) {
                return DropReason(
                    rule: "conv.ngram_loop",
                    message: "\(place) repeats a \(loop.period)-word sequence \(loop.repeats) times in a row",
                    value: .int(loop.repeats))
            }
        }
        return nil
    }

    // MARK: role order

    func roleOrder(_ messages: [Message]) -> DropReason? {
        func bad(_ i: Int, _ what: String) -> DropReason {
            DropReason(rule: "conv.role_order", message: what, value: .int(i + 1))
        }
        var started = false
        var pendingToolCalls = false
        var anyAssistant = false
        var previous: Role?
        for (i, m) in messages.enumerated() {
            let n = i + 1
            switch m.role {
            case .system:
                if started { return bad(i, "turn \(n) is a system turn after the conversation started") }
            case .user:
                if pendingToolCalls { return bad(i, "turn \(n) (user) comes before the tool calls are answered") }
                if previous == .user { return bad(i, "turn \(n) is a user turn after a user turn") }
                started = true
            case .assistant:
                if !started { return bad(i, "turn \(n) (assistant) comes before any user turn") }
                if pendingToolCalls { return bad(i, "turn \(n) (assistant) comes before the tool calls are answered") }
                if previous == .assistant { return bad(i, "turn \(n) is an assistant turn after an assistant turn") }
                anyAssistant = true
                pendingToolCalls = !m.toolCalls.isEmpty
            case .tool:
                if !(previous == .tool || (previous == .assistant && pendingToolCalls)) {
                    return bad(i, "turn \(n) (tool) does not answer an assistant tool call")
                }
                pendingToolCalls = false
            }
            previous = m.role
        }
        if !started { return DropReason(rule: "conv.role_order", message: "no user turn", value: .int(0)) }
        if pendingToolCalls {
            return bad(messages.count - 1, "turn \(messages.count) (assistant) ends with unanswered tool calls")
        }
        if !anyAssistant { return DropReason(rule: "conv.role_order", message: "no assistant turn", value: .int(0)) }
        if requireFinalAssistant, let last = messages.last, last.role != .assistant {
            return bad(messages.count - 1, "the conversation ends with a \(last.role.rawValue) turn, not an assistant turn")
        }
        return nil
    }

    // MARK: truncation

    /// Why an assistant turn looks cut off, or nil.
    func truncation(_ m: Message, prompt: String? = nil) -> String? {
        if m.extra["finish_reason"]?.stringValue == "length" { return "stopped at the length limit (finish_reason: length)" }
        let text = m.content
        let fences = TextLines.splitLines(text).filter { TextLines.strip($0).hasPrefix("```") }.count
        if fences % 2 == 1 { return "ends inside an unclosed code block" }
        let lines = TextLines.splitLines(text).map { TextLines.strip($0) }.filter { !$0.isEmpty }
        guard let last = lines.last, let end = last.last else { return nil }
        if last.hasPrefix("|") || last.hasPrefix("```") { return nil }
        // A reply ending the way its prompt ends (a translated fragment) is whole.
        if let p = prompt?.trimmingWhitespace().last {
            if p == end || ((p.isLetter || p.isNumber) && (end.isLetter || end.isNumber)) { return nil }
        }
        if [",", "(", "[", "{"].contains(end) { return "ends mid-sentence with '\(end)'" }
        if end.isLetter || end.isNumber {
            if Self.isListOrHeading(last) { return nil }
            let words = last.split(whereSeparator: { $0.isWhitespace }).count
            if words >= truncationMinWords { return "ends mid-sentence (last line of \(words) words has no final punctuation)" }
        }
        return nil
    }

    static func isListOrHeading(_ line: Substring) -> Bool {
        if line.hasPrefix("#") || line.hasPrefix("- ") || line.hasPrefix("* ") || line.hasPrefix("• ") || line.hasPrefix("+ ") {
            return true
        }
        let digits = line.prefix(while: { $0.isASCII && $0.isNumber })
        if !digits.isEmpty, let next = line[digits.endIndex...].first, next == "." || next == ")" { return true }
        return false
    }

    // MARK: echo

    /// The share of the assistant's word 3-grams found in the user turn when it is an echo, else nil.
    func echo(user: String, assistant: String) -> Double? {
        let u = Self.foldedWords(user)
        let a = Self.foldedWords(assistant)
        guard !a.isEmpty, !u.isEmpty else { return nil }
        if a == u { return 1 }
        guard a.count >= 5, u.count >= 3 else { return nil }
        var userGrams = Set<String>()
        for i in 0...(u.count - 3) { userGrams.insert(u[i..<(i + 3)].joined(separator: " ")) }
        var hit = 0
        let total = a.count - 2
        for i in 0..<total where userGrams.contains(a[i..<(i + 3)].joined(separator: " ")) { hit += 1 }
        let overlap = Double(hit) / Double(total)
        return overlap >= maxEchoOverlap ? overlap : nil
    }

    /// Lower-cased words with punctuation removed.
    static func foldedWords(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { $0.isWhitespace }).compactMap { w in
            let s = String(w.unicodeScalars.filter { !CharacterCategories.isPunctuation($0) }.map(Character.init))
            return s.isEmpty ? nil : s
        }
    }

    // MARK: loops

    /// The shortest period (in words with a letter or digit) repeated back to back at least
    /// `minRepeats` times over at least `minWords` words.
    package static func loop(_ text: String, maxPeriod: Int, minRepeats: Int, minWords: Int) -> (period: Int, repeats: Int)? {
        let ids = wordIDsOf(text)
        guard ids.count >= minWords, minRepeats >= 2 else { return nil }
        return ids.withUnsafeBufferPointer { t in
            for p in 1...max(1, min(maxPeriod, ids.count / minRepeats)) {
                var run = 0
                for i in p..<t.count {
                    if t[i] == t[i - p] {
                        run += 1
                        let covered = run + p
                        if covered / p >= minRepeats && covered >= minWords { return (p, Self.repeats(t, end: i, p)) }
                    } else {
                        run = 0
                    }
                }
            }
            return nil
        }
    }

    /// The words of UTF-8 `text` (split on Unicode White_Space, as `Character.isWhitespace`; only
    /// words with a letter or a digit), each as a number: equal words (equal bytes) get equal
    /// numbers. Reads bytes, not characters: this runs on every model answer, and grapheme
    /// breaking and `String` hashing cost more than the rest of the rule.
    static func wordIDs(_ text: UnsafeBufferPointer<UInt8>) -> [Int32] {
        guard let base = text.baseAddress, !text.isEmpty else { return [] }
        var ids: [Int32] = []
        var intern: [UInt64: Int32] = [:]
        var firsts: [(start: Int, count: Int)] = []  // by id: where the word first occurred
        var collided: [String: Int32] = [:]  // words whose hash another word had first (never seen in practice)
        var start = -1
        var hasAlnum = false
        var i = 0
        let n = text.count
        func endWord(_ end: Int) {
            defer { start = -1; hasAlnum = false }
            guard start >= 0, hasAlnum else { return }
            let count = end - start
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for k in start..<end { h = (h ^ UInt64(text[k])) &* 0x100_0000_01b3 }
            if let id = intern[h] {
                let first = firsts[Int(id)]
                if first.count == count
                    && UnsafeBufferPointer(start: base + first.start, count: count).elementsEqual(
                        UnsafeBufferPointer(start: base + start, count: count))
                {
                    ids.append(id)
                    return
                }
                let word = String(decoding: UnsafeBufferPointer(rebasing: text[start..<end]), as: UTF8.self)
                if let other = collided[word] {
                    ids.append(other)
                } else {
                    let id = Int32(firsts.count)
                    firsts.append((start, count))
                    collided[word] = id
                    ids.append(id)
                }
                return
            }
            let id = Int32(firsts.count)
            firsts.append((start, count))
            intern[h] = id
            ids.append(id)
        }
        while i < n {
            let b = text[i]
            if b < 0x80 {
                if b == 0x20 || (b >= 0x09 && b <= 0x0D) {
                    endWord(i)
                } else {
                    if start < 0 { start = i }
                    if !hasAlnum && ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A || (b >= 0x30 && b <= 0x39)) { hasAlnum = true }
                }
                i += 1
                continue
            }
            // A multi-byte scalar (the text is valid UTF-8: it comes from a String).
            let len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
            var v = UInt32(b) & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07)
            for k in 1..<len where i + k < n { v = (v << 6) | (UInt32(text[i + k]) & 0x3F) }
            let scalar = Unicode.Scalar(v) ?? " "
            if scalar.properties.isWhitespace {
                endWord(i)
            } else {
                if start < 0 { start = i }
                if !hasAlnum && (CharacterCategories.isLetter(scalar) || scalar.properties.numericType != nil) { hasAlnum = true }
            }
            i += len
        }
        endWord(n)
        return ids
    }

    /// ``wordIDs(_:)`` of a string.
    static func wordIDsOf(_ text: String) -> [Int32] {
        var text = text
        return text.withUTF8 { wordIDs($0) }
    }

    /// How many times the period-`p` block repeats in the run ending at or after `end`.
    static func repeats(_ t: UnsafeBufferPointer<Int32>, end: Int, _ p: Int) -> Int {
        var i = end
        while i + 1 < t.count && t[i + 1] == t[i + 1 - p] { i += 1 }
        var j = end
        while j - 1 - p >= 0 && t[j - 1] == t[j - 1 - p] { j -= 1 }
        // The run of equalities covers t[j - p ... i].
        return (i - (j - p) + 1) / p
    }

    /// Length of the longest run of non-whitespace characters, when over 0.
    static func longestRun(_ text: String) -> Int? {
        var longest = 0
        var current = 0
        for c in text.unicodeScalars {
            if c.properties.isWhitespace { current = 0 } else { current += 1; longest = max(longest, current) }
        }
        return longest > 0 ? longest : nil
    }
}
