"""`colombe learn`: train a site's own model now, shadow-test it, promote it (or not).

JSON on stdout with `--json`; progress and human text on stderr.
"""
from __future__ import annotations

import json
import sys

import click


class _Progress:
    """A progress line on stderr from the first second: the stage, and a bar while
    computing features."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None
        self.stage = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        from tqdm.auto import tqdm

        if stage != self.stage:
            self.close()
            self.stage = stage
            if total:
                self.bar = tqdm(total=total, desc=f"colombe learn: {stage}", unit="comment", file=sys.stderr,
                                dynamic_ncols=True)
            else:
                click.echo(f"colombe learn: {stage}…", err=True)
        if self.bar is not None:
            self.bar.update(max(0, done - self.bar.n))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@click.command("learn")
@click.option("--site", "site_id", required=True, metavar="SITE_ID",
              help="The site whose model to train (its own decisions only).")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object on stdout: site_id, candidate_version, live_version, train_decisions, "
                   "eval_decisions, live_auc, candidate_auc (toxicity, held-out decisions), promoted, reason, and "
                   "the per-label evaluation.")
@click.option("--promote", "promote_mode", type=click.Choice(["auto", "never", "force"]), default="auto",
              show_default=True,
              help="auto: promote when the candidate beats the live model on the held-out newest decisions (and the "
                   "site promotes automatically); never: keep it as the candidate (shadow); force: make it live.")
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
def learn(site_id: str, as_json: bool, promote_mode: str, quiet: bool) -> None:
    """Train SITE_ID's own model from its moderators' decisions now (seconds), compare it with
    the live model on the newest decisions, and promote it per --promote. The global model is
    never modified. A site without enough decisions exits 0 with promoted: false and a reason."""
    from ..config import Settings
    from ..core.site_learning import UnknownSite, learn_site

    settings = Settings.from_env()
    progress = _Progress(not quiet)
    progress("loading the model", 0, 0)
    if settings.embedded:
        from ..db.migrate import upgrade

        upgrade(settings.database_url)
    try:
        result = learn_site(settings, site_id, promote_mode=promote_mode, actor="cli", progress=progress)
    except UnknownSite as exc:
        progress.close()
        raise click.BadParameter(str(exc), param_hint="--site") from None
    finally:
        progress.close()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        click.echo(_summary(result))
    click.echo(("promoted " + result["candidate_version"]) if result["promoted"] else
               f"not promoted: {result['reason']}", err=True)


def _summary(r: dict) -> str:
    def fmt(x):
        return "n/a" if x is None else f"{x:.3f}"

    lines = [f"site:              {r['site_id']}",
             f"live version:      {r['live_version']}",
             f"candidate:         {r['candidate_version'] or '(none trained)'}",
             f"decisions:         {r['train_decisions']} train, {r['eval_decisions']} held out (newest)",
             f"toxicity ROC AUC:  live {fmt(r['live_auc'])}, candidate {fmt(r['candidate_auc'])}",
             f"promoted:          {'yes' if r['promoted'] else 'no'}",
             f"reason:            {r['reason']}"]
    for label, fig in ((r.get("evaluation") or {}).get("labels") or {}).items():
        if label != "toxicity" and fig.get("head"):
            lines.append(f"{label + ' ROC AUC:':<19}live {fmt(fig['live_auc'])}, candidate {fmt(fig['candidate_auc'])}")
    if r.get("rescored") is not None:
        lines.append(f"rescored:          {r['rescored']} pending comment(s)")
    return "\n".join(lines)
