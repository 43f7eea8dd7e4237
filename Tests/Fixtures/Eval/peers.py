"""Reference verdicts for JupiterEvalTests, computed by the reference tools themselves.

    python3 peers.py COMMAND < input.json > output.json

Commands (input and output are JSON):
  sacrebleu  {"corpora": [{"hyps": [...], "refs": [[...], ...]}], "sentences": [{"hyp", "refs"}]}
             -> corpus BLEU / chrF / chrF++ per corpus, sentence BLEU / chrF / chrF++ per sentence,
                tokens of the 13a and intl tokenizers per sentence hypothesis
  gsm8k      {"responses": [...], "answer": "..."} -> lm-eval's RegexFilter + exact_match per response
  regex      {"cases": [{"pattern", "flags", "text", "op"}]} -> Python `re` results
  ifeval     {"triples": [{"prompt", "ids", "kwargs", "response"}]} -> strict/loose verdicts from
             lm-eval's own instruction classes (kwargs without nulls; langdetect seed 0)
  treebank   {"texts": [...]} -> nltk NLTKWordTokenizer().tokenize(text)
  words      {"texts": [...]} -> nltk RegexpTokenizer(r"\\w+") token counts
  langdetect {"texts": [...]} -> langdetect.detect (seed 0) or null on LangDetectException
  binomtest  {"pairs": [[k, n], ...]} -> scipy.stats.binomtest(k, n, 0.5).pvalue
"""
import json
import os
import sys
import tempfile
import types


def sacrebleu_cmd(data):
    from sacrebleu.metrics import BLEU, CHRF
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
    from sacrebleu.tokenizers.tokenizer_intl import TokenizerV14International

    out = {"corpora": [], "sentences": []}
    for c in data["corpora"]:
        streams = [list(x) for x in zip(*c["refs"])]  # sacrebleu wants one stream per reference
        out["corpora"].append({
            "bleu": BLEU().corpus_score(c["hyps"], streams).score,
            "bleu_intl": BLEU(tokenize="intl").corpus_score(c["hyps"], streams).score,
            "bleu_lc": BLEU(lowercase=True).corpus_score(c["hyps"], streams).score,
            "chrf": CHRF().corpus_score(c["hyps"], streams).score,
            "chrfpp": CHRF(word_order=2).corpus_score(c["hyps"], streams).score,
            "chrf_eps": CHRF(eps_smoothing=True).corpus_score(c["hyps"], streams).score,
        })
    t13, tintl = Tokenizer13a(), TokenizerV14International()
    for s in data["sentences"]:
        out["sentences"].append({
            "bleu": BLEU(effective_order=True).sentence_score(s["hyp"], s["refs"]).score,
            "chrf": CHRF().sentence_score(s["hyp"], s["refs"]).score,
            "chrfpp": CHRF(word_order=2).sentence_score(s["hyp"], s["refs"]).score,
            "tok13a": t13(s["hyp"].rstrip()).split(),
            "tokintl": tintl(s["hyp"].rstrip()).split(),
        })
    return out


def gsm8k_cmd(data):
    from lm_eval.api.metrics import exact_match_hf_evaluate
    from lm_eval.filters.extraction import RegexFilter

    strict = RegexFilter(regex_pattern=r"#### (\-?[0-9\.\,]+)")
    strict_cot = RegexFilter(regex_pattern=r"The answer is (\-?[0-9\.\,]+).")
    flexible = RegexFilter(regex_pattern=r"(-?[$0-9.,]{2,})|(-?[0-9]+)", group_select=-1)
    norm = dict(ignore_case=True, ignore_punctuation=False, regexes_to_ignore=[",", "\\$", "(?s).*#### ", "\\.$"])
    out = []
    for case in data["cases"]:
        r, answer = case["response"], case["answer"]
        row = {}
        for name, f in (("strict", strict), ("strict_cot", strict_cot), ("flexible", flexible)):
            x = list(f.apply([[r]], [{}]))[0][0]
            row[name] = x
            row[name + "_score"] = float(exact_match_hf_evaluate([x], [answer], **norm)["exact_match"])
        out.append(row)
    return out


def regex_cmd(data):
    import re
    out = []
    for c in data["cases"]:
        flags = 0
        for f in c.get("flags", ""):
            flags |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}[f]
        p = re.compile(c["pattern"], flags)
        op = c["op"]
        if op == "search":
            m = p.search(c["text"])
            out.append(None if m is None else [m.start(), m.end()] + [list(m.span(g)) for g in range(1, p.groups + 1)])
        elif op == "finditer":
            out.append([[m.start(), m.end()] for m in p.finditer(c["text"])])
        elif op == "split":
            out.append([x if x is not None else "" for x in p.split(c["text"])])
        elif op == "sub":
            out.append(p.sub(c["repl"], c["text"]))
    return out


def load_ifeval():
    import lm_eval
    # The ifeval modules import lm_eval.tasks, whose __init__ needs the full lm-eval install;
    # register the two packages as plain namespaces so only the checker modules load.
    base = os.path.join(os.path.dirname(lm_eval.__file__), "tasks")
    for name, path in (("lm_eval.tasks", base), ("lm_eval.tasks.ifeval", os.path.join(base, "ifeval"))):
        if name not in sys.modules:
            m = types.ModuleType(name)
            m.__path__ = [path]
            sys.modules[name] = m
    # instructions_util tries to download punkt_tab when it is not found: give it an empty folder
    # (the two checkers that need punkt are not compared).
    import nltk
    d = tempfile.mkdtemp()
    os.makedirs(os.path.join(d, "tokenizers", "punkt_tab"))
    nltk.data.path.insert(0, d)
    from langdetect import DetectorFactory
    DetectorFactory.seed = 0
    from lm_eval.tasks.ifeval import instructions_registry, instructions_util
    from nltk.tokenize.destructive import NLTKWordTokenizer
    # capital_word_frequency: nltk.word_tokenize without punkt = NLTKWordTokenizer on the text.
    tok = NLTKWordTokenizer()
    instructions_util.nltk.word_tokenize = lambda text, *a, **k: tok.tokenize(text)
    return instructions_registry


def ifeval_cmd(data):
    registry = load_ifeval()
    out = []
    for t in data["triples"]:
        response = t["response"]
        r = response.split("\n")
        first = "\n".join(r[1:]).strip()
        last = "\n".join(r[:-1]).strip()
        both = "\n".join(r[1:-1]).strip()
        variants = [response, response.replace("*", ""), first, last, both,
                    first.replace("*", ""), last.replace("*", ""), both.replace("*", "")]
        strict, loose = [], []
        for iid, kw in zip(t["ids"], t["kwargs"]):
            inst = registry.INSTRUCTION_DICT[iid](iid)
            inst.build_description(**{k: v for k, v in kw.items() if v is not None})
            args = inst.get_instruction_args()
            if args and "prompt" in args:
                inst.build_description(prompt=t["prompt"])
            strict.append(bool(response.strip() and inst.check_following(response)))
            loose.append(any(bool(v.strip() and inst.check_following(v)) for v in variants))
        out.append({"strict": strict, "loose": loose})
    return out


def treebank_cmd(data):
    from nltk.tokenize.destructive import NLTKWordTokenizer
    tok = NLTKWordTokenizer()
    return [tok.tokenize(t) for t in data["texts"]]


def words_cmd(data):
    import nltk
    tok = nltk.tokenize.RegexpTokenizer(r"\w+")
    return [len(tok.tokenize(t)) for t in data["texts"]]


def langdetect_cmd(data):
    import langdetect
    from langdetect import DetectorFactory
    DetectorFactory.seed = 0
    out = []
    for t in data["texts"]:
        try:
            out.append(langdetect.detect(t))
        except langdetect.LangDetectException:
            out.append(None)
    return out


def binomtest_cmd(data):
    from scipy.stats import binomtest
    return [binomtest(k, n, 0.5).pvalue for k, n in data["pairs"]]


def langdetect_dir_cmd(_):
    import langdetect
    return os.path.dirname(langdetect.__file__)


COMMANDS = {
    "sacrebleu": sacrebleu_cmd, "gsm8k": gsm8k_cmd, "regex": regex_cmd, "ifeval": ifeval_cmd,
    "treebank": treebank_cmd, "words": words_cmd, "langdetect": langdetect_cmd,
    "binomtest": binomtest_cmd, "langdetect-dir": langdetect_dir_cmd,
}

if __name__ == "__main__":
    data = json.loads(sys.stdin.read() or "{}")
    json.dump(COMMANDS[sys.argv[1]](data), sys.stdout, ensure_ascii=False)
