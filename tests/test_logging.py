"""Logging is set up in one place (``config.log``) and stamps the report and channel in hand."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys

import pytest

from config.log import ContextFilter, bind, current, log_context


def _record() -> logging.LogRecord:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "hello", None, None)
    assert ContextFilter().filter(record)
    return record


def test_the_context_is_stamped_and_restored() -> None:
    assert _record().context == ""  # type: ignore[attr-defined]
    with log_context(channel="telegram"):
        with log_context(report="#7"):
            bind(report="SW-7KQ4-M2XD")
            record = _record()
            assert (record.report, record.channel) == ("SW-7KQ4-M2XD", "telegram")  # type: ignore[attr-defined]
            assert record.context == " [report=SW-7KQ4-M2XD channel=telegram]"  # type: ignore[attr-defined]
        assert current() == {"channel": "telegram"}
    assert current() == {}


async def test_concurrent_tasks_keep_their_own_context() -> None:
    seen: dict[str, dict[str, str]] = {}

    async def work(code: str) -> None:
        with log_context(report=code):
            await asyncio.sleep(0.01)
            seen[code] = current()

    await asyncio.gather(work("SW-AAAA-AAAA"), work("SW-BBBB-BBBB"))
    assert seen == {
        "SW-AAAA-AAAA": {"report": "SW-AAAA-AAAA"},
        "SW-BBBB-BBBB": {"report": "SW-BBBB-BBBB"},
    }


@pytest.mark.slow
def test_a_process_logs_one_format_with_the_context() -> None:
    """What an entry point (serve, scheduler, worker) sets up, in a fresh interpreter."""
    probe = (
        "import logging\n"
        "from config.log import log_context, setup_logging\n"
        "setup_logging()\n"
        "with log_context(report='SW-7KQ4-M2XD', channel='whatsapp'):\n"
        "    logging.getLogger('escalation.sweep').warning('sweep: report %s failed', 7)\n"
        "logging.getLogger('bot.sender').info('no context')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    first, second = done.stderr.strip().splitlines()
    assert first.endswith(
        "WARNING escalation.sweep [report=SW-7KQ4-M2XD channel=whatsapp] sweep: report 7 failed"
    )
    assert second.endswith("INFO bot.sender no context")
