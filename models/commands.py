"""Click commands registered on the ``colombe`` CLI group: train, evaluate, score."""
from __future__ import annotations

import csv
import json
import pathlib
import sys

import click

__all__ = ["train_command", "evaluate_command", "score_command", "COMMANDS", "check_shared_data"]

OUTPUT_LABELS = ("toxicity", "severe_toxicity", "insult", "threat", "identity_attack", "obscene", "spam", "off_topic")


def check_shared_data(data_dir, flag: str) -> pathlib.Path:
    """The shared data folder to train from (`data_dir`, else the default), or a one-line
    error naming the folder looked in and how to choose another (`flag`)."""
    from .data import default_data_dir, shared_data_problem

    path = pathlib.Path(data_dir) if data_dir else default_data_dir()
    problem = shared_data_problem(path)
    if problem:
        raise click.ClickException(f"no training data: {problem}; point {flag} (or COLOMBE_TRAINING_DATA) "
                                   "at the shared data folder")
    return path


def _every_core() -> None:
    """This command's process scores (or embeds) alone: e5 gets every core."""
    from .encoder import set_e5_threads, whole_machine_threads
    try:
        set_e5_threads(whole_machine_threads())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def _training_data_failure(exc: Exception, path: pathlib.Path, flag: str) -> click.ClickException:
    return click.ClickException(f"cannot train on the data in {path}: {exc}; point {flag} (or "
                                "COLOMBE_TRAINING_DATA) at the complete shared data folder")


@click.command("train")
@click.option("--data", "data_dir", type=click.Path(file_okay=False), default=None,
              help="Shared data folder (default: <repo>/../shared/data).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Artifact folder to create (default: models/artifacts/colombe-<date>-<n>).")
@click.option("--seed", type=int, default=13, show_default=True, help="Seed of the split and of every fit.")
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
@click.option("--limit-per-dataset", type=click.IntRange(min=1), default=None,
              help="Read at most this many rows of each dataset, --extra CSVs included (quick trial runs). "
                   "Default: the first 4000 rows of each shared dataset and every row of --extra, the recipe of "
                   "the bundled model (on datasets held out it beat training on every row).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train_command(data_dir, out_dir, seed, set_current, prune_old, lodo, card_dir, extra_csv, limit_per_dataset,
                  quiet):
    """Train every stage (n-gram heads, semantic heads, stacking, off-topic) from the shared
    data and write a versioned artifact.  Sentence vectors are cached under
    ~/.cache/colombe/embeddings (COLOMBE_EMBEDDING_CACHE), so a second run is much faster."""
    from .data import TrainingDataError
    from .train import train
    data_path = check_shared_data(data_dir, "--data")
    _every_core()       # embedding the training texts (a cold cache) is most of a first run
    try:
        out = train(data_dir=data_path, out_dir=out_dir, seed=seed, progress=not quiet, set_current=set_current,
                    limit_per_dataset=limit_per_dataset, lodo=lodo, card_dir=card_dir,
                    extra_csv=list(extra_csv) or None)
    except TrainingDataError as exc:
        raise _training_data_failure(exc, data_path, "--data") from None
    man = json.loads((pathlib.Path(out) / "manifest.json").read_text(encoding="utf-8"))
    if prune_old:
        import shutil

        from .names import ARTIFACTS_DIR
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
@click.option("--data", "data", multiple=True, required=True, type=click.Path(),
              help="Labeled CSV (text,label[,lang,dataset,post_title,post_text,parent_text]); repeatable, e.g. "
                   "../shared/data/toxifrench/toxifrench.csv.")
@click.option("--json-out", type=click.Path(dir_okay=False), default=None, help="Also write the results here.")
@click.option("--batch-size", type=int, default=1000, show_default=True, help="Comments scored per model call.")
@click.option("--profile", type=click.Choice(["full", "fast"]), default=None,
              help="Model profile: full (n-grams + multilingual sentence encoder) or fast (n-grams only). "
                   "Default: COLOMBE_MODEL_PROFILE, else full.")
def evaluate_command(model_dir, data, json_out, batch_size, profile):
    """Per-language, per-dataset ROC AUC, PR AUC, F1 and ECE of a model on labeled CSVs."""
    from .evaluate import evaluate_csv, format_table
    from .registry import load_model, resolve_profile
    for path in data:
        problem = labeled_csv_problem(pathlib.Path(path))
        if problem:
            raise click.ClickException(f"{problem}; pass labeled CSVs (text,label columns) with --data")
    click.echo(f"loading the model ({model_dir or 'bundled'}, profile {resolve_profile(profile)})…", err=True)
    _every_core()
    model = load_model(model_dir, profile=profile)
    res = evaluate_csv(model, [pathlib.Path(d) for d in data], batch_size=batch_size)
    text = json.dumps(res, indent=1, sort_keys=True)
    if json_out:
        pathlib.Path(json_out).write_text(text, encoding="utf-8")
    click.echo(text)
    click.echo(format_table(res))


EVALUATED_LABELS = ("toxic", "clean", "spam", "0", "1")


def labeled_csv_problem(path: pathlib.Path) -> str | None:
    """Why `path` is no CSV that `colombe evaluate` can use, or None."""
    if not path.is_file():
        return f"{path} does not exist" if not path.exists() else f"{path} is not a file"
    csv.field_size_limit(2**31 - 1)
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = {"text", "label"} - set(reader.fieldnames or ())
            if missing:
                return f"{path} has no {' or '.join(sorted(missing))} column"
            if not any((row.get("label") or "").strip().lower() in EVALUATED_LABELS for row in reader):
                return f"{path} has no row labeled {'|'.join(EVALUATED_LABELS)}"
    except (UnicodeDecodeError, csv.Error) as exc:
        return f"{path} is not a UTF-8 CSV ({exc})"
    return None


@click.command("score")
@click.argument("text", required=False)
@click.option("--input", "input_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="CSV with a text column (optional: lang, post_title, post_text, parent_text, author_url, "
                   "site_url, post_url).")
@click.option("--output", "output_path", type=click.Path(dir_okay=False), default=None,
              help="Where to write the input CSV with one column per label and lang_detected.")
@click.option("--post-title", default=None, help="Title of the post the comment answers.")
@click.option("--post-text", default=None, help="Text of the post the comment answers.")
@click.option("--parent-text", default=None, help="Text of the comment this one replies to.")
@click.option("--author-url", default=None, help="The author's website, as the blog received it.")
@click.option("--site-url", default=None, help="The blog's own address (links to it are not foreign).")
@click.option("--lang", default=None, help="fr or en (default: detected).")
@click.option("--explain", is_flag=True, help="Add the spans that drove each score.")
@click.option("--model", "model_dir", type=click.Path(exists=True, file_okay=False), default=None,
              help="Artifact folder (default: the bundled model).")
@click.option("--batch-size", type=int, default=1000, show_default=True, help="Comments scored per model call.")
@click.option("--profile", type=click.Choice(["full", "fast"]), default=None,
              help="Model profile: full (n-grams + multilingual sentence encoder) or fast (n-grams only). "
                   "Default: COLOMBE_MODEL_PROFILE, else full.")
@click.option("--quiet", is_flag=True, help="With --input: no progress on stderr.")
def score_command(text, input_path, output_path, post_title, post_text, parent_text, author_url, site_url, lang,
                  explain, model_dir, batch_size, profile, quiet):
    """Score one TEXT (JSON on stdout) or a CSV file (--input/--output; progress on stderr)."""
    from .registry import load_model, resolve_profile
    if (text is None) == (input_path is None):
        raise click.UsageError("give either TEXT or --input CSV (with --output)")
    if input_path and not output_path:
        raise click.UsageError("--input needs --output")
    progress = input_path is not None and not quiet
    if progress:  # loading takes seconds (the sentence encoder): say so at once
        click.echo(f"loading the model ({model_dir or 'bundled'}, profile {resolve_profile(profile)})…", err=True)
    _every_core()
    model = load_model(model_dir, profile=profile)
    if text is not None:
        item = {"text": text, "post_title": post_title, "post_text": post_text, "parent_text": parent_text,
                "author_url": author_url, "site_url": site_url, "lang": lang}
        r = model.score_batch([item])[0]
        out = {"model_version": model.version, "lang": r["lang"], "lang_detected": r["lang_detected"],
               "scores": r["scores"]}
        if explain:
            out["spans"] = [{k: s[k] for k in ("begin", "end", "label", "score")} for s in model.explain(item)]
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    n = score_csv(model, pathlib.Path(input_path), pathlib.Path(output_path), batch_size=batch_size,
                  progress=progress)
    click.echo(f"scored {n} rows -> {output_path}", err=True)


def score_csv(model, input_path: pathlib.Path, output_path: pathlib.Path, batch_size: int = 1000,
              progress: bool = True) -> int:
    """Stream a CSV through the model; keeps every input column, appends the scores."""
    from tqdm.auto import tqdm
    csv.field_size_limit(2**31 - 1)
    if progress:
        click.echo(f"counting the rows of {input_path}…", err=True)
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
                      **{k: r.get(k) for k in ("post_title", "post_text", "parent_text", "author_url", "site_url",
                                               "post_url")}} for r in buf]
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
