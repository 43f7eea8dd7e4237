import Foundation
import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterTokenize

/// Runaway templates stop with a `limit` TemplateError instead of crashing the process (stack
/// overflow) or exhausting memory and time; templates jinja2 can render still render.
@Suite struct JinjaLimitsTests {
    static func render(_ source: String, _ globals: JSONObject = JSONObject()) throws(TemplateError) -> String {
        try ChatTemplate(source: source).render(messages: [], extra: globals)
    }

    static func expectLimit(_ source: String, mentioning words: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let out = try render(source)
            Issue.record("rendered \(out.utf8.count) bytes instead of stopping", sourceLocation: sourceLocation)
        } catch {
            #expect(error.kind == .limit, "\(error)", sourceLocation: sourceLocation)
            #expect(error.description.contains(words), "\(error.description)", sourceLocation: sourceLocation)
        }
    }

    /// Crashed the test process with a stack overflow before the render depth bound.
    @Test func macroThatCallsItselfForeverStops() {
        Self.expectLimit("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", mentioning: "calls itself")
        Self.expectLimit(
            "{% macro f(n) %}x{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", mentioning: "nested more than \(JinjaLimits.maxRenderDepth)")
        // Two macros calling each other.
        Self.expectLimit(
            "{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}{{ a() }}", mentioning: "calls itself")
    }

    @Test func deepButFiniteRecursionRendersLikeJinja2() throws {
        // jinja2 renders this to depth 150 and fails with RecursionError near 200; here each level
        // takes 4 of the render depth (macro call, its call expression, the if, the output).
        let src = "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{% endif %}x{% endmacro %}{{ f(depth) }}"
        #expect(try Self.render(src, ["depth": .int(140)]) == String(repeating: "x", count: 141))
        #expect(throws: TemplateError.self) { try Self.render(src, ["depth": .int(160)]) }
    }

    @Test func deeplyNestedSourceIsRefusedWhenParsed() {
        let n = JinjaLimits.maxNesting + 1
        for src in [
            "{{ " + String(repeating: "(", count: n) + "1" + String(repeating: ")", count: n) + " }}",
            "{{ " + String(repeating: "[", count: n) + "1" + String(repeating: "]", count: n) + " }}",
            "{{ " + String(repeating: "not ", count: n) + "1 }}",
            "{{ " + String(repeating: "-", count: n) + "1 }}",
            "{{ 1" + String(repeating: " + 1", count: n) + " }}",
            "{{ x" + String(repeating: ".a", count: n) + " }}",
            "{{ 'a'" + String(repeating: " | trim", count: n) + " }}",
            String(repeating: "{% if true %}", count: n) + "x" + String(repeating: "{% endif %}", count: n)
        ] {
            do {
                _ = try ChatTemplate(source: src)
                Issue.record("parsed \(src.prefix(40))…")
            } catch {
                #expect(error.kind == .limit, "\(error)")
                #expect(error.message.contains("nested more than \(JinjaLimits.maxNesting) deep"), "\(error.message)")
            }
        }
        // A very long chain (its tree would be 100k deep) fails to parse instead of crashing when freed.
        #expect(throws: TemplateError.self) { try ChatTemplate(source: "{{ 1" + String(repeating: " + 1", count: 100_000) + " }}") }
    }

    @Test func nestingAtTheBoundStillRenders() throws {
        let n = JinjaLimits.maxNesting - 1
        #expect(try Self.render("{{ " + String(repeating: "(", count: n) + "7" + String(repeating: ")", count: n) + " }}") == "7")
        #expect(try Self.render(String(repeating: "{% if true %}", count: n) + "y" + String(repeating: "{% endif %}", count: n)) == "y")
        #expect(try Self.render("{{ 1" + String(repeating: " + 1", count: n - 2) + " }}") == String(n - 1))
    }

    /// Renders with lowered output and loop bounds, so a test reaches them in milliseconds.
    static func renderWithin(output: Int, loops: Int, _ source: String) throws(TemplateError) -> String {
        let interp = JinjaInterpreter(globals: ["range": .builtin("range"), "namespace": .builtin("namespace")], now: Date())
        interp.maxOutputScalars = output
        interp.maxLoopIterations = loops
        _ = try interp.render(try JinjaParser.parse(source))
        return interp.out
    }

    @Test func runawayOutputStops() throws {
        // At the real bound: 100 × 1 Mi characters would pass 32 Mi.
        Self.expectLimit(
            "{% for a in range(100) %}{{ 'x' * 1048576 }}{% endfor %}",
            mentioning: "produced more than \(JinjaLimits.maxOutputScalars) characters")
        // 10^5 × 10^3 × 1 KiB would be 100 GiB; text captured by a macro counts too.
        #expect(throws: TemplateError(.limit, "the template produced more than 100000 characters")) {
            try Self.renderWithin(
                output: 100_000, loops: .max,
                "{% macro m() %}{{ 'x' * 1024 }}{% endmacro %}{% for a in range(100000) %}{% for b in range(1000) %}{% set s = m() %}{% endfor %}{% endfor %}"
            )
        }
        #expect(try Self.renderWithin(output: 100_000, loops: .max, "{{ 'x' * 100000 }}").count == 100_000)
    }

    @Test func runawayLoopsStop() throws {
        #expect(JinjaLimits.maxLoopIterations == 1_000_000)
        // Loops that print nothing: 10^10 iterations.
        #expect(throws: TemplateError(.limit, "loops ran more than 5000 iterations", line: 1)) {
            try Self.renderWithin(
                output: .max, loops: 5_000, "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}")
        }
        #expect(
            try Self.renderWithin(output: .max, loops: 5_000, "{% for a in range(50) %}{% for b in range(99) %}{% endfor %}{% endfor %}ok")
                == "ok")
    }

    @Test func runawayStringsAndRepetitionStop() {
        // A string that doubles without being printed.
        Self.expectLimit(
            "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s | length }}",
            mentioning: "grew past")
        Self.expectLimit(
            "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}",
            mentioning: "grew past")
        Self.expectLimit(
            "{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l | length }}",
            mentioning: "repetition")
        Self.expectLimit("{{ 'abc' * 100000000000 }}", mentioning: "repetition")
        Self.expectLimit("{{ ([1, 2] * 100000000000) | length }}", mentioning: "repetition")
    }

    @Test func hugePowersOfOneDoNotLoop() throws {
        // The old loop multiplied a billion times here.
        #expect(
            try Self.render("{{ 1 ** 1000000000000 }} {{ (-1) ** 1000000000001 }} {{ 0 ** 1000000000000 }} {{ 3 ** 4 }} {{ 2 ** 62 }}")
                == "1 -1 0 81 4611686018427387904")
    }

    /// jinja2 prints a namespace as `<Namespace {dict repr}>` and one holding itself with `{...}`
    /// (this recursed forever before).
    @Test func namespaceReprMatchesJinja2() throws {
        let src = "{% set ns = namespace(a=1, b='x') %}{{ ns }}|{% set ns.me = ns %}{{ ns }}|{{ [ns] }}"
        let expected =
            "<Namespace {'a': 1, 'b': 'x'}>|<Namespace {'a': 1, 'b': 'x', 'me': <Namespace {...}>}>|[<Namespace {'a': 1, 'b': 'x', 'me': <Namespace {...}>}>]"
        #expect(try Self.render(src) == expected)
    }

    @Test(.enabled(if: Peers.has("jinja2"), "needs the Python `jinja2` peer (scripts/test installs it)"))
    func namespaceReprAndRecursionAgreeWithLiveJinja2() throws {
        let script = """
            from jinja2.sandbox import ImmutableSandboxedEnvironment
            env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
            print(env.from_string("{% set ns = namespace(a=1, b='x') %}{{ ns }}|{% set ns.me = ns %}{{ ns }}|{{ [ns] }}").render())
            try:
                env.from_string("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}").render()
            except RecursionError:
                print("RecursionError")
            """
        let r = try Peers.run(["-c", script])
        try #require(r.status == 0, "\(r.stderr)")
        let lines = r.text.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(try Self.render("{% set ns = namespace(a=1, b='x') %}{{ ns }}|{% set ns.me = ns %}{{ ns }}|{{ [ns] }}") == lines.first)
        #expect(lines.last == "RecursionError")
        #expect(throws: TemplateError.self) { try Self.render("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}") }
    }

    @Test func limitErrorsSayWhatHappened() {
        let e = TemplateError(.limit, "rendering nested more than 600 levels deep", line: 3)
        #expect(e.description == "template stopped on line 3: rendering nested more than 600 levels deep")
    }
}
