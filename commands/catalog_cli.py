"""`wgbot catalog import|export`: the support catalog as a YAML file, on the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from bot.clock import SystemClock
from bot.commands.registry import ChannelIds, CliCommand
from bot.db import Database
from bot.errors import SlackUnavailable, UsageError
from bot.services.common import ensure_workspace, the_only_workspace
from bot.support.catalog_file import (
    CatalogError,
    ImportSummary,
    apply_catalog,
    channel_names,
    export_catalog,
    parse_catalog,
    resolve_channels,
)


class _DryRun(Exception):
    """Raised to roll the import back after checking it."""

    def __init__(self, summary: ImportSummary) -> None:
        super().__init__("dry run")
        self.summary = summary


def add_arguments(p: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="action", required=True)
    imp = actions.add_parser("import", help="import a catalog file (all or nothing)")
    imp.add_argument("file", help="the YAML file (see examples/catalog.yaml)")
    imp.add_argument("--team", help="Slack team id (default: the only workspace)")
    imp.add_argument("--dry-run", action="store_true", help="check the file, change nothing")
    exp = actions.add_parser("export", help="write the catalog as YAML")
    exp.add_argument("--team", help="Slack team id (default: the only workspace)")
    exp.add_argument("-o", "--output", help="file to write (default: standard output)")
    exp.set_defaults(file=None)


def run(
    args: argparse.Namespace,
    db: Database,
    this_workspace: Callable[[], str | None],
    channel_ids: ChannelIds,
) -> int:
    """Import or export; the caller owns the (migrated) database.

    Channel names in the file are turned into ids by asking Slack first, outside the
    import's transaction: the catalog stores ids only (Slack takes a name to post, but
    a card is edited, and a channel's history read, by id).
    """
    try:
        with db.read() as s:
            team = the_only_workspace(s, requested=args.team, token_team=this_workspace)
        if args.action == "export":
            with db.read() as s:
                text = export_catalog(s, team_id=team)
            if args.output and args.output != "-":
                Path(args.output).write_text(text, encoding="utf-8")
                print(f"wgbot: catalog of {team} written to {args.output}", file=sys.stderr)
            else:
                sys.stdout.write(text)
            return 0
        path = Path(args.file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"wgbot: cannot read {path}: {exc}", file=sys.stderr)
            return 1
        doc = parse_catalog(text)
        names = channel_names(doc)
        if names:
            try:
                ids = channel_ids(team, names)
            except SlackUnavailable as exc:
                shown = ", ".join(f"#{n}" for n in names)
                print(
                    f"wgbot: {args.file}: nothing was imported: the channels {shown} are "
                    f"given by name, and Slack could not be asked for their ids: {exc}. "
                    "Write channel ids (C0123ABCD) instead, or try again.",
                    file=sys.stderr,
                )
                return 1
            resolve_channels(doc, ids)
        try:
            with db.write() as s:
                ensure_workspace(s, team_id=team, now=SystemClock().now())
                summary = apply_catalog(s, team_id=team, doc=doc)
                if args.dry_run:
                    raise _DryRun(summary)
        except _DryRun as dry:
            summary = dry.summary
        verb = "would import" if args.dry_run else "imported"
        print(f"wgbot: {verb} {path} into {team}: {summary.describe()}")
        return 0
    except CatalogError as exc:
        print(f"wgbot: {args.file}: nothing was imported; fix these problems:", file=sys.stderr)
        for line in exc.lines():
            print(f"  {args.file}:{line.removeprefix('line ')}", file=sys.stderr)
        return 1
    except UsageError as exc:
        print(f"wgbot: {exc.message}", file=sys.stderr)
        return 2


COMMAND = CliCommand(
    name="catalog",
    help="import or export the support catalog (YAML)",
    add_arguments=add_arguments,
    run=run,
)
