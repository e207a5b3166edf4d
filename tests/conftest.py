"""Test set-up: no test touches the network, and the Hugging Face caches live in a temporary folder."""

from __future__ import annotations

import os
import tempfile

# Set before anything imports datasets / transformers / evaluate / huggingface_hub.
_HF_HOME = tempfile.mkdtemp(prefix="agroflux-test-hf-home-")
os.environ["HF_HOME"] = _HF_HOME
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_EVALUATE_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("AGROFLUX_CACHE", os.path.join(_HF_HOME, "agroflux"))
os.environ.pop("AGROFLUX_DATA_DIR", None)
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


import pytest  # noqa: E402  (after the environment above, before any HF library import)


@pytest.fixture
def one_thread():
    """Tiny models run fastest (and reproducibly) on one torch thread: OpenMP spinning on a busy 2-core
    machine costs up to 20x. Test modules opt in with ``pytestmark = pytest.mark.usefixtures("one_thread")``."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
