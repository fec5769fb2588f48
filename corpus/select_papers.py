"""Select the abstracts of the annotated corpus from Paper Copilot's paper lists.

Usage: python corpus/select_papers.py MIRROR [--pmlr MIRRORS] [--out corpus/text]

MIRROR is a git checkout (or bare mirror) of github.com/papercopilot/paperlists; the
commit used is recorded in corpus/README.md. The abstracts themselves are not kept in
this repository: this script rebuilds them, byte for byte, from that commit.

Writes OUT/pool.jsonl ({"id", "source", "title", "abstract", "split"} per paper, in
annotation order) and OUT/batches/{test,train,train2,...,train7}_NNN.jsonl, the units
handed to annotators (one prefix per draw; each draw is taken after the ones before it,
so adding a draw never changes an earlier one).

The selection is fixed before any abstract is read: per venue, papers with an abstract
of 300-2,500 characters are shuffled with a seed derived from the venue's name and the
first QUOTA taken; papers whose title occurs in the seed listing pages, the dev set or
bench/ are dropped (the seeds outside those sets are reserved for evaluation), and a
title seen in an earlier venue is kept only there. The test split takes every twelfth
paper of the round-robin order (about 8%), the rest is train.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
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
        title = " ".join(str(row.get("title") or "").split())
        abstract = " ".join(str(row.get("abstract") or "").split())
        if title and MIN_CHARS <= len(abstract) <= MAX_CHARS:
            ident = row.get("id") or hashlib.sha1(title.lower().encode()).hexdigest()[:10]
            papers.append({"id": f"{venue}:{ident}", "source": f"papercopilot/{path}",
                           "title": title, "abstract": abstract})
    papers.sort(key=lambda p: p["id"])
    seed = int(hashlib.sha1(venue.encode()).hexdigest()[:8], 16)
    random.Random(seed).shuffle(papers)
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

    def git(*args: str) -> str:
        return subprocess.run(["git", f"--git-dir={repo}", *args], check=True,
                              capture_output=True, text=True).stdout

    papers = []
    for path in sorted(git("ls-tree", "-r", "--name-only", "HEAD", "_posts").split()):
        meta = yaml.safe_load(git("show", f"HEAD:{path}").split("---")[1])
        title = " ".join(str(meta.get("title") or "").split())
        abstract = " ".join(str(meta.get("abstract") or "").split())
        if title and MIN_CHARS <= len(abstract) <= MAX_CHARS:
            papers.append({"id": f"pmlr-{volume}:{meta['id']}",
                           "source": f"mlresearch/{volume}/{path}",
                           "title": title, "abstract": abstract})
    random.Random(int(hashlib.sha1(volume.encode()).hexdigest()[:8], 16)).shuffle(papers)
    return papers


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
                        help="folder of the PMLR mirrors (mlresearch+VOLUME/repo) of the L4DC "
                             "and MSML volumes, for the third and fourth draws")
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
    test = [p for i, p in enumerate(pool) if i % TEST_EVERY == 0]
    draws = {"train": [p for i, p in enumerate(pool) if i % TEST_EVERY != 0],
             "train2": draw(EXTRA_QUOTAS),
             "train3": draw({}, SCIENCE_QUOTAS, PMLR_QUOTAS),
             "train4": draw(FOURTH_QUOTAS, FOURTH_SCIENCE_QUOTAS, FOURTH_PMLR_QUOTAS),
             "train5": draw(FIFTH_QUOTAS, FIFTH_SCIENCE_QUOTAS),
             "train6": draw(SIXTH_QUOTAS, SIXTH_SCIENCE_QUOTAS),
             "train7": draw(SEVENTH_QUOTAS)}
    (args.out / "batches").mkdir(parents=True, exist_ok=True)
    test_ids = {p["id"] for p in test}
    with (args.out / "pool.jsonl").open("w", encoding="utf-8") as out:
        for p in pool + [p for name, papers in draws.items() if name != "train" for p in papers]:
            split = "test" if p["id"] in test_ids else "train"
            out.write(json.dumps({**p, "split": split}, ensure_ascii=False) + "\n")
    _write_batches(args.out, "test", test)
    for name, papers in draws.items():
        _write_batches(args.out, name, papers)
    trained = sum(map(len, draws.values()))
    print(f"{len(test) + trained} papers: {len(test)} test, {trained} train")

if __name__ == "__main__":
    main()
