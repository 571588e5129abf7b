"""Which Graph errors are retried, how long we wait, and what the agent reads."""

import pytest

from inbox.channels.whatsapp.errors import GraphError, backoff_seconds


@pytest.mark.parametrize("code", [130429, 131000, 131016, 131056, 131057, 1, 2, 4, 80007])
def test_transient_codes_are_retried(code):
    assert GraphError(code=code, http_status=400).is_retryable


@pytest.mark.parametrize("code", [131047, 131026, 132000, 132001, 100, 190, 131050, 131009])
def test_permanent_codes_are_not_retried(code):
    assert not GraphError(code=code, http_status=400).is_retryable


def test_network_failure_without_answer_is_retried():
    assert GraphError(code=None).is_retryable


def test_unknown_5xx_is_retried_but_known_permanent_5xx_is_not():
    assert GraphError(code=999999, http_status=503).is_retryable
    assert not GraphError(code=131045, http_status=500).is_retryable


def test_pair_rate_limit_backs_off_4_to_the_n():
    error = GraphError(code=131056)
    assert [backoff_seconds(error, n) for n in range(4)] == [1, 4, 16, 64]


def test_other_backoff_is_exponential_and_capped():
    error = GraphError(code=130429)
    assert backoff_seconds(error, 0) == 2
    assert backoff_seconds(error, 3) == 16
    assert backoff_seconds(error, 30) == 15 * 60


def test_window_error_tells_the_agent_to_send_a_template():
    assert "template" in GraphError(code=131047).human_message


def test_unknown_code_message_names_the_code_and_details():
    message = GraphError(code=424242, title="Odd", details="field x").human_message
    assert "424242" in message and "field x" in message


def test_sync_error_body_is_read_from_metas_shape():
    body = {
        "error": {
            "message": "(#130429) Rate limit hit",
            "type": "OAuthException",
            "code": 130429,
            "error_data": {"messaging_product": "whatsapp", "details": "throughput reached"},
            "fbtrace_id": "Az8",
        }
    }
    error = GraphError.from_response_body(body, 400)
    assert (error.code, error.details, error.fbtrace_id, error.is_retryable) == (
        130429,
        "throughput reached",
        "Az8",
        True,
    )
