"""Settings: read once, every bad value named, secrets never printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.cli import main
from portal.config import ConfigError, load_settings


def test_a_bad_outbox_interval_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"^PORTAL_OUTBOX_INTERVAL_SECONDS must be a number"):
        load_settings({"PORTAL_OUTBOX_INTERVAL_SECONDS": "abc"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORTAL_OCR_WORKER", "perhaps"),
        ("PORTAL_OCR_LEASE_SECONDS", "five"),
        ("PORTAL_OCR_MAX_ATTEMPTS", "0"),
        ("PORTAL_OCR_BACKOFF_SECONDS", "-1"),
        ("OCR_MAX_PIXELS", "lots"),
    ],
)
def test_bad_ocr_settings_are_refused_not_ignored(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name} must"):
        load_settings({name: value})


def test_a_misspelt_variable_fails_with_a_suggestion() -> None:
    with pytest.raises(ConfigError, match=r"did you mean PORTAL_SESSION_SECRET\?"):
        load_settings({"PORTAL_SESION_SECRET": "x" * 40})


def test_every_bad_value_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"PORTAL_PORT": "http", "PORTAL_VERIFY_CADENCE_DAYS": "monthly"})
    assert "PORTAL_PORT" in str(caught.value) and "PORTAL_VERIFY_CADENCE_DAYS" in str(caught.value)


def test_a_secret_is_never_echoed_in_the_error() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"PORTAL_SESSION_SECRET": "hunter2-short"})
    assert "hunter2" not in str(caught.value)


def test_the_test_suites_own_variables_are_not_settings() -> None:
    load_settings({"PORTAL_TEST_PG_URL": "postgresql://x", "PORTAL_LIVE_VIES": "1"})


SECRETS = {
    "PORTAL_KEK": "c2VjcmV0LWtlay1ieXRlcw==",
    "PORTAL_SESSION_SECRET": "session-secret-" + "s" * 30,
    "PORTAL_PKCS11_PIN": "pin-4711",
    "PORTAL_QICHACHA_KEY": "qcc-key",
    "PORTAL_QICHACHA_SECRET": "qcc-secret-9",
    "PORTAL_TIANYANCHA_TOKEN": "tyc-token-8",
    "PORTAL_SMTP_PASSWORD": "smtp-pw-7",
    "PORTAL_WEBHOOK_URL": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=robot-key-6",
    "PORTAL_OIDC_ISSUER": "https://login.example.com",
    "PORTAL_OIDC_CLIENT_ID": "portal",
    "PORTAL_OIDC_CLIENT_SECRET": "oidc-secret-5",
    "PORTAL_SESSION_REDIS_URL": "redis://:redis-pw-4@127.0.0.1:6379/0",
}


def test_config_check_prints_the_effective_settings_with_secrets_masked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    for secret in ("c2VjcmV0", "session-secret", "pin-4711", "qcc-secret-9", "tyc-token-8",
                   "smtp-pw-7", "robot-key-6", "oidc-secret-5", "redis-pw-4"):  # fmt: skip
        assert secret not in out
    assert "PORTAL_OUTBOX_INTERVAL_SECONDS" in out and "30.0" in out  # defaults shown too
    assert "qyapi.weixin.qq.com/cgi-bin/webhook/send?key=********" in out


def test_config_check_fails_with_the_message_when_a_value_is_bad(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORTAL_OCR_MAX_ATTEMPTS", "many")
    assert main(["config", "check"]) == 2
    assert "PORTAL_OCR_MAX_ATTEMPTS must be a whole number" in capsys.readouterr().err


def test_the_display_time_zone_is_beijing_unless_set_and_a_bad_one_is_refused() -> None:
    assert load_settings({}).web.display_timezone == "Asia/Shanghai"
    assert load_settings({"PORTAL_DISPLAY_TIMEZONE": "Asia/Hong_Kong"}).web.display_timezone
    with pytest.raises(ConfigError, match=r"^PORTAL_DISPLAY_TIMEZONE must be an IANA time zone"):
        load_settings({"PORTAL_DISPLAY_TIMEZONE": "Beijing"})
