"""No personal datum in the servers' logs: requests refused for their metadata (which Rasa's own
REST channel let fail and logged with the request's local variables) and turns with personal
data, with both servers at debug level."""

from __future__ import annotations

import json
import urllib.error
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
# metadata that is not a mapping: refused with 400 before Rasa sees it; the last one is answered
BODIES = [
    {"sender": "log-1", "message": "hello", "metadata": SENTENCE},
    {"sender": "log-2", "message": "hello", "metadata": [SENTENCE]},
    {"sender": "log-3", "message": SENTENCE, "metadata": True},
    {"sender": "log-4", "message": SENTENCE, "metadata": {"note": SENTENCE}},
]


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("servers")
    statuses: list[tuple[int, dict]] = []
    with running_servers(log_dir=log_dir, env={"LOG_LEVEL": "DEBUG"}) as servers:
        for body in BODIES:
            request = urllib.request.Request(
                f"{servers.rasa_url}/webhooks/rest/webhook",
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=120) as response:
                    statuses.append((response.status, json.loads(response.read())))
            except urllib.error.HTTPError as refused:
                statuses.append((refused.code, json.loads(refused.read())))
    # the servers have stopped: their logs are complete
    logs = {name: (log_dir / name).read_text("utf-8") for name in ("rasa.log", "actions.log")}
    return statuses, logs


def test_bad_metadata_is_refused_naming_the_field_and_the_good_request_is_answered(answers):
    statuses, _ = answers
    assert [status for status, _ in statuses] == [400, 400, 400, 200]
    assert all("'metadata' must be a JSON object" in body["error"] for _, body in statuses[:3])
    assert statuses[3][1], "the request with good metadata got no answer"


@pytest.fixture(scope="module")
def logs(answers):
    return answers[1]


def test_no_personal_datum_is_in_either_server_log(logs):
    for name, text in logs.items():
        leaked = [kind for kind, datum in PERSONAL.items() if datum in text]
        leaked += ["digits of the phone"] if "1234567" in text else []
        assert not leaked, f"{name}: {leaked}"


def test_the_debug_log_of_a_turn_keeps_its_text_redacted(logs):
    assert "my name is [name]" in logs["rasa.log"]
