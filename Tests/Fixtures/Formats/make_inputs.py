"""Writes the hand-made input fixtures for the format golden tests (run once; output committed).

The expected outputs (expected.*) are written by Jupiter itself with JUPITER_UPDATE_GOLDEN=1 and
were reviewed by hand; this script only makes the inputs, so the tricky content is easy to read.
"""
import json, os

def jl(path, rows, blank_after=None):
    with open(path, "w", encoding="utf-8", newline="") as f:
        for i, r in enumerate(rows):
            f.write(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False))
            f.write("\n")
            if blank_after is not None and i == blank_after:
                f.write("\n")

os.makedirs("openai-messages", exist_ok=True)
weather_tool = {"type": "function", "function": {"name": "get_weather", "description": "Tywydd heddiw",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
jl("openai-messages/input.jsonl", [
    {"messages": [
        {"role": "system", "content": "Rwyt ti'n gynorthwyydd defnyddiol sy'n siarad Cymraeg."},
        {"role": "user", "content": "Beth yw ystyr ‘ŵyr’ ac ‘ŷd’? 🐉"},
        {"role": "assistant", "content": "Mae ‘ŵyr’ yn golygu grandson, ac ‘ŷd’ yn golygu corn.",
         "reasoning_content": "Mae angen egluro dau air gyda tho bach (ŵ, ŷ)."},
        {"role": "user", "content": "Diolch!\tTab\nllinell newydd"},
        {"role": "assistant", "content": "Croeso! 😊"}]},
    {"messages": [
        {"role": "user", "content": "Cyfrifwch 12 × 7."},
        {"role": "assistant", "content": "<think>\n12 × 7 = 84.\n</think>\n\n84"},
        {"role": "user", "content": "A 3 + 4?"},
        {"role": "assistant", "content": "<think></think>\n\n7"}]},
    {"id": "tool-1", "messages": [
        {"role": "user", "content": "Sut mae'r tywydd yn Aberystwyth?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Aberystwyth\"}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "{\"temp\":11,\"sky\":\"cymylog\"}"},
        {"role": "assistant", "content": "Mae hi'n gymylog ac yn 11°C."}],
     "tools": [weather_tool]},
    {"id": 42, "messages": [
        {"role": "user", "content": [{"type": "text", "text": "Rhan un, "}, {"type": "text", "text": "rhan dau."}]},
        {"role": "assistant", "content": "Iawn \"dyfyniad\" \\ slaes", "weight": 0}],
     "metadata": {"source": "prawf", "licence": "CC-BY-4.0"}, "split": "train"},
], blank_after=1)

os.makedirs("sharegpt", exist_ok=True)
jl("sharegpt/input.jsonl", [
    {"conversations": [
        {"from": "system", "value": "Atebwch yn Gymraeg."},
        {"from": "human", "value": "Shwmae! Sut wyt ti? 🐉"},
        {"from": "gpt", "value": "<think>\nMae'r defnyddiwr yn cyfarch; ateb yn gyfeillgar.\n</think>\n\nDw i'n iawn, diolch! Ŵyr ac ŷd."}]},
    {"conversations": [
        {"from": "human", "value": "Beth yw'r tywydd yng Nghaerdydd?"},
        {"from": "function_call", "value": json.dumps({"name": "get_weather", "arguments": {"city": "Caerdydd"}}, ensure_ascii=False)},
        {"from": "observation", "value": json.dumps({"temp": 14, "sky": "glaw"}, ensure_ascii=False)},
        {"from": "gpt", "value": "Mae hi'n bwrw glaw ac yn 14°C."}],
     "system": "Rwyt ti'n gynorthwyydd tywydd.",
     "tools": json.dumps([weather_tool["function"]], ensure_ascii=False)},
    {"id": "sg-3", "conversations": [
        {"from": "user", "value": "Tab\there\nnewline"},
        {"from": "assistant", "value": "<think></think>Rhesymu i ffwrdd."}],
     "source": "prawf"},
])

os.makedirs("alpaca", exist_ok=True)
jl("alpaca/input.jsonl", [
    {"instruction": "Cyfieithwch i'r Gymraeg.", "input": "The weather is lovely today.", "output": "Mae'r tywydd yn hyfryd heddiw. ☀️"},
    {"instruction": "Rhestrwch dri aderyn.", "input": "", "output": "<think>\nAdar cyffredin yng Nghymru.\n</think>\n\n1. Barcud coch\n2. Drudwy\n3. Dryw",
     "system": "Atebwch yn Gymraeg."},
    {"id": "alp-3", "instruction": "A'r ail?", "input": "", "output": "Ŷd", "history": [["Beth yw'r gair cyntaf?", "Ŵy"]]},
], blank_after=0)

os.makedirs("parallel-tsv", exist_ok=True)
with open("parallel-tsv/input.tsv", "w", encoding="utf-8", newline="") as f:
    f.write("The weather is lovely today.\tMae'r tywydd yn hyfryd heddiw.\n")
    f.write("Good morning 🌅\tBore da 🌅\r\n")
    f.write("\n")
    f.write("Water, \"clean\"\tDŵr, \"glân\"\n")
    f.write("Grandson\tŴyr")  # no final newline

os.makedirs("parallel-jsonl", exist_ok=True)
jl("parallel-jsonl/input.jsonl", [
    {"translation": {"en": "The weather is lovely today.", "cy": "Mae'r tywydd yn hyfryd heddiw."}},
    {"id": "p2", "translation": {"cy": "Dŵr glân\nmewn dwy linell", "en": "Clean water\non two lines"}, "metadata": {"domain": "prawf"}},
])

os.makedirs("moses", exist_ok=True)
with open("moses/input.en", "w", encoding="utf-8", newline="") as f:
    f.write("The weather is lovely today.\nGood morning 🌅\n\nGrandson and corn\n")
with open("moses/input.cy", "w", encoding="utf-8", newline="") as f:
    f.write("Mae'r tywydd yn hyfryd heddiw.\nBore da 🌅\n\nŴyr ac ŷd\n")

os.makedirs("documents", exist_ok=True)
jl("documents/input.jsonl", [
    {"text": "Mae Cymru'n wlad yng ngorllewin Prydain.\n\nEi phrifddinas yw Caerdydd. 🏴"},
    {"id": "doc-2", "text": "Tab\tac ŵ ŷ", "url": "https://example.org/cy", "metadata": {"lang": "cy"}},
])

os.makedirs("text", exist_ok=True)
with open("text/input.txt", "w", encoding="utf-8", newline="") as f:
    f.write("Hen Wlad fy Nhadau\n\nMae hen wlad fy nhadau yn annwyl i mi,\nGwlad beirdd a chantorion, enwogion o fri; 🎶\n\tŵ ŷ\n")

os.makedirs("culturebank", exist_ok=True)
with open("culturebank/input.csv", "w", encoding="utf-8", newline="") as f:
    f.write("\ufeffcultural group,context,goal,relation,actor,actor behavior,recipient,recipient-behavior,other_descriptions,topic,agreement,num_support_bin\r\n")
    f.write("Welsh,at a rugby match in Cardiff,support the team,fans to players,fans,\"sing \"\"Calon Lân\"\", loudly\",players,feel encouraged,,Sports,0.9,[10-20)\r\n")
    f.write("Welsh speakers,\"in a shop,\r\nin Gwynedd\",get served,customer to staff,customer,greet in Welsh (ŵ ŷ),shop staff,reply in Welsh,\"often\nmulti-line\",Language,1,[5-10)\r\n")
    f.write("\r\n")
    f.write("British,at work,be polite,colleagues,people,queue 🙂,others,,,Etiquette,,\r\n")
jl("culturebank/input.jsonl", [
    {"cultural group": "Welsh", "context": "Eisteddfod", "goal": "celebrate culture", "relation": "audience to performers",
     "actor": "audience", "actor_behavior": "applaud the bards", "recipient": "performers", "recipient_behavior": "bow",
     "other_descriptions": None, "topic": "Arts", "agreement": 0.75, "num_support_bin": "[20-30)", "time_range": {"2021": 3}},
    {"id": "cb-2", "cultural_group": "Welsh speakers", "actor-behavior": "say \"diolch\"", "topic": "Language", "agreement": "0.5"},
])

os.makedirs("openai-evals", exist_ok=True)
jl("openai-evals/input.jsonl", [
    {"input": [{"role": "system", "content": "Answer Y or N."}, {"role": "user", "content": "Aethom ni i gyd."}], "ideal": "Y"},
    {"input": [{"role": "user", "content": "Translate: water"}], "ideal": ["dŵr", "Dŵr"]},
    {"id": "e3", "input": "Dywedwch helo 👋", "ideal": "Helo", "difficulty": "easy"},
])
