"""Name normalisation for screening: one comparable spelling for the many ways a name is written.

`name_tokens("Dr. Mohammed Abd al-Rahman")` -> ["muhamad", "abdul", "rahman"]:

1. script: Cyrillic and Greek letters are transliterated to Latin (a simple
   BGN/PCGN-like table); other scripts (Chinese, Arabic, ...) are kept as they
   are, so an alias written in them matches the same writing;
2. Unicode NFKD, combining marks (accents, diacritics) dropped, case folded,
   letters NFKD does not decompose mapped by hand (ø, æ, ł, đ, þ, ...);
3. apostrophes and their look-alikes are removed ("O'Brien" = "OBrien",
   "Ja'far" = "Jafar"); every other punctuation mark, hyphen included, is a
   space ("al-Rashid" = "al Rashid"); whitespace is collapsed;
4. honorifics (mr, mrs, dr, prof, sir, ...) are dropped, unless nothing else
   is left; "abd" followed by an Arabic article becomes "abdul";
5. each token is folded by a small, documented set of transliteration rules
   (below) and then by a table of common given-name variants.

Both sides of a comparison go through the same folding, so a rule only has to
make two spellings of one name equal; it never has to produce a "correct"
spelling. The rules are deliberately few: each one merges real variants
(Khalid/Halid, Aleksandr/Alexander, Yousef/Yusuf) but also makes some
different names closer, which the matcher's threshold has to absorb.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Cyrillic (Russian, Ukrainian, Belarusian, Serbian) and Greek, lower case: applied after case folding.
_SCRIPT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "u", "ј": "j", "љ": "lj",
    "њ": "nj", "ћ": "c", "ђ": "dj", "џ": "dz",
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i", "κ": "k",
    "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s", "ς": "s", "τ": "t",
    "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
    # Latin letters that NFKD leaves alone.
    "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i", "ħ": "h",
    "ŧ": "t", "ŋ": "n", "ĸ": "k",
}
_SCRIPT_TABLE = str.maketrans(_SCRIPT)
_APOSTROPHES = re.compile(r"['’‘ʼʻ`´ʹ]")
_NOT_WORD = re.compile(r"[\W_]+")

HONORIFICS = frozenset(
    "mr mrs ms miss mx mister dr doctor prof professor sir dame madam mme mlle herr frau jr sr".split()
)
# Short connecting words and legal forms: kept, but they weigh little in a comparison.
PARTICLES = frozenset(
    "al el ul ar as ad an ash at az bin ibn ben bint van von der den de da di du del la le dos das "
    "ltd llc inc co corp limited plc gmbh ag sa srl bv nv jsc ojsc pjsc ooo llp lp".split()
)
_ARABIC_ARTICLES = frozenset("al el ul ar as ad an ash at az ur er".split())

# Transliteration rules, applied in this order to each token. Each line merges
# spellings of the same sound across romanisation systems.
_RULES: list[tuple[re.Pattern[str], str]] = [(re.compile(p), r) for p, r in (
    (r"([b-df-hj-np-tv-z])\1+", r"\1"),  # doubled consonants first: "Mikkhail" meets the kh rule as "Mikhail"
    (r"(?<=[aeiou])h$", ""),  # Abdullah = Abdulla, Fatimah = Fatima (before kh = h makes new final h's)
    (r"^hs", "x"),        # Wade-Giles hs = pinyin x (Hsi = Xi)
    (r"t?sch", "sh"),     # German sch = sh (Schukow = Shukow)
    (r"tch", "ch"),       # French tch = ch (Tchekhov = Chekhov)
    (r"dzh|dj", "j"),     # Dzhamal = Djamal = Jamal
    (r"kh", "h"),         # Khalid = Halid, Mikhail = Mihail
    (r"gh", "g"),         # Ghani = Gani
    (r"ph", "f"),         # Stephan = Stefan
    (r"th", "t"),         # Thomas = Tomas
    (r"dh", "d"),         # Dhaher = Daher
    (r"ck", "k"),
    (r"q", "k"),          # Qasim = Kasim
    (r"x", "ks"),         # Alexander = Aleksander (and pinyin x, both sides alike)
    (r"c(?!h)", "k"),     # Nicolai = Nikolai (c before h stays: ch)
    (r"w", "v"),          # Wladimir = Vladimir, Iwanow = Ivanov
    (r"y", "i"),          # Yuri = Iuri, Dmitriy = Dmitri, Sergey = Sergei
    (r"ou|oo", "u"),      # Yousef = Yusef, Farouk = Faruk
    (r"ee(?!v)", "i"),    # Rasheed = Rashid (but not Russian -eev: Andreev is not Andriv)
    (r"([aou])e", r"\1"),  # German umlaut spellings: Schroeder = Schröder, Mueller = Müller
    (r"(.)\1+", r"\1"),   # doubled letters, also those the rules made: Mohammed = Mohamed, Hassan = Hasan
)]

# Common names whose romanisations differ by more than the rules above can
# bridge; every variant is folded by the rules first, then mapped to the first.
_VARIANTS = (
    "muhammad mohammed mohamed mohammad muhammed mohamad mohamud mohd muhamed mouhamed mehmet mehmed",
    "ahmad ahmed ahmet achmad akhmed",
    "abdul abd abdel abdal abdoul abdol abdool",
    "husain hussein hussain husayn husein hossein hosein hosain",
    "yusuf yousef yusef youssef yousuf yussuf jusuf yousif",
    "aleksandr alexander aleksander alexandr oleksandr alexandre",
    "mihail mikhail michail mykhailo",
    "osama usama usamah",
    "omar umar",
)


def _apply_rules(token: str) -> str:
    """The token with every transliteration rule applied, in order."""
    for pattern, replacement in _RULES:
        token = pattern.sub(replacement, token)
    return token


_CANONICAL = {_apply_rules(variant): _apply_rules(group.split()[0]) for group in _VARIANTS for variant in group.split()}


def fold(text: str) -> str:
    """Script, accents, case and punctuation folded away: lower-case words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    latin = bare.casefold().replace("ου", "ou").translate(_SCRIPT_TABLE)  # the one Greek digraph that matters here
    return " ".join(_NOT_WORD.sub(" ", _APOSTROPHES.sub("", latin)).split())


@lru_cache(maxsize=65536)
def canonical_token(token: str) -> str:
    """One folded token with the transliteration rules and the name-variant table applied."""
    folded = _apply_rules(token)
    return _CANONICAL.get(folded, folded)


def name_tokens(text: str) -> list[str]:
    """The comparable tokens of a name, in their written order (empty for a name with no letters or digits)."""
    words = fold(text).split()
    kept = [w for w in words if w not in HONORIFICS] or words
    merged: list[str] = []
    i = 0
    while i < len(kept):
        # "Abd al-Rahman", "Abd ar Rahman": the article belongs to "abd" (= Abdul Rahman).
        if kept[i] == "abd" and i + 1 < len(kept) and kept[i + 1] in _ARABIC_ARTICLES:
            merged.append("abdul")
            i += 2
            continue
        merged.append(kept[i])
        i += 1
    return [canonical_token(w) for w in merged]


def spacing_free(tokens: list[str]) -> str:
    """The tokens written together, so "Xi Jin Ping" and "Xijinping" compare equal."""
    return "".join(tokens)


def is_particle(token: str) -> bool:
    """Whether a (canonical) token is a connecting word or legal form that weighs little."""
    return token in _PARTICLE_FORMS


_PARTICLE_FORMS = frozenset(canonical_token(p) for p in PARTICLES)
_WEAK = re.compile(r"[aeiouh]+")  # vowels, and h: silent or dropped in many romanisations (Sarah = Sara)
_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=65536)
def skeleton(token: str) -> str:
    """A coarse sound key for candidate lookup: consonants but h, once each; a leading vowel or h kept as "*" (Osama = Usama)."""
    if len(token) <= 3:
        return token  # short tokens are looked up exactly: a skeleton of "li" or "wei" would match everything
    lead = "*" if token[0] in "aeiouh" else ""
    return lead + _REPEATS.sub(r"\1", _WEAK.sub("", token))
