"""The widget demo host's settings: the emergency number and the socket.io path it puts on
the page (tools.widget_host)."""

from __future__ import annotations

import pytest

from tools.widget_host import checked_socket_path, demo_page, emergency_number


def test_the_emergency_number_comes_from_bot_emergency_number_else_112() -> None:
    assert emergency_number({}) == "112"
    assert emergency_number({"BOT_EMERGENCY_NUMBER": " 0800 111 0 111 "}) == "0800 111 0 111"


def test_an_emergency_number_that_is_not_one_is_named_at_start_up() -> None:
    with pytest.raises(ValueError, match="BOT_EMERGENCY_NUMBER is not a phone number: 'call us'"):
        emergency_number({"BOT_EMERGENCY_NUMBER": "call us"})


def test_the_demo_page_carries_the_number_and_the_socket_path_as_attributes() -> None:
    page = demo_page("http://127.0.0.1:5005/", "de", "999", "/bot/socket.io").decode()
    assert 'data-emergency-number="999"' in page
    assert 'data-socket-path="/bot/socket.io"' in page
    assert 'data-server-url="http://127.0.0.1:5005"' in page


def test_a_socket_path_must_be_a_path() -> None:
    assert checked_socket_path("") == ""
    with pytest.raises(ValueError, match="must start with '/'"):
        checked_socket_path("bot/socket.io")
