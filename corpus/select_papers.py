"""Select the abstracts of the annotated corpus from Paper Copilot's paper lists and arXiv.

Usage: python corpus/select_papers.py MIRROR [--pmlr MIRRORS] [--arxiv MIRRORS] [--out corpus/text]

MIRROR is a git checkout (or bare mirror) of github.com/papercopilot/paperlists; the
commits used (of it, the PMLR volumes and the arXiv listings) are recorded in
corpus/README.md. The abstracts themselves are not kept in this repository: this script
rebuilds them, byte for byte, from those commits.

Writes OUT/pool.jsonl ({"id", "source", "title", "abstract", "split"} per paper, in
annotation order) and OUT/batches/{test,train,train2,...,train8,testarxiv}_NNN.jsonl, the
units handed to annotators (one prefix per draw; each draw is taken after the ones before
it, so adding a draw never changes an earlier one).

The selection is fixed before any abstract is read: per venue, papers with an abstract
of 300-2,500 characters are shuffled with a seed derived from the venue's name and the
first QUOTA taken; papers whose title occurs in the seed listing pages, the dev set or
bench/ are dropped (the seeds outside those sets are reserved for evaluation), and a
title seen in an earlier venue is kept only there. The test split takes every twelfth
paper of the round-robin order (about 8%), the rest is train. The arXiv draw is chosen
the same way per listing category, and has its own blind split (testarxiv), every
twelfth paper of its round-robin order.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import html
import itertools
import json
import random
import re
import subprocess
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# venue file -> how many papers to take; grouped by field for the README's table
QUOTAS: dict[str, int] = {
    # machine learning
    "icml/icml2019.json": 300, "nips/nips2018.json": 250, "iclr/iclr2018.json": 200,
    "aistats/aistats2024.json": 200, "aistats/aistats2025.json": 150,
    "uai/uai2024.json": 150, "acml/acml2024.json": 80, "automl/automl2024.json": 40,
    # learning theory
    "colt/colt2024.json": 170, "colt/colt2023.json": 100, "alt/alt2025.json": 60,
    # computer vision
    "cvpr/cvpr2019.json": 250, "iccv/iccv2019.json": 200, "eccv/eccv2022.json": 200,
    "wacv/wacv2025.json": 150, "3dv/3dv2025.json": 80,
    # natural language processing
    "acl/acl2022.json": 200, "naacl/naacl2024.json": 150, "coling/coling2025.json": 150,
    "colm/colm2025.json": 120,
    # robotics
    "corl/corl2024.json": 150, "corl/corl2025.json": 120, "rss/rss2025.json": 100,
    "icra/icra2023.json": 150, "iros/iros2023.json": 100,
}
# A second draw, all for training, from other years of the same venues: taken after
# the first (whose test split it leaves unchanged), batches train2_NNN.
EXTRA_QUOTAS: dict[str, int] = {
    "icml/icml2018.json": 200, "icml/icml2017.json": 150, "nips/nips2017.json": 200,
    "nips/nips2016.json": 150, "iclr/iclr2017.json": 150, "aistats/aistats2023.json": 150,
    "aistats/aistats2022.json": 100, "uai/uai2023.json": 150, "uai/uai2022.json": 100,
    "colt/colt2022.json": 150, "colt/colt2021.json": 100, "cvpr/cvpr2018.json": 200,
    "iccv/iccv2017.json": 150, "eccv/eccv2020.json": 200, "wacv/wacv2024.json": 150,
    "acl/acl2021.json": 200, "naacl/naacl2022.json": 150, "coling/coling2022.json": 150,
    "colm/colm2024.json": 100, "corl/corl2023.json": 150, "corl/corl2022.json": 100,
    "rss/rss2024.json": 100, "icra/icra2022.json": 150, "iros/iros2022.json": 100,
    "acml/acml2023.json": 80,
}
# A third draw, all for training (batches train3_NNN), aimed at the mathematics and
# science the seed papers carry more of than the conferences above: papers of other
# years of ML venues whose *title* (the abstract is not read) matches SCIENCE_TITLE, and the
# Learning for Dynamics & Control proceedings from PMLR's own repository
# (github.com/mlresearch/v242, abstracts in each paper's front matter).
SCIENCE_QUOTAS: dict[str, int] = {
    "icml/icml2016.json": 40, "icml/icml2015.json": 40, "nips/nips2015.json": 50,
    "aistats/aistats2021.json": 60, "uai/uai2021.json": 30,
}
SCIENCE_TITLE = re.compile(
    r"\b(pdes?|partial differential|differential equations?|odes?|sdes?|operators?|"
    r"physics|physical|hamiltonian|lagrangian|fluids?|turbulen\w*|molecul\w*|quantum|"
    r"manifolds?|riemannian|topolog\w*|homolog\w*|persistent|lie|symmetr\w*|"
    r"equivarian\w*|geometr\w*|fourier|spectral|sobolev|langevin|optimal transport|"
    r"wasserstein|dynamical|chaotic|conservation|mesh\w*|finite elements?|solvers?|"
    r"simulations?|climate|weather|proteins?|crystals?|thermodynamic\w*|koopman|"
    r"kernels?|gaussian process\w*|convex\w*|theorem|bounds?)\b", re.I)
PMLR_QUOTAS: dict[str, int] = {"v242": 180}  # L4DC 2024
# A fourth draw, all for training (batches train4_NNN), taken after the first three:
# venue-years none of them used, in the fields of the test split (FOURTH_QUOTAS), more
# science-titled papers (FOURTH_SCIENCE_QUOTAS), and every paper of the other
# Learning for Dynamics & Control (2021-23) and Mathematical and Scientific Machine
# Learning (2020-22) volumes in PMLR (FOURTH_PMLR_QUOTAS).
FOURTH_QUOTAS: dict[str, int] = {
    "aistats/aistats2020.json": 60, "uai/uai2020.json": 40, "colt/colt2020.json": 40,
    "ijcai/ijcai2024.json": 80, "ijcai/ijcai2023.json": 60, "wacv/wacv2023.json": 80,
    "naacl/naacl2021.json": 80, "corl/corl2021.json": 60, "rss/rss2023.json": 40,
    "iros/iros2021.json": 60,
}
FOURTH_SCIENCE_QUOTAS: dict[str, int] = {
    "aistats/aistats2020.json": 40, "colt/colt2020.json": 20, "nips/nips2014.json": 40,
    "nips/nips2013.json": 30, "ijcai/ijcai2024.json": 40, "icra/icra2021.json": 30,
}
FOURTH_PMLR_QUOTAS: dict[str, int] = {  # all papers: no volume has 200
    "v144": 200, "v168": 200, "v211": 200,  # L4DC 2021, 2022, 2023
    "v107": 200, "v145": 200, "v190": 200,  # MSML 2020, 2021, 2022
}
# A fifth draw, all for training (batches train5_NNN), taken after the fourth: more
# venue-years of the test split's five fields, in about its proportions, and more
# science-titled papers.
FIFTH_QUOTAS: dict[str, int] = {
    # machine learning
    "icml/icml2014.json": 200, "icml/icml2013.json": 150, "nips/nips2014.json": 200,
    "nips/nips2013.json": 150, "nips/nips2012.json": 150, "aistats/aistats2019.json": 200,
    "aistats/aistats2018.json": 150, "aistats/aistats2017.json": 100, "uai/uai2019.json": 80,
    "acml/acml2021.json": 80, "aaai/aaai2022.json": 200,
    # learning theory
    "colt/colt2019.json": 100, "colt/colt2018.json": 80, "colt/colt2017.json": 60,
    "colt/colt2016.json": 60, "colt/colt2015.json": 60, "colt/colt2014.json": 40,
    # computer vision
    "cvpr/cvpr2017.json": 200, "cvpr/cvpr2016.json": 150, "iccv/iccv2015.json": 150,
    "eccv/eccv2018.json": 200,
    # natural language processing
    "coling/coling2020.json": 300, "naacl/naacl2021.json": 200, "www/www2025.json": 100,
    # robotics
    "icra/icra2015.json": 150, "iros/iros2020.json": 150, "icra/icra2014.json": 100,
    "iros/iros2019.json": 100, "rss/rss2022.json": 50, "rss/rss2021.json": 50,
}
FIFTH_SCIENCE_QUOTAS: dict[str, int] = {
    "icml/icml2014.json": 40, "icml/icml2013.json": 30, "aistats/aistats2019.json": 40,
    "nips/nips2012.json": 30, "aaai/aaai2022.json": 40, "icra/icra2014.json": 20,
}
SIXTH_QUOTAS: dict[str, int] = {  # a sixth draw (batches train6_NNN), as the fifth
    # machine learning
    "nips/nips2011.json": 150, "nips/nips2010.json": 150, "nips/nips2009.json": 100,
    "aistats/aistats2016.json": 100, "aistats/aistats2015.json": 80,
    "aistats/aistats2014.json": 80, "aaai/aaai2022.json": 300, "ijcai/ijcai2022.json": 200,
    "ijcai/ijcai2021.json": 150, "acml/acml2022.json": 60,
    # learning theory
    "colt/colt2013.json": 40, "colt/colt2012.json": 40, "colt/colt2011.json": 30,
    "colt/colt2019.json": 20,
    # computer vision
    "cvpr/cvpr2015.json": 200, "cvpr/cvpr2014.json": 150, "iccv/iccv2013.json": 150,
    "wacv/wacv2022.json": 150, "wacv/wacv2021.json": 100,
    # natural language processing
    "coling/coling2020.json": 300, "naacl/naacl2021.json": 200, "www/www2025.json": 150,
    # robotics
    "icra/icra2013.json": 150, "iros/iros2018.json": 150, "iros/iros2017.json": 100,
    "icra/icra2012.json": 100,
}
SIXTH_SCIENCE_QUOTAS: dict[str, int] = {
    "nips/nips2011.json": 30, "nips/nips2010.json": 30, "nips/nips2009.json": 25,
    "aistats/aistats2016.json": 30, "aistats/aistats2015.json": 20,
    "ijcai/ijcai2022.json": 30, "icra/icra2013.json": 20,
}
# A seventh draw (batches train7_NNN): more papers of the first draw's venue-years (the
# test split's), 90% of its quotas, taken after all the others.
SEVENTH_QUOTAS: dict[str, int] = {path: quota * 9 // 10 for path, quota in QUOTAS.items()}
# An eighth draw (batches train8_NNN, and its own blind split testarxiv_NNN): recent
# arXiv abstracts, the kind of text the seed pages list and none of the venues above is.
# Per primary category of the daily listings archived by github.com/shiyibihua/arxiv-daily
# and its fork github.com/hdShang/arxiv-daily (May-December 2025), and earlier arXiv
# papers of ML topics from github.com/doosik71/arxivjsdata ("topics").
ARXIV_DAILY = ("shiyibihua+arxiv-daily", "hdShang+arxiv-daily")
ARXIV_TOPICS = "doosik71+arxivjsdata"
ARXIV_QUOTAS: dict[str, int] = {
    "cs.CV": 1150, "cs.CL": 1100, "cs.LG": 1000, "cs.AI": 550, "cs.RO": 450,
    "other": 350, "topics": 800,
}
# A ninth draw (batches train9_NNN): every other paper of those arXiv listings, in the
# same order per category. A tenth (train10_NNN), after it: conference papers again, the
# test split's fields in about its proportions, from its own venue-years and the ones
# nearest them that the earlier draws left papers in.
TENTH_QUOTAS: dict[str, int] = {
    # machine learning
    "icml/icml2019.json": 181, "icml/icml2018.json": 387, "icml/icml2017.json": 267,
    "nips/nips2018.json": 517, "nips/nips2017.json": 473, "nips/nips2016.json": 416,
    "iclr/iclr2018.json": 594, "iclr/iclr2017.json": 330, "aistats/aistats2025.json": 298,
    "aistats/aistats2024.json": 167, "aistats/aistats2023.json": 346,
    # learning theory
    "colt/colt2020.json": 65, "colt/colt2021.json": 38, "colt/colt2014.json": 19,
    "colt/colt2015.json": 15, "colt/colt2017.json": 14,
    # computer vision
    "cvpr/cvpr2019.json": 816, "iccv/iccv2019.json": 694, "eccv/eccv2022.json": 490,
    "wacv/wacv2025.json": 300,
    # natural language processing
    "acl/acl2022.json": 650, "naacl/naacl2024.json": 627, "coling/coling2025.json": 561,
    "colm/colm2025.json": 184,
    # robotics
    "icra/icra2023.json": 600, "iros/iros2023.json": 600, "icra/icra2022.json": 300,
    "iros/iros2022.json": 300, "corl/corl2022.json": 97, "corl/corl2023.json": 49,
    "corl/corl2025.json": 29, "rss/rss2023.json": 71, "rss/rss2024.json": 33,
}
# ... and, for the mathematics the seed papers carry, every science-titled paper left in
# the other machine-learning venue-years, and every paper of the Algorithmic Learning
# Theory proceedings 2019-24 (PMLR v98, v117, v132, v167, v201, v237).
TENTH_SCIENCE_QUOTAS: dict[str, int] = {
    f"{venue}/{venue}{year}.json": 10**6 for venue, years in {
        "nips": [*range(1987, 2016)], "icml": [2015, 2016], "iclr": [2013, 2014],
        "aistats": [1995, 1997, 1999, 2001, 2003, 2007, *range(2009, 2015), 2017, 2018,
                    2020, 2021, 2022],
        "uai": [*range(2019, 2024)], "ijcai": [*range(2020, 2025)], "aaai": [2022],
        "acml": [*range(2010, 2024)], "colt": [2012, 2013, 2016, 2018, 2022],
    }.items() for year in years}
TENTH_PMLR_QUOTAS: dict[str, int] = dict.fromkeys(["v98", "v117", "v132", "v167", "v201",
                                                   "v237"], 10**6)
# An eleventh draw (batches train11_NNN): arXiv mathematics (number theory, representation
# theory, algebraic geometry, combinatorics and the other categories cross-listed with
# them), for the pure-mathematics abstracts the seed pages list and no draw above has.
# Every version of the README of github.com/bguanmath/ArXiv_MathNT, a daily listing
# (its listings of math.NT and math.RT, July 2025-August 2026), round-robin over these
# primary categories.
ARXIV_MATH = "bguanmath+ArXiv_MathNT"
MATH_QUOTAS: dict[str, int] = dict.fromkeys(
    ["math.NT", "math.RT", "math.AG", "math.CO", "other"], 10**6)
TEST_EVERY = 12

BATCH = 50
MIN_CHARS, MAX_CHARS = 300, 2500


def title_key(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).lower()
    return re.sub(r"[\W_]+", " ", text).strip()


def _git_show(mirror: Path, path: str) -> str:
    return subprocess.run(
        ["git", "-C", str(mirror), "show", f"HEAD:{path}"],
        check=True, capture_output=True, text=True,
    ).stdout


@functools.cache
def reserved_text() -> str:
    """Normalised text of every paper the project may not annotate: the seed pages,
    the dev set and the bench/ sets."""
    parts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    for path in [ROOT.parent / "shared" / "gold" / "dev_input.jsonl",
                 *sorted((ROOT / "bench").glob("heldout*/*input.jsonl"))]:
        if path.exists():
            parts += [json.loads(line)["title"] for line in path.open(encoding="utf-8")]
    return " " + title_key(" ".join(parts)) + " "


def venue_papers(mirror: Path, path: str) -> list[dict]:
    venue = Path(path).stem
    rows = json.loads(_git_show(mirror, path))
    papers = []
    for row in rows:
        title, abstract = _clean(row.get("title")), _clean(row.get("abstract"))
        if _kept(title, abstract):
            ident = row.get("id") or hashlib.sha1(title.lower().encode()).hexdigest()[:10]
            papers.append({"id": f"{venue}:{ident}", "source": f"papercopilot/{path}",
                           "title": title, "abstract": abstract})
    papers.sort(key=lambda p: p["id"])
    _shuffle(papers, venue)
    return papers


def select(mirror: Path, quotas: dict[str, int], seen: set[str] | None = None) -> list[dict]:
    """Round-robin order over the venues of ``quotas`` (titles in ``seen`` skipped;
    ``seen`` gains the titles taken)."""
    seen = set() if seen is None else seen
    return _round_robin([_take(venue_papers(mirror, path), quota, seen)
                         for path, quota in quotas.items()])


def science_papers(mirror: Path, quotas: dict[str, int], seen: set[str]) -> list[dict]:
    """The papers of ``quotas`` whose title matches :data:`SCIENCE_TITLE`, round-robin."""
    return _round_robin([
        _take([p for p in venue_papers(mirror, path) if SCIENCE_TITLE.search(p["title"])],
              quota, seen)
        for path, quota in quotas.items()])


def pmlr_papers(mirrors: Path, quotas: dict[str, int], seen: set[str]) -> list[dict]:
    """Papers of PMLR volumes (``MIRRORS/mlresearch+VOLUME/repo``, bare mirrors of
    github.com/mlresearch/VOLUME): the abstracts in the posts' YAML front matter."""
    return _round_robin([_take(volume_papers(mirrors / f"mlresearch+{volume}" / "repo", volume),
                               quota, seen)
                         for volume, quota in quotas.items()])


def volume_papers(repo: Path, volume: str) -> list[dict]:
    """A PMLR volume's papers with an abstract of the allowed length, shuffled as
    :func:`venue_papers` shuffles a venue's."""
    import yaml

    paths = _git_ls(repo, "_posts")
    papers = []
    for path, text in zip(paths, _git_files(repo, paths), strict=True):
        meta = yaml.safe_load(text.split("---")[1])
        title, abstract = _clean(meta.get("title")), _clean(meta.get("abstract"))
        if _kept(title, abstract):
            papers.append({"id": f"pmlr-{volume}:{meta['id']}",
                           "source": f"mlresearch/{volume}/{path}",
                           "title": title, "abstract": abstract})
    _shuffle(papers, volume)
    return papers


def arxiv_papers(mirrors: Path, quotas: dict[str, int], seen: set[str]) -> list[dict]:
    """Papers of the arXiv listings in ``MIRRORS/OWNER+NAME/repo`` (:data:`ARXIV_DAILY`,
    :data:`ARXIV_TOPICS`), round-robin over the groups of ``quotas``."""
    groups: dict[str, list[dict]] = {}
    ids: set[str] = set()
    for name in ARXIV_DAILY:
        for category, paper in _daily_pages(mirrors / name / "repo", name.replace("+", "/")):
            if paper["id"] not in ids:
                ids.add(paper["id"])
                groups.setdefault(category if category in quotas else "other", []).append(paper)
    groups["topics"] = [p for p in _topic_papers(mirrors / ARXIV_TOPICS / "repo")
                        if p["id"] not in ids]
    return _by_group(groups, quotas, seen)


def math_papers(mirrors: Path, quotas: dict[str, int], seen: set[str],
                taken: set[str]) -> list[dict]:
    """Papers of the listing :data:`ARXIV_MATH` in ``MIRRORS/OWNER+NAME/repo``,
    round-robin over the primary categories of ``quotas``; none whose arXiv id is in
    ``taken`` (a cross-listed paper an earlier draw has under another title)."""
    groups: dict[str, list[dict]] = {}
    for category, paper in _listing_history(mirrors / ARXIV_MATH / "repo",
                                            ARXIV_MATH.replace("+", "/")):
        if paper["id"] in taken:
            continue
        groups.setdefault(category if category in quotas else "other", []).append(paper)
    return _by_group(groups, quotas, seen)


def _by_group(groups: dict[str, list[dict]], quotas: dict[str, int],
              seen: set[str]) -> list[dict]:
    """Per group of ``quotas``, its papers in id order, shuffled with the group's seed,
    the first quota taken; the groups interleaved round-robin."""
    per_group = []
    for group, quota in quotas.items():
        papers = sorted(groups.get(group, []), key=lambda p: p["id"])
        _shuffle(papers, group)
        per_group.append(_take(papers, quota, seen))
    return _round_robin(per_group)


def _clean(value: object) -> str:
    return " ".join(str(value or "").split())


def _kept(title: str, abstract: str) -> bool:
    """A paper is drawn only with a title and an abstract of the allowed length."""
    return bool(title) and MIN_CHARS <= len(abstract) <= MAX_CHARS


def _shuffle(papers: list[dict], name: str) -> None:
    """Shuffle in place with a seed derived from ``name`` (a venue, volume or group)."""
    random.Random(int(hashlib.sha1(name.encode()).hexdigest()[:8], 16)).shuffle(papers)


def _git_ls(repo: Path, *under: str) -> list[str]:
    """The sorted file paths at HEAD of the bare repository ``repo`` (under ``under``)."""
    return sorted(subprocess.run(["git", f"--git-dir={repo}", "ls-tree", "-r", "--name-only",
                                  "HEAD", *under], check=True, capture_output=True,
                                 text=True).stdout.splitlines())


def _git_files(repo: Path, paths: list[str], rev: str = "HEAD:") -> list[str]:
    """The texts of ``paths`` at HEAD (or each path's own ``COMMIT:PATH`` with ``rev=""``)
    of the bare repository ``repo``, in one git call."""
    batch = subprocess.run(["git", f"--git-dir={repo}", "cat-file", "--batch"], check=True,
                           input="".join(f"{rev}{p}\n" for p in paths).encode(),
                           capture_output=True).stdout
    texts, pos = [], 0
    for _ in paths:
        end = batch.index(b"\n", pos)
        size = int(batch[pos:end].split()[2])
        texts.append(batch[end + 1:end + 1 + size].decode("utf-8"))
        pos = end + 2 + size
    return texts


@functools.cache
def _daily_pages(repo: Path, source: str) -> tuple[tuple[str, dict], ...]:
    """``(category, paper)`` per page docs/CATEGORY/DATE/papers/*.md: the title from its
    heading, the arXiv id from its link, the English abstract from the quoted block
    after the heading "摘要（原文）" (original abstract). Read once for both arXiv draws."""
    paths = [p for p in _git_ls(repo, "docs")
             if re.fullmatch(r"docs/[^/]+/[^/]+/papers/[^/]+\.md", p)]
    papers = []
    for path, text in zip(paths, _git_files(repo, paths), strict=True):
        heading = re.search(r"^# (.+)$", text, re.M)
        ident = re.search(r"arxiv\.org/abs/(\d{4}\.\d{4,5})", text)
        category = re.search(r"^\*\*分类\*\*: ([\w.-]+)", text, re.M)
        quoted = text.split("摘要（原文）", 1)[-1].splitlines()[1:]
        lines = [line[1:] for line in itertools.takewhile(
            lambda line: line.startswith(">") or not line.strip(), quoted) if line]
        if not (heading and ident and category and lines):
            continue
        title, abstract = _clean(heading[1]), _clean(" ".join(lines))
        if _kept(title, abstract):
            papers.append((category[1], {"id": f"arxiv:{ident[1]}", "source": f"{source}/{path}",
                                         "title": title, "abstract": abstract}))
    return tuple(papers)


def _listing_history(repo: Path, source: str) -> list[tuple[str, dict]]:
    """``(category, paper)`` per entry of every version of README.md, oldest first, the
    first entry of each arXiv id that passes the length rule kept: the title from the
    entry's heading, the category from its "**Category:**" field, the abstract from its
    <details> block."""
    commits = subprocess.run(["git", f"--git-dir={repo}", "log", "--reverse", "--format=%H",
                              "HEAD", "--", "README.md"], check=True, capture_output=True,
                             text=True).stdout.split()
    entry = re.compile(r"^### .*?arxiv\.org/abs/(\d{4}\.\d{4,5})v\d+'>"
                       r".*?\*\*Category:\*\* ([\w.-]+)"
                       r".*?<summary>Abstract</summary><p>(.*?)</p></details>", re.M | re.S)
    heading = re.compile(r"^### .*$", re.M)  # the title line (no re.S: one line)
    papers: dict[str, tuple[str, dict]] = {}
    for commit, text in zip(commits, _git_files(repo, [f"{c}:README.md" for c in commits],
                                                rev=""), strict=True):
        for block in text.split("\n---\n"):
            title_line = heading.search(block)
            found = entry.search(block)
            if not (title_line and found):
                continue
            ident, category, abstract = found.groups()
            title = re.search(r"\*\*(.+)\*\*", title_line[0])
            if title is None:
                continue
            title, abstract = _clean(html.unescape(title[1])), _clean(html.unescape(abstract))
            if f"arxiv:{ident}" not in papers and _kept(title, abstract):
                papers[f"arxiv:{ident}"] = (category, {
                    "id": f"arxiv:{ident}", "source": f"{source}/{commit[:12]}/README.md",
                    "title": title, "abstract": abstract})
    return list(papers.values())


@functools.cache
def _topic_papers(repo: Path) -> tuple[dict, ...]:
    """One paper per TOPIC/*.json file of doosik71/arxivjsdata (title, abstract, url)."""
    paths = [p for p in _git_ls(repo) if re.fullmatch(r"[^/]+/[^/]+\.json", p)]
    papers = []
    for path, text in zip(paths, _git_files(repo, paths), strict=True):
        try:
            meta = json.loads(text)
        except json.JSONDecodeError:
            continue
        ident = re.search(r"arxiv\.org/abs/([\w.-]+?)(v\d+)?$", str(meta.get("url") or ""))
        title, abstract = _clean(meta.get("title")), _clean(meta.get("abstract"))
        if ident and _kept(title, abstract):
            papers.append({"id": f"arxiv:{ident[1]}", "source": f"doosik71/arxivjsdata/{path}",
                           "title": title, "abstract": abstract})
    return tuple(papers)


def _take(papers: list[dict], quota: int, seen: set[str]) -> list[dict]:
    """The first ``quota`` papers whose title is neither reserved nor in ``seen``
    (which gains the titles taken)."""
    reserved = reserved_text()
    kept = []
    for paper in papers:
        key = title_key(paper["title"])
        if key in seen or f" {key} " in reserved:
            continue
        seen.add(key)
        kept.append(paper)
        if len(kept) == quota:
            break
    return kept


def _round_robin(per_venue: list[list[dict]]) -> list[dict]:
    order = []
    for i in range(max(map(len, per_venue), default=0)):
        order += [papers[i] for papers in per_venue if i < len(papers)]
    return order


def _write_batches(out: Path, prefix: str, papers: list[dict]) -> None:
    for b in range(0, len(papers), BATCH):
        with (out / "batches" / f"{prefix}_{b // BATCH:03d}.jsonl").open("w", encoding="utf-8") as fh:
            for p in papers[b:b + BATCH]:
                fh.write(json.dumps(p, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mirror", type=Path)
    parser.add_argument("--pmlr", type=Path, default=None, metavar="MIRRORS",
                        help="folder of the PMLR mirrors (mlresearch+VOLUME/repo) of the L4DC, "
                             "MSML and ALT volumes, for the third, fourth and tenth draws")
    parser.add_argument("--arxiv", type=Path, default=None, metavar="MIRRORS",
                        help="folder of the arXiv listing mirrors (OWNER+NAME/repo of "
                             "shiyibihua/arxiv-daily, hdShang/arxiv-daily and "
                             "doosik71/arxivjsdata, bguanmath/ArXiv_MathNT), for the eighth, "
                             "ninth and eleventh draws; "
                             "without it those are left out and the tenth, which skips "
                             "their titles, takes other papers")
    parser.add_argument("--out", type=Path, default=ROOT / "corpus" / "text")
    args = parser.parse_args()
    seen: set[str] = set()

    def draw(quotas: dict[str, int], science: dict[str, int] | None = None,
             pmlr: dict[str, int] | None = None) -> list[dict]:
        """One draw, taken after every draw before it (``seen``), its parts interleaved:
        the venue quotas, then the science-titled papers and the PMLR volumes."""
        parts = [select(args.mirror, quotas, seen)] if quotas else []
        if science:
            parts.append(science_papers(args.mirror, science, seen))
        if pmlr and args.pmlr is not None:
            parts[-1] = _round_robin([parts[-1], pmlr_papers(args.pmlr, pmlr, seen)])
        return _round_robin(parts)

    pool = draw(QUOTAS)
    tests = {"test": pool[::TEST_EVERY]}
    draws = {"train": [p for i, p in enumerate(pool) if i % TEST_EVERY != 0]}
    order = list(pool)  # every paper, in the order the draws took them

    def add(name: str, papers: list[dict]) -> None:
        draws[name] = papers
        order.extend(papers)

    add("train2", draw(EXTRA_QUOTAS))
    add("train3", draw({}, SCIENCE_QUOTAS, PMLR_QUOTAS))
    add("train4", draw(FOURTH_QUOTAS, FOURTH_SCIENCE_QUOTAS, FOURTH_PMLR_QUOTAS))
    add("train5", draw(FIFTH_QUOTAS, FIFTH_SCIENCE_QUOTAS))
    add("train6", draw(SIXTH_QUOTAS, SIXTH_SCIENCE_QUOTAS))
    add("train7", draw(SEVENTH_QUOTAS))
    if args.arxiv is not None:
        arxiv = arxiv_papers(args.arxiv, ARXIV_QUOTAS, seen)
        tests["testarxiv"] = arxiv[::TEST_EVERY]
        draws["train8"] = [p for i, p in enumerate(arxiv) if i % TEST_EVERY != 0]
        order.extend(arxiv)
        add("train9", arxiv_papers(args.arxiv, dict.fromkeys(ARXIV_QUOTAS, 10**6), seen))
    add("train10", draw(TENTH_QUOTAS, TENTH_SCIENCE_QUOTAS, TENTH_PMLR_QUOTAS))
    if args.arxiv is not None:
        add("train11", math_papers(args.arxiv, MATH_QUOTAS, seen, {p["id"] for p in order}))
    (args.out / "batches").mkdir(parents=True, exist_ok=True)
    split_of = {p["id"]: name for name, papers in tests.items() for p in papers}
    with (args.out / "pool.jsonl").open("w", encoding="utf-8") as out:
        for p in order:
            out.write(json.dumps({**p, "split": split_of.get(p["id"], "train")},
                                 ensure_ascii=False) + "\n")
    for name, papers in [*tests.items(), *draws.items()]:
        _write_batches(args.out, name, papers)
    held = sum(map(len, tests.values()))
    print(f"{held + sum(map(len, draws.values()))} papers: {held} test "
          f"({', '.join(f'{n} {len(p)}' for n, p in tests.items())}), "
          f"{sum(map(len, draws.values()))} train")

if __name__ == "__main__":
    main()
