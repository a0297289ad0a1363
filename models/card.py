"""Model card generated from the artifact's manifest and metrics."""
from __future__ import annotations

__all__ = ["render_card"]


def _f(v):
    return "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))


def render_card(manifest: dict, metrics: dict) -> str:
    v = manifest["version"]
    L = [f"# Model card: {v}", "",
         "Colombe comment moderation model (French + English): hashed word (1-2) and character (3-5) "
         "n-gram features of normalized text, one L2 logistic regression per head, isotonic calibration "
         "fitted on a validation split; off-topic from comment <-> post/parent similarity and promotion "
         "signals (binned logistic regression).", "",
         f"- Created: {manifest.get('created_utc')}",
         f"- Libraries: {', '.join(f'{k} {x}' for k, x in manifest.get('libraries', {}).items())}",
         f"- Labels: {', '.join(manifest.get('labels', []))}", "",
         "## Intended use", "",
         "Triage of blog comments for human moderators: scores are probabilities calibrated on a mix of "
         "public datasets whose class balance is artificial; each site should tune its thresholds. "
         "Not suitable for fully automatic removal without review. Bag-of-n-gram models do not read "
         "negation, quotation or counter-speech.", "",
         "## Training data", "",
         "Only permissively licensed datasets train the model; non-commercial ones are used for "
         "evaluation only. Texts are deduplicated on normalized text, near-copies are grouped, and whole "
         "groups are split 70/10/20 (train/calibration/test).", "",
         "| dataset | license | use | rows (lang/split) |", "|---|---|---|---|"]
    for s in manifest.get("data_sources", []):
        rows = ", ".join(f"{k}: {n}" for k, n in s.get("rows", {}).items())
        L.append(f"| `{s['name']}` | {s['license']} | {s['used_for']} | {rows} |")
    L += ["", "### Citations", ""]
    for s in manifest.get("data_sources", []):
        L.append(f"- `{s['name']}` ({s['url']}): {s['citation']}")
    L += ["", "## Heads and supervision", "",
          "| head | train rows | positives | datasets with positives |", "|---|---|---|---|"]
    for h, info in manifest.get("heads", {}).items():
        L.append(f"| {h} | {info['train_rows']} | {info['train_positives']} | {', '.join(info['datasets'])} |")
    L += ["", "`severe_toxicity`, `identity_attack` (outside Jigsaw/Civil Comments), `obscene` (Davidson) and "
          "`threat` are weakly supervised: their labels are derived from heterogeneous dataset labels "
          "(see `models/data.py`). `off_topic` has no labeled corpus: it is learned from comments paired with "
          "their own post/parent (on-topic) versus another post of the same or another dataset (off-topic), "
          "plus spam comments. Without post context, `off_topic` = 0.9 x `spam`.", "",
          "## Thresholds (from the test split)", "",
          "| label | precision >= 0.9 at | recall >= 0.9 at |", "|---|---|---|"]
    for lab, t in manifest.get("thresholds", {}).items():
        L.append(f"| {lab} | {_f(t.get('precision_90'))} | {_f(t.get('recall_90'))} |")
    L += ["", "## Evaluation", "",
          "Test split of the permissive sets; every row of the non-commercial sets (`independent`: never "
          "trained on). F1 is at the precision-90 threshold.", ""]
    for head in ("toxicity", "spam", "off_topic", "severe_toxicity", "insult", "threat", "identity_attack", "obscene"):
        pooled = (metrics.get("pooled") or {}).get(head, {})
        per = (metrics.get("per_dataset") or {}).get(head, {})
        if not pooled and not per:
            continue
        L += [f"### {head}", "", "| scope | n | positives | ROC AUC | PR AUC | F1 | ECE |", "|---|---|---|---|---|---|---|"]
        for k, m in list(pooled.items()) + [(f"{k}{' (independent)' if m.get('independent') else ''}", m)
                                             for k, m in per.items()]:
            L.append(f"| {k} | {m['n']} | {m['n_pos']} | {_f(m.get('roc_auc'))} | {_f(m.get('pr_auc'))} | "
                     f"{_f(m.get('f1'))} | {_f(m.get('ece'))} |")
        L.append("")
    lodo = manifest.get("leave_one_dataset_out") or metrics.get("leave_one_dataset_out")
    if lodo:
        L += ["### Leave-one-dataset-out (toxicity)", "", f"mean ROC AUC {_f(lodo.get('mean'))}, "
              f"worst {_f(lodo.get('worst'))} ({lodo.get('worst_dataset')})", "",
              "| held-out dataset | ROC AUC |", "|---|---|"]
        for k, x in lodo.get("per_dataset", {}).items():
            L.append(f"| {k} | {_f(x)} |")
        L.append("")
    L += ["## Limitations", "",
          "- French training data is tweets (MLMA, FTR) and one forum (ToxiFrench) plus machine-translated "
          "Wikipedia comments; no native French blog/news comment set exists here.",
          "- Labels differ by dataset (hate vs offensive vs racism-only); pooled figures mix them.",
          "- Known lexical bias: identity terms and slurs drive scores regardless of intent or quotation.",
          "- Spam training data is YouTube self-promotion and Instagram finance scams; blog SEO spam differs.",
          ""]
    return "\n".join(L)
