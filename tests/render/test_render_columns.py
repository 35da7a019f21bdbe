from __future__ import annotations

import io

import pytest

from maillogs.core.errors import UsageError
from maillogs.core.models import RECORD_FIELDS
from maillogs.render import (
    DEFAULT_TABLE_COLUMNS,
    FORMATS,
    default_columns,
    open_renderer,
    parse_columns,
)


def test_no_spec_gives_the_default() -> None:
    assert parse_columns(None, default=("status", "subject")) == ("status", "subject")


def test_names_are_case_and_space_insensitive_and_keep_their_order() -> None:
    got = parse_columns(" Subject ,STATUS,  recipient ", default=())
    assert got == ("subject", "status", "recipient")


def test_unknown_column_names_every_valid_one() -> None:
    with pytest.raises(UsageError) as info:
        parse_columns("status,colour", default=())
    message = str(info.value)
    assert "'colour'" in message
    assert all(name in message for name in RECORD_FIELDS)


@pytest.mark.parametrize("spec", ["status,STATUS", "", " , "])
def test_repeated_or_empty_columns_are_refused(spec: str) -> None:
    with pytest.raises(UsageError):
        parse_columns(spec, default=())


def test_table_defaults_add_profile_only_for_several_profiles() -> None:
    assert default_columns("table", multi_profile=False) == DEFAULT_TABLE_COLUMNS
    assert default_columns("table", multi_profile=True) == ("profile", *DEFAULT_TABLE_COLUMNS)
    assert "error_message" in DEFAULT_TABLE_COLUMNS


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "tsv"])
def test_machine_formats_default_to_every_field(fmt: str) -> None:
    assert default_columns(fmt, multi_profile=True) == RECORD_FIELDS


def test_formats() -> None:
    assert FORMATS == ("table", "json", "jsonl", "csv", "tsv")


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="jsonl"):
        open_renderer("xml", io.StringIO(), columns=RECORD_FIELDS)


def test_raw_is_refused_for_the_table() -> None:
    with pytest.raises(UsageError, match="--raw"):
        open_renderer("table", io.StringIO(), columns=RECORD_FIELDS, with_raw=True)
