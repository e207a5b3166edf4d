"""The ``agroflux`` commands, one module each (as transformers' ``commands/``); ``cli.py`` wires them.

Why here and not beside the code they run: a library module that hosts its own command drags
``argparse`` handlers into the library and, once a command needs a higher layer, an import cycle
(``data/sources/dssat.py`` <-> ``default_data/derive_simulations.py``). Each module here defines
``register(subparsers)``, which adds its parser and sets ``func`` to a handler taking the parsed
``argparse.Namespace`` and returning an exit code. Modules import only the standard library at
module level (the work is imported inside the handler), so ``agroflux --help`` stays fast.
"""

from __future__ import annotations

COMMANDS: dict[str | None, tuple[str, ...]] = {
    "data": ("data_export", "data_import_flux", "data_simulate", "data_default", "data_publish"),
    None: ("train", "evaluate", "benchmark", "publish", "card"),
}
"""Group (``None`` = top level) -> command modules of this package, in ``--help`` order."""
