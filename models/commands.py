"""Click commands registered on the ``colombe`` CLI group: train, evaluate, score."""
from __future__ import annotations

import csv
import json
import pathlib
import sys

import click

__all__ = ["train_command", "evaluate_command", "score_command", "COMMANDS"]

OUTPUT_LABELS = ("toxicity", "severe_toxicity", "insult", "threat", "identity_attack", "obscene", "spam", "off_topic")


@click.command("train")
@click.option("--data", "data_dir", type=click.Path(file_okay=False), default=None,
              help="Shared data folder (default: <repo>/../shared/data).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Artifact folder to create (default: models/artifacts/colombe-<date>-<n>).")
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--set-current/--no-set-current", default=False,
              help="Point models/artifacts/CURRENT (next to --out) at the new artifact.")
@click.option("--prune-old", is_flag=True,
              help="After success, delete the other artifact folders next to --out and their cards "
                   "(keeps the bundled model the only one in the repository).")
@click.option("--lodo/--no-lodo", default=False, help="Also run leave-one-dataset-out evaluation (slower).")
@click.option("--card-dir", type=click.Path(file_okay=False), default=None,
              help="Also write <version>.md here (default: models/cards for artifacts under models/artifacts).")
@click.option("--extra", "extra_csv", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Also train on this CSV (text,lang,label,source_id; label toxic|spam|clean), e.g. a site's "
                   "moderator decisions from `colombe retrain`; repeatable. The first is the dataset "
                   "site_decisions, the next ones extra:<stem>; each is split train/valid/test.")
@click.option("--limit-per-dataset", type=int, default=None, hidden=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train_command(data_dir, out_dir, seed, set_current, prune_old, lodo, card_dir, extra_csv, limit_per_dataset,
                  quiet):
    """Train every head from the shared data and write a versioned artifact."""
    from .train import train
    out = train(data_dir=data_dir, out_dir=out_dir, seed=seed, progress=not quiet, set_current=set_current,
                limit_per_dataset=limit_per_dataset, lodo=lodo, card_dir=card_dir,
                extra_csv=list(extra_csv) or None)
    man = json.loads((pathlib.Path(out) / "manifest.json").read_text(encoding="utf-8"))
    if prune_old:
        import shutil
        from .registry import ARTIFACTS_DIR
        out_p = pathlib.Path(out).resolve()
        for other in out_p.parent.iterdir():
            if other.is_dir() and other != out_p and (other / "manifest.json").exists():
                shutil.rmtree(other)
                if out_p.parent == ARTIFACTS_DIR.resolve():
                    card = ARTIFACTS_DIR.parent / "cards" / f"{other.name}.md"
                    if card.exists():
                        card.unlink()
    click.echo(json.dumps({"artifact": str(out), "version": man["version"],
                           "summary": man.get("evaluation_summary", {})}, indent=1))


@click.command("evaluate")
@click.option("--model", "model_dir", type=click.Path(exists=True, file_okay=False), default=None,
              help="Artifact folder (default: the bundled model).")
@click.option("--data", "data", multiple=True, required=True, type=click.Path(exists=True, dir_okay=False),
              help="Labeled CSV (text,label[,lang,dataset,post_title,post_text,parent_text]); repeatable.")
@click.option("--json-out", type=click.Path(dir_okay=False), default=None)
@click.option("--batch-size", type=int, default=1000, show_default=True)
def evaluate_command(model_dir, data, json_out, batch_size):
    """Per-language, per-dataset ROC AUC, PR AUC, F1 and ECE of a model on labeled CSVs."""
    from .evaluate import evaluate_csv, format_table
    from .registry import load_model
    model = load_model(model_dir)
    res = evaluate_csv(model, [pathlib.Path(d) for d in data], batch_size=batch_size)
    text = json.dumps(res, indent=1, sort_keys=True)
    if json_out:
        pathlib.Path(json_out).write_text(text, encoding="utf-8")
    click.echo(text)
    click.echo(format_table(res))


@click.command("score")
@click.argument("text", required=False)
@click.option("--input", "input_path", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--output", "output_path", type=click.Path(dir_okay=False), default=None)
@click.option("--post-title", default=None)
@click.option("--post-text", default=None)
@click.option("--parent-text", default=None)
@click.option("--lang", default=None)
@click.option("--explain", is_flag=True, help="Add the spans that drove each score.")
@click.option("--model", "model_dir", type=click.Path(exists=True, file_okay=False), default=None)
@click.option("--batch-size", type=int, default=1000, show_default=True)
def score_command(text, input_path, output_path, post_title, post_text, parent_text, lang, explain, model_dir,
                  batch_size):
    """Score one TEXT (JSON on stdout) or a CSV file (--input/--output)."""
    from .registry import load_model
    if (text is None) == (input_path is None):
        raise click.UsageError("give either TEXT or --input CSV (with --output)")
    model = load_model(model_dir)
    if text is not None:
        item = {"text": text, "post_title": post_title, "post_text": post_text, "parent_text": parent_text,
                "lang": lang}
        r = model.score_batch([item])[0]
        out = {"model_version": model.version, "lang": r["lang"], "lang_detected": r["lang_detected"],
               "scores": r["scores"]}
        if explain:
            out["spans"] = [{k: s[k] for k in ("begin", "end", "label", "score")} for s in model.explain(item)]
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    if not output_path:
        raise click.UsageError("--input needs --output")
    n = score_csv(model, pathlib.Path(input_path), pathlib.Path(output_path), batch_size=batch_size)
    click.echo(f"scored {n} rows -> {output_path}", err=True)


def score_csv(model, input_path: pathlib.Path, output_path: pathlib.Path, batch_size: int = 1000,
              progress: bool = True) -> int:
    """Stream a CSV through the model; keeps every input column, appends the scores."""
    from tqdm.auto import tqdm
    csv.field_size_limit(2**31 - 1)
    with open(input_path, encoding="utf-8-sig", newline="") as fin:
        total = max(0, sum(1 for _ in csv.reader(fin)) - 1)   # rows, not lines (texts may hold newlines)
    n = 0
    with open(input_path, encoding="utf-8-sig", newline="") as fin, \
            open(output_path, "w", encoding="utf-8", newline="") as fout:
        reader = csv.DictReader(fin)
        if not reader.fieldnames or "text" not in reader.fieldnames:
            raise click.UsageError(f"{input_path}: no 'text' column")
        extra = [c for c in (*OUTPUT_LABELS, "lang_detected") if c not in reader.fieldnames]
        writer = csv.DictWriter(fout, fieldnames=list(reader.fieldnames) + extra)
        writer.writeheader()
        bar = tqdm(total=total, desc="scoring", unit="row", file=sys.stderr, disable=not progress,
                   dynamic_ncols=True)
        buf: list[dict] = []

        def flush():
            nonlocal n
            items = [{"text": r.get("text") or "", "lang": r.get("lang") or None,
                      "post_title": r.get("post_title"), "post_text": r.get("post_text"),
                      "parent_text": r.get("parent_text")} for r in buf]
            res = model.score_batch(items)
            for r, s in zip(buf, res):
                row = dict(r)
                for lab in OUTPUT_LABELS:
                    row[lab] = f"{s['scores'][lab]:.6f}"
                row["lang_detected"] = s["lang_detected"]
                writer.writerow(row)
            n += len(buf)
            bar.update(len(buf))
            buf.clear()

        for row in reader:
            buf.append(row)
            if len(buf) >= batch_size:
                flush()
        if buf:
            flush()
        bar.close()
    return n


COMMANDS = (train_command, evaluate_command, score_command)


@click.group()
def _standalone():
    """Model commands only (python -m models.commands)."""


for _c in COMMANDS:
    _standalone.add_command(_c)

if __name__ == "__main__":
    _standalone()
