import JupiterCore
import Testing

@testable import JupiterLLM

/// Builds a ConfigNode map from (key, line, node) triples.
private func map(_ entries: [(String, Int, ConfigNode)], line: Int = 0) -> ConfigNode {
    ConfigNode(.map(entries.map { (key: $0.0, keyLine: $0.1, value: $0.2) }), line: line)
}
private func s(_ v: String, _ line: Int) -> ConfigNode { ConfigNode(.scalar(v), line: line) }

@Suite struct ModelsSectionTests {
    @Test func parsesAllThreeShapes() throws {
        let node = map([
            (
                "base", 2,
                map(
                    [
                        ("endpoint", 2, s("http://localhost:8000/v1/", 2)), ("model", 3, s("some/model", 3)),
                        ("api_key_env", 4, s("MY_KEY", 4)), ("max_in_flight", 5, s("64", 5)),
                        ("requests_per_minute", 6, s("600", 6)), ("tokens_per_minute", 7, s("200_000", 7)),
                        ("timeout_s", 8, s("120", 8)), ("max_attempts", 9, s("3", 9)),
                        ("extra_body", 10, map([("chat_template_kwargs", 10, map([("enable_thinking", 10, s("false", 10))]))]))
                    ],
                    line: 2)
            ),
            (
                "pool", 11,
                map(
                    [
                        ("endpoints", 11, ConfigNode(.list([s("http://a:8000/v1", 11), s("https://b.example/v1", 11)]), line: 11)),
                        ("model", 12, s("m", 12))
                    ], line: 11)
            ),
            (
                "local", 13,
                map(
                    [
                        ("backend", 13, s("llama-cpp", 13)), ("model", 14, s("models/tiny.gguf", 14)),
                        ("ctx", 15, s("1024", 15))
                    ], line: 13)
            )
        ])
        let (models, diagnostics) = ModelsSection.parse(node, file: "r.yaml", context: StageBuildContext(baseDirectory: "/recipes"))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(models.map(\.name) == ["base", "pool", "local"])
        let base = try #require(models.first)
        #expect(base.backend == .openAI(endpoints: ["http://localhost:8000/v1"]))
        #expect(base.model == "some/model")
        #expect(base.apiKeyEnv == "MY_KEY")
        #expect(base.maxInFlight == 64)
        #expect(base.requestsPerMinute == 600)
        #expect(base.tokensPerMinute == 200_000)
        #expect(base.timeout == 120)
        #expect(base.retry.maxAttempts == 3)
        #expect(base.extraBody["chat_template_kwargs"]?["enable_thinking"] == .bool(false))
        #expect(models[1].backend == .openAI(endpoints: ["http://a:8000/v1", "https://b.example/v1"]))
        guard case .llamaCpp(let local) = models[2].backend else { Issue.record("not llama-cpp"); return }
        #expect(local.modelPath == "/recipes/models/tiny.gguf")
        #expect(local.contextSize == 1024)
        #expect(models[2].model == "local")
    }

    @Test func reportsEveryProblemWithItsLine() {
        let node = map([
            ("a", 2, map([("endpoint", 3, s("localhost:8000", 3)), ("model", 4, s("x", 4)), ("max_in_fligth", 5, s("3", 5))], line: 2)),
            ("b", 6, map([("endpoint", 7, s("http://h/v1", 7))], line: 6)),
            (
                "c", 8,
                map(
                    [
                        ("endpoint", 9, s("http://h/v1", 9)), ("model", 10, s("m", 10)),
                        ("max_in_flight", 11, s("lots", 11)), ("timeout_s", 12, ConfigNode(.list([]), line: 12))
                    ], line: 8)
            ),
            ("d", 13, map([("backend", 14, s("ollama-magic", 14)), ("model", 15, s("m", 15))], line: 13)),
            (
                "e", 16,
                map(
                    [
                        ("backend", 17, s("llama-cpp", 17)), ("model", 18, s("weights.bin", 18)),
                        ("endpoint", 19, s("http://x/v1", 19))
                    ], line: 16)
            ),
            ("f", 20, s("http://just-a-url/v1", 20)),
            (
                "g", 21,
                map(
                    [
                        ("endpoint", 22, s("ftp://h/v1", 22)), ("model", 23, s("m", 23)),
                        ("api_key_env", 24, s("sk-abc def", 24))
                    ], line: 21)
            )
        ])
        let (models, d) = ModelsSection.parse(node, file: "r.yaml", context: StageBuildContext(baseDirectory: "."))
        #expect(models.isEmpty)
        func has(_ line: Int, _ text: String) -> Bool { d.contains { $0.line == line && $0.message.contains(text) && $0.file == "r.yaml" } }
        #expect(has(3, "must start with http"))
        #expect(has(5, "unknown key 'max_in_fligth'"))
        #expect(has(6, "missing 'model'"))
        #expect(has(11, "'max_in_flight' must be an integer, found 'lots'"))
        #expect(has(12, "'timeout_s' must be a number, found list"))
        #expect(has(14, "unknown backend 'ollama-magic'"))
        #expect(has(18, ".gguf"))
        #expect(has(19, "does not apply"))
        #expect(has(20, "must be a mapping"))
        #expect(has(22, "must start with http"))
        #expect(has(24, "name an environment variable"))
        #expect(d.allSatisfy { $0.severity == .error })
    }

    @Test func missingEndpointAndNonMappingSection() {
        let (m1, d1) = ModelsSection.parse(
            map([("x", 3, map([("model", 4, s("m", 4))], line: 3))]), context: StageBuildContext(baseDirectory: "."))
        #expect(m1.isEmpty)
        #expect(d1.count == 1 && d1[0].message.contains("missing 'endpoint'") && d1[0].line == 3)
        let (_, d2) = ModelsSection.parse(ConfigNode(.list([]), line: 7), context: StageBuildContext(baseDirectory: "."))
        #expect(d2.count == 1 && d2[0].line == 7)
        let (m3, d3) = ModelsSection.parse(nil, context: StageBuildContext(baseDirectory: "."))
        #expect(m3.isEmpty && d3.isEmpty)
    }

    @Test func configurationJSONNamesTheVariableNotTheKey() {
        let m = ModelConfig(name: "a", endpoints: ["http://h/v1"], model: "x", apiKeyEnv: "SECRET_VAR")
        let text = JSONWriter.string(m.json)
        #expect(text.contains("SECRET_VAR"))
        #expect(text.contains("\"max_attempts\":6"))
    }
}
