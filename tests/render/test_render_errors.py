from __future__ import annotations

import errno
import io
from collections.abc import Callable, Iterator

import pytest

from maillogs.core.errors import OutputError
from maillogs.core.models import RECORD_FIELDS, LogRecord
from maillogs.render import FORMATS, open_renderer

RecordFactory = Callable[..., LogRecord]


class FailingStream(io.StringIO):
    """Accepts ``fail_after`` writes, then raises ``error`` on every write and flush."""

    def __init__(self, error: OSError, fail_after: int = 0) -> None:
        super().__init__()
        self.name = "<stdout>"
        self.error = error
        self.writes_left = fail_after

    def write(self, text: str) -> int:
        if self.writes_left <= 0:
            raise self.error
        self.writes_left -= 1
        return super().write(text)

    def flush(self) -> None:
        if self.writes_left <= 0:
            raise self.error


def _write_all(fmt: str, stream: io.StringIO, records: list[LogRecord]) -> None:
    columns = RECORD_FIELDS if fmt != "table" else ("status", "subject")
    with open_renderer(fmt, stream, columns=columns) as renderer:
        renderer.write_many(records)


@pytest.mark.parametrize("fmt", FORMATS)
def test_broken_pipe_propagates_unchanged(make_record: RecordFactory, fmt: str) -> None:
    stream = FailingStream(BrokenPipeError(errno.EPIPE, "Broken pipe"))
    with pytest.raises(BrokenPipeError):
        _write_all(fmt, stream, [make_record()])


@pytest.mark.parametrize("fmt", FORMATS)
def test_other_write_errors_become_output_errors(make_record: RecordFactory, fmt: str) -> None:
    stream = FailingStream(OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(OutputError) as info:
        _write_all(fmt, stream, [make_record()])
    assert info.value.exit_code == 73
    assert str(info.value) == "cannot write to <stdout>: No space left on device"


def test_renderer_is_finished_after_a_failed_write(make_record: RecordFactory) -> None:
    stream = FailingStream(BrokenPipeError(errno.EPIPE, "Broken pipe"))
    renderer = open_renderer("json", stream, columns=RECORD_FIELDS)
    with pytest.raises(BrokenPipeError):
        renderer.write(make_record())
    renderer.close()


def test_close_is_idempotent(make_record: RecordFactory) -> None:
    out = io.StringIO()
    renderer = open_renderer("json", out, columns=("status",))
    renderer.write(make_record())
    renderer.close()
    renderer.close()
    assert out.getvalue() == '[{"status":"delivered"}]\n'


def test_failure_mid_stream_still_closes_the_array(make_record: RecordFactory) -> None:
    def records() -> Iterator[LogRecord]:
        yield make_record()
        raise RuntimeError("provider went away")

    out = io.StringIO()
    with (
        pytest.raises(RuntimeError, match="provider went away"),
        open_renderer("json", out, columns=("status",)) as renderer,
    ):
        renderer.write_many(records())
    assert out.getvalue() == '[{"status":"delivered"}]\n'


def test_write_many_counts_records(make_record: RecordFactory) -> None:
    with open_renderer("jsonl", io.StringIO(), columns=("status",)) as renderer:
        assert renderer.write_many(make_record() for _ in range(7)) == 7
