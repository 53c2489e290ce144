"""Every setting is documented in the README (a setting nobody can find does not exist)."""

from pathlib import Path

from handoff.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_documented() -> None:
    text = README.read_text()
    missing = [
        f"HANDOFF_{name.upper()}"
        for name in Settings.model_fields
        if f"`HANDOFF_{name.upper()}`" not in text
    ]
    assert not missing, f"Undocumented settings: {missing}"
