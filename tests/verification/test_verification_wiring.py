"""Which sources verification uses, from the settings; never a silent pass."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from portal.config import ConfigError, load_settings
from portal.verification.wiring import (
    VerificationNotConfiguredError,
    VerificationSettings,
    build_verification,
    verification_settings,
)
from registry.resilience import ResilientBusinessRegistry
from registry.testing import TestClock
from verification import SupplierClaims, VerificationService

QCC = {"PORTAL_QICHACHA_KEY": "k", "PORTAL_QICHACHA_SECRET": "s"}
TYC = {"PORTAL_TIANYANCHA_TOKEN": "t"}


def load_verification_settings(env: dict[str, str], *, demo: bool) -> VerificationSettings:
    return verification_settings(load_settings({**env, "PORTAL_DEMO": "1" if demo else "0"}))


def test_credentials_select_the_real_providers_in_the_configured_order() -> None:
    env = {**QCC, **TYC, "PORTAL_REGISTRY_PROVIDERS": "tianyancha,qichacha,qixin"}
    settings = load_verification_settings(env, demo=True)
    assert settings.mode == "live"  # credentials win over the demo data set

    async def providers() -> list[str]:
        async with build_verification(settings).ports() as ports:
            assert isinstance(ports.registry, ResilientBusinessRegistry)
            return [name for name, _ in ports.registry.failover.providers]

    assert asyncio.run(providers()) == ["tianyancha", "qichacha"]


def test_demo_mode_uses_the_demo_data_set() -> None:
    for env, demo in (({"PORTAL_REGISTRY_DEMO": "1"}, False), ({}, True)):
        settings = load_verification_settings(env, demo=demo)
        assert settings.mode == "demo" and settings.in_process_minutes == (5 if demo else 0)


def test_without_credentials_or_demo_verification_is_not_configured() -> None:
    wiring = build_verification(load_verification_settings({}, demo=False))
    assert not wiring.configured
    with pytest.raises(VerificationNotConfiguredError, match="not configured"):
        wiring.ports()


def test_malformed_settings_name_the_variable() -> None:
    with pytest.raises(ConfigError, match="PORTAL_VERIFY_CADENCE_DAYS"):
        load_verification_settings({"PORTAL_VERIFY_CADENCE_DAYS": "monthly"}, demo=True)


def test_providers_out_of_quota_give_unknown_never_invalid() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "tianyancha" in request.url.host:
            return httpx.Response(200, json={"error_code": 300006, "reason": "余额不足"})
        return httpx.Response(200, json={"Status": "102", "Message": "账号余额不足"})

    settings = load_verification_settings({**QCC, **TYC}, demo=False)
    wiring = build_verification(settings, clock=TestClock(), transport=httpx.MockTransport(handler))

    async def verify() -> list[str]:
        async with wiring.ports() as ports:
            service = VerificationService(ports.registry, ports.tax, clock=wiring.clock)
            result = await service.verify(
                SupplierClaims("上海澜川智能科技有限公司", "91310115MAFE1KM15M")
            )
            assert "mismatch" not in {s.state.value for s in result.fields.values()}
            return list(result.codes)

    assert asyncio.run(verify()) == ["registry.unavailable", "tax.unavailable"]
