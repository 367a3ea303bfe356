"""A national id number is never shown whole by accident."""

from __future__ import annotations

import logging

import pytest

from faircollect.domain.sensitive import Sensitive, mask

ID = "440305199001011234"


def test_masked_everywhere_but_reveal(caplog: pytest.LogCaptureFixture) -> None:
    secret = Sensitive(ID)
    assert ID not in repr(secret)
    assert ID not in str(secret)
    assert ID not in f"{secret}"
    assert str(secret).endswith("1234")
    with caplog.at_level(logging.INFO):
        logging.getLogger("t").info("borrower id %s", secret)
    assert ID not in caplog.text
    assert secret.reveal() == ID


def test_mask_short_values_whole() -> None:
    assert mask("123") == "***"
    assert mask("12345678", keep=2) == "******78"
    assert Sensitive("a") == Sensitive("a")
