"""Block Kit validation of outgoing Slack content, modelled on what Slack itself rejects.

The checks combine slack_sdk's own models (``Block.parse`` + ``validate_json`` + a
recursive ``to_dict``, which validates nested elements) with the documented limits that
slack_sdk does not check everywhere (text object lengths, section fields, unique
``block_id`` values, unknown block keys, required modal ``submit`` with input blocks...).

All ``validate_*`` functions are pure: they return a list of human readable problems
(empty when the content is fine) and never raise.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import Block, BlockElement
from slack_sdk.models.views import View

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT_OBJECT_LEN = 3000
MAX_HEADER_TEXT_LEN = 150
MAX_SECTION_FIELDS = 10
MAX_SECTION_FIELD_LEN = 2000
MAX_MESSAGE_TEXT_LEN = 40000
MAX_BLOCK_ID_LEN = 255
MAX_VIEW_TITLE_LEN = 24
MAX_PRIVATE_METADATA_LEN = 3000
MAX_CALLBACK_ID_LEN = 255

_TEXT_OBJECT_TYPES = frozenset({"plain_text", "mrkdwn"})
_VIEW_TYPES = frozenset({"modal", "home"})

__all__ = [
    "MAX_MESSAGE_BLOCKS",
    "MAX_MESSAGE_TEXT_LEN",
    "MAX_VIEW_BLOCKS",
    "BlockKitError",
    "assert_valid_message",
    "assert_valid_view",
    "validate_message",
    "validate_message_blocks",
    "validate_message_text",
    "validate_view",
]


class BlockKitError(AssertionError):
    """Raised by the ``assert_valid_*`` helpers; ``problems`` lists every issue found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid Block Kit content:\n  - " + "\n  - ".join(problems))
        self.problems = problems


def _maybe_json(value: Any) -> Any:
    """Decode a JSON string (blocks may be sent as one); leave anything else alone."""
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _walk(value: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (path, dict) for every dict nested in ``value`` (depth first, pre-order)."""
    if isinstance(value, Mapping):
        yield path, dict(value)
        for key, child in value.items():
            yield from _walk(child, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, child in enumerate(value):
            yield from _walk(child, f"{path}[{index}]")


def _text_len_problems(block: Mapping[str, Any], path: str) -> list[str]:
    problems: list[str] = []
    for sub_path, obj in _walk(block, path):
        if obj.get("type") not in _TEXT_OBJECT_TYPES:
            continue
        text = obj.get("text")
        if not isinstance(text, str):
            problems.append(f"{sub_path}: text object has no string 'text'")
            continue
        if len(text) == 0:
            problems.append(f"{sub_path}: text must be at least 1 character")
        elif len(text) > MAX_TEXT_OBJECT_LEN:
            problems.append(
                f"{sub_path}: text is {len(text)} characters (max {MAX_TEXT_OBJECT_LEN})"
            )
    return problems


def _text_of(obj: Any) -> str | None:
    if isinstance(obj, Mapping):
        text = obj.get("text")
        return text if isinstance(text, str) else None
    if isinstance(obj, str):
        return obj
    return None


def _block_specific_problems(block: Mapping[str, Any], path: str) -> list[str]:
    problems: list[str] = []
    btype = block.get("type")
    if btype == "header":
        text = _text_of(block.get("text"))
        if text is None:
            problems.append(f"{path}: header block needs a plain_text 'text'")
        elif len(text) > MAX_HEADER_TEXT_LEN:
            problems.append(
                f"{path}: header text is {len(text)} characters (max {MAX_HEADER_TEXT_LEN})"
            )
        if isinstance(block.get("text"), Mapping) and block["text"].get("type") != "plain_text":
            problems.append(f"{path}: header text must be plain_text")
    elif btype == "section":
        fields = block.get("fields")
        if block.get("text") is None and not fields:
            problems.append(f"{path}: section needs 'text' or 'fields'")
        if fields is not None:
            if not isinstance(fields, list):
                problems.append(f"{path}.fields: must be a list")
            else:
                if len(fields) > MAX_SECTION_FIELDS:
                    problems.append(
                        f"{path}.fields: {len(fields)} fields (max {MAX_SECTION_FIELDS})"
                    )
                for index, field in enumerate(fields):
                    text = _text_of(field)
                    if text is not None and len(text) > MAX_SECTION_FIELD_LEN:
                        problems.append(
                            f"{path}.fields[{index}]: text is {len(text)} characters "
                            f"(max {MAX_SECTION_FIELD_LEN})"
                        )
    elif btype in ("actions", "context"):
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            problems.append(f"{path}: {btype} block needs a non-empty 'elements' list")
    elif btype == "input":
        if not isinstance(block.get("element"), Mapping):
            problems.append(f"{path}: input block needs an 'element'")
        if block.get("label") is None:
            problems.append(f"{path}: input block needs a 'label'")

    # action_id values must be unique within their block
    seen: set[str] = set()
    for sub_path, obj in _walk(block, path):
        action_id = obj.get("action_id")
        if isinstance(action_id, str):
            if action_id in seen:
                problems.append(f"{sub_path}: duplicate action_id {action_id!r} in block")
            seen.add(action_id)
    return problems


def _unknown_elements(parsed: Block, raw: Mapping[str, Any], path: str) -> list[str]:
    """Interactive/context elements slack_sdk did not recognise (parsed to None)."""
    problems: list[str] = []
    btype = raw.get("type")
    if btype in ("actions", "context"):
        parsed_elements = getattr(parsed, "elements", None) or []
        for index, element in enumerate(parsed_elements):
            if element is None:
                problems.append(f"{path}.elements[{index}]: unknown element type")
    accessory = raw.get("accessory")
    if btype == "section" and accessory is not None:
        if BlockElement.parse(accessory) is None:
            problems.append(f"{path}.accessory: unknown element type")
    element = raw.get("element")
    if btype == "input" and isinstance(element, Mapping):
        if BlockElement.parse(dict(element)) is None:
            problems.append(f"{path}.element: unknown element type")
    return problems


def _validate_block(block: Any, path: str) -> list[str]:
    if not isinstance(block, Mapping):
        return [f"{path}: block must be an object, got {type(block).__name__}"]
    if not isinstance(block.get("type"), str):
        return [f"{path}: block has no 'type'"]
    problems: list[str] = []
    try:
        parsed = Block.parse(dict(block))
    except Exception as exc:  # slack_sdk raises TypeError & co on malformed input
        return [f"{path}: cannot parse {block.get('type')!r} block: {exc!r}"]
    if parsed is None:
        return [f"{path}: unknown block type {block.get('type')!r}"]
    try:
        parsed.validate_json()
        parsed.to_dict()  # validates nested elements/text objects recursively
    except Exception as exc:
        problems.append(f"{path}: {type(exc).__name__}: {exc}")
    attributes = getattr(parsed, "attributes", None)
    if isinstance(attributes, set | frozenset):
        unknown = sorted(set(block) - set(attributes) - {"type"})
        if unknown:
            problems.append(f"{path}: unknown {block['type']!r} block keys {unknown}")
    block_id = block.get("block_id")
    if block_id is not None and (not isinstance(block_id, str) or len(block_id) > MAX_BLOCK_ID_LEN):
        problems.append(f"{path}.block_id: must be a string of at most {MAX_BLOCK_ID_LEN}")
    problems.extend(_unknown_elements(parsed, block, path))
    problems.extend(_block_specific_problems(block, path))
    problems.extend(_text_len_problems(block, path))
    return problems


def _validate_block_list(blocks: Any, limit: int, path: str) -> list[str]:
    blocks = _maybe_json(blocks)
    if not isinstance(blocks, list | tuple):
        return [f"{path}: must be a list of blocks, got {type(blocks).__name__}"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"{path}: {len(blocks)} blocks (max {limit})")
    seen_ids: set[str] = set()
    for index, block in enumerate(blocks):
        problems.extend(_validate_block(block, f"{path}[{index}]"))
        if isinstance(block, Mapping) and isinstance(block.get("block_id"), str):
            block_id = block["block_id"]
            if block_id in seen_ids:
                problems.append(f"{path}[{index}]: duplicate block_id {block_id!r}")
            seen_ids.add(block_id)
    return problems


def validate_message_blocks(blocks: Any) -> list[str]:
    """Problems with a message's ``blocks`` (list of dicts or a JSON string); [] when valid."""
    if blocks is None:
        return []
    return _validate_block_list(blocks, MAX_MESSAGE_BLOCKS, "blocks")


def validate_message_text(text: Any) -> list[str]:
    """Problems with a message's top-level ``text``; [] when valid (None is fine)."""
    if text is None:
        return []
    if not isinstance(text, str):
        return [f"text: must be a string, got {type(text).__name__}"]
    if len(text) > MAX_MESSAGE_TEXT_LEN:
        return [f"text: {len(text)} characters (max {MAX_MESSAGE_TEXT_LEN})"]
    return []


def validate_message(*, text: Any = None, blocks: Any = None, attachments: Any = None) -> list[str]:
    """Text + blocks + blocks inside attachments of one message."""
    problems = validate_message_text(text) + validate_message_blocks(blocks)
    attachments = _maybe_json(attachments)
    if attachments is not None:
        if not isinstance(attachments, list | tuple):
            problems.append("attachments: must be a list")
        else:
            for index, attachment in enumerate(attachments):
                if isinstance(attachment, Mapping) and attachment.get("blocks") is not None:
                    problems.extend(
                        _validate_block_list(
                            attachment["blocks"],
                            MAX_MESSAGE_BLOCKS,
                            f"attachments[{index}].blocks",
                        )
                    )
    return problems


def _plain_text_len(view: Mapping[str, Any], key: str, limit: int) -> list[str]:
    value = view.get(key)
    if value is None:
        return []
    if not isinstance(value, Mapping) or value.get("type") != "plain_text":
        return [f"view.{key}: must be a plain_text object"]
    text = value.get("text")
    if not isinstance(text, str) or not 1 <= len(text) <= limit:
        length = len(text) if isinstance(text, str) else "no"
        return [f"view.{key}: text must be 1..{limit} characters (got {length})"]
    return []


def validate_view(view: Any) -> list[str]:
    """Problems with a modal / home tab view (dict or JSON string); [] when valid."""
    view = _maybe_json(view)
    if not isinstance(view, Mapping):
        return [f"view: must be an object, got {type(view).__name__}"]
    problems: list[str] = []
    vtype = view.get("type")
    if vtype not in _VIEW_TYPES:
        problems.append(f"view.type: must be one of {sorted(_VIEW_TYPES)}, got {vtype!r}")
    blocks = view.get("blocks")
    if blocks is None:
        problems.append("view.blocks: required")
    else:
        problems.extend(_validate_block_list(blocks, MAX_VIEW_BLOCKS, "view.blocks"))
    if vtype == "modal":
        if view.get("title") is None:
            problems.append("view.title: required for modals")
        problems.extend(_plain_text_len(view, "title", MAX_VIEW_TITLE_LEN))
        problems.extend(_plain_text_len(view, "submit", MAX_VIEW_TITLE_LEN))
        problems.extend(_plain_text_len(view, "close", MAX_VIEW_TITLE_LEN))
        has_input = isinstance(blocks, list) and any(
            isinstance(b, Mapping) and b.get("type") == "input" for b in blocks
        )
        if has_input and view.get("submit") is None:
            problems.append("view.submit: required when the modal has input blocks")
    elif vtype == "home" and (view.get("submit") is not None or view.get("close") is not None):
        problems.append("view: home tabs cannot have submit/close")
    private_metadata = view.get("private_metadata")
    if private_metadata is not None and (
        not isinstance(private_metadata, str) or len(private_metadata) > MAX_PRIVATE_METADATA_LEN
    ):
        problems.append(
            f"view.private_metadata: must be a string of at most {MAX_PRIVATE_METADATA_LEN}"
        )
    callback_id = view.get("callback_id")
    if callback_id is not None and (
        not isinstance(callback_id, str) or len(callback_id) > MAX_CALLBACK_ID_LEN
    ):
        problems.append(f"view.callback_id: must be a string of at most {MAX_CALLBACK_ID_LEN}")
    if not problems:
        # slack_sdk's own model as a last line of defence (ignores blocks already checked)
        try:
            View(**{k: v for k, v in view.items() if k in _VIEW_MODEL_KEYS}).to_dict()
        except Exception as exc:
            problems.append(f"view: {type(exc).__name__}: {exc}")
    return problems


_VIEW_MODEL_KEYS = frozenset(
    {
        "type",
        "id",
        "callback_id",
        "external_id",
        "team_id",
        "bot_id",
        "app_id",
        "root_view_id",
        "previous_view_id",
        "title",
        "submit",
        "close",
        "blocks",
        "private_metadata",
        "state",
        "hash",
        "clear_on_close",
        "notify_on_close",
    }
)


def assert_valid_message(blocks: Sequence[Any] | str | None, *, text: str | None = None) -> None:
    """Raise :class:`BlockKitError` (an AssertionError) if the message would be rejected."""
    problems = validate_message(text=text, blocks=blocks)
    if problems:
        raise BlockKitError(problems)


def assert_valid_view(view: Mapping[str, Any] | str) -> None:
    """Raise :class:`BlockKitError` (an AssertionError) if the view would be rejected."""
    problems = validate_view(view)
    if problems:
        raise BlockKitError(problems)
