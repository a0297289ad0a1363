"""Training every stage reproducibly from the shared data.

    colombe train --data ../shared/data [--out models/artifacts/<version>] [--set-current]

Only datasets with a permissive license train the model (``info.trainable``);
the non-commercial ones are scored as never-seen evaluation sets.  The run
goes through named stages (:class:`TrainingRun`), each a method:

1. ``load``: the shared sets (first ``ROWS_PER_DATASET`` rows), written rows, extra CSVs; dedup, 70/10/20 split;
2. ``featurize``: hashed n-grams, sentence vectors (cached on disk), field signals;
3. ``out_of_fold``: n-gram and semantic heads fitted with whole datasets held out, scoring them (the stackers' rows);
4. ``fit_heads``: the n-gram and semantic heads on the train split;
5. ``fit_stacking``: per label and profile, the combination of the stages
   (on the out-of-fold scores) and its isotonic calibration (validation split);
6. ``fit_offtopic``: the off-topic variants on comment/context pairs;
7. ``write`` / ``evaluate`` / ``publish``: the artifact, its metrics and card.
"""
from __future__ import annotations

import pathlib
import random
import time

import numpy as np
import scipy.sparse as sp

from .artifact import ArtifactWriter, new_version_name, publish, read_json
from .calibration import fit_isotonic
from .cascade import TOXIC, bands_for_run
from .data import Record, TrainingDataError, assign_groups_and_splits, default_data_dir, load_records
from .datasets import Catalogue
from .encoder import DIM, E5_DIM, EmbeddingCache, e5_version, encoder_version, get_e5
from .extra import extra_catalogue
from .features import FeatureConfig, Featurizer
from .heads import fit_many, head_rows
from .mlp import head_logits, sem2_task
from .names import ARTIFACTS_DIR, TEXT_HEADS
from .offtopic_train import fit_offtopic
from .framing import FRAME_NAMES, frame_signals
from .lexicon import LEX_NAMES, lexicon_signals
from .signals import SIGNAL_NAMES, comment_signals
from .stacking import fit_stacker, input_matrix, stack_inputs
from .train_artifact import PROFILES, write_artifact

__all__ = ["TrainingRun", "train", "new_version_name", "DEFAULT_PARAMS", "PROFILES"]

# the first rows of each shared set read by default: the bundled model's recipe (every row did worse on the
# sets held out, docs/decisions/2026-11-30-model-v2.md, fifth pass); a site's decisions are never capped by it
ROWS_PER_DATASET = 4000
DEFAULT_PARAMS = {
    "seed": 13,
    "split_fractions": [0.7, 0.1, 0.2],
    "C": 4.0,                       # inverse L2 strength of the n-gram logistic regressions
    "semantic_C": 1.0,              # ... of the semantic heads
    "stack_C": 1.0,                 # ... of the stackers (standardized inputs)
    "class_weight_alpha": 0.5,      # each (dataset, lang, class) group weighs n_g ** (1 - alpha) in total
    "lang_heads": {},                 # e.g. {"fr": {"toxicity": {"name": "toxicity_fr", "other_lang_weight": 0.05}}}
    "spam_other_weight": 0.15,      # weight factor of toxicity-set rows as spam negatives
    "neutral_weight": 0.4,          # weight factor of the project's neutral comments (models/augment/neutral.py)
    "augment_weights": {"colombe_blog_spam": 1.0, "colombe_functional": 1.0},   # ... of the other written rows
    # ... in the stackers' fit only (functional x4: -7; neutral at full weight, not neutral_weight: -8)
    "stack_augment_weights": {"colombe_functional": 4.0, "colombe_neutral_comments": 1.0},
    "stack_drop": {"spam": ["sig:log_len"]},   # inputs left out of a stacker (pass 16: length is no sign of spam)
    "oof_folds": 3,                 # dataset folds of the out-of-fold stage
    "oof_group_cap": 2500,          # rows per (dataset, lang, class) in each out-of-fold and LODO fit
    "offtopic_bins": 10, "offtopic_C": 1.0,
    "offtopic_same_dataset_share": 0.7,
    "offtopic_pairs_per_dataset": 4000,   # training pairs kept per dataset (a seeded sample)
    "features": FeatureConfig(accent_words=True).to_json(),
    # the second stage of ``full`` (models/cascade.py; docs/decisions/2026-11-30-model-v2.md, passes 11-15): e5
    # beside USE-m3 on the comments whose toxic scores fall near their hold points (this share of the reference
    # comments; 0 = no second stage), above the hold point of the labels opened (pass 15: every comment the first
    # stage would hold for toxicity) and on the short ones (at most these characters); its part of a toxic score
    # there (1: all of it, pass 14); its heads (a hidden layer, models/mlp.py; None: logistic regressions)
    "cascade_share": 0.25, "cascade_open_above": ["toxicity"], "cascade_short_chars": 60, "cascade_mix": 1.0,
    "sem2_head": {"hidden": 256, "alpha": 0.1, "epochs": 20}}


def _item_of(r: Record) -> dict:
    """What a blog platform would send with this record."""
    return {"text": r.text, "author_url": r.extra.get("author_url"), "site_url": r.extra.get("site_url")}


class TrainingRun:
    def __init__(self, data_dir=None, out_dir=None, seed: int = 13, params: dict | None = None,
                 progress: bool = True, limit_per_dataset: int | None = None, extra_csv=None, log=print):
        self.p = dict(DEFAULT_PARAMS)
        self.p.update(params or {})
        self.p["seed"] = self.seed = seed
        self.p["encoder"] = encoder_version()
        if float(self.p.get("cascade_share") or 0) > 0:
            self.p["encoder2"] = e5_version()
        np.random.seed(seed)
        random.seed(seed)
        self.data_dir = pathlib.Path(data_dir) if data_dir else default_data_dir()
        self.extra = extra_catalogue(extra_csv)
        self.catalogue = Catalogue([info for info, _ in self.extra])
        if out_dir is None:
            out_dir = ARTIFACTS_DIR / new_version_name(ARTIFACTS_DIR)
        self.out_dir = pathlib.Path(out_dir).resolve()
        if self.out_dir.exists() and any(self.out_dir.iterdir()):
            raise FileExistsError(f"{self.out_dir} exists and is not empty")
        self.version = (self.out_dir.name if self.out_dir.name.startswith("colombe-")
                        else new_version_name(self.out_dir.parent))
        self.limit = ROWS_PER_DATASET if limit_per_dataset is None else limit_per_dataset
        self.extra_limit = limit_per_dataset      # an explicit limit (trials, tests) caps every dataset
        self.p["limit_per_dataset"] = self.limit
        self.log = log
        self.fcfg = FeatureConfig.from_json(self.p["features"])
        self.featurizer = Featurizer(self.fcfg)
        # (column, label, language or None, other-language weight): the n-gram heads
        self.columns = [(h, h, None, 1.0) for h in TEXT_HEADS]
        self.routing: dict = {}
        for lg, spec in sorted(self.p.get("lang_heads", {}).items()):
            for lab, hs in sorted(spec.items()):
                self.columns.append((hs["name"], lab, lg, float(hs["other_lang_weight"])))
                self.routing.setdefault(lg, {})[lab] = hs["name"]
        self.t_start = time.time()
        from tqdm.auto import tqdm
        self.bar = tqdm(total=8, desc="colombe train", disable=not progress, unit="stage", dynamic_ncols=True)

    def _stage(self, name: str):
        self.bar.set_postfix_str(name)

    def _done(self):
        self.bar.update(1)

    # -- 1 ---------------------------------------------------------------------------------
    def load(self):
        self._stage("loading data")
        recs = load_records(self.data_dir, limit_per_dataset=self.limit, extra=self.extra,
                            extra_limit=self.extra_limit)
        self.recs = assign_groups_and_splits(recs, seed=self.seed, fractions=tuple(self.p["split_fractions"]))
        self.fr = np.array([r.lang == "fr" for r in self.recs], dtype=np.float64)
        self._done()

    # -- 2 ---------------------------------------------------------------------------------
    def featurize(self):
        self._stage("n-gram features")
        recs = self.recs
        self.X = sp.vstack([self.featurizer.transform([r.norm for r in recs[s: s + 5000]],
                                                      [r.text for r in recs[s: s + 5000]])
                            for s in range(0, len(recs), 5000)], format="csr")
        self.S = comment_signals([_item_of(r) for r in recs])
        self.Fr = frame_signals([r.text for r in recs])
        self.Lx = lexicon_signals([r.norm for r in recs])
        self.cache = EmbeddingCache()
        texts = [r.text for r in recs] + sorted({r.context for r in recs if r.context})
        todo = self.cache.missing(texts)
        self._stage(f"sentence vectors ({todo} to compute)")
        with self._sub_bar(todo, "sentence vectors") as bar:
            self.E = self.cache.embed([r.text for r in recs], progress=bar.update)
        self.E2 = None
        if self.cascade:
            c5 = EmbeddingCache(version=e5_version(), dim=E5_DIM)
            texts = [r.text for r in recs]
            todo = c5.missing(texts)
            self._stage(f"e5 vectors ({todo} to compute)")
            with self._sub_bar(todo, "e5 vectors (cached for the next run)") as bar:
                self.E5 = c5.embed(texts, encoder=get_e5(), chunk=500, progress=bar.update)
            self.E2 = np.hstack([self.E, self.E5]).astype(np.float32)
        self._done()

    def _sub_bar(self, total: int, desc: str):       # a long step's own bar (a cold embedding cache)
        from tqdm.auto import tqdm
        return tqdm(total=total, desc=desc, unit="text", disable=self.bar.disable or not total, leave=False)

    @property
    def cascade(self) -> bool:
        return float(self.p.get("cascade_share") or 0) > 0

    # -- 3 ---------------------------------------------------------------------------------
    def dataset_folds(self) -> dict[str, int]:
        """Whole datasets to folds: spam and toxicity sets dealt round-robin
        separately (those supervising the most sub-labels first, then the
        largest), the French copy of Jigsaw with Wikipedia.  With the sets
        that carry insult/threat labels in one fold, that fold's heads never
        saw a positive and the stacker learned a reversed sign (fast insult
        at chance in colombe-2026.11.30-1)."""
        k = int(self.p["oof_folds"])
        sizes: dict[str, int] = {}
        labelled: dict[str, set] = {}
        for r in self.recs:
            if r.info.trainable:
                sizes[r.dataset] = sizes.get(r.dataset, 0) + 1
                labelled.setdefault(r.dataset, set()).update(h for h, v in r.heads.items()
                                                             if v == 1 and h not in ("toxicity", "spam"))
        folds: dict[str, int] = {}
        for kind in ("spam", "toxicity", "site"):
            # the sets that supervise the most sub-labels first: dealt round-robin, they land
            # in different folds, so every fold's heads learn insult, threat, ... from someone
            names = sorted((d for d in sizes if self.catalogue[d].kind == kind and
                            d != "jigsaw_subset_fr_machine_translated"),
                           key=lambda d: (-len(labelled.get(d, ())), -sizes[d], d))
            for i, d in enumerate(names):
                folds[d] = (i + (1 if kind == "toxicity" else 0)) % k
        if "jigsaw_subset_fr_machine_translated" in sizes:
            folds["jigsaw_subset_fr_machine_translated"] = folds.get("wikipedia_toxicity_subsets", 0)
        return folds

    def _capped(self, rows: np.ndarray, cap: int) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        groups: dict = {}
        for i in rows:
            r = self.recs[i]
            groups.setdefault((r.dataset, r.lang, r.label), []).append(i)
        out = []
        for _, idx in sorted(groups.items()):
            out.extend(idx if len(idx) <= cap else rng.choice(idx, cap, replace=False).tolist())
        return np.array(sorted(out), dtype=np.int64)

    def out_of_fold(self):
        """Scores of every train/valid row by heads that never saw its dataset."""
        self._stage("out-of-fold heads")
        n = len(self.recs)
        self.folds = self.dataset_folds()
        fold_of = np.array([self.folds.get(r.dataset, -1) for r in self.recs])
        fitrows = np.array([r.split in ("train", "valid") and r.info.trainable for r in self.recs])
        self.Z_ng_oof = np.full((n, len(self.columns)), np.nan)
        self.Z_sem_oof = np.full((n, len(TEXT_HEADS)), np.nan)
        self.Z_sem2_oof = np.full((n, len(TEXT_HEADS)), np.nan)
        tasks, where, (k2, c2) = [], [], sem2_task(self.p)
        for k in range(int(self.p["oof_folds"])):
            held = np.where(fitrows & (fold_of == k))[0]
            if not len(held):
                continue
            rows = self._capped(np.where(fitrows & (fold_of != k))[0], int(self.p["oof_group_cap"]))
            for j, (col, head, lg, olw) in enumerate(self.columns):
                idx, y, w = head_rows(self.recs, head, rows, self.p, lang=lg, other_lang_weight=olw)
                if len(set(y.tolist())) < 2:
                    continue
                tasks.append(("sparse", self.X, idx, y, w, self.p["C"], self.seed, held))
                where.append(("ng", j, held))
                if col in TEXT_HEADS:
                    tasks.append(("dense", self.E, idx, y, w, self.p["semantic_C"], self.seed, held))
                    where.append(("sem", TEXT_HEADS.index(col), held))
                    if self.cascade and col in TOXIC:
                        tasks.append((k2, self.E2, idx, y, w, c2, self.seed, held))
                        where.append(("sem2", TEXT_HEADS.index(col), held))
        self._stage(f"out-of-fold: {len(tasks)} fits")
        dest = {"ng": self.Z_ng_oof, "sem": self.Z_sem_oof, "sem2": self.Z_sem2_oof}
        for (kind, j, held), (_, _, z) in zip(where, fit_many(tasks)):
            dest[kind][held, j] = z
        self._done()

    # -- 4 ---------------------------------------------------------------------------------
    def fit_heads(self):
        self._stage("heads")
        train_rows = np.array([i for i, r in enumerate(self.recs) if r.split == "train"])
        n_feat = self.X.shape[1]
        self.W = np.zeros((n_feat, len(self.columns)), dtype=np.float32)
        self.b = np.zeros(len(self.columns), dtype=np.float64)
        self.Ws = np.zeros((DIM, len(TEXT_HEADS)), dtype=np.float32)
        self.bs = np.zeros(len(TEXT_HEADS), dtype=np.float64)
        self.sem2, self.head_info = {}, {}       # the second stage's heads: {column: (coef, intercept)}
        tasks, where, (k2, c2) = [], [], sem2_task(self.p)
        for j, (col, head, lg, olw) in enumerate(self.columns):
            idx, y, w = head_rows(self.recs, head, train_rows, self.p, lang=lg, other_lang_weight=olw)
            if len(set(y.tolist())) < 2:
                raise TrainingDataError(f"head {col}: the training data has a single class")
            tasks.append(("sparse", self.X, idx, y, w, self.p["C"], self.seed, None))
            where.append(("ng", j))
            if col in TEXT_HEADS:
                tasks.append(("dense", self.E, idx, y, w, self.p["semantic_C"], self.seed, None))
                where.append(("sem", TEXT_HEADS.index(col)))
                if self.cascade and col in TOXIC:
                    tasks.append((k2, self.E2, idx, y, w, c2, self.seed, None))
                    where.append(("sem2", TEXT_HEADS.index(col)))
            self.head_info[col] = {"train_rows": int(len(idx)), "train_positives": int(y.sum()),
                                   "datasets": sorted({self.recs[i].dataset for i in idx[y == 1]})}
        self._stage(f"heads: {len(tasks)} fits")
        for (kind, j), (coef, b, _) in zip(where, fit_many(tasks)):
            if kind == "ng":
                self.W[:, j], self.b[j] = coef, b
            elif kind == "sem":
                self.Ws[:, j], self.bs[j] = coef, b
            else:
                self.sem2[j] = (coef, b)
        self.Z_ng = (self.X @ self.W).astype(np.float64) + self.b
        self.Z_sem = (self.E @ self.Ws).astype(np.float64) + self.bs
        self.Z_sem2 = np.zeros((len(self.recs), len(TEXT_HEADS))) if self.cascade else None
        for j, (coef, b) in self.sem2.items():
            self.Z_sem2[:, j] = head_logits(self.E2, coef, b)
        self._done()

    # -- 5 ---------------------------------------------------------------------------------
    def base_columns(self, Z_ng: np.ndarray, Z_sem: np.ndarray) -> dict[str, np.ndarray]:
        base = {f"ng:{col}": Z_ng[:, j] for j, (col, _, _, _) in enumerate(self.columns)}
        base.update({f"sem:{h}": Z_sem[:, j] for j, h in enumerate(TEXT_HEADS)})
        base.update({f"sig:{s}": self.S[:, j] for j, s in enumerate(SIGNAL_NAMES)})
        base.update({f"frame:{f}": self.Fr[:, j] for j, f in enumerate(FRAME_NAMES)})
        base.update({f"lex:{x}": self.Lx[:, j] for j, x in enumerate(LEX_NAMES)})
        base["fr"] = self.fr
        return base

    def fit_stacking(self):
        self._stage("stacking")
        oof_1 = self.base_columns(np.nan_to_num(self.Z_ng_oof), np.nan_to_num(self.Z_sem_oof))
        final_1 = self.base_columns(self.Z_ng, self.Z_sem)
        has_oof = ~np.isnan(self.Z_ng_oof[:, 0])
        valid_rows = np.array([i for i, r in enumerate(self.recs) if r.split == "valid"])
        self.stack = {}
        sp = {**self.p, "augment_weights": {**self.p["augment_weights"], **self.p.get("stack_augment_weights", {})}}
        plans = [(p, lab) for p in PROFILES for lab in TEXT_HEADS]
        if self.cascade:        # the second stage's stackers also read sem2:<label>, both encoders' heads
            oof2 = {**oof_1, **{f"sem2:{h}": np.nan_to_num(self.Z_sem2_oof[:, j]) for j, h in enumerate(TEXT_HEADS)}}
            final2 = {**final_1, **{f"sem2:{h}": self.Z_sem2[:, j] for j, h in enumerate(TEXT_HEADS)}}
            plans += [("deep", lab) for lab in TOXIC]
        for stage, label in plans:
            profile = "full" if stage == "deep" else stage
            oof, final = (oof2, final2) if stage == "deep" else (oof_1, final_1)
            extra = tuple(c for c, lab, _, _ in self.columns if lab == label and c != label)
            names = stack_inputs(label, profile, SIGNAL_NAMES, extra, FRAME_NAMES, LEX_NAMES, stage == "deep",
                                 tuple(self.p.get("stack_drop", {}).get(label, ())))
            idx, y, w = head_rows(self.recs, label, np.where(has_oof)[0], sp, text_only=False)
            ok = ~np.isnan(self.Z_ng_oof[idx]).any(axis=1)
            if profile == "full":
                ok &= ~np.isnan(self.Z_sem_oof[idx, TEXT_HEADS.index(label)])
            if stage == "deep":
                ok &= ~np.isnan(self.Z_sem2_oof[idx, TEXT_HEADS.index(label)])
            idx, y, w = idx[ok], y[ok], w[ok]
            if len(idx) == 0 or len(set(y.tolist())) < 2:    # tiny runs: the heads' own logits
                coef = np.array([1.0 if n in (f"ng:{label}", f"sem:{label}", f"sem2:{label}") else 0.0 for n in names])
                inter = 0.0
            else:
                coef, inter = fit_stacker(input_matrix(names, {k: v[idx] for k, v in oof.items()}, len(idx)),
                                          y, w, self.p["stack_C"], self.seed, names)
            vidx, vy, _ = head_rows(self.recs, label, valid_rows, self.p, text_only=False)
            z = input_matrix(names, {k: v[vidx] for k, v in final.items()}, len(vidx)) @ coef + inter
            kx, ky = fit_isotonic(z, vy)
            self.stack[(stage, label)] = {"inputs": names, "coef": coef, "intercept": inter, "kx": kx, "ky": ky,
                                            "rows": int(len(idx)), "calibration_rows": int(len(vidx))}
        # the second stage's bands (``cascade.py``), on the validation split
        self.bands, self.band_share = bands_for_run(self, final_1) if self.cascade else (None, 0.0)
        self._done()

    # -- 6 ---------------------------------------------------------------------------------
    def fit_offtopic(self):
        self._stage("off-topic pairs")
        self.offtopic = fit_offtopic(self)
        self._done()

    # -- 7 ---------------------------------------------------------------------------------
    def write(self) -> ArtifactWriter:
        self._stage("writing artifact")
        wr = write_artifact(self)
        self._done()
        return wr

    def evaluate(self, wr: ArtifactWriter, lodo: bool = False) -> None:
        self._stage("evaluating")
        from . import registry
        from .evaluate import evaluate_run
        metrics = evaluate_run(self, registry.load_model(wr.tmp, profile="full"), lodo=lodo)
        self.manifest["thresholds"] = metrics["profiles"]["full"]["thresholds"]
        self.manifest["thresholds_by_profile"] = {p: m["thresholds"] for p, m in metrics["profiles"].items()}
        for info, _ in self.extra:   # the figure a site owner cares about: its own held-out decisions
            for head in ("toxicity", "spam"):
                for key, blk in sorted((metrics.get("per_dataset", {}).get(head) or {}).items()):
                    if key.startswith(info.name + "/"):
                        metrics["summary"][f"{info.name}_{head}_auc_{key.split('/', 1)[1]}_test"] = blk["roc_auc"]
        self.manifest["evaluation_summary"] = metrics["summary"]
        if "leave_one_dataset_out" in metrics:
            self.manifest["leave_one_dataset_out"] = metrics["leave_one_dataset_out"]
        wr.json("metrics.json", metrics)
        self._done()

    def finish(self, wr: ArtifactWriter, set_current: bool, card_dir) -> pathlib.Path:
        from .card import render_card
        self.manifest["training_seconds"] = round(time.time() - self.t_start, 1)
        card = render_card(self.manifest, read_json(wr.tmp / "metrics.json"))
        wr.text("card.md", card)
        wr.manifest(self.manifest)
        out = publish(wr, card, card_dir=card_dir, set_current=set_current)
        self.bar.close()
        return out


def train(data_dir=None, out_dir=None, seed: int = 13, params: dict | None = None, progress: bool = True,
          set_current: bool = False, card_dir=None, limit_per_dataset: int | None = None,
          evaluate: bool = True, lodo: bool = False, log=print, extra_csv=None) -> pathlib.Path:
    """Train every stage and write an artifact folder; returns its path.

    ``extra_csv``: CSV files in the shared data's normalized format
    (``text,lang,label,source_id``), e.g. a site's exported moderator
    decisions.  The first becomes the trainable dataset ``site_decisions``,
    the next ones ``extra:<stem>``; their rows are split train/valid/test like
    the shared sets, so the card reports the model on the site's own held-out
    decisions."""
    run = TrainingRun(data_dir, out_dir, seed, params, progress, limit_per_dataset, extra_csv, log)
    run.load()
    run.featurize()
    run.out_of_fold()
    run.fit_heads()
    run.fit_stacking()
    run.fit_offtopic()
    wr = run.write()
    if evaluate:
        run.evaluate(wr, lodo=lodo)
    return run.finish(wr, set_current, card_dir)
