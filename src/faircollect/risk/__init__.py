"""Default-risk models on any table: a scorecard and a LightGBM challenger, with reasons in words.

``train(frame, target, trained_on=...) -> RiskModel``; ``RiskModel.predict`` (calibrated
probabilities), ``RiskModel.explain`` (probabilities and the factors that raised them, zh and
en), ``RiskModel.save`` / ``RiskModel.load`` (one versioned zip of JSON, no pickles). Pure: no
I/O but the model file (and the data sets read by ``python -m faircollect.risk.published``);
imports only ``faircollect.domain`` and third-party libraries.
"""

from __future__ import annotations

from faircollect.risk.features import Label
from faircollect.risk.model import FORMAT_VERSION, Reason, RiskModel, join_reasons
from faircollect.risk.train import SETTINGS, train

__all__ = ["FORMAT_VERSION", "SETTINGS", "Label", "Reason", "RiskModel", "join_reasons", "train"]
