"""No personal datum in the servers' logs: requests whose metadata makes Rasa fail (and log the
request's local variables) and turns with personal data, with both servers at debug level."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tools.servers import running_servers

pytestmark = pytest.mark.e2e
PERSONAL = {
    "phone": "0171 1234567",
    "name with a cue": "Anna Schmidt",
    "name without a cue": "Monika Fischer",
    "email": "anna.schmidt@example.com",
    "iban": "DE89 3704 0044 0532 0130 00",
}
SENTENCE = (
    f"my name is {PERSONAL['name with a cue']}, account holder {PERSONAL['name without a cue']}, "
    f"mail {PERSONAL['email']}, phone {PERSONAL['phone']}, IBAN {PERSONAL['iban']}"
)
# metadata that is not a mapping: Rasa's REST channel fails on it and logs the failure
BODIES = [
    {"sender": "log-1", "message": "hello", "metadata": SENTENCE},
    {"sender": "log-2", "message": "hello", "metadata": [SENTENCE]},
    {"sender": "log-3", "message": SENTENCE, "metadata": True},
    {"sender": "log-4", "message": SENTENCE, "metadata": {"note": SENTENCE}},
]


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("servers")
    with running_servers(log_dir=log_dir, env={"LOG_LEVEL": "DEBUG"}) as servers:
        for body in BODIES:
            request = urllib.request.Request(
                f"{servers.rasa_url}/webhooks/rest/webhook",
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
    # the servers have stopped: their logs are complete
    return {name: (log_dir / name).read_text("utf-8") for name in ("rasa.log", "actions.log")}


def test_the_bad_metadata_requests_did_reach_rasa_s_error_path(logs):
    assert logs["rasa.log"].count("rest.message.received.failure") == 3


def test_no_personal_datum_is_in_either_server_log(logs):
    for name, text in logs.items():
        leaked = [kind for kind, datum in PERSONAL.items() if datum in text]
        leaked += ["digits of the phone"] if "1234567" in text else []
        assert not leaked, f"{name}: {leaked}"


def test_an_error_withholds_the_message_text_and_a_debug_line_keeps_it_redacted(logs):
    errors = [line for line in logs["rasa.log"].splitlines() if "received.failure" in line]
    assert errors and all('"text": "[withheld]"' in line for line in errors)
    assert "my name is [name]" in logs["rasa.log"]  # the debug log of the turn, redacted
