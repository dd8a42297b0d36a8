#!/usr/bin/env python3
"""Writes src/data/common_words.txt: the common words of English, German and
Russian that a generated term variant (a transliteration or a one-edit
misspelling, src/variants.rs) must not be.

Needs the `wordfreq` package (pip install wordfreq==3.1.1).
Run from the repository root: python3 scripts/common_words.py
"""
import re
from importlib.metadata import version

from wordfreq import top_n_list

LISTS = (("en", 30000, "[a-z]{4,}"), ("de", 20000, "[a-z]{4,}"), ("ru", 30000, "[а-я]{4,}"))

words = {"lat": set(), "cyr": set()}
for lang, n, shape in LISTS:
    for w in top_n_list(lang, n):
        w = w.lower().replace("ё", "е")
        if re.fullmatch(shape, w):
            words["cyr" if lang == "ru" else "lat"].add(w)

with open("src/data/common_words.txt", "w", encoding="utf-8") as f:
    f.write(f"""# Common words of English, German and Russian. A generated variant of a
# rule term (a transliteration or a one-edit misspelling, src/variants.rs)
# that is one of these words, or for a stem the start of one, is not added:
# it would match ordinary text (`patron`, `kran`, `baring`).
# Source: wordfreq {version("wordfreq")} (Robyn Speer; word lists CC BY-SA 4.0),
# top_n_list('en', 30000), top_n_list('de', 20000), top_n_list('ru', 30000):
# words of 4 or more letters made only of a-z or а-я (ё written е), lower
# case, sorted. Regenerate with scripts/common_words.py.
""")
    for w in sorted(words["lat"]) + sorted(words["cyr"]):
        f.write(w + "\n")
