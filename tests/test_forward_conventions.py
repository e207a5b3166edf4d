"""Plain transformers use of the six models: ``labels``, ``return_dict``, ``output_hidden_states``,
unknown keywords refused, and what Trainer's prediction loop reads from the config."""

from __future__ import annotations

import pytest
import torch

from agroflux_hf.models import MODEL_NAMES, FluxRegressionOutput
from agroflux_hf.models.outputs import FORWARD_ARGUMENTS
from tests.test_models import DAYS, TARGETS, physical_batch, tiny

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(params=MODEL_NAMES)
def model(request) -> torch.nn.Module:
    return tiny(request.param).eval()


def targets(batch: int) -> torch.Tensor:
    values = torch.randn(batch, DAYS, len(TARGETS), generator=torch.Generator().manual_seed(3))
    values[0, :5, 0] = float("nan")  # unobserved days are masked, as in target_values
    return values


@torch.no_grad()
def test_labels_is_target_values_and_both_is_an_error(model):
    daily, static = physical_batch(2)
    by_targets = model(daily, static, target_values=targets(2))
    by_labels = model(daily, static, labels=targets(2))
    assert torch.isfinite(by_labels.loss)
    torch.testing.assert_close(by_labels.loss, by_targets.loss, rtol=0, atol=0)
    with pytest.raises(ValueError, match="both target_values and labels"):
        model(daily, static, target_values=targets(2), labels=targets(2))


@torch.no_grad()
def test_hidden_states_only_when_asked_default_from_config(model):
    daily, static = physical_batch(2)
    assert model(daily, static).hidden_states is None
    asked = model(daily, static, output_hidden_states=True).hidden_states
    assert asked.shape == (2, DAYS, model.config.hidden_size)
    model.config.output_hidden_states = True
    try:
        torch.testing.assert_close(model(daily, static).hidden_states, asked)
        assert model(daily, static, output_hidden_states=False).hidden_states is None
    finally:
        model.config.output_hidden_states = False


@torch.no_grad()
def test_return_dict_false_gives_a_tuple_loss_first(model):
    daily, static = physical_batch(2)
    full = model(daily, static, labels=targets(2), output_hidden_states=True)
    as_tuple = model(daily, static, labels=targets(2), output_hidden_states=True, return_dict=False)
    assert isinstance(full, FluxRegressionOutput) and isinstance(as_tuple, tuple)
    assert len(as_tuple) == 3
    for got, expected in zip(as_tuple, (full.loss, full.predictions, full.hidden_states), strict=True):
        torch.testing.assert_close(got, expected)
    predictions_only = model(daily, static, return_dict=False)
    assert len(predictions_only) == 1 and predictions_only[0].shape == (2, DAYS, len(TARGETS))
    model.config.return_dict = False
    try:
        assert isinstance(model(daily, static), tuple)
        assert isinstance(model(daily, static, return_dict=True), FluxRegressionOutput)
    finally:
        model.config.return_dict = True


def test_unknown_keywords_are_a_type_error_naming_them(model):
    daily, static = physical_batch(2)
    with pytest.raises(TypeError, match=r"\['attention_mask', 'target_value'\].*accepts") as caught:
        model(daily, static, target_value=targets(2), attention_mask=None)
    assert type(model).__name__ in str(caught.value)
    assert "past_values" in str(caught.value)


@torch.no_grad()
def test_num_items_in_batch_is_accepted_and_does_not_change_the_loss(model):
    daily, static = physical_batch(2)
    plain = model(daily, static, labels=targets(2)).loss
    counted = model(daily, static, labels=targets(2), num_items_in_batch=torch.tensor(17)).loss
    torch.testing.assert_close(plain, counted, rtol=0, atol=0)


def test_what_trainer_reads_from_the_model_and_config(model):
    from transformers.utils.generic import find_labels

    assert find_labels(type(model)) == ["labels"]  # Trainer's label_names
    assert model.accepts_loss_kwargs is False  # no num_items_in_batch: the loss is a mean already
    assert model.config.keys_to_ignore_at_inference == ["hidden_states"]
    assert "keys_to_ignore_at_inference" not in model.config.to_dict()  # a class setting, not saved
    assert set(FORWARD_ARGUMENTS) == set(
        p for p in type(model).forward.__code__.co_varnames[1 : type(model).forward.__code__.co_argcount]
    )
