"""`colombe retrain`: train a new model on the shared data plus the moderators' decisions.

Output: JSON on stdout, human text on stderr. In-process by default (progress bar on stderr); `--enqueue` sends the
`colombe.train_model` task by name to the broker instead (queue `training`, consumed by
`colombe worker -Q training -c 1`). The new artifact goes to <data_dir>/models/<version>
and is never made current: point COLOMBE_MODEL_DIR at it to promote it.
"""
from __future__ import annotations

import json

import click


def _settings():
    from ..config import Settings

    return Settings.from_env()


@click.command("retrain")
@click.option("--site", "site_ids", multiple=True, metavar="SITE_ID",
              help="Only the decisions of this site; repeatable (default: every site).")
@click.option("--enqueue", is_flag=True,
              help="Send the task to the broker's `training` queue instead of training here.")
@click.option("--training-data", "--data", "training_data", type=click.Path(), default=None,
              help="Shared public data folder (default: COLOMBE_TRAINING_DATA, else <repo>/../shared/data; "
                   "in-process runs only: a worker uses its own).")
@click.option("--limit-per-dataset", type=click.IntRange(min=1), default=None, hidden=True,
              help="Read at most this many rows of each dataset (quick trial runs and tests).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def retrain(site_ids, enqueue: bool, training_data, limit_per_dataset, quiet: bool) -> None:
    """Train a new model on the shared data plus every moderator decision (approve = clean,
    reject toxic/spam = toxic/spam) into <data_dir>/models/<version>; never made current."""
    from ..core.training_data import TRAIN_TASK, TRAINING_QUEUE

    settings = _settings()
    sites = list(site_ids) or None
    if enqueue:
        if settings.embedded:
            raise click.UsageError("--enqueue needs COLOMBE_BROKER_URL (a broker and a `training` worker)")
        from ..core.enqueue import make_producer

        producer = make_producer(settings.broker_url)
        try:
            res = producer.send_task(TRAIN_TASK, kwargs={"site_ids": sites, "limit_per_dataset": limit_per_dataset},
                                     queue=TRAINING_QUEUE, serializer="json")
        finally:
            producer.close()
        click.echo(json.dumps({"enqueued": TRAIN_TASK, "queue": TRAINING_QUEUE, "task_id": res.id,
                               "site_ids": sites}))
        click.echo(f"sent {TRAIN_TASK} to the `{TRAINING_QUEUE}` queue; run `colombe worker -Q training -c 1` "
                   "to consume it", err=True)
        return
    if settings.embedded:
        from ..db.migrate import upgrade

        upgrade(settings.database_url)
    from models.commands import check_shared_data
    from models.data import TrainingDataError

    from ..core.training_data import train_job

    # before anything is exported or loaded: a missing folder is a one-line error, not a traceback
    data_path = check_shared_data(training_data or settings.training_data_dir, "--training-data")
    try:
        result = train_job(settings, site_ids=sites, limit_per_dataset=limit_per_dataset, progress=not quiet,
                           training_data_dir=data_path)
    except TrainingDataError as exc:
        raise click.ClickException(f"cannot train on the data in {data_path}: {exc}; point --training-data (or "
                                   "COLOMBE_TRAINING_DATA) at the complete shared data folder") from None
    click.echo(json.dumps(result, indent=1))
    if result["artifact"]:
        click.echo(f"trained on {result['decisions']} moderator decision(s): {result['artifact']}\n"
                   f"promote it with COLOMBE_MODEL_DIR={result['artifact']}", err=True)
    else:
        click.echo("no moderator decision to train on: nothing trained", err=True)
