"""Card templates shipped inside the package: the dataset card and the model card.

Why inside the package: templates in the repository's top-level folders were missing from a wheel
install, which then could not render a model card and wrote a cut-down dataset card. Here they are
package data (``pyproject.toml``), found through :mod:`importlib.resources` wherever the package is.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

DATASET_CARD = "dataset_card.md"
MODEL_CARD = "model_card.md"
TEMPLATE_NAMES: tuple[str, ...] = (DATASET_CARD, MODEL_CARD)


def template_path(name: str) -> Path:
    """File system path of the template ``name`` (wheel and editable installs both unpack to files)."""
    if name not in TEMPLATE_NAMES:
        raise KeyError(f"unknown card template {name!r}; the package ships {list(TEMPLATE_NAMES)}")
    return Path(str(files(__name__).joinpath(name)))


def template_text(name: str) -> str:
    """The text of the template ``name``."""
    return files(__name__).joinpath(name).read_text(encoding="utf-8")


DATASET_CARD_TEMPLATE = template_path(DATASET_CARD)
MODEL_CARD_TEMPLATE = template_path(MODEL_CARD)
