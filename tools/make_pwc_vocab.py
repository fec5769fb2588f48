"""Derive the shipped gazetteers method/pwc.tsv, method/scirex.tsv and dataset/scirex.tsv.

Sources (see ``src/paperkg/data/vocab/README.md`` for licences):

* Papers with Code ``methods.json`` (CC BY-SA 4.0): ``pwc_methods.json.gz``
* SciREX salient entity names (Apache-2.0): ``scirex_salient_entity_names.json``

Usage::

    .venv/bin/pip install wordfreq   # build-time only, not a paperkg dependency
    .venv/bin/python tools/make_pwc_vocab.py --shared ../shared/vocab

The cleaning rules (why each exists):

* A PwC ``name``/``full_name`` pair becomes one term: the full name is the canonical
  name ("Fourier Neural Operator"), the short name an alias ("FNO"). Full names that
  are paper titles (a colon, a parenthesis, more than eight words) are ignored.
* Every surface form is judged by the English word frequency of its words
  (``wordfreq`` Zipf >= 3.0 = a common word):
  - a single common word in plain case ("Attention", "Electric") is dropped: it would
    fire on ordinary prose;
  - a single common word written as a name (all caps or inner capitals: "BASE",
    "GloVe", "ZeRO") is kept but case-sensitive;
  - two common words ("Linear Layer", "Average Pooling") are kept case-sensitive, so
    they only match where an author capitalises them as a name;
  - anything with a rare word, or three or more words, matches in any case.
  In a case-sensitive term every loose form is also written in lower case, which the
  loader reads as "this form matches in any case" (see paperkg.vocab).
* Forms of three characters or fewer are dropped ("GA", "DLA", "NSE"): short
  acronyms mean different things in different fields (DLA is also diffusion-limited
  aggregation), and the extractor's abbreviation detector finds them where the text
  defines them. Well-known ones ("GAN", "PPO") are in the hand-written method/ml.tsv.
* A term whose key is a stop-list phrase (generic, task, metric), a hand-written
  method (method/ml.tsv, method/classic.tsv) or on the deny list below is skipped:
  hand-written entries win.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from paperkg.text import match_key, normalize_space
from paperkg.vocab import read_stop_list, read_terms

try:
    from wordfreq import zipf_frequency
except ImportError:  # pragma: no cover - build-time tool
    sys.exit("tools/make_pwc_vocab.py needs wordfreq: .venv/bin/pip install wordfreq")

ROOT = Path(__file__).resolve().parents[1]
VOCAB = ROOT / "src" / "paperkg" / "data" / "vocab"
GENERATED = {"pwc.tsv", "scirex.tsv"}
COMMON_ZIPF = 3.0

# PwC / SciREX names that are generic components or not methods at all.
DENY = {
    match_key(x)
    for x in """
    Convolution|1x1 Convolution|Pointwise Convolution|Heatmap|Feedforward Network|
    Feedforward Networks|Position-Wise Feed-Forward Layer|Auxiliary Classifier|Linear Layer|
    Dense Connections|Embedding|Inpainting|Classifier|Piecewise|Best linear|
    Incremental Learning|Template adaptation|Unlexicalized features|Mapillary|3DMatch|
    MultiObjectiveOptimization|bicubic|Self-Learning|Causal Inference|ASR|MTL|Reactor|
    Electric|Gravity|Grab|Demon|Florence|Primer|Parrot|Herring|Hamburger|Apollo|
    Output Functions|Softmax|Sigmoid Activation|Tanh Activation|Activation Function|
    Average Pooling|Max Pooling|Global Average Pooling|Residual Connection|Residual Block|
    Concatenated Skip Connection|Attention Dropout|Scaled Dot-Product Attention|
    Absolute Position Encodings|Linear Warmup With Linear Decay|Dropout|Attention|
    Random Search|Grid Search|Early Stopping|Entropy Regularization|Weight Decay|
    Balanced Selection|Greedy Policy Search|Spatio-temporal stability analysis|
    Uncertainty Class Activation Map|Rung Kutta optimization|Network On Network|
    simple Copy-Paste|Copy-Paste|Transformer Decoder|Unigram and bigram features|
    Word-level LSTM w attn|Deep Diffusion|Sequential forward selection|
    Distributional Correspondence Indexing|Multilingual Sentence Embeddings|
    Variational Shape Learner|Regularized Deep Regressor|Balancing Linear Regression|
    Balancing Neural Network|Generative Partition Networks|Multilingual Universal Sentence Encoder|
    High-resolution input|Low-resolution input|Cross-resolution features|Gradient-based optimization|
    Learning to Match|Track objects as points|Explanation vs Attention|
    Path Planning and Motion Control|Optimal Transport Modeling|Symbolic Deep Learning|
    Symbolic rule learning|Joint Learning Architecture|Self-adaptive Training|Random Horizontal Flip|
    Low-level backbone|High-level backbone|Hierarchical Multi-Task Learning|
    Large-scale spectral clustering|Meta Face Recognition|Negative Face Recognition|
    Simulation as Augmentation|Virtual Data Augmentation|Image Scale Augmentation|N-step Returns|
    Polynomial Rate Decay|Graph Neural Networks with Continual Learning|Neural network for graphs|
    Mixture of Logistic Distributions|Residual Normal Distribution|Two-Way Dense Layer|
    Matching The Statements|Rank-based Loss|Hierarchical Feature Fusion|Dimension-wise Fusion|
    Dynamic Graph Event Detection|Gait Emotion Recognition|
    Differential attention for visual question answering|early exiting using confidence measures|
    3-dimensional interaction space|Good Feature Matching|Feature-Centric Voting|
    Kernel Activation Function|Rational Activation Function|Label Quality Model|Local Prior Matching|
    Local Patch Interaction|Self-Supervised Temporal Domain Adaptation|
    Continuously Indexed Domain Adaptation|Temporal Distribution Matching|
    Temporal Distribution Characterization|Human Robot Interaction Pipeline|
    A Framework for Leader Identification in Coordinated Activity|Adaptive Input Representations|
    An Easier Data Augmentation|Aligning Latent and Image Spaces|Class activation guide|
    Char-level CNN|Ann PAT MT|Recurrent Pixel Embedding|Pose Residual Network|
    Self-training with task augmentation|Minimum Description Length|Optimal Transport|CARLA|OASIS|
    Deflation|LISA|Random Scaling
    """.replace("\n", "").split("|")
    if x.strip()
}
# SciREX Material names that are not datasets (companies, places, generic words).
DATASET_DENY = {
    match_key(x)
    for x in [
        "Amazon", "Company", "Unrestricted", "Florence", "GPS", "Netflix", "Wikipedia",
        "Books", "Bing News", "Chinese Poems", "North American English", "ELO Ratings",
        "Caltech", "Quasar", "Piecewise", "Photo-Art-50", "Aerial-to-Map", "Query Wellformedness",
        "MR", "UD", "MMI", "FCE", "WAF", "IDHP", "CT-150", "D D", "LUNA",
    ]
}
_DATASET_SPLIT = re.compile(
    r"^(WMT\d{4}|IWSLT\d{4}|VoxForge|BUCC|Sintel-|KITTI_|ITOP_|CoNLL-2014_A|SYNTHIA_|"
    r"SVNH-to|GTAV-to|swb_hub|Ultra_Video|Xiph_|PASCAL_VOC_2012__|Cityscapes_)"
)
_TITLE_LIKE = re.compile(r"[:()]")
_SUFFIXES = re.compile(
    r"(\s+-\s+.*|\s+sigma\d+|\s+\d+\s*x\s*\d+|\s+(Easy|Hard|Moderate|Medium|clean|real|final)"
    r"|\s+(Labels-to-Photos?|Photo-to-Labels)|\s+Binary classification|\s+Fine-grained classification"
    r"|\s+Character Level|\s+Word Level|\s+\d+ labels?|\s+\d+ Labels)$",
    re.IGNORECASE,
)


def _is_common(token: str) -> bool:
    return len(token) <= 1 or token.isdigit() or zipf_frequency(token, "en") >= COMMON_ZIPF


def _name_like(form: str) -> bool:
    """All caps, inner capitals or digits: written as a name, not as a word."""
    letters = [c for c in form if c.isalpha()]
    return any(c.isdigit() for c in form) or any(c.isupper() for c in letters[1:])


def judge(form: str) -> str:
    """``"ok"`` (any case), ``"strict"`` (exact case only) or ``"drop"`` for one form."""
    key = match_key(form)
    if len(key.replace(" ", "")) <= 3:
        return "drop"
    tokens = key.split()
    if not all(_is_common(t) for t in tokens):
        return "ok"
    if len(tokens) == 1:
        return "strict" if _name_like(form) else "drop"
    if len(tokens) == 2:
        return "strict"
    return "ok"


def make_term(forms: Iterable[str]) -> tuple[str, list[str], bool] | None:
    """One TSV row (name, aliases, case) from surface forms, canonical first; None to skip."""
    kept: list[tuple[str, str]] = []
    seen: set[str] = set()
    for form in forms:
        form = normalize_space(form)
        if not form or form in seen:
            continue
        seen.add(form)
        verdict = judge(form)
        if verdict != "drop":
            kept.append((form, verdict))
    if not kept:
        return None
    strict = any(v == "strict" for _, v in kept)
    name = kept[0][0]
    aliases = [f for f, _ in kept[1:]]
    if strict:
        for form, verdict in kept:
            if verdict == "ok" and form != form.lower():
                aliases.append(form.lower())
    return name, aliases, strict


def _blocked_keys(vocab_dir: Path) -> set[str]:
    keys: set[str] = set()
    for kind in ("generic", "tasks", "metrics"):
        path = vocab_dir / "stop" / f"{kind}.txt"
        if path.exists():
            keys |= read_stop_list(path)
    return keys | DENY


def _hand_keys(vocab_dir: Path, entity_type: str) -> set[str]:
    keys: set[str] = set()
    for path in sorted((vocab_dir / entity_type).glob("*.tsv")):
        if path.name in GENERATED:
            continue
        for term in read_terms(path, entity_type):  # type: ignore[arg-type]
            keys |= {match_key(f) for f in term.forms}
    return keys


def _merge(rows: list[tuple[str, list[str], bool]], skip: set[str]) -> list[tuple[str, list[str], bool]]:
    """Drop rows whose name is known elsewhere, merge same-name rows, drop clashing aliases."""
    by_key: dict[str, tuple[str, list[str], bool]] = {}
    for name, aliases, strict in rows:
        key = match_key(name)
        if key in skip:
            continue
        if key in by_key:
            old = by_key[key]
            by_key[key] = (old[0], old[1] + [a for a in aliases if a not in old[1]], old[2] or strict)
        else:
            by_key[key] = (name, list(aliases), strict)
    names = set(by_key)
    out = []
    for key, (name, aliases, strict) in sorted(by_key.items(), key=lambda kv: kv[1][0].lower()):
        clean = [a for a in aliases if match_key(a) not in skip and (match_key(a) not in names or match_key(a) == key)]
        out.append((name, clean, strict))
    return out


def _write(path: Path, rows: list[tuple[str, list[str], bool]], header: list[str]) -> None:
    lines = ["name\taliases\tcase", *(f"# {h}" for h in header)]
    for name, aliases, strict in rows:
        lines.append(f"{name}\t{'|'.join(aliases)}\t{'1' if strict else ''}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {path} ({len(rows)} terms)")


def pwc_rows(shared: Path) -> list[tuple[str, list[str], bool]]:
    with gzip.open(shared / "pwc_methods.json.gz", "rt", encoding="utf-8") as fh:
        methods = json.load(fh)
    rows = []
    for m in methods:
        name = normalize_space(m.get("name") or "")
        full = normalize_space(m.get("full_name") or "")
        if not name or match_key(name) in DENY:
            continue
        if not full or _TITLE_LIKE.search(full) or len(full.split()) > 8 or match_key(full) == match_key(name):
            full = ""
        if full and match_key(full) in DENY:
            full = ""
        row = make_term([full, name] if full else [name])
        if row:
            rows.append(row)
    return rows


_SCIREX_NOISE = re.compile(
    r"(___|__|^_|_$|^\d+D_|\d+-layer|ensemble|single_model|et_al|baseline|_w_|_hs$|_noop$)",
    re.IGNORECASE,
)


def scirex_method_rows(shared: Path) -> list[tuple[str, list[str], bool]]:
    names = json.loads((shared / "scirex_salient_entity_names.json").read_text())["Method"]
    rows = []
    for raw in names:
        if _SCIREX_NOISE.search(raw):
            continue
        name = normalize_space(raw.replace("_", " "))
        if " - " in name or len(name.split()) > 6 or re.search(r"\b(Base|Large|Standard|Big)$", name):
            continue  # leaderboard configurations and paper titles, not method names
        if match_key(name) in DENY:
            continue
        row = make_term([name])
        if row:
            rows.append(row)
    return rows


def scirex_dataset_rows(shared: Path) -> list[tuple[str, list[str], bool]]:
    names = json.loads((shared / "scirex_salient_entity_names.json").read_text())["Material"]
    rows = []
    for raw in names:
        if raw.startswith("Atari_2600_") or "Visual_Question_Answering" in raw:
            continue  # single Atari games and leaderboard splits: the suites are hand-written
        if _DATASET_SPLIT.search(raw):
            continue  # language pairs and sub-splits of a suite listed by hand (WMT, KITTI, ...)
        raw = raw.replace("_s_", "'s_")  # "Children_s_Book_Test"
        # "SQuAD1_1" -> "SQuAD1.1", "Human3_6M" -> "Human3.6M": underscores between digits were dots
        name = re.sub(r"(\d)_(\d)", r"\1.\2", raw)
        name = normalize_space(name.replace("_", " ")).strip(" -")
        prev = None
        while prev != name:
            prev, name = name, normalize_space(_SUFFIXES.sub("", name))
        if not name or match_key(name) in DATASET_DENY:
            continue
        row = make_term([name])
        if row:
            rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "vocab")
    parser.add_argument("--vocab-dir", type=Path, default=VOCAB)
    args = parser.parse_args(argv)
    blocked = _blocked_keys(args.vocab_dir)
    method_skip = blocked | _hand_keys(args.vocab_dir, "method")
    pwc = _merge(pwc_rows(args.shared), method_skip)
    _write(
        args.vocab_dir / "method" / "pwc.tsv",
        pwc,
        [
            "Derived from Papers with Code methods.json (snapshot ~June 2022), CC BY-SA 4.0.",
            "Generated by tools/make_pwc_vocab.py; do not edit by hand (edit the script or ml.tsv).",
        ],
    )
    skip_sx = method_skip | {match_key(n) for n, _, _ in pwc}
    _write(
        args.vocab_dir / "method" / "scirex.tsv",
        _merge(scirex_method_rows(args.shared), skip_sx),
        [
            "Derived from the SciREX salient entity names (allenai/SciREX), Apache-2.0.",
            "Generated by tools/make_pwc_vocab.py; do not edit by hand.",
        ],
    )
    dataset_skip = blocked | _hand_keys(args.vocab_dir, "dataset")
    _write(
        args.vocab_dir / "dataset" / "scirex.tsv",
        _merge(scirex_dataset_rows(args.shared), dataset_skip),
        [
            "Derived from the SciREX salient entity names (allenai/SciREX), Apache-2.0.",
            "Generated by tools/make_pwc_vocab.py; do not edit by hand.",
        ],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
