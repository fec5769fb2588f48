"""The Extractor end to end on tiny inline abstracts."""

from __future__ import annotations

import pickle

import pytest

from paperkg.extract import EXTRACTOR_VERSION, Extractor, extract_papers
from paperkg.models import Paper, PaperEntities
from paperkg.text import match_key

PAPERS = [
    Paper(
        id="p1",
        title="SPM: A Subspace Power Method for symmetric tensor decomposition",
        abstract=(
            "We introduce the Subspace Power Method (SPM) for the CP decomposition of "
            "low-rank symmetric tensors. SPM converges under the Fokker-Planck equation "
            "on a Hilbert space, unlike our method. Experiments on CIFAR-10 and "
            "ImageNet datasets use stochastic gradient descent. Code: "
            "https://github.com/ MIT- REALM/architect."
        ),
    ),
    Paper(
        id="p2",
        title="Learning Neural PDE Solvers",
        abstract=("The Fourier Neural Operator (FNO) solves partial differential equations "
                  "(PDEs). We propose S2SNet, a lightweight network, trained on FFHQ."),
    ),
]


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


@pytest.fixture(scope="module")
def results(extractor: Extractor) -> list[PaperEntities]:
    return list(extractor.pipe(PAPERS))


def _by_name(res: PaperEntities) -> dict[str, object]:
    return {e.name: e for e in res.entities}


def test_extract_mention_spans_match_the_text(results: list[PaperEntities]) -> None:
    for paper, res in zip(PAPERS, results, strict=True):
        assert res.id == paper.id and res.title == paper.title
        for ent in res.entities:
            assert ent.mentions
            for m in ent.mentions:
                assert getattr(paper, m.field)[m.start:m.end] == m.text


def test_extract_finds_every_type(results: list[PaperEntities]) -> None:
    ents = _by_name(results[0])
    types = {e.type for e in results[0].entities}
    assert types == {"method", "math", "dataset", "repo"}
    assert ents["MIT-REALM/architect"].type == "repo"
    assert ents["Fokker-Planck equation"].type == "math"
    assert ents["Hilbert space"].type == "math"
    assert ents["CIFAR-10"].type == "dataset"


def test_extract_acronym_merged_with_long_form(results: list[PaperEntities]) -> None:
    spm = _by_name(results[0])["Subspace Power Method"]
    assert spm.type == "method" and "SPM" in spm.aliases
    assert spm.id == "method:subspace-power-method"
    assert any(m.field == "title" and m.text == "SPM" for m in spm.mentions)
    assert len([m for m in spm.mentions if m.text == "SPM"]) == 3


def test_extract_stop_listed_phrase_not_an_entity(results: list[PaperEntities]) -> None:
    names = {n.lower() for e in results[0].entities for n in [e.name, *e.aliases]}
    assert "our method" not in names and "experiments" not in names


def test_extract_plural_long_form_named_in_singular(results: list[PaperEntities]) -> None:
    pde = _by_name(results[1])["partial differential equation"]
    assert pde.type == "math" and "PDEs" in pde.aliases


def test_extract_contribution_and_dataset_cues(results: list[PaperEntities]) -> None:
    ents = _by_name(results[1])
    assert ents["S2SNet"].type == "method"
    assert ents["FFHQ"].type == "dataset"


def test_extract_one_paper_equals_pipe(extractor: Extractor,
                                       results: list[PaperEntities]) -> None:
    assert extractor.extract(PAPERS[1]) == results[1]


def test_extract_leaves_the_garbage_collector_as_it_was(extractor: Extractor,
                                                         results: list[PaperEntities]) -> None:
    # each batch runs with the cyclic collector paused; it is back on afterwards, also
    # when a batch fails, and stays off for a caller that had switched it off
    import gc

    assert gc.isenabled()
    assert list(extractor.pipe(PAPERS)) == results
    assert gc.isenabled()
    with pytest.raises(AttributeError):
        list(extractor.pipe([None]))  # type: ignore[list-item]
    assert gc.isenabled()
    gc.disable()
    try:
        assert list(extractor.pipe(PAPERS)) == results
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_extract_extractor_is_picklable(results: list[PaperEntities]) -> None:
    clone = pickle.loads(pickle.dumps(Extractor()))
    assert list(clone.pipe(PAPERS)) == results


def test_extract_papers_function(results: list[PaperEntities]) -> None:
    assert extract_papers(PAPERS) == results
    assert extract_papers([]) == []
    assert isinstance(EXTRACTOR_VERSION, str) and EXTRACTOR_VERSION


def test_extract_nothing_from_urls_and_references(extractor: Extractor) -> None:
    paper = Paper(
        id="r", title="A study",
        abstract=("We settle a conjecture in [Kolda, T.G.: Shifted power method for tensor "
                  "eigenpairs. SIAM Journal on Matrix Analysis 32(4) (2011)]. Code: "
                  "https://github.com/LAION-AI/scaling-laws."),
    )
    res = extractor.extract(paper)
    assert [e.name for e in res.entities] == ["LAION-AI/scaling-laws"]


def test_extract_title_name_and_nominal_method(extractor: Extractor) -> None:
    paper = Paper(
        id="t", title="Zorbix: Lattice Unfolding of Implicit Surfaces",
        abstract="Zorbix makes lattice unfolding of implicit surfaces fast and exact.",
    )
    ents = {e.name: e for e in extractor.extract(paper).entities}
    assert ents["Zorbix"].type == "method"
    assert ents["Lattice Unfolding"].type == "method"
    assert len(ents["Zorbix"].mentions) == 2


def test_extract_dataset_head_stripped_from_name(extractor: Extractor) -> None:
    paper = Paper(id="d", title="t", abstract="We evaluate on the Quorvex-7 dataset and more.")
    ents = {e.name: e.type for e in extractor.extract(paper).entities}
    assert ents.get("Quorvex-7") == "dataset"


def test_extract_hyphenated_title_name_is_a_method(extractor: Extractor) -> None:
    # regression: the last hyphen part ("Flow") made the name a math concept
    paper = Paper(id="q", title="Quix-Flow: Dynamic Fusion of Adapters",
                  abstract="We propose Quix-Flow, which fuses adapters. Quix-Flow is fast.")
    ents = {e.name: e for e in extractor.extract(paper).entities}
    assert ents["Quix-Flow"].type == "method"
    assert len(ents["Quix-Flow"].mentions) == 3


def test_extract_term_inside_defined_name_not_separate(extractor: Extractor) -> None:
    paper = Paper(id="s", title="t",
                  abstract="We introduce the Subspace Power Method (SPM) for tensors.")
    names = [e.name for e in extractor.extract(paper).entities]
    assert "Subspace Power Method" in names and "power method" not in names


def _names(extractor: Extractor, abstract: str, title: str = "t") -> dict[str, str]:
    res = extractor.extract(Paper(id="z", title=title, abstract=abstract))
    return {e.name: e.type for e in res.entities}


def test_extract_slash_joined_names_split(extractor: Extractor) -> None:
    names = _names(extractor, "We evaluate on CIFAR-10/FFHQ and report results.")
    assert names.get("CIFAR-10") == "dataset" and names.get("FFHQ") == "dataset"
    assert not any("/" in n for n in names)


def test_extract_known_term_with_generic_tail(extractor: Extractor) -> None:
    names = _names(extractor, "We learn it with a neural operator architecture.")
    assert "neural operator" in names and "neural operator architecture" not in names


def test_extract_leading_descriptive_adjective_trimmed(extractor: Extractor) -> None:
    names = _names(extractor, "We prove an associated Central Limit Theorem for the count.")
    assert not any(n.lower().startswith("associated") for n in names)
    assert any(n.lower() == "central limit theorem" for n in names)


@pytest.mark.parametrize("abstract", [
    "The input dimension and the parameter estimate depend on the local estimator.",
    "A third-party library and a general-purpose solver are used.",
])
def test_extract_generic_phrases_not_entities(extractor: Extractor, abstract: str) -> None:
    assert _names(extractor, abstract) == {}


def test_extract_versioned_name_keeps_base_type(extractor: Extractor) -> None:
    names = _names(extractor, "We train ResNet-50 on ImageNet-1k. It is also trained on "
                              "Quorvex-2M.")
    assert names.get("ResNet-50") == "method"
    assert names.get("ImageNet-1k") == "dataset"
    assert names.get("Quorvex-2M") == "dataset"


def _one(extractor: Extractor, title: str, abstract: str) -> dict[str, object]:
    (res,) = extractor.pipe([Paper(id="x", title=title, abstract=abstract)])
    return _by_name(res)


def test_extract_latex_accented_definition(extractor: Extractor) -> None:
    ents = _one(extractor, "Light bridges",
                'Advances in computational Schr\\"odinger Bridges (SB) are many; most SB '
                "solvers are heavy.")
    sb = ents["Schrödinger bridge"]
    assert sb.type == "math" and "SB" in sb.aliases
    # the solver of a math object is a method of its own, named with the long form
    assert ents["Schrödinger Bridge solver"].type == "method"


def test_extract_short_form_with_generic_tail_joins_the_long_form(extractor: Extractor) -> None:
    ents = _one(extractor, "Limit theory for duration models",
                "We study the autoregressive conditional duration (ACD) model. Tests for "
                "ACD models with infinite mean are given.")
    acd = ents["autoregressive conditional duration"]
    assert {"ACD", "ACD models"} <= set(acd.aliases)
    assert not any(name.startswith("ACD") for name in ents)


def test_extract_local_definition_beats_the_vocabulary(extractor: Extractor) -> None:
    # "PPG" is "Phasic Policy Gradient" in the vocabulary; the paper defines its own
    ents = _one(extractor, "Smoothing with particles",
                "We design the Parisian particle Gibbs (PPG) sampler. The PPG sampler "
                "and the PPG algorithm are analysed.")
    assert "Phasic Policy Gradient" not in ents
    ppg = ents["Parisian particle Gibbs"]
    assert "PPG" in ppg.aliases


def test_extract_suffix_variants_of_one_name_merge(extractor: Extractor) -> None:
    ents = _one(extractor, "PaRIS: online smoothing",
                "The PaRIS algorithm is fast. We show the PaRIS estimator is biased and "
                "fix PaRIS.")
    paris = ents["PaRIS"]
    assert {"PaRIS algorithm", "PaRIS estimator"} <= set(paris.aliases)
    assert "PaRIS algorithm" not in ents and "PaRIS estimator" not in ents


@pytest.mark.parametrize(
    ("abstract", "name"),
    [
        # a released name with a dataset apposition
        ("We release GEMRec-18K, a prompt-model interaction dataset with 18K images.",
         "GEMRec-18K"),
        ("We introduce SurfaceBench, first comprehensive benchmark for surface discovery.",
         "SurfaceBench"),
        # an acronym-shaped name right before a dataset head
        ("Adapters win on both the VTAB-1K benchmark and other tasks.", "VTAB-1K"),
    ],
)
def test_extract_named_datasets_from_context(extractor: Extractor, abstract: str,
                                             name: str) -> None:
    ents = _one(extractor, "A study", abstract)
    assert ents[name].type == "dataset"
    # a descriptive "... interaction dataset" names nothing
    assert not any(e.type == "dataset" and e.name != name for e in ents.values())


def test_extract_benchmark_named_in_title_is_a_dataset(extractor: Extractor) -> None:
    paper = Paper(id="b", title="ZorbixBench: Can Agents Plan Ahead?",
                  abstract="We introduce ZorbixBench, a suite of planning tasks.")
    ents = {e.name: e.type for e in extractor.extract(paper).entities}
    assert ents.get("ZorbixBench") == "dataset"


def test_extract_common_noun_after_dataset_cue_is_no_dataset(extractor: Extractor) -> None:
    # regression: "2D Gaussians" read as a dataset name after "experiments on"
    paper = Paper(id="g", title="t",
                  abstract="Through experiments on 1D and 2D Gaussians and the 2D Gaussians "
                           "dataset, we show it. We also train on Quorvex-7.")
    ents = {e.name: e.type for e in extractor.extract(paper).entities}
    assert "Gaussian" not in ents and "2D Gaussian" not in ents
    assert ents.get("Quorvex-7") == "dataset"


def test_extract_known_term_with_problem_tail_is_the_known_term(extractor: Extractor) -> None:
    paper = Paper(id="p", title="t",
                  abstract="We cast planning as a trajectory optimization process and learning "
                           "as a variational inference problem.")
    names = {e.name for e in extractor.extract(paper).entities}
    assert "trajectory optimization process" not in names
    assert "variational inference problem" not in names
    assert "variational inference" in names


def test_extract_defined_short_form_with_generic_head_is_no_entity(extractor: Extractor) -> None:
    paper = Paper(id="s", title="t",
                  abstract="The Zorbix Neural Operator (ZNO) is fast. We bound the ZNO complexity "
                           "and test the ZNO model.")
    names = [e.name for e in extractor.extract(paper).entities]
    assert not any("complexity" in n for n in names)
    assert "Zorbix Neural Operator" in names


def test_extract_capitalised_contribution_without_head_noun(extractor: Extractor) -> None:
    paper = Paper(id="c", title="Supervising learners",
                  abstract="We propose Iterated Quorvexation, an alternative training strategy. "
                           "Iterated Quorvexation is simple.")
    ents = {e.name: e for e in extractor.extract(paper).entities}
    assert ents["Iterated Quorvexation"].type == "method"
    assert len(ents["Iterated Quorvexation"].mentions) == 2


def test_extract_known_term_with_theory_tail(extractor: Extractor) -> None:
    paper = Paper(id="th", title="t",
                  abstract="We rely on discrete Fourier transform theory to design structures.")
    names = {e.name for e in extractor.extract(paper).entities}
    assert "discrete Fourier transform theory" not in names
    assert any(match_key(n) == match_key("discrete Fourier transform") for n in names)


def test_extract_named_transform_is_math(extractor: Extractor) -> None:
    paper = Paper(id="gf", title="t",
                  abstract="Spectral filters act through Graph Fourier Transforms on the nodes.")
    ents = {e.name: e.type for e in extractor.extract(paper).entities}
    assert ents.get("Graph Fourier Transform") == "math"


def test_extract_capitalised_name_before_data_is_a_dataset(extractor: Extractor) -> None:
    paper = Paper(id="pl", title="t",
                  abstract="Models are compatible with the latest Quorvex data and with "
                           "multivariate Gaussian data, MRI data and DTensor data.")
    ents = {e.name: e.type for e in extractor.extract(paper).entities}
    assert ents.get("Quorvex") == "dataset"
    assert ents.get("Gaussian") != "dataset" and ents.get("MRI") != "dataset"
    assert ents.get("DTensor") != "dataset"


def test_extract_names_ending_in_plus(extractor: Extractor) -> None:
    # regression: a trailing "+" made "PFGM++" LaTeX debris
    paper = Paper(id="pp", title="QRVX++: Unlocking Generative Models",
                  abstract="We introduce QRVX++ and QRVX-Net+, which are fast. Let a + b = c.")
    names = {e.name for e in extractor.extract(paper).entities}
    assert {"QRVX++", "QRVX-Net+"} <= names


def test_extract_dataset_variant_hides_its_base(extractor: Extractor) -> None:
    paper = Paper(id="sm", title="t",
                  abstract="We achieve excellent performance on the Split MNIST dataset in one pass.")
    ents = {e.name: e.type for e in extractor.extract(paper).entities}
    assert ents.get("Split MNIST") == "dataset"
    assert "MNIST" not in ents


def test_extract_coordinated_names_share_a_known_head(extractor: Extractor) -> None:
    paper = Paper(id="el", title="t",
                  abstract="We use metrics such as Chamfer and Hausdorff distances with "
                           "Dirichlet or Neumann boundary conditions; Smith and Wasserstein "
                           "distance too. Each task has ground-truth equations.")
    ents = {e.name: e.type for e in extractor.extract(paper).entities}
    assert ents.get("Chamfer distance") == "math"
    assert ents.get("Dirichlet boundary condition") == "math"
    assert "Smith Wasserstein distance" not in ents and "Smith" not in ents
    assert "ground-truth equation" not in ents


def test_extract_capitalised_gerund_before_data_after_colon(extractor: Extractor) -> None:
    paper = Paper(id="fx", title="t",
                  abstract="They posed conjectures: Fixing data, adding parameters scales the bulk.")
    assert "Fixing" not in {e.name for e in extractor.extract(paper).entities}


def test_extract_nominal_with_known_math_head_is_math(extractor: Extractor) -> None:
    paper = Paper(id="ra", title="Lattice models of random advection",
                  abstract="We study random advection on a lattice and the volume rendering of it.")
    ents = {e.name: e.type for e in extractor.extract(paper).entities}
    assert ents.get("random advection") == "math"


def test_extract_chunk_takes_the_type_of_the_known_term_it_ends_with(extractor: Extractor) -> None:
    paper = Paper(id="xxz", title="t",
                  abstract="We simulate the spin-1/2 XXZ model and a variational neural process.")
    ents = {e.name: e.type for e in extractor.extract(paper).entities}
    assert ents.get("spin-1/2 XXZ model") == "math"
    assert ents.get("variational neural process") == "method"


def test_extract_whole_title_before_known_term_is_a_method(extractor: Extractor) -> None:
    paper = Paper(id="lsb", title="Smooth Normalizing Flows",
                  abstract="Normalizing flows are popular; we make them smooth.")
    ents = {e.name: e.type for e in extractor.extract(paper).entities}
    assert ents.get("Smooth Normalizing Flow") == "method"


def test_extract_definition_typed_by_the_head_after_it(extractor: Extractor) -> None:
    paper = Paper(id="bi", title="t",
                  abstract="We study a Bianchi I (BI) model with radiation. The BI model expands.")
    ents = {e.name: e.type for e in extractor.extract(paper).entities}
    assert ents.get("Bianchi I") == "math"


def test_extract_mention_order_is_total(extractor: Extractor) -> None:
    # Mentions of one entity that start at the same offset ("Marching Cubes" and
    # "Marching Cubes algorithm") used to come out in set order, which changes with
    # PYTHONHASHSEED: `paperkg extract` and the cache differed between runs.
    from pathlib import Path

    from paperkg.load import load_papers

    seeds = Path(__file__).resolve().parents[1] / "seeds"
    if not seeds.is_dir():
        pytest.skip("no seeds/ directory")
    papers, _ = load_papers([str(seeds)])
    extra = Paper(id="tie", title="Meshes from point clouds",
                  abstract="We run the Marching Cubes algorithm (MC) on the grid; Marching "
                           "Cubes is fast.")
    ties = 0
    for res in extractor.pipe([*papers, extra]):
        for ent in res.entities:
            keys = [(m.field != "title", m.start, m.end, m.text) for m in ent.mentions]
            assert keys == sorted(keys), (res.id, ent.id)
            starts = [k[:2] for k in keys]
            ties += len(starts) - len(set(starts))
    assert ties > 0  # the corpus does exercise mentions that share a start
