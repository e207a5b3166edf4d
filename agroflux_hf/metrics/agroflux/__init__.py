"""The ``evaluate`` module folder: ``evaluate.load(agroflux_hf.METRIC_PATH)`` reads ``agroflux.py`` here.

This file only makes the folder a package, so that a wheel ships the script and its README card.
"""
