"""agroflux_hf: the AgroFlux carbon and nitrogen flux benchmark as Hugging Face datasets, models and metric."""

from __future__ import annotations

__version__ = "0.1.0"
