"""README.md stays true: every setting is documented, and the two commands come first."""

from __future__ import annotations

from pathlib import Path

from atrium.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_in_the_configuration_table() -> None:
    missing = [
        f"ATRIUM_{name.upper()}"
        for name in Settings.model_fields
        if f"`ATRIUM_{name.upper()}`" not in README
    ]
    assert missing == []


def test_two_commands_come_first() -> None:
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "make run" in first_block
    assert "make test" in first_block
