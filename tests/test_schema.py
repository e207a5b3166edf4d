from agroflux_hf import schema
from agroflux_hf.data.sources import release_layout as layout


def test_release_columns_are_complete_and_ordered():
    assert len(layout.RELEASE_INPUT_NAMES) == 11
    assert len(layout.RELEASE_TARGET_NAMES) == 20
    for i, name in enumerate(layout.RELEASE_TARGET_NAMES):
        assert layout.release_column(name).index == i
    sizes = {m: len(v) for m, v in layout.RELEASE_MODULE_TARGETS.items()}
    assert sizes == {
        schema.Module.CARBON: 5,
        schema.Module.THERMAL: 6,
        schema.Module.WATER: 4,
        schema.Module.NITROGEN: 5,
    }


def test_release_respiration_and_co2_flux_are_flipped_to_atmospheric_sign():
    assert layout.release_column("NEE").sign == -1.0
    assert layout.release_column("RECO").sign == -1.0
    assert layout.release_column("GPP").sign == 1.0


def test_unknown_variable_names_the_known_ones():
    import pytest

    with pytest.raises(KeyError, match="GPP"):
        schema.variable("GPPP")


def test_role_helpers_split_inputs():
    names = ["PH", "TMAX", "N_FERT", "GPP"]
    assert schema.dynamic_input_names(names) == ("TMAX", "N_FERT")
    assert schema.static_input_names(names) == ("PH",)
    assert schema.target_names_of(names) == ("GPP",)


def test_variable_stats_convention_in_one_place():
    """None (JSON) or NaN = never observed, std 0 = constant: both z-score as identity, not a crash."""
    assert schema.VariableStats(2.0, 0.5).usable() == (2.0, 0.5)
    assert schema.VariableStats(2.0, 0.0).usable() == (2.0, 1.0)
    assert schema.VariableStats(None, None).usable() == (0.0, 1.0)
    assert schema.VariableStats(float("nan"), float("nan")).usable() == (0.0, 1.0)
    assert not schema.VariableStats.from_entry({"mean": None, "std": None}).observed
    assert schema.VariableStats.from_entry({"mean": 1.5, "std": 2.0}).observed


def test_headline_order_puts_the_reported_fluxes_first():
    assert schema.headline_order(["LAI", "ZZ", "GPP", "NEE"]) == ["NEE", "GPP", "LAI", "ZZ"]


def test_vocabulary_spells_each_id_and_split_once():
    assert schema.EXAMPLE_ID_FIELDS[:4] == schema.ID_COLUMNS
    assert schema.SITE_ID in schema.ID_COLUMNS and schema.YEAR in schema.EXAMPLE_ID_FIELDS
    assert schema.SPLITS == ("train", "validation", "test")
    assert schema.SPLIT_SCHEMES == (schema.TEMPORAL, schema.SPATIAL)
    assert schema.config_name(schema.SPATIAL, "co2", 2) == "spatial_co2_fold2"
    assert set(schema.PLAUSIBLE_DAILY_RANGES) <= set(schema.VARIABLES)
    assert set(schema.STATION_FAULT_LIMITS) <= set(schema.VARIABLES)


def test_release_layout_lives_with_the_release_reader_not_in_the_schema():
    assert not hasattr(schema, "RELEASE_TARGET_NAMES")
    assert layout.RELEASE_TARGET_NAMES[:3] == ("RECO", "GPP", "NEE")
