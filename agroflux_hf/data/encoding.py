"""Examples as Arrow and parquet: the exporter's encoding of the builder's arrays.

Why apart from the builder: the builder yields plain numpy arrays per site (what a test or another
writer wants); only the exporter needs the Hugging Face features, the Array2D extension storage and
the parquet settings. Tables are built straight from the arrays, with no per-value Python conversion.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import datasets
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from agroflux_hf import schema

ID_FIELD_TYPES: dict[str, str] = {
    schema.SOURCE_FIELD: "string",
    schema.DOMAIN_FIELD: "string",
    schema.SITE_ID: "string",
    schema.EXPERIMENT: "int32",
    schema.YEAR: "int32",
    schema.FIRST_DATE: "string",
}
"""Arrow type of each example id field (schema.EXAMPLE_ID_FIELDS)."""

if TYPE_CHECKING:
    from agroflux_hf.data.builder import SiteExamples
    from agroflux_hf.data.sources.contract import SourceSpec


def example_features(spec: SourceSpec) -> datasets.Features:
    """The Hugging Face features of one example of ``spec`` (fixed shapes, float32, NaN = missing)."""
    n_static = len(spec.static_names)
    # A fixed-size list of length 0 is not allowed by Arrow: a source without statics gets empty lists.
    static = (
        datasets.List(datasets.Value("float32"), length=n_static)
        if n_static
        else datasets.List(datasets.Value("float32"))
    )
    return datasets.Features(
        {
            **{name: datasets.Value(ID_FIELD_TYPES[name]) for name in schema.EXAMPLE_ID_FIELDS},
            schema.PAST_VALUES: datasets.Array2D((schema.SEQUENCE_LENGTH, len(spec.input_names)), "float32"),
            schema.STATIC_FEATURES: static,
            schema.TARGET_VALUES: datasets.Array2D(
                (schema.SEQUENCE_LENGTH, len(spec.target_names)), "float32"
            ),
        }
    )


def example_columns(site: SiteExamples) -> dict[str, object]:
    """Column dict of a site's examples, in the order of :func:`example_features`."""
    n = len(site)
    return {
        schema.SOURCE_FIELD: [site.source] * n,
        schema.DOMAIN_FIELD: [site.domain] * n,
        schema.SITE_ID: [site.site_id] * n,
        schema.EXPERIMENT: site.experiments,
        schema.YEAR: site.years,
        schema.FIRST_DATE: list(site.first_dates),
        schema.PAST_VALUES: site.past_values,
        schema.STATIC_FEATURES: site.static_real_features,
        schema.TARGET_VALUES: site.target_values,
    }


def examples_table(site: SiteExamples, features: datasets.Features) -> pa.Table:
    """An Arrow table with the exact schema of ``features`` (Array2D extension types and the
    ``huggingface`` metadata), built from the arrays of ``site``."""
    arrow_schema = features.arrow_schema
    arrays = []
    for name, values in example_columns(site).items():
        field_type = arrow_schema.field(name).type
        if name in (schema.PAST_VALUES, schema.TARGET_VALUES):
            arrays.append(_array2d(values, field_type))
        elif name == schema.STATIC_FEATURES:
            arrays.append(_static_array(values, field_type))
        else:
            arrays.append(pa.array(values, type=field_type))
    return pa.Table.from_arrays(arrays, schema=arrow_schema)


def _array2d(values: np.ndarray, extension_type: pa.ExtensionType) -> pa.ExtensionArray:
    """[E, D, K] float32 -> the Array2D extension array (storage: list of lists) without copies per value."""
    e, d, k = values.shape
    flat = pa.array(np.ascontiguousarray(values, dtype=np.float32).reshape(-1), type=pa.float32())
    inner = pa.ListArray.from_arrays(np.arange(0, e * d * k + 1, k, dtype=np.int32), flat)
    outer = pa.ListArray.from_arrays(np.arange(0, e * d + 1, d, dtype=np.int32), inner)
    return pa.ExtensionArray.from_storage(extension_type, outer.cast(extension_type.storage_type))


def _static_array(values: np.ndarray, field_type: pa.DataType) -> pa.Array:
    e, n = values.shape
    flat = pa.array(np.ascontiguousarray(values, dtype=np.float32).reshape(-1), type=pa.float32())
    if pa.types.is_fixed_size_list(field_type):
        return pa.FixedSizeListArray.from_arrays(flat, type=field_type)
    offsets = np.arange(e + 1, dtype=np.int32) * n  # all zeros when there is no static attribute
    return pa.ListArray.from_arrays(offsets, flat).cast(field_type)


def write_parquet(table, path: Path) -> None:
    """zstd parquet; dictionary encoding and statistics only on the id columns (floats gain nothing
    from them and dictionary attempts on them triple the write time)."""
    ids = list(schema.EXAMPLE_ID_FIELDS)
    pq.write_table(
        table,
        path,
        compression="zstd",
        use_dictionary=[name for name in ids if ID_FIELD_TYPES[name] == "string"],
        write_statistics=ids,
    )
