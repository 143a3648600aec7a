"""/issue: file support issues (modal, one line, message shortcut) and track them."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from bot.commands import home_issues
from bot.commands.base import (
    ActionInfo,
    Ctx,
    MessageEvent,
    Reply,
    Router,
    ShortcutMessage,
    ViewResult,
    split_args,
)
from bot.commands.registry import Registry
from bot.errors import NotFound, UsageError
from bot.grammar import parse_number, parse_user
from bot.render import blocks as bk
from bot.render import render
from bot.slackfmt import escape
from bot.support import cards, catalog, contacts, desk, issues, replies, waiting
from bot.support.misses import LookupMiss
from bot.support.models import SupportIssue
from bot.support.vocab import (
    DEFAULT_SEVERITY,
    DESCRIPTION_MAX,
    SEVERITIES,
    SEVERITY_NAMES,
    TITLE_MAX,
    is_severity,
    parse_severity,
)

router = Router(
    "issue",
    "file a support issue that reaches the right provider, and track it",
    examples=(
        "/issue",
        "/issue file S2 lustre: MDS crashes on failover",
        "/issue list mine",
        "/issue ack 12",
        "/issue close 12 fixed in 2.15.4",
    ),
)

FILE_USAGE = "/issue file [S1|S2|S3|S4] <product>: <title>"
LIST_USAGE = "/issue list [open|mine|all|closed] [product] [provider] [page N | before #N]"
SHOW_USAGE = "/issue show <number>"
ACK_USAGE = "/issue ack <number>"
ASSIGN_USAGE = "/issue assign <number> @user"
COMMENT_USAGE = "/issue comment <number> <text>"
CLOSE_USAGE = "/issue close <number> [resolution]"
REOPEN_USAGE = "/issue reopen <number>"
WAIT_USAGE = "/issue wait <number> [reason]"
REPLY_USAGE = "/issue reply <number> <text>"

FILE_CALLBACK = "issue_file"
ASSIGN_CALLBACK = "issue_assign"
SHORTCUT_CALLBACK = "file_issue"
MAX_PICKER_OPTIONS = 100


# -- pure parsers --------------------------------------------------------------------


@dataclass(frozen=True)
class FileArgs:
    severity: str
    product: str
    title: str


def parse_file(text: str) -> FileArgs:
    """`[S1..S4] <product>: <title>` (the severity may also come right after the colon)."""
    raw = " ".join(text.split())
    if not raw:
        raise UsageError("Say which product and what is wrong.", usage=FILE_USAGE)
    severity = DEFAULT_SEVERITY
    first, _, rest = raw.partition(" ")
    if is_severity(first.rstrip(":")) and rest:
        severity, raw = parse_severity(first.rstrip(":")), rest
    elif first.upper().startswith("S") and first[1:].rstrip(":").isdigit():
        raise UsageError(
            f"`{escape(first[:10])}` is not a severity; use S1 to S4.", usage=FILE_USAGE
        )
    product, colon, title = raw.partition(":")
    if not colon:
        raise UsageError(
            "Separate the product from the title with a colon, e.g. `lustre: MDS crashes`.",
            usage=FILE_USAGE,
        )
    product, title = product.strip(), title.strip()
    head, _, tail = title.partition(" ")
    if is_severity(head) and tail and severity == DEFAULT_SEVERITY:
        severity, title = parse_severity(head), tail.strip()
    if not product:
        raise UsageError("Name the product before the colon.", usage=FILE_USAGE)
    if not title:
        raise UsageError("The issue needs a title after the colon.", usage=FILE_USAGE)
    if len(title) > TITLE_MAX:
        raise UsageError(
            f"The title is {len(title)} characters long; keep it under {TITLE_MAX} "
            "(use the `/issue` form for a longer description).",
            usage=FILE_USAGE,
        )
    return FileArgs(severity, product, title)


@dataclass(frozen=True)
class ListArgs:
    scope: str
    filter_words: list[str]
    page: int = 1
    before: int | None = None


def parse_list(text: str) -> ListArgs:
    """`[open|mine|all|closed] [product] [provider] [page N] [before #N]`."""
    words = split_args(text, LIST_USAGE)
    scope = "open"
    if words and words[0].lower() in ("open", "mine", "all", "closed"):
        scope = words.pop(0).lower()
    page, before = 1, None
    rest: list[str] = []
    i = 0
    while i < len(words):
        word = words[i].lower()
        if word in ("page", "before"):
            if i + 1 >= len(words):
                what = (
                    "Which page? Say e.g. `page 2`."
                    if word == "page"
                    else "Before which issue? Say e.g. `before #120`."
                )
                raise UsageError(what, usage=LIST_USAGE)
            token = words[i + 1]
            if word == "page":
                page = parse_number(token, "page", LIST_USAGE)
                if page < 1:
                    raise UsageError("Pages start at 1: say `page 1` or more.", usage=LIST_USAGE)
            else:
                before = parse_number(token, "valid issue", LIST_USAGE)
                if before < 2:
                    raise UsageError(
                        "No issue comes before #1: say `before #N` with N of 2 or more.",
                        usage=LIST_USAGE,
                    )
            i += 2
            continue
        rest.append(words[i])
        i += 1
    return ListArgs(scope, rest, page, before)


def parse_number_arg(text: str, usage: str) -> tuple[int, str]:
    """`<number> [rest]`: the issue number and whatever follows."""
    raw = text.strip()
    if not raw:
        raise UsageError("Which issue? Give its number.", usage=usage)
    first, _, rest = raw.partition(" ")
    return parse_number(first, "valid issue", usage), rest.strip()


# -- filing --------------------------------------------------------------------------


def _filed(ctx: Ctx, issue: SupportIssue) -> Reply:
    return Reply.markup(
        render("support/filed.slack.j2", **cards.card_context(ctx.session, issue=issue))
    )


@router.sub("help", "/issue help", "This help.", writes=False)
def help_(ctx: Ctx, args: str) -> Reply:
    reply = router.help()
    rule = f"*Who may do what:* {desk.RULE}"
    reply.blocks = [*(reply.blocks or []), bk.section(rule)]
    reply.text = f"{reply.text}\n{rule}"
    return reply


@router.sub(
    "new", "/issue", "Open the form to file an issue (product picker, severity…).", empty=True
)
def new(ctx: Ctx, args: str) -> Reply:
    return Reply(
        text="Opening the issue form… (in the console, use `/issue file [S1-S4] <product>: <title>`)",
        view=issue_modal(ctx, channel=ctx.channel_id),
    )


@router.sub("file", FILE_USAGE, "File an issue in one line (severity defaults to S3).")
def file_(ctx: Ctx, args: str) -> Reply:
    fa = parse_file(args)
    try:
        issue = issues.file_by_name(
            ctx.session,
            team_id=ctx.team_id,
            reporter=ctx.user_id,
            product=fa.product,
            title=fa.title,
            severity=fa.severity,
            filed_in=ctx.channel_id,
            now=ctx.now,
        )
    except LookupMiss as miss:
        # Nothing is filed; each product it could mean comes with the command to file it.
        raise NotFound(miss.text(lambda c: refile(fa, c.name))) from None
    return _filed(ctx, issue)


def refile(fa: FileArgs, product: str) -> str:
    """`/issue file` again, the same severity and title, about `product`."""
    return f"/issue file {fa.severity} {product}: {fa.title}"


def issue_modal(
    ctx: Ctx,
    *,
    channel: str,
    title: str = "",
    description: str = "",
    source: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The filing form; its private metadata carries where it was opened from."""
    products = catalog.products(ctx.session, team_id=ctx.team_id)
    product_element: dict[str, Any]
    if 0 < len(products) <= MAX_PICKER_OPTIONS:
        product_element = {
            "type": "static_select",
            "action_id": "value",
            "placeholder": {"type": "plain_text", "text": "Pick a product"},
            "options": [
                {
                    "text": {"type": "plain_text", "text": p.name[:75]},
                    "value": str(p.id),
                }
                for p in products
            ],
        }
    else:
        product_element = {
            "type": "plain_text_input",
            "action_id": "value",
            "placeholder": {"type": "plain_text", "text": "e.g. lustre 2.15"},
            "max_length": 100,
        }
    severity_options = [
        {"text": {"type": "plain_text", "text": f"{s} — {SEVERITY_NAMES[s]}"}, "value": s}
        for s in SEVERITIES
    ]
    title_element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "max_length": TITLE_MAX,
    }
    if title:
        title_element["initial_value"] = title[:TITLE_MAX]
    description_element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": True,
        "max_length": DESCRIPTION_MAX,
    }
    if description:
        description_element["initial_value"] = description[:DESCRIPTION_MAX]
    metadata = {"channel": channel, **(source or {})}
    return {
        "type": "modal",
        "callback_id": FILE_CALLBACK,
        "private_metadata": json.dumps(metadata)[:3000],
        "title": {"type": "plain_text", "text": "File a support issue"},
        "submit": {"type": "plain_text", "text": "File"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "title",
                "label": {"type": "plain_text", "text": "Title"},
                "element": title_element,
            },
            {
                "type": "input",
                "block_id": "product",
                "label": {"type": "plain_text", "text": "Product"},
                "element": product_element,
            },
            {
                "type": "input",
                "block_id": "severity",
                "label": {"type": "plain_text", "text": "Severity"},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": severity_options,
                    "initial_option": severity_options[SEVERITIES.index(DEFAULT_SEVERITY)],
                },
            },
            {
                "type": "input",
                "block_id": "description",
                "optional": True,
                "label": {"type": "plain_text", "text": "Description"},
                "element": description_element,
            },
            {
                "type": "input",
                "block_id": "version",
                "optional": True,
                "label": {"type": "plain_text", "text": "Version you run"},
                "element": {"type": "plain_text_input", "action_id": "value", "max_length": 40},
            },
        ],
    }


def submit_issue(ctx: Ctx, values: dict[str, Any], metadata: str) -> ViewResult:
    try:
        meta = json.loads(metadata) if metadata else {}
    except ValueError:
        meta = {}
    if not isinstance(meta, dict):
        meta = {}
    channel = str(meta.get("channel") or "")
    form = issues.IssueForm(
        title=str(values.get("title") or ""),
        product=str(values.get("product") or ""),
        severity=str(values.get("severity") or DEFAULT_SEVERITY),
        description=str(values.get("description") or ""),
        version=str(values.get("version") or "") or None,
        filed_in=channel or None,
        source_channel=str(meta.get("source_channel") or "") or None,
        source_ts=str(meta.get("source_ts") or "") or None,
        source_link=str(meta.get("link") or "") or None,
    )
    try:
        issue = issues.file_from_form(
            ctx.session, team_id=ctx.team_id, reporter=ctx.user_id, form=form, now=ctx.now
        )
    except issues.FormErrors as exc:
        return ViewResult(errors=exc.errors)
    reply = _filed(ctx, issue)
    return ViewResult(notice=reply, notice_channel=channel or None)


def file_from_message(ctx: Ctx, message: ShortcutMessage) -> Reply:
    """ "File as support issue" on any message: the form, prefilled, linking back."""
    text = message.text.strip()
    first_line = issues.clean_title(text.splitlines()[0] if text else "")
    if len(first_line) > TITLE_MAX:
        first_line = first_line[: TITLE_MAX - 1] + "…"
    source = {
        "source_channel": message.channel_id,
        "source_ts": message.ts,
        "link": message.permalink or "",
        "author": message.user_id,
    }
    return Reply(
        text="Opening the issue form…",
        view=issue_modal(
            ctx, channel=message.channel_id, title=first_line, description=text, source=source
        ),
    )


# -- tracking ------------------------------------------------------------------------


def _issue(ctx: Ctx, number: int) -> SupportIssue:
    return issues.get_issue(ctx.session, team_id=ctx.team_id, number=number)


@router.sub(
    "list",
    LIST_USAGE,
    "Issues 20 a page with the total: open ones overdue first, then newest first.",
    writes=False,
)
def list_(ctx: Ctx, args: str) -> Reply:
    la = parse_list(args)
    try:
        found = issues.find_issues(
            ctx.session,
            team_id=ctx.team_id,
            scope=la.scope,
            user_id=ctx.user_id,
            filter_words=la.filter_words,
            page=la.page,
            before=la.before,
            now=ctx.now,
        )
    except UsageError as exc:
        exc.usage = exc.usage or LIST_USAGE
        raise
    # The same list again, one page on (the words as typed, quoted if need be).
    again = " ".join(
        [la.scope, *(shlex.quote(w) for w in la.filter_words)]
        + ([f"before #{la.before}"] if la.before else [])
    )
    return Reply.markup(
        render(
            "support/issue_list.slack.j2",
            page=found.page,
            cap=issues.COUNT_CAP,
            rows=found.page.rows,
            scope=la.scope,
            label=_filter_label(found),
            products=found.product_names,
            providers=found.providers,
            now=ctx.now,
            next_page=f"/issue list {again} page {found.page.page + 1}",
        )
    )


def _filter_label(found: issues.IssueListing) -> str:
    """What the list is filtered by, as its header says it."""
    if found.product and found.provider:
        return f"{found.product.name}, provider {found.provider.name}"
    if found.provider:
        return f"provider {found.provider.name}"
    return found.product.name if found.product else ""


@router.sub("show", SHOW_USAGE, "An issue with its whole history.", writes=False)
def show(ctx: Ctx, args: str) -> Reply:
    number, _ = parse_number_arg(args, SHOW_USAGE)
    issue = _issue(ctx, number)
    data = cards.card_context(ctx.session, issue=issue)
    data["events"] = issues.history(ctx.session, issue=issue, limit=35)
    return Reply.markup(render("support/issue_show.slack.j2", **data))


def _members_of(ctx: Ctx) -> contacts.MembersOf:
    """Channel members from the directory (Slack asked before the transaction if unknown)."""
    directory = ctx.rt.directory

    def members_of(channel_id: str) -> list[str]:
        return directory.channel_members(ctx.session, ctx.team_id, channel_id)

    return members_of


def _caller(ctx: Ctx) -> desk.Caller:
    """The person asking, as the desk's rules see them (admin asked only if needed)."""
    return desk.Caller(ctx.user_id, ctx.is_admin, _members_of(ctx))


def _ack(ctx: Ctx, number: int) -> Reply:
    issue = _issue(ctx, number)
    changed = desk.acknowledge(ctx.session, issue=issue, caller=_caller(ctx), now=ctx.now)
    if not changed:
        return Reply(text=f"Issue #{number} was already acknowledged.")
    return Reply(text=f":eyes: You acknowledged issue #{number}; the first response is recorded.")


@router.sub("ack", ACK_USAGE, "Acknowledge an issue (its first response).")
def ack(ctx: Ctx, args: str) -> Reply:
    number, _ = parse_number_arg(args, ACK_USAGE)
    return _ack(ctx, number)


def _assign(ctx: Ctx, number: int, assignee: str) -> Reply:
    changed = desk.assign(
        ctx.session,
        directory=ctx.rt.directory,
        team_id=ctx.team_id,
        number=number,
        assignee=assignee,
        caller=_caller(ctx),
        now=ctx.now,
        usage=ASSIGN_USAGE,
    )
    if not changed:
        return Reply(text=f"Issue #{number} is already assigned to <@{assignee}>.")
    return Reply(text=f"Issue #{number} is now assigned to <@{assignee}>.")


@router.sub("assign", ASSIGN_USAGE, "Assign an issue to someone.")
def assign(ctx: Ctx, args: str) -> Reply:
    number, rest = parse_number_arg(args, ASSIGN_USAGE)
    words = rest.split()
    if len(words) != 1:
        raise UsageError("Name one person with @.", usage=ASSIGN_USAGE)
    return _assign(ctx, number, parse_user(words[0], ASSIGN_USAGE))


@router.sub("comment", COMMENT_USAGE, "Add a comment to an issue's history.")
def comment(ctx: Ctx, args: str) -> Reply:
    number, text = parse_number_arg(args, COMMENT_USAGE)
    if not text:
        raise UsageError("The comment is empty.", usage=COMMENT_USAGE)
    issue = _issue(ctx, number)
    issues.comment(ctx.session, issue=issue, actor=ctx.user_id, text=text, now=ctx.now)
    return Reply(text=f"Comment added to issue #{number}.")


def _close(ctx: Ctx, number: int, resolution: str) -> Reply:
    issue = _issue(ctx, number)
    done = desk.close(
        ctx.session, issue=issue, caller=_caller(ctx), resolution=resolution, now=ctx.now
    )
    if done is None:
        return Reply(text=f"Issue #{number} was already closed.")
    if done == "withdrawn":
        return Reply(text=f":white_check_mark: You withdrew issue #{number}; it is closed.")
    return Reply(text=f":white_check_mark: Issue #{number} is closed.")


@router.sub("close", CLOSE_USAGE, "Close an issue, optionally saying how it was resolved.")
def close(ctx: Ctx, args: str) -> Reply:
    number, resolution = parse_number_arg(args, CLOSE_USAGE)
    return _close(ctx, number, resolution)


def _reopen(ctx: Ctx, number: int) -> Reply:
    issue = _issue(ctx, number)
    if not desk.reopen(ctx.session, issue=issue, caller=_caller(ctx), now=ctx.now):
        return Reply(text=f"Issue #{number} is not closed.")
    return Reply(text=f"Issue #{number} is open again.")


@router.sub("reopen", REOPEN_USAGE, "Reopen a closed issue.")
def reopen(ctx: Ctx, args: str) -> Reply:
    number, _ = parse_number_arg(args, REOPEN_USAGE)
    return _reopen(ctx, number)


# -- waiting on the reporter ---------------------------------------------------------


def _wait(ctx: Ctx, number: int, reason: str) -> Reply:
    issue = _issue(ctx, number)
    waiting.wait_for_reporter(
        ctx.session, issue=issue, caller=_caller(ctx), reason=reason, now=ctx.now
    )
    return Reply(
        text=f":hourglass: Issue #{number} is waiting on <@{issue.reporter}>; its resolution "
        f"clock is paused until they answer (a reply in the card's thread or "
        f"`/issue reply {number} …`)."
    )


@router.sub("wait", WAIT_USAGE, "Pause the resolution clock until the reporter answers (with why).")
def wait(ctx: Ctx, args: str) -> Reply:
    number, reason = parse_number_arg(args, WAIT_USAGE)
    return _wait(ctx, number, reason)


@router.sub("reply", REPLY_USAGE, "Answer on an issue; the reporter's answer ends a wait.")
def reply(ctx: Ctx, args: str) -> Reply:
    number, text = parse_number_arg(args, REPLY_USAGE)
    if not text:
        raise UsageError("The reply is empty.", usage=REPLY_USAGE)
    issue = _issue(ctx, number)
    resumed = waiting.reply(ctx.session, issue=issue, actor=ctx.user_id, text=text, now=ctx.now)
    if resumed:
        return Reply(text=f"Reply added to issue #{number}; its resolution clock runs again.")
    return Reply(text=f"Reply added to issue #{number}.")


def on_wait(ctx: Ctx, info: ActionInfo) -> Reply:
    return _wait(ctx, _button_number(info), "")


# -- the card's buttons --------------------------------------------------------------


def _button_number(info: ActionInfo) -> int:
    return parse_number(info.value, "valid issue", "(a button of an issue card)")


def on_ack(ctx: Ctx, info: ActionInfo) -> Reply:
    return _ack(ctx, _button_number(info))


def on_close(ctx: Ctx, info: ActionInfo) -> Reply:
    return _close(ctx, _button_number(info), "")


def on_reopen(ctx: Ctx, info: ActionInfo) -> Reply:
    return _reopen(ctx, _button_number(info))


def on_assign(ctx: Ctx, info: ActionInfo) -> Reply:
    number = _button_number(info)
    issue = _issue(ctx, number)
    # Refused at the press, not after the form is filled in.
    desk.check_assign(ctx.session, issue=issue, caller=_caller(ctx))
    picker: dict[str, Any] = {"type": "users_select", "action_id": "value"}
    picker["initial_user"] = issue.assignee or ctx.user_id
    return Reply(
        text=f"Assigning issue #{number}…",
        view={
            "type": "modal",
            "callback_id": ASSIGN_CALLBACK,
            "private_metadata": json.dumps({"number": number, "channel": info.channel_id}),
            "title": {"type": "plain_text", "text": f"Assign issue #{number}"[:24]},
            "submit": {"type": "plain_text", "text": "Assign"},
            "close": {"type": "plain_text", "text": "Cancel"},
            "blocks": [
                {
                    "type": "input",
                    "block_id": "assignee",
                    "label": {"type": "plain_text", "text": "Who takes it?"},
                    "element": picker,
                }
            ],
        },
    )


def submit_assign(ctx: Ctx, values: dict[str, Any], metadata: str) -> ViewResult:
    try:
        meta = json.loads(metadata)
        number = int(meta["number"])
    except (ValueError, KeyError, TypeError):
        return ViewResult(
            notice=Reply(text=":warning: This form is out of date; use `/issue assign`.")
        )
    assignee = values.get("assignee")
    if not assignee:
        return ViewResult(errors={"assignee": "Pick someone."})
    reply = _assign(ctx, number, str(assignee))
    return ViewResult(notice=reply, notice_channel=str(meta.get("channel") or "") or None)


# -- replies in a card's thread -------------------------------------------------------


def on_message(ctx: Ctx, event: MessageEvent) -> None:
    """A reply in an issue card's thread goes into its history (edits and deletions not)."""
    if event.subtype is not None or not event.thread_ts or event.thread_ts == event.ts:
        return
    replies.record_reply(
        ctx.session,
        team_id=ctx.team_id,
        channel_id=event.channel_id,
        thread_ts=event.thread_ts,
        user_id=event.user_id,
        text=event.text,
        files=event.files,
        now=ctx.now,
        members_of=_members_of(ctx),
    )


def install(registry: Registry) -> None:
    """Filing and tracking support issues: /issue, its modal, shortcut and card buttons."""
    registry.family(router)
    registry.view(FILE_CALLBACK, submit_issue)
    registry.view(ASSIGN_CALLBACK, submit_assign)
    registry.shortcut(SHORTCUT_CALLBACK, file_from_message)
    registry.action("issue_ack", on_ack)
    registry.action("issue_close", on_close)
    registry.action("issue_reopen", on_reopen)
    registry.action("issue_assign", on_assign)
    registry.on_message(on_message)
    registry.action("issue_wait", on_wait)
    home_issues.install(registry)
