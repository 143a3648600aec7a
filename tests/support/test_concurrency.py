"""100 issues filed at once get 100 distinct numbers, and none is lost."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.conftest import RunningBot
from tests.support.helpers import issue_number


def test_concurrent_filing_gets_distinct_gapless_numbers(desk: RunningBot) -> None:
    def file(i: int) -> int:
        resp = desk.command("/issue", f"file lustre: concurrent {i}", user_id=f"U{i % 3 + 1}")
        assert resp.status == 200, resp.text
        return issue_number(resp.reply_text)

    with ThreadPoolExecutor(max_workers=16) as pool:
        numbers = list(pool.map(file, range(100)))
    assert sorted(numbers) == list(range(1, 101))
    text = desk.command("/issue", "list all").reply_text
    assert "All issues*: 100" in text
    desk.deliver()
    cards = [
        m for m in desk.fake.messages("CLUSTRE") if str(m.get("text", "")).startswith("Issue #")
    ]
    assert len(cards) == 100
