"""Red-team findings on remote log sources, each a case that failed before its fix: a credential's beginning in a
fault line cut before it was masked, a future-stamped entry or a clock stepping back that stopped a source for
good, a server that answers every page with the same full page driving a tight poll loop."""

from __future__ import annotations

import json

from tessa_tui.config.load import load_config
from tests.logs_contract_servers import SUPABASE_TOKEN, LogsServers
from tests.test_remote_logs import Poller, WriteConfig, configure

_FUNCTIONS = "select id, timestamp, event_message, metadata from function_logs"


def test_a_token_echoed_near_the_cut_of_an_error_message_shows_none_of_its_characters(
    logs_servers: LogsServers, write_config: WriteConfig
) -> None:
    loaded = configure(logs_servers, write_config, logs_servers.supabase_source())
    poller = Poller(loaded, "platform")
    for pad in range(90, 125, 3):  # the token straddles the message's 120-character cut
        message = "x" * pad + " " + SUPABASE_TOKEN + " rejected"
        logs_servers.fail("supabase", 401, body=json.dumps({"message": message}).encode())
        poller.poll()
        assert poller.status.state == "failing"
        assert SUPABASE_TOKEN[:8] not in poller.status.text(), pad


def test_a_token_echoed_near_the_cut_of_a_query_error_shows_none_of_its_characters(
    logs_servers: LogsServers, write_config: WriteConfig
) -> None:
    token = "sbp_" + "0123456789abcdef" * 4  # as long as a real one: it can straddle the cut and show 8 characters
    path = write_config(f"platform: Tessa\nlogs: {json.dumps([logs_servers.supabase_source()])}\n")
    poller = Poller(load_config(path, environ={"SUPABASE_ACCESS_TOKEN": token}), "platform")
    for pad in range(240, 300, 2):  # the token straddles the error's 300-character cut
        error = "x" * pad + " " + token + " rejected"
        logs_servers.answer_raw("supabase", json.dumps({"result": [], "error": error}).encode())
        poller.poll()
        assert poller.status.state == "failing"
        assert token[:8] not in poller.status.text(), pad
