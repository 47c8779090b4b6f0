"""A claim left by a run that died takes nothing from the next run on the same machine.

The outbox claims each post with an exclusive `.<uuid>.claim` file (two checkouts on
one folder send a post once). A run killed between its claim and its message used to
leave that file behind, and every later run stopped until the writer deleted it.
"""

import socket
import subprocess
import sys

import pytest

from scripts.backends.base import BackendError
from tests.scripts.publish.test_publish_small_items import edition_with_address, outbox  # noqa: F401


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def plant_claim(outbox, edition, holder: str):  # noqa: F811
    outbox.outbox_path.mkdir(parents=True, exist_ok=True)
    claim = outbox.outbox_path / f".{edition.uuid}.claim"
    claim.write_text(holder + " 2026-12-01T10:00:00+00:00\n", encoding="utf-8")
    return claim


def test_a_claim_of_a_dead_local_run_is_taken_over_once(outbox, make_edition):  # noqa: F811
    outbox.claim_wait = 0.2
    edition = edition_with_address(make_edition, 1)
    plant_claim(outbox, edition, f"{socket.gethostname()} pid {dead_pid()}")
    delivery = outbox.deliver(edition)
    assert delivery.status == "sent" and not delivery.detail["reused"]
    assert len(list(outbox.outbox_path.glob("*.eml"))) == 1
    # A second run finds the message and records it; nothing is written twice.
    again = outbox.deliver(edition)
    assert again.detail["reused"] is True
    assert len(list(outbox.outbox_path.glob("*.eml"))) == 1


@pytest.mark.parametrize(
    "holder",
    [
        f"{socket.gethostname()} pid 1",  # a live process (init) on this machine
        "another-machine.example pid 12345",  # cannot tell whether it still runs
        "garbage",
    ],
    ids=["live-local", "other-host", "unreadable"],
)
def test_a_claim_that_may_be_live_is_never_taken_over(outbox, make_edition, holder):  # noqa: F811
    outbox.claim_wait = 0.2
    edition = edition_with_address(make_edition, 2)
    claim = plant_claim(outbox, edition, holder)
    with pytest.raises(BackendError, match="claimed the message"):
        outbox.deliver(edition)
    assert list(outbox.outbox_path.glob("*.eml")) == []
    assert claim.exists()
