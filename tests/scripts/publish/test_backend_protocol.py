"""The Backend base class declares every member the commands use of a backend."""

import ast
from pathlib import Path

import pytest

from connected.errors import ConnectedError
from scripts.backends.base import Backend, BackendError
from scripts.backends.mailchimp import MailchimpBackend
from scripts.backends.outbox import OutboxBackend

ROOT = Path(__file__).resolve().parents[3]
COMMANDS = ["scripts/publish.py", "scripts/unschedule.py"]


def used_on_backend(path: Path) -> set[str]:
    """Attributes read or set on a name called `backend` in one module."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "backend":
                names.add(node.attr)
    return names


def asked_of_backend(path: Path) -> list[str]:
    """hasattr/getattr calls on a backend: duck typing the protocol should make needless."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("hasattr", "getattr", "setattr")
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == "backend"
        ):
            found.append(f"{path.name}:{node.lineno}")
    return found


class Bare(Backend):
    """A backend that declares nothing of its own."""

    name = "bare"

    def check(self):
        return []

    def deliver(self, edition, *, schedule_at=None):
        raise NotImplementedError

    def test_send(self, edition, address):
        raise NotImplementedError


def declared() -> set[str]:
    """What Backend itself gives every backend: methods, class attributes, instance ones."""
    return set(dir(Backend)) | set(Backend.__annotations__) | set(vars(Bare()))


@pytest.mark.parametrize("command", COMMANDS)
def test_every_member_a_command_uses_is_declared_by_backend(command):
    used = used_on_backend(ROOT / command)
    assert used <= declared(), sorted(used - declared())
    assert asked_of_backend(ROOT / command) == []


def test_publish_uses_the_members_this_test_knows_of():
    # Guards the test above from passing on a renamed variable.
    assert {"prepare", "deliver", "test_send", "name", "known_ids", "on_created"} <= (
        used_on_backend(ROOT / "scripts/publish.py")
    )


def test_both_backends_are_backends_with_the_defaults():
    outbox = OutboxBackend(
        outbox_path=Path("outbox"), from_name="A", from_email="a@example.com",
        reply_to="a@example.com", postal_address="1 Road",
    )
    mailchimp = MailchimpBackend(api_key="0123456789abcdef0123456789abcdef-us21", audience_id="x")
    for backend in (outbox, mailchimp):
        assert isinstance(backend, Backend)
        assert backend.known_ids == {} and backend.on_created is None
    assert (outbox.tracks_campaigns, mailchimp.tracks_campaigns) == (False, True)
    assert outbox.unschedule(["abc"]) == []
    assert outbox.known_ids is not mailchimp.known_ids


def test_a_backend_must_say_how_it_delivers():
    class Half(Backend):
        name = "half"

        def check(self):
            return []

    with pytest.raises(TypeError):
        Half()


def test_backend_errors_are_connected_errors():
    assert issubclass(BackendError, ConnectedError)
    assert BackendError("x").retry_safe is True
