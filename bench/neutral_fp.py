"""How often does the model hold text that is not toxic, and insults that are?

The two sides of one trade-off, at the thresholds the default site policy uses.

False positives:

Scores the paragraphs of the seed blog post (../shared/seed: a French
war-commentary article; read from there, never copied) and counts how many
reach the bundled model's toxicity thresholds, the ones the default site
policy uses.  The article is the author's own reporting and analysis, so
every paragraph held is a moderator's wasted click.  It is one post, not a
labeled corpus: read the figure as a smoke test of the French false-positive
rate on a real blog, not as a benchmark.

Recall: blog-style sentences aimed at an author or a politician, each built from
a template and an insult or slur (French and English, written for this check and
never used for training).

    python bench/neutral_fp.py [--model DIR] [--seed-file PATH]
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_SEED = ROOT.parent / "shared" / "seed" / "blog_post_with_comments.txt"


def article_paragraphs(path: pathlib.Path) -> list[str]:
    """The article part of the seed file (before the line holding only '|')."""
    text = path.read_text(encoding="utf-8")
    article = text.split("\n|\n", 1)[0]
    return [p.strip() for p in article.splitlines() if len(p.strip()) > 40]


FR_INSULTS = ("connard connasse salope pute enculé abruti crétin imbécile idiot débile taré con conne bouffon "
              "ordure raclure minable pourriture salaud bâtard enfoiré guignol clown charlatan menteur escroc "
              "incapable nul attardé mongol gogol trouduc pédé tapette gouine négro bougnoule youpin").split()
FR_TEMPLATES = ("Quel {w} ce ministre.", "Tu es un vrai {w}.", "L'auteur est un {w}.")
EN_INSULTS = "idiot moron stupid loser asshole bastard jerk scum clown liar fraud bitch dickhead retard faggot".split()
EN_TEMPLATES = ("What a {w} this minister is.", "You are a real {w}.", "The author is a {w}.")


def insult_sentences() -> dict[str, list[str]]:
    return {"fr": [t.format(w=w) for w in FR_INSULTS for t in FR_TEMPLATES],
            "en": [t.format(w=w) for w in EN_INSULTS for t in EN_TEMPLATES]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="artifact folder (default: the bundled model)")
    ap.add_argument("--seed-file", type=pathlib.Path, default=DEFAULT_SEED)
    args = ap.parse_args()
    from models.registry import default_model, load_model

    model = load_model(args.model) if args.model else default_model()
    if not args.seed_file.exists():
        print(f"no seed file at {args.seed_file}", file=sys.stderr)
        return 2
    paras = article_paragraphs(args.seed_file)
    scores = [r["scores"]["toxicity"] for r in model.score_batch([{"text": p} for p in paras])]
    thr = model.thresholds["toxicity"]
    insults = {}
    for lang, sentences in insult_sentences().items():
        got = [r["scores"]["toxicity"] for r in model.score_batch([{"text": t} for t in sentences])]
        insults[lang] = {"sentences": len(got),
                         "held_at_recall_90": round(sum(v >= thr["recall_90"] for v in got) / len(got), 3)}
    out = {
        "model": model.version,
        "paragraphs": len(paras),
        "mean_toxicity": round(sum(scores) / len(scores), 3),
        "held_at_recall_90": round(sum(s >= thr["recall_90"] for s in scores) / len(scores), 3),
        "flagged_at_precision_90": round(sum(s >= thr["precision_90"] for s in scores) / len(scores), 3),
        "insults": insults,
        "thresholds": thr,
    }
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
