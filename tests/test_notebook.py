"""notebooks/explore.ipynb runs end to end (so it cannot rot) and is stored with outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "explore.ipynb"


def _code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def _text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif "data" in out:
            parts.append(out["data"].get("text/plain", ""))
    return "".join(parts)


def test_notebook_is_stored_with_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cells = _code_cells(nb)
    assert cells
    assert all(c.execution_count for c in cells)
    assert all(c.outputs for c in cells), "re-run the notebook and save it with outputs"
    assert not [o for c in cells for o in c.outputs if o.get("output_type") == "error"]


def test_notebook_executes():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # as Jupyter does: start in the notebook's directory; the notebook finds the root
    client = NotebookClient(nb, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    try:
        client.execute()
    except CellExecutionError as error:  # pragma: no cover - the failure message is the point
        pytest.fail(f"notebook cell failed:\n{str(error)[-2000:]}")
    cells = _code_cells(nb)
    assert "KnowledgeGraph(" in _text(cells[1])
    assert "papers" in _text(cells[2])
    assert "no entity matches" in _text(cells[-1])
