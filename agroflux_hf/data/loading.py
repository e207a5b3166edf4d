"""Load an exported AgroFlux dataset: ``load_agroflux``, ``list_configs``, ``config_info``.

The data are found in this order: the ``data_dir`` argument, the environment variable
``AGROFLUX_DATA_DIR``, then the embedded AgroFlux-mini (built on first use, see ``data/default.py``).
``data_dir`` is a local folder or a Hub dataset repo id ``ORG/NAME`` (with ``revision``, or written
``ORG/NAME@REVISION``); the rule that tells them apart is in ``data/hub.py``. A Hub repo is downloaded
through ``huggingface_hub`` into its cache (only the index files, then the asked config's parquet
files). Either way ``datasets.load_dataset`` gets an absolute local path, so a bare name never
resolves to the current folder, the Hub or a stale cache by accident.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import datasets

from agroflux_hf import schema
from agroflux_hf.data.folder_format import read_configs_document
from agroflux_hf.data.hub import INDEX_FILES, DataLocation, config_files, locate_data, snapshot
from agroflux_hf.errors import UnknownNameError

DATA_DIR_ENV = "AGROFLUX_DATA_DIR"


@dataclass(frozen=True)
class ConfigInfo:
    """What a config is: its variables (in array order), units, split sites and years, train statistics.

    ``stats`` has the format ``{"inputs": {name: {"mean", "std"}}, "static": {...}, "targets": {...}}``
    (train split only; None for a variable never observed in training). ``sites[split]`` and
    ``years[split]`` list the sites and the calendar years of each split; ``site_years[split][site]``
    the years of that site in that split. ``site_attributes[site]`` holds the site's ``latitude``,
    ``longitude`` and ``elevation`` (NaN where unknown) and any other attribute its source states
    (``igbp``, ``field``, ...); empty for a folder exported before attributes travelled.
    """

    name: str
    source: str
    domain: str
    split: str  # the split scheme: schema.TEMPORAL or schema.SPATIAL (see ``scheme``)
    fold: int | None
    input_names: tuple[str, ...]
    static_names: tuple[str, ...]
    target_names: tuple[str, ...]
    stats: dict
    sites: dict[str, tuple[str, ...]]
    years: dict[str, tuple[int, ...]]
    site_years: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    n_examples: dict[str, int] = field(default_factory=dict)
    data_dir: Path | None = None
    site_attributes: dict[str, dict[str, float | str]] = field(default_factory=dict)
    repo_id: str | None = None  # the Hub dataset repo it came from (data_dir is then its snapshot)
    revision: str | None = None  # the revision asked for (None: the repo's default branch)
    site_groups: dict[str, str] = field(default_factory=dict)  # site -> the unit held out whole

    @property
    def held_out(self) -> tuple[str, ...]:
        """What the test split holds out: the site groups (sites sharing weather, held out whole) where
        the source has them, else the test sites; how a figure names a spatial fold."""
        return tuple(dict.fromkeys(self.site_groups.get(s, s) for s in self.sites.get("test", ())))

    @property
    def scheme(self) -> str:
        """The split scheme, ``temporal`` or ``spatial`` (``split`` is its older name)."""
        return self.split

    def variable_stats(self, group: str, name: str) -> schema.VariableStats:
        """Typed training statistics of one variable (group one of ``schema.STAT_GROUPS``)."""
        return schema.VariableStats.from_entry(self.stats[group][name])

    @property
    def site_coordinates(self) -> dict[str, tuple[float, float]]:
        """(latitude, longitude) of every site whose coordinates are known (for maps)."""
        return _coordinates_of(self.site_attributes)


def locate(data_dir: str | os.PathLike | None = None, revision: str | None = None) -> DataLocation:
    """Where the data are: argument, then $AGROFLUX_DATA_DIR, then the embedded default (a folder)."""
    if data_dir is None:
        data_dir = os.environ.get(DATA_DIR_ENV) or None
    if data_dir is None:
        if revision is not None:
            raise ValueError(f"revision={revision!r} needs a Hub repo id as data_dir")
        from agroflux_hf.data.default import default_data_dir

        return DataLocation(folder=default_data_dir())
    return locate_data(data_dir, revision)


def recorded_data_dir(data_dir: str | os.PathLike | None) -> str | None:
    """What a run writes down as the data it read: ``data_dir`` as given, else the $AGROFLUX_DATA_DIR it
    fell back to, else None (the embedded AgroFlux-mini). Why: a record of None read later in a shell
    with another $AGROFLUX_DATA_DIR would name other data than the run trained on."""
    chosen = data_dir if data_dir is not None else (os.environ.get(DATA_DIR_ENV) or None)
    return str(chosen) if chosen else None


def recorded_data_location(recorded: str | os.PathLike | None) -> str | Path:
    """The data a recorded ``data_dir`` (:func:`recorded_data_dir`) names: None is the embedded
    AgroFlux-mini, whatever $AGROFLUX_DATA_DIR says when the record is read."""
    if recorded:
        return str(recorded)
    from agroflux_hf.data.default import default_data_dir

    return default_data_dir()


def resolve_data_dir(data_dir: str | os.PathLike | None = None, revision: str | None = None) -> Path:
    """The absolute local dataset folder (for a Hub repo: the snapshot with its index files)."""
    return _index_folder(locate(data_dir, revision))


def _index_folder(location: DataLocation) -> Path:
    """The local folder holding ``agroflux_configs.json`` and ``README.md`` of ``location``."""
    return snapshot(location) if location.is_hub else location.folder


def _read_configs(path: Path) -> dict:
    return read_configs_document(path)


def list_configs(data_dir: str | os.PathLike | None = None, revision: str | None = None) -> list[str]:
    """Config names of the dataset (folder or Hub repo), in export order (temporal then spatial folds)."""
    return list(_read_configs(resolve_data_dir(data_dir, revision))["configs"])


def _config_entry(path: Path, config: str, document: dict | None = None) -> dict:
    configs = (document or _read_configs(path))["configs"]
    if config not in configs:
        raise UnknownNameError(f"unknown config {config!r} in {path}; available: {', '.join(configs)}")
    return configs[config]


def config_info(
    config: str, data_dir: str | os.PathLike | None = None, revision: str | None = None
) -> ConfigInfo:
    """Names, units, split membership and train-split statistics of ``config`` (folder or Hub repo)."""
    location = locate(data_dir, revision)
    path = _index_folder(location)
    document = _read_configs(path)
    entry = _config_entry(path, config, document)
    splits = entry["splits"]
    dataset = schema.parse_config_name(config)[1]  # the key of its source in the document
    source = document.get("sources", {}).get(dataset, {})
    return ConfigInfo(
        name=config,
        source=entry["source"],
        domain=entry["domain"],
        split=entry["split"],
        fold=entry["fold"],
        input_names=tuple(entry["input_names"]),
        static_names=tuple(entry["static_names"]),
        target_names=tuple(entry["target_names"]),
        stats=entry["stats"],
        sites={s: tuple(v["sites"]) for s, v in splits.items()},
        years={s: tuple(v["years"]) for s, v in splits.items()},
        site_years={s: {site: tuple(ys) for site, ys in v["site_years"].items()} for s, v in splits.items()},
        units=dict(entry["units"]),
        n_examples={s: v["n_examples"] for s, v in splits.items()},
        data_dir=path,
        site_attributes=_read_site_attributes(entry),
        repo_id=location.repo_id,
        revision=location.revision,
        site_groups=dict(source.get("site_groups") or {}),
    )


def config_infos(data_dir: str | os.PathLike | None = None) -> dict[str, ConfigInfo]:
    """:func:`config_info` of every config of the data (``list_configs`` order): what a benchmark plans on."""
    return {c: config_info(c, data_dir=data_dir) for c in list_configs(data_dir=data_dir)}


def _read_site_attributes(entry: dict) -> dict[str, dict[str, float | str]]:
    """The config's ``site_attributes``; unknown coordinates (JSON null) become NaN. A folder exported
    before the field existed has none: an empty dict, not an error."""
    attributes: dict[str, dict[str, float | str]] = {}
    for site, values in (entry.get("site_attributes") or {}).items():
        attributes[site] = {
            name: (float("nan") if value is None else value) for name, value in values.items()
        }
    return attributes


def _coordinates_of(attributes: dict[str, dict[str, float | str]]) -> dict[str, tuple[float, float]]:
    coordinates: dict[str, tuple[float, float]] = {}
    for site, values in attributes.items():
        latitude, longitude = values.get("latitude", math.nan), values.get("longitude", math.nan)
        known = isinstance(latitude, float) and isinstance(longitude, float)
        if known and math.isfinite(latitude) and math.isfinite(longitude):
            coordinates[site] = (latitude, longitude)
    return coordinates


def site_attributes(
    config: str, data_dir: str | os.PathLike | None = None, revision: str | None = None
) -> dict[str, dict[str, float | str]]:
    """{site_id: {"latitude", "longitude", "elevation", ...}} of every site of ``config``.

    The coordinates are NaN where a source does not know them; other attributes (``igbp``, ``field``,
    ...) appear where the source has them. Empty for a folder exported before attributes travelled.
    """
    return config_info(config, data_dir, revision).site_attributes


def load_agroflux(
    config: str, data_dir: str | os.PathLike | None = None, revision: str | None = None, **load_kwargs
) -> datasets.DatasetDict:
    """``datasets.load_dataset(<absolute folder>, config)``: the splits of one AgroFlux config.

    ``data_dir`` is a folder or a Hub dataset repo id (``revision`` a branch, tag or commit of it); for a
    repo only this config's parquet files are downloaded. A split with no example (e.g. no validation
    year anywhere) is absent from the DatasetDict.
    """
    location = locate(data_dir, revision)
    path = _index_folder(location)
    _config_entry(path, config)  # a clear error listing the configs before datasets' own
    if location.is_hub:
        path = snapshot(
            location, [*INDEX_FILES, *config_files(_read_configs(path), config)], f"config {config}"
        )
    return datasets.load_dataset(str(path), config, **load_kwargs)
