"""Named exceptions, so callers can tell a bad file from a bad checkpoint from a bad argument."""

from __future__ import annotations


class AgroFluxError(Exception):
    """Base class of every error agroflux_hf raises on purpose."""


class DataFileError(AgroFluxError, ValueError):
    """An input data file is missing, truncated or not what its layout says. Names the file."""

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class SchemaError(AgroFluxError, ValueError):
    """Variable names, units or shapes do not agree with agroflux_hf.schema."""


class MissingCheckpointError(AgroFluxError, FileNotFoundError):
    """A pretrained checkpoint that a run asks for does not exist; never train from scratch instead."""


class IncompatibleCheckpointError(AgroFluxError, ValueError):
    """A checkpoint exists but is of the wrong architecture or has targets that cannot be mapped."""


class AllNaNError(AgroFluxError, ValueError):
    """A metric was asked for on data with no observed value."""


class UnknownNameError(AgroFluxError, KeyError, ValueError):
    """A name that is not among the choices (model, config, target); the message lists the choices.

    A ``KeyError`` and a ``ValueError`` too, for callers that caught those before it existed.
    """

    def __str__(self) -> str:  # KeyError would print the message quoted
        return str(self.args[0]) if self.args else ""
