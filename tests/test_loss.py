"""The one loss: per-target mean over observed days, weighted mean over targets, standardised units.

Training (``outputs.loss`` in the step), validation (``validation_loss`` on gathered predictions),
early stopping and the benchmark all read this one quantity; these tests pin its definition and
that the two paths agree on the same batch.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agroflux_hf.models import build_model
from agroflux_hf.models.loss import masked_target_loss
from agroflux_hf.training import TrainingArguments, evaluation, plans, steps, tensors
from agroflux_hf.training.tensors import SplitTensors

INPUTS = ("TMAX", "PRECIP")
TARGETS = ("GPP", "N2O_FLUX")
STATS = {
    "inputs": {"TMAX": {"mean": 15.0, "std": 10.0}, "PRECIP": {"mean": 2.0, "std": 5.0}},
    "targets": {"GPP": {"mean": 3.0, "std": 4.0}, "N2O_FLUX": {"mean": 1.0, "std": 2.0}},
}


def test_a_target_with_few_observed_days_weighs_as_much_as_one_with_many():
    predicted = torch.zeros(1, 100, 2)
    targets = torch.full((1, 100, 2), torch.nan)
    targets[0, :, 0] = 1.0  # observed every day, error 1 each
    targets[0, :2, 1] = 3.0  # observed on 2 days, error 9 each
    loss = masked_target_loss(predicted, targets)
    assert loss.item() == pytest.approx((1.0 + 9.0) / 2)  # pooled over days it would be 118 / 102
    weighted = masked_target_loss(predicted, targets, torch.tensor([3.0, 1.0]))
    assert weighted.item() == pytest.approx((3 * 1.0 + 9.0) / 4)


def test_a_target_without_observations_drops_out_and_none_gives_zero_with_a_graph():
    predicted = torch.randn(2, 5, 2, requires_grad=True)
    targets = torch.full((2, 5, 2), torch.nan)
    targets[..., 0] = 0.0
    expected = (predicted[..., 0] ** 2).mean()
    torch.testing.assert_close(masked_target_loss(predicted, targets), expected)
    empty = masked_target_loss(predicted, torch.full((2, 5, 2), torch.nan))
    assert empty.item() == 0.0 and empty.requires_grad
    empty.backward()
    assert torch.isfinite(predicted.grad).all()


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 5, 2\).*\(2, 5, 3\)"):
        masked_target_loss(torch.zeros(2, 5, 2), torch.zeros(2, 5, 3))


def _split(n: int = 6, days: int = 30, seed: int = 0) -> SplitTensors:
    rng = np.random.default_rng(seed)
    past = rng.normal(15, 8, (n, days, len(INPUTS))).astype(np.float32)
    targets = rng.normal(3, 4, (n, days, len(TARGETS))).astype(np.float32)
    targets[..., 1][rng.random((n, days)) < 0.9] = np.nan  # the chamber target: few observed days
    return SplitTensors(
        past_values=torch.from_numpy(past),
        static=torch.zeros(n, 0),
        targets=torch.from_numpy(targets),
        input_names=INPUTS,
        static_names=(),
        target_names=TARGETS,
        site_ids=np.array([f"S{i}" for i in range(n)], dtype=object),
        years=np.full(n, 2000, dtype=np.int32),
        experiments=np.full(n, -1, dtype=np.int32),
        first_dates=np.array([""] * n, dtype=object),
    )


class _Single:
    """The few Accelerator members ``predict_dataset`` uses, for one process without Accelerate."""

    num_processes = 1
    device = torch.device("cpu")

    def prepare_data_loader(self, loader):
        return loader

    def gather_for_metrics(self, values):
        return values


@pytest.mark.parametrize("weights", [{}, {"N2O_FLUX": 4.0}])
def test_training_and_validation_report_the_same_loss_on_the_same_batch(weights):
    torch.manual_seed(0)
    model = build_model(
        "lstm", input_names=INPUTS, static_names=(), target_names=TARGETS, stats=STATS, hidden_size=8
    )
    plans.use_target_weights(model, TrainingArguments(target_weights=weights).target_weights)
    model.eval()  # no dropout, so both paths see the same predictions
    data = _split()
    with torch.no_grad():
        train_loss, _ = steps.supervised_step(model)(data.batch(torch.arange(len(data))), 0, 0.0)
    val_loss = evaluation.validation_loss(model, data, batch_size=4, acc=_Single())
    assert val_loss == pytest.approx(float(train_loss), rel=1e-5)
    # and it is the per-target definition, not the pooled one
    predicted = tensors.predict_dataset(model, data)
    std = torch.tensor([4.0, 2.0])
    error = ((torch.from_numpy(predicted.predicted) - data.targets) / std) ** 2
    per_target = torch.stack([torch.nanmean(error[..., k]) for k in range(2)])
    w = torch.tensor([1.0, weights.get("N2O_FLUX", 1.0)])
    assert val_loss == pytest.approx(float((per_target * w).sum() / w.sum()), rel=1e-4)


def test_target_weights_of_the_arguments_go_into_the_saved_config(tmp_path):
    model = build_model("lstm", input_names=INPUTS, static_names=(), target_names=TARGETS, stats=STATS)
    plans.use_target_weights(model, {"GPP": 2.0})
    model.save_pretrained(tmp_path)
    from agroflux_hf.models import load_model

    assert load_model(tmp_path).config.target_weights == {"GPP": 2.0}
    with pytest.raises(ValueError, match="ET"):
        plans.use_target_weights(model, {"ET": 1.0})


def test_the_parts_of_a_batch_split_across_processes_add_up_to_its_loss():
    """Under DDP each process holds part of the batch; divided by the whole batch's observed days the
    parts add up to the one-process loss. Each averaging its own part (then DDP's mean) would halve a
    target observed in one part only: N2O on a few chamber days."""
    from agroflux_hf.models.loss import masked_target_loss, observed_counts

    generator = torch.Generator().manual_seed(0)
    predicted = torch.randn(4, 10, 2, generator=generator)
    target = torch.randn(4, 10, 2, generator=generator)
    target[2:, :, 1] = float("nan")  # the second target observed in the first two sequences only
    target[0, :7, 1] = float("nan")
    whole = masked_target_loss(predicted, target)
    counts = observed_counts(target)
    parts = [
        masked_target_loss(predicted[half], target[half], counts=counts)
        for half in (slice(0, 2), slice(2, 4))
    ]
    assert float(sum(parts)) == pytest.approx(float(whole), rel=1e-6)
    each_own = [masked_target_loss(predicted[half], target[half]) for half in (slice(0, 2), slice(2, 4))]
    assert float(sum(each_own)) / 2 != pytest.approx(float(whole), rel=1e-2)
