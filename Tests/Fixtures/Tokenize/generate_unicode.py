#!/usr/bin/env python3
"""Records which code points the `tokenizers` regex engine (Oniguruma) puts in \\p{L}, \\p{N} and
\\s, as ranges, so the Swift tests can compare Jupiter's Unicode data (Swift's
Unicode.Scalar.Properties) against it and document any version difference.

    python3 Tests/Fixtures/Tokenize/generate_unicode.py   ->  goldens/unicode-classes.json
"""
import json
import os

from tokenizers import Regex, pre_tokenizers

HERE = os.path.dirname(os.path.abspath(__file__))


def ranges(points):
    out = []
    for p in sorted(points):
        if out and out[-1][1] == p - 1:
            out[-1][1] = p
        else:
            out.append([p, p])
    return out


def main():
    # Every scalar except surrogates, each followed by a separator that is in none of the classes.
    cps = [c for c in range(1, 0x110000) if not 0xD800 <= c <= 0xDFFF]
    text = "".join(chr(c) for c in cps)
    result = {}
    classes = [("L", r"\p{L}"), ("N", r"\p{N}"), ("s", r"\s")]
    classes += [(c, r"\p{%s}" % c) for c in ("Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No")]
    for name, pattern in classes:
        split = pre_tokenizers.Split(Regex(pattern), behavior="removed", invert=True)
        pieces = split.pre_tokenize_str(text)
        points = set()
        for piece, (start, end) in pieces:
            for k in range(start, end):
                points.add(cps[k])
        result[name] = ranges(points)
    with open(os.path.join(HERE, "goldens", "unicode-classes.json"), "w") as f:
        json.dump(result, f, separators=(",", ":"))
    print({k: sum(b - a + 1 for a, b in v) for k, v in result.items()})


if __name__ == "__main__":
    main()
