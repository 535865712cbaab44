"""The ranking model: XGBoost LambdaMART (`rank:ndcg`) on past demands, graded by how far each went.

Each training demand is a group: the product it named, with its grade (3 drawn, 2 approved, 1 accepted,
0 none), and eligible products it did not name (grade 0). The model's margin is turned into a
probability by Platt scaling fitted on the same training pairs: the probability that a business's
demand names this product and is approved, among its eligible products (a sampled negative is weighted
by the eligible products it stands for, int_match_candidates_labelled.sample_weight). Deterministic: fixed seed, no row or column
sampling, the `hist` method; the same model bytes with 1 or 2 threads (docs/matching.md).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xgboost as xgb

from pipelines.lib.matching.features import FEATURE_NAMES, Pairs

PARAMS = {
    "objective": "rank:ndcg",
    "eval_metric": "ndcg@10",
    "eta": 0.1,
    "max_depth": 5,
    "min_child_weight": 5,
    "tree_method": "hist",
    "max_bin": 256,
    "seed": 0,
}
ROUNDS = 50
SCORE_DECIMALS = 6  # the published score, and the ranking, use it rounded (docs/matching.md, "Determinism")


@dataclass
class Model:
    booster: xgb.Booster
    platt: tuple[float, float]  # probability = sigmoid(a * margin + b)

    def margin(self, X: np.ndarray, threads: int) -> np.ndarray:
        self.booster.set_param({"nthread": threads})
        return self.booster.inplace_predict(X, predict_type="margin").astype(np.float64)

    def probability(self, margin: np.ndarray) -> np.ndarray:
        a, b = self.platt
        return np.round(1.0 / (1.0 + np.exp(-(a * margin + b))), SCORE_DECIMALS)

    def contributions(self, X: np.ndarray, threads: int) -> np.ndarray:
        """Approximate per-feature contributions to the margin (Saabas), rows × (features + bias)."""
        self.booster.set_param({"nthread": threads})
        data = xgb.DMatrix(X, nthread=threads, feature_names=list(FEATURE_NAMES))
        return self.booster.predict(data, pred_contribs=True, approx_contribs=True)

    def to_bytes(self) -> bytes:
        document = {"format": "loancode-matching-1", "features": list(FEATURE_NAMES), "platt": list(self.platt),
                    "booster": json.loads(self.booster.save_raw("json"))}
        return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Model:
        document = json.loads(raw)
        if document.get("features") != list(FEATURE_NAMES):
            raise ValueError("the model file was trained on other features; train it again")
        booster = xgb.Booster()
        booster.load_model(bytearray(json.dumps(document["booster"]).encode()))
        return cls(booster, tuple(document["platt"]))


def groups(query: np.ndarray) -> np.ndarray:
    """Sizes of the runs of equal query ids (the pairs must be ordered by query)."""
    starts = np.r_[0, np.flatnonzero(np.diff(query)) + 1]
    return np.diff(np.r_[starts, len(query)])


def fit_platt(margin: np.ndarray, label: np.ndarray, weight: np.ndarray, iterations: int = 100) -> tuple[float, float]:
    """Weighted logistic regression of `label` on `margin`: Newton's method with a backtracking line search
    on the log-likelihood (deterministic, and it cannot diverge), on the standardized margin."""
    centre, scale = float(np.average(margin, weights=weight)), float(np.sqrt(np.cov(margin, aweights=weight)) or 1.0)
    z = (margin - centre) / scale
    X = np.c_[z, np.ones_like(z)]
    rate = float(np.clip(np.average(label, weights=weight), 1e-6, 1 - 1e-6))
    theta = np.array([0.0, np.log(rate / (1 - rate))])

    def loss(t: np.ndarray) -> float:
        s = X @ t
        return float(np.sum(weight * (np.logaddexp(0.0, s) - label * s)))

    current = loss(theta)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(X @ theta)))
        gradient = X.T @ (weight * (p - label))
        hessian = (X * (weight * p * (1 - p))[:, None]).T @ X + 1e-9 * np.eye(2)
        step, size = np.linalg.solve(hessian, gradient), 1.0
        while size > 1e-8 and loss(theta - size * step) > current:
            size /= 2
        theta = theta - size * step
        previous, current = current, loss(theta)
        if previous - current < 1e-12 * max(1.0, abs(previous)):
            break
    a, b = theta
    return float(a / scale), float(b - a * centre / scale)


def train(pairs: Pairs, threads: int = 2, rounds: int = ROUNDS) -> Model:
    """Train on training pairs ordered by query (read_pairs(..., order=True))."""
    grade = pairs.extra["grade"].astype(np.float32)
    data = xgb.DMatrix(pairs.X, label=grade, nthread=threads, feature_names=list(FEATURE_NAMES))
    data.set_group(groups(pairs.query))
    booster = xgb.train({**PARAMS, "nthread": threads}, data, num_boost_round=rounds)
    model = Model(booster, (1.0, 0.0))
    margin = model.margin(pairs.X, threads)
    model.platt = fit_platt(margin, (grade >= 2).astype(np.float64), pairs.extra["sample_weight"])
    return model


def file_name(raw: bytes) -> str:
    return f"matching-{hashlib.sha256(raw).hexdigest()[:16]}.json"


def save(model: Model, folder: Path) -> Path:
    """Write the model as `matching-<sha256 prefix>.json` (content-addressed: an identical model is the same
    file, a published warehouse always finds the model that scored it). Atomic: written beside, renamed."""
    raw = model.to_bytes()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name(raw)
    if not path.exists():
        part = path.with_name(path.name + f".{os.getpid()}.part")
        part.write_bytes(raw)
        os.replace(part, path)
    return path


def load(path: Path) -> Model:
    raw = path.read_bytes()
    if file_name(raw) != path.name:
        raise ValueError(f"{path.name}: contents do not match the file name (changed after it was written)")
    return Model.from_bytes(raw)
