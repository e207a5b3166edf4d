from agroflux_hf import schema


def test_release_columns_are_complete_and_ordered():
    assert len(schema.RELEASE_INPUT_NAMES) == 11
    assert len(schema.RELEASE_TARGET_NAMES) == 20
    for i, name in enumerate(schema.RELEASE_TARGET_NAMES):
        assert schema.variable(name).release_index == i
    sizes = {m: len(v) for m, v in schema.RELEASE_MODULE_TARGETS.items()}
    assert sizes == {
        schema.Module.CARBON: 5,
        schema.Module.THERMAL: 6,
        schema.Module.WATER: 4,
        schema.Module.NITROGEN: 5,
    }


def test_release_respiration_and_co2_flux_are_flipped_to_atmospheric_sign():
    assert schema.variable("NEE").release_sign == -1.0
    assert schema.variable("RECO").release_sign == -1.0
    assert schema.variable("GPP").release_sign == 1.0


def test_unknown_variable_names_the_known_ones():
    import pytest

    with pytest.raises(KeyError, match="GPP"):
        schema.variable("GPPP")


def test_role_helpers_split_inputs():
    names = ["PH", "TMAX", "N_FERT", "GPP"]
    assert schema.dynamic_input_names(names) == ("TMAX", "N_FERT")
    assert schema.static_input_names(names) == ("PH",)
    assert schema.target_names_of(names) == ("GPP",)
